# %% [markdown]
# # 99 · Engagement summary
# Runs after every region. Findings and actions first (`cxkit.findings`: rules over the typed results, checked
# for contradictions), then the regions side by side (`cxkit.summary`); strings in `cxkit/i18n/summary.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "99_summary"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import summary, summary_sections
from cxkit.report import Playbook

pb = Playbook(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
pb.theme()
regions = pb.params["regions"]
labels = {**{r: p.get("label", r) for r, p in regions.items()}, "_all": pb.t("summary.whole")}
col_region = pb.t("summary.col_region")
results = summary.load_region_results(run_dir, list(regions), summary.REGION_NOTEBOOKS)
models = summary.load_region_models(run_dir, list(regions), ["01_survey_design", *summary.REGION_NOTEBOOKS])
frames, unreadable = summary.read_frames(regions)
survey = pb.params["survey"]
# weighted regions and the engagement rolled up by population when the engagement says so (weighting:)
kpis, region_shares = summary.engagement_kpis(frames, regions, pb.params)
kpi_rows = kpis.set_index("region").to_dict(orient="index")

# %% [markdown]
# ## Findings and actions (first on the page)

# %%
found = summary_sections.findings_section(pb, models, regions, labels, kpi_rows)   # raises on contradictory statements
headline = {f.rule: f.headline for f in found.findings["_engagement"] if f.headline}

# %%
summary_sections.actions_section(pb, found, labels)

# %%
pb.h2(pb.t("summary.sec_notes"), anchor="summary.sec_notes")
pb.p(pb.t("summary.intro"))
pb.p(pb.t("summary.notes_text"))
for r, problem in unreadable.items():
    pb.note(pb.t("summary.region_left_out", region=labels[r], problem=problem), "warn")
for notes in found.notes.values():
    for n in notes:
        pb.note(n, "info")

# %%
summary_sections.kpi_section(pb, kpis, labels, headline=headline.get("kpi"), region_shares=region_shares)

# %%
pb.h2(pb.t("summary.sec_reliability"), anchor="summary.sec_reliability")
rel = summary.figures_table(results, [(sc, "02_reliability", f"scales.{sc}.alpha") for sc in survey["scales"]])
pb.table(summary.labelled(rel.rename(columns={sc: f"{pb.scale_label(sc)} α" for sc in survey["scales"]}), labels,
                          col_region), digits=3)
pb.result("alpha", rel.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_drivers") + (f" · {headline['common_driver']}" if "common_driver" in headline else ""),
      anchor="summary.sec_drivers")
top = summary.top_items(results, "03_diagnostics", "driver_weights", k=3,
                        names={d: pb.scale_label(d) for d in {k for r in results.values()
                                                              for k in r.get("03_diagnostics", {}).get("driver_weights", {})}})
pb.table(summary.labelled(top, labels, col_region))
pb.result("top_drivers", top.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_rootcause") + (f" · {headline['common_cause']}" if "common_cause" in headline else ""),
      anchor="summary.sec_rootcause")
causes = summary.top_items(results, "04_root_cause", "category_share", k=3, exclude=["uncoded"],
                           names=summary.category_names(next(iter(regions.values())), pb.lang))
pb.table(summary.labelled(causes, labels, col_region))
pb.result("top_causes", causes.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_roi") + (f" · {headline['roi']}" if "roi" in headline else ""), anchor="summary.sec_roi")
roi_cols = {"npv": "col_npv", "roi_ratio": "col_roi", "payback_month": "col_payback", "p_npv_positive": "col_p_npv"}
roi = summary.figures_table(results, [(key, "05_roi", key) for key in roi_cols])
pb.table(summary.labelled(roi.rename(columns={k: pb.t(f"summary.{v}") for k, v in roi_cols.items()}), labels,
                          col_region), percent=[pb.t("summary.col_p_npv")], digits=1)
pb.result("roi", roi.set_index("region").to_dict(orient="index"))

# %%
pb.h2(pb.t("summary.sec_allocation") + (f" · {headline['allocation']}" if "allocation" in headline else ""),
      anchor="summary.sec_allocation")
alloc_cols = {"budget": ("col_budget", "budget"), "optimal_points": ("col_points", "optimal_points"),
              "optimal_value": ("col_value", "optimal_value"), "agents": ("col_agents", "staffing.recommended")}
alloc = summary.figures_table(results, [(key, "06_allocation", path) for key, (_, path) in alloc_cols.items()])
pb.table(summary.labelled(alloc.rename(columns={k: pb.t(f"summary.{v[0]}") for k, v in alloc_cols.items()}), labels,
                          col_region), digits=1)
pb.result("allocation", alloc.set_index("region").to_dict(orient="index"))

# %%
for nb in summary.REGION_NOTEBOOKS:
    missing = [labels[r] for r in regions if nb not in results[r]]
    if missing:
        pb.note(pb.t("summary.missing_nb", notebook=pb.label(f"nb.{nb}", nb), regions=pb.join(missing)), "warn")
pb.save();
