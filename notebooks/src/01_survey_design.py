# %% [markdown]
# # 01 · Survey design
# Questionnaire (item bank → XLSForm + codebook), sampling plan, precision, pilot power, fieldwork.
# Logic lives in `cxkit.survey` (item bank, questionnaire, XLSForm, codebook) and `cxkit.sampling`
# (sample size, allocation, margins, power); text in `cxkit/i18n/survey.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "01_survey_design"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from pathlib import Path

import pandas as pd

from cxkit import sampling, survey
from cxkit.report import start, fmt_pct

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
design = pb.params["design"]
lang = pb.lang
pb.p(pb.t("survey.intro"))

# %%
q = survey.build_questionnaire(design["questionnaire"], language=lang)
cb = survey.codebook(pb.params)
n_skips = sum(1 for it in q["items"] if it.get("relevant"))
pb.h2(pb.t("survey.sec_questionnaire"))
pb.kpis([
    {"label": pb.t("survey.kpi_items"), "value": str(len(q["items"]))},
    {"label": pb.t("survey.kpi_modules"), "value": str(len(q["modules"]))},
    {"label": pb.t("survey.kpi_skips"), "value": str(n_skips)},
    {"label": pb.t("survey.kpi_minutes"), "value": f"{survey.estimated_minutes(q):.0f}"},
])
if results_dir:
    xlsform_name, codebook_name = f"{notebook}.xlsform.xlsx", f"{notebook}.codebook.csv"
    survey.write_xlsform(q, Path(results_dir) / xlsform_name)
    xform = survey.xlsform_to_xform(Path(results_dir) / xlsform_name)
    survey.write_codebook(cb, Path(results_dir) / codebook_name)
    pb.note(pb.t("survey.files_written", xlsform=xlsform_name, codebook=codebook_name), "ok")
    if xform["warnings"]:
        pb.note(pb.t("survey.xform_warnings", n=len(xform["warnings"]), text=" · ".join(xform["warnings"][:3])), "warn")
    pb.result("files", {"xlsform": xlsform_name, "codebook": codebook_name})
    pb.result("xform_warnings", len(xform["warnings"]))
else:
    pb.note(pb.t("survey.files_not_written"), "info")
if q["dropped"]:
    pb.note(pb.t("survey.dropped", items=", ".join(q["dropped"])), "warn")
mismatches = survey.consistency_warnings(pb.params)
for key, values in mismatches:
    pb.note(pb.t(key, **values), "warn")
if not mismatches:
    pb.note(pb.t("survey.consistent"), "ok")
pb.result("form_id", q["form_id"])
pb.result("n_items", len(q["items"]))
pb.result("modules", [m["name"] for m in q["modules"]])
pb.result("n_skip_rules", n_skips)
pb.result("minutes", round(survey.estimated_minutes(q), 1))

# %%
pb.h3(pb.t("survey.printable_title"))
pr = survey.printable(q, lang)
pr["reverse"] = pr["reverse"].map({True: pb.t("survey.yes"), False: ""})
pb.table(pr.rename(columns={"no": pb.t("survey.col_no"), "module": pb.t("survey.col_module"),
                            "variable": pb.t("survey.col_variable"), "question": pb.t("survey.col_question"),
                            "answers": pb.t("survey.col_answers"), "condition": pb.t("survey.col_condition"),
                            "reverse": pb.t("survey.col_reverse")}), digits=0)

# %%
pb.h2(pb.t("survey.sec_codebook"))
pb.p(pb.t("survey.codebook_text", n=len(cb), frame=int((cb["type"] == "frame").sum())))
shown = cb[["variable", f"label_{lang}", "type", "allowed", "reverse", "scale"]].copy()
shown["reverse"] = shown["reverse"].map({True: pb.t("survey.yes"), False: ""})
pb.table(shown.rename(columns={"variable": pb.t("survey.col_variable"), f"label_{lang}": pb.t("survey.col_question"),
                               "type": pb.t("survey.col_type"), "allowed": pb.t("survey.col_allowed"),
                               "reverse": pb.t("survey.col_reverse"), "scale": pb.t("survey.col_scale")}))
