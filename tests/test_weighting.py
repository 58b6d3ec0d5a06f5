"""cxkit.weighting: raking, post-stratification, design weights and weighted estimates vs R survey.

References: tests/data/r_reference/weighting.json, computed by tests/data/r_reference/weighting.R
with Debian r-cran-survey 4.1.1 on tests/data/weighting/east_sample.csv (provenance in
tests/data/weighting/README.md). Tolerances (issue): 1e-6 on estimates and weights, 1e-4
(relative) on standard errors, intervals and test statistics.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit import weighting as wt
from cxkit.errors import ConfigError, DataError

HERE = Path(__file__).resolve().parent
RDIR = HERE / "data" / "r_reference"
DATA = HERE / "data" / "weighting" / "east_sample.csv"
REF = json.loads((RDIR / "weighting.json").read_text(encoding="utf-8"))
TIER = REF["meta"]["tier_share"]
CHANNEL = REF["meta"]["channel_share"]
MARGINS = {"tier": TIER, "channel": CHANNEL}
CELLS = {"tier|channel": {f"{t}|{c}": TIER[t] * CHANNEL[c] for t in TIER for c in CHANNEL}}
EST, SE = 1e-6, 1e-4


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    df = pd.read_csv(DATA)
    assert len(df) == REF["meta"]["n"] == 587
    return df


@pytest.fixture(scope="module")
def designs(d) -> dict:
    """Our weights for each design of weighting.R (same names)."""
    trimmed = wt.rake(d, MARGINS, tol=1e-13, trim=(0.3, 3.0))
    return {
        "unw": np.ones(len(d)),
        "rake": wt.rake(d, MARGINS, tol=1e-13),
        "cal": wt.rake(d, MARGINS, tol=1e-13),
        "ps": wt.poststratify(d, {"tier": TIER}),
        "ps2": wt.poststratify(d, CELLS),
        "dw": wt.design_weights(d, "pi"),
        "cw": wt.from_column(d, "client_weight"),
        "rakecw": wt.rake(d, MARGINS, base_weights="client_weight", tol=1e-13, variance="rake"),
        "calcw": wt.rake(d, MARGINS, base_weights="client_weight", tol=1e-13),
        "trimfix": trimmed,
    }


DESIGNS = ["unw", "rake", "cal", "ps", "ps2", "dw", "cw", "rakecw", "calcw", "trimfix"]


def _w(w) -> np.ndarray:
    return w.weights if isinstance(w, wt.Weights) else np.asarray(w) / np.mean(w)


# --------------------------------------------------------------------------- parity with R
@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("var,by,kind", [("csat", "channel", "mean"), ("tan1", "channel", "mean"),
                                         ("npsscore", "age_band", "nps")])
def test_group_test_matches_svyglm_regtermtest(d, designs, name, var, by, kind):
    """Issue 19: weighted group tests are design-based: domain means and their covariance as R
    vcov(svyglm(y ~ g - 1)), the omnibus Wald F as regTermTest(svyglm(y ~ g), ~g) (tan1 has missing values)."""
    r = REF[name][f"group_{var.replace('score', '')}_{by.split('_')[0]}"]
    y = (d["nps"].ge(9).astype(float) - d["nps"].le(6)) if var == "npsscore" else d[var]
    t = wt.weighted_group_test(y, d[by], designs[name], kind=kind, levels=r["levels"])
    np.testing.assert_allclose(t.estimates, r["est"], rtol=0, atol=EST)
    np.testing.assert_allclose(t.cov, np.array(r["vcov"]), rtol=1e-6, atol=1e-12)
    assert t.statistic == pytest.approx(np.ravel(r["F"])[0], rel=1e-6)
    assert (t.df1, t.df2) == (r["df"], r["ddf"])
    assert t.p_value == pytest.approx(np.ravel(r["p"])[0], abs=SE)
    pair = t.pairwise.iloc[0]     # first two levels: their difference's SE from R's covariance matrix
    V = np.array(r["vcov"])
    assert pair["se"] == pytest.approx(np.sqrt(V[0, 0] + V[1, 1] - 2 * V[0, 1]), rel=1e-6)


def test_group_test_proportion_is_rao_scott(d, designs):
    topbox = (d["csat"] >= 4).astype(float)
    t = wt.weighted_group_test(topbox, d["complaint_30d"].astype(str), designs["rake"], kind="proportion")
    c = wt.weighted_chisq(topbox, d["complaint_30d"].astype(str), designs["rake"])
    assert (t.test, t.statistic, t.p_value) == ("rao_scott_f", pytest.approx(c.statistic), pytest.approx(c.p_value))


@pytest.mark.parametrize("name", DESIGNS)
def test_weights_and_kish_match_r(designs, name):
    r, w = REF[name], designs[name]
    np.testing.assert_allclose(_w(w), r["weights"], rtol=0, atol=EST)
    assert _w(w).mean() == pytest.approx(1.0, abs=1e-12)
    if isinstance(w, wt.Weights):
        assert w.effective_n == pytest.approx(r["kish_n"], rel=EST)
        assert w.deff == pytest.approx(len(w.weights) / r["kish_n"], rel=EST)
        assert w.converged


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("var", ["csat", "overall"])
def test_svymean_and_confint(d, designs, name, var):
    r = REF[name][var]
    e = wt.weighted_mean(d[var], designs[name])
    assert e.estimate == pytest.approx(r["est"], abs=EST)
    assert e.se == pytest.approx(r["se"], rel=SE)
    assert e.ci == pytest.approx(r["ci"], rel=SE)                        # confint(svymean()): normal
    assert wt.weighted_mean(d[var], designs[name], ci="t").ci == pytest.approx(r["ci_t"], rel=SE)  # df = degf


@pytest.mark.parametrize("name", DESIGNS)
def test_missing_values_and_domains_as_r(d, designs, name):
    r = REF[name]
    e = wt.weighted_mean(d["tan1"], designs[name])                      # 14 missing: svymean(na.rm = TRUE)
    assert e.n == 573
    assert e.estimate == pytest.approx(r["tan1"]["est"], abs=EST)
    assert e.se == pytest.approx(r["tan1"]["se"], rel=SE)
    assert e.ci == pytest.approx(r["tan1"]["ci"], rel=SE)
    gold = (d["tier"] == "gold").to_numpy()                               # subset(design, tier == "gold")
    g = wt.weighted_mean(d["csat"], designs[name], subset=gold, ci="t")
    assert g.estimate == pytest.approx(r["csat_gold"]["est"], abs=EST)
    assert g.se == pytest.approx(r["csat_gold"]["se"], rel=SE)
    assert g.ci == pytest.approx(r["csat_gold"]["ci_t"], rel=SE)
    p = wt.weighted_proportion(d["csat"] >= 4, designs[name], subset=gold)
    assert p.estimate == pytest.approx(r["topbox_gold"]["est"], abs=EST)
    assert p.ci == pytest.approx(r["topbox_gold"]["ci"], rel=SE)


@pytest.mark.parametrize("name", DESIGNS)
def test_nps_is_svymean_of_trinomial_score(d, designs, name):
    r = REF[name]["nps"]
    e = wt.weighted_nps(d["nps"], designs[name])
    assert e.estimate == pytest.approx(100 * r["est"], abs=100 * EST)
    assert e.se == pytest.approx(100 * r["se"], rel=SE)
    assert e.ci == pytest.approx([100 * c for c in r["ci"]], rel=SE)


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("method", ["logit", "beta", "mean"])
def test_svyciprop(d, designs, name, method):
    r = REF[name]["topbox"][method]
    e = wt.weighted_proportion(d["csat"] >= 4, designs[name], method=method)
    assert e.estimate == pytest.approx(r["est"], abs=EST)
    assert e.se == pytest.approx(r["se"], rel=SE)
    assert e.ci == pytest.approx(r["ci"], rel=SE)


@pytest.mark.parametrize("name", DESIGNS)
@pytest.mark.parametrize("pair", [("channel", "age_band"), ("tier", "complaint_30d")])
def test_svychisq_rao_scott_f(d, designs, name, pair):
    r = REF[name][f"chisq_{pair[0]}_{pair[1].split('_')[0]}"]
    t = wt.weighted_chisq(d[pair[0]], d[pair[1]], designs[name])
    assert t.statistic == pytest.approx(r["F"], rel=SE)
    assert t.ndf == pytest.approx(r["ndf"], rel=SE)
    assert t.ddf == pytest.approx(r["ddf"], rel=SE)
    assert t.p_value == pytest.approx(r["p"], rel=SE, abs=1e-8)
    assert t.table.to_numpy().sum() == pytest.approx(1.0)


def test_trimmed_raking_follows_r_trimweights_then_rake(d, designs):
    w, r = designs["trimfix"], REF["trim"]
    np.testing.assert_allclose(w.weights, r["weights"], rtol=0, atol=EST)   # the same weights as R's loop
    assert w.trim_rounds == r["rounds"] == 26
    assert w.trimmed > 0 and w.converged
    assert 0.3 * (1 - 1e-8) <= w.min and w.max <= 3.0 * (1 + 1e-8)
    got = wt.rake(d, MARGINS, tol=1e-13, trim=(0.3, 3.0))
    for col, shares in MARGINS.items():                                   # margins still met exactly
        achieved = pd.Series(got.weights).groupby(d[col].to_numpy()).sum() / len(d)
        for lev, s in shares.items():
            assert achieved[lev] == pytest.approx(s, abs=1e-9)
    # R's loop stacks one raking adjustment per round into the variance; ours adjusts once with the final
    # weights (= REF["trimfix"], tested above). The two differ by < 0.5 %:
    for var in ("csat", "overall"):
        assert wt.weighted_mean(d[var], w).se == pytest.approx(r[var]["se"], rel=5e-3)


def test_calibrate_vs_rake_variance_with_unequal_base_weights(d, designs):
    """R's rake() and calibrate() differ with unequal base weights; each of our variants matches one."""
    rk, cl = REF["rakecw"]["csat"]["se"], REF["calcw"]["csat"]["se"]
    assert abs(rk / cl - 1) > 1e-3                                        # a real difference, well above tolerance
    assert wt.weighted_mean(d["csat"], designs["rakecw"]).se == pytest.approx(rk, rel=SE)
    assert wt.weighted_mean(d["csat"], designs["calcw"]).se == pytest.approx(cl, rel=SE)


