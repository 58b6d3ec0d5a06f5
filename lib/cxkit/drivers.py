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

A binary outcome (satisfied yes/no, promoter yes/no) is handled as a linear
probability model: the same correlation-based formulas with a 0/1 outcome
(point-biserial correlations). This is the usual first reading; Tonidandel &
LeBreton's (2010) logistic relative weights are not implemented.
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


def corr_inputs(df: pd.DataFrame, outcome: str, drivers: Sequence[str], *, min_n: int | None = None):
    """Driver correlation matrix ``Rxx``, driver–outcome correlations ``rxy`` and ``n`` (complete cases)."""
    x, y, n = _prepare(df, outcome, drivers, min_n=min_n)
    c = np.corrcoef(np.column_stack([x, y]), rowvar=False)
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
                     conf: float = 0.95, seed: int | None = None, min_n: int | None = None) -> DriverResult:
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

    Returns
    -------
    DriverResult with ``table`` columns driver, raw, rescaled, rank (and ci_low, ci_high).

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
    x, y, n = _prepare(df, outcome, drivers, min_n=min_n)
    c = np.corrcoef(np.column_stack([x, y]), rowvar=False)
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
            s = xy[rng.integers(0, n, n)]
            cb = np.corrcoef(s, rowvar=False)
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


def dominance(df: pd.DataFrame, outcome: str, drivers: Sequence[str], *, min_n: int | None = None) -> DriverResult:
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
    rxx, rxy, n = corr_inputs(df, outcome, drivers, min_n=min_n)
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


def performance_0_100(x: pd.DataFrame, lo: float, hi: float) -> dict[str, float]:
    """Mean of each driver column rescaled to 0–100 (``100 · (mean − lo) / (hi − lo)``)."""
    return {c: float(rescale_0_100(x[c].mean(), lo, hi)) for c in x.columns}


def key_drivers(x: pd.DataFrame, y: pd.Series, *, outcome: str = "y", n_boot: int = 0, conf: float = 0.95,
                seed: int | None = None, min_n: int | None = None) -> pd.DataFrame:
    """Relative weights (with bootstrap intervals) and general dominance side by side, one row per driver."""
    d = x.copy()
    ycol = outcome if outcome not in d.columns else f"{outcome} (outcome)"   # messages name the outcome
    d[ycol] = y.to_numpy()
    rw = relative_weights(d, ycol, list(x.columns), n_boot=n_boot, conf=conf, seed=seed, min_n=min_n)
    dom = dominance(d, ycol, list(x.columns), min_n=min_n) if x.shape[1] <= 15 else None
    tab = rw.table.copy()
    if dom is not None:
        tab["dominance"] = dom.table["general"].to_numpy()
        tab["dominance_share"] = dom.table["share"].to_numpy()
    tab.attrs.update({"r2": rw.r2, "n": rw.n, "outcome": outcome})
    return tab


def drivers_by_group(x: pd.DataFrame, y: pd.Series, groups: pd.Series, *, order: Sequence[str] = (),
                     min_n: int = 150, lo: float = 1, hi: float = 5, outcome: str = "y") -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Relative weights and performance per group (tier) with at least ``min_n`` respondents.

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
            kd = key_drivers(x[m], y[m], outcome=outcome, min_n=min_n)
        except AnalysisError as exc:
            skipped[t] = exc.message
            continue
        out[t] = {"weights": dict(zip(kd["driver"], kd["rescaled"])), "r2": kd.attrs["r2"], "n": kd.attrs["n"],
                  "performance": performance_0_100(x[m], lo, hi)}
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
