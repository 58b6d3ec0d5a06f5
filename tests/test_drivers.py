"""Key drivers: relative weights, dominance, IPA, Kano, SERVQUAL — against published / independent references."""
from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit import drivers
from cxkit.errors import AnalysisError, CxError, DataError

DATA = Path(__file__).parent / "data"
ATT_DRIVERS = ["complaints", "privileges", "learning", "raises", "critical", "advance"]


@pytest.fixture(scope="module")
def mtcars() -> pd.DataFrame:
    return pd.read_csv(DATA / "mtcars.csv")


@pytest.fixture(scope="module")
def attitude() -> pd.DataFrame:
    return pd.read_csv(DATA / "attitude.csv")


def _ols_r2(df, y, xs):
    import statsmodels.api as sm
    return sm.OLS(df[y], sm.add_constant(df[list(xs)])).fit().rsquared


# ----------------------------------------------------------------- the typed reference data are R's
def test_reference_data_match_r_summaries(mtcars, attitude):
    # R: summary(mtcars); summary(attitude); summary(lm(...))$r.squared
    assert mtcars.shape == (32, 12) and attitude.shape == (30, 7)
    assert mtcars["mpg"].mean() == pytest.approx(20.09062, abs=1e-5)
    assert mtcars["hp"].mean() == pytest.approx(146.6875, abs=1e-4)
    assert mtcars["wt"].mean() == pytest.approx(3.21725, abs=1e-5)
    assert attitude.mean().round(2).to_dict() == pytest.approx(
        {"rating": 64.63, "complaints": 66.6, "privileges": 53.13, "learning": 56.37, "raises": 64.63,
         "critical": 74.77, "advance": 42.93})
    assert _ols_r2(mtcars, "mpg", ["cyl", "disp", "hp", "wt"]) == pytest.approx(0.84863, abs=5e-6)
    assert _ols_r2(attitude, "rating", ATT_DRIVERS) == pytest.approx(0.7326, abs=5e-5)


# ----------------------------------------------------------------- relative weights
def test_relative_weights_mtcars_matches_r(mtcars):
    # Oracle (issue 5; R rwa / RWA-Web, Johnson 2000): mpg ~ cyl + disp + hp + wt
    r = drivers.relative_weights(mtcars, "mpg", ["cyl", "disp", "hp", "wt"])
    np.testing.assert_allclose(r.table["raw"], [0.2096904, 0.1883043, 0.1799590, 0.2706812], atol=5e-7)
    np.testing.assert_allclose(100 * r.table["rescaled"], [24.70914, 22.18908, 21.20570, 31.89607], atol=5e-5)
    assert r.r2 == pytest.approx(0.84863, abs=5e-6)
    assert r.table["rescaled"].sum() == pytest.approx(1.0, abs=1e-12)
    assert r.table.set_index("driver")["rank"].to_dict() == {"wt": 1, "cyl": 2, "disp": 3, "hp": 4}


def test_relative_weights_r2_equals_statsmodels_ols(attitude):
    r = drivers.relative_weights(attitude, "rating", ATT_DRIVERS)
    assert r.r2 == pytest.approx(_ols_r2(attitude, "rating", ATT_DRIVERS), abs=1e-12)


def test_relative_weights_bootstrap_is_seeded_and_brackets_estimate(mtcars):
    a = drivers.relative_weights(mtcars, "mpg", ["cyl", "disp", "hp", "wt"], n_boot=200, seed=7)
    b = drivers.relative_weights(mtcars, "mpg", ["cyl", "disp", "hp", "wt"], n_boot=200, seed=7)
    pd.testing.assert_frame_equal(a.table, b.table)
    t = a.table
    assert (t["ci_low"] <= t["rescaled"]).all() and (t["rescaled"] <= t["ci_high"]).all()
    assert (t["ci_high"] - t["ci_low"] > 0.01).all()  # n = 32: intervals are wide, not degenerate


# ----------------------------------------------------------------- dominance
def test_general_dominance_attitude_matches_r(attitude):
    # Oracle (issue 5; R dominanceanalysis / domir on datasets::attitude): rating ~ all six
    r = drivers.dominance(attitude, "rating", ATT_DRIVERS)
    got = dict(zip(r.table["driver"], r.table["general"]))
    want = {"complaints": .371, "learning": .156, "raises": .120, "privileges": .051, "advance": .028,
            "critical": .007}
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=6e-4), k
    assert r.r2 == pytest.approx(0.733, abs=5e-4)
    assert r.table["general"].sum() == pytest.approx(r.r2, abs=1e-12)
    assert r.extra["n_subsets"] == 63