def test_calibration_adjustment_matters(d, designs):
    """Without the calibration residuals the SE would miss R's raked SE: the parity tests can fail."""
    w = designs["rake"]
    plain = wt.weighted_mean(d["overall"], w.weights)                    # the same weights, weights-only variance
    r = REF["rake"]["overall"]["se"]
    assert plain.estimate == pytest.approx(REF["rake"]["overall"]["est"], abs=EST)
    assert abs(plain.se / r - 1) > 100 * SE
    assert wt.weighted_mean(d["overall"], w).se == pytest.approx(r, rel=SE)


def test_docstring_examples_match_r():
    ex = REF["examples"]
    m = wt.weighted_mean([1, 2, 3, 4], [1, 1, 2, 4])
    assert (m.estimate, m.se) == pytest.approx((ex["mean"]["est"], ex["mean"]["se"]), rel=1e-9)
    assert m.ci == pytest.approx(ex["mean"]["ci"], rel=1e-9)
    p = wt.weighted_proportion([1, 1, 0, 1, 0, 0, 1, 1], [1, 2, 1, 1, 2, 1, 1, 1])
    assert p.estimate == pytest.approx(ex["prop"]["est"]) and p.ci == pytest.approx(ex["prop"]["ci"], rel=1e-7)
    n = wt.weighted_nps([10, 9, 8, 6, 3, 10], [1, 1, 1, 2, 1, 1])
    assert (n.estimate, n.se) == pytest.approx((ex["nps"]["est"], ex["nps"]["se"]), abs=1e-9)
    t = wt.weighted_chisq(list("aabbababab"), list("xyyyxyxyxx"), [1, 2, 1, 1, 1, 2, 1, 1, 2, 1])
    assert (t.statistic, t.ndf, t.ddf, t.p_value) == pytest.approx(
        (ex["chisq"]["F"], ex["chisq"]["ndf"], ex["chisq"]["ddf"], ex["chisq"]["p"]), rel=1e-9)
    df = pd.DataFrame({"tier": list("aaabbb"), "loyal": list("ynynny")})
    w = wt.rake(df, {"tier": {"a": 0.5, "b": 0.5}, "loyal": {"y": 0.6, "n": 0.4}}, tol=1e-13)
    assert w.weights == pytest.approx(np.array(ex["rake"]) / np.mean(ex["rake"]), abs=1e-9)


