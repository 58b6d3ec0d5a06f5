"""Scale reliability (notebook 02): item analysis, Cronbach's alpha family, omega, split-half, ICC.

Every figure is computed as R's reference implementation reports it and tested against it:
:func:`alpha` reproduces ``psych::alpha`` (raw and standardized alpha, Feldt CI, G6(smc),
average r, S/N, ase, alpha if an item is dropped, raw.r, std.r, r.cor, r.drop),
:func:`omega_total` reproduces ``psych::omega(x, nfactors = 1)$omega.tot``,
:func:`split_half` reproduces ``psych::splitHalf`` (max = lambda 4, min = beta, mean) and adds the
Spearman-Brown odd-even coefficient, :func:`retest_icc` wraps ``pingouin.intraclass_corr``
(checked against ``psych::ICC``). Validity (EFA, CFA, CR, AVE, HTMT) lives in :mod:`cxkit.validity`.

The module is imported by :mod:`cxkit.config` for :class:`ReliabilityParams`, so only the standard
library, pydantic and numpy are imported at top level.

Missing data
------------
``missing="pairwise"`` (psych's default) computes every covariance on the respondents who answered
both items and the scale score as the mean of the answered items; ``"listwise"`` first drops every
respondent with a missing answer on the scale. Respondents who answered none of a scale's items are
left out of that scale in both cases.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .errors import AnalysisError, DataError


# --------------------------------------------------------------------------- params
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Thresholds(_Strict):
    """Verdict thresholds (defaults: Nunnally 1978 for alpha/omega/CR; Fornell & Larcker 1981 for AVE;
    Henseler et al. 2015 for HTMT; Hu & Bentler 1999 for CFI, RMSEA, SRMR; Kaiser 1974 for KMO;
    Koo & Li 2016 for ICC; Terwee et al. 2007 for floor/ceiling; Nunnally for item-rest r)."""

    alpha: float = Field(0.70, gt=0, lt=1)
    omega: float = Field(0.70, gt=0, lt=1)
    cr: float = Field(0.70, gt=0, lt=1)
    ave: float = Field(0.50, gt=0, lt=1)
    htmt: float = Field(0.85, gt=0, le=1)
    cfi: float = Field(0.95, gt=0, lt=1)
    rmsea: float = Field(0.06, gt=0, lt=1)
    srmr: float = Field(0.08, gt=0, lt=1)
    kmo: float = Field(0.60, gt=0, lt=1)
    item_rest: float = Field(0.30, gt=0, lt=1)
    floor_ceiling: float = Field(0.15, gt=0, lt=1)
    icc: float = Field(0.75, gt=0, lt=1)


class ReliabilityParams(_Strict):
    """The ``reliability:`` section of ``engagement.yaml`` (every field has a default)."""

    missing: Literal["pairwise", "listwise"] = "pairwise"
    confidence: float = Field(0.95, gt=0.5, lt=1, description="level of the Feldt and RMSEA intervals")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    efa: bool = True
    n_factors: int | None = Field(None, ge=1, description="EFA factors; default: parallel analysis")
    rotation: Literal["oblimin", "promax", "varimax", "quartimin", "none"] = "oblimin"
    parallel_iter: int = Field(100, ge=10, le=5000)
    parallel_rule: Literal["quantile", "mean"] = Field(
        "quantile", description="parallel analysis keeps components above the 95th percentile of random "
                                "eigenvalues (psych::fa.parallel's default) or above their mean (Horn 1965)")
    cross_loading: float = Field(0.30, gt=0, lt=1, description="|loading| that counts as a loading")
    weak_loading: float = Field(
        0.50, gt=0, lt=1, description="standardized CFA loading below which an item is noted as reflecting its "
                                      "construct weakly (Hair, Black, Babin & Anderson 2010: at least 0.5, "
                                      "ideally 0.7)")
    cfa: bool = True
    icc_type: Literal["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"] = "ICC2"
    scales: list[str] | None = Field(None, description="scales to analyse (default: all in survey.scales)")
    min_n_scale: int = Field(
        30, ge=3, description="respondents a scale needs for its alpha, omega and split-half (Johanson & Brooks 2010: "
                              "30 for a pilot; the Feldt interval of alpha is very wide below)")
    min_n_efa: int = Field(
        100, ge=3, description="respondents the whole-instrument factor analyses (KMO, Bartlett, parallel analysis, "
                               "EFA, omega hierarchical) need at least (Gorsuch 1983: 100 and 5 per item)")
    min_n_efa_per_item: float = Field(
        5.0, ge=0, description="... and per item: the EFA needs max(min_n_efa, min_n_efa_per_item × items)")
    min_n_cfa: int = Field(
        100, ge=3, description="complete responses the CFA needs at least (Boomsma 1985: below 100 ML estimation "
                               "often fails to converge or gives improper solutions)")
    min_n_cfa_per_parameter: float = Field(
        5.0, ge=0, description="... and per free parameter (Bentler & Chou 1987: 5 under normal theory): the CFA "
                               "needs max(min_n_cfa, min_n_cfa_per_parameter × free parameters)")
    min_n_icc: int = Field(
        30, ge=3, description="respondents matched in both waves a test-retest ICC needs (Koo & Li 2016: at "
                              "least 30 for a reliability study)")


class SampleTooSmall(AnalysisError):
    """An analysis was skipped because its data have fewer respondents than its minimum n.

    ``what`` names the analysis (``scale``, ``efa``, ``cfa``, ``icc``), ``n`` the respondents it would
    rest on and ``minimum`` the number it needs; the playbook turns these into its own sentence.
    """

    def __init__(self, message: str, *, what: str, n: int, minimum: int, hint: str | None = None, **extra: Any):
        super().__init__(message, hint=hint)
        self.what, self.n, self.minimum, self.extra = what, int(n), int(minimum), extra

    def info(self) -> dict[str, Any]:
        """``{"n", "min", **extra}`` for the playbook's skip note."""
        return {"n": self.n, "min": self.minimum, **self.extra}


def min_n_efa(p: ReliabilityParams, n_items: int) -> int:
    """Respondents the whole-instrument factor analyses need: ``max(min_n_efa, ⌈min_n_efa_per_item × items⌉)``.

    Gorsuch (1983) asks for at least 100 respondents and 5 per variable; MacCallum, Widaman, Zhang &
    Hong (1999) show that no single ratio suffices, so both floors are parameters.

    >>> min_n_efa(ReliabilityParams(), 12), min_n_efa(ReliabilityParams(), 30)
    (100, 150)
    """
    return max(p.min_n_efa, math.ceil(p.min_n_efa_per_item * n_items))


def min_n_cfa(p: ReliabilityParams, n_free: int) -> int:
    """Complete responses the CFA needs: ``max(min_n_cfa, ⌈min_n_cfa_per_parameter × free parameters⌉)``.

    Boomsma (1985): with fewer than 100 cases ML estimation often fails or gives improper solutions;
    Bentler & Chou (1987): at least 5 cases per free parameter under normal theory. Free parameters
    are counted by :func:`cxkit.validity.cfa_size`.

    >>> min_n_cfa(ReliabilityParams(), 21), min_n_cfa(ReliabilityParams(), 55)
    (105, 275)
    """
    return max(p.min_n_cfa, math.ceil(p.min_n_cfa_per_parameter * n_free))


