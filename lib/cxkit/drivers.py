"""Key drivers of satisfaction (notebook 03): relative weights, dominance, IPA, Kano, SERVQUAL.

All regression-based importance measures here work from the correlation matrix
of the drivers and the outcome (listwise complete cases), so they cost
O(n·p²) once for the data and then nothing that depends on n.

- :func:`relative_weights` — Johnson (2000) relative weights: raw weights sum to
  R², rescaled weights sum to 1; percentile bootstrap intervals.
- :func:`dominance` — general dominance (= Shapley value of R²; Budescu 1993,
  Azen & Budescu 2003) over all 2^p subsets, each subset R² solved from the
  correlation matrix in vectorised batches.
- :func:`ipa` — importance-performance quadrants (Martilla & James 1977).
- :func:`kano_table` — Kano categories from functional/dysfunctional pairs with
  the standard evaluation table (Berger et al. 1993), Better/Worse coefficients
  and Fong's test.
- :func:`servqual_gaps` — SERVQUAL gap P − E per dimension (Parasuraman,
  Zeithaml & Berry 1988) with a paired t-test (pingouin).

- :func:`logistic_relative_weights` — Tonidandel & LeBreton (2010) relative weights for a yes/no
  outcome (logistic regression on Johnson's orthogonal drivers, Menard's standardisation, raw
  weights summing to R²_O) and an ordered variant (proportional-odds logit, McKelvey–Zavoina R²),
  with survey weights, VIF / condition number and bootstrap significance (random-variable test).

A binary outcome (satisfied yes/no, promoter yes/no) passed to :func:`relative_weights` /
:func:`key_drivers` is still handled as a linear probability model: the same correlation-based
formulas with a 0/1 outcome (point-biserial correlations), the usual first reading.
``relative_weights(..., model="logistic")`` (or ``"ordinal"``) runs the logistic version instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import comb
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import AnalysisError, DataError

#: Standard Kano evaluation table (Berger et al. 1993). Rows: functional answer 1..5,
#: columns: dysfunctional answer 1..5 (1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike).
#: A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable.
KANO_TABLE = ("QAAAO", "RIIIM", "RIIIM", "RIIIM", "RRRRQ")
KANO_CATEGORIES = ("M", "O", "A", "I", "R", "Q")

IPA_QUADRANTS = ("concentrate", "keep_up", "low_priority", "overkill")

MAX_DOMINANCE_DRIVERS = 20


# --------------------------------------------------------------------------- helpers
def rescale_0_100(x: Any, lo: float, hi: float) -> Any:
    """Linear rescaling of a score on ``lo..hi`` to 0–100: ``100 · (x − lo) / (hi − lo)``.

    >>> rescale_0_100(4.0, 1, 5)
    75.0
    """
    if hi <= lo:
        raise AnalysisError(f"scale range must have low < high, got {lo}..{hi}")
    return 100.0 * (x - lo) / (hi - lo)


def scale_scores(df: pd.DataFrame, scales: Mapping[str, Mapping[str, Any]], lo: float, hi: float,
                 *, min_share: float = 0.5) -> pd.DataFrame:
    """Per-respondent mean of each scale's items, reverse-keyed items flipped (``lo + hi − x``).

    A respondent who answered fewer than ``min_share`` of a scale's items gets a
    missing score for that scale.

    >>> d = pd.DataFrame({"a": [5, 1], "b": [1, 5]})
    >>> scale_scores(d, {"s": {"items": ["a", "b"], "reverse": ["b"]}}, 1, 5)["s"].tolist()
    [5.0, 1.0]
    """
    out = {}
    for name, spec in scales.items():
        items = list(spec["items"])
        missing = [c for c in items if c not in df.columns]
        if missing:
            raise DataError(f"scale '{name}': item column(s) {', '.join(missing)} not in the data")
        x = df[items].apply(pd.to_numeric, errors="coerce").astype(float)
        for r in spec.get("reverse", []) or []:
            x[r] = lo + hi - x[r]
        answered = x.notna().mean(axis=1)
        out[name] = x.mean(axis=1).where(answered >= min_share)
    return pd.DataFrame(out, index=df.index)


def _prepare(df: pd.DataFrame, outcome: str, drivers: Sequence[str], *, min_n: int | None = None):
    """Complete cases of outcome + drivers as float arrays, with clear errors for unusable input."""
    drivers = list(drivers)
    if len(drivers) < 1:
        raise AnalysisError("no drivers given: list at least one driver column (survey.drivers)")
    if len(set(drivers)) != len(drivers):
        dup = sorted({d for d in drivers if drivers.count(d) > 1})
        raise AnalysisError(f"driver(s) listed twice: {', '.join(dup)}")
    if outcome in drivers:
        raise AnalysisError(f"the outcome '{outcome}' is also listed as a driver")
    cols = [outcome] + drivers
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"column(s) not in the data: {', '.join(missing)}",
                        hint=f"available: {', '.join(map(str, list(df.columns)[:30]))}")
    data = df[cols].apply(pd.to_numeric, errors="coerce").astype(float).dropna()
    n, p = len(data), len(drivers)
    need = max(p + 2, min_n or 0)
    if n < need:
        raise AnalysisError(f"only {n} complete responses for outcome '{outcome}' and {p} drivers; "
                            f"at least {need} are needed")
    x = data[drivers].to_numpy()
    y = data[outcome].to_numpy()
    if np.ptp(y) == 0:
        raise AnalysisError(f"outcome '{outcome}' has no variance (every complete response is {y[0]:g}); "
                            "key-driver analysis needs an outcome that varies")
    flat = [d for d, s in zip(drivers, np.ptp(x, axis=0)) if s == 0]
    if flat:
        raise AnalysisError(f"driver(s) with no variance: {', '.join(flat)}; drop them from the driver list")
    return x, y, n


def _check_collinearity(rxx: np.ndarray, drivers: Sequence[str], tol: float = 1e-8) -> None:
    evals, evecs = np.linalg.eigh(rxx)
    if evals[0] < tol:
        v = np.abs(evecs[:, 0])
        involved = [d for d, w in zip(drivers, v) if w > 0.1]
        raise AnalysisError(
            f"drivers are perfectly collinear: {', '.join(involved)} (one is an exact linear combination of the "
            f"others, smallest eigenvalue of their correlation matrix {evals[0]:.2e}); drop one of them or "
            "combine them into a scale score")


def _corr(xy: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pearson correlation matrix of the columns of ``xy``; with survey weights ``w`` the weighted one
    (R ``cov.wt(cor = TRUE)``: the correlation does not depend on the divisor)."""
    if w is None:
        return np.corrcoef(xy, rowvar=False)
    c = np.cov(xy, rowvar=False, aweights=w)
    sd = np.sqrt(np.diag(c))
    return c / np.outer(sd, sd)


def _complete(df: pd.DataFrame, outcome: str, drivers: Sequence[str], weights: Any):
    """``(rows, weights)`` restricted to respondents with a usable weight (all rows and ``None`` without weights);
    ``weights`` is a column name or one weight per row of ``df`` (e.g. ``Weights.weights`` of 03)."""
    if weights is None:
        return df, None
    w = np.asarray(df[weights] if isinstance(weights, str) else weights, dtype=float).ravel()
    if len(w) != len(df):
        raise DataError(f"{len(w)} weights for {len(df)} rows")
    cols = [c for c in [outcome, *drivers] if c in df.columns]
    ok = np.isfinite(w) & (w > 0) & df[cols].apply(pd.to_numeric, errors="coerce").notna().all(axis=1).to_numpy()
    return df[ok], w[ok]


