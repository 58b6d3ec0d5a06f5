"""Agreement between coders (or a coder and the auto-coder): kappa, alpha, confusion table.

Three views of the same question, "do two codings of the same verbatims agree?":

* :func:`cohen_kappa` -- two coders, one nominal code per unit, chance-corrected:
  ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the observed share of agreement and
  ``p_e = sum_k p_1k * p_2k`` the agreement expected from the two coders' marginal
  shares (Cohen 1960). Computed with :func:`statsmodels.stats.inter_rater.cohens_kappa`.
* :func:`kappa_per_category` -- multi-label coding: for each category, did both codings
  assign it or not (a 2x2 table), and the kappa of that yes/no coding.
* :func:`krippendorff_alpha` -- any number of coders, missing codes allowed, via the
  ``krippendorff`` package (Castro 2017, fast-krippendorff):
  ``alpha = 1 - D_o / D_e`` (Krippendorff 2011, "Computing Krippendorff's alpha-reliability").
* :func:`confusion_table` -- counts of (coder A code, coder B code).

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
Psychological Measurement*, 20(1), 37-46.
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School
for Communication, University of Pennsylvania.

Example
-------
>>> round(cohen_kappa(["A", "C", "B", "C"], ["A", "B", "C", "C"])["kappa"], 3)
0.2
"""
from __future__ import annotations

from typing import Any, Sequence

from .errors import AnalysisError, DataError


def _clean_pairs(a: Sequence[Any], b: Sequence[Any]):
    import pandas as pd

    if len(a) != len(b):
        raise DataError(f"the two codings have different lengths ({len(a)} vs {len(b)}); "
                        "they must code the same units in the same order")
    df = pd.DataFrame({"a": list(a), "b": list(b)})
    df = df[df["a"].notna() & df["b"].notna()]
    df = df.assign(a=df["a"].astype(str), b=df["b"].astype(str))
    return df


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> dict[str, float]:
    """Cohen's kappa between two nominal codings of the same units.

    Units where either coding is missing are left out.

    Parameters
    ----------
    a, b : sequence
        The code each coder gave each unit, in the same unit order.

    Returns
    -------
    dict
        ``kappa``, ``po`` (observed agreement), ``pe`` (chance agreement), ``n`` (units used).

    Notes
    -----
    Formula: ``kappa = (po - pe) / (1 - pe)``, ``pe = sum_k (n_k. / n)(n_.k / n)``.
    Checked against statsmodels' ``cohens_kappa`` (which it calls) and the textbook
    example (A,A), (C,B), (B,C), (C,C): po = .5, pe = .375, kappa = .2.

    Examples
    --------
    >>> r = cohen_kappa(["A", "C", "B", "C"], ["A", "B", "C", "C"])
    >>> r["po"], r["pe"], round(r["kappa"], 6)
    (0.5, 0.375, 0.2)
    """
    import numpy as np
    import pandas as pd
    from statsmodels.stats.inter_rater import cohens_kappa as _sm_kappa

    df = _clean_pairs(a, b)
    if df.empty:
        raise AnalysisError("no unit has a code from both coders; kappa cannot be computed")
    cats = sorted(set(df["a"]) | set(df["b"]))
    table = pd.crosstab(pd.Categorical(df["a"], categories=cats), pd.Categorical(df["b"], categories=cats),
                        dropna=False).to_numpy(dtype=float)
    n = table.sum()
    po = float(np.trace(table) / n)
    pe = float((table.sum(axis=1) / n) @ (table.sum(axis=0) / n))
    if pe >= 1.0:
        # both coders used one and the same category everywhere: agreement is perfect but kappa is 0/0
        return {"kappa": float("nan") if po < 1 else 1.0, "po": po, "pe": pe, "n": int(n)}
    kappa = float(_sm_kappa(table).kappa)
    return {"kappa": kappa, "po": po, "pe": pe, "n": int(n)}


def kappa_per_category(a_sets: Sequence[Sequence[str]], b_sets: Sequence[Sequence[str]],
                       categories: Sequence[str] | None = None):
    """Kappa of the yes/no coding of each category (multi-label codings).

    Parameters
    ----------
    a_sets, b_sets : sequence of collections of str
        For each unit, the set of categories each coding assigned.
    categories : sequence of str, optional
        Categories to report (default: every category either coding used).

    Returns
    -------
    pandas.DataFrame
        ``category, n_a, n_b, both, po, kappa`` -- kappa is NaN (shown as "–") when a
        category was never (or always) used by both codings, where kappa is undefined.

    Examples
    --------
    >>> t = kappa_per_category([{"x"}, {"x", "y"}, set(), {"y"}], [{"x"}, {"x"}, set(), {"y"}])
    >>> float(t.set_index("category").loc["x", "kappa"])
    1.0
    """
    import pandas as pd

    if len(a_sets) != len(b_sets):
        raise DataError(f"the two codings have different lengths ({len(a_sets)} vs {len(b_sets)})")
    a_sets = [set(s or ()) for s in a_sets]
    b_sets = [set(s or ()) for s in b_sets]
    cats = list(categories) if categories is not None else sorted(set().union(*a_sets, *b_sets))
    rows = []
    for c in cats:
        ya = ["yes" if c in s else "no" for s in a_sets]
        yb = ["yes" if c in s else "no" for s in b_sets]
        r = cohen_kappa(ya, yb) if ya else {"kappa": float("nan"), "po": float("nan")}
        rows.append({"category": c, "n_a": ya.count("yes"), "n_b": yb.count("yes"),
                     "both": sum(x == y == "yes" for x, y in zip(ya, yb)), "po": r["po"],
                     "kappa": r["kappa"]})
    return pd.DataFrame(rows, columns=["category", "n_a", "n_b", "both", "po", "kappa"])


