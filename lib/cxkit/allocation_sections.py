"""The sections of notebook 06 (resource allocation): what the playbook shows of :mod:`cxkit.allocation` and
:mod:`cxkit.staffing`, and its results keys.

:func:`intro_section` turns the ``allocation:`` params and the upstream results into a :class:`Page` (typed
params, the :class:`~cxkit.allocation.Plan`, how money is shown); :func:`scenario_run` computes every
scenario once (:class:`ScenarioRun`). Each other section builder takes the playbook, the page and the run,
writes its heading, text, tables and charts through ``pb`` and records its keys of
``06_allocation.results.json`` (docs/results.md). The maths stays in :mod:`cxkit.allocation` (imported
here, never the reverse); the thresholds that decide a warning are fields of
:class:`cxkit.allocation.AllocationParams` (``waste_warn_share``, ``frontier_min_share``).

The charts (``plot_*``) return a matplotlib ``Figure``; their labels come in already translated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from . import allocation as al
from . import staffing
from . import present
from .report import fmt_num, fmt_pct

#: scenarios every run may have (besides the engagement's own ``splits``), named by ``allocation.sc_<name>``
SCENARIOS = ("current", "even", "concentration", "phased", "optimal", "optimal_points")


@dataclass(frozen=True)
class Page:
    """What every section of notebook 06 shares: the typed params, the plan, how money is shown.

    ``money`` is the money objective (value of the points) rather than satisfaction points; marginal returns
    are then value per unit of money (``mscale`` 1), else points per ``money_unit`` (``mscale`` = the unit).
    """

    params: al.AllocationParams
    plan: al.Plan
    unit: str            # display unit of money amounts, e.g. "万元"
    per: str             # unit of a marginal return, e.g. "per CNY" / "per CNY M"
    objective: str       # what the optimiser maximises, in words
    M: float = 1e6       # money amounts are divided by this for display (the unit's divisor)

    @property
    def money(self) -> bool:
        return self.params.objective == "money"

    @property
    def mscale(self) -> float:
        return 1.0 if self.money else self.M

    @property
    def oscale(self) -> float:
        """Objective values are divided by this for display (money in ``money_unit``, points as they are)."""
        return self.M if self.money else 1


@dataclass(frozen=True)
class ScenarioRun:
    """Every scenario's allocation at the budget (:func:`cxkit.allocation.scenarios`) with its comparison table,
    display names and the least budget reaching the satisfaction target."""

    allocs: dict[str, np.ndarray]
    info: dict[str, Any]
    table: Any                  # DataFrame of cxkit.allocation.scenario_table
    names: dict[str, str]       # scenario → display name
    target: dict[str, Any] | None

    @property
    def opt(self) -> al.Allocation:
        return self.info["optimal"]

    @property
    def points(self) -> float:
        """Satisfaction points the optimal allocation adds."""
        return float(np.sum(self.opt.uplift))

    @property
    def tier_start(self) -> np.ndarray:
        """The allocation the quarterly reallocation starts from: the ``by_tier`` split if given, else the optimum."""
        return self.allocs.get("by_tier", self.allocs["optimal"])

    def name(self, key: str) -> str:
        return self.names.get(key, key)


# ============================================================================ sections
def intro_section(pb, section: Mapping[str, Any] | al.AllocationParams, diag: Mapping[str, Any] | None,
                  roi_res: Mapping[str, Any] | None) -> Page:
    """Notebook 06's opening: the plan (levers, curves, bounds, groups), one sentence on the budget, its notes.

    :func:`cxkit.allocation.build_plan` calibrates the levers from the params, 03's drivers and 05's value per
    point; each upstream figure that fell back to ``allocation.inputs`` is an info note, a ``warn_*`` note
    (current spend rescaled to the budget, a driver used twice …) a warning.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    section : dict or cxkit.allocation.AllocationParams
        The ``allocation:`` params (``pb.params["allocation"]``).
    diag, roi_res : dict or None
        ``03_diagnostics`` and ``05_roi`` results, None when the notebook did not run.

    Returns
    -------
    Page
        What the other sections share.

    Notes
    -----
    Writes no results key.
    """
    P = section if isinstance(section, al.AllocationParams) else al.AllocationParams.model_validate(section)
    plan = al.build_plan(P, diag, roi_res, lang=pb.lang, scales=pb.params["survey"].get("scales"))
    B, cur = plan.budget, P.currency
    u = present.money_unit(cur, pb.lang, [B]) if P.money_unit is None else present.unit_for(P.money_unit, cur, pb.lang)
    unit, M = u.label, u.divisor
    money = P.objective == "money"
    page = Page(params=P, plan=plan, unit=unit, M=M,
                per=pb.t("allocation.per_currency", currency=cur) if money else pb.t("allocation.per_unit", unit=unit),
                objective=pb.t("allocation.obj_money") if money else pb.t("allocation.obj_points"))
    pb.p(pb.t("allocation.intro", budget=fmt_num(B / M, 1), unit=unit, n=len(plan.names)))
    for key, values in plan.notes:
        pb.note(pb.t(key, **_worded(pb, values)), "warn" if key.startswith("allocation.warn") else "info")
    return page


def scenario_run(pb, page: Page) -> ScenarioRun:
    """Compute every scenario once; show only their warnings.

    The scenarios at the budget (current, even, the ``splits``, 80/20, phased, optimal, and with the money
    objective the points-optimal split: :func:`cxkit.allocation.scenarios`), their comparison table
    (:func:`cxkit.allocation.scenario_table`) and the least budget for ``target_csat``. Shown: a warning per
    problem of a scenario (a split naming groups no lever has, a phased path that failed).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).

    Returns
    -------
    ScenarioRun

    Notes
    -----
    Writes no results key (see :func:`headline_section`, :func:`scenario_results`).
    """
    P, plan = page.params, page.plan
    allocs, info, snotes = al.scenarios(plan, P, method=P.method)
    names = {k: pb.t(f"allocation.sc_{k}") for k in SCENARIOS}
    for k, sp in P.splits.items():
        names[k] = al.label_text(sp.label, pb.lang, k)
    group_names = {**{d: pb.t(f"allocation.dim_{d}") for d in al.DIMENSIONS},
                   **{t: pb.tier_label(t) for t in plan.tiers}}
    for key, values in snotes:
        values = {**values, "name": names.get(values.get("name"), values.get("name"))}
        if "groups" in values:
            values["groups"] = pb.join(group_names.get(g, g) for g in values["groups"].split(", "))
        pb.note(pb.t(key, **values), "warn")
    table = al.scenario_table(plan, allocs, method=P.method)
    target = al.target_budget(plan, P.target_csat, method=P.method)
    return ScenarioRun(allocs=allocs, info=info, table=table, names=names, target=target)


def headline_section(pb, page: Page, run: ScenarioRun) -> None:
    """The headline cards: budget, the optimal split's points (and value), waste of the current split, target budget.

    The waste card is a warning above ``allocation.waste_warn_share`` of the budget. Then one sentence: what is
    optimised, the points gained, the baseline satisfaction.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results keys: ``budget``, ``currency``, ``objective``, ``optimal_spend``, ``optimal_points``,
    ``optimal_value`` (null for the points objective), ``baseline_csat``, ``target``.
    """
    P, plan, unit, M = page.params, page.plan, page.unit, page.M
    B, opt, pts, target = plan.budget, run.opt, run.points, run.target
    pb.h2(pb.t("allocation.sec_headline"))
    cards = [{"label": pb.t("allocation.kpi_budget"), "value": f"{fmt_num(B / M, 1)} {unit}"},
             {"label": pb.t("allocation.kpi_points"), "value": f"+{pts:.1f}"}]
    if page.money:
        cards.append({"label": pb.t("allocation.kpi_value"), "value": f"{fmt_num(opt.objective / M, 1)} {unit}",
                      "detail": pb.t("allocation.kpi_value_detail", ratio=f"{opt.objective / B:.2f}")})
    if "current" in run.allocs:
        w = float(run.table.loc[run.table.scenario == "current", "waste"].iloc[0])
        cards.append({"label": pb.t("allocation.kpi_waste"), "value": f"{fmt_num(w / M, 1)} {unit}",
                      "kind": "warn" if w > P.waste_warn_share * B else ""})
    if target:
        val = f"{fmt_num(target['budget'] / M, 1)} {unit}" if target["budget"] else pb.t("allocation.unreachable")
        cards.append({"label": pb.t("allocation.kpi_target", csat=fmt_num(target["csat"], 0)), "value": val})
    pb.kpis(cards)
    pb.p(pb.t("allocation.headline_text", obj=page.objective, points=f"{pts:.1f}",
              base=fmt_num(plan.baseline_csat, 1) if plan.baseline_csat is not None else "–"))
    pb.result("budget", B)
    pb.result("currency", P.currency)
    pb.result("objective", P.objective)
    pb.result("optimal_spend", dict(zip(plan.names, opt.x)))
    pb.result("optimal_points", pts)
    pb.result("optimal_value", opt.objective if page.money else None)
    pb.result("baseline_csat", plan.baseline_csat)
    pb.result("target", target)


def lever_section(pb, page: Page) -> None:
    """The levers: one row each, then the fit of each lever calibrated on history.

    Table: dimension, tier, calibration, saturation, half-saturation spend, current spend. Per ``history`` lever:
    R², the parameters with standard errors, points and fitted curve (:func:`plot_fit`).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).

    Notes
    -----
    Results keys: ``levers``, ``fits``.
    """
    plan, unit, M = page.plan, page.unit, page.M
    pb.h2(pb.t("allocation.sec_levers"))
    pb.p(pb.t("allocation.levers_text"))
    lt = al.lever_table(plan)
    pb.table(lt.assign(dimension=[pb.t(f"allocation.dim_{d}") for d in lt["dimension"]],
                       tier=[pb.tier_label(t) for t in lt["tier"]],
                       calibration=[pb.t(f"allocation.cal_{c}") for c in lt["calibration"]],
                       half_saturation=lt["half_saturation"] / M, current=lt["current"] / M)
             [["label", "dimension", "tier", "calibration", "max_uplift", "half_saturation", "current"]]
             .rename(columns={"label": pb.t("allocation.col_lever"), "dimension": pb.t("allocation.col_dimension"),
                              "tier": pb.t("common.tier"), "calibration": pb.t("allocation.col_calibration"),
                              "max_uplift": pb.t("allocation.col_max_uplift"),
                              "half_saturation": pb.t("allocation.col_half_sat", unit=unit),
                              "current": pb.t("allocation.col_current", unit=unit)}), digits=2)
    for name, fit in plan.fits.items():
        lab = plan.labels[plan.names.index(name)]
        pb.h3(pb.t("allocation.sec_fit", lever=lab))
        pb.p(pb.t("allocation.fit_text", n=fit.n, r2=f"{fit.r2:.3f}", U=f"{fit.curve.max_uplift:.2f}",
                  se_u=f"{fit.se['max_uplift']:.2f}", K=fmt_num(fit.curve.scale / M, 2),
                  se_k=fmt_num(fit.se["half_saturation"] / M, 2), unit=unit))
        pb.figure(plot_fit(fit, title=lab, xlabel=pb.t("allocation.axis_spend", unit=unit),
                           ylabel=pb.t("allocation.axis_uplift"), money_unit=M), alt=lab)
    pb.result("levers", {n: {"dimension": d, "tier": t, "calibration": c, "max_uplift": u, "half_saturation": k}
                         for n, d, t, c, u, k in zip(plan.names, plan.dimensions, plan.tiers, plan.calibration,
                                                     plan.curves.U, plan.curves.K)})
    pb.result("fits", {n: {"r2": f.r2, "rmse": f.rmse, "n": f.n, "max_uplift": f.curve.max_uplift,
                           "half_saturation": f.curve.scale} for n, f in plan.fits.items()})


def optimal_section(pb, page: Page, run: ScenarioRun) -> None:
    """The optimal allocation and the check of its optimality (KKT) conditions.

    Table: spend, share, uplift, marginal return and status per lever. Note: the free levers' common marginal
    return λ (ok), or the stationarity residual and sign violations (warning).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results keys: ``marginal_return``, ``lever_status``, ``kkt``.
    """
    plan, unit, M, mscale = page.plan, page.unit, page.M, page.mscale
    opt = run.opt
    pb.h2(pb.t("allocation.sec_optimal"))
    ot = opt.table()
    pb.table(ot.assign(lever=plan.labels, spend=ot["spend"] / M, marginal=ot["marginal"] * mscale,
                       status=[pb.t(f"allocation.status_{s}") for s in ot["status"]])
             .rename(columns={"lever": pb.t("allocation.col_lever"),
                              "spend": pb.t("allocation.col_spend", unit=unit),
                              "share": pb.t("common.share"), "uplift": pb.t("allocation.col_uplift"),
                              "marginal": pb.t("allocation.col_marginal", per=page.per),
                              "status": pb.t("allocation.col_status")}),
             percent=[pb.t("common.share")], digits=2)
    kkt = opt.kkt
    if kkt["ok"]:
        pb.note(pb.t("allocation.kkt_ok", lam=fmt_num(kkt["lambda"] * mscale, 3), per=page.per,
                     spread=f"{100 * kkt['equal_marginal_spread']:.4f}"), "ok")
    else:
        pb.note(pb.t("allocation.kkt_bad", resid=f"{kkt['stationarity_residual']:.2e}",
                     which=", ".join(kkt["sign_violations"]) or "–"), "warn")
    pb.result("marginal_return", dict(zip(plan.names, opt.marginal)))
    pb.result("lever_status", dict(zip(plan.names, opt.status)))
    pb.result("kkt", kkt)


def binding_section(pb, page: Page, run: ScenarioRun) -> None:
    """The constraints binding at the optimum, or a note that none binds.

    Lever bounds and group shares with their limit, value and multiplier (what relaxing the constraint by one
    unit would gain).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results key: ``binding``.
    """
    import pandas as pd

    plan, M, mscale = page.plan, page.M, page.mscale
    opt = run.opt
    if opt.binding:
        pb.h3(pb.t("allocation.sec_binding"))
        bind_types = {k: pb.t(f"allocation.bind_{k.replace(' ', '_')}") for k in
                      ("lever lower bound", "lever upper bound", "group min share", "group max share")}
        bt = [{"c": (plan.labels[plan.names.index(b["constraint"])] if b["constraint"] in plan.names
                     else b["constraint"]),
               "t": bind_types[b["type"]],
               "limit": b["limit"] / M if "lever" in b["type"] else b["limit"],
               "value": b["value"] / M if "lever" in b["type"] else b["value"],
               "mult": b["multiplier"] * mscale if "lever" in b["type"] else b["gain_per_point"] / (M if page.money else 1)}
              for b in opt.binding]
        cols = {"c": "constraint", "t": "type", "limit": "limit", "value": "value", "mult": "multiplier"}
        pb.table(pd.DataFrame(bt).rename(columns={c: pb.t(f"allocation.col_{k}") for c, k in cols.items()}), digits=3)
        pb.p(pb.t("allocation.binding_text"))
    else:
        pb.note(pb.t("allocation.no_binding"), "info")
    pb.result("binding", opt.binding)


def scenario_section(pb, page: Page, run: ScenarioRun) -> None:
    """The scenarios compared, their spend, their shares and their points on the response curves.

    Table: objective, points, gap to the optimum, the budget the optimum needs for the same result
    (``budget_equivalent``) and the waste; the spend matrix (lever × scenario); stacked shares by dimension and by
    tier (:func:`plot_shares`); each lever's curve with every scenario's point (:func:`plot_curves`).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Writes no results key (see :func:`scenario_results`).
    """
    plan, unit, M, oscale = page.plan, page.unit, page.M, page.oscale
    allocs, name = run.allocs, run.name
    obj_col = pb.t("allocation.col_objective_money", unit=unit) if page.money else pb.t("allocation.col_uplift")
    pb.h2(pb.t("allocation.sec_scenarios"))
    pb.p(pb.t("allocation.scenarios_text"))
    st = run.table.copy()
    st["violations"] = [_violation_text(pb, page, allocs[sc]) for sc in st["scenario"]]  # results keep the ids
    pb.table(st.assign(scenario=[name(s) for s in st["scenario"]], objective=st["objective"] / oscale,
                       gap=st["gap"] / oscale, budget_equivalent=st["budget_equivalent"] / M, waste=st["waste"] / M)
             .rename(columns={"scenario": pb.t("allocation.col_scenario"), "objective": obj_col,
                              "points": pb.t("allocation.col_points"), "gap": pb.t("allocation.col_gap"),
                              "budget_equivalent": pb.t("allocation.col_budget_eq", unit=unit),
                              "waste": pb.t("allocation.col_waste", unit=unit),
                              "violations": pb.t("allocation.col_violations")}), digits=2)
    mat = al.allocation_matrix(plan, allocs) / M
    mat.columns = [name(c) for c in mat.columns]
    mat.index.name = pb.t("allocation.col_lever")
    pb.h3(pb.t("allocation.sec_matrix", unit=unit))
    pb.table(mat, index=True, digits=2)
    for by in ("dimension", "tier"):
        shares = al.share_matrix(plan, allocs, by)
        shares.index = [name(c) for c in shares.index]
        shares.columns = [pb.t(f"allocation.dim_{d}") if by == "dimension" else pb.tier_label(d) for d in shares.columns]
        title = pb.t(f"allocation.chart_shares_{'dim' if by == 'dimension' else 'tier'}")
        pb.figure(plot_shares(shares, title=title, ylabel=pb.t("common.share")), alt=title)
    pb.figure(plot_curves(plan, allocs, labels=run.names, title=pb.t("allocation.chart_curves"),
                          xlabel=pb.t("allocation.axis_spend", unit=unit), ylabel=pb.t("allocation.axis_uplift"),
                          money_unit=M), alt=pb.t("allocation.chart_curves"))


def scenario_results(pb, page: Page, run: ScenarioRun) -> None:
    """The scenario comparison's results keys; shows nothing.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results keys: ``scenarios`` (``{name: {objective, points, gap, budget_equivalent, waste, violations}}``),
    ``scenario_spend`` (``{name: {lever: spend}}``).
    """
    pb.result("scenarios", {r.scenario: {"objective": r.objective, "points": r.points, "gap": r.gap,
                                         "budget_equivalent": r.budget_equivalent, "waste": r.waste,
                                         "violations": r.violations} for r in run.table.itertuples()})
    pb.result("scenario_spend", {k: dict(zip(page.plan.names, v)) for k, v in run.allocs.items()})


def phased_section(pb, page: Page, run: ScenarioRun) -> None:
    """The phased scenario, when it was computed: cumulative share, spend and objective after each phase.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results key: ``phased`` (``{cumulative_share, objective}``; absent without the phased scenario).
    """
    import pandas as pd

    if "phased" not in run.info:
        return
    ph, unit, M = run.info["phased"], page.unit, page.M
    pb.h3(pb.t("allocation.sec_phased"))
    cum = np.cumsum(ph["phases"])
    pb.table(pd.DataFrame({pb.t("allocation.col_phase"): [pb.t("allocation.phase_n", n=i + 1) for i in range(len(cum))],
                           pb.t("allocation.col_cum_share"): cum,
                           pb.t("allocation.col_cum_spend", unit=unit): ph["spend"].sum(axis=0) / M,
                           (pb.t("allocation.col_objective_money", unit=unit) if page.money
                            else pb.t("allocation.col_uplift")): ph["objective"] / page.oscale}),
             percent=[pb.t("allocation.col_cum_share")], digits=2)
    pb.p(pb.t("allocation.phased_text"))
    pb.result("phased", {"cumulative_share": cum, "objective": ph["objective"]})


def frontier_section(pb, page: Page, run: ScenarioRun) -> None:
    """The efficient frontier: the best objective for each budget, with every scenario's point.

    Budgets from the least feasible one (at least ``allocation.frontier_min_share`` of the budget) to
    ``frontier_max_factor`` × budget, ``frontier_points`` of them plus the budget itself
    (:func:`cxkit.allocation.frontier`, :func:`plot_frontier`); then the least budget for ``target_csat``, or why
    it cannot be reached (warning).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results key: ``frontier`` (``{budget: [...], objective: [...]}``).
    """
    P, plan, unit, M = page.params, page.plan, page.unit, page.M
    B, target, scale = plan.budget, run.target, page.oscale
    pb.h2(pb.t("allocation.sec_frontier"))
    b_min = max(al.min_feasible_budget(plan.lower, plan.upper, plan.groups), P.frontier_min_share * B)
    budgets = np.linspace(b_min, P.frontier_max_factor * B, P.frontier_points)
    budgets = np.unique(np.sort(np.append(budgets, B)))
    front, _ = al.frontier(plan.curves, budgets, lower=plan.lower, upper=plan.upper, groups=plan.groups,
                           names=plan.names, method=P.method)
    points = {run.name(k): (B, plan.curves.total(x) / scale) for k, x in run.allocs.items()}
    pb.figure(plot_frontier(front.assign(objective=front["objective"] / scale), points,
                            title=pb.t("allocation.chart_frontier"), xlabel=pb.t("allocation.axis_budget", unit=unit),
                            ylabel=pb.t("allocation.axis_value", unit=unit) if page.money
                            else pb.t("allocation.axis_uplift"), money_unit=M, budget=B),
              alt=pb.t("allocation.chart_frontier"))
    pb.p(pb.t("allocation.frontier_text", lo=fmt_num(b_min / M, 1), hi=fmt_num(budgets[-1] / M, 1), unit=unit))
    if target and target["budget"]:
        pb.p(pb.t("allocation.target_text", csat=fmt_num(target["csat"], 0), base=fmt_num(plan.baseline_csat, 1),
                  points=f"{target['points']:.1f}", budget=fmt_num(target["budget"] / M, 1), unit=unit,
                  ratio=f"{target['budget'] / B:.1f}"))
    elif target:
        pb.note(pb.t("allocation.target_unreachable", csat=fmt_num(target["csat"], 0), reason=target["reason"]),
                "warn")
    pb.result("frontier", {"budget": front["budget"].tolist(), "objective": front["objective"].tolist()})


def _single_tier_shares(P: al.AllocationParams, which: str) -> dict[str, float]:
    """``min_share`` / ``max_share`` of the tier groups with one member: the bounds of the reallocation."""
    return {m: getattr(g, which) for g in P.groups if g.by == "tier" and getattr(g, which) for m in g.members
            if len(g.members) == 1}


def reallocation_section(pb, page: Page, run: ScenarioRun, roi_res: Mapping[str, Any] | None) -> None:
    """The quarterly reallocation between tiers toward the higher ROI.

    From the ``by_tier`` split (else the optimum) each quarter moves ``reallocation.step`` of the budget toward
    the tiers with the higher ROI of 05 (``roi_by_tier``; fallback ``allocation.inputs.roi_by_tier``, with a
    note), within the shares of the single-tier groups (:func:`cxkit.allocation.quarterly_reallocation`).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.
    roi_res : dict or None
        ``05_roi`` results, None when 05 did not run.

    Notes
    -----
    Results key: ``reallocation`` (``{quarter: {tier: share}}``).
    """
    P, plan = page.params, page.plan
    pb.h2(pb.t("allocation.sec_realloc"))
    roi_tier = None
    if roi_res and isinstance(roi_res.get("roi_by_tier"), dict):
        roi_tier = {k: v for k, v in roi_res["roi_by_tier"].items() if isinstance(v, (int, float))}
    if not roi_tier:
        roi_tier = P.inputs.roi_by_tier
        pb.note(pb.t("allocation.note_fallback_missing" if roi_res is None else "allocation.note_fallback_key",
                     **_worded(pb, {"notebook": "05_roi", "what": "roi_by_tier"})), "info")
    tiers_present = list(dict.fromkeys(plan.tiers))
    start = dict(al.group_shares(run.tier_start, plan.tiers).items())
    rq = al.quarterly_reallocation(start, roi_tier, quarters=P.reallocation.quarters, step=P.reallocation.step,
                                   min_shares=_single_tier_shares(P, "min_share"),
                                   max_shares=_single_tier_shares(P, "max_share"))
    piv = rq.pivot(index="quarter", columns="tier", values="share")[tiers_present]
    piv.columns = [pb.tier_label(t) for t in piv.columns]
    piv.index = [pb.t("allocation.quarter_n", n=q) for q in piv.index]
    piv.index.name = pb.t("allocation.col_quarter")
    pb.p(pb.t("allocation.realloc_text", step=fmt_pct(P.reallocation.step, 0),
              rois=", ".join(f"{pb.tier_label(k)} 1:{v:.1f}" for k, v in roi_tier.items() if k in tiers_present)))
    pb.table(piv, index=True, percent=list(piv.columns))
    pb.result("reallocation", {int(q): dict(zip(g["tier"], g["share"])) for q, g in rq.groupby("quarter")})


def tier_roi_section(pb, page: Page, run: ScenarioRun) -> None:
    """The model's own ROI per tier at the reallocation's starting split, average and marginal.

    Shown for the money objective only (:func:`cxkit.allocation.tier_roi`).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results key: ``tier_roi_model``.
    """
    import pandas as pd

    tr = al.tier_roi(page.plan, run.tier_start)
    if page.money:
        pb.table(pd.DataFrame({pb.t("common.tier"): [pb.tier_label(t) for t in tr],
                               pb.t("allocation.col_avg_roi"): [v["average"] for v in tr.values()],
                               pb.t("allocation.col_marg_roi"): [v["marginal"] for v in tr.values()]}), digits=2)
        pb.p(pb.t("allocation.realloc_model_text"))
    pb.result("tier_roi_model", tr)


def staffing_section(pb, page: Page, run: ScenarioRun) -> None:
    """Contact-centre staffing by the documents' rules (:func:`cxkit.staffing.staffing_plan`).

    Cards: agents for the peak (with flex), agents for the load standard, today's load (alert when over the
    standard), experts; the labour and training cost, and what the extra agents cost against the optimal split's
    people levers (warning when more). Without a peak volume or daily inquiries: a note.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    page : Page
        The page of :func:`intro_section` (typed params, plan, money unit).
    run : ScenarioRun
        The scenarios of :func:`scenario_run`.

    Notes
    -----
    Results key: ``staffing``.
    """
    S, plan, unit, M = page.params.staffing, page.plan, page.unit, page.M
    H = present.headcount
    pb.h2(pb.t("allocation.sec_staffing"))
    plan_s = staffing.staffing_plan(**S.model_dump())
    if plan_s["recommended"] is None:
        pb.note(pb.t("allocation.staff_none"), "info")
        pb.result("staffing", plan_s)
        return
    cards = []
    if plan_s["agents_peak"] is not None:
        cards.append({"label": pb.t("allocation.kpi_agents_peak", peak=fmt_num(S.peak_volume, 0),
                                    per=fmt_num(S.contacts_per_agent_peak, 0)),
                      "value": H(plan_s["agents_peak"]),
                      "detail": pb.t("allocation.kpi_flex", n=H(plan_s["headcount_with_flex"]),
                                     pct=fmt_pct(S.flex_share, 0))})
    if plan_s["agents_for_load"] is not None:
        cards.append({"label": pb.t("allocation.kpi_agents_load", daily=fmt_num(S.daily_inquiries, 0),
                                    std=fmt_num(S.load_standard, 0)), "value": H(plan_s["agents_for_load"])})
    if plan_s["load"] is not None:
        cards.append({"label": pb.t("allocation.kpi_load", staffed=H(S.agents_staffed)), "value": f"{plan_s['load']:.0f}",
                      "kind": "alert" if plan_s["load_over"] else "ok"})
    cards.append({"label": pb.t("allocation.kpi_experts"), "value": H(plan_s["experts_min"]),
                  "detail": pb.t("allocation.kpi_experts_detail", pct=fmt_pct(S.expert_share, 0),
                                 n=H(plan_s["recommended"]))})
    pb.kpis(cards)
    if plan_s["load_over"]:
        pb.note(pb.t("allocation.load_over", load=f"{plan_s['load']:.0f}", std=fmt_num(S.load_standard, 0),
                     need=H(plan_s["agents_for_load"]), staffed=H(S.agents_staffed)), "alert")
    if plan_s["headcount_with_flex"] is not None and plan_s["agents_for_load"] is not None and \
            plan_s["headcount_with_flex"] != plan_s["agents_for_load"]:
        pb.note(pb.t("allocation.staff_rules_differ", peak=H(plan_s["headcount_with_flex"]),
                     load=H(plan_s["agents_for_load"]), rec=H(plan_s["recommended"])), "info")
    if plan_s["labour_cost"] is not None:
        pb.p(pb.t("allocation.staff_cost", rec=H(plan_s["recommended"]), labour=fmt_num(plan_s["labour_cost"] / M, 2),
                  training=fmt_num(plan_s["training_budget"] / M, 2), pct=fmt_pct(S.training_share, 0),
                  hours=fmt_num(plan_s["training_hours_total"], 0), unit=unit))
        if plan_s["extra_cost"]:
            people = float(np.sum(run.opt.x[[d == "people" for d in plan.dimensions]]))
            kind = "warn" if plan_s["extra_cost"] > people else "info"
            pb.note(pb.t("allocation.staff_extra", extra=H(plan_s["extra_agents"]),
                         cost=fmt_num(plan_s["extra_cost"] / M, 2), people=fmt_num(people / M, 2), unit=unit), kind)
    pb.result("staffing", plan_s)


# =========================================================================== charts
def plot_curves(plan: al.Plan, allocs: dict[str, np.ndarray], *, labels: dict[str, str], title: str,
                xlabel: str, ylabel: str, money_unit: float = 1e6, ncols: int = 4):
    """Small multiples: each lever's response curve with every scenario's point on it."""
    import matplotlib.pyplot as plt

    n = plan.curves.n
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols + 1, 2.2 * nrows + 0.8), sharey=True,
                             squeeze=False)
    xmax = max(float(np.max([x.max() for x in allocs.values()])) * 1.3, float(np.median(plan.curves.K)) * 2)
    grid = np.linspace(0, xmax, 200)
    markers = "osD^vP*Xh"
    for i in range(nrows * ncols):
        ax = axes[i // ncols][i % ncols]
        if i >= n:
            ax.axis("off")
            continue
        c = plan.curves.curves[i]
        ax.plot(grid / money_unit, c.value(grid), color="0.35", lw=1.4)
        for j, (name, x) in enumerate(allocs.items()):
            ax.plot([x[i] / money_unit], [float(c.value(x[i]))], markers[j % len(markers)], ms=5,
                    label=labels.get(name, name) if i == 0 else None, alpha=0.85)
        ax.set_title(plan.labels[i], fontsize=8)
        ax.tick_params(labelsize=7)
        if i % ncols == 0:
            ax.set_ylabel(ylabel, fontsize=8)
        if i // ncols == nrows - 1:
            ax.set_xlabel(xlabel, fontsize=8)
    fig.legend(loc="lower center", ncol=min(len(allocs), 5), fontsize=8, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    return fig


def plot_frontier(front, points: dict[str, tuple[float, float]], *, title: str, xlabel: str, ylabel: str,
                  money_unit: float = 1e6, budget: float | None = None):
    """Budget vs optimal objective, with each scenario's (budget, objective) point."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    f = front[front["feasible"]]
    ax.plot(f["budget"] / money_unit, f["objective"], lw=2, color="#1f5f8b")
    for j, (name, (b, v)) in enumerate(points.items()):
        ax.plot([b / money_unit], [v], "osD^vP*Xh"[j % 9], ms=7, label=name)
    if budget:
        ax.axvline(budget / money_unit, color="0.6", ls="--", lw=1)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(fontsize=8)
    return fig


