"""Allocation optimiser vs independent references: closed forms (KKT by hand), brute-force grids,
finite differences, and a second scipy solver (trust-constr)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cxkit import allocation as al
from cxkit.errors import AnalysisError, ConfigError, CxError


def exp_closed_form(U, s, B):
    """Equal marginal returns U_i/s_i·exp(−x_i/s_i) = λ and Σx = B, solved by hand:
    ln λ = (Σ s_i ln(U_i/s_i) − B) / Σ s_i,  x_i = s_i ln(U_i / (s_i λ))."""
    U, s = np.asarray(U, float), np.asarray(s, float)
    ln_lam = (np.sum(s * np.log(U / s)) - B) / s.sum()
    return s * (np.log(U / s) - ln_lam), math.exp(ln_lam)


def hill1_closed_form(U, K, B):
    """Hill n = 1: U K/(K + x)² = λ → x_i = sqrt(U_i K_i / λ) − K_i; 1/√λ = (B + ΣK)/Σ√(U K)."""
    U, K = np.asarray(U, float), np.asarray(K, float)
    inv_sqrt_lam = (B + K.sum()) / np.sqrt(U * K).sum()
    return np.sqrt(U * K) * inv_sqrt_lam - K, inv_sqrt_lam ** -2


# --------------------------------------------------------------------------- acceptance oracles
@pytest.mark.parametrize("kind", ["hill", "exponential"])
def test_two_identical_concave_curves_split_evenly(kind):
    cs = al.Curves([al.Curve(kind, 5.0, 2e6), al.Curve(kind, 5.0, 2e6)])
    a = al.optimise(cs, 7e6)
    np.testing.assert_allclose(a.x, [3.5e6, 3.5e6], rtol=1e-6)
    assert a.kkt["ok"] and a.status == ["interior", "interior"]


def test_unequal_exponential_curves_match_closed_form_and_equal_marginals():
    U, s, B = [6.0, 3.0, 4.0, 2.5], [2e6, 1e6, 3e6, 0.5e6], 8e6
    cs = al.Curves([al.Curve("exponential", u, k) for u, k in zip(U, s)])
    a = al.optimise(cs, B)
    x_ref, lam_ref = exp_closed_form(U, s, B)
    assert (x_ref > 0).all()
    np.testing.assert_allclose(a.x, x_ref, rtol=1e-5, atol=1e-5 * B)
    # equal marginal returns at the optimum, within solver tolerance
    assert np.ptp(a.marginal) / a.marginal.max() < 1e-5
    assert a.kkt["lambda"] == pytest.approx(lam_ref, rel=1e-5)
    assert a.kkt["equal_marginal_spread"] < 1e-5


def test_unequal_hill_curves_match_closed_form():
    U, K, B = [4.0, 2.0, 3.0], [1e6, 0.5e6, 2e6], 6e6
    cs = al.Curves([al.Curve("hill", u, k, 1.0) for u, k in zip(U, K)])
    a = al.optimise(cs, B)
    x_ref, lam_ref = hill1_closed_form(U, K, B)
    np.testing.assert_allclose(a.x, x_ref, rtol=1e-5, atol=1e-5 * B)
    assert a.kkt["lambda"] == pytest.approx(lam_ref, rel=1e-5)


def test_lambda_is_marginal_value_of_budget_finite_difference():
    cs = al.Curves([al.Curve("hill", 4.0, 1e6, 0.8), al.Curve("exponential", 3.0, 2e6), al.Curve("hill", 2.0, 3e6)])
    B, h = 5e6, 1e4
    a = al.optimise(cs, B)
    fd = (al.optimise(cs, B + h).objective - al.optimise(cs, B - h).objective) / (2 * h)
    assert a.kkt["lambda"] == pytest.approx(fd, rel=1e-4)


def test_binding_upper_bound_reported():
    # unconstrained optimum gives lever 0 about 4.2M; cap it at 2M
    U, s, B = [6.0, 3.0], [2e6, 1e6], 5e6
    cs = al.Curves([al.Curve("exponential", u, k) for u, k in zip(U, s)])
    free = al.optimise(cs, B)
    assert free.x[0] > 2e6
    a = al.optimise(cs, B, upper=[2e6, np.inf], names=["a", "b"])
    assert a.x[0] == pytest.approx(2e6, rel=1e-6)
    assert a.status[0] == "upper"
    b = [r for r in a.binding if r["constraint"] == "a"]
    assert b and b[0]["type"] == "lever upper bound" and b[0]["multiplier"] > 0
    assert a.kkt["ok"]
    # the capped lever's marginal is above the budget multiplier (it wants more money)
    assert a.marginal[0] > a.kkt["lambda"]


def test_binding_lower_bound_reported():
    cs = al.Curves([al.Curve("exponential", 6.0, 2e6), al.Curve("exponential", 0.5, 1e6)])
    a = al.optimise(cs, 4e6, lower=[0, 2e6], names=["a", "b"])
    assert a.status == ["interior", "lower"]
    assert any(r["constraint"] == "b" and r["type"] == "lever lower bound" for r in a.binding)


def test_binding_group_reported_and_kkt_with_grid_reference():
    """3 levers, 'people' (levers 0, 1) ≥ 60%: brute-force grid on a 0.25% lattice as reference."""
    cs = al.Curves([al.Curve("hill", 2.0, 1e6), al.Curve("exponential", 1.5, 1.5e6), al.Curve("hill", 6.0, 2e6)])
    B = 4e6
    g = [al.Group("people", np.array([True, True, False]), min_share=0.6)]
    a = al.optimise(cs, B, groups=g, names=["p1", "p2", "t"])
    assert a.x[:2].sum() / B == pytest.approx(0.6, abs=1e-7)
    assert any(r["constraint"] == "people" and r["type"] == "group min share" and r["multiplier"] > 0
               for r in a.binding)
    assert a.kkt["ok"]
    # brute force
    step = 0.0025
    z = np.arange(0, 1 + step / 2, step)
    z0, z1 = np.meshgrid(z, z, indexing="ij")
    z2 = 1 - z0 - z1
    ok = (z2 >= -1e-12) & (z0 + z1 >= 0.6 - 1e-12)
    X = np.stack([z0[ok], z1[ok], np.clip(z2[ok], 0, None)]) * B
    vals = sum(c.value(X[i]) for i, c in enumerate(cs.curves))
    best = int(np.argmax(vals))
    assert a.objective >= vals[best] - 1e-9
    assert a.objective - vals[best] < 1e-3
    np.testing.assert_allclose(a.x, X[:, best], atol=2 * step * B)


def test_trust_constr_agrees_with_slsqp():
    cs = al.Curves([al.Curve("hill", 2.0, 1e6, 0.7), al.Curve("exponential", 1.5, 1.5e6),
                    al.Curve("hill", 6.0, 2e6), al.Curve("exponential", 3.0, 0.8e6)])
    g = [al.Group("g", np.array([True, False, True, False]), max_share=0.5)]
    a = al.optimise(cs, 6e6, groups=g)
    b = al.optimise(cs, 6e6, groups=g, method="trust-constr")
    np.testing.assert_allclose(a.x, b.x, atol=1e-3 * 6e6)
    assert a.objective == pytest.approx(b.objective, rel=1e-6)


def test_sshaped_hill_multistart_beats_grid():
    """Non-concave (n = 2.5) curves: the multi-start optimum is at least the grid's best."""
    cs = al.Curves([al.Curve("hill", 4.0, 3e6, 2.5), al.Curve("hill", 3.0, 1e6, 2.5)])
    B = 3e6
    a = al.optimise(cs, B)
    z = np.linspace(0, 1, 4001)
    vals = cs.curves[0].value(z * B) + cs.curves[1].value((1 - z) * B)
    assert a.objective >= vals.max() - 1e-6


