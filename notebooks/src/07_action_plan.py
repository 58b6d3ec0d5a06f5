# %% [markdown]
# # 07 · Action plan
# Pilot evaluation (difference-in-differences, targets, power, A/B lift, rollout rule), risk register
# (heat map, risk-adjusted NPV on 05's Monte Carlo) and the phased roadmap (budget shares, sub-splits,
# milestones, reviews, Gantt). All logic lives in `cxkit.action_plan`; text in `cxkit/i18n/action_plan.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "07_action_plan"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import action_plan as ap, present
from cxkit.report import start, fmt_num

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
P = ap.parse_params(pb.params["action_plan"])
diag = pb.load_results("03_diagnostics")
rc = pb.load_results("04_root_cause")
roi_res = pb.upstream("05_roi")
alloc = pb.upstream("06_allocation")
pb.p(pb.t("action_plan.intro"))

# %%
pb.h2(pb.t("action_plan.sec_pilot"))
pilot_regions = pb.join(ap.text_in(r, pb.lang) for r in P.pilot.regions) or "–"
pb.p(pb.t("action_plan.pilot_text", regions=pilot_regions, n=fmt_num(P.pilot.per_tier or 0, 0), months=P.pilot.months))
data = ap.read_pilot(pb.params["pilot_responses"], P.pilot, region) if pb.params.get("pilot_responses") else None
rows, skipped = ap.evaluate_pilot(data, P.pilot, region, confidence=1 - P.pilot.alpha)
if not rows:
    pb.note(pb.t("action_plan.no_pilot"), "info")
for tg in skipped if rows else []:
    pb.note(pb.t("action_plan.target_skipped", target=ap.text_in(tg.label, pb.lang, tg.column)), "info")

# %%
if rows:
    pb.table(ap.pilot_table(rows, pb.t, pb.lang, pb.tier_label))
    if any(r["source"] == "summary" for r in rows):
        pb.note(pb.t("action_plan.summary_only"), "info")
for r in rows:
    text, kind = ap.verdict(r, pb.t, pb.lang, pb.tier_label)
    pb.note(text, kind)
    if ap.effect_text(r, pb.t):
        pb.p(ap.effect_text(r, pb.t))
    if r["power"] is not None and r["power"] < 0.8:
        pb.note(pb.t("action_plan.low_power", target=ap.target_label(r, pb.lang, pb.tier_label, pb.t),
                     pct=f"{100 * r['power']:.0f}"), "warn")

# %%
pb.result("pilot", ap.pilot_results(rows))

# %%
rule = P.pilot.rollout
decision = ap.rollout_decision(rows, rule, alpha=P.pilot.alpha)
pb.h3(pb.t("action_plan.sec_rollout"))
pb.p(pb.t("action_plan.rule_text", go=f"{100 * rule.go_share:.0f}", extend=f"{100 * rule.extend_share:.0f}",
          basis=pb.t(f"action_plan.basis_{rule.basis}"), months=rule.extend_months,
          sig=pb.t("action_plan.rule_sig", alpha=P.pilot.alpha) if rule.require_significant else ""))
if decision["decision"]:
    pb.kpis([{"label": pb.t("action_plan.kpi_decision"), "value": pb.t(f"action_plan.decision_{decision['decision']}"),
              "detail": pb.t("action_plan.kpi_decision_detail", pct=f"{100 * decision['min_attainment']:.0f}"),
              "kind": {"go": "ok", "extend": "warn", "stop": "alert"}[decision["decision"]]}])
    pb.p(pb.t(f"action_plan.decision_{decision['decision']}_text", months=rule.extend_months))

# %%
pb.result("rollout", {"decision": decision["decision"], "min_attainment": decision["min_attainment"],
                      "basis": rule.basis, "go_share": rule.go_share, "extend_share": rule.extend_share})

# %%
if rule.waves:
    import pandas as pd
    pb.table(pd.DataFrame({pb.t("action_plan.col_wave"): [ap.text_in(w.label, pb.lang, w.name) for w in rule.waves],
                           pb.t("action_plan.col_markets"): [w.markets or "–" for w in rule.waves],
                           pb.t("action_plan.col_months"): [pb.t("action_plan.months", a=w.start_month, b=w.end_month)
                                                            for w in rule.waves]}), digits=0)

# %%
ab = ap.ab_lift(P.ab_test.treated_conversions, P.ab_test.treated_n, P.ab_test.control_conversions,
                P.ab_test.control_n, P.ab_test.confidence) if P.ab_test else None