# --------------------------------------------------------------------------- preparation
def prepare_items(df: Any, items: Sequence[str], *, reverse: Sequence[str] = (),
                  scale_range: tuple[float, float] | None = None, scale: str = "",
                  file: str | None = None, missing: str = "pairwise", drop_empty: bool = True, min_n: int = 0):
    """Check a scale's items and return them numeric, reverse-keyed, as a float DataFrame.

    Reverse-keyed items are recoded ``lo + hi - x`` with ``(lo, hi) = scale_range`` (psych::alpha
    uses the observed minimum and maximum of the scale, identical when both ends were used).
    Respondents who answered none of the items are dropped (``drop_empty``: they are not observations
    of the scale; psych::alpha keeps them in its n, which only changes ase and the Feldt CI); with
    ``missing="listwise"`` every respondent with a missing answer is dropped.

    Raises
    ------
    DataError
        an item is not in the data (all missing items named), a cell is not a number (column and
        spreadsheet rows named), or an item has no answer at all.
    SampleTooSmall
        fewer than ``min_n`` respondents remain (checked before the variance of the items, which a
        handful of respondents often lack).
    AnalysisError
        an item has zero variance, or fewer respondents than items remain.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 5], "b": [5, 4, 1]})
    >>> prepare_items(d, ["a", "b"], reverse=["b"], scale_range=(1, 5))["b"].tolist()
    [1.0, 2.0, 5.0]
    """
    import pandas as pd

    label = f"scale '{scale}'" if scale else "scale"
    items = list(items)
    absent = [c for c in items if c not in df.columns]
    if absent:
        raise DataError(f"{label}: item(s) {', '.join(absent)} not found in the data", file=file,
                        hint="check survey.scales in engagement.yaml against the column names of the file")
    if len(items) < 2:
        raise AnalysisError(f"{label}: a scale needs at least 2 items, got {items}")
    out = {}
    for c in items:
        s = df[c]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            out[c] = s.astype(float)
            continue
        num = pd.to_numeric(s, errors="coerce")
        bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
        if bad.any():
            pos = np.flatnonzero(bad.to_numpy())
            ex = ", ".join(repr(v) for v in s[bad].astype(str).unique()[:3])
            raise DataError(f"{label}: non-numeric answers ({ex})", file=file, column=c,
                            rows=[int(p) + 2 for p in pos], hint="fix or blank these cells")
        out[c] = num.astype(float)
    out = pd.DataFrame(out, index=df.index)
    empty = [c for c in items if out[c].notna().sum() == 0]
    if empty:
        raise DataError(f"{label}: item(s) {', '.join(empty)} have no answer at all", file=file,
                        hint="remove the item from survey.scales or check the export")
    if reverse:
        if scale_range is None:
            raise ValueError("scale_range is needed to reverse-key items")
        lo, hi = scale_range
        for c in reverse:
            out[c] = lo + hi - out[c]
    if drop_empty:
        out = out[out.notna().any(axis=1)]
    if missing == "listwise":
        out = out.dropna()
    if len(out) < min_n:
        raise SampleTooSmall(f"{label}: only {len(out)} respondent(s) answered it ({missing} missing-data handling), "
                             f"fewer than the {min_n} reliability.min_n_scale asks for; the scale is skipped",
                             what="scale", n=len(out), minimum=min_n,
                             hint="collect more responses, pool regions, or lower reliability.min_n_scale")
    sd = out.std(ddof=1)
    flat = [c for c in items if not (sd[c] > 0)]
    if flat:
        vals = ", ".join(f"{c} = {out[c].dropna().iloc[0]:g}" if out[c].notna().any() else c for c in flat)
        raise AnalysisError(f"{label}: item(s) with zero variance (every respondent gave the same answer: {vals}); "
                            "reliability is undefined", hint="drop the item from the scale or check the data")
    if len(out) <= len(items):
        raise AnalysisError(f"{label}: only {len(out)} respondent(s) for {len(items)} items "
                            f"({missing} missing-data handling); reliability needs more respondents than items",
                            hint="collect more responses or pool regions")
    return out