@pytest.mark.r
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_r_script_reproduces_committed_figures(tmp_path):
    """Re-run weighting.R (needs r-cran-survey, r-cran-jsonlite) and compare with the committed JSON."""
    ok = subprocess.run(["Rscript", "-e", "library(survey); library(jsonlite)"], capture_output=True)
    if ok.returncode:
        pytest.skip("R packages survey/jsonlite are not installed")
    out = tmp_path / "weighting.json"
    subprocess.run(["Rscript", "weighting.R", str(DATA), str(out)], cwd=RDIR, check=True, capture_output=True)
    new = json.loads(out.read_text(encoding="utf-8"))
    for name in DESIGNS + ["trim"]:
        np.testing.assert_allclose(new[name]["weights"], REF[name]["weights"], atol=1e-12)
        assert new[name]["csat"]["se"] == pytest.approx(REF[name]["csat"]["se"], rel=1e-10)


# --------------------------------------------------------------------------- properties
def test_rake_meets_margins_and_reports(d):
    w = wt.rake(d, MARGINS)
    assert w.method == "rake" and w.n == len(d) and w.converged and 1 < w.iterations < 100
    assert w.weights.sum() == pytest.approx(len(d))
    for col, shares in MARGINS.items():
        got = pd.Series(w.weights).groupby(d[col].to_numpy()).sum() / len(d)
        assert got.to_dict() == pytest.approx(shares, abs=1e-9)
    cv2 = w.weights.var() / w.weights.mean() ** 2
    assert w.deff == pytest.approx(1 + cv2) and w.effective_n == pytest.approx(len(d) / (1 + cv2))
    assert (w.min, w.max) == (w.weights.min(), w.weights.max())
    s = w.summary()
    assert list(s) == ["method", "n", "effective_n", "deff", "min", "max", "converged", "iterations"]
    json.dumps(s)                                                        # JSON-ready for the results file
    assert w.series().index.equals(d.index)


