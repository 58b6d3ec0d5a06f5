"""Notebook 07 (issue 20): pilot evaluation, risk register and phased roadmap (cxkit.action_plan).

Independent references: statsmodels OLS with the interaction term (classical and cluster-robust errors),
statsmodels' two-proportion intervals and z test, R's ``power.t.test``, the closed form of the expected
risk loss, and the documents' own figures (East platinum 82 → 91 against +10; complaints 12% → 8%;
phase-1 sub-splits summing to 80%).
"""
from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cxkit import action_plan as ap
from cxkit import demo
from cxkit.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261122


@pytest.fixture(scope="module")
def pilot_df() -> pd.DataFrame:
    return demo.make_pilot(SEED)


def _demo_params() -> dict:
    return yaml.safe_load((ROOT / "params" / "demo" / "engagement.yaml").read_text(encoding="utf-8"))["action_plan"]


def _synthetic(n: int = 600, seed: int = 3, clusters: int = 0) -> pd.DataFrame:
    """Unbalanced pilot × period data with a true effect of 2 and a cluster effect; some y missing."""
    rng = np.random.default_rng(seed)
    pilot = (rng.random(n) < 0.35).astype(int)
    after = (rng.random(n) < 0.55).astype(int)
    g = rng.integers(0, clusters, n) if clusters else np.zeros(n, dtype=int)
    y = 70 + 1.5 * pilot + 0.8 * after + 2.0 * pilot * after + rng.normal(0, 3, max(clusters, 1))[g] \
        + rng.normal(0, 8, n)
    y[rng.random(n) < 0.03] = np.nan
    return pd.DataFrame({"y": y, "pilot": pilot, "after": after, "g": g})


# --------------------------------------------------------------------------- difference-in-differences
def _sm_fit(df: pd.DataFrame, cluster: str | None):
    import statsmodels.formula.api as smf

    d = df.dropna(subset=["y"])
    model = smf.ols("y ~ pilot * after", data=d)
    if cluster:
        return model.fit(cov_type="cluster", cov_kwds={"groups": d[cluster]}, use_t=True)
    return model.fit()


@pytest.mark.parametrize("clusters", [0, 25])
def test_did_matches_statsmodels_ols_with_interaction(clusters):
    df = _synthetic(clusters=clusters)
    got = ap.did(df["y"], df["pilot"], df["after"], df["g"] if clusters else None)
    ref = _sm_fit(df, "g" if clusters else None)
    term = "pilot:after"
    assert got["estimate"] == pytest.approx(ref.params[term], abs=1e-8)
    assert got["se"] == pytest.approx(ref.bse[term], abs=1e-8)
    assert got["p"] == pytest.approx(ref.pvalues[term], abs=1e-8)
    assert got["ci"] == pytest.approx(list(ref.conf_int().loc[term]), abs=1e-8)
    assert got["n"] == int(ref.nobs) == int(df["y"].notna().sum())
    assert got["clusters"] == (clusters or None)
    # the estimate is the difference of the four cell means (a second, model-free reference)
    m = df.dropna(subset=["y"]).groupby(["pilot", "after"])["y"].mean()
    assert got["estimate"] == pytest.approx((m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0]), abs=1e-10)


def test_cluster_robust_error_differs_from_the_classical_one():
    """With a real cluster effect the CR1 error is not the OLS one: the option is not ignored."""
    df = _synthetic(clusters=12, seed=8)
    a = ap.did(df["y"], df["pilot"], df["after"])
    b = ap.did(df["y"], df["pilot"], df["after"], df["g"])
    assert a["estimate"] == pytest.approx(b["estimate"])
    assert abs(a["se"] - b["se"]) > 1e-3 and b["df"] == 11 and a["df"] == a["n"] - 4


@pytest.mark.parametrize("tier, column", [("platinum", "satisfaction"), ("ordinary", "complaint")])
def test_did_on_the_demo_pilot_matches_statsmodels_clustered_by_store(pilot_df, tier, column):
    d = pilot_df[(pilot_df.region == "east") & (pilot_df.tier == tier)]
    df = pd.DataFrame({"y": d[column].astype(float), "pilot": (d.group == "pilot").astype(int),
                       "after": (d.period == "after").astype(int), "store": d["store"]})
    got = ap.did(df["y"], df["pilot"], df["after"], df["store"])
    ref = _sm_fit(df, "store")
    assert got["estimate"] == pytest.approx(ref.params["pilot:after"], abs=1e-8)
    assert got["se"] == pytest.approx(ref.bse["pilot:after"], abs=1e-8)
    assert got["p"] == pytest.approx(ref.pvalues["pilot:after"], abs=1e-8)


