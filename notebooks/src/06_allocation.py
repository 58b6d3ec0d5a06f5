# %% [markdown]
# # 06 · Resource allocation
# Where each yuan of the budget goes, and what a different split costs. All logic lives in
# `cxkit.allocation` and `cxkit.staffing`; text in `cxkit/i18n/allocation.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "06_allocation"
results_path = ""
results_dir = ""
run_dir = ""

# %%
import numpy as np

from cxkit import allocation as al
from cxkit import staffing
from cxkit.report import start, fmt_num, fmt_pct

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
P = pb.params["allocation"]
diag = pb.load_results("03_diagnostics")
roi_res = pb.load_results("05_roi")
plan = al.build_plan(P, diag, roi_res, lang=pb.lang, scales=pb.params["survey"].get("scales"))
B, M, cur = plan.budget, P["money_unit"], P["currency"]
unit = pb.t("allocation.unit_million", currency=cur) if M == 1e6 else \
    pb.t("allocation.unit_money", unit=fmt_num(M, 0), currency=cur)
money = P["objective"] == "money"
# marginal returns: value per unit of money (a ratio) for a money objective, points per money unit otherwise
mscale = 1.0 if money else M
mlabel = pb.t("allocation.per_currency", currency=cur) if money else pb.t("allocation.per_unit", unit=unit)
obj_label = pb.t("allocation.obj_money") if money else pb.t("allocation.obj_points")
pb.p(pb.t("allocation.intro", budget=fmt_num(B / M, 1), unit=unit, n=len(plan.names)))
for key, values in plan.notes:
    pb.note(pb.t(key, **values), "warn" if key.startswith("allocation.warn") else "info")

# %%
allocs, info, snotes = al.scenarios(plan, P, method=P["method"])
opt = info["optimal"]
names = {k: pb.t(f"allocation.sc_{k}") for k in ("current", "even", "concentration", "phased", "optimal",
                                                 "optimal_points")}
for k, sp in P["splits"].items():
    names[k] = al.label_text(sp.get("label"), pb.lang, k)
group_names = {**{d: pb.t(f"allocation.dim_{d}") for d in al.DIMENSIONS}, **{t: pb.tier_label(t) for t in plan.tiers}}
for key, values in snotes:
    values = {**values, "name": names.get(values.get("name"), values.get("name"))}
    if "groups" in values:
        values["groups"] = pb.join(group_names.get(g, g) for g in values["groups"].split(", "))
    pb.note(pb.t(key, **values), "warn")
table = al.scenario_table(plan, allocs, method=P["method"])
pts = float(np.sum(opt.uplift))
target = al.target_budget(plan, P["target_csat"], method=P["method"])

# %%
pb.h2(pb.t("allocation.sec_headline"))
cards = [{"label": pb.t("allocation.kpi_budget"), "value": f"{fmt_num(B / M, 1)} {unit}"},
         {"label": pb.t("allocation.kpi_points"), "value": f"+{pts:.1f}"}]
if money:
    cards.append({"label": pb.t("allocation.kpi_value"), "value": f"{fmt_num(opt.objective / M, 1)} {unit}",
                  "detail": pb.t("allocation.kpi_value_detail", ratio=f"{opt.objective / B:.2f}")})
if "current" in allocs:
    w = float(table.loc[table.scenario == "current", "waste"].iloc[0])
    cards.append({"label": pb.t("allocation.kpi_waste"), "value": f"{fmt_num(w / M, 1)} {unit}",
                  "kind": "warn" if w > 0.05 * B else ""})
if target:
    val = f"{fmt_num(target['budget'] / M, 1)} {unit}" if target["budget"] else pb.t("allocation.unreachable")
    cards.append({"label": pb.t("allocation.kpi_target", csat=fmt_num(target["csat"], 0)), "value": val})
pb.kpis(cards)
pb.p(pb.t("allocation.headline_text", obj=obj_label, points=f"{pts:.1f}",
          base=fmt_num(plan.baseline_csat, 1) if plan.baseline_csat is not None else "–"))
pb.result("budget", B)
pb.result("currency", cur)
pb.result("objective", P["objective"])
pb.result("optimal_spend", dict(zip(plan.names, opt.x)))
pb.result("optimal_points", pts)
pb.result("optimal_value", opt.objective if money else None)
pb.result("baseline_csat", plan.baseline_csat)
pb.result("target", target)

# %%
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
    pb.figure(al.plot_fit(fit, title=lab, xlabel=pb.t("allocation.axis_spend", unit=unit),
                          ylabel=pb.t("allocation.axis_uplift"), money_unit=M), alt=lab)
pb.result("levers", {n: {"dimension": d, "tier": t, "calibration": c, "max_uplift": u, "half_saturation": k}
                     for n, d, t, c, u, k in zip(plan.names, plan.dimensions, plan.tiers, plan.calibration,
                                                 plan.curves.U, plan.curves.K)})