# --------------------------------------------------------------------------- inverse problem
def test_least_budget_matches_exponential_closed_form():
    """min Σx s.t. Σ U_i(1 − e^{−x_i/s_i}) = T: λ = (ΣU − T)/Σs, x_i = s_i ln(U_i / (s_i λ))."""
    U, s, T = np.array([6.0, 3.0, 4.0]), np.array([2e6, 1e6, 3e6]), 9.0
    cs = al.Curves([al.Curve("exponential", u, k) for u, k in zip(U, s)])
    lam = (U.sum() - T) / s.sum()
    x_ref = s * np.log(U / (s * lam))
    assert (x_ref > 0).all()
    B, a = al.least_budget(cs, T)
    assert B == pytest.approx(x_ref.sum(), rel=1e-5)
    np.testing.assert_allclose(a.x, x_ref, rtol=1e-4, atol=1e-4 * B)
    assert a.objective == pytest.approx(T, rel=1e-6)


def test_target_above_saturation_is_clear_error():
    cs = al.Curves([al.Curve("hill", 2.0, 1e6), al.Curve("exponential", 3.0, 1e6)])
    with pytest.raises(AnalysisError, match=r"saturation \(5.00\)"):
        al.least_budget(cs, 6.0)
    with pytest.raises(AnalysisError, match=r"within their maximum spends \(2.90\)"):
        al.least_budget(cs, 4.5, upper=[1e6, 1e6])