if ab:
    pb.h3(pb.t("action_plan.sec_ab", test=ap.text_in(P.ab_test.label, pb.lang, pb.tier_label(P.ab_test.tier or ""))))
    lift_ci = "–" if ab["lift"] is None else f"[{100 * ab['lift_ci'][0]:+.1f}%, {100 * ab['lift_ci'][1]:+.1f}%]"
    pb.kpis([{"label": pb.t("action_plan.kpi_conv_treated"), "value": f"{100 * ab['p_treated']:.1f}%",
              "detail": pb.t("action_plan.of_n", n=fmt_num(ab["n_treated"], 0))},
             {"label": pb.t("action_plan.kpi_conv_control"), "value": f"{100 * ab['p_control']:.1f}%",
              "detail": pb.t("action_plan.of_n", n=fmt_num(ab["n_control"], 0))},
             {"label": pb.t("action_plan.kpi_lift"), "value": "–" if ab["lift"] is None else f"{100 * ab['lift']:+.1f}%",
              "detail": pb.t("action_plan.ci_level", pct=f"{100 * P.ab_test.confidence:.0f}", ci=lift_ci)}])

# %%
if ab:
    pb.p(pb.t("action_plan.ab_text", diff=f"{100 * ab['diff']:+.1f}", lo=f"{100 * ab['diff_ci'][0]:+.1f}",
              hi=f"{100 * ab['diff_ci'][1]:+.1f}", p=ap.p_text(ab["p"])))

# %%
if ab and P.ab_test.target_lift is not None and ab["lift"] is not None:
    ab["target_lift"] = P.ab_test.target_lift
    ab["met"] = bool(ab["lift"] >= P.ab_test.target_lift - 1e-12)
    ab["met_lower"] = bool(ab["lift_ci"][0] >= P.ab_test.target_lift)
    words = {"target": f"{100 * ab['target_lift']:+.0f}", "lift": f"{100 * ab['lift']:+.1f}",
             "lo": f"{100 * ab['lift_ci'][0]:+.1f}"}
    pb.note(pb.t("action_plan.ab_met" if ab["met"] else "action_plan.ab_not_met", **words), "ok" if ab["met"] else "warn")
    if ab["met"] and not ab["met_lower"]:
        pb.note(pb.t("action_plan.ab_lower", **words), "info")
if ab:
    pb.result("ab_test", {k: ab.get(k) for k in ("p_treated", "p_control", "diff", "diff_ci", "lift", "lift_ci", "p",
                                                 "n_treated", "n_control", "target_lift", "met")})

# %%
pb.h2(pb.t("action_plan.sec_risks"))
vpp = getattr(roi_res, "value_per_point", None)
risks = ap.risk_table(P.risks, vpp, pb.lang, P.points_years)
cur = P.currency or getattr(roi_res, "currency", None) or getattr(alloc, "currency", None) or "CNY"
mu = present.money_unit(cur, pb.lang)
M, unit = mu.divisor, mu.label
if risks.empty:
    pb.note(pb.t("action_plan.no_risks"), "info")
else:
    pb.p(pb.t("action_plan.risks_text", n=len(risks), unit=unit) + (pb.t(
        "action_plan.risks_vpp", vpp=fmt_num(vpp / M, 2), unit=unit, years=fmt_num(P.points_years, 1)) if vpp else ""))
    pb.table(ap.risk_display(risks, pb.t, scale=M))

# %%
if risks["impact_money"].isna().any():
    pb.note(pb.t("action_plan.risk_points_unpriced"), "info")
if risks["impact_money"].notna().any():
    pb.figure(ap.plot_heatmap(risks, title=pb.t("action_plan.heat_title"), xlabel=pb.t("action_plan.heat_x"),
                              ylabel=pb.t("action_plan.heat_y", unit=unit), scale=M), alt=pb.t("action_plan.heat_title"))
pb.result("risks", [{"name": r.name, "category": r.category, "probability": r.probability, "impact": r.impact,
                     "unit": r.unit, "impact_money": r.impact_money, "score": r.score, "month": r.month,
                     "owner": r.owner, "mitigation": r.mitigation, "trigger": r.trigger} for r in risks.itertuples()])

# %%
radj, rnotes = ap.risk_npv(pb.params.get("roi"), diag, roi_res, risks, int(pb.params.get("seed", 0))) \
    if not risks.empty else (None, [])
for key, values in rnotes:
    pb.note(pb.t(key, **values), "info")

# %%
if radj:
    pb.h3(pb.t("action_plan.sec_risk_npv"))
    pb.kpis([{"label": pb.t("action_plan.kpi_npv_before"), "value": present.money(radj["npv_mean_before"], cur, pb.lang),
              "detail": pb.t("action_plan.p_pos", pct=f"{100 * radj['p_npv_positive_before']:.1f}")},
             {"label": pb.t("action_plan.kpi_npv_after"), "value": present.money(radj["npv_mean"], cur, pb.lang),
              "detail": pb.t("action_plan.p_pos", pct=f"{100 * radj['p_npv_positive']:.1f}"),
              "kind": "ok" if radj["npv_mean"] > 0 else "alert"},
             {"label": pb.t("action_plan.kpi_expected_loss"), "value": present.money(radj["expected_loss"], cur, pb.lang)}])
    pb.p(pb.t("action_plan.risk_npv_text", n=fmt_num(radj["draws"], 0), p10=fmt_num(radj["npv_p10"] / M, 1),
              p50=fmt_num(radj["npv_p50"] / M, 1), p90=fmt_num(radj["npv_p90"] / M, 1), unit=unit))
