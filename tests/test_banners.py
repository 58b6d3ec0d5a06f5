"""Banner tables with column letters (issue 21, item 2): letters against an independent computation."""
from __future__ import annotations

from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from cxkit.banners import BannerMetric, banner_table
from cxkit.errors import AnalysisError, DataError

DATA = Path(__file__).parent / "data"
# ABC annual B2B satisfaction survey (realdata_samples/README.md): country as the banner, 1–5 items
# without the 0 = "not applicable" code (q1 overall satisfaction, q4, q5, q11, q25)
ITEMS = ["q1", "q4", "q5", "q11", "q25"]
METRICS = ITEMS + [{"column": "q1", "kind": "proportion", "threshold": 4, "name": "q1_top2"},
                   {"column": "q25", "kind": "proportion", "threshold": 5, "name": "q25_top1"}]


@pytest.fixture(scope="module")
def abc() -> pd.DataFrame:
    return pd.read_csv(DATA / "realdata_samples" / "abc_ABC.csv")


def _independent_letters(df, banner, metric, kind, threshold, *, alpha, upper, method, min_base):
    """Letters from statsmodels / scipy directly: the reference for banner_table."""
    levels = sorted(df[banner].dropna().unique())
    letter = dict(zip(levels, "ABCDEFGHIJ"))
    groups = {}
    for lv in levels:
        v = pd.to_numeric(df.loc[df[banner] == lv, metric], errors="coerce").dropna()
        groups[lv] = (v >= threshold).astype(int) if kind == "proportion" else v
    tested = [lv for lv in levels if len(groups[lv]) >= min_base]
    pairs, pvals = list(combinations(tested, 2)), []
    for a, b in pairs:
        ga, gb = groups[a], groups[b]
        if kind == "proportion":
            pvals.append(proportions_ztest([ga.sum(), gb.sum()], [len(ga), len(gb)])[1])   # pooled by default
        else:
            pvals.append(stats.ttest_ind(ga, gb, equal_var=False).pvalue)
    padj = multipletests(pvals, method=method)[1] if method != "none" else np.array(pvals)
    out = {lv: ("" if lv in tested else None) for lv in levels}
    for (a, b), p in zip(pairs, padj):
        if p < alpha:
            hi, lo = (a, b) if groups[a].mean() > groups[b].mean() else (b, a)
            out[hi] += letter[lo] if p < upper else letter[lo].lower()
    return {lv: (None if s is None else "".join(sorted(s, key=str.upper))) for lv, s in out.items()}


@pytest.mark.parametrize("method", ["holm", "bonferroni", "none"])
@pytest.mark.parametrize("min_base", [20, 30])
def test_letters_match_independent_computation_on_real_data(abc, method, min_base):
    t = banner_table(abc, "country", METRICS, correction=method, min_base=min_base)
    res = t.to_results()
    assert t.columns == {"Benelux": "A", "France": "B", "Germany": "C", "Israel": "D", "Italy": "E", "UK": "F"}
    for m in METRICS:
        spec = m if isinstance(m, dict) else {"column": m, "kind": "mean"}
        key = spec.get("name", spec["column"])
        want = _independent_letters(abc, "country", spec["column"], spec["kind"], spec.get("threshold"),
                                    alpha=0.05, upper=0.01, method=method, min_base=min_base)
        assert {lv: c["letters"] for lv, c in res[key].items()} == want, key
        for lv, c in res[key].items():
            v = pd.to_numeric(abc.loc[abc["country"] == lv, spec["column"]], errors="coerce").dropna()
            assert c["n"] == len(v)
            want_v = (v >= spec["threshold"]).mean() if spec["kind"] == "proportion" else v.mean()
            assert c["value"] == pytest.approx(want_v, abs=1e-12)
    # the real data do produce letters of both cases
    all_letters = "".join(c["letters"] or "" for row in res.values() for c in row.values())
    if method == "holm" and min_base == 20:
        assert any(ch.isupper() for ch in all_letters) and any(ch.islower() for ch in all_letters)


def test_result_shape_is_metric_level_value_n_letters(abc):
    res = banner_table(abc, "country", ["q1"]).to_results()
    assert set(res) == {"q1"}
    assert set(res["q1"]) == {"Benelux", "France", "Germany", "Israel", "Italy", "UK"}
    for cell in res["q1"].values():
        assert set(cell) == {"value", "n", "letters"}
        assert isinstance(cell["n"], int) and isinstance(cell["value"], float)


