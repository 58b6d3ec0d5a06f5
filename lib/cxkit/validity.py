"""Construct validity (notebook 02): KMO, Bartlett, parallel analysis, EFA, CFA, CR, AVE, HTMT.

Each figure matches R's reference implementation (tests/test_reliability_parity.py):

- :func:`kmo`, :func:`bartlett` — ``psych::KMO`` and ``psych::cortest.bartlett`` on the pairwise
  correlation matrix. factor_analyzer's ``calculate_kmo`` / ``calculate_bartlett_sphericity`` work
  on raw data only and return NaN as soon as one answer is missing, so they are re-written here on
  the correlation matrix (test shows the library's NaN).
- :func:`parallel_analysis` — Horn's (1965) parallel analysis as ``psych::fa.parallel(fa = "pc")``.
- :func:`efa` — ``factor_analyzer.FactorAnalyzer`` (minres, oblimin), as ``psych::fa``.
- :func:`cfa` — semopy estimates the model; the fit indices are computed here with lavaan's
  conventions (chi-square ``N·F_ML``, RMSEA with N and its noncentral-chi-square CI, SRMR) because
  semopy's RMSEA uses N − 1 and it reports neither SRMR nor the RMSEA interval. semopy's default
  SLSQP solver stops about 5e-4 short of the ML optimum on Holzinger-Swineford; L-BFGS-B reaches
  lavaan's estimates (test).
- :func:`composite_reliability`, :func:`ave`, :func:`htmt` — ``semTools::compRelSEM``,
  ``semTools::AVE``, ``semTools::htmt`` (semTools 0.5-6, HTMT2 geometric means by default).
"""
from __future__ import annotations

import contextlib
import inspect
import math
import re
import warnings
from typing import Any, Sequence

import numpy as np

from .errors import AnalysisError


@contextlib.contextmanager
def _sklearn_compat():
    """Let factor_analyzer 0.5.1 run on scikit-learn ≥ 1.8, for the duration of one call only.

    factor_analyzer calls ``check_array(..., force_all_finite=...)``; scikit-learn 1.8 renamed the
    argument ``ensure_all_finite`` and removed the old name, so ``FactorAnalyzer.fit`` raises TypeError
    (``tests/test_reliability_parity.py`` shows it). The translation is installed in factor_analyzer's
    module on entry and removed on exit: nothing else in the process sees a patched function.
    """
    import factor_analyzer.factor_analyzer as fam

    original = fam.check_array
    if "force_all_finite" in inspect.signature(original).parameters:
        yield
        return

    def check_array(*args, force_all_finite=True, **kw):
        kw.setdefault("ensure_all_finite", force_all_finite)
        return original(*args, **kw)

    fam.check_array = check_array
    try:
        yield
    finally:
        fam.check_array = original