def test_did_needs_every_cell():
    with pytest.raises(DataError, match="each of pilot/control"):
        ap.did([1, 2, 3, 4], [1, 1, 0, 0], [0, 0, 0, 0])


# --------------------------------------------------------------------------- demo pilot and targets
def test_demo_pilot_file_reproduces_the_documents_figures(pilot_df):
    east = pilot_df[pilot_df.region == "east"]
    cell = east.groupby(["tier", "group", "period"])[["satisfaction", "complaint"]].mean()
    assert cell.loc[("platinum", "pilot", "before"), "satisfaction"] == 82
    assert cell.loc[("platinum", "pilot", "after"), "satisfaction"] == 91
    assert cell.loc[("ordinary", "pilot", "before"), "complaint"] == pytest.approx(0.12, abs=1e-12)
    assert cell.loc[("ordinary", "pilot", "after"), "complaint"] == pytest.approx(0.08, abs=1e-12)
    assert east.groupby(["tier", "group", "period"]).size().eq(500).all()        # 500 customers per tier
    assert set(pilot_df.region) == {"east", "south", "west"}                       # 华东 / 华南 / 西部
    assert pilot_df.satisfaction.between(0, 100).all()


def test_demo_east_platinum_is_not_met_and_complaints_are(pilot_df, tmp_path):
    P = ap.parse_params(_demo_params())
    path = tmp_path / "pilot.csv"
    pilot_df.to_csv(path, index=False)
    rows, skipped = ap.evaluate_pilot(ap.read_pilot(str(path), P.pilot, "east"), P.pilot, "east")
    assert not skipped
    plat, comp = rows
    assert (plat["baseline"], plat["result"], plat["change"]) == (82.0, 91.0, 9.0)
    assert plat["target_change"] == 10 and plat["met"] is False and plat["shortfall"] == pytest.approx(1.0)
    assert plat["effect"] == pytest.approx(8.0) and plat["met_effect"] is False        # control 82 → 83
    assert comp["met"] is True and comp["relative_change"] == pytest.approx(-1 / 3)
    assert comp["target_change"] == pytest.approx(-0.018)                              # −15% of 12%
    assert comp["p"] > 0.05 and comp["power"] < 0.5       # 500 per tier cannot test a −1.8 pp change
    text, kind = ap.verdict(plat, lambda k, **v: f"{k}|{sorted(v.items())}", "en", str)
    assert kind == "warn" and "verdict_not_met" in text
    dec = ap.rollout_decision(rows, P.pilot.rollout, P.pilot.alpha)
    assert dec["decision"] == "extend" and dec["min_attainment"] == pytest.approx(0.8)


def test_a_region_without_pilot_rows_has_no_rows_and_no_decision(pilot_df, tmp_path):
    P = ap.parse_params(_demo_params())
    path = tmp_path / "pilot.csv"
    pilot_df.to_csv(path, index=False)
    rows, skipped = ap.evaluate_pilot(ap.read_pilot(str(path), P.pilot, "north"), P.pilot, "north")
    assert rows == [] and len(skipped) == 2
    assert ap.rollout_decision(rows, P.pilot.rollout)["decision"] is None


@pytest.mark.parametrize("change, target, met, short", [
    (9, 10, False, 1), (10, 10, True, 0), (11, 10, True, 0), (-0.04, -0.018, True, 0),
    (-0.01, -0.018, False, -0.008), (0.01, -0.018, False, -0.028), (-2, 10, False, 12)])
def test_target_attainment_is_direction_aware(change, target, met, short):
    j = ap.judge(change, target)
    assert j["met"] is met and j["shortfall"] == pytest.approx(short)
    assert j["attainment"] == pytest.approx(change / target)


def test_summary_figures_are_judged_without_a_test():
    P = ap.PilotParams(targets=[{"tier": "platinum", "column": "satisfaction", "change": 10, "baseline": 82,
                                 "result": 91, "control_baseline": 82, "control_result": 83.5, "sd": 12}])
    rows, _ = ap.evaluate_pilot(None, P, "east")
    r = rows[0]
    assert r["source"] == "summary" and r["met"] is False and r["shortfall"] == pytest.approx(1.0)
    assert r["effect"] == pytest.approx(7.5) and r["ci"] is None and r["p"] is None and r["se"] is None
    assert 0 < r["power"] <= 1                                 # 500 vs 500 per tier (per_tier default)