def test_hand_computed_proportions_and_correction():
    # A 60/100, B 40/100, C 45/100; pooled z (p̄ = pooled share, se = √(p̄(1−p̄)(1/100 + 1/100))):
    #   A–B: p̄ .5,  se .0707107, z 2.828427, p .0046777
    #   A–C: p̄ .525, se .0706223, z 2.123977, p .0336721
    #   B–C: p̄ .425, se .0699106, z −.715199, p .4744864
    # Holm: .0046777·3 = .014033 (< .05, not < .01 → "b"), .0336721·2 = .067344 (n.s.), .474486
    # none:  .0046777 < .01 → "B", .0336721 < .05 → "c";  Bonferroni: .014033 → "b", .101016 n.s.
    d = pd.DataFrame({"seg": ["A"] * 100 + ["B"] * 100 + ["C"] * 100,
                      "top": [1] * 60 + [0] * 40 + [1] * 40 + [0] * 60 + [1] * 45 + [0] * 55})
    spec = BannerMetric("top", kind="proportion")
    t = banner_table(d, "seg", [spec], correction="holm")
    p = t.pairs.set_index(["a", "b"])
    assert p.loc[("A", "B"), "statistic"] == pytest.approx(2.828427, abs=1e-6)
    assert p.loc[("A", "B"), "p_value"] == pytest.approx(0.0046777, abs=1e-7)
    assert p.loc[("A", "C"), "statistic"] == pytest.approx(2.123977, abs=1e-6)
    assert p.loc[("B", "C"), "statistic"] == pytest.approx(-0.715199, abs=1e-6)
    assert p.loc[("A", "B"), "p_adj"] == pytest.approx(0.014033, abs=1e-6)
    assert p.loc[("A", "C"), "p_adj"] == pytest.approx(0.067344, abs=1e-6)
    letters = {c: v["letters"] for c, v in t.to_results()["top"].items()}
    assert letters == {"A": "b", "B": "", "C": ""}
    assert banner_table(d, "seg", [spec], correction="none").to_results()["top"]["A"]["letters"] == "Bc"
    assert banner_table(d, "seg", [spec], correction="bonferroni").to_results()["top"]["A"]["letters"] == "b"
    assert t.to_results()["top"]["A"]["value"] == 0.6


def test_hand_computed_welch_means():
    # A = 5 4 5 4 5 4 (mean 4.5, s² .3), B = 1 2 3 2 1 3 (mean 2, s² .8), n = 6 each:
    # t = 2.5 / √(.3/6 + .8/6) = 5.838742, Welch df = .18333² / (.05²/5 + .13333²/5) = 8.28767, p = .000339
    d = pd.DataFrame({"seg": ["A"] * 6 + ["B"] * 6, "x": [5, 4, 5, 4, 5, 4, 1, 2, 3, 2, 1, 3]})
    t = banner_table(d, "seg", ["x"], min_base=5)
    row = t.pairs.iloc[0]
    assert row["statistic"] == pytest.approx(5.838742, abs=1e-6)
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(5.838742081, 8.287671233), rel=1e-8)
    assert t.to_results()["x"] == {"A": {"value": 4.5, "n": 6, "letters": "B"},
                                   "B": {"value": 2.0, "n": 6, "letters": ""}}


def test_min_base_rule(abc):
    t = banner_table(abc, "country", ["q1"], min_base=20)
    res = t.to_results()["q1"]
    assert res["France"]["n"] == 14 and res["France"]["letters"] is None       # shown, not tested
    assert res["France"]["value"] == pytest.approx(abc.loc[abc.country == "France", "q1"].mean())   # 14 of 15 answered q1
    assert t.low_base == {"q1": ["France"]}
    assert "France" not in set(t.pairs["a"]) | set(t.pairs["b"])
    assert len(t.pairs) == 10                                                  # 5 tested columns → 10 pairs
    t30 = banner_table(abc, "country", ["q1"], min_base=30)
    assert t30.low_base["q1"] == ["Benelux", "France", "Israel"] and len(t30.pairs) == 3
    # a low-base column never appears as a letter elsewhere
    assert not any("B" in (c["letters"] or "").upper() for c in res.values())