pb.result("fits", {n: {"r2": f.r2, "rmse": f.rmse, "n": f.n, "max_uplift": f.curve.max_uplift,
                       "half_saturation": f.curve.scale} for n, f in plan.fits.items()})

# %%
pb.h2(pb.t("allocation.sec_optimal"))
ot = opt.table()
pb.table(ot.assign(lever=plan.labels, spend=ot["spend"] / M, marginal=ot["marginal"] * mscale,
                   status=[pb.t(f"allocation.status_{s}") for s in ot["status"]])
         .rename(columns={"lever": pb.t("allocation.col_lever"), "spend": pb.t("allocation.col_spend", unit=unit),
                          "share": pb.t("common.share"), "uplift": pb.t("allocation.col_uplift"),
                          "marginal": pb.t("allocation.col_marginal", per=mlabel),
                          "status": pb.t("allocation.col_status")}),
         percent=[pb.t("common.share")], digits=2)
kkt = opt.kkt
if kkt["ok"]:
    pb.note(pb.t("allocation.kkt_ok", lam=fmt_num(kkt["lambda"] * mscale, 3), per=mlabel,
                 spread=f"{100 * kkt['equal_marginal_spread']:.4f}"), "ok")
else:
    pb.note(pb.t("allocation.kkt_bad", resid=f"{kkt['stationarity_residual']:.2e}",
                 which=", ".join(kkt["sign_violations"]) or "–"), "warn")
bind_types = {"lever lower bound": pb.t("allocation.bind_lever_lower_bound"),
              "lever upper bound": pb.t("allocation.bind_lever_upper_bound"),
              "group min share": pb.t("allocation.bind_group_min_share"),
              "group max share": pb.t("allocation.bind_group_max_share")}

# %%
if opt.binding:
    pb.h3(pb.t("allocation.sec_binding"))
    bt = [{"c": (plan.labels[plan.names.index(b["constraint"])] if b["constraint"] in plan.names else b["constraint"]),
           "t": bind_types[b["type"]],
           "limit": b["limit"] / M if "lever" in b["type"] else b["limit"],
           "value": b["value"] / M if "lever" in b["type"] else b["value"],
           "mult": b["multiplier"] * mscale if "lever" in b["type"] else b["gain_per_point"] / (M if money else 1)}
          for b in opt.binding]
    import pandas as pd
    pb.table(pd.DataFrame(bt).rename(columns={"c": pb.t("allocation.col_constraint"), "t": pb.t("allocation.col_type"),
                                              "limit": pb.t("allocation.col_limit"), "value": pb.t("allocation.col_value"),
                                              "mult": pb.t("allocation.col_multiplier")}), digits=3)
    pb.p(pb.t("allocation.binding_text"))
else:
    pb.note(pb.t("allocation.no_binding"), "info")
pb.result("marginal_return", dict(zip(plan.names, opt.marginal)))
pb.result("lever_status", dict(zip(plan.names, opt.status)))
pb.result("binding", opt.binding)
pb.result("kkt", kkt)

# %%
pb.h2(pb.t("allocation.sec_scenarios"))
pb.p(pb.t("allocation.scenarios_text"))
st = table.copy()
pb.table(st.assign(scenario=[names.get(s, s) for s in st["scenario"]], objective=st["objective"] / (M if money else 1),
                   gap=st["gap"] / (M if money else 1), budget_equivalent=st["budget_equivalent"] / M,
                   waste=st["waste"] / M)
         .rename(columns={"scenario": pb.t("allocation.col_scenario"),
                          "objective": pb.t("allocation.col_objective_money", unit=unit) if money else pb.t("allocation.col_uplift"),
                          "points": pb.t("allocation.col_points"), "gap": pb.t("allocation.col_gap"),
                          "budget_equivalent": pb.t("allocation.col_budget_eq", unit=unit),
                          "waste": pb.t("allocation.col_waste", unit=unit),
                          "violations": pb.t("allocation.col_violations")}), digits=2)
mat = al.allocation_matrix(plan, allocs) / M
mat.columns = [names.get(c, c) for c in mat.columns]
mat.index.name = pb.t("allocation.col_lever")
pb.h3(pb.t("allocation.sec_matrix", unit=unit))
pb.table(mat, index=True, digits=2)
shares_dim = al.share_matrix(plan, allocs, "dimension")
shares_dim.index = [names.get(c, c) for c in shares_dim.index]
shares_dim.columns = [pb.t(f"allocation.dim_{d}") for d in shares_dim.columns]
pb.figure(al.plot_shares(shares_dim, title=pb.t("allocation.chart_shares_dim"), ylabel=pb.t("common.share")),
          alt=pb.t("allocation.chart_shares_dim"))