def pairwise_cov(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete covariance matrix (R ``cov(x, use = "pairwise")``) and pair counts.

    For items *i*, *j* the covariance uses the respondents who answered both, with their own
    means and divisor ``n_ij - 1``; computed with three matrix products, O(n p²).

    >>> c, n = pairwise_cov(np.array([[1., 2.], [2., np.nan], [3., 5.], [4., 4.]]))
    >>> round(float(c[0, 1]), 4), int(n[0, 1])
    (1.8333, 3)
    """
    x = np.asarray(x, dtype=float)
    m = ~np.isnan(x)
    if m.all():
        xc = x - x.mean(axis=0)
        n = np.full((x.shape[1], x.shape[1]), float(x.shape[0]))
        return xc.T @ xc / (x.shape[0] - 1), n
    xc = x - np.nanmean(x, axis=0)          # centring only for numerical accuracy
    mf = m.astype(float)
    x0 = np.where(m, xc, 0.0)
    n = mf.T @ mf
    sxy = x0.T @ x0
    sx = x0.T @ mf                          # sx[i, j]: sum of x_i over rows where j is present
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (sxy - sx * sx.T / n) / (n - 1)
    return c, n


def pairwise_cor(x: np.ndarray) -> np.ndarray:
    """Pairwise-complete correlation matrix, as R ``cor(x, use = "pairwise")``.

    Unlike ``cov2cor`` of :func:`pairwise_cov` (which psych::alpha uses), each correlation uses the
    means *and standard deviations* of the respondents who answered both items.

    >>> r = pairwise_cor(np.array([[1., 2.], [2., np.nan], [3., 5.], [4., 4.]]))
    >>> round(float(r[0, 1]), 4)
    0.7857
    """
    x = np.asarray(x, dtype=float)
    m = ~np.isnan(x)
    if m.all():
        return np.corrcoef(x, rowvar=False)
    xc = x - np.nanmean(x, axis=0)
    mf = m.astype(float)
    x0 = np.where(m, xc, 0.0)
    n = mf.T @ mf
    sxy = x0.T @ x0
    sx = x0.T @ mf
    sxx = (x0 ** 2).T @ mf
    with np.errstate(invalid="ignore", divide="ignore"):
        num = sxy - sx * sx.T / n
        den = np.sqrt((sxx - sx ** 2 / n) * (sxx - sx ** 2 / n).T)
        r = num / den
    np.fill_diagonal(r, 1.0)
    return r


def _block(m: np.ndarray | None, idx: Sequence[int]) -> np.ndarray | None:
    """The rows and columns ``idx`` of a square matrix (None stays None)."""
    return None if m is None else m[np.ix_(idx, idx)]


def _cov2cor(c: np.ndarray) -> np.ndarray:
    d = 1 / np.sqrt(np.diag(c))
    return c * d[:, None] * d[None, :]


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R⁻¹)`` (psych::smc; pseudo-inverse as psych's Pinv)."""
    return 1 - 1 / np.diag(np.linalg.pinv(r))


# --------------------------------------------------------------------------- alpha
@dataclass
class AlphaResult:
    """psych::alpha's output: ``total`` (one row of figures), ``drop`` and ``items`` (one row per item)."""

    total: dict[str, float]
    drop: Any          # DataFrame indexed by item
    items: Any         # DataFrame indexed by item
    n_obs: int
    response_freq: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _scale_moments(xv: np.ndarray) -> dict[str, Any]:
    """Everything alpha needs from the raw data, in one pass: a single matrix product of
    ``A = [x, m, s, s²]`` (zero-filled answers, answered-masks, scale score and its square) with
    itself gives pairwise counts, sums and cross-products; from them the pairwise covariances
    (R ``cov(use = "pairwise")``), item means, and raw.r = ``cor(score, item, use = "pairwise")``
    with the score = mean of the answered items. Values are shifted by one common constant first
    (for numerical accuracy; the score shifts by the same constant).
    """
    n_rows, k = xv.shape
    sample = xv[: min(n_rows, 1000)]
    c0 = float(np.nanmean(sample)) if np.isfinite(sample).any() else float(np.nanmean(xv))
    a = np.empty((n_rows, 2 * k + 2), order="F")
    miss = np.isnan(xv)
    x0 = a[:, :k]
    np.subtract(xv, c0, out=x0)
    np.copyto(x0, 0.0, where=miss)
    np.logical_not(miss, out=a[:, k:2 * k], casting="unsafe")
    cnt = a[:, k:2 * k].sum(axis=1)
    has = cnt > 0
    s = a[:, 2 * k]
    np.divide(x0.sum(axis=1), cnt, out=s, where=has)
    s[~has] = 0.0
    np.multiply(s, s, out=a[:, 2 * k + 1])
    g = a.T @ a
    sxy, sx, n = g[:k, :k], g[:k, k:2 * k], g[k:2 * k, k:2 * k]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (sxy - sx * sx.T / n) / (n - 1)
        ni = np.diag(n)
        sxi = np.diag(sx)
        ss, ss2, sxs = g[2 * k, k:2 * k], g[2 * k + 1, k:2 * k], g[2 * k, :k]
        var_s = ss2 - ss ** 2 / ni
        raw_r = (sxs - ss * sxi / ni) / np.sqrt(var_s * (np.diag(sxy) - sxi ** 2 / ni))
        n_s = has.sum()
        s_sum, s_sq = s[has].sum(), (s[has] ** 2).sum()
    return {"cov": cov, "n": n, "mean": c0 + sxi / ni, "raw_r": raw_r,
            "score_mean": c0 + s_sum / n_s, "score_sd": float(np.sqrt((s_sq - s_sum ** 2 / n_s) / (n_s - 1)))}


def _sqrt(v: float) -> float:
    """Square root of a data-derived value; NaN (R's ``sqrt`` of a negative number, with psych's
    warning) instead of ``math.sqrt``'s ValueError when it is negative or NaN.

    >>> _sqrt(4.0), _sqrt(-1e-3)
    (2.0, nan)
    """
    v = float(v)
    return math.sqrt(v) if v >= 0 else float("nan")


def _ratio(num: Any, den: float) -> Any:
    """``num / den``, NaN where ``den`` is not positive (a variance or a root of one that is 0 or negative)."""
    den = float(den)
    if den > 0:
        return num / den
    return np.full(np.shape(num), np.nan) if np.ndim(num) else float("nan")


def _alpha1(c: np.ndarray, r: np.ndarray) -> dict[str, float]:
    """psych::alpha's scale-level figures of covariance ``c`` / correlation ``r``; a figure whose
    denominator (total-score variance ``ΣC``, standardized total variance ``ΣR``, ``1 − r̄``) is not
    positive is NaN."""
    n = c.shape[0]
    sc, tr = float(c.sum()), float(np.trace(c))
    sum_r = float(r.sum())
    off = r[np.tril_indices(n, -1)]
    av_r = (sum_r - n) / (n * (n - 1))
    cc = c @ c
    q = ((2 * n ** 2 / ((n - 1) ** 2 * sc ** 3)) * (sc * (np.trace(cc) + tr ** 2) - 2 * tr * cc.sum())
         if sc > 0 else float("nan"))
    return {"raw_alpha": (1 - _ratio(tr, sc)) * n / (n - 1), "std_alpha": (1 - _ratio(n, sum_r)) * n / (n - 1),
            "g6_smc": 1 - _ratio(n - smc(r).sum(), sum_r), "average_r": av_r, "s_n": _ratio(n * av_r, 1 - av_r),
            "q": q, "var_r": float(np.var(off, ddof=1)) if off.size > 1 else float("nan"),
            "median_r": float(np.median(off))}


def feldt_ci(alpha_value: float, n_obs: int, n_items: int, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) confidence interval of Cronbach's alpha, as ``psych::alpha.ci`` and pingouin.

    .. math:: 1 - (1 - \\alpha)\\,F_{1-p/2}(n-1, (n-1)(k-1)) \\;\\le\\; \\alpha \\;\\le\\;
              1 - (1 - \\alpha)\\,F_{p/2}(n-1, (n-1)(k-1))

    >>> [round(float(v), 4) for v in feldt_ci(0.8, 100, 5)]
    [0.7306, 0.8559]
    """
    from scipy.stats import f

    p = 1 - confidence
    df1, df2 = n_obs - 1, (n_obs - 1) * (n_items - 1)
    return (1 - (1 - alpha_value) * f.ppf(1 - p / 2, df1, df2), 1 - (1 - alpha_value) * f.ppf(p / 2, df1, df2))


def alpha(x: Any, *, missing: str = "pairwise", confidence: float = 0.95, cov: np.ndarray | None = None) -> AlphaResult:
    """Cronbach's alpha and item statistics exactly as ``psych::alpha`` reports them.

    ``x`` holds one scale's items, already reverse-keyed (see :func:`prepare_items`). With
    ``C`` the item covariance matrix, ``R`` the correlation matrix, ``k`` items:

    - raw alpha ``k/(k-1) (1 - tr C / ΣC)``; standardized alpha ``k/(k-1) (1 - k / ΣR)``;
    - G6(smc) (Guttman's lambda 6) ``1 - Σ(1 - smc_i) / ΣR``; average r ``(ΣR - k)/(k(k-1))``;
      S/N ``k r̄/(1 - r̄)``; ase ``sqrt(Q/n)`` (Duhachek & Iacobucci 2004, psych's Q);
    - Feldt CI (:func:`feldt_ci`) with n the number of respondents;
    - alpha if dropped: every figure recomputed without the item;
    - raw.r: correlation of the item with the scale score (mean of answered items);
      std.r ``ΣR_i / sqrt(ΣR)``; r.cor: std.r with smc on the diagonal of R (corrected for item
      overlap and reliability); r.drop: correlation with the sum of the other items (item-rest).

    A figure whose square root or denominator is not positive on these data (std.r when ``ΣR ≤ 0``,
    r.cor when items correlate negatively so that the smc-corrected sum is negative, ase when psych's
    ``Q < 0``, r.drop when the rest score has no variance) is NaN, as R's ``sqrt`` gives it, and
    named in ``extra["undefined"]``.

    Pairwise (psych's ``use = "pairwise"``) or listwise (rows dropped before) missing-data handling.
    ``cov``: the pairwise covariance matrix of ``x`` when already computed (a block of the whole
    instrument's matrix: a pairwise covariance depends only on its two items).

    Raises
    ------
    AnalysisError
        fewer than 2 items, two items answered together by fewer than 3 respondents, an item with
        zero variance, or items that cancel each other out (total-score variance ``ΣC ≤ 0``: alpha
        is undefined).

    References
    ----------
    Cronbach (1951), Guttman (1945), Feldt (1965); Revelle, ``psych::alpha`` (psych 2.2.9).
    Checked against psych on bfi agreeableness (A1 reversed), the other bfi scales and the demo scales
    (tests/test_reliability_parity.py).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3], "c": [1, 3, 3, 4, 5, 2]})
    >>> round(float(alpha(d).total["raw_alpha"]), 4)
    0.9318
    """
    import pandas as pd

    if missing not in ("pairwise", "listwise"):
        raise ValueError("missing must be 'pairwise' or 'listwise'")
    if missing == "listwise":
        x = x.dropna()
    names = list(x.columns)
    xv = x.to_numpy(dtype=float)
    n_obs, k = xv.shape
    if k < 2:
        raise AnalysisError(f"alpha needs at least 2 items, got {names}")
    mom = _scale_moments(xv)
    c, npair = (mom["cov"], mom["n"]) if cov is None else (np.asarray(cov, dtype=float), mom["n"])
    if np.isnan(c).any() or (npair < 3).any():
        i, j = np.argwhere(np.isnan(c) | (npair < 3))[0]
        raise AnalysisError(f"items {names[i]} and {names[j]} were answered together by {int(npair[i, j])} "
                            "respondent(s): their covariance cannot be estimated",
                            hint="use missing: listwise or check the questionnaire routing")
    if (np.diag(c) <= 0).any():
        bad = [names[i] for i in np.flatnonzero(np.diag(c) <= 0)]
        raise AnalysisError(f"item(s) {', '.join(bad)} have zero variance; alpha is undefined")
    r = _cov2cor(c)
    if not (c.sum() > 0 and r.sum() > 0):
        raise AnalysisError(f"items {', '.join(map(str, names))} cancel each other out: the total score has no "
                            f"variance (sum of the item covariances {c.sum():.3g}, of the correlations {r.sum():.3g}); "
                            "alpha is undefined", hint="check the reverse keying of the items (survey.scales reverse)")
    with np.errstate(divide="ignore", invalid="ignore"):
        tot = _alpha1(c, r)
        drops = []
        for i in range(k):
            keep = [j for j in range(k) if j != i]
            if k > 2:
                d = _alpha1(c[np.ix_(keep, keep)], r[np.ix_(keep, keep)])
            else:  # psych's two-item convention
                o = keep[0]
                d = {"raw_alpha": c[0, 1] / c[o, o], "std_alpha": r[0, 1], "g6_smc": smc(r)[0], "average_r": r[0, 1],
                     "s_n": _ratio(r[0, 1], 1 - r[0, 1]), "q": float("nan"), "var_r": float("nan"), "median_r": r[0, 1]}
            d["alpha_se"] = _sqrt(d.pop("q") / n_obs) if n_obs > k else float("nan")
            drops.append(d)
        drop = pd.DataFrame(drops, index=names)[["raw_alpha", "std_alpha", "g6_smc", "average_r", "s_n", "alpha_se",
                                                 "var_r", "median_r"]]
        raw_r, mu, ni = mom["raw_r"], mom["mean"], np.diag(npair)
        sum_r = r.sum()
        std_r = _ratio(r.sum(axis=0), _sqrt(sum_r))
        rc = r.copy()
        np.fill_diagonal(rc, smc(r))
        r_cor = _ratio(rc.sum(axis=0), _sqrt(rc.sum()))
        r_drop = np.array([_ratio(c[:, i].sum() - c[i, i], _sqrt(c[i, i] * (np.delete(np.delete(c, i, 0), i, 1).sum())))
                           for i in range(k)])
        items = pd.DataFrame({"n": ni.astype(int), "raw_r": raw_r, "std_r": std_r, "r_cor": r_cor,
                              "r_drop": r_drop, "mean": mu, "sd": np.sqrt(np.diag(mom["cov"]))}, index=names)
        lo, hi = feldt_ci(tot["raw_alpha"], n_obs, k, confidence)
        total = {"raw_alpha": tot["raw_alpha"], "std_alpha": tot["std_alpha"], "g6_smc": tot["g6_smc"],
                 "average_r": tot["average_r"], "s_n": tot["s_n"], "ase": _sqrt(tot["q"] / n_obs),
                 "mean": mom["score_mean"], "sd": mom["score_sd"], "median_r": tot["median_r"],
                 "ci_low": lo, "ci_high": hi, "n_obs": int(n_obs), "n_items": int(k)}
    undefined = [f for f, v in (("ase", total["ase"]), ("std_r", std_r), ("r_cor", r_cor), ("r_drop", r_drop),
                                ("raw_r", raw_r)) if not np.isfinite(v).all()]
    return AlphaResult(total=total, drop=drop, items=items, n_obs=int(n_obs),
                       extra={"cov": c, "undefined": undefined})


# --------------------------------------------------------------------------- omega, split-half
def _cor(x: Any, missing: str = "pairwise") -> np.ndarray:
    """Item correlations: R's ``cor(x, use = "pairwise")``, or on complete rows under listwise."""
    xv = (x.dropna() if missing == "listwise" else x).to_numpy(dtype=float)
    return pairwise_cor(xv)


def _cor_psych(x: Any, missing: str = "pairwise") -> np.ndarray:
    """``cov2cor(cov(x, use = "pairwise"))``: the correlations psych::alpha and splitHalf use."""
    xv = (x.dropna() if missing == "listwise" else x).to_numpy(dtype=float)
    c, _ = pairwise_cov(xv)
    return _cov2cor(c)


def miskeyed_items(r: np.ndarray, items: Sequence[str]) -> list[str]:
    """Items that load negatively on the scale's first principal component: probably keyed the wrong way.

    psych::alpha's check (the items ``check.keys = TRUE`` would reverse): the first eigenvector of
    the item correlation matrix, scaled as loadings and signed so that they sum to ≥ 0
    (``psych::principal``); an item with a negative loading runs against the rest of the scale.
    Unlike "negative item-rest r", it does not flag the items a wrongly keyed item drags down with it
    (bfi with no keys declared: item-rest r names 13 items, this rule names psych's 7).
    Checked against psych 2.2.9 on the five bfi scales (``tests/test_reliability_parity.py``).

    >>> miskeyed_items(np.array([[1, .5, -.4], [.5, 1, -.3], [-.4, -.3, 1]]), ["a", "b", "c"])
    ['c']
    """
    r = np.asarray(r, dtype=float)
    if r.shape[0] < 2 or not np.isfinite(r).all():
        return []
    val, vec = np.linalg.eigh(r)
    load = vec[:, -1] * math.sqrt(max(val[-1], 0.0))
    if load.sum() < 0:
        load = -load
    return [it for it, v in zip(items, load) if v < 0]


def minres_one_factor(r: np.ndarray) -> np.ndarray:
    """Loadings of a one-factor minimum-residual solution of correlation matrix ``r``
    (factor_analyzer's ``method="minres"``; psych::fa's default ``fm = "minres"``)."""
    from .validity import fit_minres

    lam = fit_minres(r, 1).loadings_[:, 0]
    return lam if lam.sum() >= 0 else -lam


def omega_total(x: Any, *, missing: str = "pairwise", cor: np.ndarray | None = None) -> float:
    """McDonald's omega total of one scale, as ``psych::omega(x, nfactors = 1)$omega.tot``.

    A one-factor minres solution of the item correlation matrix R gives uniquenesses
    ``u²_i = 1 - λ_i²``; then

    .. math:: \\omega_t = 1 - \\frac{\\sum_i u^2_i}{\\sum_{ij} R_{ij}}

    (McDonald 1999; Revelle & Zinbarg 2009). With one factor omega hierarchical is not defined
    (psych says so too); see :func:`cxkit.validity.composite_reliability` for the CFA-based omega.

    Raises
    ------
    AnalysisError
        fewer than 3 items (a one-factor model of 2 items is not identified), or the one-factor
        solution cannot be computed (singular correlation matrix, e.g. a very small sample or an item
        that copies another).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3, 2], "b": [2, 2, 3, 5, 4, 3, 1], "c": [1, 3, 3, 4, 5, 2, 2]})
    >>> 0.85 < omega_total(d) < 0.95
    True
    """
    from .validity import numeric_guard

    r = _cor(x, missing) if cor is None else np.asarray(cor, dtype=float)
    if r.shape[0] < 3:
        raise AnalysisError("omega total needs at least 3 items (a one-factor model of 2 items is not identified)")
    if not (np.isfinite(r).all() and r.sum() > 0):
        raise AnalysisError("omega total: the item correlation matrix is incomplete or its items cancel out")
    with numeric_guard("omega total (one-factor minres solution)"):
        lam = minres_one_factor(r)
    return float(1 - (1 - lam ** 2).sum() / r.sum())


def split_half(x: Any, *, missing: str = "pairwise", cor: np.ndarray | None = None) -> dict[str, float]:
    """Split-half reliabilities from the item correlation matrix (``psych::splitHalf``).

    For every split of the items into halves A and B (sizes ⌊k/2⌋ and ⌈k/2⌉) psych's split-half
    coefficient is ``4 Σ R_AB / Σ R`` (Guttman/Flanagan-Rulon); ``max`` is Guttman's lambda 4,
    ``min`` Revelle's beta, ``mean`` the average over all distinct splits. ``sb_odd_even`` is the
    Spearman-Brown prophecy ``2 r/(1 + r)`` applied to the correlation between the odd- and
    even-numbered items' totals (Spearman 1910; Brown 1910).

    psych enumerates every split only for an even number of items (for odd k it visits half of
    them); this function always uses every split, so its max/min/mean equal psych's for even k.
    A coefficient whose denominator is not positive (``ΣR ≤ 0``, a half score without variance, or
    ``r = −1``) is NaN.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3], "c": [1, 3, 3, 4, 5, 2],
    ...                   "d": [1, 2, 4, 4, 5, 3]})
    >>> s = split_half(d); s["min"] <= s["mean"] <= s["max"]
    True
    """
    from itertools import combinations

    r = _cor_psych(x, missing) if cor is None else np.asarray(cor, dtype=float)
    k = r.shape[0]
    total = float(r.sum())
    vals = []
    m = k // 2
    for a in combinations(range(k), m):
        if k % 2 == 0 and 0 not in a:
            continue  # the same split seen from the other half
        v = np.zeros(k)
        v[list(a)] = 1
        vals.append(_ratio(4 * (v @ r @ (1 - v)), total))
    odd = np.arange(k) % 2 == 0
    va, vb = r[np.ix_(odd, odd)].sum(), r[np.ix_(~odd, ~odd)].sum()
    rab = _ratio(r[np.ix_(odd, ~odd)].sum(), _sqrt(va * vb))
    sb = _ratio(2 * rab, 1 + rab)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # all-NaN splits
        return {"max": float(np.nanmax(vals)) if np.isfinite(vals).any() else float("nan"),
                "min": float(np.nanmin(vals)) if np.isfinite(vals).any() else float("nan"),
                "mean": float(np.mean(vals)), "sb_odd_even": float(sb), "n_splits": len(vals)}


# --------------------------------------------------------------------------- item analysis
def item_analysis(x: Any, scale_range: tuple[float, float], *, n_total: int | None = None):
    """Per item: n, missing share, mean, sd, skew, floor and ceiling shares.

    ``skew`` is psych::describe's default (type 3): ``b1 = m3 / s³`` with the n-1 standard deviation.
    Floor/ceiling: share of answers at the lowest/highest scale point (Terwee et al. 2007 flag > 15%).
    ``n_total`` is the number of respondents for the missing share (default: rows of ``x``).

    >>> import pandas as pd
    >>> item_analysis(pd.DataFrame({"a": [1., 1, 2, 5, None]}), (1, 5))[["n", "floor", "ceiling"]].round(2)
       n  floor  ceiling
    a  4    0.5     0.25
    """
    import pandas as pd

    lo, hi = scale_range
    n_all = n_total or len(x)
    v = x.to_numpy(dtype=float)
    m = ~np.isnan(v)
    n = m.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(m, v, 0.0).sum(axis=0) / n
        d = np.where(m, v - mean, 0.0)
        sd = np.sqrt((d ** 2).sum(axis=0) / (n - 1))
        skew = np.where(sd > 0, (d ** 3).sum(axis=0) / n / sd ** 3, np.nan)
        floor = (v == lo).sum(axis=0) / n
        ceiling = (v == hi).sum(axis=0) / n
    return pd.DataFrame({"n": n, "missing": 1 - n / n_all, "mean": mean, "sd": sd, "skew": skew, "floor": floor,
                         "ceiling": ceiling}, index=list(x.columns))


def response_distribution(x: Any, scale_range: tuple[float, float]):
    """Share of each answer (integer scale points ``lo..hi``) per item; rows items, columns points."""
    import pandas as pd

    lo, hi = scale_range
    pts = list(range(int(lo), int(hi) + 1))
    out = {c: x[c].dropna().round().value_counts(normalize=True).reindex(pts, fill_value=0.0) for c in x.columns}
    return pd.DataFrame(out).T.rename(columns=lambda p: int(p))


def plot_distribution(dist: Any, *, title: str = "", xlabel: str = "", legend_title: str = ""):
    """Stacked horizontal bars of answer shares per item (rows of :func:`response_distribution`)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.32 * len(dist) + 1.4))
    left = np.zeros(len(dist))
    colors = plt.get_cmap("RdYlGn")(np.linspace(0.1, 0.9, dist.shape[1]))
    labels = list(dist.index)[::-1]
    for j, col in enumerate(dist.columns):
        v = dist[col].to_numpy()[::-1]
        ax.barh(labels, v, left=left, color=colors[j], label=str(col))
        left = left + v
    ax.set_xlim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(title=legend_title, ncol=dist.shape[1], loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.5 / max(len(dist), 1)),
              frameon=False)
    fig.tight_layout()
    return fig


def scale_scores(df: Any, scales: dict[str, dict[str, Any]], scale_range: tuple[float, float]):
    """Scale scores: mean of the answered items after reverse-keying (NaN when no item answered)."""
    import pandas as pd

    lo, hi = scale_range
    out = pd.DataFrame(index=df.index)
    for name, spec in scales.items():
        x = df[list(spec["items"])].apply(pd.to_numeric, errors="coerce").astype(float)
        for c in spec.get("reverse", []):
            x[c] = lo + hi - x[c]
        out[name] = x.mean(axis=1)
    return out


# --------------------------------------------------------------------------- analysis of one scale
def analyse_scale(df: Any, name: str, spec: dict[str, Any], scale_range: tuple[float, float], *,
                  missing: str = "pairwise", confidence: float = 0.95, file: str | None = None,
                  x: Any = None, cov: np.ndarray | None = None, cor: np.ndarray | None = None) -> dict[str, Any]:
    """Everything notebook 02 shows for one scale: items, alpha family, omega, split-half, flags.

    Returns a dict with ``x`` (prepared items), ``items`` (item analysis joined with psych's item
    statistics and alpha if dropped), ``alpha`` (:class:`AlphaResult`), ``omega_total``,
    ``split_half``, ``miskeyed`` (items loading negatively on the first principal component,
    psych::alpha's keying check: :func:`miskeyed_items`) and ``notes``: the figures left undefined
    (NaN), as ``[{"reason", "figures"}]`` with reason ``two_items`` (omega needs 3 items),
    ``singular`` (the one-factor solution of omega cannot be computed) or ``negative`` (a square root
    or denominator is not positive on these data, e.g. negatively correlated items: see :func:`alpha`).
    ``x`` (prepared items), ``cov`` (pairwise covariances) and ``cor`` (pairwise correlations) may be
    passed when already computed for the whole instrument (pairwise figures depend only on their
    two items, so a scale's matrices are blocks of the instrument's).
    """
    items, reverse = list(spec["items"]), list(spec.get("reverse", []))
    if x is None:
        x = prepare_items(df, items, reverse=reverse, scale_range=scale_range, scale=name, file=file, missing=missing)
    a = alpha(x, missing=missing, confidence=confidence, cov=cov)
    ia = item_analysis(x, scale_range, n_total=len(df))
    tab = ia.join(a.items[["raw_r", "std_r", "r_cor", "r_drop"]]).join(a.drop[["raw_alpha"]].rename(
        columns={"raw_alpha": "alpha_if_dropped"}))
    tab.insert(0, "reverse", [c in reverse for c in tab.index])
    notes = []
    if len(items) < 3:
        om = float("nan")
        notes.append({"reason": "two_items", "figures": ["omega"]})
    else:
        try:
            om = omega_total(x, missing=missing, cor=cor)
        except AnalysisError:
            om = float("nan")
            notes.append({"reason": "singular", "figures": ["omega"]})
    sh = split_half(x, missing=missing, cor=_cov2cor(a.extra["cov"]))
    undefined = list(a.extra.get("undefined", []))
    if not math.isfinite(sh["sb_odd_even"]):
        undefined.append("split_half")
    if len(items) >= 3 and not math.isfinite(om) and not notes:
        undefined.append("omega")
    if undefined:
        notes.append({"reason": "negative", "figures": undefined})
    rk = cor if cor is not None else _cov2cor(a.extra["cov"])
    return {"name": name, "x": x, "items": tab, "alpha": a, "omega_total": om, "split_half": sh,
            "miskeyed": miskeyed_items(rk, list(x.columns)), "notes": notes}


def recommend(res: dict[str, Any], thresholds: Thresholds | dict | None = None) -> dict[str, Any]:
    """A plain recommendation for one scale: which item to revise or drop, and what alpha would become.

    Rules (in order): an item with a negative item-rest r is probably mis-keyed → check its
    reverse-keying; otherwise the item with the lowest item-rest r is flagged when that r is below
    ``thresholds.item_rest`` *or* dropping it raises alpha; ``action`` is ``"drop"`` when dropping it
    raises alpha, else ``"revise"``; with no flagged item the action is ``"keep"``.
    """
    th = thresholds if isinstance(thresholds, Thresholds) else Thresholds(**(thresholds or {}))
    tab = res["items"]
    a = res["alpha"].total["raw_alpha"]
    out = {"scale": res["name"], "alpha": a, "item": None, "action": "keep", "alpha_if_dropped": None,
           "item_rest": None}
    if res["miskeyed"]:
        it = min(res["miskeyed"], key=lambda c: tab.loc[c, "r_drop"])
        out.update(item=it, action="check_keying", alpha_if_dropped=float(tab.loc[it, "alpha_if_dropped"]),
                   item_rest=float(tab.loc[it, "r_drop"]))
        return out
    rdrop = tab["r_drop"].dropna()
    if rdrop.empty:                 # item-rest r undefined for every item: nothing to single out
        return out
    it = rdrop.idxmin()
    rd, ad = float(tab.loc[it, "r_drop"]), float(tab.loc[it, "alpha_if_dropped"])
    if rd < th.item_rest or (ad > a and len(tab) > 2):
        out.update(item=it, action="drop" if (ad > a and len(tab) > 2) else "revise", alpha_if_dropped=ad,
                   item_rest=rd)
    return out


def verdict(value: float | None, threshold: float, *, higher_is_better: bool = True) -> str:
    """'pass', 'fail' or 'n/a' (value missing) for one figure against its threshold.

    >>> verdict(0.72, 0.70), verdict(0.09, 0.06, higher_is_better=False), verdict(None, 0.7)
    ('pass', 'fail', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    ok = value >= threshold if higher_is_better else value <= threshold
    return "pass" if ok else "fail"


# --------------------------------------------------------------------------- test-retest
#: Shrout & Fleiss names (psych::ICC) -> McGraw & Wong names (pingouin ≥ 0.6)
_PG_ICC = {"ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)", "ICC1k": "ICC(1,k)", "ICC2k": "ICC(A,k)",
           "ICC3k": "ICC(C,k)"}

def retest_icc(first: Any, second: Any, *, id_column: str, scales: dict[str, dict[str, Any]],
               scale_range: tuple[float, float], icc_type: str = "ICC2", confidence: float = 0.95,
               min_n: int = 3):
    """Test-retest intraclass correlation per scale (scale scores of the same respondents in two waves).

    Respondents are matched on ``id_column``; ``pingouin.intraclass_corr`` (Shrout & Fleiss 1979;
    McGraw & Wong 1996) computes the ICC; ``ICC2`` (two-way random, absolute agreement, single
    measure) is the test-retest convention (Koo & Li 2016). pingouin reports 95% intervals only.
    Checked against ``psych::ICC``.

    Returns one row per scale: ``scale``, ``n`` (respondents with a score in both waves), ``icc``,
    ``ci_low``, ``ci_high`` and ``skipped``: ``None`` when computed, else why the ICC is NaN:
    ``too_few`` (fewer than ``min_n`` respondents, at least 3), ``no_variance`` (every score equal)
    or ``failed`` (pingouin could not compute it; the message is in ``error``).

    Raises
    ------
    DataError
        an id column or an item is missing from a wave, or no respondent appears in both waves
        (the ids do not match).
    """
    import pandas as pd
    import pingouin as pg

    if confidence != 0.95:
        raise ValueError("pingouin's ICC intervals are 95% intervals")
    for which, d in (("first wave", first), ("retest", second)):
        if id_column not in d.columns:
            raise DataError(f"the {which} file has no id column '{id_column}'", column=id_column)
        absent = [c for spec in scales.values() for c in spec["items"] if c not in d.columns]
        if absent:
            raise DataError(f"the {which} file lacks item(s) {', '.join(dict.fromkeys(absent))}",
                            hint="the retest file needs the same scale items as the first wave")
    s1 = scale_scores(first, scales, scale_range).assign(_id=first[id_column].to_numpy())
    s2 = scale_scores(second, scales, scale_range).assign(_id=second[id_column].to_numpy())
    both = s1.merge(s2, on="_id", suffixes=("_1", "_2"))
    if len(both) == 0:
        raise DataError(f"only 0 respondent(s) appear in both waves (matched on '{id_column}')",
                        column=id_column, hint="check that the retest file uses the same respondent ids")
    need = max(int(min_n), 3)
    rows = []
    for name in scales:
        pair = both[["_id", f"{name}_1", f"{name}_2"]].dropna()
        row = {"scale": name, "n": len(pair), "icc": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
               "skipped": None, "min_n": need, "error": None}
        if len(pair) < need:
            row["skipped"] = "too_few"
        elif pair[[f"{name}_1", f"{name}_2"]].stack().std() == 0:
            row["skipped"] = "no_variance"
        else:
            try:
                long = pair.melt(id_vars="_id", var_name="wave", value_name="score")
                icc = pg.intraclass_corr(long, targets="_id", raters="wave", ratings="score").set_index("Type")
                key = icc_type if icc_type in icc.index else _PG_ICC[icc_type]
                row.update(icc=float(icc.loc[key, "ICC"]), ci_low=float(icc.loc[key, "CI95"][0]),
                           ci_high=float(icc.loc[key, "CI95"][1]))
            except (AssertionError, KeyError, *_numeric_errors()) as exc:   # pingouin asserts on unbalanced data
                row.update(skipped="failed", error=f"{type(exc).__name__}: {exc}")
        rows.append(row)
    return pd.DataFrame(rows)


def _numeric_errors() -> tuple[type[BaseException], ...]:
    from .validity import NUMERIC_ERRORS

    return NUMERIC_ERRORS


# --------------------------------------------------------------------------- the whole suite
def run_suite(df: Any, survey: dict[str, Any], params: ReliabilityParams | dict | None = None, *,
              cfa: bool | None = None, seed: int = 0, file: str | None = None,
              require_scale: bool = True) -> dict[str, Any]:
    """Every reliability and validity figure of notebook 02, per scale and for the whole instrument.

    A problem confined to one scale (zero-variance item, too few respondents, all-missing item,
    items that cancel out, a numerical failure) is recorded in ``errors[scale]`` and the other scales
    are analysed; problems of the whole-instrument factor analyses (KMO, Bartlett, parallel analysis,
    EFA) go to ``efa_error``, of omega hierarchical to ``omega_h_error``, of the CFA to ``cfa_error``.
    No numerical exception (singular matrix, square root of a negative number...) leaves this function:
    each becomes one of these messages (:func:`cxkit.validity.numeric_guard`).

    Minimum n (:class:`ReliabilityParams`): a scale answered by fewer than ``min_n_scale``
    respondents, an instrument whose item correlations rest on fewer than :func:`min_n_efa`
    respondents, and a CFA with fewer than :func:`min_n_cfa` complete responses are skipped; the
    reason goes to ``errors`` / ``efa_error`` / ``cfa_error`` as above and ``skipped`` says which were
    skipped for their sample size: ``{"scales": {name: {n, min}}, "efa": {n, min, items} or None,
    "cfa": {n, min, parameters} or None}``. The n of the factor analyses is the smallest number of
    respondents behind one item correlation (the complete responses under listwise handling).

    Returns a dict: ``params``, ``scales`` ({name: :func:`analyse_scale` result + ``recommendation``}),
    ``errors``, ``skipped``, ``instrument`` (items of the analysed scales, reverse-keyed), ``kmo``,
    ``bartlett``, ``parallel`` (table, n components) — these three are set together or not at all —,
    ``omega_h`` (:func:`omega_hierarchical` with one group factor per scale), ``efa`` (loadings, phi),
    ``cfa`` (see :func:`cxkit.validity.cfa`) with ``cr``, ``ave``, ``fornell_larcker``, ``htmt``,
    ``efa_error``, ``omega_h_error``, ``cfa_error`` and ``verdicts`` (:func:`verdict_table`).

    When no scale can be analysed an :class:`AnalysisError` is raised (``require_scale=True``) or
    the suite is returned with empty ``scales`` and ``verdicts`` (``require_scale=False``, notebook 02,
    which then says so).
    """
    import pandas as pd

    from . import validity as vl
    from .errors import CxError

    p = params if isinstance(params, ReliabilityParams) else ReliabilityParams.model_validate(params or {})
    lo, hi = survey.get("scale_range", (1, 5))
    declared = survey.get("scales") or {}
    if not declared:
        raise AnalysisError("no scales are declared (survey.scales is empty)",
                            hint="declare the multi-item scales under survey.scales in engagement.yaml")
    if p.scales is not None:
        unknown = [s for s in p.scales if s not in declared]
        if unknown:
            raise AnalysisError(f"reliability.scales names unknown scale(s) {', '.join(unknown)}; "
                                f"survey.scales has {', '.join(declared)}")
    names = [s for s in declared if p.scales is None or s in p.scales]
    out: dict[str, Any] = {"params": p, "scales": {}, "errors": {}, "efa_error": None, "cfa_error": None,
                           "omega_h_error": None, "cfa": None, "efa": None, "kmo": None, "bartlett": None,
                           "parallel": None, "omega_h": None, "skipped": {"scales": {}, "efa": None, "cfa": None}}

    def no_scale():
        if require_scale:
            raise AnalysisError("no scale could be analysed: " + "; ".join(out["errors"].values()))
        out["instrument"] = pd.DataFrame(index=df.index[:0])
        out["verdicts"] = verdict_table(out)
        return out

    prepared = {}
    for name in names:
        spec = declared[name]
        try:
            prepared[name] = prepare_items(df, spec["items"], reverse=spec.get("reverse", []), scale_range=(lo, hi),
                                           scale=name, file=file, missing=p.missing, min_n=p.min_n_scale)
        except SampleTooSmall as exc:
            out["errors"][name] = exc.message
            out["skipped"]["scales"][name] = exc.info()
        except CxError as exc:
            out["errors"][name] = exc.message
    if not prepared:
        return no_scale()
    x = pd.concat(list(prepared.values()), axis=1)
    x = x.loc[:, ~x.columns.duplicated()]           # an item declared in two scales enters the instrument once
    if p.missing == "listwise":
        x = x.dropna()
    out["instrument"] = x
    items = list(x.columns)
    xv = x.to_numpy(dtype=float)
    cov_all = None                      # alpha computes its scale's covariances in its own single pass
    with np.errstate(invalid="ignore", divide="ignore"):
        cor_all = pairwise_cor(xv) if p.missing == "pairwise" else None
    pos = {it: i for i, it in enumerate(items)}
    for name, xs in prepared.items():
        ii = [pos[c] for c in xs.columns]
        try:
            with vl.numeric_guard(f"scale '{name}'"):
                res = analyse_scale(df, name, declared[name], (lo, hi), missing=p.missing, confidence=p.confidence,
                                    file=file, x=xs, cov=_block(cov_all, ii), cor=_block(cor_all, ii))
                res["recommendation"] = recommend(res, p.thresholds)
        except CxError as exc:
            out["errors"][name] = exc.message
            continue
        out["scales"][name] = res
    if not out["scales"]:
        return no_scale()
    if len(out["scales"]) < len(prepared):  # a scale failed after preparation: leave its items out
        keep = list(dict.fromkeys(c for s in out["scales"] for c in prepared[s].columns))
        if cor_all is not None:
            ki = [pos[c] for c in keep]
            cor_all = cor_all[np.ix_(ki, ki)]
        x = x[keep]
        out["instrument"] = x
        items = keep
    n_scales = len(out["scales"])

    # ---- whole instrument: KMO, Bartlett, parallel analysis, EFA, omega hierarchical
    mask = x.notna().to_numpy(dtype=float)
    n_efa = int((mask.T @ mask).min()) if len(x) else 0
    need = min_n_efa(p, len(items))
    r = None
    try:
        if n_efa < need:
            raise SampleTooSmall(
                f"the whole-instrument factor analyses (KMO, Bartlett, parallel analysis, EFA, omega hierarchical) "
                f"rest on {n_efa} respondent(s) (the fewest behind one item correlation), fewer than the {need} "
                f"they need (the larger of reliability.min_n_efa = {p.min_n_efa} and "
                f"reliability.min_n_efa_per_item = {p.min_n_efa_per_item:g} × {len(items)} items); skipped",
                what="efa", n=n_efa, minimum=need, items=len(items),
                hint="collect more responses or pool regions; the per-scale reliabilities above are unaffected")
        r = cor_all if cor_all is not None else _cor(x, p.missing)
        if not np.isfinite(r).all():
            raise AnalysisError("some pairs of items were never answered together; the item correlation matrix "
                                "is incomplete", hint="use reliability.missing: listwise")
        n_complete = int(x.notna().all(axis=1).sum())
        with vl.numeric_guard("the item correlation matrix (KMO, Bartlett, parallel analysis)"):
            km = vl.kmo(r)
            bart = vl.bartlett(r, n_complete)
            par = vl.parallel_analysis(r, len(x), n_iter=p.parallel_iter, seed=seed, rule=p.parallel_rule)
        out.update(kmo=km, bartlett=bart, parallel=par)
        if p.efa:
            k = p.n_factors or max(1, par[1])
            k = min(k, len(items) - 1)
            with vl.numeric_guard(f"the EFA ({k} factor(s))"):
                out["efa"] = vl.efa(r, k, items=items, rotation=p.rotation, cross_loading=p.cross_loading)
    except SampleTooSmall as exc:
        out["efa_error"] = exc.message
        out["skipped"]["efa"] = exc.info()
    except CxError as exc:
        out["efa_error"] = exc.message
    if out["kmo"] is not None and n_scales >= 2 and len(items) > n_scales + 1:
        try:
            out["omega_h"] = omega_hierarchical(r, n_scales)
        except CxError as exc:
            out["omega_h_error"] = exc.message

    # ---- CFA of the declared structure
    do_cfa = p.cfa if cfa is None else cfa
    if do_cfa:
        struct = {s: list(declared[s]["items"]) for s in out["scales"]}
        try:
            owners: dict[str, list[str]] = {}
            for s, its in struct.items():
                for it in its:
                    owners.setdefault(it, []).append(s)
            shared = {it: ss for it, ss in owners.items() if len(ss) > 1}
            if shared:
                raise AnalysisError("CFA: item(s) declared in more than one scale ("
                                    + "; ".join(f"{it}: {', '.join(ss)}" for it, ss in shared.items())
                                    + "); the simple-structure CFA needs each item on one scale",
                                    hint="declare each item in one scale, or set reliability.cfa: false")
            n_free, _ = vl.cfa_size(struct)
            n_cc = int(x[items].notna().all(axis=1).sum())
            need = min_n_cfa(p, n_free)
            if n_cc < need:
                raise SampleTooSmall(
                    f"CFA: {n_cc} complete response(s), fewer than the {need} the model with {n_free} free parameters "
                    f"needs (the larger of reliability.min_n_cfa = {p.min_n_cfa} and "
                    f"reliability.min_n_cfa_per_parameter = {p.min_n_cfa_per_parameter:g} × {n_free}); skipped",
                    what="cfa", n=n_cc, minimum=need, parameters=n_free,
                    hint="collect more responses or pool regions; set reliability.cfa: false to hide this note")
            with vl.numeric_guard("the CFA", hint="set reliability.cfa: false to skip the CFA"):
                res = vl.cfa(x, struct, confidence=0.90)
                res["cr"] = vl.composite_reliability(res)
                res["ave"] = vl.ave(res)
                res["fornell_larcker"] = vl.fornell_larcker(res["ave"], res["phi"])
                if len(struct) > 1:
                    with np.errstate(invalid="ignore", divide="ignore"):
                        res["htmt"] = vl.htmt(_cor(x, "listwise"), items, struct)
            out["cfa"] = res
        except SampleTooSmall as exc:
            out["cfa_error"] = exc.message
            out["skipped"]["cfa"] = exc.info()
        except CxError as exc:
            out["cfa_error"] = exc.message
    out["verdicts"] = verdict_table(out)
    return out


#: columns of :func:`verdict_table` (also of its empty table when no scale could be analysed)
VERDICT_COLUMNS = ["scale", "n", "n_items", "alpha", "alpha_ci_low", "alpha_ci_high", "omega", "cr", "ave",
                   "fornell_larcker", "htmt_max", "v_alpha", "v_omega", "v_cr", "v_ave", "v_fornell_larcker",
                   "v_htmt", "verdict", "action", "item", "alpha_if_dropped"]


def verdict_table(suite: dict[str, Any]):
    """One row per analysed scale: alpha (+ Feldt CI), omega, CR, AVE, Fornell-Larcker, max HTMT,
    a pass/fail/n/a verdict per figure, the overall verdict and the recommendation.

    The overall verdict is :func:`overall_verdict` (n/a checks, e.g. no CFA, are ignored).
    """
    import pandas as pd

    p: ReliabilityParams = suite["params"]
    th = p.thresholds
    cf = suite.get("cfa") or {}
    rows = []
    for name, res in suite["scales"].items():
        t = res["alpha"].total
        cr = (cf.get("cr") or {}).get(name)
        av = (cf.get("ave") or {}).get(name)
        fl = None
        if cf.get("fornell_larcker") is not None and len(cf["phi"]) > 1:
            fl = bool(cf["fornell_larcker"][1][name])
        hm = None
        if cf.get("htmt") is not None:
            hm = float(cf["htmt"].loc[name].drop(name).max())
        checks = {"alpha": verdict(t["raw_alpha"], th.alpha), "omega": verdict(res["omega_total"], th.omega),
                  "cr": verdict(cr, th.cr), "ave": verdict(av, th.ave),
                  "fornell_larcker": "n/a" if fl is None else ("pass" if fl else "fail"),
                  "htmt": verdict(hm, th.htmt, higher_is_better=False)}
        if hm is not None and hm >= th.htmt:
            checks["htmt"] = "fail"
        rec = res["recommendation"]
        rows.append({"scale": name, "n": t["n_obs"], "n_items": t["n_items"], "alpha": t["raw_alpha"],
                     "alpha_ci_low": t["ci_low"], "alpha_ci_high": t["ci_high"], "omega": res["omega_total"],
                     "cr": cr, "ave": av, "fornell_larcker": fl, "htmt_max": hm,
                     **{f"v_{k}": v for k, v in checks.items()},
                     "verdict": overall_verdict(checks),
                     "action": rec["action"], "item": rec["item"], "alpha_if_dropped": rec["alpha_if_dropped"]})
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def overall_verdict(checks: dict[str, str]) -> str:
    """'pass' when every available check passes; 'caution' when the only failure is AVE while CR
    passes (Fornell & Larcker 1981: convergent validity is still adequate when CR is; Lam 2012);
    'fail' otherwise.

    >>> overall_verdict({"alpha": "pass", "cr": "pass", "ave": "fail"})
    'caution'
    """
    failed = [k for k, v in checks.items() if v == "fail"]
    if not failed:
        return "pass"
    if failed == ["ave"] and checks.get("cr") == "pass":
        return "caution"
    return "fail"


def fit_verdicts(fit: dict[str, float], thresholds: Thresholds) -> dict[str, str]:
    """CFI, TLI (same threshold as CFI), RMSEA and SRMR against their thresholds (Hu & Bentler 1999)."""
    return {"cfi": verdict(fit["cfi"], thresholds.cfi), "tli": verdict(fit["tli"], thresholds.cfi),
            "rmsea": verdict(fit["rmsea"], thresholds.rmsea, higher_is_better=False),
            "srmr": verdict(fit["srmr"], thresholds.srmr, higher_is_better=False)}


def alpha_family_table(suite: dict[str, Any]):
    """One row per analysed scale: psych::alpha's totals, Feldt CI, omega total and split-half figures."""
    import pandas as pd

    rows = []
    for name, res in suite["scales"].items():
        t = res["alpha"].total
        rows.append({"scale": name, **{k: t[k] for k in ("raw_alpha", "std_alpha", "ci_low", "ci_high", "g6_smc",
                                                         "average_r", "s_n", "ase", "n_obs")},
                     "omega": res["omega_total"], "split_half_sb": res["split_half"]["sb_odd_even"],
                     "lambda4": res["split_half"]["max"]})
    return pd.DataFrame(rows)


def load_retest(params: dict[str, Any], first: Any, survey: dict[str, Any],
                rp: ReliabilityParams | None = None):
    """Test-retest ICC per scale when the region sets ``retest_responses`` (else None).

    The retest file is read and checked like the main response file (:func:`cxkit.validation.read_responses`);
    respondents are matched on ``survey.id_column``.
    """
    from . import validation as cxio

    path = params.get("retest_responses")
    if not path:
        return None
    rp = rp or ReliabilityParams()
    second, _ = cxio.read_responses({**params, "responses": path})
    return retest_icc(first, second, id_column=survey.get("id_column", "respondent_id"),
                      scales=survey["scales"], scale_range=tuple(survey["scale_range"]), icc_type=rp.icc_type,
                      confidence=0.95, min_n=rp.min_n_icc)


def fmt_p(p: float) -> str:
    """APA-style p value: 'p < .001' or 'p = .034'.

    >>> fmt_p(0.0001), fmt_p(0.0342)
    ('p < .001', 'p = .034')
    """
    return "p < .001" if p < 0.001 else f"p = {p:.3f}".replace("0.", ".", 1)


def omega_hierarchical(r: np.ndarray, n_factors: int) -> dict[str, Any]:
    """McDonald's omega hierarchical and total of a whole instrument with a general factor modelled
    by a Schmid-Leiman transformation, as ``psych::omega(x, nfactors)`` (defaults: minres, oblimin).

    Steps (psych::schmid): minres with varimax, then oblimin (factor_analyzer's Rotator) giving
    loadings ``L`` and factor correlations ``Φ``; the general-factor loadings of the group factors
    ``γ`` are a one-factor minres solution of ``Φ`` (for 2 factors ``γ = sqrt(φ12)`` each, psych's
    "equal" option); item loadings on g are ``Lγ``, on the residualised group factors
    ``L_ij sqrt(1 − γ_j²)``; ``u²`` are the uniquenesses of the minres solution. With ``V_t = ΣR``
    (items flipped to positive g loadings):

    .. math:: \\omega_h = \\frac{(\\sum_i |g_i|)^2}{V_t}, \\qquad \\omega_t = \\frac{V_t - \\sum_i u^2_i}{V_t}

    References: McDonald (1999); Zinbarg, Revelle, Yovel & Li (2005); Revelle & Zinbarg (2009).
    Checked against psych::omega on bfi (5 factors) and the demo instrument (6 factors).
    """
    from factor_analyzer.rotator import Rotator

    from .validity import fit_minres

    from .validity import numeric_guard

    r = np.asarray(r, dtype=float)
    if n_factors < 2:
        raise AnalysisError("omega hierarchical needs at least 2 group factors")
    if n_factors >= r.shape[0]:
        raise AnalysisError(f"omega hierarchical: {n_factors} group factors need more than {n_factors} items")
    with numeric_guard("omega hierarchical (Schmid-Leiman)"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa = fit_minres(r, n_factors, rotation="varimax")
        rot = Rotator(method="oblimin")
        lam = rot.fit_transform(fa.loadings_)
        phi = rot.phi_
        if n_factors == 2:
            gam = np.full(2, math.sqrt(max(phi[0, 1], 0.0)))
        else:
            gam = minres_one_factor(phi)
    g = lam @ gam
    u2 = 1 - (fa.loadings_ ** 2).sum(axis=1)     # psych: uniquenesses of the (orthogonal) minres solution
    key = np.where(g < 0, -1.0, 1.0)
    vt = float((r * np.outer(key, key)).sum())
    if not (vt > 0 and np.isfinite(g).all()):
        raise AnalysisError("omega hierarchical: the general-factor solution is undefined for these data")
    return {"omega_h": float(np.abs(g).sum() ** 2 / vt), "omega_t": float((vt - u2.sum()) / vt), "g": g,
            "n_factors": n_factors}


def round_floats(obj: Any, digits: int = 6) -> Any:
    """Round every float in a nested dict/list (for ``.results.json`` figures that come from an
    iterative optimiser).

    semopy orders its parameters by iterating Python sets, so the CFA's last bits (~1e-12) depend on
    the process's hash seed; rounding to 6 decimals keeps ``.results.json`` byte-identical across
    runs (the chance that 1e-12 noise straddles a 1e-6 rounding boundary is ~1e-6 per figure).

    >>> round_floats({"a": [0.1234567891, 2], "b": None})
    {'a': [0.123457, 2], 'b': None}
    """
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_floats(v, digits) for v in obj]
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if not math.isfinite(v) else round(v, digits)
    return obj


CHECKS = ("alpha", "omega", "cr", "ave", "fornell_larcker", "htmt")


def scale_results(suite: dict[str, Any]) -> dict[str, Any]:
    """The per-scale figures notebook 02 writes to ``.results.json`` under ``scales`` (docs/results.md)."""
    out = {}
    for _, row in suite["verdicts"].iterrows():
        t = suite["scales"][row["scale"]]["alpha"].total
        out[row["scale"]] = {
            "n": row["n"], "n_items": row["n_items"], "alpha": row["alpha"],
            "alpha_ci": [row["alpha_ci_low"], row["alpha_ci_high"]], "alpha_std": t["std_alpha"], "g6": t["g6_smc"],
            "average_r": t["average_r"], "omega_total": row["omega"],
            "split_half_sb": suite["scales"][row["scale"]]["split_half"]["sb_odd_even"],
            **round_floats({"cr": row["cr"], "ave": row["ave"], "htmt_max": row["htmt_max"]}),
            "verdict": row["verdict"], "checks": {k: row[f"v_{k}"] for k in CHECKS},
            "recommendation": {"action": row["action"], "item": row["item"], "alpha_if_dropped": row["alpha_if_dropped"]}}
    return out


def recommendations(suite: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per analysed scale for the playbook text: ``action`` (keep/drop/revise/check_keying),
    formatted values (``item``, ``a``, ``a2``, ``r``), the failed checks and the note kind
    (ok/warn/alert); ``highlight`` is False for scales that pass with nothing to change."""
    out = []
    for _, row in suite["verdicts"].iterrows():
        rec = suite["scales"][row["scale"]]["recommendation"]
        out.append({"scale": row["scale"], "action": rec["action"], "item": rec["item"], "a": f"{rec['alpha']:.2f}",
                    "a2": "–" if rec["alpha_if_dropped"] is None else f"{rec['alpha_if_dropped']:.2f}",
                    "r": "–" if rec["item_rest"] is None else f"{rec['item_rest']:.2f}",
                    "failed": [k for k in CHECKS if row[f"v_{k}"] == "fail"],
                    "kind": {"pass": "ok", "caution": "warn", "fail": "alert"}[row["verdict"]],
                    "highlight": rec["action"] != "keep" or row["verdict"] != "pass"})
    return out


def item_flags(suite: dict[str, Any]) -> dict[str, Any]:
    """Item-level flags: ``miskeyed`` [(scale, item, r)], ``floor_ceiling`` [(item, 'floor'|'ceiling',
    share)] above ``thresholds.floor_ceiling``, and ``flagged`` {item: 'miskeyed'|'weak'} (weak: item-rest
    r below ``thresholds.item_rest``)."""
    th = suite["params"].thresholds
    mis, fc, flagged = [], [], {}
    for s, res in suite["scales"].items():
        tab = res["items"]
        for it, row in tab.iterrows():
            if it in res["miskeyed"]:
                mis.append((s, it, float(row["r_drop"])))
                flagged[it] = "miskeyed"
            elif row["r_drop"] < th.item_rest:
                flagged[it] = "weak"
            top = max(row["floor"], row["ceiling"])
            if top > th.floor_ceiling:
                fc.append((it, "floor" if row["floor"] >= row["ceiling"] else "ceiling", float(top)))
    return {"miskeyed": mis, "floor_ceiling": fc, "flagged": flagged}