def test_bad_pilot_values_are_named(tmp_path):
    p = tmp_path / "pilot.csv"
    pd.DataFrame({"group": ["pilot", "treated"], "period": ["before", "after"], "tier": ["gold"] * 2,
                  "satisfaction": [80, 81]}).to_csv(p, index=False)
    with pytest.raises(DataError, match="'treated'"):
        ap.read_pilot(str(p), ap.PilotParams(region_column=None), "east")
    with pytest.raises(DataError, match="no column 'store'"):
        ap.read_pilot(str(p), ap.PilotParams(cluster="store"), "east")


def test_power_as_run_matches_r_power_t_test():
    """Four cells of 120 = a two-sample comparison of 60 vs 60 (1/(1/120 + 1/120)); R (both tails):
    power.t.test(n = 60, delta = 4, sd = 12, strict = TRUE) = 0.440824159369 and
    power.t.test(n = 250, delta = 2, sd = 12, strict = TRUE) = 0.460172322133."""
    cells = {k: 120 for k in ("pilot_before", "pilot_after", "control_before", "control_after")}
    assert ap.power_as_run("mean", 4, 80, cells, sd=12) == pytest.approx(0.440824159369, abs=1e-9)
    assert ap.power_as_run("mean", -2, 80, {"pilot": 250, "control": 250}, sd=12) == \
        pytest.approx(0.460172322133, abs=1e-9)
    assert ap.power_as_run("mean", 10, 82, {"pilot": 500, "control": 500}, sd=12) == pytest.approx(1.0)


# --------------------------------------------------------------------------- A/B lift
@pytest.mark.parametrize("x1, n1, x0, n0", [(336, 2800, 2520, 25200), (12, 50, 40, 450), (90, 400, 70, 410)])
def test_ab_lift_matches_statsmodels(x1, n1, x0, n0):
    from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

    r = ap.ab_lift(x1, n1, x0, n0)
    lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="wald", compare="diff")
    assert r["diff_ci"] == pytest.approx([lo, hi], abs=1e-10)
    lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="log", compare="ratio")
    assert r["lift_ci"] == pytest.approx([lo - 1, hi - 1], abs=1e-10)
    assert r["p"] == pytest.approx(proportions_ztest([x1, x0], [n1, n0])[1], abs=1e-12)
    assert r["lift"] == pytest.approx((x1 / n1) / (x0 / n0) - 1)


def test_demo_ab_test_reaches_the_documents_plus_20_percent():
    t = ap.parse_params(_demo_params()).ab_test
    r = ap.ab_lift(t.treated_conversions, t.treated_n, t.control_conversions, t.control_n)
    assert r["lift"] == pytest.approx(0.20) and r["p"] < 0.01 and r["lift_ci"][0] < 0.20 < r["lift_ci"][1]


# --------------------------------------------------------------------------- risks
def test_risk_table_prices_points_and_ranks_by_expected_loss():
    t = ap.risk_table([{"name": "a", "probability": 0.1, "impact": 5e6},
                       {"name": "b", "probability": 0.4, "impact": 1.5, "unit": "points"},
                       {"name": "c", "probability": 0.45, "impact": 1e6}], value_per_point=2e6, points_years=2)
    assert list(t["name"]) == ["b", "a", "c"]                       # 2.4M, 0.5M, 0.45M
    assert t.loc[0, "impact_money"] == pytest.approx(6e6) and t.loc[0, "score"] == pytest.approx(2.4e6)
    unpriced = ap.risk_table([{"name": "b", "probability": 0.4, "impact": 1.5, "unit": "points"}], None)
    assert unpriced.loc[0, "impact_money"] is None or math.isnan(unpriced.loc[0, "impact_money"])


def test_risk_adjusted_npv_matches_the_closed_form():
    """E[loss] = Σ p_k L_k (1 + m)^(−t_k), m = 1.1^(1/12) − 1; Var = Σ p(1−p)(L d)²; certain and impossible
    risks are exact in every draw."""
    risks = [{"name": "a", "probability": 0.3, "impact": 2e6, "month": 12},
             {"name": "b", "probability": 0.05, "impact": 8e6, "month": 18},
             {"name": "c", "probability": 1.0, "impact": 1.1e6, "month": 12},
             {"name": "d", "probability": 0.0, "impact": 9e9, "month": 1}]
    t = ap.risk_table(risks, None)
    n = 200_000
    loss = ap.risk_losses(t, n, seed=7, annual_rate=0.10)
    d = {r["name"]: 1.1 ** (-r["month"] / 12) for r in risks}
    mean = sum(r["probability"] * r["impact"] * d[r["name"]] for r in risks)
    var = sum(r["probability"] * (1 - r["probability"]) * (r["impact"] * d[r["name"]]) ** 2 for r in risks)
    assert loss.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / n))
    assert loss.var() == pytest.approx(var, rel=0.02)
    assert loss.min() == pytest.approx(1.0e6)                       # c always, d never: 1.1M / 1.1
    adj = ap.risk_adjusted(np.full(n, 5e6), loss)
    assert adj["npv_mean_before"] == 5e6 and adj["npv_mean"] == pytest.approx(5e6 - loss.mean())
    assert adj["p_npv_positive"] == pytest.approx(np.mean(5e6 - loss > 0))
    # a rate per draw discounts each draw with its own rate
    one = ap.risk_table([risks[2]], None)
    assert ap.risk_losses(one, 2, 1, np.array([0.0, 0.21]))[1] == pytest.approx(1.1e6 / 1.21)