def test_all_subset_r2_equals_refitting_every_subset_with_statsmodels(attitude):
    rxx, rxy, _ = drivers.corr_inputs(attitude, "rating", ATT_DRIVERS)
    r2 = drivers.all_subset_r2(rxx, rxy)
    for k in range(1, 7):
        for sub in combinations(range(6), k):
            mask = sum(1 << j for j in sub)
            assert r2[mask] == pytest.approx(_ols_r2(attitude, "rating", [ATT_DRIVERS[j] for j in sub]), abs=1e-10)


def test_general_dominance_equals_shapley_by_permutations(attitude):
    # Shapley value of R² by brute force over all 720 orderings (independent of the bitmask bookkeeping)
    from itertools import permutations
    rxx, rxy, _ = drivers.corr_inputs(attitude, "rating", ATT_DRIVERS)
    r2 = drivers.all_subset_r2(rxx, rxy)
    shap = np.zeros(6)
    for perm in permutations(range(6)):
        mask = 0
        for j in perm:
            shap[j] += r2[mask | 1 << j] - r2[mask]
            mask |= 1 << j
    shap /= 720
    gen, cond = drivers.dominance_from_r2(r2, 6)
    np.testing.assert_allclose(gen, shap, atol=1e-12)
    # conditional dominance at k = 0 is each driver's squared correlation with the outcome
    np.testing.assert_allclose(cond[:, 0], rxy ** 2, atol=1e-12)


def test_dominance_fast_for_fifteen_drivers():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5000, 15))
    d = pd.DataFrame(x, columns=[f"x{i}" for i in range(15)])
    d["y"] = x @ rng.uniform(size=15) + rng.normal(size=5000)
    r = drivers.dominance(d, "y", list(d.columns[:15]))
    assert r.extra["n_subsets"] == 2 ** 15 - 1
    assert r.table["general"].sum() == pytest.approx(r.r2, abs=1e-10)
    assert r.r2 == pytest.approx(_ols_r2(d, "y", list(d.columns[:15])), abs=1e-10)


# ----------------------------------------------------------------- bad input
def test_outcome_without_variance_is_a_clear_error(attitude):
    d = attitude.assign(rating=70)
    with pytest.raises(AnalysisError, match="outcome 'rating' has no variance"):
        drivers.relative_weights(d, "rating", ATT_DRIVERS)
    with pytest.raises(AnalysisError, match="no variance"):
        drivers.dominance(d, "rating", ATT_DRIVERS)


def test_perfectly_collinear_drivers_are_named(attitude):
    d = attitude.assign(total=attitude["complaints"] + attitude["learning"])
    with pytest.raises(AnalysisError, match=r"perfectly collinear: .*complaints.*learning.*total"):
        drivers.relative_weights(d, "rating", ATT_DRIVERS + ["total"])
    with pytest.raises(AnalysisError, match="perfectly collinear"):
        drivers.dominance(d, "rating", ATT_DRIVERS + ["total"])


def test_other_bad_driver_inputs(attitude):
    with pytest.raises(AnalysisError, match="driver.*no variance: critical"):
        drivers.relative_weights(attitude.assign(critical=1), "rating", ATT_DRIVERS)
    with pytest.raises(DataError, match="not in the data: nope"):
        drivers.relative_weights(attitude, "rating", ["complaints", "nope"])
    with pytest.raises(AnalysisError, match="only 5 complete responses"):
        drivers.relative_weights(attitude.head(5), "rating", ATT_DRIVERS)
    with pytest.raises(AnalysisError, match="also listed as a driver"):
        drivers.relative_weights(attitude, "rating", ["rating", "complaints"])
    with pytest.raises(AnalysisError, match="limited to 20 drivers"):
        drivers.all_subset_r2(np.eye(21), np.zeros(21))