def plot_fit(fit: al.HistoryFit, *, title: str, xlabel: str, ylabel: str, money_unit: float = 1e6):
    """Historical points and the fitted curve."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    x, y = fit.points[:, 0], fit.points[:, 1]
    grid = np.linspace(0, x.max() * 1.4, 200)
    ax.plot(x / money_unit, y, "o", color="#e07b39")
    ax.plot(grid / money_unit, fit.curve.value(grid), color="#1f5f8b")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return fig


def plot_shares(table, *, title: str, ylabel: str):
    """Stacked bars: each scenario's budget share by group (rows = scenarios, columns = groups)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    bottom = np.zeros(len(table))
    for col in table.columns:
        ax.bar(table.index.astype(str), table[col].to_numpy(), bottom=bottom, label=str(col))
        bottom += table[col].to_numpy()
    ax.set(title=title, ylabel=ylabel)
    ax.tick_params(axis="x", labelsize=8)
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    ax.legend(fontsize=8, bbox_to_anchor=(1.01, 1), loc="upper left")
    return fig


def _worded(pb, values: dict[str, Any]) -> dict[str, Any]:
    """A fallback note's fields in words: the upstream notebook's title and the input's name, not their ids."""
    out = dict(values)
    if "notebook" in out:
        out["notebook"] = pb.label(f"nb.{out['notebook']}", out["notebook"])
    if "what" in out:
        out["what"] = pb.label(f"allocation.input_{out['what']}", out["what"])
    return out