def test_risk_draws_are_seeded_per_risk():
    t = ap.risk_table([{"name": "a", "probability": 0.5, "impact": 1}, {"name": "b", "probability": 0.5, "impact": 2}],
                      None)
    x = ap.risk_losses(t, 1000, 5, 0.1)
    assert np.array_equal(x, ap.risk_losses(t, 1000, 5, 0.1))
    only_a = ap.risk_losses(t[t.name == "a"], 1000, 5, 0.1)       # adding a risk leaves a's draws alone
    assert np.array_equal(((x - only_a) > 0), ap.risk_losses(t[t.name == "b"], 1000, 5, 0.1) > 0)


# --------------------------------------------------------------------------- roadmap
def test_the_documents_80_percent_subsplit_is_flagged():
    P = ap.parse_params(_demo_params())
    phases, notes = ap.roadmap(P.phases, 12e6)
    assert [(p["start_month"], p["end_month"], p["budget_share"]) for p in phases] == \
        [(1, 6, 0.40), (7, 18, 0.35), (19, 36, 0.25)]
    assert [p["budget"] for p in phases] == pytest.approx([4.8e6, 4.2e6, 3.0e6])
    assert phases[0]["splits_sum"] == pytest.approx(0.80) and phases[0]["splits_ok"] is False
    assert all(p["splits_ok"] for p in phases[1:])
    assert notes == [("action_plan.warn_split_sum", {"phase": "foundation", "pct": "80", "gap": "20"})]


def test_default_phases_are_the_documents_and_raise_no_warning():
    P = ap.parse_params({})
    phases, notes = ap.roadmap(P.phases, None)
    assert [(p["start_month"], p["end_month"], p["budget_share"], p["kpi_target"]) for p in phases] == \
        [(1, 6, 0.40, 80), (7, 18, 0.35, 90), (19, 36, 0.25, 95)]
    assert notes == [] and phases[0]["budget"] is None


def test_share_sum_gaps_and_overlaps_are_flagged():
    ph = [ap.Phase(name="a", start_month=1, end_month=6, budget_share=0.5),
          ap.Phase(name="b", start_month=8, end_month=12, budget_share=0.3),
          ap.Phase(name="c", start_month=12, end_month=20, budget_share=0.1, splits={"x": 0.7, "y": 0.5})]
    keys = [k for k, _ in ap.roadmap(ph, 1.0)[1]]
    assert keys == ["action_plan.warn_share_sum", "action_plan.warn_gap", "action_plan.warn_split_sum",
                    "action_plan.warn_overlap"]


def test_milestones_reviews_and_item_placement():
    P = ap.parse_params({})
    phases, _ = ap.roadmap(P.phases, None)
    ms = ap.milestones(phases, P.grade_lines, date(2027, 1, 1), current=82.7)
    assert [(m["date"], m["grade"]) for m in ms] == [("2027-06-30", "pass"), ("2028-06-30", "excellent"),
                                                     ("2029-12-31", "outstanding")]
    assert ms[1]["gap"] == pytest.approx(7.3)
    rv = ap.reviews(36, 3, date(2027, 1, 1))
    assert len(rv) == 12 and [r["month"] for r in rv if r["kind"] == "annual"] == [12, 24, 36]
    assert rv[0]["date"] == "2027-03-31" and rv[-1]["date"] == "2029-12-31"
    items = ap.auto_items({"ipa": {"value": "keep_up"}, "tier_ipa": {"gold": {"value": "concentrate"}}},
                          {"priorities": [{"category": "process", "level": "High"}, {"category": "price", "level": "Low"}],
                           "chains": [{"id": "x", "due": "2028-02-15"}, {"id": "y", "due": "2026-12-31"}]},
                          None, date(2027, 1, 1))
    assert [(i["kind"], i["key"], i["month"]) for i in items] == [("driver", "value", 1), ("cause", "process", 1),
                                                                   ("chain", "x", 14), ("chain", "y", 1)]
    assert ap.place_items(phases, items) == [0, 0, 1, 0]


