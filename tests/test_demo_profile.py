"""The demo generator (deterministic, known truth) and the data-profile functions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit import demo, profile


def test_demo_is_deterministic_and_seeded():
    a = demo.make_responses("west", 7, n=300)
    b = demo.make_responses("west", 7, n=300)
    c = demo.make_responses("west", 8, n=300)
    pd.testing.assert_frame_equal(a, b)
    assert not a["overall"].equals(c["overall"])
    assert demo.make_complaints("east", 7, n=50).equals(demo.make_complaints("east", 7, n=50))


@pytest.fixture(scope="module")
def east():
    return demo.make_responses("east", 20261122)


def test_demo_sizes_and_tier_shares(east):
    for r in demo.REGIONS:
        assert demo.REGIONS[r][2] >= 1500
    share = east["tier"].value_counts(normalize=True)
    for t, s in demo.TIER_SHARE.items():
        assert abs(share[t] - s) < 0.03, (t, share[t])


def test_demo_tier_satisfaction_and_spend_bands(east):
    means = east.groupby("tier")["overall"].mean() - demo.REGIONS["east"][3]
    for t, mu in demo.TIER_SAT.items():
        assert abs(means[t] - mu) < 1.5, (t, means[t])
    csat100 = (east.groupby("tier")["csat"].mean() - 1) / 4 * 100
    assert csat100["platinum"] > csat100["gold"] > csat100["ordinary"] > csat100["potential"]
    for t, (lo, hi) in demo.TIER_SPEND.items():
        s = east.loc[east["tier"] == t, "annual_spend"]
        assert s.min() >= lo - 1 and s.max() <= hi + 1


def test_demo_regions_differ():
    a = demo.make_responses("east", 1)["overall"].mean()
    b = demo.make_responses("west", 1)["overall"].mean()
    assert a - b > 4


def test_demo_reverse_and_weak_items(east):
    c = east[["resp1", "resp2", "resp4", "rel1", "rel2", "rel4"]].corr()
    assert c.loc["resp1", "resp4"] < 0 < c.loc["resp1", "resp2"]   # reverse-keyed item
    assert abs(c.loc["rel1", "rel4"]) < 0.5 * c.loc["rel1", "rel2"]  # the weak item


def test_demo_complaints_have_truth_and_both_languages():
    c = demo.make_complaints("south", 3)
    assert set(c["lang"]) == {"zh", "en"} and c["true_category"].notna().all()
    assert c["comment"].str.contains("@|1[3-9]\\d{9}", regex=True).any()  # some PII to redact


def test_generate_writes_truth(tmp_path):
    (tmp_path / "engagement.yaml").write_text("engagement: x\nseed: 5\n", encoding="utf-8")
    written = demo.generate(tmp_path)
    assert (tmp_path / "data" / "truth.json").is_file() and len(written) == 23   # 11 + the pilot (07) + 11 tracking waves (03)
    assert demo.generate(tmp_path) == []  # already there: nothing rewritten


def test_profile_functions_against_pandas():
    df = pd.DataFrame({"a": [1, 1, np.nan, 5, 3], "b": [1, 2, np.nan, 5, 3], "c": [1, 3, 4, 5, np.nan],
                       "tier": ["gold", "gold", "platinum", None, "vip"]})
    miss = profile.item_missingness(df, ["a", "b", "c"]).set_index("item")
    assert miss.loc["a", "missing"] == 1 and miss.loc["c", "share"] == pytest.approx(0.2)
    comp = profile.completion(df, ["a", "b", "c"])
    assert comp["complete_share"] == pytest.approx(3 / 5) and comp["partial_n"] == 2
    st = profile.straightliners(df, ["a", "b", "c"], min_items=3)
    assert st.tolist() == [True, False, False, True, False]  # rows 1 and 4: all answers equal
    seg = profile.segment_counts(df, "tier")
    assert seg["segment"].tolist()[:2] == ["platinum", "gold"] and seg["n"].sum() == 5
    oor = profile.out_of_range(df.assign(a=[1, 9, 2, 0, 3]), {"a": (1, 5)})
    assert oor.iloc[0]["n"] == 2 and oor.iloc[0]["rows"] == "3, 5"
    dist = profile.distribution(df, ["a"], 1, 5)
    assert dist.loc["a"].sum() == pytest.approx(1) and dist.loc["a", 1] == pytest.approx(0.5)


def test_plain_warnings_trigger_on_thresholds():
    tiers = pd.DataFrame({"segment": ["gold"], "n": [40]})
    miss = pd.DataFrame({"item": ["q1"], "share": [0.2]})
    w = dict(profile.plain_warnings(tiers, miss, {"complete_share": 0.5}, 0.1))
    assert set(w) == {"profile.warn_small_cell", "profile.warn_missing", "profile.warn_completion", "profile.warn_straight"}
    assert profile.plain_warnings(tiers.assign(n=500), miss.assign(share=0.01), {"complete_share": 0.99}, 0.0) == []


def test_previous_wave_and_retest():
    now = demo.make_responses("east", 11)
    before = demo.make_responses("east", 11, shift_delta=-3.0, stream=1)
    assert now["overall"].mean() - before["overall"].mean() == pytest.approx(3.0, abs=1.0)
    assert not now["resp1"].equals(before["resp1"])           # an independent sample, not a copy
    rt = demo.make_retest("north", 11, n=200)
    first = demo.make_responses("north", 11).head(200)
    assert rt["respondent_id"].tolist() == first["respondent_id"].tolist()
    r = np.corrcoef(rt["resp1"].fillna(3), first["resp1"].fillna(3))[0, 1]
    assert 0.6 < r < 0.99                                     # stable but not identical answers


def test_generate_redraws_when_the_seed_changes(tmp_path):
    (tmp_path / "engagement.yaml").write_text("engagement: x\nseed: 5\n", encoding="utf-8")
    demo.generate(tmp_path)
    before = (tmp_path / "data" / "east_responses.csv").read_bytes()
    (tmp_path / "engagement.yaml").write_text("engagement: x\nseed: 6\n", encoding="utf-8")
    assert len(demo.generate(tmp_path)) == 23
    assert (tmp_path / "data" / "east_responses.csv").read_bytes() != before