def test_grouped_ipf_equals_row_level_ipf(d):
    """IPF on groups of identical respondents = the textbook row-by-row loop (continuous base weights)."""
    base = d["client_weight"].to_numpy()
    w = base / base.mean()
    for _ in range(200):
        for col, shares in MARGINS.items():
            tot = pd.Series(w).groupby(d[col].to_numpy()).transform("sum").to_numpy()
            w = w * d[col].map(shares).to_numpy() * len(d) / tot
    got = wt.rake(d, MARGINS, base_weights="client_weight", tol=1e-14)
    np.testing.assert_allclose(got.weights, w, atol=1e-10)
    # base weights as values = as a column; scale of the base weights is irrelevant
    np.testing.assert_allclose(wt.rake(d, MARGINS, base_weights=3 * base).weights, got.weights, atol=1e-9)


def test_rake_column_order_and_level_types_do_not_matter(d):
    a = wt.rake(d, MARGINS, tol=1e-13).weights
    b = wt.rake(d, {"channel": CHANNEL, "tier": TIER}, tol=1e-13).weights
    np.testing.assert_allclose(a, b, atol=1e-9)
    df = pd.DataFrame({"g": [1, 1, 2, 2, 2], "h": [1.0, 2.0, 1.0, 1.0, 2.0]})   # numeric levels, YAML int/str keys
    w1 = wt.rake(df, {"g": {1: 0.5, 2: 0.5}, "h": {"1": 0.5, "2": 0.5}})
    w2 = wt.rake(df.astype(str).replace({"1.0": "1", "2.0": "2"}), {"g": {"1": 0.5, "2": 0.5}, "h": {1: 0.5, 2: 0.5}})
    np.testing.assert_allclose(w1.weights, w2.weights)


def test_poststratify_cells_tuple_and_pipe_forms(d):
    t = {("tier", "channel"): {(a, b): TIER[a] * CHANNEL[b] for a in TIER for b in CHANNEL}}
    np.testing.assert_allclose(wt.poststratify(d, t).weights, wt.poststratify(d, CELLS).weights)
    w = wt.poststratify(d, CELLS)
    cell = d["tier"] + "|" + d["channel"]
    got = pd.Series(w.weights).groupby(cell.to_numpy()).sum() / len(d)
    assert got.to_dict() == pytest.approx(CELLS["tier|channel"], abs=1e-12)
    assert w.iterations == 1 and w.converged


def test_design_weights_from_plan_mapping_equals_column(d):
    plan = {"tier": {"platinum": 0.9, "gold": 0.35, "ordinary": 0.2, "potential": 0.35}}
    np.testing.assert_allclose(wt.design_weights(d, plan).weights, wt.design_weights(d, "pi").weights)
    w = wt.design_weights(d, d["pi"].to_numpy())
    assert w.method == "design" and w.calibration is None


def test_trim_only_for_design_and_column(d):
    w = wt.from_column(d, "client_weight", trim=(0.5, 1.5))
    assert w.min >= 0.5 - 1e-12 and w.max <= 1.5 + 1e-12 and w.trimmed > 0
    assert w.weights.mean() == pytest.approx(1.0)