pb.result("codebook_variables", cb["variable"].tolist())
pb.result("reverse_items", cb.loc[cb["reverse"], "variable"].tolist())

# %%
sp = design["sampling"]
plan = sampling.plan_sample(sp)
cells = plan["cells"]
conf = f"{100 * sp['confidence']:g}"
pb.h2(pb.t("survey.sec_sample"))
mine = cells[cells["region"] == region] if "region" in cells.columns else cells.iloc[0:0]
one = (sampling.sample_size_mean(sp["margin"], sp["sd"], sp["confidence"])["n"] if sp["estimate"] == "mean"
       else sampling.sample_size_proportion(sp["margin"], sp["confidence"], sp["p"])["n"])
cards = [{"label": pb.t("survey.kpi_n0"), "value": f"{one:,}"},
         {"label": pb.t("survey.kpi_total"), "value": f"{plan['n_total']:,}"},
         {"label": pb.t("survey.kpi_invites"), "value": f"{int(cells['invitations'].sum()):,}"}]
if len(mine):
    cards.append({"label": pb.t("survey.kpi_region"), "value": f"{int(mine['n'].sum()):,}"})
pb.kpis(cards)
if sp["estimate"] == "mean":
    pb.p(pb.t("survey.sample_text_mean", conf=conf, moe=f"{sp['margin']:g}", sd=f"{sp['sd']:g}", n=f"{plan['n_required']:,}"))
elif sp["precision_for"] == "total":
    pb.p(pb.t("survey.sample_text_total", conf=conf, moe=f"{100 * sp['margin']:g}", p=f"{sp['p']:g}",
              n=f"{plan['n_required']:,}"))
else:
    dim_label = pb.label(f"survey.dim_{sp['precision_for']}", sp["precision_for"])
    pb.p(pb.t("survey.sample_text_domain", conf=conf, moe=f"{100 * sp['margin']:g}", p=f"{sp['p']:g}", dim=dim_label,
              n_each=" / ".join(f"{v:,}" for v in dict.fromkeys(plan["per_domain"].values())), n=f"{plan['n_required']:,}"))
pb.p(pb.t("survey.invites_text", rr=f"{100 * sp['response_rate']:g}", inv=f"{int(cells['invitations'].sum()):,}"))
pb.result("n_one_estimate", one)
pb.result("n_required", plan["n_required"])
pb.result("n_total", plan["n_total"])
pb.result("per_domain", plan["per_domain"])
pb.result("invitations_total", int(cells["invitations"].sum()))

# %%
pb.h2(pb.t("survey.sec_allocation"))
dims = plan["dimensions"]
pb.p(pb.t("survey.allocation_text", dims=" × ".join(pb.label(f"survey.dim_{d}", d) for d in dims) or "–",
          method=pb.t(f"survey.method_{sp['allocation']}"), min=sp["min_per_cell"]))
region_names = survey.choice_labels(q, "region", lang)
alloc = cells.copy()
if "region" in alloc.columns:
    alloc["region"] = [region_names.get(r, r) for r in alloc["region"]]
if "tier" in alloc.columns:
    alloc["tier"] = [pb.tier_label(t) for t in alloc["tier"]]
alloc = alloc.drop(columns=["stratum", "S"]).rename(columns={
    "region": pb.t("survey.level_region"), "tier": pb.t("survey.level_tier"), "N": pb.t("survey.col_population"),
    "exact": pb.t("survey.col_exact"), "n": pb.t("survey.col_n"), "invitations": pb.t("survey.col_invites")})
pb.table(alloc, digits={pb.t("survey.col_exact"): 1, pb.t("survey.col_population"): 0, pb.t("survey.col_n"): 0,
                        pb.t("survey.col_invites"): 0})
