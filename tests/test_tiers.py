"""Customer tiers: spend bands, composite tier score, agreement, share-weighted overall check."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit import tiers
from cxkit.errors import AnalysisError, ConfigError, DataError

DOC_SAT = {"platinum": 82, "gold": 78, "ordinary": 74, "potential": 68}
DOC_SHARE = {"platinum": 0.12, "gold": 0.28, "ordinary": 0.45, "potential": 0.15}


def test_documents_stated_overall_disagrees_with_share_weighted_tiers():
    # doc 003: 0.12·82 + 0.28·78 + 0.45·74 + 0.15·68 = 75.18, but the overall is stated as 76
    r = tiers.share_weighted_check(DOC_SAT, DOC_SHARE, 76)
    assert r["weighted"] == pytest.approx(75.18, abs=1e-9)
    assert r["difference"] == pytest.approx(0.82, abs=1e-9)
    assert r["consistent"] is False
    assert tiers.share_weighted_check(DOC_SAT, DOC_SHARE, 75.3)["consistent"] is True


def test_share_check_bad_inputs():
    with pytest.raises(ConfigError, match="sum to 1; they sum to 0.9"):
        tiers.share_weighted_check(DOC_SAT, {**DOC_SHARE, "potential": 0.05}, 76)
    with pytest.raises(AnalysisError, match="no satisfaction score for tier.*potential"):
        tiers.share_weighted_check({k: v for k, v in DOC_SAT.items() if k != "potential"}, DOC_SHARE, 76)


def test_spend_bands_documents_boundaries():
    # doc 003: platinum > 50,000; gold 10,000-50,000; ordinary 1,000-10,000; potential < 1,000
    s = [50_000.01, 50_000, 10_000, 9_999.99, 1_000, 999.99, 0]
    assert tiers.spend_tier(s).tolist() == ["platinum", "gold", "gold", "ordinary", "ordinary", "potential",
                                            "potential"]
    with pytest.raises(DataError, match=r"column 'annual_spend', rows 4: spend must be a number ≥ 0"):
        tiers.spend_tier([10, 20, -5])
    with pytest.raises(ConfigError, match="lowest band starts at 100"):
        tiers.spend_tier([50], {"gold": 1000, "ordinary": 100})


def test_demo_tiers_follow_spend_bands():
    from cxkit import demo
    df = demo.make_responses("east", 20261122, n=600)
    assert (tiers.spend_tier(df["annual_spend"]) == df["tier"]).all()


def _customers(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"annual_spend": np.exp(rng.uniform(5, 12, n)), "aov": rng.uniform(50, 5000, n),
                         "repurchase_rate": rng.uniform(0, 1, n), "interactions_12m": rng.poisson(4, n),
                         "need_profile": rng.choice(["efficiency", "experience", "price"], n),
                         "nps": rng.integers(0, 11, n), "complaint_30d": rng.integers(0, 2, n)})


def test_tier_score_components_and_weights():
    from scipy import stats
    d = _customers()
    s = tiers.tier_score(d)
    pct = lambda x: 100 * (stats.rankdata(x) - 1) / (len(x) - 1)  # noqa: E731  (percentile rank, ties averaged)
    value = (pct(d["annual_spend"]) + pct(d["aov"]) + pct(d["repurchase_rate"])) / 3
    np.testing.assert_allclose(s["value"], value)
    np.testing.assert_allclose(s["interaction"], pct(d["interactions_12m"]))
    np.testing.assert_allclose(s["need"], d["need_profile"].map({"experience": 100, "efficiency": 70, "price": 40}))
    np.testing.assert_allclose(s["loyalty"], (10 * d["nps"] + 100 * (1 - d["complaint_30d"])) / 2)
    np.testing.assert_allclose(s["score"], 0.4 * s["value"] + 0.25 * s["interaction"] + 0.2 * s["need"]
                               + 0.15 * s["loyalty"])
    assert s["score"].between(0, 100).all()


def test_tier_score_bad_inputs():
    d = _customers(50)
    with pytest.raises(ConfigError, match="weights sum to 1.1"):
        tiers.tier_score(d, weights={"value": 0.5, "interaction": 0.25, "need": 0.2, "loyalty": 0.15})
    d.loc[7, "need_profile"] = "luxury"
    with pytest.raises(DataError, match=r"rows 9: need profile\(s\) luxury have no score"):
        tiers.tier_score(d)
    with pytest.raises(DataError, match="needs column.*aov"):
        tiers.tier_score(_customers(20).drop(columns="aov"))


def test_score_tiers_shares_and_kappa():
    s = pd.Series(np.arange(1000, dtype=float))
    t = tiers.score_tiers(s)
    assert t.value_counts(normalize=True).to_dict() == pytest.approx(DOC_SHARE)
    assert t.iloc[-1] == "platinum" and t.iloc[0] == "potential"
    # Cohen's kappa, textbook 2x2 example: [[20, 5], [10, 15]] -> p_o = .7, p_e = .5, kappa = .4
    a = pd.Series(["gold"] * 25 + ["ordinary"] * 25)
    b = pd.Series(["gold"] * 20 + ["ordinary"] * 5 + ["gold"] * 10 + ["ordinary"] * 15)
    r = tiers.agreement(a, b)
    assert r["agreement"] == pytest.approx(0.7) and r["kappa"] == pytest.approx(0.4)


def test_tier_profile_order_and_shares():
    d = pd.DataFrame({"tier": ["gold", "platinum", "gold", "vip"], "annual_spend": [20_000, 90_000, 30_000, 1]})
    p = tiers.tier_profile(d, "tier", ["annual_spend", "missing_col"])
    assert p["tier"].tolist() == ["platinum", "gold", "vip"]
    assert p.set_index("tier").loc["gold", "annual_spend"] == 25_000
    assert p["share"].sum() == pytest.approx(1)
