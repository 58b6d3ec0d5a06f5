# %% [markdown]
# # 05 · ROI model
# Satisfaction → retention → money. Maths: `cxkit.roi` (parameters `cxkit.roi.RoiParams`); sections: `cxkit.roi_sections`;
# text: `cxkit/i18n/roi.yaml`.
# Reads `03_diagnostics` results when present (tier satisfaction, driver weights × gap closed).

# %% [parameters]
params = {}
region = ""
notebook = "05_roi"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import roi_sections
from cxkit.report import start

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
# the model from the roi: params and, when 03 ran, its tier satisfaction and driver gaps
model = roi_sections.intro_section(pb, pb.params["roi"], pb.load_results("03_diagnostics"))

# %%
base = roi_sections.headline_section(pb, model)

# %%
roi_sections.assumptions_section(pb, model)

# %%
roi_sections.cash_flow_section(pb, model)

# %%
roi_sections.waterfall_section(pb, model, base)

# %%
tiers = roi_sections.tier_section(pb, model, base)

# %%
roi_sections.break_even_section(pb, model)

# %%
roi_sections.document_section(pb, model, base, tiers)

# %%
roi_sections.scenario_section(pb, model)

# %%
roi_sections.monte_carlo_section(pb, model, seed=int(pb.params.get("seed", 0)))

# %%
roi_sections.tornado_section(pb, model, base)

# %%
pb.save();
