"""Logistic / ordinal relative weights (issue 21, item 1) against an independent R computation.

The reference is ``tests/data/refdata/logistic_rw.R`` (glm / MASS::polr + svd / eigen, no cxkit), run on
the ABC customer-satisfaction sample (``tests/data/realdata_samples/abc_ABC.csv``); its figures are in
``logistic_rw.json``. Tolerance 1e-6 on the raw weights and R² (measured: ≤ 1e-15 logistic, ≤ 1e-9 ordinal).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit import drivers
from cxkit.errors import AnalysisError

DATA = Path(__file__).parent / "data"
REF = json.loads((DATA / "refdata" / "logistic_rw.json").read_text())
DRIVERS = REF["meta"]["drivers"]
TOL = 1e-6


@pytest.fixture(scope="module")
def abc() -> pd.DataFrame:
    d = pd.read_csv(DATA / "realdata_samples" / "abc_ABC.csv")
    d = d.dropna(subset=["q1", *DRIVERS]).copy()
    d["satisfied"] = (d["q1"] >= 4).astype(float)
    # the R script's illustrative survey weights: country post-stratified to equal shares
    d["w"] = (1 / d["country"].nunique()) / d["country"].map(d["country"].value_counts(normalize=True))
    return d


def _check(r, ref):
    np.testing.assert_allclose(r.table["raw"], ref["raw"], atol=TOL, rtol=0)
    np.testing.assert_allclose(r.table["rescaled"], ref["rescaled"], atol=TOL, rtol=0)
    assert r.r2 == pytest.approx(ref["r2"], abs=TOL)
    assert r.table["raw"].sum() == pytest.approx(r.r2, abs=1e-12)          # weights sum to the pseudo-R²
    assert r.table["rescaled"].sum() == pytest.approx(1.0, abs=1e-12)
    want_rank = pd.Series(ref["raw"]).rank(ascending=False, method="min").astype(int).tolist()
    assert r.table["rank"].tolist() == want_rank


def test_reference_data_are_the_r_sample(abc):
    assert len(abc) == REF["meta"]["n"] == 227
    assert int(abc["satisfied"].sum()) == REF["counts"]["satisfied"]
    assert abc["w"].sum() == pytest.approx(REF["weights_sum"], abs=1e-9)
    assert REF["logistic"]["converged"] and REF["check_eigen_vs_svd_max_abs"] < 1e-12


def test_logistic_relative_weights_match_r(abc):
    r = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS)
    _check(r, REF["logistic"])
    assert r.model == "logistic" and r.r2_kind == "menard" and r.n == 227
    np.testing.assert_allclose(list(r.extra["b"].values()), REF["logistic"]["b"], atol=1e-8)
    np.testing.assert_allclose(list(r.extra["beta"].values()), REF["logistic"]["beta"], atol=1e-8)
    assert r.counts == {"0": 93, "1": 134}
    # q4 (equipment-type item most correlated with q1) leads; q17 is last
    assert r.table.set_index("driver")["rank"].to_dict()["q4"] == 1
    assert r.table.set_index("driver")["rank"].to_dict()["q17"] == 7


def test_mckelvey_zavoina_variant_matches_r(abc):
    r = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS, r2="mckelvey_zavoina")
    _check(r, {"raw": REF["logistic"]["raw_mz"], "r2": REF["logistic"]["r2_mz"],
               "rescaled": np.array(REF["logistic"]["raw_mz"]) / sum(REF["logistic"]["raw_mz"])})


def test_weighted_logistic_matches_r(abc):
    r = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS, weights="w")
    _check(r, REF["logistic_weighted"])
    # the same weights as an array; scaling the weights changes nothing
    r2 = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS, weights=abc["w"].to_numpy() * 7.5)
    np.testing.assert_allclose(r2.table["raw"], r.table["raw"], atol=1e-12)


def test_ordinal_matches_r_polr(abc):
    r = drivers.logistic_relative_weights(abc, "q1", DRIVERS, model="ordinal")
    _check(r, REF["ordinal"])
    assert r.r2_kind == "mckelvey_zavoina" and r.model == "ordinal"
    np.testing.assert_allclose(list(r.extra["b"].values()), REF["ordinal"]["b"], atol=1e-6)
    rw = drivers.logistic_relative_weights(abc, "q1", DRIVERS, model="ordinal", weights="w")
    _check(rw, REF["ordinal_weighted"])


def test_ordinal_fit_equals_statsmodels_ordered_model(abc):
    # a second, Python-side check of the cumulative-logit fit: statsmodels OrderedModel on the same Z
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    x = abc[DRIVERS].to_numpy(float)
    xs = (x - x.mean(0)) / x.std(0, ddof=1)
    ev, V = np.linalg.eigh(np.corrcoef(x, rowvar=False))
    z = xs @ V @ np.diag(ev ** -0.5) @ V.T
    res = OrderedModel(abc["q1"].astype(int).to_numpy(), z, distr="logit").fit(method="bfgs", disp=False,
                                                                                maxiter=5000, gtol=1e-10)
    r = drivers.logistic_relative_weights(abc, "q1", DRIVERS, model="ordinal")
    np.testing.assert_allclose(list(r.extra["b"].values()), res.params[:len(DRIVERS)], atol=1e-5)


def test_relative_weights_model_switch(abc):
    a = drivers.relative_weights(abc, "satisfied", DRIVERS, model="logistic")
    b = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS)
    pd.testing.assert_frame_equal(a.table, b.table)
    lin = drivers.relative_weights(abc, "satisfied", DRIVERS)           # default: linear probability, unchanged
    assert type(lin) is drivers.DriverResult and "vif" not in lin.table
    with pytest.raises(AnalysisError, match="model must be"):
        drivers.relative_weights(abc, "satisfied", DRIVERS, model="probit")


def test_vif_and_condition_number(abc):
    r = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS)
    np.testing.assert_allclose(r.table["vif"], REF["vif"], atol=1e-9)        # R: diag(solve(cor(X)))
    assert r.condition_number == pytest.approx(REF["condition_number"], abs=1e-9)


def test_bootstrap_seeded_intervals_and_significance(abc):
    a = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS, n_boot=120, seed=3)
    b = drivers.logistic_relative_weights(abc, "satisfied", DRIVERS, n_boot=120, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    t = a.table
    assert a.n_boot_ok == 120
    assert (t["raw_ci_low"] > 0).all()          # raw weights are never negative: why significance needs another test
    assert (t["ci_low"] <= t["rescaled"]).all() and (t["rescaled"] <= t["ci_high"]).all()
    assert (t["diff_low"] < t["diff_high"]).all()
    assert t["significant"].equals(t["diff_low"] > 0)
    sig = dict(zip(t["driver"], t["significant"]))
    assert sig["q4"] and sig["q5"] and not sig["q17"]
    res = a.to_results()
    assert res["driver_model"] == "logistic" and res["r2_kind"] == "menard"
    assert res["driver_weights"] == pytest.approx(dict(zip(t["driver"], t["rescaled"])))
    assert sum(res["driver_weights_raw"].values()) == pytest.approx(res["r2"], abs=1e-12)
    assert set(res["driver_significant"]) == set(DRIVERS) and res["driver_significance_method"] == "random_variable"
    json.dumps(res)                               # plain JSON types


def test_noise_driver_is_not_significant():
    rng = np.random.default_rng(11)
    d = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "noise"])
    d["y"] = (1.2 * d.a + 0.6 * d.b + rng.logistic(size=600) > 0).astype(int)
    r = drivers.logistic_relative_weights(d, "y", ["a", "b", "noise"], n_boot=150, seed=1)
    assert r.to_results()["driver_significant"] == {"a": True, "b": True, "noise": False}


def test_separation_is_refused_with_a_clear_message():
    # the rwa package's own rwa_logit example (mtcars, mpg > median): R's glm separates there
    assert "fitted probabilities numerically 0 or 1 occurred" in " ".join(REF["mtcars_high_mpg_glm_warnings"])
    mt = pd.read_csv(DATA / "mtcars.csv")
    mt["high_mpg"] = (mt["mpg"] > mt["mpg"].median()).astype(int)
    with pytest.raises(AnalysisError, match="separate"):
        drivers.logistic_relative_weights(mt, "high_mpg", ["cyl", "disp", "hp", "wt"])


def test_bad_outcomes(abc):
    with pytest.raises(AnalysisError, match="must be 0/1"):
        drivers.logistic_relative_weights(abc, "q1", DRIVERS)
    with pytest.raises(AnalysisError, match="at least 3 values"):
        drivers.logistic_relative_weights(abc, "satisfied", DRIVERS, model="ordinal")
    with pytest.raises(AnalysisError, match="menard"):
        drivers.logistic_relative_weights(abc, "q1", DRIVERS, model="ordinal", r2="menard")
    with pytest.raises(AnalysisError, match="no variance"):
        drivers.logistic_relative_weights(abc.assign(satisfied=1.0), "satisfied", DRIVERS)
