# %% [markdown]
# # 06 · Resource allocation
# Where each yuan of the budget goes, and what a different split costs. Maths: `cxkit.allocation` (parameters
# `cxkit.allocation.AllocationParams`) and `cxkit.staffing`; sections: `cxkit.allocation_sections`;
# text: `cxkit/i18n/allocation.yaml`. Reads `03_diagnostics` (drivers, CSAT) and `05_roi` (value per point,
# ROI by tier) when present.

# %% [parameters]
params = {}
region = ""
notebook = "06_allocation"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import allocation_sections as sections
from cxkit.report import start

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
roi_res = pb.load_results("05_roi")
# levers and curves from the allocation: params, 03's drivers and 05's value of a point
page = sections.intro_section(pb, pb.params["allocation"], pb.load_results("03_diagnostics"), roi_res)

# %%
# every scenario at the budget (current, even, splits, 80/20, phased, optimal), once
run = sections.scenario_run(pb, page)

# %%
sections.headline_section(pb, page, run)

# %%
sections.lever_section(pb, page)

# %%
sections.optimal_section(pb, page, run)

# %%
sections.binding_section(pb, page, run)

# %%
sections.scenario_section(pb, page, run)

# %%
sections.scenario_results(pb, page, run)

# %%
sections.phased_section(pb, page, run)

# %%
sections.frontier_section(pb, page, run)

# %%
sections.reallocation_section(pb, page, run, roi_res)

# %%
sections.tier_roi_section(pb, page, run)

# %%
sections.staffing_section(pb, page, run)

# %%
pb.save();
