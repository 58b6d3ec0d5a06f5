"""Banner tables: metrics by the levels of a banner column, with column-letter significance.

A banner table puts the levels of one column (segment, country, tier…) side by side as columns
lettered A, B, C… in level order, and shows for each metric (rows) the value per column, its base
``n`` and the letters of the columns that value is significantly **above** — the market-research
convention of SPSS Custom Tables ("compare column proportions / means") and Q:

- every pair of columns is tested, separately for each metric;
- the p-values of a metric's pairs (its family) are corrected together: Holm (default),
  Bonferroni or none (``statsmodels.stats.multitest.multipletests``);
- cell X gets the letter of column Y when X's value is larger and the corrected p < ``alpha``:
  **upper-case** when p < ``upper_alpha``, **lower-case** when ``upper_alpha`` ≤ p < ``alpha``
  (defaults 0.01 and 0.05; Q's default pair is 0.001 / 0.05, SPSS offers one level);
- columns whose base is below ``min_base`` are not tested: their ``letters`` is ``None`` (a tested
  cell above no other column has ``""``) and they are listed in :attr:`BannerTable.low_base`.

Tests (unweighted):

- proportion (share with value ≥ ``threshold``, e.g. top-2 box, or a 0/1 column): the two-sample
  z-test with the pooled proportion, as SPSS Custom Tables' column-proportions test and Q,
  ``z = (p₁ − p₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂))``, ``p̄ = (x₁ + x₂)/(n₁ + n₂)`` (statsmodels
  ``proportions_ztest``);
- mean: Welch's t-test (unequal variances; scipy ``ttest_ind(equal_var=False)``). SPSS Custom
  Tables' column-means test pools the variance over all columns by default; Welch does not assume
  equal variances across segments of very different sizes.

With survey ``weights`` the values are weighted means / shares and each pair is a design-based
Wald z-test of the difference of the two domain estimates with linearisation variance (weights-only
design, as R ``svyby(..., covmat = TRUE)`` + ``svycontrast`` on ``svydesign(ids = ~1, weights = ~w)``):
``z_i^A = w_i 1{i ∈ A}(y_i − ȳ_A)/Σ_A w``, ``V(ȳ_A − ȳ_B) = n/(n − 1) Σ_i (d_i − d̄)²`` with
``d_i = z_i^A − z_i^B`` over all n rows of the design. The base ``n`` stays the unweighted count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from string import ascii_uppercase
from typing import Any, Literal, Mapping, Sequence, TypedDict

import numpy as np
import pandas as pd

from .errors import AnalysisError, DataError

Kind = Literal["mean", "proportion"]
Correction = Literal["holm", "bonferroni", "none"]
CORRECTIONS = ("holm", "bonferroni", "none")


class BannerCell(TypedDict):
    """One cell: the metric's value in a banner column, its base and its significance letters."""

    value: float | None      # mean, or share 0..1 (None when the column has no answer)
    n: int                   # unweighted base: respondents of the column with an answer
    letters: str | None      # columns this value is significantly above; None = not tested (base < min_base)


@dataclass(frozen=True)
class BannerMetric:
    """A row of the banner table.

    ``kind="mean"``: mean of ``column``. ``kind="proportion"``: share of answers ≥ ``threshold``
    (top box), or of 1s when ``threshold`` is None (the column must then be 0/1 or true/false).
    ``name`` is the key in the result (default: the column name).
    """

    column: str
    kind: Kind = "mean"
    threshold: float | None = None
    name: str | None = None

    @property
    def key(self) -> str:
        return self.name or self.column


@dataclass
class BannerTable:
    """Result of :func:`banner_table`.

    ``cells`` is ``{metric: {level: {value, n, letters}}}``; :meth:`to_results` returns it as plain
    data for ``results["banners"][banner]``. ``columns`` maps each level to its letter, ``low_base``
    lists per metric the levels not tested, ``pairs`` holds every test (metric, a, b, letters, diff,
    statistic, p_value, p_adj).
    """

    banner: str
    columns: dict[str, str]
    cells: dict[str, dict[str, BannerCell]]
    low_base: dict[str, list[str]]
    pairs: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def to_results(self) -> dict[str, dict[str, BannerCell]]:
        return {m: {lv: BannerCell(value=c["value"], n=c["n"], letters=c["letters"]) for lv, c in row.items()}
                for m, row in self.cells.items()}

    def frame(self) -> pd.DataFrame:
        """Display table: one row per metric, one column per level headed ``"level (A)"``; cells ``"4.12 Bc"``."""
        out = {}
        for lv, letter in self.columns.items():
            col = {}
            for m, row in self.cells.items():
                c = row[lv]
                v = "–" if c["value"] is None else f"{c['value']:.3g}"
                col[m] = v + (f" {c['letters']}" if c["letters"] else "") + ("" if c["letters"] is not None else " ▿")
            out[f"{lv} ({letter})"] = col
        return pd.DataFrame(out)


