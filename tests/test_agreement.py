"""cxkit.agreement against published oracles.

- Krippendorff's alpha: the 3-coder x 15-unit reliability data with missing values of
  Krippendorff (2011), "Computing Krippendorff's alpha-reliability", used in the
  fast-krippendorff test suite (pln-fing-udelar/fast-krippendorff, tests/test_krippendorff.py):
  nominal 0.691358, interval 0.810845.
- Cohen's kappa: pairs (A,A), (C,B), (B,C), (C,C): po = .5, pe = .375, kappa = .2
  (hand computation: pe = 1/4*1/4 + 1/4*1/4 + 2/4*2/4 = 6/16).
"""
import numpy as np
import pandas as pd
import pytest

from cxkit import agreement as ag
from cxkit.errors import AnalysisError, DataError

NAN = np.nan
KRIPP = [[NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
         [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
         [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4]]


def test_krippendorff_published_values_matrix():
    assert ag.krippendorff_alpha(KRIPP, "nominal") == pytest.approx(0.691358, abs=1e-6)
    assert ag.krippendorff_alpha(KRIPP, "interval") == pytest.approx(0.810845, abs=1e-6)


def test_krippendorff_published_values_from_tidy_codes():
    """Our tidy -> matrix conversion (coders in any order, missing rows absent) gives the same alpha."""
    rows = [(u, f"coder{c}", v) for c, row in enumerate(KRIPP) for u, v in enumerate(row) if not np.isnan(v)]
    tidy = pd.DataFrame(rows, columns=["unit", "coder", "code"]).sample(frac=1, random_state=3)
    assert ag.krippendorff_alpha(tidy, "nominal") == pytest.approx(0.691358, abs=1e-6)
    assert ag.krippendorff_alpha(tidy, "interval") == pytest.approx(0.810845, abs=1e-6)
    # text codes for the nominal level: the mapping to numbers must not change alpha
    tidy_txt = tidy.assign(code=tidy["code"].map({1: "people", 2: "process", 3: "price", 4: "place"}))
    assert ag.krippendorff_alpha(tidy_txt, "nominal") == pytest.approx(0.691358, abs=1e-6)


def test_cohen_kappa_textbook_example():
    r = ag.cohen_kappa(["A", "C", "B", "C"], ["A", "B", "C", "C"])
    assert r["po"] == pytest.approx(0.5)
    assert r["pe"] == pytest.approx(0.375)
    assert r["kappa"] == pytest.approx(0.2, abs=1e-12)
    assert r["n"] == 4


def test_cohen_kappa_matches_sklearn_on_random_codes():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    a = rng.choice(list("abcde"), 300)
    b = np.where(rng.random(300) < 0.6, a, rng.choice(list("abcde"), 300))
    assert ag.cohen_kappa(a, b)["kappa"] == pytest.approx(sk.cohen_kappa_score(a, b), abs=1e-12)


def test_cohen_kappa_drops_missing_and_checks_length():
    r = ag.cohen_kappa(["A", None, "C", "B", "C"], ["A", "B", "B", "C", "C"])
    assert r["n"] == 4 and r["kappa"] == pytest.approx(0.2)
    with pytest.raises(DataError, match="different lengths"):
        ag.cohen_kappa(["A"], ["A", "B"])
    with pytest.raises(AnalysisError, match="no unit"):
        ag.cohen_kappa([None, None], ["A", None])


def test_kappa_per_category_and_confusion():
    a = [{"x"}, {"x", "y"}, set(), {"y"}, {"x"}]
    b = [{"x"}, {"x"}, set(), {"y"}, {"y"}]
    t = ag.kappa_per_category(a, b).set_index("category")
    # category x: yes/no pairs (y,y),(y,y),(n,n),(n,n),(y,n) -> po .8, pe = .6*.4+.4*.6 = .48, kappa = .32/.52
    assert t.loc["x", "po"] == pytest.approx(0.8)
    assert t.loc["x", "kappa"] == pytest.approx(0.32 / 0.52)
    c = ag.confusion_table(["x", "y", "y", "z"], ["x", "y", "x", "z"])
    assert int(c.loc["y", "x"]) == 1 and int(c.loc["Σ", "Σ"]) == 4


def test_krippendorff_bad_input():
    with pytest.raises(AnalysisError, match="same code"):
        ag.krippendorff_alpha([[1, 1, 1], [1, 1, 1]])
    with pytest.raises(AnalysisError, match="two coders"):
        ag.krippendorff_alpha([[1, 2, 3]])
    dup = pd.DataFrame({"unit": [1, 1], "coder": ["a", "a"], "code": ["x", "y"]})
    with pytest.raises(DataError, match="same unit twice"):
        ag.krippendorff_alpha(dup)