# --------------------------------------------------------------------------- bad input
def test_infeasible_sum_of_minimums_names_constraints():
    cs = al.Curves([al.Curve("hill", 2.0, 1e6)] * 3)
    with pytest.raises(AnalysisError) as e:
        al.optimise(cs, 5e6, lower=[3e6, 2.5e6, 0], names=["agents", "crm", "kiosk"])
    msg = str(e.value)
    assert "lever minimums sum to 5,500,000" in msg and "agents ≥ 3,000,000" in msg and "crm" in msg


def test_infeasible_group_minimums_named():
    cs = al.Curves([al.Curve("hill", 2.0, 1e6)] * 4)
    gs = [al.Group("people", np.array([1, 1, 0, 0], bool), min_share=0.6),
          al.Group("technology", np.array([0, 0, 1, 1], bool), min_share=0.5)]
    with pytest.raises(AnalysisError, match=r"'people' 60% \+ 'technology' 50% = 110% > 100%"):
        al.optimise(cs, 1e6, groups=gs)


def test_infeasible_group_vs_lever_bounds_named():
    cs = al.Curves([al.Curve("hill", 2.0, 1e6)] * 3)
    g = [al.Group("platinum", np.array([1, 0, 0], bool), min_share=0.5)]
    with pytest.raises(AnalysisError, match=r"group 'platinum' needs ≥ 50%"):
        al.optimise(cs, 4e6, upper=[1e6, np.inf, np.inf], groups=g)


@pytest.mark.parametrize("U,K,n", [(0, 1e6, 1), (-1, 1e6, 1), (2, 0, 1), (2, -5, 1), (2, 1e6, 0),
                                   (float("nan"), 1e6, 1)])
def test_non_positive_curve_parameters(U, K, n):
    with pytest.raises(ConfigError, match="must be a positive finite number"):
        al.Curve("hill", U, K, n)


def test_params_reject_non_positive_and_inconsistent():
    from pydantic import ValidationError
    base = {"name": "a", "dimension": "people", "max_uplift": 2, "half_saturation": 1e6}
    al.AllocationParams.model_validate({"levers": [base]})
    for bad in ({"max_uplift": -1}, {"half_saturation": 0}, {"shape": 0}, {"dimension": "marketing"}):
        with pytest.raises(ValidationError):
            al.AllocationParams.model_validate({"levers": [{**base, **bad}]})
    with pytest.raises(ValidationError, match="no lever has tier"):
        al.AllocationParams.model_validate({"levers": [base], "groups": [
            {"name": "plat", "by": "tier", "members": ["platinum"], "min_share": 0.5}]})
    with pytest.raises(ValidationError, match="needs uplift_at_ref"):
        al.AllocationParams.model_validate({"levers": [{"name": "a", "dimension": "people",
                                                        "calibration": "consultant", "max_uplift": 2}]})
    assert al.AllocationParams.model_validate({}).budget == 12_000_000