def _label(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _metric(m: Any) -> BannerMetric:
    if isinstance(m, BannerMetric):
        spec = m
    elif isinstance(m, str):
        spec = BannerMetric(m)
    elif isinstance(m, Mapping):
        unknown = set(m) - {"column", "kind", "threshold", "name"}
        if unknown or "column" not in m:
            raise AnalysisError(f"banner metric {dict(m)!r}: give 'column' and optionally kind, threshold, name"
                                + (f" (unknown: {', '.join(sorted(unknown))})" if unknown else ""))
        spec = BannerMetric(**m)
    else:
        raise AnalysisError(f"a banner metric is a column name, a mapping or a BannerMetric, got {m!r}")
    if spec.kind not in ("mean", "proportion"):
        raise AnalysisError(f"banner metric '{spec.key}': kind must be 'mean' or 'proportion', got {spec.kind!r}")
    return spec


def _values(df: pd.DataFrame, spec: BannerMetric) -> np.ndarray:
    if spec.column not in df.columns:
        raise DataError(f"banner metric column '{spec.column}' not in the data")
    raw = df[spec.column]
    if raw.dtype == bool:
        raw = raw.astype(float)
    y = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    bad = np.isnan(y) & raw.notna().to_numpy()
    if bad.any():
        raise DataError(f"banner metric '{spec.key}': {int(bad.sum())} value(s) of '{spec.column}' are not numbers "
                        f"(e.g. {raw[bad].iloc[0]!r})", column=spec.column)
    if spec.kind == "proportion":
        if spec.threshold is not None:
            return np.where(np.isnan(y), np.nan, (y >= spec.threshold).astype(float))
        vals = set(np.unique(y[~np.isnan(y)]))
        if not vals <= {0.0, 1.0}:
            raise AnalysisError(f"banner metric '{spec.key}': a proportion needs 0/1 values or a threshold "
                                f"(e.g. threshold: 4 for the top-2 box on 1–5)")
    return y


def _welch_p(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    from scipy import stats

    va, vb = a.var(ddof=1), b.var(ddof=1)
    if va == 0 and vb == 0:                        # no spread on either side: equal means = no difference
        d = a.mean() - b.mean()
        return (0.0, 1.0) if d == 0 else (math.copysign(math.inf, d), 0.0)
    t = stats.ttest_ind(a, b, equal_var=False)
    return float(t.statistic), float(t.pvalue)


def _pooled_z_p(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    from scipy import stats

    n1, n2 = len(a), len(b)
    x1, x2 = a.sum(), b.sum()
    pbar = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2))
    if se == 0:                                    # all 0 or all 1 in both columns
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return float(z), float(2 * stats.norm.sf(abs(z)))


def _design_p(y: np.ndarray, w: np.ndarray, ma: np.ndarray, mb: np.ndarray, n_design: int) -> tuple[float, float]:
    """Wald z of the difference of two weighted domain means, linearisation variance (weights-only design)."""
    from scipy import stats

    d = np.zeros(len(y))
    ests = []
    for m, sign in ((ma, 1.0), (mb, -1.0)):
        W = w[m].sum()
        est = w[m] @ y[m] / W
        ests.append(est)
        d[m] += sign * w[m] * (y[m] - est) / W
    var = n_design / (n_design - 1) * float(((d - d.mean()) ** 2).sum())
    diff = ests[0] - ests[1]
    if var <= 0:
        return (0.0, 1.0) if diff == 0 else (math.copysign(math.inf, diff), 0.0)
    z = diff / math.sqrt(var)
    return float(z), float(2 * stats.norm.sf(abs(z)))


def _levels(s: pd.Series, levels: Sequence[Any] | None) -> list[Any]:
    if levels is not None:
        return list(levels)
    present = s.dropna()
    if isinstance(s.dtype, pd.CategoricalDtype):
        used = set(present)
        return [c for c in s.cat.categories if c in used]
    vals = list(pd.unique(present))
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=str)