# ----------------------------------------------------------------- IPA
def test_ipa_quadrants_and_errors():
    t = drivers.ipa({"a": .4, "b": .3, "c": .2, "d": .1}, {"a": 50, "b": 80, "c": 60, "d": 90})
    assert dict(zip(t["driver"], t["quadrant"])) == {"a": "concentrate", "b": "keep_up", "c": "low_priority",
                                                       "d": "overkill"}
    assert t.attrs["importance_cross"] == pytest.approx(0.25) and t.attrs["performance_cross"] == pytest.approx(70)
    with pytest.raises(AnalysisError, match="same drivers"):
        drivers.ipa({"a": .5, "b": .5}, {"a": 1, "c": 2})
    with pytest.raises(AnalysisError, match="missing importance or performance for: b"):
        drivers.ipa({"a": .5, "b": float("nan")}, {"a": 1, "b": 2})


# ----------------------------------------------------------------- Kano
def test_kano_evaluation_table_matches_berger_1993():
    # Berger et al. (1993), Center for Quality Management Journal 2(4), table of Kano evaluation:
    # rows functional (like, must-be, neutral, live-with, dislike), columns dysfunctional (same order)
    f = [1, 1, 1, 1, 1, 2, 3, 4, 2, 3, 5, 5, 5]
    d = [1, 2, 3, 4, 5, 5, 5, 5, 3, 2, 1, 4, 5]
    assert drivers.kano_classify(f, d).tolist() == list("QAAAOMMMIIRRQ")


def test_kano_better_worse_oracle():
    # Oracle (issue 5): M 95, O 123, A 45, I 33 -> Better 0.568, Worse -0.736
    pairs = [(2, 5)] * 95 + [(1, 5)] * 123 + [(1, 3)] * 45 + [(3, 3)] * 33
    df = pd.DataFrame(pairs, columns=["kano_f_x", "kano_d_x"])
    t = drivers.kano_table(df, drivers.kano_features(list(df.columns)))
    r = t.iloc[0]
    assert (r["M"], r["O"], r["A"], r["I"], r["R"], r["Q"], r["n"]) == (95, 123, 45, 33, 0, 0, 296)
    assert round(r["better"], 3) == 0.568 and round(r["worse"], 3) == -0.736
    # Fong (1996): |123 - 95| = 28 >= 1.65·sqrt(218·374/592) = 19.36 -> one-dimensional clearly leads
    assert r["fong_q"] == pytest.approx(1.65 * np.sqrt(218 * 374 / 592)) and r["category"] == "O"


def test_fong_mixed_category():
    r = drivers.fong_test({"M": 100, "O": 95, "A": 5, "I": 0})
    assert not r["significant"]
    df = pd.DataFrame([(2, 5)] * 100 + [(1, 5)] * 95 + [(1, 3)] * 5, columns=["kano_f_y", "kano_d_y"])
    assert drivers.kano_table(df, {"y": ("kano_f_y", "kano_d_y")})["category"].iloc[0] == "M/O"


def test_kano_bad_answers_name_rows():
    with pytest.raises(DataError, match=r"rows 3: Kano functional answers must be 1–5"):
        drivers.kano_classify([1, 6, 2], [5, 5, 5], name="kano_f_x/kano_d_x")
    with pytest.raises(CxError):
        drivers.kano_classify(["1", "like", 2], [5, 5, 5])