shares_tier = al.share_matrix(plan, allocs, "tier")
shares_tier.index = [names.get(c, c) for c in shares_tier.index]
shares_tier.columns = [pb.tier_label(t) for t in shares_tier.columns]
pb.figure(al.plot_shares(shares_tier, title=pb.t("allocation.chart_shares_tier"), ylabel=pb.t("common.share")),
          alt=pb.t("allocation.chart_shares_tier"))
pb.figure(al.plot_curves(plan, allocs, labels=names, title=pb.t("allocation.chart_curves"),
                         xlabel=pb.t("allocation.axis_spend", unit=unit), ylabel=pb.t("allocation.axis_uplift"),
                         money_unit=M), alt=pb.t("allocation.chart_curves"))

# %%
pb.result("scenarios", {r.scenario: {"objective": r.objective, "points": r.points, "gap": r.gap,
                                     "budget_equivalent": r.budget_equivalent, "waste": r.waste,
                                     "violations": r.violations} for r in table.itertuples()})
pb.result("scenario_spend", {k: dict(zip(plan.names, v)) for k, v in allocs.items()})

# %%
if "phased" in info:
    ph = info["phased"]
    pb.h3(pb.t("allocation.sec_phased"))
    import pandas as pd
    cum = np.cumsum(ph["phases"])
    pb.table(pd.DataFrame({pb.t("allocation.col_phase"): [pb.t("allocation.phase_n", n=i + 1) for i in range(len(cum))],
                           pb.t("allocation.col_cum_share"): cum,
                           pb.t("allocation.col_cum_spend", unit=unit): ph["spend"].sum(axis=0) / M,
                           (pb.t("allocation.col_objective_money", unit=unit) if money else pb.t("allocation.col_uplift")):
                               ph["objective"] / (M if money else 1)}),
             percent=[pb.t("allocation.col_cum_share")], digits=2)
    pb.p(pb.t("allocation.phased_text"))
    pb.result("phased", {"cumulative_share": cum, "objective": ph["objective"]})

# %%
pb.h2(pb.t("allocation.sec_frontier"))
b_min = max(al.min_feasible_budget(plan.lower, plan.upper, plan.groups), 1e-3 * B)
budgets = np.linspace(b_min, P["frontier_max_factor"] * B, P["frontier_points"])
budgets = np.unique(np.sort(np.append(budgets, B)))
front, _ = al.frontier(plan.curves, budgets, lower=plan.lower, upper=plan.upper, groups=plan.groups,
                       names=plan.names, method=P["method"])
scale = M if money else 1
points = {names.get(k, k): (B, plan.curves.total(x)) for k, x in allocs.items()}
f2 = front.assign(objective=front["objective"] / scale)
pb.figure(al.plot_frontier(f2, {k: (b, v / scale) for k, (b, v) in points.items()}, title=pb.t("allocation.chart_frontier"),
                           xlabel=pb.t("allocation.axis_budget", unit=unit),
                           ylabel=pb.t("allocation.axis_value", unit=unit) if money else pb.t("allocation.axis_uplift"),
                           money_unit=M, budget=B), alt=pb.t("allocation.chart_frontier"))
pb.p(pb.t("allocation.frontier_text", lo=fmt_num(b_min / M, 1), hi=fmt_num(budgets[-1] / M, 1), unit=unit))
if target and target["budget"]:
    pb.p(pb.t("allocation.target_text", csat=fmt_num(target["csat"], 0), base=fmt_num(plan.baseline_csat, 1),
              points=f"{target['points']:.1f}", budget=fmt_num(target["budget"] / M, 1), unit=unit,
              ratio=f"{target['budget'] / B:.1f}"))
elif target:
    pb.note(pb.t("allocation.target_unreachable", csat=fmt_num(target["csat"], 0), reason=target["reason"]), "warn")
pb.result("frontier", {"budget": front["budget"].tolist(), "objective": front["objective"].tolist()})

# %%
pb.h2(pb.t("allocation.sec_realloc"))
roi_tier = None
if roi_res and isinstance(roi_res.get("roi_by_tier"), dict):
    roi_tier = {k: v for k, v in roi_res["roi_by_tier"].items() if isinstance(v, (int, float))}
if not roi_tier:
    roi_tier = P["inputs"]["roi_by_tier"]
    pb.note(pb.t("allocation.note_fallback_missing" if roi_res is None else "allocation.note_fallback_key",
                 notebook="05_roi", what="roi_by_tier"), "info")
tiers_present = list(dict.fromkeys(plan.tiers))
start_alloc = allocs.get("by_tier", allocs["optimal"])
start = {t: v for t, v in al.group_shares(start_alloc, plan.tiers).items()}
mins = {m: g["min_share"] for g in P["groups"] if g["by"] == "tier" and g["min_share"] for m in g["members"]
        if len(g["members"]) == 1}
