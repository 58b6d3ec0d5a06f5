# %% [markdown]
# # 00 · Data profile
# Fieldwork QA before any analysis. All logic lives in `cxkit.profile`; text in `cxkit/i18n/profile.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "00_data_profile"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import profile
from cxkit.report import start, fmt_pct

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
survey = pb.params["survey"]
df = pb.responses()
items = profile.scale_items(survey)
seg = survey.get("segment_column")
pb.p(pb.t("profile.intro"))

# %%
comp = profile.completion(df, items)
straight = profile.straightliners(df, items, survey["straightline_min_items"])
pb.h2(pb.t("profile.sec_overview"))
pb.kpis([
    {"label": pb.t("profile.kpi_responses"), "value": f"{len(df):,}"},
    {"label": pb.t("profile.kpi_complete"), "value": fmt_pct(comp["complete_share"])},
    {"label": pb.t("profile.kpi_items"), "value": str(len(items))},
    {"label": pb.t("profile.kpi_straight"), "value": fmt_pct(straight.mean())},
])
pb.note(pb.t(f"profile.policy_{pb.params['validation']['policy']}"), "info")
pb.result("validation_policy", pb.params["validation"]["policy"])
pb.result("n_responses", len(df))
pb.result("n_items", len(items))

# %%
if seg:
    tiers = profile.segment_counts(df, seg)
    pb.h2(pb.t("profile.sec_segments"))
    labels = [pb.tier_label(s) for s in tiers["segment"]]
    pb.figure(profile.plot_segments(tiers, labels=labels, title=pb.t("profile.seg_title"),
                                    ylabel=pb.t("profile.col_n")), alt=pb.t("profile.seg_title"))
    pb.table(tiers.assign(segment=labels).rename(columns={
        "segment": pb.t("profile.col_segment"), "n": pb.t("profile.col_n"), "share": pb.t("profile.col_share")}),
        percent=[pb.t("profile.col_share")], digits=0)
    pb.result("segments", dict(zip(tiers["segment"], tiers["n"])))
else:
    tiers = profile.segment_counts(df.assign(_all="all"), "_all")

# %%
# survey weights (03 uses the same): their spread costs precision (Kish effective n)
profile.weights_section(pb, df)

# %%
pb.h2(pb.t("profile.sec_completion"))
pb.p(pb.t("profile.completion_text", complete=f"{100 * comp['complete_share']:.1f}",
          mean=f"{100 * comp['mean_completion']:.1f}", partial=comp["partial_n"], empty=comp["empty_n"]))
pb.result("completion", comp)

# %%
miss = profile.item_missingness(df, items)
pb.h2(pb.t("profile.sec_missing"))
pb.table(miss.head(15).rename(columns={"item": pb.t("profile.col_item"), "missing": pb.t("profile.col_missing"),
                                       "share": pb.t("profile.col_missing_share")}),
         percent=[pb.t("profile.col_missing_share")], digits=0)
pb.result("missing_share", dict(zip(miss["item"], miss["share"])))

# %%
pb.h2(pb.t("profile.sec_straight"))
pb.p(pb.t("profile.straight_text", n=int(straight.sum()), pct=f"{100 * straight.mean():.1f}",
          min=survey["straightline_min_items"]))
pb.result("straightliners", {"n": int(straight.sum()), "share": float(straight.mean())})

# %%
lo, hi = survey["scale_range"]
ranges = {it: (lo, hi) for it in items}
ranges.update({col: tuple(survey["outcome_ranges"][k]) for k, col in survey["outcomes"].items()
               if col and k in survey["outcome_ranges"]})
oor = profile.out_of_range(df, ranges)
pb.h2(pb.t("profile.sec_range"))
if oor.empty:
    pb.note(pb.t("profile.range_none"), "ok")
else:
    pb.table(oor.rename(columns={"column": pb.t("profile.col_column"), "range": pb.t("profile.col_range"),
                                 "n": pb.t("profile.col_n"), "rows": pb.t("profile.col_rows")}), digits=0)
pb.result("out_of_range", dict(zip(oor["column"], oor["n"])))

# %%
pb.h2(pb.t("profile.sec_dist"))
if items:
    dist = profile.distribution(df, items, lo, hi)
    pb.figure(profile.plot_distribution(dist, title=pb.t("profile.dist_title"), xlabel=pb.t("profile.dist_x"),
                                        legend_title=pb.t("profile.dist_legend")), alt=pb.t("profile.dist_title"))
else:
    pb.note(pb.t("profile.no_items"), "info")

# %%
pb.h2(pb.t("profile.sec_warnings"))
warns = profile.plain_warnings(tiers.assign(segment=[pb.tier_label(s) for s in tiers["segment"]]), miss, comp,
                               float(straight.mean()))
for key, values in warns:
    pb.note(pb.t(key, **values), "warn")
if not warns:
    pb.note(pb.t("profile.no_warnings"), "ok")
pb.save();