def fit_minres(r: np.ndarray, n_factors: int, rotation: str | None = None):
    """A fitted ``factor_analyzer.FactorAnalyzer`` (minres, psych::fa's default) of a correlation matrix.

    >>> fa = fit_minres(np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]]), 1)
    >>> fa.loadings_.shape
    (3, 1)
    """
    from factor_analyzer import FactorAnalyzer

    fa = FactorAnalyzer(n_factors=n_factors, rotation=rotation, method="minres", is_corr_matrix=True)
    with _sklearn_compat(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa.fit(np.asarray(r, dtype=float))
    return fa


#: what numpy, scipy, factor_analyzer and semopy raise on degenerate data (singular or non-finite matrices,
#: zero denominators, square roots of negative numbers)
NUMERIC_ERRORS = (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError, OverflowError)


@contextlib.contextmanager
def numeric_guard(what: str, hint: str | None = None):
    """Turn a numerical failure inside the block into an :class:`AnalysisError` naming ``what``.

    numpy, scipy, factor_analyzer and semopy raise ``LinAlgError`` (singular matrix), ``ValueError``
    (math domain error, non-finite input), ``ZeroDivisionError`` and the like on degenerate data; the
    playbook must report *which figure* could not be computed instead of crashing. An
    :class:`AnalysisError` raised inside the block passes through unchanged.

    >>> try:
    ...     with numeric_guard("KMO"):
    ...         math.sqrt(-1.0)
    ... except AnalysisError as e:
    ...     print(e.message)
    KMO could not be computed from these data (ValueError: math domain error)
    """
    try:
        yield
    except NUMERIC_ERRORS as exc:
        raise AnalysisError(f"{what} could not be computed from these data ({type(exc).__name__}: {exc})",
                            hint=hint or "check for items with almost no variance, items that copy one another, "
                                         "or a sample that is too small") from None


# --------------------------------------------------------------------------- sampling adequacy
def kmo(r: np.ndarray) -> tuple[float, np.ndarray]:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item (``psych::KMO``).

    With ``R`` the correlation matrix and ``Q`` the anti-image (partial) correlations
    ``Q_ij = -R⁻¹_ij / sqrt(R⁻¹_ii R⁻¹_jj)``, off-diagonal sums only:

    .. math:: MSA = \\frac{\\sum R_{ij}^2}{\\sum R_{ij}^2 + \\sum Q_{ij}^2}

    Kaiser (1974): ≥ .60 mediocre, ≥ .70 middling, ≥ .80 meritorious.

    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    >>> round(kmo(r)[0], 4)
    0.6279
    """
    r = np.asarray(r, dtype=float)
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        raise AnalysisError("KMO: the item correlation matrix is singular (fewer respondents than items, or an "
                            "item is a copy or a sum of others)", hint="collect more responses or drop the "
                            "duplicated item") from None
    if not (np.isfinite(inv).all() and (np.diag(inv) > 0).all()):
        raise AnalysisError("KMO: the item correlation matrix is not positive definite (pairwise correlations "
                            "that contradict one another)", hint="use reliability.missing: listwise")
    d = 1 / np.sqrt(np.diag(inv))
    q = -inv * d[:, None] * d[None, :]
    r2, q2 = r ** 2, q ** 2
    np.fill_diagonal(r2, 0)
    np.fill_diagonal(q2, 0)
    den = r2.sum(axis=0) + q2.sum(axis=0)
    if not (den > 0).all():
        raise AnalysisError("KMO is undefined: an item is uncorrelated with every other item (and with their "
                            "partial correlations)", hint="check that item; it may not belong to the instrument")
    return float(r2.sum() / (r2.sum() + q2.sum())), r2.sum(axis=0) / den


def bartlett(r: np.ndarray, n: int) -> dict[str, float]:
    """Bartlett's (1951) test of sphericity (``psych::cortest.bartlett``).

    .. math:: \\chi^2 = -\\left(n - 1 - \\frac{2p + 5}{6}\\right) \\ln|R|, \\quad df = p(p-1)/2

    >>> b = bartlett(np.array([[1, .5], [.5, 1]]), 100); round(b["chisq"], 3), b["df"]
    (28.049, 1)
    """
    from scipy.stats import chi2

    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise AnalysisError("the item correlation matrix is singular (an item is a copy or a sum of others); "
                            "Bartlett's test is undefined")
    stat = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return {"chisq": float(stat), "df": int(df), "p": float(chi2.sf(stat, df)), "n": int(n)}


def parallel_analysis(r: np.ndarray, n: int, *, n_iter: int = 100, seed: int = 0, quantile: float = 0.95,
                      rule: str = "quantile"):
    """Horn's parallel analysis on principal components (``psych::fa.parallel(fa = "pc")``).

    Observed eigenvalues of ``R`` are compared with eigenvalues of correlation matrices of ``n``
    independent normal variables; the number of components is the count of leading observed
    eigenvalues above the random reference. ``rule = "quantile"`` (default) takes the ``quantile``
    (0.95) of the random eigenvalues, as psych 2.2.9's ``fa.parallel`` does by default (``quant = .95``,
    Glorfeld 1995); ``rule = "mean"`` takes their mean (Horn 1965). The random correlation matrices
    are drawn exactly, without simulating ``n`` rows: the scatter matrix of ``n`` normal rows is
    Wishart(n − 1, I) (Bartlett decomposition), so the cost does not grow with ``n``.

    Returns a DataFrame (component, observed, random_mean, random_q) and the number of components.
    Checked against psych 2.2.9 on bfi (``tests/test_reliability_parity.py``).

    >>> tab, k = parallel_analysis(np.eye(4) * .5 + .5, 300, n_iter=20)
    >>> k, list(tab.columns)
    (1, ['component', 'observed', 'random_mean', 'random_q'])
    """
    import pandas as pd
    from scipy.stats import wishart

    if rule not in ("quantile", "mean"):
        raise ValueError(f"parallel analysis rule must be 'quantile' or 'mean', not {rule!r}")
    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    if n - 1 < p:
        raise AnalysisError(f"parallel analysis: {n} respondents for {p} items; random correlation matrices "
                            "need more respondents than items", hint="collect more responses or pool regions")
    obs = np.sort(np.linalg.eigvalsh(r))[::-1]
    rng = np.random.default_rng(seed)
    w = wishart(df=n - 1, scale=np.eye(p)).rvs(size=n_iter, random_state=rng).reshape(n_iter, p, p)
    d = 1 / np.sqrt(np.einsum("kii->ki", w))
    rr = w * d[:, :, None] * d[:, None, :]
    ev = np.sort(np.linalg.eigvalsh(rr), axis=1)[:, ::-1]
    mean, q = ev.mean(axis=0), np.quantile(ev, quantile, axis=0)
    above = obs > (q if rule == "quantile" else mean)
    ncomp = int(np.argmin(above)) if not above.all() else p
    tab = pd.DataFrame({"component": np.arange(1, p + 1), "observed": obs, "random_mean": mean, "random_q": q})
    return tab, ncomp


# --------------------------------------------------------------------------- EFA
def efa(r: np.ndarray, n_factors: int, *, items: Sequence[str], rotation: str = "oblimin",
        cross_loading: float = 0.30):
    r"""Exploratory factor analysis of a correlation matrix: minres extraction + rotation, as ``psych::fa``.

    Extraction is ``factor_analyzer.FactorAnalyzer(method="minres")`` (psych's default
    ``fm = "minres"``), unrotated; the rotation is factor_analyzer's ``Rotator`` (oblimin and quartimin:
    GPArotation's algorithm; promax: psych's ``kaiser(rotate = "Promax")``; varimax: ``stats::varimax``).
    Then, as ``psych:::fac`` does, each factor's sign is set so its loadings sum to ≥ 0 and the factors
    are ordered by decreasing ``diag(Φ Λᵀ Λ)`` (``diag(Λᵀ Λ)`` when orthogonal), with Φ permuted alike.

    Communalities are rotation-invariant: :math:`h^2_i = [\Lambda \Phi \Lambda^T]_{ii}`, equal to the
    row sums of squared unrotated loadings.

    Why not ``FactorAnalyzer(rotation=...)``: factor_analyzer 0.5.1 re-sorts the loading columns after
    an oblique rotation but leaves ``phi_`` in the old order, so ``diag(Λ Φ Λᵀ)`` and the factor
    correlations come out wrong (bfi, 5 factors, oblimin: h2 off by up to 0.149, Φ by up to 0.46).
    Checked against psych 2.2.9 ``fa(bfi, 5, fm = "minres")`` under every rotation offered
    (``tests/test_reliability_parity.py``: loadings, h2 and Φ within 1e-4).

    An item *cross-loads* when ≥ 2 factors have |loading| ≥ ``cross_loading``; it has *no home* when none has.

    Returns ``(loadings DataFrame with h2, primary factor and flags, factor correlations or None)``.

    >>> r = np.array([[1, .6, .5, .1], [.6, 1, .4, .1], [.5, .4, 1, .2], [.1, .1, .2, 1]])
    >>> tab, phi = efa(r, 1, items=["a", "b", "c", "d"])
    >>> tab["h2"].round(2).tolist(), phi is None          # psych::fa(r, 1): 0.71 0.48 0.36 0.03
    ([0.71, 0.48, 0.36, 0.03], True)
    """
    import pandas as pd
    from factor_analyzer.rotator import OBLIQUE_ROTATIONS, Rotator

    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    if n_factors >= p:
        raise AnalysisError(f"EFA with {n_factors} factors needs more than {n_factors} items (got {p})")
    lam0 = np.asarray(fit_minres(r, n_factors).loadings_, dtype=float)
    h2 = (lam0 ** 2).sum(axis=1)
    lam, phi = lam0, None
    if rotation != "none" and n_factors > 1:
        rot = Rotator(method=rotation)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lam = rot.fit_transform(lam0)
        if rotation in OBLIQUE_ROTATIONS and rot.phi_ is not None:
            phi = np.asarray(rot.phi_, dtype=float)
    if n_factors > 1:
        sign = np.sign(lam.sum(axis=0))
        sign[sign == 0] = 1
        lam = lam * sign
        if phi is not None:
            phi = phi * np.outer(sign, sign)
        ev = np.diag(phi @ lam.T @ lam) if phi is not None else (lam ** 2).sum(axis=0)
        order = np.argsort(-ev, kind="stable")
        lam = lam[:, order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    cols = [f"F{j + 1}" for j in range(n_factors)]
    tab = pd.DataFrame(lam, index=list(items), columns=cols)
    big = np.abs(lam) >= cross_loading
    tab["h2"] = h2
    tab["primary"] = [cols[j] for j in np.abs(lam).argmax(axis=1)]
    tab["cross_loading"] = big.sum(axis=1) >= 2
    tab["no_home"] = big.sum(axis=1) == 0
    return tab, (None if phi is None else pd.DataFrame(phi, index=cols, columns=cols))


# --------------------------------------------------------------------------- CFA
def fit_indices(s: np.ndarray, sigma: np.ndarray, n: int, df: int, *, confidence: float = 0.90) -> dict[str, float]:
    """ML fit indices with lavaan's conventions (lavaan 0.6 ``fitMeasures``).

    ``S`` is the sample covariance with divisor N, ``Σ`` the model-implied covariance, p items:

    - ``F_ML = ln|Σ| − ln|S| + tr(SΣ⁻¹) − p``; ``χ² = N·F_ML`` (lavaan's ``likelihood = "normal"``);
      the baseline (independence) model ``χ²_b = −N ln|R|`` on ``p(p−1)/2`` df;
    - CFI ``1 − max(χ²−df, 0) / max(χ²_b−df_b, χ²−df, 0)`` (Bentler 1990); TLI
      ``(χ²_b/df_b − χ²/df) / (χ²_b/df_b − 1)``;
    - RMSEA ``sqrt(max(χ²−df, 0)/(N·df))`` (Steiger 1990) with the noncentral-χ² interval
      (λ with P(χ²; df, λ) = 0.95 / 0.05 for a 90% interval, RMSEA = sqrt(λ/(N·df)));
    - SRMR: root mean square of ``(s_ij − σ_ij)/sqrt(s_ii s_jj)`` over the p(p+1)/2 lower-triangle
      elements, diagonal included (Bentler 1995; lavaan's ``srmr``).
    """
    from scipy.optimize import brentq
    from scipy.stats import chi2 as chi2d, ncx2

    p = s.shape[0]
    _, ld_sig = np.linalg.slogdet(sigma)
    _, ld_s = np.linalg.slogdet(s)
    f = ld_sig - ld_s + np.trace(s @ np.linalg.inv(sigma)) - p
    x2 = n * f
    dsd = np.sqrt(np.diag(s))
    _, ld_r = np.linalg.slogdet(s / np.outer(dsd, dsd))
    x2b, dfb = -n * ld_r, p * (p - 1) // 2
    cfi = 1 - max(x2 - df, 0) / max(x2b - dfb, x2 - df, 0) if max(x2b - dfb, x2 - df, 0) > 0 else 1.0
    tli = (x2b / dfb - x2 / df) / (x2b / dfb - 1) if df > 0 else float("nan")
    rmsea = math.sqrt(max(x2 - df, 0) / (n * df)) if df > 0 else float("nan")
    a = (1 - confidence) / 2

    def lam_for(prob):
        def g(lam):
            return ncx2.cdf(x2, df, lam) - prob if lam > 0 else chi2d.cdf(x2, df) - prob

        if g(0) < 0:
            return 0.0
        hi = max(x2, 1.0)
        while g(hi) > 0:
            hi *= 2
        return brentq(g, 0, hi, xtol=1e-12)

    lo_ci = math.sqrt(lam_for(1 - a) / (n * df)) if df > 0 else float("nan")
    hi_ci = math.sqrt(lam_for(a) / (n * df)) if df > 0 else float("nan")
    res = (s - sigma) / np.outer(dsd, dsd)
    srmr = math.sqrt(np.mean(res[np.tril_indices(p)] ** 2))
    return {"chisq": float(x2), "df": int(df), "pvalue": float(chi2d.sf(x2, df)) if df > 0 else float("nan"),
            "baseline_chisq": float(x2b), "baseline_df": int(dfb), "cfi": float(cfi), "tli": float(tli),
            "rmsea": rmsea, "rmsea_ci_low": lo_ci, "rmsea_ci_high": hi_ci, "srmr": srmr, "n": int(n)}


#: a name lavaan and semopy read as one variable: an ASCII letter, then ASCII letters, digits or underscores
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def syntax_names(scales: dict[str, Sequence[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """Safe model-syntax identifiers for the items and factors of a structure: ``({item: "i1", ...},
    {factor: "f1", ...})``, numbered in order of appearance.

    lavaan and semopy read ``factor =~ item + item`` with a regular expression: a name with a space,
    a parenthesis, a slash, a leading digit (``Inflight wifi service``, ``customer seniority (years)``,
    ``2nd visit``) breaks the line (semopy raises SyntaxError), and a CJK name is outside lavaan's
    rule. :func:`cfa` therefore fits the model on these identifiers and maps every result back.
    The identifiers depend only on positions, so a data set with plain names and the same data with
    any other names are fitted on the very same model string (identical figures).

    >>> syntax_names({"服务 质量": ["Inflight wifi service", "2nd item"], "B": ["x"]})
    ({'Inflight wifi service': 'i1', '2nd item': 'i2', 'x': 'i3'}, {'服务 质量': 'f1', 'B': 'f2'})
    """
    items: dict[str, str] = {}
    for its in scales.values():
        for it in its:
            items.setdefault(it, f"i{len(items) + 1}")
    return items, {f: f"f{j + 1}" for j, f in enumerate(scales)}


def model_syntax(scales: dict[str, Sequence[str]],
                 names: tuple[dict[str, str], dict[str, str]] | None = None) -> str:
    """lavaan/semopy syntax of a simple-structure CFA: ``factor =~ item1 + item2 + ...`` per scale.

    ``names``: the identifiers to write instead of the names, ``({item: id}, {factor: id})`` as
    :func:`syntax_names` makes them. Without it the names are written as they are and must be
    plain identifiers (ASCII letter first, then letters, digits, underscores).

    Raises
    ------
    AnalysisError
        a name cannot be written in model syntax (and ``names`` was not given).

    >>> model_syntax({"visual": ["x1", "x2", "x3"]})
    'visual =~ x1 + x2 + x3'
    >>> model_syntax({"digital svc": ["Inflight wifi", "Online boarding"]},
    ...              syntax_names({"digital svc": ["Inflight wifi", "Online boarding"]}))
    'f1 =~ i1 + i2'
    """
    if names is None:
        bad = [str(v) for v in [*scales, *(it for its in scales.values() for it in its)]
               if not _IDENTIFIER.fullmatch(str(v))]
        if bad:
            raise AnalysisError(f"names that model syntax cannot hold: {', '.join(repr(b) for b in dict.fromkeys(bad))}",
                                hint="pass names=syntax_names(scales) (cfa() does this itself)")
        items_id, factor_id = {}, {}
    else:
        items_id, factor_id = names
    return "\n".join(f"{factor_id.get(f, f)} =~ {' + '.join(items_id.get(i, i) for i in its)}"
                     for f, its in scales.items())


def cfa_size(scales: dict[str, Sequence[str]]) -> tuple[int, int]:
    """Free parameters and degrees of freedom of the simple-structure CFA :func:`cfa` fits.

    With p items and m factors (first loading of each factor fixed to 1, lavaan's marker): free
    parameters ``q = (p − m)`` loadings ``+ p`` residual variances ``+ m(m+1)/2`` factor (co)variances;
    ``df = p(p+1)/2 − q``.

    >>> cfa_size({"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]})
    (21, 24)
    """
    p = len({it for its in scales.values() for it in its})
    m = len(scales)
    q = 2 * p - m + m * (m + 1) // 2
    return q, p * (p + 1) // 2 - q


@contextlib.contextmanager
def _quiet():
    """Silence semopy for the duration of a call: it logs to the root logger ("Fisher Information Matrix
    is not PD...") and warns, neither of which a playbook should show."""
    import logging

    root = logging.getLogger()
    was = root.disabled
    root.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.disabled = was


def cfa(x: Any, scales: dict[str, Sequence[str]], *, confidence: float = 0.90, solver: str = "L-BFGS-B",
        max_iter: int = 2000):
    """Confirmatory factor analysis of the declared structure (semopy, ML), lavaan's fit indices.

    ``x`` holds the (reverse-keyed) items; respondents with a missing answer are dropped
    (listwise, lavaan's default). Factor variances are free and the first loading of each factor is
    fixed to 1 (lavaan's default marker). Items and factors may have any names: the model is fitted
    on the identifiers of :func:`syntax_names` and every result is keyed by the original names.
    Returns a dict with ``fit`` (:func:`fit_indices`), ``loadings`` (item, factor, estimate, std),
    ``phi`` (factor correlations), ``psi`` (factor variances), ``S`` (ML sample covariance), ``n``,
    ``syntax`` (the model string fitted) and ``names`` (its identifiers, :func:`syntax_names`).

    Raises
    ------
    AnalysisError
        too few complete responses, a model with more parameters than covariances or with none left
        to test (0 degrees of freedom), a singular covariance matrix, an optimiser that does not
        converge, an implied covariance that is not positive definite, or a variance estimate that
        is negative (Heywood case) or a factor variance of zero, with what to do.
    """
    import pandas as pd
    import semopy

    items = list(dict.fromkeys(it for its in scales.values() for it in its))
    data = x[items].dropna()
    n = len(data)
    n_par, df = cfa_size(scales)
    if n <= len(items) + 1:
        raise AnalysisError(f"CFA: only {n} complete response(s) for {len(items)} items",
                            hint="collect more responses or set reliability.cfa: false")
    if df < 0:
        raise AnalysisError(f"CFA: the model has more parameters ({n_par}) than covariances; "
                            "add items (≥ 3 per factor) or drop the CFA (reliability.cfa: false)")
    if df == 0:
        raise AnalysisError(f"CFA: the model has as many parameters ({n_par}) as covariances (0 degrees of freedom): "
                            "it reproduces the data exactly and its fit cannot be tested",
                            hint="a single 3-item scale is just-identified; add items or scales, or set "
                                 "reliability.cfa: false")
    with np.errstate(invalid="ignore", divide="ignore"):
        rs = np.corrcoef(data.to_numpy(dtype=float), rowvar=False)
    if not np.isfinite(rs).all() or np.linalg.eigvalsh(rs).min() < 1e-8:
        same = [f"{items[i]} = {items[j]}" for i, j in zip(*np.triu_indices(len(items), 1))
                if np.isfinite(rs[i, j]) and abs(rs[i, j]) > 0.9999]
        flat = [it for it, v in zip(items, np.diag(np.cov(data.to_numpy(dtype=float), rowvar=False))) if not v > 0]
        what = (f" (perfectly correlated: {', '.join(same[:5])})" if same else
                f" (no variance among the complete responses: {', '.join(flat[:5])})" if flat else "")
        raise AnalysisError(f"CFA: the item covariance matrix is singular{what}; the model cannot be estimated",
                            hint="remove duplicated items or items that are sums of others; "
                                 "set reliability.cfa: false to skip the CFA")
    item_id, factor_id = syntax_names(scales)
    item_of = {v: k for k, v in item_id.items()}          # identifier -> original name
    factor_of = {v: k for k, v in factor_id.items()}
    safe = {factor_id[f]: [item_id[i] for i in its] for f, its in scales.items()}
    syntax = model_syntax(safe)
    model = semopy.Model(syntax)
    try:
        with _quiet():
            opt = model.fit(data.rename(columns=item_id), solver=solver, options={"maxiter": max_iter})
        sigma = model.calc_sigma()[0]
    except Exception as exc:  # semopy raises assorted numpy/scipy errors on degenerate data
        raise AnalysisError(f"CFA did not converge ({type(exc).__name__}: {exc})",
                            hint="check for items with almost no variance or scales that are copies of one another; "
                                 "set reliability.cfa: false to skip the CFA") from None
    if not getattr(opt, "success", True) or not np.all(np.isfinite(sigma)):
        raise AnalysisError(f"CFA did not converge ({getattr(opt, 'message', 'optimiser failed')})",
                            hint="the declared structure may not fit these data; inspect the EFA, "
                                 "or set reliability.cfa: false to skip the CFA")
    if np.linalg.eigvalsh(sigma).min() <= 0:
        raise AnalysisError("CFA: the model-implied covariance matrix is not positive definite",
                            hint="set reliability.cfa: false to skip the CFA")
    fids = list(factor_of)
    with numeric_guard("CFA: the estimates", hint="set reliability.cfa: false to skip the CFA"), _quiet():
        ins = model.inspect(std_est=True)
        var = ins[(ins["op"] == "~~") & (ins["lval"] == ins["rval"])]
        est = var["Estimate"].astype(float)
        neg = var[(est < 0) | (var["lval"].isin(fids) & ~(est > 0))]
        if len(neg):
            who = [f"factor {factor_of[v]}" if v in factor_of else str(item_of.get(v, v)) for v in neg["lval"]]
            raise AnalysisError(f"CFA: negative or zero variance estimate for {', '.join(who)} (Heywood case); "
                                "the solution is improper",
                                hint="an item may be nearly redundant or a factor have too few items")
        order = [item_of[v] for v in model.vars["observed"]]
        s_full = np.cov(data[order].to_numpy(dtype=float), rowvar=False, ddof=0)
        fit = fit_indices(s_full, sigma, n, df, confidence=confidence)
    bad = [k for k in ("chisq", "cfi", "tli", "rmsea", "srmr") if not np.isfinite(fit[k])]
    if bad:
        raise AnalysisError(f"CFA: the fit indices {', '.join(bad)} cannot be computed for this solution",
                            hint="set reliability.cfa: false to skip the CFA")
    names = list(scales)
    with numeric_guard("CFA: the loadings and factor correlations", hint="set reliability.cfa: false to skip the CFA"):
        ld = ins[(ins["op"] == "~") & ins["rval"].isin(fids) & ins["lval"].isin(list(item_of))]
        loadings = pd.DataFrame({"item": [item_of[v] for v in ld["lval"]], "factor": [factor_of[v] for v in ld["rval"]],
                                 "estimate": ld["Estimate"].astype(float).to_numpy(),
                                 "std": ld["Est. Std"].astype(float).to_numpy()})
        psi = pd.Series([float(var.loc[var["lval"] == factor_id[f], "Estimate"].iloc[0]) for f in names],
                        index=names, dtype=float)
        phi = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
        cov = ins[(ins["op"] == "~~") & (ins["lval"] != ins["rval"]) & ins["lval"].isin(fids)]
        for a, b, e in zip(cov["lval"], cov["rval"], cov["Estimate"].astype(float)):
            fa, fb = factor_of[a], factor_of[b]
            v = e / math.sqrt(psi[fa] * psi[fb])
            phi.loc[fa, fb] = phi.loc[fb, fa] = v
    s = pd.DataFrame(s_full, index=order, columns=order)
    return {"fit": fit, "loadings": loadings, "phi": phi, "psi": psi, "S": s, "n": n, "syntax": syntax,
            "names": (item_id, factor_id)}


def composite_reliability(res: dict[str, Any]) -> dict[str, float]:
    """Composite reliability (omega from the CFA) per factor, as ``semTools::compRelSEM``.

    .. math:: CR_f = \\frac{(\\sum_i \\lambda_i)^2 \\psi_f}{\\mathbf{1}' S_f \\mathbf{1}}

    with unstandardized loadings λ, factor variance ψ and the observed (ML) covariance matrix
    ``S_f`` of the factor's items (semTools' default ``obs.var = TRUE``; Bentler 2009, Raykov 1997).
    NaN when the denominator (the variance of the factor's sum score) is not positive.
    """
    ld, psi, s = res["loadings"], res["psi"], res["S"]
    out = {}
    for f, grp in ld.groupby("factor", sort=False):
        it = list(grp["item"])
        den = float(s.loc[it, it].to_numpy().sum())
        out[f] = float(grp["estimate"].sum() ** 2 * psi[f] / den) if den > 0 else float("nan")
    return out


def ave(res: dict[str, Any]) -> dict[str, float]:
    """Average variance extracted per factor, as ``semTools::AVE`` (Fornell & Larcker 1981).

    .. math:: AVE_f = \\frac{\\sum_i \\lambda_i^2 \\psi_f}{\\sum_i s_{ii}}

    (explained variance over observed item variances, semTools' ``obs.var = TRUE``). NaN when the
    items have no variance.
    """
    ld, psi, s = res["loadings"], res["psi"], res["S"]
    out = {}
    for f, grp in ld.groupby("factor", sort=False):
        it = list(grp["item"])
        den = float(np.diag(s.loc[it, it].to_numpy()).sum())
        out[f] = float((grp["estimate"] ** 2).sum() * psi[f] / den) if den > 0 else float("nan")
    return out


def fornell_larcker(ave_: dict[str, float], phi: Any):
    """Fornell-Larcker table: sqrt(AVE) on the diagonal, factor correlations below; and per factor
    whether sqrt(AVE) exceeds its largest absolute correlation with another factor (False when AVE
    is missing or negative: sqrt(AVE) is then shown as NaN)."""
    import pandas as pd

    names = list(phi.index)
    tab = phi.copy().astype(float)
    ok = {}
    for f in names:
        a = ave_.get(f, float("nan"))
        root = math.sqrt(a) if a >= 0 else float("nan")
        tab.loc[f, f] = root
        others = phi.loc[f, [g for g in names if g != f]].abs()
        ok[f] = bool(root > (others.max() if len(others) else 0))
    return tab, pd.Series(ok, dtype=bool)


def htmt(r: np.ndarray, items: Sequence[str], scales: dict[str, Sequence[str]], *, htmt2: bool = True):
    """Heterotrait-monotrait ratio of correlations, as ``semTools::htmt`` (0.5-6 defaults).

    With ``M`` the mean of absolute item correlations — geometric mean by default (HTMT2,
    Roemer, Schuberth & Henseler 2021; semTools' ``htmt2 = TRUE``), arithmetic mean with
    ``htmt2=False`` (the original HTMT, Henseler, Ringle & Sarstedt 2015):

    .. math:: HTMT_{ab} = \\frac{M(|r_{ij}|: i∈a, j∈b)}{\\sqrt{M(|r_{ij}|: i<j∈a)\\, M(|r_{ij}|: i<j∈b)}}

    semTools computes ``r`` from complete cases (``lavCor(missing = "listwise")``): pass that matrix.
    Values ≥ .85 (or .90) signal poor discriminant validity. A pair is NaN when a scale's items are
    uncorrelated with one another (monotrait mean 0: the ratio is undefined).

    >>> r = np.array([[1, .6, .2], [.6, 1, .3], [.2, .3, 1]])
    >>> round(float(htmt(r, ["a", "b", "c"], {"f": ["a", "b"], "g": ["c", "c"]}, htmt2=False).loc["f", "g"]), 4)
    0.3227
    """
    import pandas as pd

    idx = {it: i for i, it in enumerate(items)}
    r = np.abs(np.asarray(r, dtype=float))

    def mean(v):
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.exp(np.log(v).mean())) if htmt2 else float(np.mean(v))

    names = list(scales)
    mono = {}
    for f in names:
        ii = [idx[i] for i in scales[f]]
        sub = r[np.ix_(ii, ii)]
        mono[f] = mean(sub[~np.eye(len(ii), dtype=bool)])
    out = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for a in names:
        for b in names:
            if a != b:
                ia, ib = [idx[i] for i in scales[a]], [idx[i] for i in scales[b]]
                den = mono[a] * mono[b]
                out.loc[a, b] = mean(r[np.ix_(ia, ib)].ravel()) / math.sqrt(den) if den > 0 else float("nan")
    return out


def plot_parallel(tab: Any, *, title: str = "", xlabel: str = "", ylabel: str = "", observed: str = "observed",
                  random: str = "random"):
    """Scree plot of observed eigenvalues against the mean random eigenvalues of parallel analysis."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(tab["component"], tab["observed"], "o-", color="#1f5fa8", label=observed)
    ax.plot(tab["component"], tab["random_mean"], "s--", color="#c0392b", label=random)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_xticks(list(tab["component"]))
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