maxs = {m: g["max_share"] for g in P["groups"] if g["by"] == "tier" and g["max_share"] for m in g["members"]
        if len(g["members"]) == 1}
rq = al.quarterly_reallocation(start, roi_tier, quarters=P["reallocation"]["quarters"], step=P["reallocation"]["step"],
                               min_shares=mins, max_shares=maxs)
piv = rq.pivot(index="quarter", columns="tier", values="share")[tiers_present]
piv.columns = [pb.tier_label(t) for t in piv.columns]
piv.index = [pb.t("allocation.quarter_n", n=q) for q in piv.index]
piv.index.name = pb.t("allocation.col_quarter")
pb.p(pb.t("allocation.realloc_text", step=fmt_pct(P["reallocation"]["step"], 0),
          rois=", ".join(f"{pb.tier_label(k)} 1:{v:.1f}" for k, v in roi_tier.items() if k in tiers_present)))
pb.table(piv, index=True, percent=list(piv.columns))

# %%
tr = al.tier_roi(plan, start_alloc)
if money:
    import pandas as pd
    pb.table(pd.DataFrame({pb.t("common.tier"): [pb.tier_label(t) for t in tr],
                           pb.t("allocation.col_avg_roi"): [v["average"] for v in tr.values()],
                           pb.t("allocation.col_marg_roi"): [v["marginal"] for v in tr.values()]}), digits=2)
    pb.p(pb.t("allocation.realloc_model_text"))
pb.result("reallocation", {int(q): dict(zip(g["tier"], g["share"])) for q, g in rq.groupby("quarter")})
pb.result("tier_roi_model", tr)

# %%
pb.h2(pb.t("allocation.sec_staffing"))
S = P["staffing"]
plan_s = staffing.staffing_plan(**S)
if plan_s["recommended"] is None:
    pb.note(pb.t("allocation.staff_none"), "info")
else:
    cards = []
    if plan_s["agents_peak"] is not None:
        cards.append({"label": pb.t("allocation.kpi_agents_peak", peak=fmt_num(S["peak_volume"], 0),
                                    per=fmt_num(S["contacts_per_agent_peak"], 0)),
                      "value": str(plan_s["agents_peak"]),
                      "detail": pb.t("allocation.kpi_flex", n=plan_s["headcount_with_flex"],
                                     pct=fmt_pct(S["flex_share"], 0))})
    if plan_s["agents_for_load"] is not None:
        cards.append({"label": pb.t("allocation.kpi_agents_load", daily=fmt_num(S["daily_inquiries"], 0),
                                    std=fmt_num(S["load_standard"], 0)), "value": str(plan_s["agents_for_load"])})
    if plan_s["load"] is not None:
        cards.append({"label": pb.t("allocation.kpi_load", staffed=S["agents_staffed"]), "value": f"{plan_s['load']:.0f}",
                      "kind": "alert" if plan_s["load_over"] else "ok"})
    cards.append({"label": pb.t("allocation.kpi_experts"), "value": str(plan_s["experts_min"]),
                  "detail": pb.t("allocation.kpi_experts_detail", pct=fmt_pct(S["expert_share"], 0), n=plan_s["recommended"])})
    pb.kpis(cards)
    if plan_s["load_over"]:
        pb.note(pb.t("allocation.load_over", load=f"{plan_s['load']:.0f}", std=fmt_num(S["load_standard"], 0),
                     need=plan_s["agents_for_load"], staffed=S["agents_staffed"]), "alert")
    if plan_s["headcount_with_flex"] is not None and plan_s["agents_for_load"] is not None and \
            plan_s["headcount_with_flex"] != plan_s["agents_for_load"]:
        pb.note(pb.t("allocation.staff_rules_differ", peak=plan_s["headcount_with_flex"],
                     load=plan_s["agents_for_load"], rec=plan_s["recommended"]), "info")
    if plan_s["labour_cost"] is not None:
        pb.p(pb.t("allocation.staff_cost", rec=plan_s["recommended"], labour=fmt_num(plan_s["labour_cost"] / M, 2),
                  training=fmt_num(plan_s["training_budget"] / M, 2), pct=fmt_pct(S["training_share"], 0),
                  hours=fmt_num(plan_s["training_hours_total"], 0), unit=unit))
        if plan_s["extra_cost"]:
            people = float(np.sum(opt.x[[d == "people" for d in plan.dimensions]]))
            kind = "warn" if plan_s["extra_cost"] > people else "info"
            pb.note(pb.t("allocation.staff_extra", extra=plan_s["extra_agents"], cost=fmt_num(plan_s["extra_cost"] / M, 2),
                         people=fmt_num(people / M, 2), unit=unit), kind)
pb.result("staffing", plan_s)

# %%
pb.save();
