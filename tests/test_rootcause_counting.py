"""Issue 18 (1): one primary category per complaint ranks the causes; multi-label only as "mentioning"."""
import pandas as pd
import pytest

from cxkit import demo
from cxkit import rootcause as rc

SEED = 20261122


@pytest.fixture(scope="module")
def fishbone():
    return rc.load_codebook("service_fishbone")


def test_primary_counts_count_each_complaint_once(fishbone):
    texts = ["客服电话一直打不通，客服态度也差", "The app keeps crashing and the agent was rude", "嗯", "价格太贵"]
    c = rc.auto_code(texts, fishbone)
    p = rc.primary_counts(c, fishbone)
    assert p["n"].sum() == len(texts) and p["share"].sum() == pytest.approx(1.0)
    m = rc.category_counts(c, fishbone)
    assert m["n"].sum() > len(texts)              # multi-label mentions overlap
    assert set(c.columns) >= {"primary", "primary_code", "terms"}
    assert all(pc == rc.UNCODED or fishbone.code(pc).category == pr for pr, pc in zip(c["primary"], c["primary_code"]))


def test_tie_rule_first_mention_then_codebook_order(fishbone):
    # one match each for technology (闪退) and price (太贵): the one written first wins
    a, b = rc.auto_code(["App 闪退，价格太贵", "价格太贵，App 闪退"], fishbone, ["zh", "zh"])["primary"]
    assert (a, b) == ("technology", "price")
    # a heavier category beats an earlier single mention
    r = rc.auto_code(["价格贵，客服态度差，服务员不理人，客服敷衍"], fishbone)
    assert r["primary"][0] == "people"


def test_codes_table_has_terms(fishbone, tmp_path):
    c = rc.auto_code(["客服态度冷淡", "嗯"], fishbone)
    t = rc.codes_table(c, ["A1", "A2"])
    assert list(t.columns) == ["id", "lang", "primary", "primary_code", "categories", "codes", "terms"]
    assert t.loc[0, "primary"] == "people" and "staff_attitude:态度" in t.loc[0, "terms"]
    assert t.loc[1, "primary"] == rc.UNCODED and t.loc[1, "terms"] == ""
    p = rc.write_codes_csv(tmp_path / "x.codes.csv", t)
    back = pd.read_csv(p, encoding="utf-8-sig", keep_default_na=False)
    assert back["id"].tolist() == ["A1", "A2"]


@pytest.mark.parametrize("region", list(demo.REGIONS))
def test_demo_top3_equals_truth(fishbone, region):
    """Done-when of issue 18: the shown top-3 causes are the true top-3, shares within 5 points."""
    df = demo.make_complaints(region, SEED)
    c = rc.auto_code(df["comment"], fishbone, df["lang"])
    shown = rc.primary_counts(c, fishbone)
    shown = shown[shown["item"] != rc.UNCODED].sort_values(["n", "item"], ascending=[False, True])
    truth = df["true_category"].value_counts(normalize=True)
    truth = truth.sort_values(ascending=False)
    top_shown = shown["item"].head(3).tolist()
    assert top_shown == truth.index[:3].tolist()
    share = dict(zip(shown["item"], shown["share"]))
    for cat in top_shown:
        assert abs(share[cat] - truth[cat]) <= 0.05, (cat, share[cat], truth[cat])
