# %% [markdown]
# # 03 · Diagnostics
# Where the client stands (KPIs with intervals, tiers, gaps, alerts) and what drives satisfaction
# (relative weights, dominance, IPA, Kano, SERVQUAL). Logic: `cxkit.metrics`, `cxkit.tiers`,
# `cxkit.drivers`; parameters: `cxkit.diagnostics.DiagnosticsParams`; text: `cxkit/i18n/diagnostics.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "03_diagnostics"
results_path = ""
results_dir = ""
run_dir = ""

# %%

from cxkit import diagnostics, metrics, tiers
from cxkit.report import start

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
survey, P, targets = pb.params["survey"], pb.params["diagnostics"], pb.params.get("targets", {})
df = pb.responses()
outcomes = {k: v for k, v in survey["outcomes"].items() if v}
ranges = survey["outcome_ranges"]
seg = survey.get("segment_column")
order = list(tiers.TIER_ORDER)
conf, top_box = P["confidence"], P["top_box"]
T = pb.prefixed("diag")
pb.p(T("intro", conf=f"{100 * conf:.0f}"))
scales = diagnostics.refined_scales(pb, survey, P)

# %% [markdown]
# ## KPI scorecard

# %%
pb.h2(T("sec_kpi"))
# headline KPIs and tiers: weighted (with <kpi>_ci) when the engagement has a weighting section
k, card, wts = diagnostics.kpi_section(pb, df, outcomes, ranges, seg=seg, order=order, conf=conf, top_box=top_box)

# %% [markdown]
# ## Tests of differences between tiers and segments

# %%
specs = metrics.kpi_test_specs(outcomes, ranges, top_box)
pb.h2(T("sec_tests"))
diagnostics.test_sections(pb, df, specs, [c for c in [seg, *P["segments"]] if c], P, order=order, conf=conf,
                          weights=wts)

# %% [markdown]
# ## Gaps to targets and benchmarks, alerts

# %%
pb.h2(T("sec_gaps"))
diagnostics.gap_sections(pb, card, k, outcomes, targets, P)

# %% [markdown]
# ## Wave over wave (when a previous wave is given)

# %%
diagnostics.wave_section(pb, df, outcomes, ranges, top_box=top_box, conf=conf)

# %%
# multi-wave tracking (regions.<r>.waves): each KPI by wave with intervals, change tests, change points
if pb.params.get("waves"):
    from cxkit import tracking
    tracking.tracking_section(pb, df, pb.params["waves"], survey, P, pb.params.get("weighting"), weights=wts)

# %% [markdown]
# ## Customer tiers

# %%
diagnostics.tier_sections(pb, df, card, k, survey, scales, P, seg=seg, order=order)

# %% [markdown]
# ## KPI composite (document 002)

# %%
diagnostics.composite_section(pb, k, P)

# %% [markdown]
# ## Key drivers

# %%
diagnostics.driver_sections(pb, df, survey, scales, P, outcomes=outcomes, seg=seg, order=order, conf=conf,
                            top_box=top_box, weights=None if wts is None else wts.weights)
diagnostics.banner_sections(pb, df, survey, scales, P, outcomes=outcomes, ranges=ranges, top_box=top_box,
                            weights=None if wts is None else wts.weights)

# %% [markdown]
# ## Kano

# %%
diagnostics.kano_section(pb, df, P)

# %% [markdown]
# ## SERVQUAL gaps

# %%
diagnostics.servqual_section(pb, df, survey, scales, P, conf=conf)
pb.save();
