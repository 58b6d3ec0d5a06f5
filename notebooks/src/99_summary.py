# %% [markdown]
# # 99 · Engagement summary
# Runs after every region. Logic in `cxkit.summary`; strings in `cxkit/i18n/summary.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "99_summary"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import summary
from cxkit.report import Playbook

pb = Playbook(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
pb.theme()
regions = pb.params["regions"]
labels = {r: p.get("label", r) for r, p in regions.items()}
labels["_all"] = pb.t("summary.whole")
col_region = pb.t("summary.col_region")
notebooks = ["00_data_profile", "02_reliability", "03_diagnostics", "04_root_cause", "05_roi", "06_allocation"]
results = summary.load_region_results(run_dir, list(regions), notebooks)
frames, unreadable = summary.read_frames(regions)
pb.p(pb.t("summary.intro"))
for r, problem in unreadable.items():
    pb.note(pb.t("summary.region_left_out", region=labels[r], problem=problem), "warn")

# %%
survey = pb.params["survey"]
kpis = summary.region_kpis(frames, survey["outcomes"], csat_range=tuple(survey["outcome_ranges"].get("csat", (1, 5))))
pb.h2(pb.t("summary.sec_kpi"))
pb.table(summary.kpi_display(kpis, labels, {k: pb.t(f"summary.col_{k}") for k in ("region", "n", "csat", "top2", "nps")}))
better, worse = summary.significant_regions(kpis, "csat_0_100", "p_csat")
if better:
    pb.note(pb.t("summary.better", regions=pb.join(labels[r] for r in better)), "ok")
if worse:
    pb.note(pb.t("summary.worse", regions=pb.join(labels[r] for r in worse)), "warn")
if not better and not worse:
    pb.p(pb.t("summary.no_diff"))
if "csat_0_100" in kpis:
    pb.figure(summary.plot_kpi_forest(kpis, value="csat_0_100", lo="csat_lo", hi="csat_hi", labels=labels,
                                      title=pb.t("summary.csat_chart"), xlabel=pb.t("summary.col_csat")))
if "nps" in kpis:
    pb.figure(summary.plot_kpi_forest(kpis, value="nps", lo="nps_lo", hi="nps_hi", labels=labels,
                                      title=pb.t("summary.nps_chart"), xlabel=pb.t("summary.col_nps")))
pb.result("kpis", kpis.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_reliability"))
rel = summary.figures_table(results, [(sc, "02_reliability", f"scales.{sc}.alpha") for sc in survey["scales"]])
pb.table(summary.labelled(rel.rename(columns={sc: f"{pb.scale_label(sc)} α" for sc in survey["scales"]}), labels,
                          col_region), digits=3)
pb.result("alpha", rel.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_drivers"))
top = summary.top_items(results, "03_diagnostics", "driver_weights", k=3,
                        names={d: pb.scale_label(d) for d in {k for r in results.values()
                                                              for k in r.get("03_diagnostics", {}).get("driver_weights", {})}})
pb.table(summary.labelled(top, labels, col_region))
pb.result("top_drivers", top.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_rootcause"))
causes = summary.top_items(results, "04_root_cause", "category_share", k=3, exclude=["uncoded"],
                           names=summary.category_names(next(iter(regions.values())), pb.lang))
pb.table(summary.labelled(causes, labels, col_region))
pb.result("top_causes", causes.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_roi"))
roi_cols = {"npv": "col_npv", "roi_ratio": "col_roi", "payback_month": "col_payback", "p_npv_positive": "col_p_npv"}
roi = summary.figures_table(results, [(key, "05_roi", key) for key in roi_cols])
pb.table(summary.labelled(roi.rename(columns={k: pb.t(f"summary.{v}") for k, v in roi_cols.items()}), labels,
                          col_region), percent=[pb.t("summary.col_p_npv")], digits=1)
pb.result("roi", roi.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_allocation"))
alloc_cols = {"budget": ("col_budget", "budget"), "optimal_points": ("col_points", "optimal_points"),
              "optimal_value": ("col_value", "optimal_value"), "agents": ("col_agents", "staffing.recommended")}
alloc = summary.figures_table(results, [(key, "06_allocation", path) for key, (_, path) in alloc_cols.items()])
pb.table(summary.labelled(alloc.rename(columns={k: pb.t(f"summary.{v[0]}") for k, v in alloc_cols.items()}), labels,
                          col_region), digits=1)
pb.result("allocation", alloc.set_index("region").to_dict(orient="index"))

# %%
for nb in notebooks:
    missing = [labels[r] for r in regions if nb not in results[r]]
    if missing:
        pb.note(pb.t("summary.missing_nb", notebook=pb.label(f"nb.{nb}", nb), regions=pb.join(missing)), "warn")
pb.save();
