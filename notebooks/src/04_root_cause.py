# %% [markdown]
# # 04 · Root cause
# Complaint verbatims → fishbone codes → Pareto → agreement → 5-Why chains → priorities.
# All logic lives in `cxkit.rootcause`, `cxkit.agreement`, `cxkit.privacy`; each section is one call of
# `cxkit.rootcause_sections`; parameters: `cxkit.rootcause.RootCauseParams`; text in `cxkit/i18n/rootcause.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "04_root_cause"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import rootcause_sections as rs
from cxkit.report import start
from cxkit.rootcause import RootCauseParams

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
rp = RootCauseParams.model_validate(pb.params.get("root_cause") or {})
# complaints cleaned and coded (fishbone + documents' categories); verbatims masked unless privacy is off
run = rs.coding_section(pb, rp)

# %%
# one primary category per complaint ranks the causes; "% of complaints mentioning" is multi-label
rs.overview_section(pb, run)

# %%
rs.pareto_section(pb, run)

# %%
rs.fishbone_section(pb, run)

# %%
rs.crosstab_section(pb, run)

# %%
# where complaints carry a score (or link to a respondent): which causes go with lower satisfaction
rs.impact_section(pb, run)

# %%
rs.touchpoint_section(pb, run)

# %%
rs.examples_section(pb, run)

# %%
# candidate themes of the uncoded complaints are proposals to read, not codes
rs.uncoded_section(pb, run)

# %%
rs.documents_section(pb, run)

# %%
rs.agreement_section(pb, run)

# %%
rs.chains_section(pb, run)

# %%
rs.priority_section(pb, run)
pb.save();
