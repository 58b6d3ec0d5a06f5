"""CSAT / NPS / CES intervals, tests of differences, gaps, alerts, KPI composite, DiagnosticsParams."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxkit import metrics
from cxkit.diagnostics import DiagnosticsParams
from cxkit.errors import AnalysisError, ConfigError, DataError


# ----------------------------------------------------------------- 0-100 rule
def test_rescaling_rule():
    assert metrics.to_0_100(1, "likert", 1, 5) == 0 and metrics.to_0_100(5, "likert", 1, 5) == 100
    assert metrics.to_0_100(3, "likert", 1, 5) == 50
    assert metrics.to_0_100(-100, "nps") == 0 and metrics.to_0_100(100, "nps") == 100
    assert metrics.to_0_100(1, "effort", 1, 7) == 100 and metrics.to_0_100(7, "effort", 1, 7) == 0
    assert metrics.to_0_100(0.85, "share") == pytest.approx(85)
    with pytest.raises(AnalysisError, match="unknown KPI kind"):
        metrics.to_0_100(1, "percent")


# ----------------------------------------------------------------- intervals
@pytest.mark.parametrize("k,n,lo,hi", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                       (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_matches_newcombe_1998(k, n, lo, hi):
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no correction)
    got = metrics.wilson_interval(k, n)
    assert got == pytest.approx((lo, hi), abs=6e-5)


def test_csat_summary_top_box_and_mean_interval():
    from scipy import stats
    x = np.array([5, 4, 4, 3, 2, 5, 4, 1, 5, 3, 4, 4])
    r = metrics.csat_summary(x)
    assert r["top_box"] == pytest.approx(8 / 12)
    assert (r["top_box_low"], r["top_box_high"]) == pytest.approx(metrics.wilson_interval(8, 12))
    ci = stats.ttest_1samp(x, 0).confidence_interval()
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert r["mean_0_100"] == pytest.approx(100 * (x.mean() - 1) / 4)
    with pytest.raises(DataError, match="column 'csat'.*outside 1–5"):
        metrics.csat_summary([1, 2, 6])
    with pytest.raises(AnalysisError, match="no answers"):
        metrics.csat_summary([np.nan])


def test_nps_interval_is_trinomial_variance():
    # Reference: statsmodels DescrStatsW on the +1/0/-1 scores (its std_mean uses n - 1;
    # the trinomial variance p+ + p- - (p+ - p-)^2 over n is the ddof = 0 version)
    from statsmodels.stats.weightstats import DescrStatsW
    rng = np.random.default_rng(1)
    x = rng.integers(0, 11, 400)
    s = np.where(x >= 9, 1, np.where(x <= 6, -1, 0))
    r = metrics.nps_summary(x)
    d = DescrStatsW(s)
    assert r["nps"] == pytest.approx(100 * s.mean(), abs=1e-12)
    assert r["se"] == pytest.approx(100 * d.std_mean * np.sqrt((len(s) - 1) / len(s)), rel=1e-12)
    assert r["ci_high"] - r["nps"] == pytest.approx(1.959964 * r["se"], rel=1e-6)
    assert r["promoters"] + r["passives"] + r["detractors"] == pytest.approx(1)


def test_nps_difference_z_test_against_statsmodels():
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 11, 2000), np.clip(rng.integers(0, 11, 1500) + (rng.random(1500) < 0.2), 0, 10)
    sa = np.where(a >= 9, 1, np.where(a <= 6, -1, 0))
    sb = np.where(b >= 9, 1, np.where(b <= 6, -1, 0))
    z_ref, p_ref = CompareMeans(DescrStatsW(sa), DescrStatsW(sb)).ztest_ind(usevar="unequal")
    r = metrics.nps_diff_test(a, b)
    assert r["diff"] == pytest.approx(100 * (sa.mean() - sb.mean()))
    assert r["z"] == pytest.approx(z_ref, rel=1e-3)  # ddof 0 vs 1 only
    assert r["p_value"] == pytest.approx(p_ref, rel=5e-3)


def test_ces_ease():
    r = metrics.ces_summary([1, 2, 3, 4, 7])
    assert r["mean"] == pytest.approx(3.4) and r["ease_0_100"] == pytest.approx(100 * (7 - 3.4) / 6)
    with pytest.raises(DataError, match="outside 1–7"):
        metrics.ces_summary([0, 3])


# ----------------------------------------------------------------- tests of differences
@pytest.fixture(scope="module")
def groups() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    g = np.repeat(["platinum", "gold", "ordinary"], [80, 120, 200])
    mu = pd.Series(g).map({"platinum": 4.2, "gold": 3.9, "ordinary": 3.7}).to_numpy()
    csat = np.clip(np.round(mu + rng.normal(0, 0.9, len(g))), 1, 5)
    nps = np.clip(np.round(2 * mu + rng.normal(0, 2, len(g))), 0, 10)
    return pd.DataFrame({"tier": g, "csat": csat, "nps": nps})


def test_mean_differences_match_statsmodels_and_scipy(groups):
    from scipy import stats
    from statsmodels.stats.oneway import anova_oneway
    r = metrics.compare_groups(groups, "csat", "tier", kind="mean", order=["platinum", "gold", "ordinary"])
    om = r["omnibus"].set_index("test")
    samples = [groups.loc[groups.tier == t, "csat"] for t in ("platinum", "gold", "ordinary")]
    w = anova_oneway(samples, use_var="unequal")
    assert om.loc["welch_anova", "statistic"] == pytest.approx(w.statistic, rel=1e-9)
    assert om.loc["welch_anova", "p_value"] == pytest.approx(w.pvalue, rel=1e-6)
    kw = stats.kruskal(*samples)
    assert om.loc["kruskal", "statistic"] == pytest.approx(kw.statistic, rel=1e-9)
    assert om.loc["kruskal", "effect_size"] == pytest.approx(kw.statistic / (len(groups) - 1))
    pw = r["pairwise"].set_index(["a", "b"])
    t = stats.ttest_ind(samples[0], samples[1], equal_var=False)
    assert pw.loc[("platinum", "gold"), "statistic"] == pytest.approx(t.statistic, rel=1e-9)
    # Holm correction: reference pingouin.multicomp
    import pingouin as pg
    _, ref = pg.multicomp(r["pairwise"]["p_value"].to_numpy(), method="holm")
    np.testing.assert_allclose(r["pairwise"]["p_adj"], ref, rtol=1e-12)


def test_proportion_differences_match_scipy_chi2(groups):
    from scipy import stats
    r = metrics.compare_groups(groups, "csat", "tier", kind="proportion", top_threshold=4)
    tab = pd.crosstab(groups["tier"], groups["csat"] >= 4)
    chi2, p, _, _ = stats.chi2_contingency(tab, correction=False)
    assert r["omnibus"]["statistic"].iloc[0] == pytest.approx(chi2, rel=1e-9)
    assert r["omnibus"]["p_value"].iloc[0] == pytest.approx(p, rel=1e-6)
    assert r["omnibus"]["effect_size"].iloc[0] == pytest.approx(np.sqrt(chi2 / len(groups)))


def test_nps_group_test(groups):
    r = metrics.compare_groups(groups, "nps", "tier", kind="nps")
    pw = r["pairwise"].set_index(["a", "b"])
    ref = metrics.nps_diff_test(groups.loc[groups.tier == "gold", "nps"], groups.loc[groups.tier == "ordinary", "nps"])
    assert pw.loc[("gold", "ordinary"), "statistic"] == pytest.approx(ref["z"])
    assert (r["pairwise"]["p_adj"] >= r["pairwise"]["p_value"]).all()


def test_too_few_respondents_for_a_test(groups):
    small = pd.concat([groups, pd.DataFrame({"tier": ["potential"] * 4, "csat": [3, 4, 2, 5], "nps": [5] * 4})])
    with pytest.raises(AnalysisError, match=r"too few respondents .*potential n=4 \(minimum 30\)"):
        metrics.compare_groups(small, "csat", "tier", min_n=30)
    r = metrics.compare_groups(small, "csat", "tier", min_n=30, drop_small=True)
    assert r["skipped"] == {"potential": 4} and "potential" not in r["groups"]
    with pytest.raises(AnalysisError, match="needs at least two groups"):
        metrics.compare_groups(small, "csat", "tier", min_n=150, drop_small=True)
    tests = metrics.difference_tests(small, [{"kpi": "csat", "column": "csat", "kind": "mean"}], "tier", min_n=150)
    assert tests["problems"] and tests["omnibus"].empty


def test_wave_change_matches_scipy():
    from scipy import stats
    rng = np.random.default_rng(4)
    a, b = rng.integers(1, 6, 300), rng.integers(1, 6, 250)
    r = metrics.wave_change(a, b, kind="mean")
    t = stats.ttest_ind(a, b, equal_var=False)
    assert r["statistic"] == pytest.approx(t.statistic) and r["p_value"] == pytest.approx(t.pvalue, rel=1e-6)
    df_a, df_b = pd.DataFrame({"csat": a, "ces": a + 1}), pd.DataFrame({"csat": b, "ces": b + 1})
    w = metrics.wave_table(df_a, df_b, {"csat": "csat", "ces": "ces"}, {"csat": (1, 5), "ces": (1, 7)})
    assert list(w["kpi"]) == ["csat", "top_box", "ces"]
    assert w.set_index("kpi").loc["ces", "better"] == (a.mean() < b.mean())


# ----------------------------------------------------------------- gaps, alerts, composite
def test_gap_formula_documents_example():
    assert metrics.gap(28, 5) == pytest.approx(4.6)   # doc 002: 28 min vs 5 min -> 460%
    with pytest.raises(AnalysisError, match="benchmark of 0"):
        metrics.gap(3, 0)


def test_alerts():
    tiers = {"platinum": {"satisfaction": 83.8}, "gold": {"satisfaction": 80.0}}
    rules = metrics.default_alert_rules({"csat_alert": 80, "platinum_alert": 85})
    got = metrics.check_alerts(rules, {"csat_0_100": 79.9}, tiers)
    assert [(a["metric"], a["tier"]) for a in got] == [("csat_0_100", None), ("satisfaction", "platinum")]
    assert metrics.check_alerts(rules, {"csat_0_100": 80.0}, {"platinum": {"satisfaction": 85}}) == []
    with pytest.raises(ConfigError, match="no tier 'vip'"):
        metrics.check_alerts([{"metric": "csat_0_100", "below": 80, "tier": "vip"}], {}, tiers)
    with pytest.raises(ConfigError, match="unknown metric 'csat'"):
        metrics.check_alerts([{"metric": "csat", "below": 80}], {"csat_0_100": 1})


def test_kpi_composite_documents_weights_and_grades():
    w = metrics.KPI_WEIGHTS
    assert sum(w.values()) == pytest.approx(1.0)
    scores = {"timeliness": 90, "flow_efficiency": 80, "compliance": 95, "satisfaction": 76, "fcr": 85, "nps": 60}
    r = metrics.kpi_composite(scores)
    assert r["score"] == pytest.approx(0.2 * 90 + 0.15 * 80 + 0.15 * 95 + 0.25 * 76 + 0.15 * 85 + 0.1 * 60)
    assert [metrics.grade(x) for x in (79.99, 80, 89.99, 90, 95)] == ["below", "pass", "pass", "excellent",
                                                                       "outstanding"]
    with pytest.raises(ConfigError, match=r"weights sum to 0\.95, they must sum to 1"):
        metrics.kpi_composite(scores, {**w, "nps": 0.05})
    with pytest.raises(ConfigError, match="no value for fcr"):
        metrics.kpi_composite({k: v for k, v in scores.items() if k != "fcr"})
    s, missing = metrics.composite_inputs({"fcr": 0.86, "timeliness": 91}, w, csat_0_100=76.0, nps=-20.0)
    assert s["fcr"] == pytest.approx(86) and s["timeliness"] == 91 and s["nps"] == 40
    assert missing == ["flow_efficiency", "compliance"]


# ----------------------------------------------------------------- params
def test_diagnostics_params_defaults_and_errors():
    p = DiagnosticsParams.model_validate({})
    assert p.kpi_composite.weights == metrics.KPI_WEIGHTS
    assert p.tier_score.weights == {"value": 0.4, "interaction": 0.25, "need": 0.2, "loyalty": 0.15}
    from cxkit.config import validate_region
    base = {"engagement": "x", "client": "c", "wave": "w", "region": "east", "label": "East"}
    with pytest.raises(ConfigError) as exc:
        validate_region("east", {**base, "diagnostics": {"kpi_composite": {"weights": {"satisfaction": 0.5,
                                                                                       "nps": 0.4}}}}, {}, "e.yaml")
    assert "diagnostics.kpi_composite.weights" in str(exc.value) and "sum to 0.9" in str(exc.value)
    with pytest.raises(ConfigError, match="unknown key 'driver_outcom'"):
        validate_region("east", {**base, "diagnostics": {"driver_outcom": "csat"}}, {}, "e.yaml")
    with pytest.raises(ConfigError, match="tier shares must be ≥ 0 and sum to 1"):
        validate_region("east", {**base, "diagnostics": {"tier_shares": {"a": 0.5, "b": 0.3}}}, {}, "e.yaml")


def test_diagnostics_module_is_light_to_import():
    import subprocess
    import sys
    code = "import sys, cxkit.diagnostics; print(any(m in sys.modules for m in ('pandas', 'numpy', 'scipy')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


@pytest.mark.parametrize("module", ["metrics", "drivers", "tiers", "diagnostics"])
def test_docstring_examples(module):
    import doctest
    import importlib
    res = doctest.testmod(importlib.import_module(f"cxkit.{module}"), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 0


def test_binary_csat_top_box_is_the_share_of_yes_and_overall_uses_its_range():
    """Issue 15: a 0/1 CSAT showed top-2-box 100 % (a "top-2 box" of two levels is every answer) and
    `outcome_ranges: {overall: [0, 1]}` showed "satisfaction (0–100) 0.4"."""
    from statsmodels.stats.proportion import proportion_confint

    from cxkit import metrics

    rng = np.random.default_rng(5)
    yes = rng.integers(0, 2, 300)
    df = pd.DataFrame({"sat": yes, "ov": rng.uniform(0, 1, 300)})
    k = metrics.kpi_values(df, {"csat": "sat", "overall": "ov"}, {"csat": (0, 1), "overall": (0, 1)})
    assert k["top_box"] == pytest.approx(yes.mean())
    assert (k["top_box_low"], k["top_box_high"]) == pytest.approx(proportion_confint(yes.sum(), 300, method="wilson"))
    assert k["overall"] == pytest.approx(100 * df["ov"].mean()) and k["satisfaction"] == k["overall"]
    s5 = rng.integers(1, 6, 300)                     # a 1–5 scale keeps its top-2 box (4 or 5)
    five = metrics.kpi_values(df.assign(sat=s5), {"csat": "sat"}, {"csat": (1, 5)})
    assert five["top_box"] == pytest.approx((s5 >= 4).mean())