pb.result("allocation", dict(zip(cells["stratum"], cells["n"].astype(int))))
pb.result("invitations", dict(zip(cells["stratum"], cells["invitations"].astype(int))))
if len(mine):
    pb.h3(pb.t("survey.compare_title"))
    cmp = sampling.compare_allocations(mine, int(mine["n"].sum()), sp["min_per_cell"])
    cmp["stratum"] = [pb.tier_label(s.split(".")[-1]) for s in cmp["stratum"]]
    pb.table(cmp.rename(columns={"stratum": pb.t("survey.col_stratum"), "N": pb.t("survey.col_population"),
                                 "proportional": pb.t("survey.col_proportional"), "neyman": pb.t("survey.col_neyman"),
                                 "equal": pb.t("survey.col_equal")}), digits=0)
    pb.result("region_allocation", dict(zip(mine["stratum"], mine["n"].astype(int))))

# %%
pw = design["power"]
mix = sp["assumed_nps"]
nps_shares = [mix["promoters"], mix["passives"], mix["detractors"]]
prec = sampling.precision_table(cells, sp["report_by"], sp["assumed_top2"], nps_shares, pw["sd_100"],
                                sp["confidence"], pw["alpha"], pw["power"])
pb.h2(pb.t("survey.sec_precision"))
pb.p(pb.t("survey.precision_text", conf=conf, top2=fmt_pct(sp["assumed_top2"], 0), pp=f"{100 * mix['promoters']:g}",
          pa=f"{100 * mix['passives']:g}", pd=f"{100 * mix['detractors']:g}", alpha=f"{pw['alpha']:g}",
          power=f"{pw['power']:g}"))
nv = sampling.nps_variance(*nps_shares)
pb.p(pb.t("survey.nps_check", nps=f"{100 * nv['nps']:.0f}", var=f"{nv['variance']:.3f}"))
show = prec[prec["level"] != "cell"].copy() if not len(mine) else \
    prec[(prec["level"] != "cell") | prec["group"].str.startswith(f"{region}.")].copy()
show["group"] = [pb.tier_label(g.split(".")[-1]) if lv in ("tier", "cell") else pb.label(f"survey.level_{g}", g)
                 if lv == "total" else region_names.get(g, g) for lv, g in zip(show["level"], show["group"])]
show["level"] = [pb.label(f"survey.level_{lv}", lv) for lv in show["level"]]
pb.table(show.rename(columns={"level": pb.t("survey.col_level"), "group": pb.t("survey.col_group"),
                              "n": pb.t("survey.col_n"), "moe_top2": pb.t("survey.col_moe_top2"),
                              "moe_nps": pb.t("survey.col_moe_nps"), "mde_top2": pb.t("survey.col_mde_top2"),
                              "mde_nps": pb.t("survey.col_mde_nps"), "mde_100": pb.t("survey.col_mde_100")}),
         percent=[pb.t("survey.col_moe_top2")], digits={pb.t("survey.col_n"): 0, pb.t("survey.col_moe_nps"): 1,
                                                         pb.t("survey.col_mde_top2"): 1, pb.t("survey.col_mde_nps"): 1,
                                                         pb.t("survey.col_mde_100"): 1})
wide = prec[(prec["level"] == "cell") & (prec["moe_nps"] > 15)]
if len(wide):
    pb.note(pb.t("survey.warn_wide_cells", n=len(wide), limit=15), "warn")
pb.result("nps_variance", nv["variance"])
pb.result("precision", {f"{lv}:{g}": {k: r[k] for k in ("n", "moe_top2", "moe_nps", "mde_top2", "mde_nps", "mde_100")}
                        for lv, g, r in zip(prec["level"], prec["group"], prec.to_dict("records"))})