def test_correction_changes_letters_only_in_the_right_direction(abc):
    def letter_sets(method):
        res = banner_table(abc, "country", METRICS, correction=method, min_base=20).to_results()
        return {(m, lv, ch.upper()) for m, row in res.items() for lv, c in row.items() for ch in (c["letters"] or "")}
    none, holm, bonf = letter_sets("none"), letter_sets("holm"), letter_sets("bonferroni")
    assert bonf <= holm <= none            # Holm is uniformly more powerful than Bonferroni, both stricter than none
    assert none != holm                    # ... and on these data the correction does remove letters


def test_upper_case_needs_the_stricter_level():
    d = pd.DataFrame({"seg": ["A"] * 100 + ["B"] * 100 + ["C"] * 100,
                      "top": [1] * 60 + [0] * 40 + [1] * 40 + [0] * 60 + [1] * 45 + [0] * 55})
    m = [{"column": "top", "kind": "proportion"}]
    assert banner_table(d, "seg", m, correction="none", upper_alpha=0.001).to_results()["top"]["A"]["letters"] == "bc"
    assert banner_table(d, "seg", m, correction="none", alpha=0.01, upper_alpha=0.005).to_results()["top"]["A"][
        "letters"] == "B"


def test_weighted_matches_r_survey(abc):
    # R survey 4.1-1: des <- svydesign(ids = ~1, weights = ~w, data = abc)
    #   svyby(~q1, ~country, subset(des, !is.na(q1)), svymean, covmat = TRUE) |> svycontrast(Germany − UK …)
    # w = (Germany .5, UK 1.5, others 1) × (1 + (ID mod 3)/4)
    d = abc.copy()
    d["w"] = np.where(d.country == "Germany", 0.5, np.where(d.country == "UK", 1.5, 1.0)) * (1 + (d.ID % 3) / 4)
    t = banner_table(d, "country", ["q1", {"column": "q1", "kind": "proportion", "threshold": 4, "name": "top2"}],
                     weights="w", min_base=30)
    res = t.to_results()
    assert res["q1"]["Germany"]["value"] == pytest.approx(3.85557586837294, abs=1e-12)
    assert res["top2"]["UK"]["value"] == pytest.approx(0.435294117647059, abs=1e-12)
    assert res["q1"]["Germany"]["n"] == int(d.loc[d.country == "Germany", "q1"].notna().sum())   # unweighted base
    p = t.pairs.set_index(["metric", "a", "b"])["p_value"]
    want = {("q1", "Germany", "UK"): 7.35271916178e-06, ("q1", "Germany", "Italy"): 0.190670018705,
            ("q1", "Italy", "UK"): 0.0212578347788, ("top2", "Germany", "UK"): 0.00044833016178,
            ("top2", "Germany", "Italy"): 0.046066989226, ("top2", "Italy", "UK"): 0.307201898124}
    for k, v in want.items():
        assert p[k] == pytest.approx(v, rel=1e-8), k
    assert t.params["weighted"] and t.params["tests"] == {"q1": "design_wald_z", "top2": "design_wald_z"}


def test_level_order_and_bad_input(abc):
    t = banner_table(abc, "country", ["q1"], levels=["UK", "Germany", "Atlantis"], min_base=20)
    assert t.columns == {"UK": "A", "Germany": "B", "Atlantis": "C"}
    assert t.to_results()["q1"]["Atlantis"] == {"value": None, "n": 0, "letters": None}
    cat = abc.assign(country=pd.Categorical(abc.country, categories=["UK", "Italy", "Germany", "Mars"]))
    assert list(banner_table(cat, "country", ["q1"]).columns) == ["UK", "Italy", "Germany"]
    with pytest.raises(DataError, match="not in the data"):
        banner_table(abc, "region", ["q1"])
    with pytest.raises(DataError, match="not in the data"):
        banner_table(abc, "country", ["nope"])
    with pytest.raises(AnalysisError, match="0/1 values or a threshold"):
        banner_table(abc, "country", [{"column": "q1", "kind": "proportion"}])
    with pytest.raises(AnalysisError, match="upper_alpha < alpha"):
        banner_table(abc, "country", ["q1"], alpha=0.01, upper_alpha=0.05)
    with pytest.raises(AnalysisError, match="correction"):
        banner_table(abc, "country", ["q1"], correction="fdr")
    with pytest.raises(AnalysisError, match="unique"):
        banner_table(abc, "country", ["q1", {"column": "q1", "kind": "mean"}])
