"""Issue 18 (3): the public_service pack (service halls, libraries, utilities, hospitals' service side).

Checked on real NHS patient feedback (The-Strategy-Unit/pxtextmining, datasets/text_data.csv): the
hand-judged sample and the coverage sample are in tests/data/rootcause_packs/ and are checked by
tests/test_rootcause_packs.py. This file holds the sentence tests (zh and en, including the praise,
negation and word-sense rules of the pack) and the agreement with the corpus' own human label.
See docs/rootcause_packs.md.
"""
from pathlib import Path

import pandas as pd
import pytest

from cxkit import rootcause as rc

DATA = Path(__file__).parent / "data" / "rootcause_packs"


def _code(texts, lang=None):
    return rc.auto_code(texts, rc.load_codebook("public_service"), lang)


@pytest.mark.parametrize("text, code", [
    # zh: the Chinese terms are checked here only (the corpus is English)
    ("办事大厅排了两个小时的队，才轮到我", "waiting_times"),
    ("窗口工作人员态度很差，爱理不理", "staff_attitude"),
    ("跑了好几趟，每次都说材料不全，手续太繁琐", "rules_paperwork"),
    ("网上办理系统老是登录不了，验证码也收不到", "online_systems"),
    ("停车位太少，根本没地方停车", "location_parking"),
    ("中午午休不办公，下班时间又太早", "opening_hours"),
    ("12345热线一直占线，打不通", "hard_to_reach"),
    ("阅览室太吵了，根本没法学习", "noise_comfort"),
    ("想借的书总是借不到，复本太少", "collection_resources"),
    ("小区又停水了，也不提前通知", "supply_outage"),
    ("这个月电费账单是估抄的，多收了两百块", "billing"),
    ("工作人员态度很好，就是排队太久了", "waiting_times"),          # praise clause dropped
    ("大厅不吵，就是窗口太少", "staffing_levels"),                    # negation: 不吵 is not noise
    ("工作人员很热情，但是办理效率太低", "waiting_times"),            # 热情 is not 热 (temperature)
    ("工作人员态度冷漠", "staff_attitude"),                           # 冷漠 is not 冷 (cold)
    ("医院食堂的饭菜太难吃了", "amenities_food_activities"),
    ("办证要交二十块工本费", "fees_charges"),
    # en: real-style sentences of the corpus' kinds
    ("Waited three months for a first appointment", "waiting_times"),
    ("The receptionist was rude and dismissive", "staff_attitude"),
    ("Staff were lovely, but the ward was noisy at night", "noise_comfort"),   # praise clause dropped
    ("No problems with the staff, but parking is impossible", "location_parking"),
    ("The staff were friendly but I couldn't get through on the phone", "hard_to_reach"),
    ("Really would like appointments closer together - they are too far apart", "service_provision"),  # not distance
    ("I understand there are budget pressures, but I was discharged too early", "coordination_continuity"),
    ("The website kept logging me out and the online form would not submit", "online_systems"),
    ("My library fine was 15 pounds for one day late", "fees_charges"),        # a fine is not a wait
    ("Textbooks on reserve are never available when I need them", "collection_resources"),
    ("Another power cut this week and the water pressure is low", "supply_outage"),
    ("Nobody told me my appointment had been cancelled", "appointments_followup"),
    ("Food was cold and tasteless", "amenities_food_activities"),
    ("Everything.", "general_dissatisfaction"),                               # no reason given
    ("The staff do care about the patients.", rc.UNCODED),                     # praise
])
def test_public_service_rules_on_sentences(text, code):
    assert _code([text])["primary_code"][0] == code


def test_public_service_is_bilingual_and_shares_the_fishbone_categories():
    cb = rc.load_codebook("public_service")
    assert list(cb.categories) == list(rc.load_codebook("service_fishbone").categories)
    assert all((c.keywords["zh"] or c.regex["zh"]) and (c.keywords["en"] or c.regex["en"]) for c in cb.codes)


# The corpus' human label (pxtextmining `label` / `subcategory`) mapped to the eight bones.
_BONE = {
    "Time spent waiting for first appt/referral/service": "process",
    "Time spent waiting between appointments": "process",
    "Provision of services": "product", "Location": "place",
    "Communication": "process", "Amount/clarity of information": "process", "Listening": "people",
    "Attitude Of Staff": "people", "Professionalism/Competence Of Staff": "people", "Staff: General": "people",
    "Staffing levels": "people",
    "Environment/ facilities": "environment", "Cleanliness": "environment", "Facilities/equipment": "place",
    "Food": "product",
    "Respect For Diversity/ Person-Centeredness": "people",
    "Involvement: Of Service Users/Patients": "process", "Involvement: Of Family And Carers": "process",
    "Dignity: General": "policy", "Feeling safe including bullying": "environment",
    "Coordination/Integration Of Care": "process", "Consistency/Continuity of care": "process",
    "Transition And Discharge": "process", "Transition/ coordination: General": "process",
    "Funding": "environment", "Leave (under MHA)": "policy", "Everything was good/bad": "product",
    "Nothing was good": "product", "Surveying": "process", "Miscellaneous": "product",
}


def label_bone(label: str, subcategory: str) -> str:
    """Bone of a pxtextmining label: Care received -> product (its 'Rules/approach to care' -> policy),
    Access/General -> product, otherwise by subcategory (see docs/rootcause_packs.md)."""
    if label == "Care received":
        return "policy" if subcategory == "Rules/approach to care" else "product"
    if label == "Access" and subcategory == "General":
        return "product"
    return _BONE[subcategory]


def test_agreement_with_the_human_label_beats_the_constant_guess():
    """Cohen's kappa of the pack's primary category against the corpus' own label, on the committed
    random sample (seed 7). The constant guess (always the most frequent bone) has kappa 0; the pack
    must do better. Measured when the pack was written: kappa 0.397, agreement 0.535 against 0.480 for
    the constant guess (`product`); on all 496 complaints of the corpus: kappa 0.451, agreement 0.577
    against 0.427."""
    from sklearn.metrics import cohen_kappa_score

    cov = pd.read_csv(DATA / "public_service_coverage200.csv", keep_default_na=False)
    truth = [label_bone(lab, sub) for lab, sub in zip(cov["label"], cov["subcategory"])]
    pred = _code(cov["text"].str.slice(0, 2000), cov["lang"])["primary"].tolist()
    kappa = cohen_kappa_score(truth, pred)
    agree = sum(t == p for t, p in zip(truth, pred)) / len(truth)
    top = max(set(truth), key=truth.count)
    base = truth.count(top) / len(truth)
    print(f"public_service vs label: kappa {kappa:.3f}, agreement {agree:.3f}, constant guess ({top}) {base:.3f}")
    assert kappa > 0.3
    assert agree > base