def corr_inputs(df: pd.DataFrame, outcome: str, drivers: Sequence[str], *, min_n: int | None = None,
                weights: Any = None):
    """Driver correlation matrix ``Rxx``, driver–outcome correlations ``rxy`` and ``n`` (complete cases);
    weighted correlations with ``weights`` (a column name or one weight per row)."""
    df, w = _complete(df, outcome, drivers, weights)
    x, y, n = _prepare(df, outcome, drivers, min_n=min_n)
    c = _corr(np.column_stack([x, y]), w)
    rxx, rxy = c[:-1, :-1], c[:-1, -1]
    _check_collinearity(rxx, drivers)
    return rxx, rxy, n


# --------------------------------------------------------------------------- relative weights
def _rw_from_corr(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(np.clip(evals, 0, None))) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    return (lam ** 2) @ (beta ** 2)


@dataclass
class DriverResult:
    """Result of a key-driver analysis: a tidy table plus the model R² and sample size."""

    table: pd.DataFrame
    r2: float
    n: int
    outcome: str
    extra: dict[str, Any] = field(default_factory=dict)

    def weights(self, column: str = "rescaled") -> dict[str, float]:
        return dict(zip(self.table["driver"], self.table[column].astype(float)))


def relative_weights(df: pd.DataFrame, outcome: str, drivers: Sequence[str], *, n_boot: int = 0,
                     conf: float = 0.95, seed: int | None = None, min_n: int | None = None,
                     model: str = "linear", weights: Any = None) -> DriverResult:
    """Johnson's relative weights of ``drivers`` for ``outcome``.

    With ``Rxx = V D Vᵀ`` the drivers' correlation matrix, ``Λ = V D^½ Vᵀ`` links
    the drivers to their closest orthogonal counterparts Z; ``β = Λ⁻¹ r_xy`` are
    the outcome's weights on Z and the raw weight of driver j is
    ``ε_j = Σ_k Λ_jk² β_k²``. The ε sum to the model R²; the rescaled weights
    ``ε_j / R²`` sum to 1. With ``n_boot > 0`` rows are resampled and percentile
    intervals of the rescaled weights reported (``ci_low``, ``ci_high``).

    Parameters
    ----------
    df : DataFrame with the outcome and driver columns (incomplete rows are dropped).
    outcome : outcome column (continuous, or 0/1 for a linear-probability reading).
    drivers : driver columns.
    n_boot, conf, seed : bootstrap resamples, interval level, random seed.
    min_n : minimum complete responses (default p + 2).
    model : ``"linear"`` (default, this function) or ``"logistic"`` / ``"ordinal"``, which hand over
        to :func:`logistic_relative_weights` (yes/no or ordered outcome; see there).
    weights : optional survey weights (a column name or one per row): the weights come from the weighted
        correlation matrix (R ``cov.wt(cor = TRUE)``), so integer weights give the weights of the data with
        each row repeated that many times; the bootstrap resamples respondents with their weights.

    Returns
    -------
    DriverResult with ``table`` columns driver, raw, rescaled, rank (and ci_low, ci_high);
    a :class:`LogisticDriverResult` for ``model="logistic"``/``"ordinal"``.

    References
    ----------
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
    predictor variables in multiple regression. *Multivariate Behavioral Research*, 35, 1–19.
    Checked against R (``rwa::rwa`` / Tonidandel & LeBreton's RWA-Web) on mtcars,
    ``mpg ~ cyl + disp + hp + wt``: raw .2097 .1883 .1800 .2707 (tests/test_drivers.py).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    >>> d["y"] = d.a + 0.5 * d.b + rng.normal(size=200)
    >>> r = relative_weights(d, "y", ["a", "b", "c"])
    >>> round(float(r.table.rescaled.sum()), 6), r.table.driver.iloc[r.table.rescaled.argmax()]
    (1.0, 'a')
    """
    if model != "linear":
        if model not in LOGISTIC_MODELS:
            raise AnalysisError(f"model must be 'linear', 'logistic' or 'ordinal', got {model!r}")
        return logistic_relative_weights(df, outcome, drivers, model=model, n_boot=n_boot, conf=conf, seed=seed,
                                         min_n=min_n, weights=weights)
    df, w = _complete(df, outcome, drivers, weights)
    x, y, n = _prepare(df, outcome, drivers, min_n=min_n)
    c = _corr(np.column_stack([x, y]), w)
    rxx, rxy = c[:-1, :-1], c[:-1, -1]
    _check_collinearity(rxx, drivers)
    raw = _rw_from_corr(rxx, rxy)
    r2 = float(raw.sum())
    if not r2 > 0:
        raise AnalysisError(f"the drivers explain none of '{outcome}' (R² = {r2:.3g}); relative weights are undefined")
    tab = pd.DataFrame({"driver": list(drivers), "raw": raw, "rescaled": raw / r2})
    if n_boot and n_boot > 0:
        rng = np.random.default_rng(seed)
        xy = np.column_stack([x, y])
        boots = np.empty((n_boot, len(drivers)))
        ok = 0
        for _ in range(n_boot):
            idx = rng.integers(0, n, n)
            cb = _corr(xy[idx], None if w is None else w[idx])
            if not np.all(np.isfinite(cb)) or np.linalg.eigvalsh(cb[:-1, :-1])[0] < 1e-10:
                continue
            rb = _rw_from_corr(cb[:-1, :-1], cb[:-1, -1])
            boots[ok] = rb / rb.sum()
            ok += 1
        if ok < max(20, n_boot // 2):
            raise AnalysisError(f"bootstrap failed: only {ok} of {n_boot} resamples gave a usable correlation matrix "
                                f"(n = {n}); use more responses or fewer drivers")
        a = (1 - conf) / 2
        tab["ci_low"] = np.quantile(boots[:ok], a, axis=0)
        tab["ci_high"] = np.quantile(boots[:ok], 1 - a, axis=0)
    tab["rank"] = tab["rescaled"].rank(ascending=False, method="min").astype(int)
    return DriverResult(tab, r2, n, outcome)


# --------------------------------------------------------------------------- logistic / ordinal relative weights
LOGISTIC_MODELS = ("logistic", "ordinal")
R2_KINDS = ("menard", "mckelvey_zavoina")
MAX_LOGIT_COEF = 30.0   # log-odds per SD of an orthogonal driver: beyond this the fit has run off (separation)
SIGNIFICANCE_METHOD = "random_variable"


def _wvar(v: np.ndarray, w: np.ndarray) -> float:
    """Weighted variance with R ``cov.wt``'s unbiased divisor ``1 − Σ w̃²`` (R's ``var`` for equal weights)."""
    wt = w / w.sum()
    return float(wt @ (v - wt @ v) ** 2 / (1 - wt @ wt))


def _wcorr(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    wt = w / w.sum()
    da, db = a - wt @ a, b - wt @ b
    return float((wt @ (da * db)) / np.sqrt((wt @ da ** 2) * (wt @ db ** 2)))


def _separation(what: str) -> AnalysisError:
    return AnalysisError(f"the {what} does not converge: the drivers separate the outcome (almost) perfectly "
                         "(complete or quasi-complete separation), so its coefficients and the relative weights "
                         "built on them are undefined",
                         hint="use the linear relative weights, fewer drivers, or more responses")


def _fit_binary_logit(z: np.ndarray, y: np.ndarray, w: np.ndarray, *, max_iter: int = 60,
                      tol: float = 1e-13) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regression of 0/1 ``y`` on ``z`` (with intercept) by Newton–Raphson.

    Returns (slopes, linear predictor η including the intercept). Raises on separation.
    """
    X = np.column_stack([np.ones(len(y)), z])
    coef = np.zeros(X.shape[1])
    p0 = float(w @ y / w.sum())
    coef[0] = np.log(p0 / (1 - p0))
    step = np.full_like(coef, np.inf)
    for _ in range(max_iter):
        mu = 1 / (1 + np.exp(-(X @ coef)))
        h = w * mu * (1 - mu)
        try:
            step = np.linalg.solve((X * h[:, None]).T @ X, X.T @ (w * (y - mu)))
        except np.linalg.LinAlgError:
            raise _separation("logistic regression") from None
        coef = coef + step
        if not np.all(np.isfinite(coef)) or np.max(np.abs(coef[1:])) > MAX_LOGIT_COEF:
            raise _separation("logistic regression")
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(coef))):
            break
    else:
        raise _separation("logistic regression")
    return coef[1:], X @ coef


def _fit_ordered_logit(z: np.ndarray, codes: np.ndarray, k: int, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted proportional-odds model ``P(Y ≤ j | z) = F(θ_j − z·b)``, F the logistic cdf.

    Maximum likelihood with the analytic gradient (scipy BFGS, gradient tolerance 1e-10); the
    thresholds are θ₁ plus exp-increments, so they stay ordered. Same parametrisation as statsmodels
    ``OrderedModel(distr="logit")`` and R ``MASS::polr``. Returns (b, η = z·b).
    """
    from scipy.optimize import minimize
    from scipy.special import expit

    p = z.shape[1]
    ws = w / w.mean()
    counts = np.bincount(codes, weights=ws, minlength=k)
    cum = np.cumsum(counts)[:-1] / counts.sum()
    th0 = np.log(cum / (1 - cum))
    x0 = np.concatenate([th0[:1], np.log(np.maximum(np.diff(th0), 1e-3)), np.zeros(p)])
    hi_ok, lo_ok = codes < k - 1, codes > 0

    def unpack(par):
        return np.cumsum(np.concatenate([par[:1], np.exp(par[1:k - 1])])), par[k - 1:]

    def nll(par):
        th, b = unpack(par)
        eta = z @ b
        ext = np.concatenate([[-np.inf], th, [np.inf]])
        fh, fl = expit(ext[codes + 1] - eta), expit(ext[codes] - eta)
        pr = np.maximum(fh - fl, 1e-300)
        dh, dl = ws * fh * (1 - fh) / pr, ws * fl * (1 - fl) / pr
        gth = np.bincount(codes[hi_ok], weights=dh[hi_ok], minlength=k - 1)[:k - 1] \
            - np.bincount(codes[lo_ok] - 1, weights=dl[lo_ok], minlength=k - 1)[:k - 1]
        gb = -(z.T @ (dh - dl))
        tail = np.cumsum(gth[::-1])[::-1]            # ∂/∂θ_m summed over m ≥ j
        g = np.concatenate([[tail[0]], tail[1:] * np.exp(par[1:k - 1]), gb])
        return -float(ws @ np.log(pr)), -g

    res = minimize(nll, x0, jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
    _, b = unpack(res.x)
    if not np.all(np.isfinite(res.x)) or np.max(np.abs(b)) > MAX_LOGIT_COEF \
            or np.max(np.abs(nll(res.x)[1])) > 1e-6 * max(1.0, len(codes) / 100):
        raise _separation("ordered logistic regression")
    return b, z @ b


def _lrw_core(x: np.ndarray, y: np.ndarray, w: np.ndarray, model: str, r2_kind: str, k: int = 2) -> dict[str, Any]:
    """Logistic (``y`` 0/1) or ordinal (``y`` codes 0..k−1) relative weights of the columns of ``x``."""
    p = x.shape[1]
    wt = w / w.sum()
    sd = np.sqrt([_wvar(x[:, j], w) for j in range(p)])
    xs = (x - wt @ x) / sd
    rxx = (xs * wt[:, None]).T @ xs / (1 - wt @ wt)
    evals, evecs = np.linalg.eigh(rxx)
    if evals[0] < 1e-10:
        raise AnalysisError(f"drivers are (nearly) perfectly collinear (smallest eigenvalue {evals[0]:.2e})")
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T                 # Λ = R^½, X_std = Z Λ
    z = xs @ (evecs @ np.diag(1 / np.sqrt(evals)) @ evecs.T)         # Z = X_std R^−½: (weighted) orthonormal
    if model == "logistic":
        b, eta = _fit_binary_logit(z, y, w)
    else:
        b, eta = _fit_ordered_logit(z, y.astype(int), k, w)
    var_eta = _wvar(eta, w)
    if not var_eta > 0:
        raise AnalysisError("the fitted model gives everyone the same prediction: the drivers explain nothing")
    if r2_kind == "menard":
        r2 = _wcorr(y.astype(float), 1 / (1 + np.exp(-eta)), w) ** 2
    else:
        r2 = var_eta / (var_eta + np.pi ** 2 / 3)
    beta = b * np.sqrt(r2) / np.sqrt(var_eta)                       # Menard: b · s_Z · R / s_η, s_Z = 1
    raw = (lam ** 2) @ (beta ** 2)
    return {"raw": raw, "r2": float(r2), "b": b, "beta": beta, "lam": lam, "rxx": rxx, "var_eta": var_eta}


@dataclass
class LogisticDriverResult(DriverResult):
    """Result of :func:`logistic_relative_weights`: the :class:`DriverResult` table plus model diagnostics.

    ``table`` columns: driver, raw, rescaled, rank, vif; with a bootstrap also ci_low, ci_high
    (rescaled), raw_ci_low, raw_ci_high, diff_low, diff_high (raw weight minus the random
    variable's) and significant.
    """

    model: str = "logistic"
    r2_kind: str = "menard"
    condition_number: float = float("nan")
    counts: dict[str, int] = field(default_factory=dict)
    n_boot: int = 0
    n_boot_ok: int = 0
    conf: float = 0.95

    def to_results(self) -> dict[str, Any]:
        """The result keys for notebook 03 (plain floats, bools and dicts; JSON-ready)."""
        t = self.table
        out: dict[str, Any] = {
            "driver_model": self.model, "r2": self.r2, "r2_kind": self.r2_kind, "driver_n": self.n,
            "driver_weights": dict(zip(t["driver"], map(float, t["rescaled"]))),
            "driver_weights_raw": dict(zip(t["driver"], map(float, t["raw"]))),
            "driver_vif": dict(zip(t["driver"], map(float, t["vif"]))),
            "driver_condition_number": float(self.condition_number),
            "driver_outcome_counts": dict(self.counts)}
        if "significant" in t:
            out["driver_weights_ci"] = {d: [float(a), float(b)] for d, a, b in zip(t["driver"], t["ci_low"], t["ci_high"])}
            out["driver_weights_raw_ci"] = {d: [float(a), float(b)]
                                            for d, a, b in zip(t["driver"], t["raw_ci_low"], t["raw_ci_high"])}
            out["driver_significant"] = dict(zip(t["driver"], map(bool, t["significant"])))
            out["driver_significance_method"] = SIGNIFICANCE_METHOD
        return out


def _weights_for(df: pd.DataFrame, weights: Any) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in df.columns:
            raise DataError(f"weight column '{weights}' not in the data")
        weights = df[weights]
    w = pd.to_numeric(pd.Series(np.asarray(weights, dtype=object).ravel()), errors="coerce").to_numpy(float)
    if len(w) != len(df):
        raise DataError(f"{len(w)} weights for {len(df)} rows")
    if np.any(w[np.isfinite(w)] < 0):
        raise DataError("weights must be ≥ 0")
    return w


def logistic_relative_weights(df: pd.DataFrame, outcome: str, drivers: Sequence[str], *,
                              model: str = "logistic", r2: str | None = None, weights: Any = None,
                              n_boot: int = 0, conf: float = 0.95, seed: int | None = None,
                              min_n: int | None = None) -> LogisticDriverResult:
    r"""Relative weights for a yes/no (logistic) or ordered (ordinal logit) outcome.

    Tonidandel & LeBreton's (2010) extension of Johnson's (2000) relative weights. With the
    drivers standardised and ``R = V D Vᵀ`` their correlation matrix:

    1. ``Λ = V D^½ Vᵀ`` and ``Z = X_std V D^−½ Vᵀ``: Z are the orthonormal variables closest to
       the drivers, and ``X_std = Z Λ``;
    2. the outcome is regressed on Z: logistic regression (``model="logistic"``, ``y`` 0/1) or the
       proportional-odds cumulative logit (``model="ordinal"``), giving slopes ``b_k`` and the
       linear predictor η;
    3. fully standardised slopes (Menard 2004, 2011): ``β_k = b_k · s_Z · R / s_η`` with
       ``s_Z = 1``, ``s_η`` the SD of η and R² the pseudo-R² below;
    4. raw weights ``ε_j = Σ_k Λ_jk² β_k²`` and shares ``ε_j / Σ ε``.

    Because the Z are orthonormal, ``s_η² = Σ b_k²`` and every column of Λ² sums to 1, so
    ``Σ_j ε_j = R²`` exactly. R² (``r2``):

    - ``"menard"`` (default for ``logistic``): ``R²_O``, the squared correlation between the 0/1
      outcome and the fitted probability — Menard's (2004) R in the standardisation, and what
      Tonidandel & LeBreton's RWA-Web code computes (``summary(lm(p̂ ~ y))$r.squared``, as reproduced
      in the R package rwa's ``rwa_logit``);
    - ``"mckelvey_zavoina"`` (default and only choice for ``ordinal``): ``R²_MZ = s_η² / (s_η² + π²/3)``,
      the explained share of the latent logistic variable (McKelvey & Zavoina 1975). Then
      ``β_k = b_k / s_{y*}``, the latent-standardised slope (Long 1997, §4.4).

    Survey ``weights`` (a column name or one value per row) weight the means, SDs and
    correlations (R ``cov.wt``) and the likelihood (R ``glm(weights=)``, ``polr(weights=)``);
    the bootstrap then resamples rows with their weights (not a design-based variance).

    With ``n_boot > 0``: percentile intervals (level ``conf``) of the shares (``ci_low``,
    ``ci_high``) and raw weights (``raw_ci_low``, ``raw_ci_high``), and a significance flag by
    Tonidandel, LeBreton & Johnson's (2009) random-variable test: a standard-normal random
    variable (drawn once, from ``seed``) is added to the drivers, and driver j is ``significant``
    when the percentile interval of ``ε_j − ε_random`` over the resamples lies above 0. (An
    interval of ε_j itself cannot include 0 — raw weights are never negative — so "its interval
    excludes 0" would flag every driver.) Resamples whose fit fails (separation, a missing
    outcome category) are skipped and counted (``n_boot_ok``).

    Parameters
    ----------
    df : DataFrame with the outcome and driver columns (incomplete rows are dropped).
    outcome : outcome column: 0/1 (``logistic``) or ordered numeric codes with ≥ 3 values (``ordinal``).
    drivers : driver columns.
    model : ``"logistic"`` or ``"ordinal"``.
    r2 : ``"menard"`` or ``"mckelvey_zavoina"`` (default: menard for logistic, McKelvey–Zavoina for ordinal).
    weights : optional survey weights (column name or array aligned with ``df``); rows without a weight are dropped.
    n_boot, conf, seed : bootstrap resamples, interval level, random seed.
    min_n : minimum complete responses (default p + 2).

    Returns
    -------
    LogisticDriverResult : ``table`` (driver, raw, rescaled, rank, vif and the bootstrap columns),
    ``r2`` (= Σ raw), ``n``, ``model``, ``r2_kind``, ``condition_number`` (``√(λ_max/λ_min)`` of the
    drivers' correlation matrix, Belsley's condition number of the standardised drivers), ``counts``
    (respondents per outcome value) and :meth:`~LogisticDriverResult.to_results`. ``vif`` is
    statsmodels ``variance_inflation_factor`` on the drivers with a constant (unweighted).

    References
    ----------
    Tonidandel, S., & LeBreton, J. M. (2010). Determining the relative importance of predictors in
    logistic regression: An extension of relative weight analysis. *Organizational Research Methods*,
    13(4), 767–781. — Tonidandel, S., LeBreton, J. M., & Johnson, J. W. (2009). Determining the
    statistical significance of relative weights. *Psychological Methods*, 14(4), 387–399. —
    Menard, S. (2004). Six approaches to calculating standardized logistic regression coefficients.
    *The American Statistician*, 58(3), 218–223. — McKelvey, R. D., & Zavoina, W. (1975). A statistical
    model for the analysis of ordinal level dependent variables. *J. Math. Sociology*, 4, 103–120.
    Checked against an independent R computation (``glm``/``MASS::polr`` + ``svd``/``eigen``) on the ABC
    survey sample, max |Δ| ≤ 1e-15 (logistic) and ≤ 1e-9 (ordinal): ``tests/data/refdata/logistic_rw.R``,
    ``tests/test_logistic_rw.py``. The paper's own worked example was not available to check against; the
    rwa package's published ``rwa_logit`` example (mtcars, mpg > median) is a separated fit (R warns
    "fitted probabilities numerically 0 or 1", its weights sum to 32.8), which this function refuses.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> d["y"] = (d.a + 0.5 * d.b + rng.logistic(size=300) > 0).astype(int)
    >>> r = logistic_relative_weights(d, "y", ["a", "b", "c"])
    >>> bool(abs(r.table.raw.sum() - r.r2) < 1e-12), r.table.driver.iloc[r.table.raw.argmax()], r.model
    (True, 'a', 'logistic')
    """
    if model not in LOGISTIC_MODELS:
        raise AnalysisError(f"model must be one of {', '.join(LOGISTIC_MODELS)}, got {model!r}")
    r2_kind = r2 or ("menard" if model == "logistic" else "mckelvey_zavoina")
    if r2_kind not in R2_KINDS:
        raise AnalysisError(f"r2 must be one of {', '.join(R2_KINDS)}, got {r2_kind!r}")
    if model == "ordinal" and r2_kind == "menard":
        raise AnalysisError("r2='menard' (R²_O, correlation with the fitted probability) is defined for a yes/no "
                            "outcome; the ordinal model uses r2='mckelvey_zavoina'")
    if not 0 < conf < 1:
        raise AnalysisError(f"conf must be between 0 and 1, got {conf}")
    drivers = list(drivers)
    w_all = _weights_for(df, weights)
    d = df
    if w_all is not None:
        d = df.loc[np.isfinite(w_all)]
        w_all = w_all[np.isfinite(w_all)]
        cols = [c for c in [outcome] + drivers if c in d.columns]
        keep = d[cols].apply(pd.to_numeric, errors="coerce").notna().all(axis=1).to_numpy()
        d, w_all = d.loc[keep], w_all[keep]
    x, y, n = _prepare(d, outcome, drivers, min_n=min_n)
    w = np.ones(n) if w_all is None else w_all
    if not w.sum() > 0:
        raise AnalysisError("every complete response has weight 0")
    values = np.unique(y)
    if model == "logistic":
        if not set(values) <= {0.0, 1.0}:
            raise AnalysisError(f"a logistic outcome must be 0/1; '{outcome}' has {', '.join(f'{v:g}' for v in values[:6])}",
                                hint="dichotomise it first (e.g. top-2 box → 1), or use model='ordinal'")
        codes, k = y, 2
    else:
        if len(values) < 3:
            raise AnalysisError(f"an ordinal outcome needs at least 3 values; '{outcome}' has {len(values)}: "
                                "use model='logistic'")
        codes, k = np.searchsorted(values, y).astype(float), len(values)
    counts = {f"{v:g}": int((y == v).sum()) for v in values}
    _check_collinearity(np.corrcoef(x, rowvar=False), drivers)
    core = _lrw_core(x, codes, w, model, r2_kind, k)
    raw, r2v = core["raw"], core["r2"]
    tab = pd.DataFrame({"driver": drivers, "raw": raw, "rescaled": raw / raw.sum()})
    tab["rank"] = tab["rescaled"].rank(ascending=False, method="min").astype(int)
    from statsmodels.stats.outliers_influence import variance_inflation_factor
    xc = np.column_stack([np.ones(n), x])
    tab["vif"] = [float(variance_inflation_factor(xc, j + 1)) for j in range(len(drivers))]
    ev = np.linalg.eigvalsh(core["rxx"])
    ok = 0
    if n_boot and n_boot > 0:
        rng = np.random.default_rng(seed)
        rand = rng.standard_normal(n)
        xr = np.column_stack([x, rand])
        boots = np.empty((n_boot, len(drivers)))
        diffs = np.empty((n_boot, len(drivers)))
        for _ in range(n_boot):
            i = rng.integers(0, n, n)
            if len(np.unique(codes[i])) < k:
                continue
            try:
                rb = _lrw_core(x[i], codes[i], w[i], model, r2_kind, k)["raw"]
                ra = _lrw_core(xr[i], codes[i], w[i], model, r2_kind, k)["raw"]
            except (AnalysisError, np.linalg.LinAlgError, FloatingPointError):
                continue
            boots[ok], diffs[ok] = rb, ra[:-1] - ra[-1]
            ok += 1
        if ok < max(20, n_boot // 2):
            raise AnalysisError(f"bootstrap failed: only {ok} of {n_boot} resamples gave a usable model (n = {n}); "
                                "use more responses or fewer drivers")
        a = (1 - conf) / 2
        b_, dfs = boots[:ok], diffs[:ok]
        shares = b_ / b_.sum(axis=1, keepdims=True)
        tab["ci_low"], tab["ci_high"] = np.quantile(shares, a, axis=0), np.quantile(shares, 1 - a, axis=0)
        tab["raw_ci_low"], tab["raw_ci_high"] = np.quantile(b_, a, axis=0), np.quantile(b_, 1 - a, axis=0)
        tab["diff_low"], tab["diff_high"] = np.quantile(dfs, a, axis=0), np.quantile(dfs, 1 - a, axis=0)
        tab["significant"] = tab["diff_low"] > 0
    extra = {"b": dict(zip(drivers, core["b"])), "beta": dict(zip(drivers, core["beta"])),
             "lambda": pd.DataFrame(core["lam"], index=drivers, columns=drivers)}
    return LogisticDriverResult(tab, r2v, n, outcome, extra=extra, model=model, r2_kind=r2_kind,
                                condition_number=float(np.sqrt(ev[-1] / ev[0])), counts=counts,
                                n_boot=int(n_boot or 0), n_boot_ok=ok, conf=conf)


# --------------------------------------------------------------------------- dominance
def all_subset_r2(rxx: np.ndarray, rxy: np.ndarray, *, chunk: int = 20000) -> np.ndarray:
    """R² of every subset of drivers, indexed by bitmask (bit j set = driver j in the model).

    R²(S) = r_Sᵀ R_SS⁻¹ r_S, solved in batches of equal-size subsets with
    ``numpy.linalg.solve`` (no refit on the data). ``r2[0] = 0``.

    >>> all_subset_r2(np.eye(2), np.array([0.3, 0.4])).round(2).tolist()
    [0.0, 0.09, 0.16, 0.25]
    """
    p = len(rxy)
    if p > MAX_DOMINANCE_DRIVERS:
        raise AnalysisError(f"dominance analysis over all subsets is limited to {MAX_DOMINANCE_DRIVERS} drivers "
                            f"(2^{p} subsets asked); use scale scores or relative weights instead")
    masks = np.arange(1 << p, dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(p)) & 1).astype(bool)
    sizes = bits.sum(axis=1)
    r2 = np.zeros(1 << p)
    for k in range(1, p + 1):
        mk = masks[sizes == k]
        for start in range(0, len(mk), chunk):
            m = mk[start:start + chunk]
            idx = np.nonzero(bits[m])[1].reshape(len(m), k)
            a = rxx[idx[:, :, None], idx[:, None, :]]
            b = rxy[idx]
            sol = np.linalg.solve(a, b[:, :, None])[:, :, 0]
            r2[m] = np.einsum("ij,ij->i", b, sol)
    return r2


def dominance_from_r2(r2: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """General dominance weights and the conditional dominance matrix from all-subset R².

    Conditional dominance ``C[j, k]`` is the mean increase in R² when driver j
    joins a model holding k other drivers (k = 0..p−1); general dominance is the
    mean of ``C[j, :]`` over k, which equals the Shapley value of R².
    """
    masks = np.arange(1 << p, dtype=np.int64)
    sizes = np.array([bin(i).count("1") for i in range(1 << p)]) if p <= 12 else \
        ((masks[:, None] >> np.arange(p)) & 1).sum(axis=1)
    cond = np.zeros((p, p))
    for j in range(p):
        bit = 1 << j
        without = masks[(masks & bit) == 0]
        gain = r2[without | bit] - r2[without]
        k = sizes[without]
        sums = np.bincount(k, weights=gain, minlength=p)
        cond[j] = sums / np.array([comb(p - 1, kk) for kk in range(p)], dtype=float)
    return cond.mean(axis=1), cond


def dominance(df: pd.DataFrame, outcome: str, drivers: Sequence[str], *, min_n: int | None = None,
              weights: Any = None) -> DriverResult:
    """General dominance (Shapley decomposition of R²) of ``drivers`` for ``outcome``.

    For every subset S of the other drivers, the gain ``R²(S ∪ {j}) − R²(S)``
    is averaged within each subset size k (conditional dominance, column
    ``k``) and then across sizes (general dominance). General dominance weights
    sum to the full-model R²; ``share`` divides them by R².

    The 2^p subset R² values come from the correlation matrix (see
    :func:`all_subset_r2`): for 15 drivers that is 32,768 small solves, well
    under a second, independent of the number of respondents (``benchmarks/drivers.py``).

    References
    ----------
    Budescu, D. V. (1993). Dominance analysis. *Psychological Bulletin*, 114, 542–551.
    Azen, R., & Budescu, D. V. (2003). The dominance analysis approach for comparing
    predictors in multiple regression. *Psychological Methods*, 8, 129–148.
    Checked on R's ``attitude`` data (rating ~ all six; R ``dominanceanalysis`` /
    ``domir``): complaints .371, learning .156, raises .120 … (tests/test_drivers.py).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> d["y"] = d.a + 0.5 * d.b + rng.normal(size=300)
    >>> r = dominance(d, "y", ["a", "b", "c"])
    >>> bool(abs(r.table.general.sum() - r.r2) < 1e-12)
    True
    """
    rxx, rxy, n = corr_inputs(df, outcome, drivers, min_n=min_n, weights=weights)   # weighted: R cov.wt
    return dominance_from_corr(rxx, rxy, list(drivers), n=n, outcome=outcome)


def dominance_from_corr(rxx: np.ndarray, rxy: np.ndarray, drivers: Sequence[str], *, n: int = 0,
                        outcome: str = "") -> DriverResult:
    """:func:`dominance` from a correlation matrix (drivers) and vector (driver–outcome)."""
    p = len(rxy)
    r2 = all_subset_r2(np.asarray(rxx, float), np.asarray(rxy, float))
    gen, cond = dominance_from_r2(r2, p)
    full = float(r2[-1])
    tab = pd.DataFrame({"driver": list(drivers), "general": gen, "share": gen / full if full > 0 else np.nan})
    tab["rank"] = tab["general"].rank(ascending=False, method="min").astype(int)
    conditional = pd.DataFrame(cond, index=list(drivers), columns=[f"k{k}" for k in range(p)])
    return DriverResult(tab, full, n, outcome, extra={"conditional": conditional, "n_subsets": len(r2) - 1})


# --------------------------------------------------------------------------- IPA
def ipa(importance: Mapping[str, float], performance: Mapping[str, float], *, cross: str = "mean") -> pd.DataFrame:
    """Importance-performance analysis: place each driver in one of four quadrants.

    The cross-hairs are the mean (or median, ``cross="median"``) importance and
    performance over the drivers (data-centred grid). Quadrants (Martilla & James 1977):

    - ``concentrate``: importance ≥ cross, performance < cross — "concentrate here";
    - ``keep_up``: importance ≥ cross, performance ≥ cross — "keep up the good work";
    - ``low_priority``: importance < cross, performance < cross;
    - ``overkill``: importance < cross, performance ≥ cross — "possible overkill".

    ``gap`` = performance cross − performance, scaled by importance
    (``priority = importance_share × max(gap, 0)``) orders the action list.

    >>> t = ipa({"a": .5, "b": .4, "c": .1}, {"a": 60, "b": 80, "c": 65})
    >>> dict(zip(t.driver, t.quadrant))
    {'a': 'concentrate', 'b': 'keep_up', 'c': 'low_priority'}
    """
    if set(importance) != set(performance):
        raise AnalysisError("importance and performance must be given for the same drivers; differ on: "
                            + ", ".join(sorted(set(importance) ^ set(performance))))
    if len(importance) < 2:
        raise AnalysisError("importance-performance analysis needs at least two drivers")
    if cross not in ("mean", "median"):
        raise AnalysisError(f"cross must be 'mean' or 'median', got {cross!r}")
    drivers = list(importance)
    imp = np.array([float(importance[d]) for d in drivers])
    perf = np.array([float(performance[d]) for d in drivers])
    if not (np.all(np.isfinite(imp)) and np.all(np.isfinite(perf))):
        bad = [d for d, i, pf in zip(drivers, imp, perf) if not (np.isfinite(i) and np.isfinite(pf))]
        raise AnalysisError(f"missing importance or performance for: {', '.join(bad)}")
    f = np.mean if cross == "mean" else np.median
    ci, cp = float(f(imp)), float(f(perf))
    hi_i, hi_p = imp >= ci, perf >= cp
    quad = np.where(hi_i & ~hi_p, "concentrate", np.where(hi_i & hi_p, "keep_up",
                    np.where(~hi_i & ~hi_p, "low_priority", "overkill")))
    share = imp / imp.sum() if imp.sum() > 0 else imp
    out = pd.DataFrame({"driver": drivers, "importance": imp, "performance": perf, "quadrant": quad,
                        "priority": share * np.maximum(cp - perf, 0)})
    out.attrs.update({"importance_cross": ci, "performance_cross": cp})
    order = {q: i for i, q in enumerate(IPA_QUADRANTS)}
    return out.sort_values(["quadrant", "importance"], key=lambda s: s.map(order) if s.name == "quadrant" else -s,
                           kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- Kano
def kano_classify(functional: Any, dysfunctional: Any, *, name: str = "") -> pd.Series:
    """Kano category of each respondent from the evaluation table (:data:`KANO_TABLE`).

    Answers are 1 like, 2 must-be, 3 neutral, 4 live with, 5 dislike. A missing
    answer gives a missing category; any other value raises :class:`DataError`
    naming the rows (spreadsheet numbering, header = row 1).

    >>> kano_classify([2, 1, 1, 3], [5, 5, 3, 3]).tolist()
    ['M', 'O', 'A', 'I']
    """
    f = pd.to_numeric(pd.Series(functional), errors="coerce").reset_index(drop=True)
    d = pd.to_numeric(pd.Series(dysfunctional), errors="coerce").reset_index(drop=True)
    raw_f, raw_d = pd.Series(functional).reset_index(drop=True), pd.Series(dysfunctional).reset_index(drop=True)
    for s, raw, kind in ((f, raw_f, "functional"), (d, raw_d, "dysfunctional")):
        bad = (raw.notna() & s.isna()) | (s.notna() & ~s.isin([1, 2, 3, 4, 5]))
        if bad.any():
            rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())]
            raise DataError(f"Kano {kind} answers must be 1–5 (1 like … 5 dislike); got "
                            f"{', '.join(map(str, raw[bad].unique()[:3]))}", column=name or None, rows=rows)
    both = f.notna() & d.notna()
    out = pd.Series([None] * len(f), dtype=object)
    fi, di = f[both].astype(int).to_numpy() - 1, d[both].astype(int).to_numpy() - 1
    out[both] = [KANO_TABLE[a][b] for a, b in zip(fi, di)]
    return out


def kano_coefficients(counts: Mapping[str, int]) -> tuple[float, float]:
    """Better and Worse coefficients (Berger et al. 1993; customer-satisfaction coefficient).

    ``Better = (A + O) / (A + O + M + I)``, ``Worse = −(O + M) / (A + O + M + I)``.

    >>> [round(v, 3) for v in kano_coefficients({"M": 95, "O": 123, "A": 45, "I": 33})]
    [0.568, -0.736]
    """
    a, o, m, i = (int(counts.get(k, 0)) for k in "AOMI")
    tot = a + o + m + i
    if tot == 0:
        raise AnalysisError("no valid Kano answers (A, O, M, I all zero): Better/Worse are undefined")
    return (a + o) / tot, -(o + m) / tot


def fong_test(counts: Mapping[str, int], *, z: float = 1.65) -> dict[str, Any]:
    """Fong's test: is the most frequent Kano category clearly ahead of the second?

    ``|a − b| < Q = z · sqrt((a + b)(2n − a − b) / (2n))`` with a, b the two
    largest category frequencies and n all classified answers (z = 1.65 for
    α = 0.10, as in Fong 1996). When the difference is below Q the feature is
    reported as a mix of the two categories.

    >>> r = fong_test({"M": 95, "O": 123, "A": 45, "I": 33})
    >>> r["first"], r["second"], round(r["q"], 2), r["significant"]
    ('O', 'M', 19.36, True)
    """
    c = {k: int(counts.get(k, 0)) for k in KANO_CATEGORIES}
    n = sum(c.values())
    if n == 0:
        raise AnalysisError("no Kano answers to test")
    order = sorted(KANO_CATEGORIES, key=lambda k: (-c[k], KANO_CATEGORIES.index(k)))
    a, b = c[order[0]], c[order[1]]
    q = z * np.sqrt((a + b) * (2 * n - a - b) / (2 * n))
    return {"first": order[0], "second": order[1], "a": a, "b": b, "n": n, "q": float(q),
            "significant": bool(abs(a - b) >= q)}


def kano_table(df: pd.DataFrame, features: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Kano summary per feature: category counts, dominant category, Better/Worse, Fong test.

    ``features`` maps a feature name to its (functional column, dysfunctional column).
    ``category`` is the dominant category, or "first/second" when Fong's test
    finds no clear winner.
    """
    rows = []
    for feat, (fc, dc) in features.items():
        for c in (fc, dc):
            if c not in df.columns:
                raise DataError(f"Kano feature '{feat}': column '{c}' not in the data")
        cat = kano_classify(df[fc], df[dc], name=f"{fc}/{dc}")
        counts = cat.value_counts().reindex(list(KANO_CATEGORIES), fill_value=0)
        rec: dict[str, Any] = {"feature": feat, **{k: int(counts[k]) for k in KANO_CATEGORIES}}
        rec["n"] = int(counts.sum())
        if rec["n"] == 0:
            raise AnalysisError(f"Kano feature '{feat}': no respondent answered both {fc} and {dc}")
        better, worse = kano_coefficients(counts)
        fong = fong_test(counts)
        rec.update({"dominant": fong["first"], "better": better, "worse": worse, "fong_q": fong["q"],
                    "fong_significant": fong["significant"],
                    "category": fong["first"] if fong["significant"] else f"{fong['first']}/{fong['second']}"})
        rows.append(rec)
    return pd.DataFrame(rows)


def kano_features(columns: Sequence[str], prefix_f: str = "kano_f_", prefix_d: str = "kano_d_") -> dict[str, tuple[str, str]]:
    """Find Kano pairs ``kano_f_<feature>`` / ``kano_d_<feature>`` among column names.

    >>> kano_features(["kano_f_x", "kano_d_x", "kano_f_y"])
    {'x': ('kano_f_x', 'kano_d_x')}
    """
    cols = set(columns)
    return {c[len(prefix_f):]: (c, prefix_d + c[len(prefix_f):]) for c in columns
            if c.startswith(prefix_f) and prefix_d + c[len(prefix_f):] in cols}


# --------------------------------------------------------------------------- SERVQUAL
def servqual_gaps(perception: pd.DataFrame, expectation: pd.DataFrame, *, conf: float = 0.95) -> pd.DataFrame:
    """SERVQUAL gap P − E per dimension with a paired t-test (``pingouin.ttest(paired=True)``).

    ``perception`` and ``expectation`` hold one column per dimension (same
    names, same rows, same 1..k scale). A negative gap means the service falls
    short of what customers expect. ``cohen_d`` is pingouin's paired effect size, signed like the gap.

    Reference: Parasuraman, Zeithaml & Berry (1988), SERVQUAL, *Journal of Retailing* 64(1), 12–40.
    """
    import pingouin as pg
    from scipy import stats

    dims = [c for c in perception.columns if c in expectation.columns]
    if not dims:
        raise AnalysisError("SERVQUAL needs expectation columns for the same dimensions as the perception scales")
    rows = []
    for dmn in dims:
        pe = pd.DataFrame({"p": perception[dmn], "e": expectation[dmn]}).astype(float).dropna()
        if len(pe) < 3:
            raise AnalysisError(f"SERVQUAL dimension '{dmn}': only {len(pe)} respondents with both P and E")
        gap = pe["p"] - pe["e"]
        if gap.std() == 0:
            res = {"T": np.nan, "p_val": np.nan, "cohen_d": 0.0}
        else:
            t = pg.ttest(pe["p"], pe["e"], paired=True, confidence=conf)
            pcol = "p_val" if "p_val" in t else "p-val"      # pingouin ≥ 0.6 / older
            dcol = "cohen_d" if "cohen_d" in t else "cohen-d"
            res = {"T": float(t["T"].iloc[0]), "p_val": float(t[pcol].iloc[0]), "cohen_d": float(np.sign(gap.mean()) * abs(t[dcol].iloc[0]))}
        half = float(gap.sem() * stats.t.ppf((1 + conf) / 2, len(gap) - 1))
        rows.append({"dimension": dmn, "n": len(pe), "perception": float(pe["p"].mean()),
                     "expectation": float(pe["e"].mean()), "gap": float(gap.mean()),
                     "ci_low": float(gap.mean()) - half, "ci_high": float(gap.mean()) + half,
                     "t": res["T"], "p_value": res["p_val"], "cohen_d": res["cohen_d"]})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- plots
def plot_weights(table: pd.DataFrame, *, labels: Sequence[str], title: str, xlabel: str):
    """Horizontal bars of rescaled weights (share of R²) with bootstrap intervals when present."""
    import matplotlib.pyplot as plt

    t = table.reset_index(drop=True)
    order = np.argsort(t["rescaled"].to_numpy())
    fig, ax = plt.subplots(figsize=(6.8, 0.34 * len(t) + 1.3))
    y = np.arange(len(t))
    vals = t["rescaled"].to_numpy()[order]
    ax.barh(y, vals, color="#3b7dd8")
    if "ci_low" in t:
        lo = vals - t["ci_low"].to_numpy()[order]
        hi = t["ci_high"].to_numpy()[order] - vals
        ax.errorbar(vals, y, xerr=[np.clip(lo, 0, None), np.clip(hi, 0, None)], fmt="none", ecolor="#333", capsize=2)
    ax.set_yticks(y, [labels[i] for i in order])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_ipa(table: pd.DataFrame, *, labels: Mapping[str, str], quadrant_labels: Mapping[str, str],
             title: str, xlabel: str, ylabel: str):
    """IPA grid: performance (x) against importance (y), cross-hairs at the table's cross values."""
    import matplotlib.pyplot as plt

    colors = {"concentrate": "#d62728", "keep_up": "#2ca02c", "low_priority": "#7f7f7f", "overkill": "#ff7f0e"}
    fig, ax = plt.subplots(figsize=(6.8, 5.0))
    for q in IPA_QUADRANTS:
        s = table[table["quadrant"] == q]
        ax.scatter(s["performance"], s["importance"], s=60, color=colors[q], label=quadrant_labels[q])
    for _, r in table.iterrows():
        ax.annotate(labels.get(r["driver"], r["driver"]), (r["performance"], r["importance"]),
                    textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.axvline(table.attrs.get("performance_cross", table["performance"].mean()), color="#999", ls="--", lw=1)
    ax.axhline(table.attrs.get("importance_cross", table["importance"].mean()), color="#999", ls="--", lw=1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best", frameon=False)
    fig.tight_layout()
    return fig


def plot_kano(table: pd.DataFrame, *, labels: Mapping[str, str], title: str, xlabel: str, ylabel: str):
    """Better (y) against |Worse| (x) per feature, with 0.5 cross-hairs."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 4.6))
    ax.scatter(-table["worse"], table["better"], s=60, color="#3b7dd8")
    for _, r in table.iterrows():
        ax.annotate(labels.get(r["feature"], r["feature"]), (-r["worse"], r["better"]),
                    textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.axvline(0.5, color="#999", ls="--", lw=1)
    ax.axhline(0.5, color="#999", ls="--", lw=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- data for the notebook
def driver_data(df: pd.DataFrame, survey: Mapping[str, Any], level: str = "scales") -> pd.DataFrame:
    """Driver columns on their answer scale, higher = better.

    ``level="scales"``: one score per declared scale (:func:`scale_scores`);
    ``level="items"``: the items of ``survey["drivers"]``, reverse-keyed ones flipped.
    """
    lo, hi = survey.get("scale_range", (1, 5))
    scales = survey.get("scales") or {}
    if level == "scales":
        if len(scales) < 2:
            raise AnalysisError("driver_level 'scales' needs at least two scales in survey.scales; "
                                "use driver_level: items")
        return scale_scores(df, scales, lo, hi)
    items = list(survey.get("drivers") or [])
    if len(items) < 2:
        raise AnalysisError("driver_level 'items' needs at least two items in survey.drivers")
    missing = [c for c in items if c not in df.columns]
    if missing:
        raise DataError(f"driver column(s) {', '.join(missing)} not in the data")
    rev = {r for sc in scales.values() for r in (sc.get("reverse") or [])}
    x = df[items].apply(pd.to_numeric, errors="coerce").astype(float)
    for c in items:
        if c in rev:
            x[c] = lo + hi - x[c]
    return x


def outcome_series(df: pd.DataFrame, survey: Mapping[str, Any], name: str, *, top_box: int = 2) -> pd.Series:
    """An outcome for key-driver analysis: ``overall``/``csat``/``nps``/``ces`` (an outcome key or a column),
    or the binary ``satisfied`` (CSAT in the top box) and ``promoter`` (NPS 9–10), as 0/1."""
    outcomes = survey.get("outcomes") or {}
    ranges = survey.get("outcome_ranges") or {}
    builtin = {"satisfied": "CSAT in the top box", "promoter": "NPS 9–10"}
    role_col = outcomes.get(name)
    if name in builtin and name in df.columns:
        raise AnalysisError(f"diagnostics.driver_outcome '{name}' is ambiguous: the data has a column '{name}', and "
                            f"'{name}' also names the built-in yes/no outcome ({builtin[name]})",
                            hint=f"to use the column, declare it as an outcome (e.g. survey.outcomes.csat: {name}) and "
                                 "name that role; to use the built-in meaning, rename the column with input.responses.columns")
    if role_col and name in df.columns and role_col != name:
        raise AnalysisError(f"diagnostics.driver_outcome '{name}' is ambiguous: it is the outcome role '{name}' "
                            f"(column '{role_col}') and also a column of the data",
                            hint="name the column you mean, or rename one of them")
    if name == "satisfied":
        col = outcomes.get("csat")
        if not col:
            raise AnalysisError("binary outcome 'satisfied' needs survey.outcomes.csat")
        hi = ranges.get("csat", (1, 5))[1]
        v = pd.to_numeric(df[col], errors="coerce")
        return (v >= hi - top_box + 1).astype(float).where(v.notna())
    if name == "promoter":
        col = outcomes.get("nps")
        if not col:
            raise AnalysisError("binary outcome 'promoter' needs survey.outcomes.nps")
        v = pd.to_numeric(df[col], errors="coerce")
        return (v >= 9).astype(float).where(v.notna())
    col = outcomes.get(name) or name
    if col not in df.columns:
        raise AnalysisError(f"diagnostics.driver_outcome: '{name}' is neither an outcome in survey.outcomes "
                            f"({', '.join(k for k, v in outcomes.items() if v)}) nor a column of the data")
    v = pd.to_numeric(df[col], errors="coerce")
    if name == "ces" or col == outcomes.get("ces"):
        v = -v  # more effort = worse: flip so weights read as "drives ease"
    return v.astype(float)


def performance_0_100(x: pd.DataFrame, lo: float, hi: float, weights: Any = None) -> dict[str, float]:
    """Mean of each driver column rescaled to 0–100 (``100 · (mean − lo) / (hi − lo)``); with ``weights`` (one per
    row) the weighted mean of the respondents who answered (R ``svymean(na.rm = TRUE)``).

    >>> performance_0_100(pd.DataFrame({"a": [1, 5, None]}), 1, 5, weights=[3, 1, 1])
    {'a': 25.0}
    """
    if weights is None:
        return {c: float(rescale_0_100(x[c].mean(), lo, hi)) for c in x.columns}
    w = np.asarray(weights, dtype=float).ravel()
    out = {}
    for c in x.columns:
        v = pd.to_numeric(x[c], errors="coerce").to_numpy(float)
        ok = np.isfinite(v) & np.isfinite(w)
        out[c] = float(rescale_0_100(np.sum(w[ok] * v[ok]) / np.sum(w[ok]), lo, hi)) if ok.any() else float("nan")
    return out


def collinearity(x: pd.DataFrame) -> tuple[dict[str, float], float]:
    """Variance inflation factors of the drivers (statsmodels ``variance_inflation_factor`` with a constant, on the
    complete rows) and the condition number ``√(λmax/λmin)`` of their correlation matrix (Belsley 1991).

    VIF_j = 1 / (1 − R²_j), R²_j of driver j on the others; VIF > 10 or a condition number > 30 signal
    collinearity that makes individual regression weights unstable (relative weights stay defined).

    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=200)
    >>> v, k = collinearity(pd.DataFrame({"a": a, "b": a + rng.normal(0, .1, 200), "c": rng.normal(size=200)}))
    >>> v["a"] > 10, v["c"] < 2, k > 10
    (True, True, True)
    """
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    xa = x.apply(pd.to_numeric, errors="coerce").dropna().to_numpy(float)
    xc = np.column_stack([np.ones(len(xa)), xa])
    vif = {c: float(variance_inflation_factor(xc, j + 1)) for j, c in enumerate(x.columns)}
    ev = np.linalg.eigvalsh(np.corrcoef(xa, rowvar=False))
    return vif, float(np.sqrt(ev[-1] / ev[0])) if ev[0] > 0 else float("inf")


def key_drivers(x: pd.DataFrame, y: pd.Series, *, outcome: str = "y", n_boot: int = 0, conf: float = 0.95,
                seed: int | None = None, min_n: int | None = None, weights: Any = None) -> pd.DataFrame:
    """Relative weights (with bootstrap intervals) and general dominance side by side, one row per driver
    (weighted correlations with ``weights``, one per row of ``x``)."""
    d = x.copy()
    ycol = outcome if outcome not in d.columns else f"{outcome} (outcome)"   # messages name the outcome
    d[ycol] = y.to_numpy()
    rw = relative_weights(d, ycol, list(x.columns), n_boot=n_boot, conf=conf, seed=seed, min_n=min_n,
                          weights=weights)
    dom = dominance(d, ycol, list(x.columns), min_n=min_n, weights=weights) if x.shape[1] <= 15 else None
    tab = rw.table.copy()
    if dom is not None:
        tab["dominance"] = dom.table["general"].to_numpy()
        tab["dominance_share"] = dom.table["share"].to_numpy()
    tab.attrs.update({"r2": rw.r2, "n": rw.n, "outcome": outcome})
    return tab


def drivers_by_group(x: pd.DataFrame, y: pd.Series, groups: pd.Series, *, order: Sequence[str] = (),
                     min_n: int = 150, lo: float = 1, hi: float = 5, outcome: str = "y",
                     weights: Any = None) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Relative weights and performance per group (tier) with at least ``min_n`` respondents
    (weighted within each group with ``weights``, one per row).

    Returns ``(results, skipped)``: results ``{group: {weights, r2, n, performance}}``;
    skipped ``{group: reason}`` (too small, or the analysis failed with a clear message).
    """
    g = groups.astype(str).to_numpy()
    names = [t for t in order if t in set(g)] + sorted(set(g) - set(order))
    out: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    for t in names:
        m = g == t
        if m.sum() < min_n:
            skipped[t] = f"n={int(m.sum())}"
            continue
        try:
            wm = None if weights is None else np.asarray(weights, dtype=float)[m]
            kd = key_drivers(x[m], y[m], outcome=outcome, min_n=min_n, weights=wm)
        except AnalysisError as exc:
            skipped[t] = exc.message
            continue
        out[t] = {"weights": dict(zip(kd["driver"], kd["rescaled"])), "r2": kd.attrs["r2"], "n": kd.attrs["n"],
                  "performance": performance_0_100(x[m], lo, hi, weights=wm)}
    return out, skipped


def refine_scales(scales: Mapping[str, Mapping[str, Any]], reliability: Mapping[str, Any] | None
                  ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Scales for the scale scores, with the items notebook 02 recommends dropping left out.

    ``reliability`` is ``pb.load_results("02_reliability")`` (or None): for each scale whose
    ``recommendation.action`` is ``"drop"``, that item is removed (only when ≥ 2 items remain).
    Returns ``(scales, dropped)`` with ``dropped = {scale: item}``.

    >>> s = {"rel": {"items": ["r1", "r2", "r3"], "reverse": ["r3"]}}
    >>> refine_scales(s, {"scales": {"rel": {"recommendation": {"action": "drop", "item": "r3"}}}})
    ({'rel': {'items': ['r1', 'r2'], 'reverse': []}}, {'rel': 'r3'})
    """
    out = {k: {"items": list(v["items"]), "reverse": list(v.get("reverse") or [])} for k, v in scales.items()}
    dropped: dict[str, str] = {}
    info = (reliability or {}).get("scales") or {}
    if not isinstance(info, Mapping):
        return out, dropped
    for name, res in info.items():
        rec = (res or {}).get("recommendation") or {}
        item = rec.get("item")
        if name in out and rec.get("action") == "drop" and item in out[name]["items"] and len(out[name]["items"]) > 2:
            out[name]["items"].remove(item)
            if item in out[name]["reverse"]:
                out[name]["reverse"].remove(item)
            dropped[name] = item
    return out, dropped