def reliability_matrix(codes, *, unit: str = "unit", coder: str = "coder", value: str = "code"):
    """Coder x unit matrix (NaN where a coder did not code a unit) from tidy codes.

    Parameters
    ----------
    codes : pandas.DataFrame
        One row per (unit, coder) with the code given.

    Returns
    -------
    (numpy.ndarray, list)
        The matrix of numeric codes (category index for text codes) and the category list.
    """
    import numpy as np
    import pandas as pd

    for c in (unit, coder, value):
        if c not in codes.columns:
            raise DataError(f"missing the column '{c}' in the coding table")
    dup = codes.duplicated([unit, coder], keep=False)
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 2).tolist()
        raise DataError("a coder coded the same unit twice", column=unit, rows=rows,
                        hint="keep one code per unit and coder (use the primary category)")
    df = codes[[unit, coder, value]].dropna(subset=[value])
    vals = df[value]
    if pd.api.types.is_numeric_dtype(vals):
        cats = sorted(vals.unique().tolist())
        num = vals.astype(float)
    else:
        cats = sorted(vals.astype(str).unique().tolist())
        num = vals.astype(str).map({c: i for i, c in enumerate(cats)}).astype(float)
    wide = df.assign(_v=num).pivot(index=coder, columns=unit, values="_v")
    return wide.to_numpy(dtype=float), cats


def krippendorff_alpha(data, level: str = "nominal", **tidy_columns: str) -> float:
    """Krippendorff's alpha for any number of coders with missing codes.

    Parameters
    ----------
    data : array-like (coders x units) or pandas.DataFrame in tidy form
        A matrix with ``NaN`` for missing codes, or a tidy table with columns
        ``unit``, ``coder``, ``code`` (names changeable via ``unit=``, ``coder=``, ``value=``).
    level : {"nominal", "ordinal", "interval", "ratio"}

    Returns
    -------
    float

    Notes
    -----
    Calls :func:`krippendorff.alpha`. Checked against the 3-coder x 15-unit example
    with missing values of Krippendorff (2011) used in the fast-krippendorff test suite:
    nominal 0.691358, interval 0.810845.

    Examples
    --------
    >>> import numpy as np
    >>> round(krippendorff_alpha(np.array([[1, 2, 3, 3], [1, 2, 3, 1]])), 3)
    0.667
    """
    import krippendorff
    import numpy as np

    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise AnalysisError(f"level must be nominal, ordinal, interval or ratio, got {level!r}")
    if hasattr(data, "columns"):
        mat, _ = reliability_matrix(data, **tidy_columns)
    else:
        mat = np.asarray(data, dtype=float)
    if mat.ndim != 2 or mat.shape[0] < 2:
        raise AnalysisError("Krippendorff's alpha needs at least two coders")
    pairable = (np.sum(~np.isnan(mat), axis=0) >= 2).sum()
    if pairable == 0:
        raise AnalysisError("no unit was coded by two coders; alpha cannot be computed")
    values = np.unique(mat[~np.isnan(mat)])
    if len(values) < 2:
        raise AnalysisError("every coder used one and the same code everywhere; alpha is undefined (0/0)")
    return float(krippendorff.alpha(reliability_data=mat, level_of_measurement=level))


def confusion_table(a: Sequence[Any], b: Sequence[Any], *, labels: Sequence[str] | None = None,
                    names: tuple[str, str] = ("coder_a", "coder_b")):
    """Counts of (code from A, code from B), all categories on both axes, with totals.

    >>> int(confusion_table(["x", "y", "y"], ["x", "y", "x"]).loc["y", "x"])
    1
    """
    import pandas as pd

    df = _clean_pairs(a, b)
    cats = list(labels) if labels is not None else sorted(set(df["a"]) | set(df["b"]))
    t = pd.crosstab(pd.Categorical(df["a"], categories=cats), pd.Categorical(df["b"], categories=cats),
                    dropna=False, margins=True, margins_name="Σ")
    t.index.name, t.columns.name = names
    return t