def test_weight_dispatches_params(d):
    p = {"method": "rake", "margins": MARGINS, "trim": [0.3, 3.0]}
    np.testing.assert_allclose(wt.weight(d, p).weights, REF["trim"]["weights"], atol=1e-6)
    w = wt.weight(d, {"method": "design", "column": "client_weight"})
    assert w.method == "column"
    np.testing.assert_allclose(w.weights, REF["cw"]["weights"], atol=1e-9)
    w = wt.weight(d, {"method": "design", "probabilities": "pi"})
    np.testing.assert_allclose(w.weights, REF["dw"]["weights"], atol=1e-9)
    w = wt.weight(d, {"method": "rake", "margins": MARGINS, "column": "client_weight", "tol": 1e-13})
    np.testing.assert_allclose(w.weights, REF["calcw"]["weights"], atol=1e-6)
    w = wt.weight(d, {"method": "poststratify", "margins": CELLS})
    np.testing.assert_allclose(w.weights, REF["ps2"]["weights"], atol=1e-9)


def test_weighted_kpis_keys_and_values(d, designs):
    w = designs["rake"]
    k = wt.weighted_kpis(d, w, {"csat": "csat", "nps": "nps", "ces": "ces", "overall": "overall"},
                         {"csat": (1, 5), "ces": (1, 7), "overall": (0, 100)})
    for key in ("csat", "csat_0_100", "top_box", "nps", "nps_0_100", "ces", "ces_ease_0_100", "overall",
                "satisfaction"):
        lo, hi = k[f"{key}_ci"]
        assert lo < k[key] < hi, key
    assert k["csat"] == pytest.approx(REF["rake"]["csat"]["est"])
    assert k["csat_ci"] == pytest.approx(REF["rake"]["csat"]["ci"], rel=SE)
    assert k["csat_0_100"] == pytest.approx(25 * (REF["rake"]["csat"]["est"] - 1))
    assert k["top_box_ci"] == pytest.approx(REF["rake"]["topbox"]["logit"]["ci"], rel=SE)
    assert k["nps"] == pytest.approx(100 * REF["rake"]["nps"]["est"])
    assert k["satisfaction"] == k["overall"]
    assert k["promoters"] - k["detractors"] == pytest.approx(k["nps"] / 100)
    json.dumps(k)


# --------------------------------------------------------------------------- bad input
def test_margins_not_summing_to_one(d):
    with pytest.raises(ConfigError) as e:
        wt.rake(d, {"tier": {**TIER, "gold": 0.25}, "channel": CHANNEL})
    assert "weighting.margins.tier" in str(e.value) and "sum to 0.97" in str(e.value)
    with pytest.raises(ConfigError, match="fractions"):
        wt.rake(d, {"tier": {k: 100 * v for k, v in TIER.items()}})
    with pytest.raises(ConfigError, match="level 'gold' must be ≥ 0"):
        wt.rake(d, {"tier": {**TIER, "gold": -0.28, "ordinary": 1.01}})
    wt.rake(d, {"tier": {**TIER, "gold": 0.2805}, "channel": CHANNEL})     # within ±0.001: accepted, rescaled


def test_margin_level_absent_from_data(d):
    with pytest.raises(DataError) as e:
        wt.rake(d, {"tier": {"diamond": 0.1, **{k: v * 0.9 for k, v in TIER.items()}}, "channel": CHANNEL})
    msg = str(e.value)
    assert "column 'tier'" in msg and "level 'diamond'" in msg and "no respondent" in msg and "collapse" in msg


def test_data_levels_absent_from_margins(d):
    with pytest.raises(DataError) as e:
        wt.rake(d, {"tier": {"platinum": 0.2, "gold": 0.3, "ordinary": 0.5}, "channel": CHANNEL})
    msg = str(e.value)
    assert "column 'tier'" in msg and "'potential' (90 respondents)" in msg and "weighting.margins.tier" in msg
    with pytest.raises(DataError, match=r"'platinum' \(197 respondents\); did you mean 'Platinum'"):
        wt.rake(d, {"tier": {"Platinum": 0.12, "gold": 0.28, "ordinary": 0.45, "potential": 0.15}})


def test_empty_poststratification_cell(d):
    sub = d[~((d["tier"] == "ordinary") & (d["channel"] == "hotline"))]
    with pytest.raises(DataError) as e:
        wt.poststratify(sub, CELLS)
    msg = str(e.value)
    assert "empty post-stratification cell" in msg and "tier=ordinary, channel=hotline" in msg
    assert "column 'tier|channel'" in msg and "collapse" in msg


def test_missing_values_in_weighting_column(d):
    bad = d.copy()
    bad.loc[[3, 10], "channel"] = np.nan
    with pytest.raises(DataError) as e:
        wt.rake(bad, MARGINS)
    msg = str(e.value)
    assert "column 'channel'" in msg and "rows 4, 11" in msg and "2 respondent(s) have no value" in msg


