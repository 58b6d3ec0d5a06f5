# %% [markdown]
# # 01 · Survey design
# Questionnaire (item bank → XLSForm + codebook), sampling plan, precision, pilot power, fieldwork.
# Logic lives in `cxkit.survey` (item bank, questionnaire, XLSForm, codebook) and `cxkit.sampling`
# (sample size, allocation, margins, power); each section is one call of `cxkit.design_sections`;
# parameters: `cxkit.survey.DesignParams`; text in `cxkit/i18n/survey.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "01_survey_design"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import design_sections as ds
from cxkit.report import start
from cxkit.survey import DesignParams

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
design = DesignParams.model_validate(pb.params["design"])
pb.p(pb.t("survey.intro"))

# %%
# questionnaire and codebook; the XLSForm and codebook files go to the results folder
q, cb = ds.questionnaire_section(pb, design.questionnaire)

# %%
ds.printable_section(pb, q)

# %%
ds.codebook_section(pb, cb)

# %%
plan = ds.sample_section(pb, design.sampling)

# %%
ds.allocation_section(pb, design.sampling, plan, q)

# %%
# design weights: a disproportionate plan is weighted back to the population at analysis (03 `weighting:`)
ds.design_weights_section(pb, plan, q)

# %%
ds.precision_section(pb, design.sampling, design.power, plan, q)

# %%
ds.pilot_section(pb, design.power)

# %%
ds.fieldwork_section(pb, design.fieldwork)

# %%
ds.interviews_section(pb, design.fieldwork)
pb.save();