def _group_label(pb, page: Page, g: al.Group) -> str:
    """A share constraint named by its members: tiers, dimensions or levers, in the playbook's words."""
    plan = page.plan
    if g.by == "tier":
        names = [pb.tier_label(m) for m in g.members]
    elif g.by == "dimension":
        names = [pb.t(f"allocation.dim_{m}") for m in g.members]
    else:
        names = [plan.labels[plan.names.index(m)] if m in plan.names else m for m in g.members]
    return pb.join(names) if names else g.name


def _violation_text(pb, page: Page, x) -> str:
    """The constraints a scenario's allocation breaks, worded for the page ("–" when none).

    Shares as percentages, money in the page's currency (:func:`cxkit.present.money`), levers and groups by
    their display labels.
    """
    plan, cur = page.plan, page.params.currency
    out = []
    for v in al.violation_items(x, plan.lower, plan.upper, plan.groups, plan.names):
        if v["kind"] == "bound":
            hi = v["hi"]
            out.append(pb.t("allocation.viol_bound", lever=plan.labels[plan.names.index(v["lever"])],
                            value=present.money(v["value"], cur, pb.lang), lo=present.money(v["lo"], cur, pb.lang),
                            hi=present.money(hi, cur, pb.lang) if np.isfinite(hi) else "∞"))
        else:
            out.append(pb.t(f"allocation.viol_{v['kind']}", group=_group_label(pb, page, v["group"]),
                            share=fmt_pct(v["share"], 0), limit=fmt_pct(v["limit"], 0)))
    return ("；" if pb.lang == "zh" else "; ").join(out) or "–"