def test_missing_column(d):
    with pytest.raises(DataError, match="column 'Tier'.*did you mean 'tier'"):
        wt.rake(d, {"Tier": TIER})
    with pytest.raises(DataError, match="column 'wgt'"):
        wt.from_column(d, "wgt")


def test_non_convergence_names_iterations_and_gap():
    # level b of x only occurs with level m of y: x=b 60 % forces y=m ≥ 60 %, but y=m is 30 %
    df = pd.DataFrame({"x": ["a", "a", "b", "b"], "y": ["m", "n", "m", "m"]})
    margins = {"x": {"a": 0.4, "b": 0.6}, "y": {"m": 0.3, "n": 0.7}}
    with pytest.raises(DataError) as e:
        wt.rake(df, margins, max_iter=50)
    msg = str(e.value)
    assert "did not converge after 50 iterations" in msg and "largest remaining gap" in msg
    assert "column '" in msg and "level '" in msg and "cross-tabulation" in msg
    w = wt.rake(df, margins, max_iter=50, on_failure="warn")             # never a silent fallback
    assert not w.converged and w.iterations == 50 and w.max_gap > 0.01
    assert any("did not converge" in m for m in w.warnings)


def test_extreme_weights_warning_in_result(d):
    w = wt.rake(d, MARGINS)                                               # raked: 0.29 … 4.8, none beyond [0.2, 5]
    assert w.warnings == ()
    df = pd.DataFrame({"g": ["a"] * 98 + ["b"] * 2})
    w = wt.poststratify(df, {"g": {"a": 0.5, "b": 0.5}})
    assert len(w.warnings) == 1 and "extreme weights" in w.warnings[0] and "weighting.trim" in w.warnings[0]
    assert "2 respondent(s)" in w.warnings[0]


def test_trim_bounds_that_a_level_cannot_meet(d):
    with pytest.raises(ConfigError) as e:
        wt.rake(d, MARGINS, trim=(0.5, 3.0))
    msg = str(e.value)
    assert "weighting.trim" in msg and "column 'tier' level 'platinum'" in msg and "0.358" in msg
    with pytest.raises(ConfigError, match="0 ≤ low < 1 < high"):
        wt.rake(d, MARGINS, trim=(1.2, 3.0))


def test_trim_bounds_that_the_margins_jointly_cannot_meet():
    # every level's average weight is within [0.3, 3], but a:n must stay ≤ 0.41, forcing a:m ≥ 6.3
    df = pd.DataFrame({"x": ["a"] * 10 + ["b"] * 10, "y": ["m"] + ["n"] * 9 + ["m"] * 9 + ["n"]})
    margins = {"x": {"a": 0.5, "b": 0.5}, "y": {"m": 0.8, "n": 0.2}}
    with pytest.raises(DataError) as e:
        wt.rake(df, margins, trim=(0.3, 3.0))
    msg = str(e.value)
    assert "still outside the trim bounds [0.3, 3]" in msg and "after 100 rounds" in msg
    assert "checked by linear programming" in msg and "widen weighting.trim" in msg
    w = wt.rake(df, margins, trim=(0.3, 3.0), on_failure="warn")
    assert not w.converged and "trim bounds" in w.warnings[0]
    assert wt.rake(df, margins, trim=(0.05, 8.0)).converged               # feasible once widened


def test_bad_weight_and_probability_columns(d):
    bad = d.copy()
    bad.loc[5, "client_weight"] = np.nan
    bad.loc[7, "pi"] = 1.5
    with pytest.raises(DataError, match=r"column 'client_weight', rows 6: 1 respondent\(s\) have no weight"):
        wt.from_column(bad, "client_weight")
    with pytest.raises(DataError, match=r"column 'pi', rows 8: .*above 1"):
        wt.design_weights(bad, "pi")
    bad.loc[5, "client_weight"] = -1
    with pytest.raises(DataError, match="≤ 0"):
        wt.from_column(bad, "client_weight")
    with pytest.raises(DataError, match="without a selection probability: 'potential'"):
        wt.design_weights(d, {"tier": {"platinum": 0.9, "gold": 0.35, "ordinary": 0.2}})