def banner_table(df: pd.DataFrame, banner: str, metrics: Sequence[str | BannerMetric | Mapping[str, Any]], *,
                 alpha: float = 0.05, upper_alpha: float = 0.01, correction: Correction = "holm",
                 min_base: int = 30, weights: Any = None, levels: Sequence[Any] | None = None) -> BannerTable:
    r"""Metrics by the levels of ``banner`` with column-letter significance (see the module docstring).

    Columns are the levels of ``banner`` (``levels`` order if given, else the categorical order, else
    sorted), lettered A, B, C… For each metric every pair of columns with base ≥ ``min_base`` is
    tested — proportions: pooled two-proportion z-test,
    ``z = (p₁ − p₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂))``; means: Welch's
    ``t = (ȳ₁ − ȳ₂) / √(s₁²/n₁ + s₂²/n₂)`` with Welch–Satterthwaite df — and the pair p-values of
    that metric are corrected together (``correction``). A cell lists the letters of the columns it
    is significantly above: upper-case at corrected p < ``upper_alpha``, lower-case at p < ``alpha``.

    Parameters
    ----------
    df : respondents.
    banner : the column whose levels become the table's columns.
    metrics : rows: a column name (its mean), a :class:`BannerMetric`, or a mapping with
        ``column``, ``kind`` (``mean`` | ``proportion``), ``threshold`` (proportion: share ≥ threshold;
        omit for a 0/1 column) and ``name`` (key in the result).
    alpha, upper_alpha : significance levels of the lower- and upper-case letters (``upper_alpha < alpha``).
    correction : ``"holm"``, ``"bonferroni"`` or ``"none"``, over the pairs of one metric.
    min_base : columns with fewer answers to a metric than this are shown but not tested (``letters`` None).
    weights : optional survey weights (column name or one per row): weighted values and design-based
        Wald tests (module docstring); ``n`` stays the unweighted base.
    levels : optional explicit column order (levels absent from the data get ``n = 0``).

    Returns
    -------
    BannerTable : ``cells`` / :meth:`~BannerTable.to_results` ``{metric: {level: {value, n, letters}}}``,
    ``columns`` ``{level: letter}``, ``low_base``, ``pairs``.

    References
    ----------
    IBM SPSS Statistics, *Custom Tables*: "Comparing column proportions / column means" (APA-style and
    letter subscripts, Bonferroni within rows); Q Research Software, "Column comparisons" (upper-/lower-case
    letters); Holm, S. (1979), *Scand. J. Statistics* 6, 65–70; Welch, B. L. (1947), *Biometrika* 34, 28–35.
    Checked against statsmodels ``proportions_ztest`` / scipy ``ttest_ind(equal_var=False)`` +
    ``multipletests`` on the ABC survey sample (tests/test_banners.py).

    Examples
    --------
    >>> d = pd.DataFrame({"seg": ["x"] * 40 + ["y"] * 40,
    ...                   "top": [1] * 30 + [0] * 10 + [1] * 10 + [0] * 30})
    >>> t = banner_table(d, "seg", [{"column": "top", "kind": "proportion"}])
    >>> t.columns, t.to_results()["top"]["x"], t.to_results()["top"]["y"]["letters"]
    ({'x': 'A', 'y': 'B'}, {'value': 0.75, 'n': 40, 'letters': 'B'}, '')
    """
    from statsmodels.stats.multitest import multipletests

    if banner not in df.columns:
        raise DataError(f"banner column '{banner}' not in the data")
    if not 0 < upper_alpha < alpha < 1:
        raise AnalysisError(f"need 0 < upper_alpha < alpha < 1, got upper_alpha={upper_alpha}, alpha={alpha}")
    if correction not in CORRECTIONS:
        raise AnalysisError(f"correction must be one of {', '.join(CORRECTIONS)}, got {correction!r}")
    if min_base < 2:
        raise AnalysisError(f"min_base must be at least 2, got {min_base}")
    specs = [_metric(m) for m in metrics]
    if not specs:
        raise AnalysisError("no banner metrics given")
    keys = [s.key for s in specs]
    if len(set(keys)) != len(keys):
        raise AnalysisError(f"banner metric names must be unique: {', '.join(sorted({k for k in keys if keys.count(k) > 1}))}")
    lv = _levels(df[banner], levels)
    if not lv:
        raise AnalysisError(f"banner column '{banner}' has no values")
    if len(lv) > len(ascii_uppercase):
        raise AnalysisError(f"banner column '{banner}' has {len(lv)} levels; at most 26 can be lettered A–Z",
                            hint="group the levels first")
    names = [_label(v) for v in lv]
    if len(set(names)) != len(names):
        raise AnalysisError(f"banner column '{banner}': levels {names} are not distinct as text")
    letters = dict(zip(names, ascii_uppercase))
    bcol = df[banner]
    col_masks = [bcol.eq(v).fillna(False).to_numpy(bool) if not pd.isna(v) else np.zeros(len(df), bool) for v in lv]

    if weights is not None:
        if isinstance(weights, str) and weights not in df.columns:
            raise DataError(f"weight column '{weights}' not in the data")
        w = pd.to_numeric(df[weights], errors="coerce").to_numpy(float) if isinstance(weights, str) \
            else np.asarray(weights, float).ravel()
        if len(w) != len(df):
            raise DataError(f"{len(w)} weights for {len(df)} rows")
        if np.any(w[np.isfinite(w)] < 0):
            raise DataError("weights must be ≥ 0")
        in_design = np.isfinite(w) & (w > 0)
        n_design = int(in_design.sum())
    else:
        w, in_design, n_design = None, np.ones(len(df), bool), len(df)

    cells: dict[str, dict[str, BannerCell]] = {}
    low: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    for spec in specs:
        y = _values(df, spec)
        ok = ~np.isnan(y) & in_design
        masks = [m & ok for m in col_masks]
        ns = [int(m.sum()) for m in masks]
        vals: list[float | None] = []
        for m, n in zip(masks, ns):
            if n == 0:
                vals.append(None)
            elif w is None:
                vals.append(float(y[m].mean()))
            else:
                vals.append(float(w[m] @ y[m] / w[m].sum()))
        tested = [i for i, n in enumerate(ns) if n >= min_base]
        low[spec.key] = [names[i] for i, n in enumerate(ns) if n < min_base]
        pair_idx = [(i, j) for a_, i in enumerate(tested) for j in tested[a_ + 1:]]
        stats_p = []
        for i, j in pair_idx:
            if w is not None:
                stats_p.append(_design_p(y, w, masks[i], masks[j], n_design))
            elif spec.kind == "proportion":
                stats_p.append(_pooled_z_p(y[masks[i]], y[masks[j]]))
            else:
                stats_p.append(_welch_p(y[masks[i]], y[masks[j]]))
        praw = np.array([p for _, p in stats_p], float)
        praw = np.where(np.isfinite(praw), praw, 1.0)
        if len(praw) == 0 or correction == "none":
            padj = praw
        else:
            padj = multipletests(praw, method=correction)[1]
        above: dict[int, list[str]] = {i: [] for i in tested}
        for (i, j), (stat, p), pa in zip(pair_idx, stats_p, padj):
            vi, vj = vals[i], vals[j]
            rows.append({"metric": spec.key, "a": names[i], "b": names[j], "letter_a": letters[names[i]],
                         "letter_b": letters[names[j]], "diff": float(vi - vj), "statistic": stat,
                         "p_value": float(p), "p_adj": float(pa)})
            if pa < alpha and vi != vj:
                hi, lo_ = (i, j) if vi > vj else (j, i)
                lt = letters[names[lo_]]
                above[hi].append(lt if pa < upper_alpha else lt.lower())
        row: dict[str, BannerCell] = {}
        for i, name in enumerate(names):
            lets = None if i not in above else "".join(sorted(above[i], key=str.upper))
            row[name] = BannerCell(value=vals[i], n=ns[i], letters=lets)
        cells[spec.key] = row
    pairs = pd.DataFrame(rows, columns=["metric", "a", "b", "letter_a", "letter_b", "diff", "statistic", "p_value",
                                        "p_adj"])
    params = {"alpha": alpha, "upper_alpha": upper_alpha, "correction": correction, "min_base": min_base,
              "weighted": w is not None,
              "tests": {s.key: ("design_wald_z" if w is not None else
                                "pooled_z" if s.kind == "proportion" else "welch_t") for s in specs}}
    return BannerTable(banner, letters, cells, low, pairs, params)