# %%
pilot = pw["pilot"]
pb.h2(pb.t("survey.sec_pilot"))
if pilot["targets"]:
    pp = sampling.pilot_power(pilot["per_tier"], pilot["treated_share"], pilot["targets"], pw["alpha"], pw["power"])
    pb.p(pb.t("survey.pilot_text", per=pilot["per_tier"], share=f"{100 * pilot['treated_share']:g}",
              n1=int(pp["n_treated"].iloc[0]), n2=int(pp["n_control"].iloc[0]), power=f"{pw['power']:g}"))
    view = sampling.pilot_display(pp, lang, pb.tier_label)
    pb.table(view.rename(columns={"target": pb.t("survey.col_target"), "baseline": pb.t("survey.col_baseline"),
                                  "goal": pb.t("survey.col_goal"), "power": pb.t("survey.col_power"),
                                  "mde": pb.t("survey.col_mde"), "needed": pb.t("survey.col_needed")}),
             percent=[pb.t("survey.col_power")], digits=0)
    for name, r in zip(view["target"], pp.to_dict("records")):
        if r["power"] < pw["power"]:
            pb.note(pb.t("survey.warn_low_power", target=name, power=f"{100 * r['power']:.0f}",
                         goal=f"{100 * pw['power']:.0f}", needed=f"{r['needed_per_tier']:,}"), "warn")
        else:
            pb.note(pb.t("survey.ok_power", target=name, power=f"{100 * r['power']:.0f}"), "ok")
    pb.result("pilot", [{k: r[k] for k in ("tier", "metric", "baseline", "target", "n_treated", "n_control", "power",
                                            "mde", "needed_per_tier")} for r in pp.to_dict("records")])

# %%
fw = design["fieldwork"]
pb.h2(pb.t("survey.sec_fieldwork"))
sched = sampling.fieldwork_schedule(fw["steps"], fw["weeks"])
step_labels = [pb.label(f"survey.step_{s}", s) for s in sched["step"]]
pb.figure(sampling.plot_gantt(sched, step_labels, title=pb.t("survey.gantt_title"), xlabel=pb.t("survey.gantt_x")),
          alt=pb.t("survey.gantt_title"))
pb.table(sched.assign(step=step_labels).rename(columns={"step": pb.t("survey.col_step"), "start": pb.t("survey.col_start"),
                                                        "end": pb.t("survey.col_end")}), digits=1)
pb.result("fieldwork_weeks", fw["weeks"])
pb.result("fieldwork_steps", {s: [a, b] for s, a, b in zip(sched["step"], sched["start"], sched["end"])})

# %%
iq = sampling.interview_quotas(fw["interviews"], fw["interview_split"])
pb.h3(pb.t("survey.interviews_title"))
pb.p(pb.t("survey.interviews_text", n=int(iq["n"].sum())))
wide_iq = iq.pivot(index="tier", columns="level", values="n").reindex(list(fw["interviews"]))
wide_iq[pb.t("survey.col_total")] = wide_iq.sum(axis=1)
wide_iq = wide_iq.rename(columns={lv: pb.label(f"survey.level_{lv}", lv) for lv in fw["interview_split"]})
wide_iq.index = [pb.tier_label(t) for t in wide_iq.index]
pb.table(wide_iq.rename_axis(pb.t("survey.level_tier")), index=True, digits=0)
lo, hi = fw["group_size"]
g = sum(fw["focus_groups"].values())
pb.p(pb.t("survey.groups_text", g=g, lo=lo, hi=hi, plo=g * lo, phi=g * hi))
pb.table(pd.DataFrame({pb.t("survey.level_tier"): [pb.tier_label(t) for t in fw["focus_groups"]],
                       pb.t("survey.col_groups"): list(fw["focus_groups"].values()),
                       pb.t("survey.col_participants"): [f"{k * lo}–{k * hi}" for k in fw["focus_groups"].values()]}),
         digits=0)
pb.result("interviews_total", int(iq["n"].sum()))
pb.result("interview_quotas", {t: dict(zip(grp["level"], grp["n"].astype(int))) for t, grp in iq.groupby("tier", sort=False)})
pb.result("focus_groups", {"groups": g, "min_participants": g * lo, "max_participants": g * hi})
pb.save();