def test_params_problems_name_the_key():
    with pytest.raises(ConfigError, match="action_plan.pilot.targets.0.change"):
        ap.parse_params({"pilot": {"targets": [{"tier": "gold", "column": "x", "change": 0}]}})
    with pytest.raises(ConfigError, match="action_plan.risks.0.probability"):
        ap.parse_params({"risks": [{"name": "a", "probability": 1.5, "impact": 1}]})


# --------------------------------------------------------------------------- applicability
def _engagement(demo_dir: Path, tmp_path: Path, drop_section: bool) -> Path:
    d = tmp_path / "eng"
    shutil.copytree(demo_dir, d)
    cfg = yaml.safe_load((d / "engagement.yaml").read_text(encoding="utf-8"))
    if drop_section:
        cfg.pop("action_plan")
    (d / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return d


@pytest.mark.parametrize("drop", [True, False])
def test_not_applicable_without_an_action_plan_section(demo_dir, tmp_path, drop):
    from cxkit.config import load_engagement
    from cxkit.runner import plan

    eng = load_engagement(_engagement(demo_dir, tmp_path, drop))
    tasks = [t for t in plan(eng, tmp_path / "out", notebooks=["07"]) if t.notebook == "07_action_plan"]
    assert {t.region for t in tasks} == {"east", "south", "west", "north"}
    assert all(t.not_applicable == (["action_plan"] if drop else []) for t in tasks)


def test_fingerprint_covers_the_pilot_file(demo_dir, tmp_path):
    from cxkit.config import load_engagement
    from cxkit.runner import plan

    d = _engagement(demo_dir, tmp_path, False)
    fp = {t.region: t.fingerprint for t in plan(load_engagement(d), tmp_path / "o", notebooks=["07"])}
    with open(d / "data" / "pilot.csv", "a", encoding="utf-8") as fh:
        fh.write("east,EP01,X,gold,pilot,after,80,0\n")
    fp2 = {t.region: t.fingerprint for t in plan(load_engagement(d), tmp_path / "o", notebooks=["07"])}
    assert fp["east"] != fp2["east"] and fp["north"] == fp2["north"]     # north reads no pilot file


# --------------------------------------------------------------------------- the playbook on the demo
def test_demo_playbook_east(demo_run):
    from cxkit import results as R

    res = demo_run.results("east", "07_action_plan")
    R.validate("07_action_plan", res)
    plat = next(r for r in res["pilot"] if r["tier"] == "platinum")
    assert (plat["baseline"], plat["result"], plat["met"], plat["shortfall"]) == (82, 91, False, 1)
    assert plat["clusters"] == 40                                   # 20 pilot + 20 control stores
    comp = next(r for r in res["pilot"] if r["tier"] == "ordinary")
    assert comp["met"] is True and comp["relative_change"] == pytest.approx(-1 / 3)
    assert res["rollout"]["decision"] == "extend"
    phase1 = res["roadmap"]["phases"][0]
    assert phase1["splits_sum"] == pytest.approx(0.8) and phase1["splits_ok"] is False
    assert any("80%" in w["message"] for w in res["warnings"])
    assert any("82.0 → 91.0" in w["message"] for w in res["warnings"])     # the not-met verdict is a warning
    roi_res = demo_run.results("east", "05_roi")
    radj = res["risk_adjusted"]
    assert radj["npv_mean_before"] == pytest.approx(roi_res["npv_mean"], rel=1e-9)   # 05's own draws
    expected = sum(r["score"] * 1.1 ** 0 for r in res["risks"])                       # undiscounted Σ p·L
    assert 0.8 * expected < radj["expected_loss"] < expected                          # discounted, so below
    assert res["roadmap"]["budget"] == demo_run.results("east", "06_allocation")["budget"]
    from bs4 import BeautifulSoup

    text = BeautifulSoup(demo_run.html("east", "07_action_plan"), "html.parser").get_text(" ")
    assert "未达成" in text and "82.0 → 91.0" in text and "80% ⚠" in text
    for raw in ("action_plan.", "splits_sum", "foundation", "platinum", "None", "nan", "inf"):  # no keys, ids, NaN
        assert raw not in text, raw


def test_demo_playbook_north_has_no_pilot(demo_run):
    res = demo_run.results("north", "07_action_plan")
    assert res["pilot"] == [] and res["rollout"]["decision"] is None
    assert len(res["roadmap"]["phases"]) == 3 and res["risks"]