# --------------------------------------------------------------------------- calibration
@pytest.mark.parametrize("kind", ["hill", "exponential"])
def test_consultant_calibration_passes_through_point(kind):
    c = al.calibrate_consultant(kind, 1.2, 2e6, max_uplift=3.0, shape=0.9 if kind == "hill" else 1.0)
    assert c.value(2e6) == pytest.approx(1.2, rel=1e-12)
    c2 = al.calibrate_consultant(kind, 1.2, 2e6, scale=1.5e6)
    assert c2.value(2e6) == pytest.approx(1.2, rel=1e-12) and c2.scale == 1.5e6
    # hand formula, exponential: s = −r/ln(1 − u/U) = −2e6/ln(0.6)
    if kind == "exponential":
        assert c.scale == pytest.approx(-2e6 / math.log(0.6))


def test_driver_calibration_formula():
    c = al.calibrate_driver(0.36, 57.5, reach=0.12, closable_gap=0.5, scale=1e6)
    assert c.max_uplift == pytest.approx(0.12 * 0.36 * 42.5 * 0.5)
    with pytest.raises(AnalysisError):
        al.calibrate_driver(0.3, 100, scale=1e6)


def test_history_fit_recovers_known_curve():
    """Synthetic points from a known Hill curve with noise (seeded): the fit recovers U and K."""
    rng = np.random.default_rng(7)
    x = np.array([0.25, 0.5, 1, 1.5, 2, 3, 4, 6]) * 1e6
    true = al.Curve("hill", 3.0, 1.5e6)
    y = true.value(x) + rng.normal(0, 0.03, x.size)
    f = al.fit_history(x, y, "hill")
    assert f.curve.max_uplift == pytest.approx(3.0, abs=3 * f.se["max_uplift"] + 0.05)
    assert f.curve.scale == pytest.approx(1.5e6, abs=3 * f.se["half_saturation"] + 5e4)
    assert f.r2 > 0.98
    # same numbers as calling scipy directly on the unscaled problem
    from scipy.optimize import curve_fit
    popt, _ = curve_fit(lambda v, U, K: U * v / (K + v), x, y, p0=[2, 1e6])
    assert f.curve.max_uplift == pytest.approx(popt[0], rel=1e-4)
    assert f.curve.scale == pytest.approx(popt[1], rel=1e-4)


def test_history_too_few_points():
    with pytest.raises(AnalysisError, match="at least 4 history points"):
        al.fit_history([1e6, 2e6, 3e6], [1, 1.5, 1.8])


# --------------------------------------------------------------------------- scenarios
def test_split_allocation_and_document_contradiction():
    keys = ["people", "people", "technology", "process", "culture"]
    x, w = al.split_allocation(12e6, {"people": .4, "technology": .3, "process": .2, "culture": .1}, keys)
    assert x.sum() == pytest.approx(12e6)
    assert x[:2].sum() == pytest.approx(4.8e6) and x[2] == pytest.approx(3.6e6)
    assert w == []
    # phase 1 of document 002: 25 + 35 + 20 = 80% → rescaled with a warning
    x, w = al.split_allocation(4.8e6, {"process": .25, "technology": .35, "culture": .20}, keys, name="phase 1")
    assert x.sum() == pytest.approx(4.8e6)
    assert ("allocation.warn_split_sum", {"name": "phase 1", "total": "80"}) in w
    with pytest.raises(ConfigError, match="no lever belongs to"):
        al.split_allocation(1, {"marketing": 1.0}, keys)


def test_phased_path_ends_at_budget_and_never_unspends():
    cs = al.Curves([al.Curve("exponential", 6.0, 2e6), al.Curve("hill", 3.0, 1e6), al.Curve("hill", 2.0, 0.5e6)])
    X, ups = al.phased_allocation(cs, 10e6, [0.4, 0.35, 0.25], first=[4e6, 0, 0])
    np.testing.assert_allclose(X.sum(axis=0), [4e6, 7.5e6, 10e6], rtol=1e-9)
    assert (np.diff(X, axis=1) >= -1e-3).all()
    assert np.all(np.diff(ups) > 0)
    # optimal at the full budget is at least as good as the phased end point
    assert al.optimise(cs, 10e6).objective >= ups[-1] - 1e-9