# ----------------------------------------------------------------- SERVQUAL
def test_servqual_matches_scipy_paired_t():
    from scipy import stats
    rng = np.random.default_rng(5)
    p = pd.DataFrame({"resp": rng.integers(1, 6, 200).astype(float), "rel": rng.integers(1, 6, 200).astype(float)})
    e = pd.DataFrame({"resp": rng.integers(2, 6, 200).astype(float), "rel": rng.integers(1, 6, 200).astype(float)})
    t = drivers.servqual_gaps(p, e).set_index("dimension")
    for dim in ("resp", "rel"):
        ref = stats.ttest_rel(p[dim], e[dim])
        assert t.loc[dim, "gap"] == pytest.approx((p[dim] - e[dim]).mean(), abs=1e-12)
        assert t.loc[dim, "t"] == pytest.approx(ref.statistic, abs=1e-9)
        assert t.loc[dim, "p_value"] == pytest.approx(ref.pvalue, rel=1e-6)
        ci = ref.confidence_interval()
        assert (t.loc[dim, "ci_low"], t.loc[dim, "ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-9)
        assert np.sign(t.loc[dim, "cohen_d"]) == np.sign(t.loc[dim, "gap"])


def test_scale_scores_reverse_keying_and_min_share():
    d = pd.DataFrame({"a": [5, 1, np.nan], "b": [1, 5, np.nan], "c": [4, 2, 3]})
    s = drivers.scale_scores(d, {"s": {"items": ["a", "b", "c"], "reverse": ["b"]}}, 1, 5)["s"]
    assert s.iloc[0] == pytest.approx(14 / 3) and s.iloc[1] == pytest.approx(4 / 3) and np.isnan(s.iloc[2])


# ----------------------------------------------------------------- demo truth (fast: library on demo data)
def test_library_recovers_demo_driver_truth():
    from cxkit import demo
    survey = {"scale_range": (1, 5), "outcomes": {"overall": "overall"},
              "scales": {s: {"items": items, "reverse": rev} for s, (items, rev, _) in demo.SCALES.items()}}
    checked = 0
    for region in demo.REGIONS:
        df = demo.make_responses(region, 20261122)      # identical on every machine (test_demo_portable)
        x = drivers.driver_data(df, survey, "scales")
        kd = drivers.key_drivers(x, drivers.outcome_series(df, survey, "overall"))
        truth = demo.region_weights(region)
        got = dict(zip(kd["driver"], kd["rescaled"]))
        first, second = sorted(truth.values(), reverse=True)[:2]
        # scale scores attenuate a driver by its scale's reliability (rel4 is weak by design), so only a
        # true margin of ≥ 0.04 is one that attenuation and sampling noise at these n cannot cross
        if first - second >= 0.04:
            assert max(got, key=got.get) == max(truth, key=truth.get), region
            checked += 1
        assert pd.Series(got).corr(pd.Series(truth), method="spearman") >= 0.8
        assert kd["rescaled"].sum() == pytest.approx(1.0)
    assert checked >= 3                                 # east, south and north have a clear top driver


# ----------------------------------------------------------------- demo playbook (shared fixture)
CONTRACT = {"csat_0_100": float, "nps": float, "ces": float, "tier_satisfaction": dict, "tier_share": dict,
            "driver_weights": dict, "driver_performance": dict, "r2": float}


@pytest.mark.slow
def test_demo_playbook_recovers_truth(demo_run, demo_dir):
    truth = json.loads((demo_dir / "data" / "truth.json").read_text(encoding="utf-8"))
    for region in ("east", "south", "west", "north"):
        res = demo_run.results(region, "03_diagnostics")
        for key, typ in CONTRACT.items():
            assert isinstance(res[key], typ), (region, key)
        assert -100 <= res["nps"] <= 100 and 1 <= res["ces"] <= 7 and 0 <= res["csat_0_100"] <= 100
        w = res["driver_weights"]
        assert sum(w.values()) == pytest.approx(1.0, abs=1e-9)
        assert set(w) == set(res["driver_performance"])
        tw = truth["driver_weights"][region]
        top_truth = sorted(tw, key=tw.get, reverse=True)
        top_got = sorted(w, key=w.get, reverse=True)
        if tw[top_truth[0]] - tw[top_truth[1]] > 0.02:
            assert top_got[0] == top_truth[0], region
        else:  # west: responsiveness and value tie in the truth
            assert set(top_got[:2]) == set(top_truth[:2]), region
        assert pd.Series(w).corr(pd.Series(tw), method="spearman") >= 0.8
        # tier satisfaction: doc 003 means 82/78/74/68 + region shift, ordering kept
        ts, shift = res["tier_satisfaction"], truth["region_shift"][region]
        assert ts["platinum"] > ts["gold"] > ts["ordinary"] > ts["potential"]
        for tier, mu in truth["tier_satisfaction_0_100"].items():
            assert ts[tier] == pytest.approx(mu + shift, abs=2.5), (region, tier)
        assert sum(res["tier_share"].values()) == pytest.approx(1.0)
        assert {f: v["category"] for f, v in res["kano"].items()} == truth["kano_intended"]
        # the stated overall (76, doc 003) is checked against the share-weighted tier scores
        assert res["overall_check"]["consistent"] is (abs(res["overall_check"]["difference"]) <= 0.5)
        assert any("76" in w["message"] for w in res["warnings"]) is not res["overall_check"]["consistent"]


def test_refine_scales_follows_reliability_recommendations():
    scales = {"rel": {"items": ["r1", "r2", "r3", "r4"], "reverse": ["r4"]}, "emp": {"items": ["e1", "e2"]}}
    rel = {"scales": {"rel": {"recommendation": {"action": "drop", "item": "r4"}},
                      "emp": {"recommendation": {"action": "drop", "item": "e2"}},   # would leave one item: kept
                      "other": {"recommendation": {"action": "drop", "item": "x"}}}}
    out, dropped = drivers.refine_scales(scales, rel)
    assert out["rel"] == {"items": ["r1", "r2", "r3"], "reverse": []} and out["emp"]["items"] == ["e1", "e2"]
    assert dropped == {"rel": "r4"}
    assert drivers.refine_scales(scales, None)[1] == {}
    assert scales["rel"]["items"] == ["r1", "r2", "r3", "r4"]  # input left alone


# ----------------------------------------------------------------- notebook-level bad input
@pytest.mark.slow
def test_notebook_bad_inputs_give_clear_messages(tmp_path):
    import yaml

    from cxkit import demo
    from cxkit.config import load_yaml
    from cxkit.errors import ConfigError
    from cxkit.runner import run

    root = Path(__file__).resolve().parents[1]
    demo_cfg = load_yaml(root / "params" / "demo" / "engagement.yaml")
    eng = tmp_path / "eng"
    (eng / "data").mkdir(parents=True)
    good = demo.make_responses("east", 7, n=500)
    flat = good.assign(overall=75.0)                                    # outcome without variance
    small = pd.concat([good[good["tier"] != "potential"], good[good["tier"] == "potential"].head(8)])
    for name, d in (("flat", flat), ("small", small)):
        d.to_csv(eng / "data" / f"{name}.csv", index=False)
    cfg = {"engagement": "bad", "client": "c", "wave": "w", "language": "en", "seed": 7,
           "targets": demo_cfg["targets"], "survey": demo_cfg["survey"],
           "regions": {r: {"label": r, "responses": f"data/{r}.csv"} for r in ("flat", "small")},
           "diagnostics": {"n_boot": 50, "min_driver_n": 100}}
    (eng / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    rep = run(eng, out_dir=tmp_path / "out", notebooks=["03"], workers=1)
    by = {r["region"]: r for r in rep.records}
    assert by["flat"]["status"] == "failed" and "outcome 'overall' has no variance" in by["flat"]["error"]
    assert not (tmp_path / "out" / "flat" / "03_diagnostics.html").exists()
    assert by["small"]["status"] == "ok"
    from bs4 import BeautifulSoup
    html = (tmp_path / "out" / "small" / "03_diagnostics.html").read_text(encoding="utf-8")
    notes = [n.get_text() for n in BeautifulSoup(html, "html.parser").select(".cx-warn")]
    assert any("Potential in 'Customer tier' has only 8 respondents (fewer than 30)" in n for n in notes), notes
    # weights that do not sum to 1: refused before anything runs, naming the key
    cfg["diagnostics"]["kpi_composite"] = {"weights": {"satisfaction": 0.6, "nps": 0.3}}
    (eng / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"diagnostics\.kpi_composite\.weights.*sum to 0\.9"):
        run(eng, out_dir=tmp_path / "out2", notebooks=["03"], workers=1)


def test_driver_outcome_that_names_a_role_and_a_column_is_refused():
    """Issue 15: `driver_outcome: satisfied` silently used the built-in meaning (CSAT top-2-box) although the
    client's file had a `satisfied` column."""
    survey = {"outcomes": {"csat": "csat", "overall": "ov"}, "outcome_ranges": {"csat": (1, 5)}}
    df = pd.DataFrame({"csat": [1, 5, 4], "satisfied": [0, 1, 1], "overall": [50, 60, 70], "ov": [1, 2, 3]})
    with pytest.raises(AnalysisError, match="satisfied.*ambiguous|ambiguous.*satisfied"):
        drivers.outcome_series(df, survey, "satisfied")
    with pytest.raises(AnalysisError, match="ambiguous"):
        drivers.outcome_series(df, survey, "overall")        # role overall = column ov, and a column 'overall'
    ok = drivers.outcome_series(df.drop(columns=["satisfied"]), survey, "satisfied")
    assert ok.tolist() == [0.0, 1.0, 1.0]


def test_tiny_sample_gets_no_driver_ranking():
    """Issue 15: n = 5 got a driver analysis (R² 0.939) and an IPA recommendation. Below max(50, 10 per driver)
    complete respondents the sections say why and leave the driver keys empty; at the threshold they run."""
    from cxkit import demo, diagnostics
    from cxkit.report import Playbook

    survey = {"scale_range": (1, 5), "outcomes": {"overall": "overall"}, "outcome_ranges": {},
              "scales": {s: {"items": items, "reverse": rev} for s, (items, rev, _) in demo.SCALES.items()},
              "drivers": []}
    P = diagnostics.DiagnosticsParams.model_validate({"n_boot": 0}).model_dump()
    full = demo.make_responses("east", 20261122, n=400)
    complete = full.dropna(subset=[it for items, _, _ in demo.SCALES.values() for it in items] + ["overall"])
    for n, runs in ((5, False), (59, False), (60, True)):
        pb = Playbook({"language": "en", "region": "east", "label": "East", "seed": 1}, notebook="03_diagnostics",
                      display=False)
        diagnostics.driver_sections(pb, complete.head(n), survey, survey["scales"], P, outcomes={"overall": "overall"},
                                    seg=None, order=[], conf=0.95, top_box=2)
        assert bool(pb.results["driver_weights"]) is runs, n
        assert (pb.results["r2"] is None) is (not runs)
        assert any("fewer than the 60 needed" in w["message"] for w in pb.warnings) is (not runs)


@pytest.mark.slow
def test_items_flagged_by_02_can_be_kept_in_scale_scores(small_engagement, tmp_path):
    """Issue 15: 02's drop recommendation silently changed 03's scale scores. It is named in a note, and
    `diagnostics.drop_flagged_items: false` keeps the scales as declared."""
    import yaml

    from cxkit.runner import run

    def scores(flag):
        cfg = yaml.safe_load((small_engagement / "engagement.yaml").read_text(encoding="utf-8"))
        cfg.setdefault("diagnostics", {})["drop_flagged_items"] = flag
        cfg["reliability"] = {**(cfg.get("reliability") or {}), "cfa": False}
        (small_engagement / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
        out = tmp_path / f"out_{flag}"
        rep = run(small_engagement, out_dir=out, regions=["east"], notebooks=["02", "03"], workers=1)
        assert rep.ok, rep.failures
        res = json.loads((out / "east" / "03_diagnostics.results.json").read_text(encoding="utf-8"))
        return res["scale_items_dropped"], res["driver_performance"]

    dropped, perf_dropped = scores(True)
    kept, perf_kept = scores(False)
    assert dropped == {"reliability": "rel4"} and kept == {}
    assert perf_dropped["reliability"] != pytest.approx(perf_kept["reliability"])
    assert perf_dropped["responsiveness"] == pytest.approx(perf_kept["responsiveness"])


def test_weighted_drivers_equal_unweighted_on_rows_repeated_by_integer_weights():
    """Issue 19: weighted relative weights, dominance and performance. Independent reference: the unweighted
    analysis of the data with each respondent repeated w times (frequency weights) — the same correlation
    matrix, so the same weights; and different from the unweighted analysis of the original rows."""
    rng = np.random.default_rng(7)
    n = 300
    d = pd.DataFrame(rng.integers(1, 6, size=(n, 4)).astype(float), columns=["a", "b", "c", "e"])
    w = rng.integers(1, 5, n)
    d["y"] = d.a + 0.6 * d.b * (w > 2) + rng.normal(0, 1, n)          # the effect of b lives in the heavy rows
    rep = d.loc[d.index.repeat(w)].reset_index(drop=True)
    X = ["a", "b", "c", "e"]
    for fn in (drivers.relative_weights, drivers.dominance):
        got = fn(d, "y", X, weights=w).table
        ref = fn(rep, "y", X).table
        col = "rescaled" if "rescaled" in got else "share"
        np.testing.assert_allclose(got[col], ref[col], atol=1e-12)
        assert not np.allclose(fn(d, "y", X).table[col], ref[col], atol=1e-3)
    perf = drivers.performance_0_100(d[X], 1, 5, weights=w)
    assert perf == pytest.approx(drivers.performance_0_100(rep[X], 1, 5), abs=1e-12)
    kd = drivers.key_drivers(d[X], d["y"], weights=w, n_boot=50, seed=1)
    assert kd["rescaled"].to_numpy() == pytest.approx(drivers.relative_weights(rep, "y", X).table["rescaled"].to_numpy())
