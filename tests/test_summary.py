"""Engagement summary: region-vs-rest intervals and Holm-corrected tests against scipy/statsmodels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from cxkit import summary


@pytest.fixture()
def frames():
    rng = np.random.default_rng(3)
    a = pd.DataFrame({"csat": rng.choice([1, 2, 3, 4, 5], 400, p=[.05, .1, .2, .35, .3]),
                      "nps": rng.integers(0, 11, 400)})
    b = pd.DataFrame({"csat": rng.choice([1, 2, 3, 4, 5], 300, p=[.1, .15, .25, .3, .2]),
                      "nps": rng.integers(0, 11, 300)})
    return {"a": a, "b": b}


def test_region_kpis_against_references(frames):
    k = summary.region_kpis(frames, {"csat": "csat", "nps": "nps"}).set_index("region")
    a, b = frames["a"], frames["b"]
    # CSAT 0-100 mean and t interval (scipy)
    c100 = (a["csat"] - 1) / 4 * 100
    lo, hi = stats.t.interval(0.95, len(c100) - 1, loc=c100.mean(), scale=stats.sem(c100))
    assert k.loc["a", "csat_0_100"] == pytest.approx(c100.mean())
    assert (k.loc["a", "csat_lo"], k.loc["a", "csat_hi"]) == pytest.approx((lo, hi))
    # top-2-box Wilson interval (statsmodels)
    top = int((a["csat"] >= 4).sum())
    assert (k.loc["a", "top2_lo"], k.loc["a", "top2_hi"]) == pytest.approx(proportion_confint(top, len(a), method="wilson"))
    # with two regions, "a vs rest" = "a vs b"; Holm doubles the two equal p-values
    p = proportions_ztest([top, int((b["csat"] >= 4).sum())], [len(a), len(b)])[1]
    assert k.loc["a", "p_top2"] == pytest.approx(min(1, 2 * p))
    pt = stats.ttest_ind(a["csat"], b["csat"], equal_var=False).pvalue
    assert k.loc["b", "p_csat"] == pytest.approx(min(1, 2 * pt))
    assert k.loc["_all", "n"] == 700 and np.isnan(k.loc["_all", "p_csat"])
    nps_all = 100 * ((pd.concat([a, b])["nps"] >= 9).mean() - (pd.concat([a, b])["nps"] <= 6).mean())
    assert k.loc["_all", "nps"] == pytest.approx(nps_all)


def test_significant_regions_and_display(frames):
    k = summary.region_kpis(frames, {"csat": "csat", "nps": "nps"})
    better, worse = summary.significant_regions(k, "csat_0_100", "p_csat")
    assert better == ["a"] and worse == ["b"]   # a's distribution is clearly higher at these n
    disp = summary.kpi_display(k, {"a": "A"}, {"region": "R", "n": "n", "csat": "C", "top2": "T", "nps": "N"})
    assert disp.iloc[0]["R"] == "A" and disp.iloc[0]["C"].endswith("*") and "[" in disp.iloc[0]["T"]


def test_results_helpers():
    res = {"east": {"03_diagnostics": {"driver_weights": {"x": 0.5, "y": 0.3, "z": 0.2, "w": 0.0}}}, "west": {}}
    top = summary.top_items(res, "03_diagnostics", "driver_weights", k=2).set_index("region")
    assert top.loc["east", "#1"] == "x (50%)" and top.loc["east", "#2"] == "y (30%)"
    assert pd.isna(top.loc["west"].get("#1"))
    tab = summary.figures_table(res, [("W", "03_diagnostics", "driver_weights.x")]).set_index("region")
    assert tab.loc["east", "W"] == 0.5 and pd.isna(tab.loc["west", "W"])


def test_labelled():
    t = pd.DataFrame({"region": ["east", "_all"], "x": [1, 2]})
    out = summary.labelled(t, {"east": "华东"}, "区域")
    assert out.columns.tolist() == ["区域", "x"] and out["区域"].tolist() == ["华东", "_all"]


def test_one_region_and_missing_outcomes(frames):
    """A one-region engagement has nothing to compare with (no p-values, no error); a survey without NPS
    gets no NPS columns; a region without CSAT answers shows none, and the others keep their tests."""
    a = frames["a"]
    k = summary.region_kpis({"a": a}, {"csat": "csat", "nps": "nps"}).set_index("region")
    assert k.loc["a", "csat_0_100"] == pytest.approx(((a["csat"] - 1) / 4 * 100).mean())
    assert "p_csat" not in k or k["p_csat"].isna().all()
    assert k.loc["a", "nps"] == pytest.approx(100 * ((a["nps"] >= 9).mean() - (a["nps"] <= 6).mean()))
    k2 = summary.region_kpis(frames, {"csat": "csat", "nps": None})
    assert "nps" not in k2 and "p_csat" in k2
    empty = frames["b"].assign(csat=np.nan)
    k3 = summary.region_kpis({"a": a, "b": empty, "c": frames["b"]}, {"csat": "csat", "nps": None}).set_index("region")
    assert np.isnan(k3.loc["b", "csat_0_100"]) and np.isnan(k3.loc["b", "p_csat"])
    pt = stats.ttest_ind(a["csat"], frames["b"]["csat"], equal_var=False).pvalue
    assert k3.loc["a", "p_csat"] == pytest.approx(min(1, 2 * pt))        # Holm over the two testable regions
    shown = summary.kpi_display(k3.reset_index(), {}, {c: c for c in ("region", "n", "csat", "top2", "nps")})
    assert "nan" not in shown.to_string()


def test_a_bad_region_is_left_out_not_fatal(tmp_path, frames):
    """One region's unreadable file must not stop the engagement summary of the others."""
    good = tmp_path / "a.csv"
    frames["a"].to_csv(good, index=False)
    bad = tmp_path / "b.csv"
    bad.write_text("csat,nps\n4,9\nvery good,10\n", encoding="utf-8")
    survey = {"id_column": None, "segment_column": None, "scales": {}, "outcomes": {"csat": "csat", "nps": "nps"},
              "outcome_ranges": {"csat": [1, 5], "nps": [0, 10]}}
    regions = {"a": {"responses": str(good), "survey": survey}, "b": {"responses": str(bad), "survey": survey},
               "c": {"survey": survey}}
    got, problems = summary.read_frames(regions)
    assert list(got) == ["a"] and set(problems) == {"b"} and "b.csv" in problems["b"] and "csat" in problems["b"]
    k = summary.region_kpis(got, {"csat": "csat", "nps": "nps"})
    assert set(k["region"]) == {"a", "_all"}
    empty = summary.region_kpis({}, {"csat": "csat"})
    assert empty.empty and summary.significant_regions(empty, "csat_0_100", "p_csat") == ([], [])
