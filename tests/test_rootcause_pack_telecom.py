"""Issue 18 (3): the telecom root-cause pack (lib/cxkit/codebooks/telecom.yaml).

Corpus: the NPS detractor comments (NPS_SCORE 0-6, 1,271 rows) of ``nps_telecom_verbatims``, a UK
broadband and phone provider (English); passives (7-8) are not part of it. The hand-judged sample
(``telecom_judged200.csv``, seed 18) and the coverage sample (``telecom_coverage300.csv``, seed 7) are
checked by tests/test_rootcause_packs.py; see docs/rootcause_packs.md for the figures. The corpus has no human cause label (``SURVEY_SUB_TYPE``
is the journey stage the survey was sent at, not a reason), so there is no kappa to compute here.

The Chinese terms (信号, 网速, 话费, 套餐, 宽带, 客服, 营业厅, 装维 ...) have no Chinese corpus to be checked
on: the zh sentences below are their only check.
"""
from pathlib import Path

import pandas as pd
import pytest

from cxkit import rootcause as rc

DATA = Path(__file__).parent / "data" / "rootcause_packs"
SOURCE = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "nps_telecom_verbatims" / "text_data.csv"


def _code(texts, lang=None):
    return rc.auto_code(texts, rc.load_codebook("telecom"), lang)


@pytest.mark.parametrize("text, code", [
    ("信号太差了，在家里经常没信号", "network_speed"),
    ("网速太慢，看个视频一直卡顿", "network_speed"),
    ("客服很耐心，但是宽带网速太慢", "network_speed"),          # praise clause (客服很耐心) dropped
    ("话费莫名其妙多扣了二十块", "billing"),
    ("套餐资费太贵了，不划算", "price_value"),
    ("网速不慢，就是月租太贵", "price_value"),                  # negation: 不慢 is not a speed complaint
    ("信号没问题，就是资费太贵", "price_value"),                # 没问题 is not a complaint
    ("宽带装了一个月还没开通", "provisioning_delay"),
    ("客服态度很差，问什么都一问三不知", "cs_staff"),
    ("营业厅排队排了两个小时", "store_channel"),
    ("热线打不通，转人工要等半小时", "hard_to_reach"),
    ("网速很快，就是客服电话打不通", "hard_to_reach"),
    ("装维师傅约好上午来，结果放鸽子", "technician"),
    ("安装师傅很专业，但是装好后一直断网", "network_speed"),    # praised technician, the fault is the line
    ("合约期没到，销户要交违约金", "contract_terms"),
    ("没经过我同意就给我开通了增值业务", "broken_promises"),
    ("承诺的话费返现一直没到账", "promotions_rewards"),
    ("小区只能用这一家宽带，没得选", "no_choice"),
    ("家门口建了个基站，担心辐射", "infrastructure_third_party"),
    ("携号转网办了三次都没办成", "order_handling"),
    ("信号很稳定，客服态度也不错", rc.UNCODED),                 # praise only
    ("师傅态度很好", rc.UNCODED),
])
def test_telecom_zh_sentences(text, code):
    assert _code([text], ["zh"])["primary_code"][0] == code


@pytest.mark.parametrize("text, code", [
    ("The engineer was very helpful but the broadband speed is terrible", "network_speed"),
    ("The engineer was brilliant", rc.UNCODED),                  # "was" must not read as "as" (praise kept)
    ("Engineer didn't turn up and I took a day off work", "technician"),
    ("It cost me a day's wages when the engineer failed to show", "technician"),   # "cost me" is a loss, not the price
    ("Still not connected after 6 weeks", "provisioning_delay"),
    ("Good service, although the bill is quite high", "price_value"),   # a high bill is the price, not a billing error
    ("I was charged twice for line rental", "billing"),
    ("I haven't paid my first bill yet", rc.UNCODED),            # the survey's "first payment" stage, no complaint
    ("On hold for 40 minutes before anyone answered", "hard_to_reach"),
    ("Still waiting for a call back from the complaints team", "communication_followup"),  # waiting on a call is not a connection delay
    ("My order was cancelled without telling me", "order_handling"),
    ("Cancelled my engineer appointment twice without notice", "technician"),   # a cancelled visit is the engineers' code
    ("Too expensive compared to other providers", "price_value"),
    ("We had no choice, you are the only provider on a new build", "no_choice"),
    ("No problems with the installation", rc.UNCODED),
    ("Speed isn't as fast as promised", "network_speed"),
    ("My broadband didn\u2019t work straight away", "service_fault"),   # curly apostrophe
    ("Phone still doesn\ufffdt work", "service_fault"),                # U+FFFD for a lost apostrophe, as in the corpus
    ("Customer service was rude and unhelpful", "cs_staff"),
    ("Customer service was good, clear and helpful.", rc.UNCODED),
    ("Told different things by every advisor", "staff_information"),
    ("Openreach had to dig up the road and put in a new pole", "infrastructure_third_party"),
    ("The website kept crashing at checkout", "website_systems"),
    ("Still waiting for the \u00a350 reward card", "promotions_rewards"),
    ("Upfront fee of \u00a360 for installation", "fees_charges"),
    ("Read the notes on my account", rc.UNCODED),                # points to the records, not a system fault
])
def test_telecom_en_sentences(text, code):
    assert _code([text], ["en"])["primary_code"][0] == code


def test_telecom_pack_shares_the_fishbone_and_is_bilingual():
    cb = rc.load_codebook("telecom")
    assert list(cb.categories) == list(rc.load_codebook("service_fishbone").categories)
    assert all((c.keywords["zh"] or c.regex["zh"]) and (c.keywords["en"] or c.regex["en"]) for c in cb.codes)


@pytest.mark.skipif(not SOURCE.is_file(), reason="the shared real-data folder is not available")
def test_committed_samples_come_from_the_detractor_comments():
    """Every committed row is a data row (1-based, header excluded) of the source file with NPS 0-6,
    and its text is the first 400 characters of that comment."""
    src = pd.read_csv(SOURCE)
    src.index = src.index + 1
    for name in ["telecom_judged200.csv", "telecom_coverage300.csv"]:
        d = pd.read_csv(DATA / name, keep_default_na=False)
        rows = d["id"].str.removeprefix("nps").astype(int)
        assert src.loc[rows, "NPS_SCORE"].between(0, 6).all(), name
        assert (src.loc[rows, "NPS_RATING"] == "Detractor").all(), name
        assert (src.loc[rows, "text"].str.strip().str.slice(0, 400).to_numpy() == d["text"].to_numpy()).all(), name
        assert (src.loc[rows, "NPS_SCORE"].astype(int).to_numpy() == d["nps_score"].to_numpy()).all(), name
