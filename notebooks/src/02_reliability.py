# %% [markdown]
# # 02 · Reliability and validity
# Do the scales measure what they claim? Logic in `cxkit.reliability` (item analysis, alpha family as
# psych::alpha, omega, split-half, ICC, verdicts) and `cxkit.validity` (KMO, Bartlett, parallel analysis,
# EFA, CFA with lavaan's fit indices, CR, AVE, Fornell-Larcker, HTMT); each section is one call of
# `cxkit.reliability_sections`; parameters: `cxkit.reliability.ReliabilityParams`; text in
# `cxkit/i18n/reliability.yaml`.
# Every analysis has a minimum n (`reliability.min_n_*`); one that is skipped or cannot be computed on
# this region's data says so in a note, and the rest of the page goes on.

# %% [parameters]
params = {}
region = ""
notebook = "02_reliability"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import reliability_sections as rs
from cxkit.reliability import ReliabilityParams
from cxkit.report import start

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
rp = ReliabilityParams.model_validate(pb.params.get("reliability") or {})
df = pb.responses()
# every figure of the page; scales that cannot be analysed are noted here and left out below
suite = rs.suite_section(pb, df, rp)

# %%
rs.verdict_section(pb, suite)

# %%
rs.recommend_section(pb, suite)

# %%
rs.alpha_section(pb, suite)

# %%
rs.items_section(pb, suite)

# %%
rs.distribution_section(pb, suite)

# %%
rs.efa_section(pb, suite)

# %%
rs.loadings_section(pb, suite)

# %%
rs.cfa_section(pb, suite)

# %%
rs.discriminant_section(pb, suite)

# %%
rs.retest_section(pb, df, rp)
pb.save();