def test_params_validation():
    ok = wt.WeightingParams.model_validate({"method": "rake", "margins": {"tier": TIER, "Customer Type":
                                            {"Loyal Customer": 0.7, "disloyal Customer": 0.3}}, "trim": [0.3, 3.0]})
    assert ok.trim == (0.3, 3.0) and ok.column is None
    assert wt.WeightingParams.model_validate({"margins": {"age": {1: 0.4, 2: 0.6}}}).margins == {"age": {"1": 0.4, "2": 0.6}}
    assert not wt.WeightingParams.model_validate({}).enabled                # no section: unweighted, valid
    assert wt.WeightingParams.model_validate({"margins": {"tier": TIER}}).method == "rake"
    assert wt.WeightingParams.model_validate({"probabilities": "pi"}).method == "design"
    with pytest.raises(ConfigError, match="not configured"):
        wt.weight(pd.DataFrame({"tier": ["gold"]}), {})
    bad = [({"method": "rake"}, "needs margins"),
           ({"method": "poststratify", "margins": MARGINS}, "exactly one entry"),
           ({"method": "design"}, "needs column"),
           ({"method": "design", "margins": MARGINS, "column": "w"}, "does not use margins"),
           ({"method": "design", "column": "w", "probabilities": "pi"}, "not both"),
           ({"margins": {"tier": TIER}, "trim": [0.3, 0.9]}, "low < 1 < high"),
           ({"margins": {"tier": TIER}, "trim": [1.0, 3.0]}, "low < 1 < high"),
           ({"margins": {"tier": TIER}, "weights": "x"}, "Extra inputs"),
           ({"margins": {"tier|channel": {"gold": 1.0}}}, "one level per column"),
           ({"margins": {"tier": {"a": 0.5, "b": 0.4}}}, "population shares of column 'tier' sum to 0.9"),
           ({"method": "design", "probabilities": {"tier": {"gold": 1.5}}}, "level 'gold' of column 'tier'"),
           ({"trim": [0.3, 3.0]}, "trim needs something to weight")]
    for spec, text in bad:
        with pytest.raises(Exception) as e:
            wt.WeightingParams.model_validate(spec)
        assert text in str(e.value), (spec, str(e.value))
    with pytest.raises(ConfigError) as e:                                # via weight(): a ConfigError with key path
        wt.weight(pd.DataFrame({"tier": ["gold"]}), {"margins": {"tier": {"gold": 0.5}}})
    assert "weighting.margins" in str(e.value) and "'tier'" in str(e.value)


def test_estimator_input_errors(d):
    with pytest.raises(DataError, match="10 values for 587 weights"):
        wt.weighted_mean(d["csat"].head(10), wt.rake(d, MARGINS))
    with pytest.raises(DataError, match="0/1"):
        wt.weighted_proportion(d["csat"], np.ones(len(d)))
    with pytest.raises(DataError, match="0–10"):
        wt.weighted_nps(d["csat"] * 3, np.ones(len(d)))
    with pytest.raises(DataError, match=r"column 'csat'.*outside 1–3"):
        wt.weighted_kpis(d, np.ones(len(d)), {"csat": "csat"}, {"csat": (1, 3)})