def test_quarterly_reallocation_moves_toward_higher_roi():
    df = al.quarterly_reallocation({"platinum": .5, "gold": .3, "ordinary": .2},
                                   {"platinum": 5, "gold": 3, "ordinary": 2}, quarters=4, step=0.05,
                                   min_shares={"ordinary": 0.1}, max_shares={"platinum": 0.6})
    p = df.pivot(index="quarter", columns="tier", values="share")
    # by hand: q2 60/30/10... no — one step a quarter: 55/30/15, 60/30/10, then ordinary at its floor
    # and platinum at its cap: gold (3) cannot give to platinum (capped) → next taker is none above gold
    np.testing.assert_allclose(p.loc[2, ["platinum", "gold", "ordinary"]], [.55, .30, .15])
    np.testing.assert_allclose(p.loc[3, ["platinum", "gold", "ordinary"]], [.60, .30, .10])
    np.testing.assert_allclose(p.loc[4, ["platinum", "gold", "ordinary"]], [.60, .30, .10])
    assert np.allclose(p.sum(axis=1), 1.0)


def test_concentration_8020():
    cs = al.Curves([al.Curve("hill", u, 1e6) for u in (1, 5, 2, 4, 3, 0.5, 0.7, 0.8, 0.9, 1.1)])
    x = al.concentration_allocation(cs, 10e6)
    assert x.sum() == pytest.approx(10e6)
    np.testing.assert_allclose(x[[1, 3]], [4e6, 4e6])


def test_frontier_is_increasing_and_concave():
    cs = al.Curves([al.Curve("hill", 4.0, 1e6), al.Curve("exponential", 3.0, 2e6), al.Curve("hill", 2.0, 3e6)])
    budgets = np.linspace(0.5e6, 10e6, 12)
    df, X = al.frontier(cs, budgets)
    v = df["objective"].to_numpy()
    assert np.all(np.diff(v) > 0) and np.all(np.diff(v, 2) < 1e-9)
    np.testing.assert_allclose(X.sum(axis=0), budgets, rtol=1e-8)


def test_errors_are_cx_errors():
    assert issubclass(AnalysisError, CxError) and issubclass(ConfigError, CxError)


def test_group_shadow_price_matches_finite_difference():
    """Envelope theorem: relaxing a binding min share by δ adds μ·B·δ (checked by re-solving)."""
    cs = al.Curves([al.Curve("hill", 2.0, 1e6), al.Curve("exponential", 1.5, 1.5e6), al.Curve("hill", 6.0, 2e6)])
    B = 4e6

    def mk(m):
        return [al.Group("people", np.array([True, True, False]), min_share=m)]

    a = al.optimise(cs, B, groups=mk(0.6))
    g = next(r for r in a.binding if r["constraint"] == "people")
    d = 1e-3
    fd = (al.optimise(cs, B, groups=mk(0.6 - d)).objective - al.optimise(cs, B, groups=mk(0.6 + d)).objective) / (2 * d)
    assert g["gain_per_point"] * 100 == pytest.approx(fd, rel=1e-3)


def test_min_feasible_budget_lp():
    g = [al.Group("plat", np.array([True, False, False]), min_share=0.5)]
    # lever 2 must get ≥ 1M, platinum ≥ 50% → platinum ≥ 1M → B ≥ 2M (by hand)
    assert al.min_feasible_budget([0, 1e6, 0], None, g) == pytest.approx(2e6)
    with pytest.raises(AnalysisError):
        al.min_feasible_budget([0, 1e6, 0], [0.5e6, np.inf, np.inf], g)