pb.result("risk_adjusted", radj)

# %%
pb.h2(pb.t("action_plan.sec_roadmap"))
budget = P.budget or getattr(alloc, "budget", None) or getattr(roi_res, "total_investment", None)
day0 = ap.start_date(P, pb.params)
phases, notes = ap.roadmap(P.phases, budget)
pb.p(pb.t("action_plan.roadmap_text", n=len(phases), budget=fmt_num(budget / M, 1), unit=unit) if budget else
     pb.t("action_plan.roadmap_no_budget", n=len(phases)))
for key, values in notes:
    pb.note(pb.t(key, **ap.phase_note_values(values, P.phases, pb.lang, pb.t)), "warn")
pb.table(ap.roadmap_table(phases, P.phases, pb.t, pb.lang, M, day0, unit))

# %%
auto = ap.auto_items(diag, rc, pb.params.get("root_cause"), day0, P.max_auto_items) if P.auto_items else []
causes = ap.cause_labels(pb.params.get("root_cause"), pb.lang) if rc else {}
texts = [ap.item_text(it, pb.t, pb.lang, pb.scale_label, pb.tier_label, causes) for it in auto]
where = ap.place_items(phases, auto)
for i, (p, pp) in enumerate(zip(phases, P.phases)):
    p["items"] = [ap.text_in(x, pb.lang) for x in pp.items] + [s for s, k in zip(texts, where) if k == i]
if P.auto_items and not auto:
    pb.note(pb.t("action_plan.no_auto_items"), "info")
late = [s for s, k in zip(texts, where) if k is None]
if late:
    pb.note(pb.t("action_plan.items_outside", items=pb.join(late)), "warn")

# %%
pb.h3(pb.t("action_plan.sec_items"))
for i, p in enumerate(phases):
    pb.p(pb.t("action_plan.items_head", phase=ap.phase_label(P.phases[i], pb.lang, pb.t, i),
              months=pb.t("action_plan.months", a=p["start_month"], b=p["end_month"])))
    pb.bullets(p["items"] or [pb.t("action_plan.no_items")])
if auto:
    pb.p(pb.t("action_plan.auto_items_text"))

# %%
current = (diag or {}).get("kpi_composite") or {}
ms = ap.milestones(phases, P.grade_lines, day0, current.get("score"))
rv = ap.reviews(max(p["end_month"] for p in phases), P.review_every, day0)
pb.h3(pb.t("action_plan.sec_milestones"))
pb.p(pb.t("action_plan.milestones_text", lines=" / ".join(f"{v:.0f}" for v in P.grade_lines.values())) + (
    pb.t("action_plan.milestones_current", score=fmt_num(current["score"], 1),
         grade=pb.t(f"action_plan.grade_{current['grade']}")) if current else pb.t("action_plan.milestones_no_current")))
if ms:
    pb.table(ap.milestone_table(ms, P.phases, pb.t, pb.lang))

# %%
rv_dates = [r["date"] or pb.t("action_plan.month_n", n=r["month"]) for r in rv]
rv_text = [pb.t("action_plan.review_annual", date=d) if r["kind"] == "annual" else d for d, r in zip(rv_dates, rv)]
pb.p(pb.t("action_plan.reviews_text", every=P.review_every, dates=pb.join(rv_text)))
gantt = ap.gantt_rows(texts, auto, where, phases, rule.waves, pb.lang,
                     (pb.t("action_plan.gantt_pilot"), P.pilot.months) if P.pilot.targets else None, P.phases)
pb.figure(ap.plot_gantt(phases, [ap.phase_label(p, pb.lang, pb.t, i) for i, p in enumerate(P.phases)], gantt, ms,
                        [r["month"] for r in rv], title=pb.t("action_plan.gantt_title"), xlabel=pb.t("action_plan.gantt_x"),
                        milestone_text=pb.t("action_plan.gantt_kpi")), alt=pb.t("action_plan.gantt_title"))

# %%
pb.result("roadmap", {"start": day0.isoformat() if day0 else None, "budget": budget, "currency": cur,
                      "phases": [{k: p[k] for k in ("name", "start_month", "end_month", "budget_share", "budget",
                                                    "splits", "splits_sum", "splits_ok", "kpi_target", "items")}
                                 for p in phases],
                      "milestones": ms, "reviews": rv})
pb.save();