@pytest.mark.slow
def test_notebook_03_headline_kpis_are_weighted_when_asked(small_engagement, tmp_path):
    """Issue 19 wiring: with `weighting: {method: poststratify, margins: {tier: ...}}` the headline satisfaction of
    03 is Σ_tier share · mean(overall | tier) (the post-stratified mean, by definition), its interval is recorded,
    and `weights` says how; without the section the KPIs stay unweighted and `weights` is null."""
    import json

    import yaml

    from cxkit.runner import run

    shares = {"platinum": 0.10, "gold": 0.20, "ordinary": 0.50, "potential": 0.20}
    cfg = yaml.safe_load((small_engagement / "engagement.yaml").read_text(encoding="utf-8"))
    plain = run(small_engagement, out_dir=tmp_path / "plain", regions=["east"], notebooks=["03"], workers=1)
    assert plain.ok, plain.failures
    cfg["weighting"] = {"method": "poststratify", "margins": {"tier": shares}}
    (small_engagement / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    rep = run(small_engagement, out_dir=tmp_path / "w", regions=["east"], notebooks=["03"], workers=1)
    assert rep.ok, rep.failures
    res = json.loads((tmp_path / "w" / "east" / "03_diagnostics.results.json").read_text(encoding="utf-8"))
    base = json.loads((tmp_path / "plain" / "east" / "03_diagnostics.results.json").read_text(encoding="utf-8"))
    df = pd.read_csv(small_engagement / "data" / "east_responses.csv")
    expected = sum(s * df.loc[df["tier"] == t, "overall"].mean() for t, s in shares.items())
    assert res["satisfaction_0_100"] == pytest.approx(expected, rel=1e-9)
    assert base["satisfaction_0_100"] == pytest.approx(df["overall"].mean(), rel=1e-9) and base["weights"] is None
    lo, hi = res["satisfaction_0_100_ci"]
    assert lo < res["satisfaction_0_100"] < hi
    w = res["weights"]
    assert w["method"] == "poststratify" and w["n"] == len(df) and w["effective_n"] < len(df) and w["converged"]
    assert "Weighting" in (tmp_path / "w" / "east" / "03_diagnostics.html").read_text(encoding="utf-8") or \
        "加权" in (tmp_path / "w" / "east" / "03_diagnostics.html").read_text(encoding="utf-8")
    # the group tests are design-based (R regTermTest / svychisq, checked above), and the channel tests' p-values
    # equal weighted_group_test on the same weights (post-stratified on tier: w = share / sample share)
    assert set(res["difference_tests"]["tier"]) >= {"overall.wald_f", "top_box.rao_scott_f"}
    wts = wt.poststratify(df, {"tier": shares})
    big = [g for g, n in df["channel"].astype(str).value_counts().items() if n >= 30]   # diagnostics.min_group_n
    ref = wt.weighted_group_test(df["overall"], df["channel"].astype(str), wts, kind="mean", levels=sorted(big))
    assert res["difference_tests"]["channel"]["overall.wald_f"] == pytest.approx(ref.p_value, rel=1e-9)
    # drivers from the weighted correlation matrix: different from the unweighted ones
    assert res["driver_weights"] != pytest.approx(base["driver_weights"], abs=1e-6)
    perf_ref = {c: 100 * (np.average(df[c].dropna(), weights=wts.weights[df[c].notna()]) - 1) / 4 for c in ["tan1"]}
    assert perf_ref["tan1"] != pytest.approx(100 * (df["tan1"].mean() - 1) / 4, abs=1e-6)


def test_stratified_rollup_matches_svymean_of_a_stratified_design(d):
    """Issue 19, engagement roll-up: regions as strata at their population shares. Reference: R svymean of
    svydesign(strata = ~channel, weights = share·n/n_h) (channels standing in for regions)."""
    r = REF["rollup"]
    for var, ref in (("csat", r["csat"]), ("nps", r["nps"])):
        est = {}
        for ch, part in d.groupby("channel"):
            if var == "csat":
                est[ch] = wt.weighted_mean(part["csat"], np.ones(len(part)))
            else:
                est[ch] = wt.weighted_nps(part["nps"], np.ones(len(part)))
        roll = wt.stratified_rollup(est, CHANNEL)
        assert roll.estimate == pytest.approx(ref["est"], abs=EST)
        assert roll.se == pytest.approx(np.ravel(ref["se"])[0], rel=1e-6)
    with pytest.raises(wt.ConfigError, match="no population share for 'web'"):
        wt.stratified_rollup(est, {k: v for k, v in CHANNEL.items() if k != "web"})


def test_demo_is_weighted_to_its_population(demo_run, demo_dir):
    """Issue 19 done-when: the demo is weighted to its population. Each region's 03 headline is the raked mean
    (tiers to document 003's shares, computed here from the data), 00 profiles the same weights, and 99 rolls
    the regions up at their population shares 30/27/20/23 instead of pooling the 25/25/25/25 sample."""
    import yaml

    cfg = yaml.safe_load((demo_dir / "engagement.yaml").read_text(encoding="utf-8"))
    wsec = cfg["weighting"]
    shares = wsec["region_shares"]
    summary_kpis = json.loads((demo_run.out / "_engagement" / "99_summary.results.json")
                              .read_text(encoding="utf-8"))["kpis"]
    for region in shares:
        df = pd.read_csv(demo_dir / "data" / f"{region}_responses.csv")
        w = wt.rake(df, wsec["margins"], trim=tuple(wsec["trim"])).weights
        csat = np.average(df["csat"], weights=w)
        d3, d0 = demo_run.results(region, "03_diagnostics"), demo_run.results(region, "00_data_profile")
        assert d3["csat_0_100"] == pytest.approx(100 * (csat - 1) / 4, rel=1e-9)
        assert d3["weights"]["method"] == d0["weights"]["method"] == "rake"
        assert d0["weights"]["effective_n"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum(), rel=1e-9)
        assert summary_kpis[region]["csat_0_100"] == pytest.approx(d3["csat_0_100"], rel=1e-9)
    rolled = sum(s * summary_kpis[r]["csat_0_100"] for r, s in shares.items())
    assert summary_kpis["_all"]["csat_0_100"] == pytest.approx(rolled, rel=1e-12)
    pooled = np.mean([summary_kpis[r]["csat_0_100"] for r in shares])      # equal-n regions: what pooling gives
    assert abs(rolled - pooled) > 0.01
