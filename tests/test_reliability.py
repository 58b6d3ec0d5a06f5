"""cxkit.reliability / cxkit.validity: params, bad input, suite behaviour, notebook 02 end to end.

Numbers are checked against R in tests/test_reliability_parity.py; here the references are the
committed psych figures (tests/data/r_reference/reference.json) for the demo's weak item, and plain
numpy/pingouin computations named in each test.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cxkit import reliability as rl
from cxkit import validity as vl
from cxkit.errors import AnalysisError, ConfigError, CxError, DataError

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REF = json.loads((HERE / "data" / "r_reference" / "reference.json").read_text(encoding="utf-8"))


def _scale_data(n=300, k=4, seed=0, names=None):
    k = len(names) if names else k
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1))
    x = np.clip(np.round(3 + 0.9 * z + 0.8 * rng.normal(size=(n, k))), 1, 5)
    return pd.DataFrame(x, columns=names or [f"q{i + 1}" for i in range(k)])


# --------------------------------------------------------------------------- params
def test_params_defaults_are_the_issue_thresholds():
    p = rl.ReliabilityParams.model_validate({})
    t = p.thresholds
    assert (t.alpha, t.omega, t.cr, t.ave, t.htmt, t.cfi, t.rmsea, t.srmr, t.kmo) == (
        0.70, 0.70, 0.70, 0.50, 0.85, 0.95, 0.06, 0.08, 0.60)
    assert p.missing == "pairwise" and p.cfa and p.efa


def test_demo_params_section_validates_and_matches_defaults():
    from cxkit.config import load_engagement

    eng = load_engagement(ROOT / "params" / "demo", check_files=False)
    sec = eng.regions["east"].params["reliability"]
    assert sec == rl.ReliabilityParams().model_dump(mode="json")


def test_bad_params_are_reported_with_their_path(tmp_path):
    from cxkit.config import load_engagement

    raw = yaml.safe_load((ROOT / "params" / "demo" / "engagement.yaml").read_text(encoding="utf-8"))
    raw["reliability"] = {"missing": "casewise", "thresholds": {"alpha": 1.4}, "rotaton": "varimax"}
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_engagement(tmp_path, check_files=False)
    msg = str(ei.value)
    assert "reliability.missing" in msg and "reliability.thresholds.alpha" in msg
    assert "did you mean 'rotation'" in msg


# --------------------------------------------------------------------------- bad input
def test_missing_items_are_named():
    d = _scale_data()
    with pytest.raises(DataError, match=r"item\(s\) q7, q9 not found"):
        rl.prepare_items(d, ["q1", "q7", "q2", "q9"], scale="trust", file="east.csv")


def test_non_numeric_cells_name_column_and_rows():
    d = _scale_data().astype(object)
    d.loc[4, "q2"] = "very good"
    d.loc[10, "q2"] = "n/a"
    with pytest.raises(DataError) as ei:
        rl.prepare_items(d, ["q1", "q2", "q3"], scale="trust", file="east.csv")
    msg = str(ei.value)
    assert "column 'q2'" in msg and "rows 6, 12" in msg and "'very good'" in msg and "east.csv" in msg


def test_zero_variance_item_is_named():
    d = _scale_data()
    d["q3"] = 4.0
    with pytest.raises(AnalysisError, match=r"zero variance .*q3 = 4"):
        rl.prepare_items(d, ["q1", "q2", "q3"], scale="trust")


def test_fewer_respondents_than_items():
    d = _scale_data(n=3, k=4)
    with pytest.raises(AnalysisError, match=r"only 3 respondent\(s\) for 4 items"):
        rl.prepare_items(d, list(d.columns), scale="trust")


def test_all_missing_item():
    d = _scale_data()
    d["q4"] = np.nan
    with pytest.raises(DataError, match=r"q4 have no answer at all"):
        rl.prepare_items(d, list(d.columns), scale="trust")


def test_cfa_that_does_not_converge_gives_a_message():
    d = pd.concat([_scale_data(names=["a1", "a2", "a3"]), _scale_data(seed=1, names=["b1", "b2", "b3"])], axis=1)
    with pytest.raises(AnalysisError, match="CFA did not converge"):
        vl.cfa(d, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]}, max_iter=2)
    d["b1"] = d["a1"]
    with pytest.raises(AnalysisError, match=r"singular \(perfectly correlated: a1 = b1\)"):
        vl.cfa(d, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})


def test_suite_isolates_a_bad_scale_and_a_failed_cfa():
    d = pd.concat([_scale_data(names=["a1", "a2", "a3"]), _scale_data(seed=1, names=["b1", "b2", "b3"]),
                   _scale_data(seed=2, names=["c1", "c2", "c3"])], axis=1)
    d["c2"] = 2.0                                           # zero variance in scale C
    d["b3"] = d["a2"]                                       # CFA cannot be estimated
    survey = {"scale_range": (1, 5), "scales": {"A": {"items": ["a1", "a2", "a3"]},
                                                "B": {"items": ["b1", "b2", "b3"]},
                                                "C": {"items": ["c1", "c2", "c3"]}}}
    s = rl.run_suite(d, survey, {})
    assert set(s["scales"]) == {"A", "B"}
    assert "zero variance" in s["errors"]["C"] and "c2 = 2" in s["errors"]["C"]
    assert s["cfa"] is None and "singular" in s["cfa_error"]
    v = s["verdicts"]
    assert v[["alpha", "omega"]].notna().all().all()       # no silent NaN where a figure exists
    assert set(v["v_cr"]) == {"n/a"}                        # no CFA: said so, not NaN-compared


def test_suite_raises_when_no_scale_can_be_analysed():
    d = _scale_data(k=3)
    d["q1"] = d["q2"] = d["q3"] = 3.0
    with pytest.raises(AnalysisError, match="no scale could be analysed"):
        rl.run_suite(d, {"scale_range": (1, 5), "scales": {"A": {"items": ["q1", "q2", "q3"]}}}, {})


def test_unknown_scale_in_params():
    d = _scale_data(k=3)
    with pytest.raises(AnalysisError, match="reliability.scales names unknown scale"):
        rl.run_suite(d, {"scale_range": (1, 5), "scales": {"A": {"items": ["q1", "q2", "q3"]}}}, {"scales": ["B"]})


def test_every_error_is_a_cx_error():
    assert issubclass(AnalysisError, CxError) and issubclass(DataError, CxError)


# --------------------------------------------------------------------------- behaviour
def test_reverse_keying_and_miskeyed_flag():
    """An undeclared reverse-keyed item has a negative item-rest r (numpy: corrcoef with the rest sum)."""
    d = _scale_data()
    d["q4"] = 6 - d["q4"]
    res = rl.analyse_scale(d, "trust", {"items": list(d.columns)}, (1, 5))
    rest = d[["q1", "q2", "q3"]].sum(axis=1)
    assert res["items"].loc["q4", "r_drop"] == pytest.approx(np.corrcoef(d["q4"], rest)[0, 1], abs=1e-12)
    assert res["miskeyed"] == ["q4"]
    assert rl.recommend(res)["action"] == "check_keying"
    fixed = rl.analyse_scale(d, "trust", {"items": list(d.columns), "reverse": ["q4"]}, (1, 5))
    assert fixed["miskeyed"] == [] and fixed["alpha"].total["raw_alpha"] > 0.7


def test_listwise_equals_pairwise_on_complete_rows():
    d = _scale_data()
    d.loc[[3, 8, 20], "q2"] = np.nan
    lw = rl.alpha(rl.prepare_items(d, list(d.columns), missing="listwise"), missing="listwise")
    ref = rl.alpha(d.dropna())
    assert lw.total["raw_alpha"] == pytest.approx(ref.total["raw_alpha"], abs=1e-14)
    assert lw.n_obs == len(d) - 3


def test_item_analysis_floor_ceiling_missing_by_hand():
    d = pd.DataFrame({"a": [1, 1, 2, 5, np.nan, 3.0], "b": [5, 5, 5, 4, 2, 1.0]})
    ia = rl.item_analysis(d, (1, 5))
    assert ia.loc["a", "floor"] == pytest.approx(2 / 5) and ia.loc["a", "missing"] == pytest.approx(1 / 6)
    assert ia.loc["b", "ceiling"] == pytest.approx(3 / 6)
    from scipy.stats import skew
    v = d["b"].to_numpy()
    assert ia.loc["b", "skew"] == pytest.approx(skew(v) * ((len(v) - 1) / len(v)) ** 1.5, abs=1e-12)


def test_parallel_analysis_random_eigenvalues_match_brute_force():
    """Wishart draws give the same random eigenvalues as simulating n × p normal data (numpy)."""
    n, p = 500, 6
    tab, _ = vl.parallel_analysis(np.eye(p), n, n_iter=400, seed=3)
    rng = np.random.default_rng(9)
    brute = np.mean([np.sort(np.linalg.eigvalsh(np.corrcoef(rng.normal(size=(n, p)), rowvar=False)))[::-1]
                     for _ in range(400)], axis=0)
    np.testing.assert_allclose(tab["random_mean"], brute, atol=0.01)


def test_retest_icc_needs_matching_ids():
    a = pd.DataFrame({"id": ["x", "y", "z"], "q1": [1, 2, 3], "q2": [2, 2, 3]})
    b = a.assign(id=["u", "v", "w"])
    with pytest.raises(DataError, match="only 0 respondent"):
        rl.retest_icc(a, b, id_column="id", scales={"s": {"items": ["q1", "q2"]}}, scale_range=(1, 5))


def test_verdict_and_recommendation_rules():
    assert rl.overall_verdict({"alpha": "pass", "cr": "pass", "ave": "fail"}) == "caution"
    assert rl.overall_verdict({"alpha": "fail", "cr": "pass", "ave": "fail"}) == "fail"
    assert rl.overall_verdict({"alpha": "pass", "cr": "n/a"}) == "pass"


# --------------------------------------------------------------------------- demo data
def test_demo_weak_item_rel4_is_flagged_with_psych_alpha_if_dropped():
    """The demo's weak item (truth.json: rel4): the recommendation is to drop it, with the alpha
    psych::alpha reports without it (reference.json, demo region east)."""
    from cxkit import demo

    df = demo.make_responses("east", 20261122)
    res = rl.analyse_scale(df, "reliability", {"items": ["rel1", "rel2", "rel3", "rel4"]}, (1, 5))
    rec = rl.recommend(res)
    assert rec["item"] == demo.truth(20261122)["weak_item"] and rec["action"] == "drop"
    assert rec["alpha_if_dropped"] == pytest.approx(REF["demo"]["reliability"]["drop"]["raw_alpha"][3], abs=1e-10)
    assert rec["alpha"] == pytest.approx(REF["demo"]["reliability"]["total"]["raw_alpha"], abs=1e-10)


@pytest.mark.slow
def test_demo_playbook_results(demo_run):
    r = demo_run.results("east", "02_reliability")
    sc = r["scales"]
    assert sc["reliability"]["recommendation"] == {
        "action": "drop", "item": "rel4",
        "alpha_if_dropped": pytest.approx(REF["demo"]["reliability"]["drop"]["raw_alpha"][3], abs=1e-10)}
    assert sc["reliability"]["verdict"] == "fail" and "reliability" not in r["reliable_scales"]
    assert sc["responsiveness"]["alpha"] == pytest.approx(REF["demo"]["responsiveness"]["total"]["raw_alpha"], abs=1e-10)
    assert r["flagged_items"] == {"rel4": "weak"}
    assert r["cfa"]["cfi"] == pytest.approx(REF["demo_all"]["fit"]["cfi"], abs=1e-4)
    assert r["parallel_components"] == 6
    html = demo_run.html("east", "02_reliability")
    assert "rel4" in html and f"{REF['demo']['reliability']['drop']['raw_alpha'][3]:.2f}" in html


def test_playbook_with_bad_scale_and_retest_end_to_end(tmp_path):
    """Zero-variance scale + retest wave in a small engagement: the playbook is produced, says what
    went wrong, and reports the test-retest ICC (pingouin, checked against psych::ICC in parity tests)."""
    from cxkit import demo
    from cxkit.runner import run

    eng = tmp_path / "eng"
    (eng / "data").mkdir(parents=True)
    raw = yaml.safe_load((ROOT / "params" / "demo" / "engagement.yaml").read_text(encoding="utf-8"))
    raw["language"] = "en"
    raw["regions"] = {"east": {"label": "East", "responses": "data/east.csv", "retest_responses": "data/retest.csv"}}
    (eng / "engagement.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    df = demo.make_responses("east", 20261122, n=400)
    df[["tan1", "tan2", "tan3"]] = 3.0
    df.to_csv(eng / "data" / "east.csv", index=False)
    rng = np.random.default_rng(1)
    re = df.sample(150, random_state=1).copy()
    items = [c for c in df.columns if c[:-1] in ("resp", "rel", "asr", "emp", "val")]
    noise = rng.random((len(re), len(items))) < 0.2
    re[items] = np.where(noise, np.clip(re[items] + rng.choice([-1, 1], size=noise.shape), 1, 5), re[items])
    re.to_csv(eng / "data" / "retest.csv", index=False)
    rep = run(eng, out_dir=tmp_path / "out", notebooks=["02_reliability"], workers=1)
    assert rep.ok, rep.failures
    r = json.loads((tmp_path / "out" / "east" / "02_reliability.results.json").read_text(encoding="utf-8"))
    assert "tangibles" in r["scale_errors"] and "zero variance" in r["scale_errors"]["tangibles"]
    assert any("could not be analysed" in w["message"] for w in r["warnings"])
    assert 0.5 < r["retest_icc"]["responsiveness"] <= 1 and r["retest_icc"]["tangibles"] is None
    html = (tmp_path / "out" / "east" / "02_reliability.html").read_text(encoding="utf-8")
    assert "Test-retest reliability" in html and "zero variance" in html


def test_item_flags_and_recommendations_from_the_suite():
    """Floor effect (share at the lowest point counted by hand), a mis-keyed item and its note."""
    d = _scale_data(n=400, k=4)
    d["q4"] = 6 - d["q4"]                                   # undeclared reverse item
    d.loc[:150, "q1"] = 1.0                                 # floor effect on q1
    survey = {"scale_range": (1, 5), "scales": {"S": {"items": ["q1", "q2", "q3", "q4"]}}}
    s = rl.run_suite(d, survey, {"cfa": False, "efa": False})
    f = rl.item_flags(s)
    assert f["flagged"]["q4"] == "miskeyed" and ("S", "q4") == f["miskeyed"][0][:2]
    (it, which, share), = [x for x in f["floor_ceiling"] if x[0] == "q1"]
    assert which == "floor" and share == pytest.approx((d["q1"] == 1).mean())
    rec, = rl.recommendations(s)
    assert rec["action"] == "check_keying" and rec["item"] == "q4" and rec["highlight"]
    res = rl.scale_results(s)["S"]
    assert res["recommendation"]["action"] == "check_keying" and res["cr"] is None