def test_build_plan_fallbacks_and_upstream():
    P = {"levers": [
        {"name": "a", "dimension": "people", "tier": "platinum", "calibration": "driver", "driver": "responsiveness",
         "reach": 0.12, "half_saturation": 1e6},
        {"name": "b", "dimension": "technology", "tier": "gold", "calibration": "consultant", "reach": 0.28,
         "uplift_at_ref": 0.5, "ref_spend": 1e6, "max_uplift": 1.0}],
        "objective": "money",
        "inputs": {"driver_weights": {"responsiveness": 0.3}, "driver_performance": {"responsiveness": 60},
                   "value_per_point": 2e6, "value_per_point_by_tier": {"platinum": 1.5e6}}}
    plan = al.build_plan(P)
    keys = [k for k, _ in plan.notes]
    assert keys.count("allocation.note_fallback_missing") >= 3
    assert plan.curves.U[0] == pytest.approx(0.12 * 0.3 * 40 * 0.5)
    assert plan.curves.w[0] == pytest.approx(1.5e6 / 0.12)      # per-tier value / reach
    assert plan.curves.w[1] == pytest.approx(2e6)                # no gold value → value_per_point
    # upstream 03 with item-level weights aggregated to the scale; 05 present
    diag = {"driver_weights": {"resp1": 0.2, "resp2": 0.2}, "driver_performance": {"resp1": 50, "resp2": 70},
            "csat_0_100": {"estimate": 77.5}}
    roi = {"value_per_point": 3e6, "value_per_point_by_tier": {"platinum": 1.2e6, "gold": 0.3e6}}
    plan = al.build_plan(P, diag, roi, scales={"responsiveness": {"items": ["resp1", "resp2"]}})
    assert not plan.notes
    assert plan.curves.U[0] == pytest.approx(0.12 * 0.4 * 40 * 0.5)
    assert plan.baseline_csat == 77.5 and plan.curves.w[1] == pytest.approx(0.3e6 / 0.28)
    # a results file without the key → a note naming it
    plan = al.build_plan(P, {"csat_0_100": 70}, roi, scales={"responsiveness": {"items": ["resp1"]}})
    assert ("allocation.note_fallback_key", {"notebook": "03_diagnostics", "what": "driver_weights"}) in plan.notes


def test_demo_params_validate_and_solve():
    from cxkit.config import load_engagement
    from pathlib import Path
    eng = load_engagement(Path(__file__).resolve().parents[1] / "params" / "demo", check_files=False)
    P = eng.regions["east"].params["allocation"]
    plan = al.build_plan(P, None, None, scales=eng.regions["east"].params["survey"]["scales"])
    allocs, info, notes = al.scenarios(plan, P)
    assert {"current", "even", "cost_type", "by_tier", "concentration", "phased", "optimal"} <= set(allocs)
    for k, x in allocs.items():
        assert x.sum() == pytest.approx(12e6, rel=1e-6), k
    assert info["optimal"].kkt["ok"]
    # the documents' phase-1 split (25 + 35 + 20 = 80%) is flagged, not silently accepted
    assert any(k == "allocation.warn_split_sum" and v["total"] == "80" for k, v in notes)
    tab = al.scenario_table(plan, allocs)
    assert (tab["gap"] >= -1e-6 * tab["objective"].max()).all()   # nothing beats the optimum


def test_kkt_check_rejects_non_optimal_allocation():
    """The check must be able to fail: an even split of unequal curves is not optimal."""
    cs = al.Curves([al.Curve("exponential", 6.0, 2e6), al.Curve("exponential", 3.0, 1e6)])
    x = np.array([2.5e6, 2.5e6])
    _, _, kkt = al.kkt_check(x, cs.w * cs.derivs(x), 5e6, None, None)
    assert not kkt["ok"] and kkt["stationarity_residual"] > 0.1
    # a lever parked at zero although its marginal return beats the others
    x = np.array([5e6, 0.0])
    _, _, kkt = al.kkt_check(x, cs.w * cs.derivs(x), 5e6, None, None, names=["a", "b"])
    assert not kkt["ok"] and "b (lower bound)" in kkt["sign_violations"]


def test_cx_validate_reports_allocation_paths(tmp_path):
    """Bad allocation params are reported by the engagement loader with the key path."""
    from pathlib import Path

    import yaml

    from cxkit.config import load_engagement

    src = Path(__file__).resolve().parents[1] / "params" / "demo" / "engagement.yaml"
    raw = yaml.safe_load(src.read_text(encoding="utf-8"))
    raw["allocation"]["budget"] = -5
    raw["allocation"]["levers"][0]["half_saturation"] = 0
    raw["allocation"]["groups"].append({"name": "x", "by": "tier", "members": ["diamond"], "min_share": 0.1})
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_engagement(tmp_path, check_files=False)
    msg = str(e.value)
    assert "allocation.budget" in msg and "allocation.levers.0.half_saturation" in msg


def test_docstring_examples():
    import doctest

    from cxkit import staffing
    for mod in (al, staffing):
        res = doctest.testmod(mod)
        assert res.failed == 0 and res.attempted > 0, mod.__name__
