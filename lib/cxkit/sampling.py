"""Sampling plan and power (notebook 01): sample size, allocation, margins of error, power, fieldwork.

Pure functions: numbers and tidy DataFrames in, numbers and tidy DataFrames out.
Heavy libraries (pandas, scipy, statsmodels) are imported at module top: this
module is *not* imported by :mod:`cxkit.config` (the light params model lives in
:mod:`cxkit.survey`).

Formulas
--------
- Sample size for a proportion (Cochran 1977, eq. 4.2), via
  :func:`statsmodels.stats.proportion.samplesize_confint_proportion`::

      n0 = z² p (1 − p) / e²,     z = Φ⁻¹(1 − α/2)

  and for a mean ``n0 = (z σ / e)²``.
- Finite-population correction (Cochran 1977, eq. 4.3): ``n = n0 / (1 + (n0 − 1) / N)``.
- Allocation of ``n`` over strata h with sizes N_h and standard deviations S_h
  (Cochran 1977, §5.5):  proportional ``n_h = n N_h / N``; Neyman
  ``n_h = n N_h S_h / Σ N_k S_k``; equal ``n_h = n / H``.  Cells are bounded by
  ``min_per_cell ≤ n_h ≤ N_h`` (bounded cells are fixed and the rest reallocated),
  then rounded to integers by largest remainders (Hamilton), so the total is kept.
- NPS as the mean of a trinomial score (+1 promoter, 0 passive, −1 detractor)::

      NPS = p_P − p_D,   σ² = p_P + p_D − (p_P − p_D)²

- Margin of error of a share in a cell: ``z √(p(1−p)/n_h · (N_h − n_h)/(N_h − 1))``;
  of a stratified estimate ``z √(Σ W_h² s_h²/n_h (1 − f_h))`` (Cochran 1977, eq. 5.6).
- Power and minimum detectable effects use :mod:`statsmodels.stats.power`
  (NormalIndPower with Cohen's h for shares, which matches R ``pwr.2p2n.test``;
  TTestIndPower for means, which matches R ``pwr.t2n.test``).

References
----------
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley.
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, Problem

PARAMS_FILE = "engagement.yaml"


def _bad(where: str, message: str) -> ConfigError:
    return ConfigError([Problem(PARAMS_FILE, where, message)])


def z_value(confidence: float) -> float:
    """Two-sided normal quantile ``Φ⁻¹(1 − α/2)`` for a confidence level.

    >>> round(z_value(0.95), 4)
    1.96
    """
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise _bad("design.sampling.confidence", f"must be between 0 and 1 (exclusive), got {confidence!r}")
    return float(norm.ppf(0.5 + confidence / 2))


def _check_margin(margin: float, where: str = "design.sampling.margin", upper: float | None = 0.5) -> None:
    if not (isinstance(margin, (int, float)) and margin > 0 and (upper is None or margin < upper)):
        rng = f"(0, {upper})" if upper is not None else "> 0"
        raise _bad(where, f"margin of error must be in {rng}, e.g. 0.05 for ±5 points; got {margin!r}")


def fpc(n0: float, population: float | None) -> float:
    """Finite-population correction of a sample size: ``n0 / (1 + (n0 − 1) / N)``.

    ``population`` None or ≤ 0 means infinite (no correction).

    >>> round(fpc(384.146, 300), 1)
    168.7
    """
    if population is None or population <= 0 or math.isinf(population):
        return float(n0)
    return float(n0 / (1 + (n0 - 1) / population))


def sample_size_proportion(margin: float = 0.05, confidence: float = 0.95, p: float = 0.5,
                           population: float | None = None, deff: float = 1.0) -> dict[str, float]:
    """Sample size to estimate a share within ± ``margin`` (Cochran; statsmodels for ``n0``).

    Returns ``{"n0", "n_fpc", "n"}``: the infinite-population size, the size after
    finite-population correction (times the design effect), and that rounded up.

    >>> sample_size_proportion(0.05, 0.95, 0.5)["n"]
    385
    >>> sample_size_proportion(0.05, 0.95, 0.5, population=300)["n"]
    169
    """
    from statsmodels.stats.proportion import samplesize_confint_proportion

    _check_margin(margin)
    if not 0 < p < 1:
        raise _bad("design.sampling.p", f"the expected share must be in (0, 1), got {p!r}")
    if deff <= 0:
        raise _bad("design.sampling.design_effect", f"must be > 0, got {deff!r}")
    z_value(confidence)  # validates the confidence level
    n0 = float(samplesize_confint_proportion(p, margin, alpha=1 - confidence))
    n = fpc(n0 * deff, population)
    return {"n0": n0, "n_fpc": n, "n": int(math.ceil(n - 1e-9))}


def sample_size_mean(margin: float, sd: float, confidence: float = 0.95, population: float | None = None,
                     deff: float = 1.0) -> dict[str, float]:
    """Sample size to estimate a mean within ± ``margin`` (same units as ``sd``): ``n0 = (z σ / e)²``.

    >>> sample_size_mean(2.0, 12.0)["n"]    # ±2 points on a 0-100 scale, σ = 12
    139
    """
    _check_margin(margin, upper=None)
    if not sd or sd <= 0:
        raise _bad("design.sampling.sd", f"the expected standard deviation must be > 0, got {sd!r}")
    z = z_value(confidence)
    n0 = (z * sd / margin) ** 2
    n = fpc(n0 * deff, population)
    return {"n0": float(n0), "n_fpc": n, "n": int(math.ceil(n - 1e-9))}


# --------------------------------------------------------------------------- allocation
def round_preserving(x: Sequence[float], total: int | None = None, lower: Sequence[int] | None = None,
                     upper: Sequence[float] | None = None) -> np.ndarray:
    """Integers close to ``x`` that sum to ``total`` (largest remainders / Hamilton method).

    Each cell starts at ``floor(x)``; the units still missing go to the largest
    fractional parts (ties: first cell first). ``lower``/``upper`` bounds are respected.

    >>> round_preserving([137.8, 79.5, 43.7]).tolist()
    [138, 79, 44]
    """
    x = np.asarray(x, dtype=float)
    total = int(round(x.sum())) if total is None else int(total)
    base = np.floor(x + 1e-9).astype(int)
    if lower is not None:
        base = np.maximum(base, np.asarray(lower, dtype=int))
    up = np.full(len(x), np.inf) if upper is None else np.floor(np.asarray(upper, dtype=float) + 1e-9)
    base = np.minimum(base, up).astype(int)
    short = total - int(base.sum())
    frac = x - base
    order = np.argsort(-frac, kind="stable")
    while short > 0:
        progressed = False
        for i in order:
            if short == 0:
                break
            if base[i] + 1 <= up[i]:
                base[i] += 1
                short -= 1
                progressed = True
        if not progressed:
            break
    while short < 0:  # only when lower bounds pushed the sum above the total
        order_down = np.argsort(frac, kind="stable")
        progressed = False
        for i in order_down:
            if short == 0:
                break
            lo = 0 if lower is None else int(np.asarray(lower)[i])
            if base[i] - 1 >= lo:
                base[i] -= 1
                short += 1
                progressed = True
        if not progressed:
            break
    return base


def allocate(n: int, sizes: Sequence[float], sds: Sequence[float] | None = None, method: str = "proportional",
             min_per_cell: int = 0, labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Allocate a total sample ``n`` over strata (proportional, Neyman or equal), rounded to sum to ``n``.

    Parameters
    ----------
    n : total sample size.
    sizes : population size N_h of each stratum.
    sds : standard deviation S_h of each stratum (Neyman only).
    method : ``"proportional"`` (n N_h/N), ``"neyman"`` (n N_h S_h / Σ N_k S_k) or ``"equal"`` (n/H).
    min_per_cell : every stratum gets at least this many (capped at N_h).
    labels : stratum names for the output.

    Returns
    -------
    DataFrame with ``stratum, N, S, exact, n``: ``exact`` is the unrounded allocation
    after bounds (``min_per_cell ≤ n_h ≤ N_h``), ``n`` the integer one (sums to ``n``).

    Examples
    --------
    Cochran-style example (N = 1540, 770, 385; S = 2.6, 3.0, 3.3; n = 261):

    >>> a = allocate(261, [1540, 770, 385], [2.6, 3.0, 3.3], "neyman")
    >>> a["exact"].round(1).tolist(), int(a["n"].sum())
    ([137.8, 79.5, 43.7], 261)
    """
    sizes = np.asarray(sizes, dtype=float)
    h = len(sizes)
    labels = list(labels) if labels is not None else [str(i + 1) for i in range(h)]
    if h == 0:
        raise _bad("design.sampling.strata", "no strata to allocate over")
    if np.any(~np.isfinite(sizes)) or np.any(sizes <= 0):
        bad = [labels[i] for i in np.flatnonzero(~(sizes > 0))]
        raise _bad("design.sampling.strata", f"every stratum needs a population size > 0; check {', '.join(bad)}")
    if method not in ("proportional", "neyman", "equal"):
        raise _bad("design.sampling.allocation", f"must be proportional, neyman or equal, got {method!r}")
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise _bad("design.sampling.n_total", f"the total sample must be a positive integer, got {n!r}")
    if n > sizes.sum():
        raise _bad("design.sampling.n_total", f"the sample ({n}) exceeds the population ({sizes.sum():,.0f})")
    if sds is None or method != "neyman":
        s = np.ones(h) if sds is None else np.asarray(sds, dtype=float)
    else:
        s = np.asarray(sds, dtype=float)
    if method == "neyman" and (len(s) != h or np.any(~np.isfinite(s)) or np.any(s <= 0)):
        raise _bad("design.sampling.stratum_sd", "Neyman allocation needs a standard deviation > 0 for every stratum")
    min_per_cell = int(min_per_cell or 0)
    lower = np.minimum(np.full(h, float(min_per_cell)), sizes)
    if lower.sum() > n:
        raise _bad("design.sampling.min_per_cell",
                   f"infeasible: {min_per_cell} per cell × {h} cells = {min_per_cell * h} > total sample {n}; "
                   f"lower min_per_cell to ≤ {n // h} or raise the sample size")
    weight = {"proportional": sizes, "neyman": sizes * s, "equal": np.ones(h)}[method]
    exact = _bounded_allocation(float(n), weight, lower, sizes)
    ints = round_preserving(exact, n, lower=np.ceil(lower - 1e-9).astype(int), upper=sizes)
    return pd.DataFrame({"stratum": labels, "N": sizes, "S": s, "exact": exact, "n": ints})


def _bounded_allocation(n: float, weight: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Allocation ∝ weight, with cells clamped to [lower, upper] and the rest reallocated."""
    h = len(weight)
    fixed = np.full(h, np.nan)
    for _ in range(2 * h + 1):
        free = np.isnan(fixed)
        rest = n - np.nansum(fixed)
        w = np.where(free, weight, 0.0)
        alloc = np.where(free, rest * w / w.sum() if w.sum() > 0 else 0.0, fixed)
        over = free & (alloc > upper + 1e-9)
        under = free & (alloc < lower - 1e-9)
        if not over.any() and not under.any():
            return alloc
        fixed[over] = upper[over]
        fixed[under] = lower[under]
        if np.isnan(fixed).sum() == 0:
            return fixed
    return alloc  # pragma: no cover - converges in ≤ h passes


# --------------------------------------------------------------------------- strata
def strata_frame(strata: Mapping[str, Mapping[str, float]], population: float,
                 cells: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Cross the stratification dimensions into cells with population sizes.

    ``strata`` maps a dimension (``region``) to the shares of its levels
    (``{east: 0.3, ...}``); cells are the Cartesian product and
    ``N_h = population × Π shares`` unless ``cells`` gives ``{"east.platinum": N}``.

    >>> strata_frame({"tier": {"a": 0.25, "b": 0.75}}, 1000)[["stratum", "N"]].values.tolist()
    [['a', 250.0], ['b', 750.0]]
    """
    import itertools

    dims = list(strata)
    if not dims:
        return pd.DataFrame({"stratum": ["all"], "N": [float(population)]})
    rows = []
    for combo in itertools.product(*[list(strata[d].items()) for d in dims]):
        row = {d: lvl for d, (lvl, _) in zip(dims, combo)}
        row["stratum"] = ".".join(lvl for lvl, _ in combo)
        row["N"] = float(population) * float(np.prod([sh for _, sh in combo]))
        rows.append(row)
    df = pd.DataFrame(rows)
    if cells:
        unknown = [k for k in cells if k not in set(df["stratum"])]
        if unknown:
            raise _bad("design.sampling.cells", f"unknown cell(s) {unknown}; cells are named like "
                       f"'{df['stratum'].iloc[0]}'")
        df["N"] = [float(cells.get(s, n)) for s, n in zip(df["stratum"], df["N"])]
    return df[["stratum", *dims, "N"]]


def plan_sample(sampling: Mapping[str, Any]) -> dict[str, Any]:
    """The sampling plan from the ``design.sampling`` params: total n, allocation by cell, invitations.

    The total is ``n_total`` when given; otherwise the size that reaches
    ``margin`` at ``confidence`` (for a share ``p`` or a mean with ``sd``) —
    for the whole population (``precision_for: total``) or within each level of
    one dimension (``precision_for: region``: the sizes per region are summed,
    each with its own finite-population correction). The total is then allocated
    over the cells (``allocation``), and invitations = ⌈n_h / response_rate⌉.

    Returns a dict with ``n_total``, ``n_required`` (before ``min_per_cell``), ``per_domain``
    (domain → required n), and ``cells`` (DataFrame: stratum, dimension columns, N, S, exact, n,
    invitations).
    """
    sp = dict(sampling)
    strata = sp.get("strata") or {}
    cells = strata_frame(strata, float(sp.get("population") or 0) or 1e12, sp.get("cells"))
    dims = [c for c in cells.columns if c not in ("stratum", "N")]
    estimate = sp.get("estimate", "proportion")

    def needed(pop: float | None) -> int:
        if estimate == "mean":
            return sample_size_mean(sp["margin"], sp.get("sd") or 0, sp.get("confidence", 0.95), pop,
                                    sp.get("design_effect", 1.0))["n"]
        return sample_size_proportion(sp["margin"], sp.get("confidence", 0.95), sp.get("p", 0.5), pop,
                                      sp.get("design_effect", 1.0))["n"]

    has_pop = bool(sp.get("population")) or bool(sp.get("cells"))
    target = sp.get("precision_for", "total")
    per_domain: dict[str, int] = {}
    if target in (None, "total"):
        per_domain["total"] = needed(cells["N"].sum() if has_pop else None)
    else:
        if target not in dims:
            raise _bad("design.sampling.precision_for",
                       f"'{target}' is not a stratification dimension; use 'total' or one of {dims}")
        for lvl, grp in cells.groupby(target, sort=False):
            per_domain[str(lvl)] = needed(grp["N"].sum() if has_pop else None)
    n_required = int(sum(per_domain.values()))
    n_total = int(sp.get("n_total") or n_required)
    sds = stratum_values(cells, sp.get("stratum_sd") or {}, sp.get("sd_dimension"), "design.sampling.stratum_sd")
    if target not in (None, "total") and not sp.get("n_total"):
        parts = []
        for lvl, grp in cells.groupby(target, sort=False):
            a = allocate(per_domain[str(lvl)], grp["N"].to_numpy(), sds[grp.index], sp.get("allocation", "proportional"),
                         sp.get("min_per_cell", 0), grp["stratum"].tolist())
            parts.append(a.set_index(grp.index))
        alloc = pd.concat(parts)
        n_total = int(alloc["n"].sum())
    else:
        alloc = allocate(n_total, cells["N"].to_numpy(), sds, sp.get("allocation", "proportional"),
                         sp.get("min_per_cell", 0), cells["stratum"].tolist())
    out = cells.copy()
    out["S"] = alloc["S"].to_numpy()
    out["exact"] = alloc["exact"].to_numpy()
    out["n"] = alloc["n"].to_numpy().astype(int)
    rr = float(sp.get("response_rate", 1.0))
    out["invitations"] = invitations(out["n"].to_numpy(), rr)
    return {"n_total": n_total, "n_required": n_required, "per_domain": per_domain, "cells": out,
            "dimensions": dims}


def design_weight_table(cells: pd.DataFrame, dimensions: Sequence[str]) -> dict[str, Any]:
    """The design weights of a sampling plan and the shares they give back.

    Each cell h of the plan is sampled with probability ``π_h = n_h / N_h``, so its respondents carry the
    design weight ``w_h = 1 / π_h = N_h / n_h`` (Horvitz–Thompson; Cochran 1977, §5.2). A disproportionate
    plan (Neyman, equal, ``min_per_cell``) over-represents some cells in the raw sample; the weighted sample
    gives back each dimension's population shares exactly::

        share_w(l) = Σ_{h∈l} n_h w_h / Σ_h n_h w_h = Σ_{h∈l} N_h / N

    Returns ``{"cells": DataFrame(stratum, dims…, N, n, probability, weight, weight_rel),
    "shares": DataFrame(dimension, level, population, sample, weighted), "probabilities": {"a|b": {"x|y": π}}}``;
    ``weight_rel`` is the weight over the mean weight of a respondent; ``probabilities`` is the
    ``weighting: {method: design, probabilities: ...}`` mapping of :func:`cxkit.weighting.design_weights`.
    Cells planned with n = 0 get no weight (``NaN``) and are left out of the sample shares.

    >>> cells = pd.DataFrame({"stratum": ["a", "b"], "tier": ["a", "b"], "N": [100.0, 900.0], "n": [50, 50]})
    >>> t = design_weight_table(cells, ["tier"])
    >>> t["cells"]["weight"].tolist(), t["shares"]["weighted"].round(3).tolist(), t["shares"]["sample"].tolist()
    ([2.0, 18.0], [0.1, 0.9], [0.5, 0.5])
    >>> t["probabilities"]
    {'tier': {'a': 0.5, 'b': 0.05555555555555555}}
    """
    dims = [d for d in dimensions if d in cells.columns]
    out = cells[["stratum", *dims, "N", "n"]].copy()
    n = out["n"].astype(float)
    out["probability"] = np.where(n > 0, n / out["N"].astype(float), np.nan)
    out["weight"] = 1.0 / out["probability"]
    sampled = n > 0
    mean_w = float((out.loc[sampled, "weight"] * n[sampled]).sum() / n[sampled].sum()) if sampled.any() else np.nan
    out["weight_rel"] = out["weight"] / mean_w
    rows = []
    wn = (out["weight"] * n).where(sampled, 0.0)
    for d in dims:
        for lvl, grp in out.groupby(d, sort=False):
            rows.append({"dimension": d, "level": lvl, "population": float(grp["N"].sum() / out["N"].sum()),
                         "sample": float(grp["n"].sum() / out["n"].sum()),
                         "weighted": float(wn[grp.index].sum() / wn.sum())})
    key = "|".join(dims)
    probs = {key: {"|".join(str(r[d]) for d in dims): float(p)
                   for (_, r), p in zip(out.iterrows(), out["probability"]) if np.isfinite(p)}} if dims else {}
    return {"cells": out, "shares": pd.DataFrame(rows), "probabilities": probs}


def design_shares_display(shares: pd.DataFrame, dimension_labels: Mapping[str, str],
                          level_labels: Mapping[str, Mapping[str, str]], columns: Mapping[str, str]) -> pd.DataFrame:
    """The shares table of :func:`design_weight_table` with translated dimension, level and column names.

    >>> sh = pd.DataFrame({"dimension": ["tier"], "level": ["a"], "population": [0.1], "sample": [0.5],
    ...                    "weighted": [0.1]})
    >>> design_shares_display(sh, {"tier": "Tier"}, {"tier": {"a": "Gold"}}, {"dimension": "Dim"}).values.tolist()
    [['Tier', 'Gold', 0.1, 0.5, 0.1]]
    """
    out = shares.assign(level=[level_labels.get(d, {}).get(lv, lv) for d, lv in zip(shares["dimension"],
                                                                                     shares["level"])],
                        dimension=[dimension_labels.get(d, d) for d in shares["dimension"]])
    return out.rename(columns=dict(columns))


def stratum_values(cells: pd.DataFrame, values: Mapping[str, float], dimension: str | None,
                   where: str) -> np.ndarray:
    """Per-cell values (e.g. S_h) given by level of one dimension; 1.0 when none given."""
    if not values:
        return np.ones(len(cells))
    dims = [c for c in cells.columns if c not in ("stratum", "N")]
    if dimension is None:
        dimension = next((d for d in dims if set(values) <= set(cells[d])), None)
        if dimension is None and set(values) <= set(cells["stratum"]):
            dimension = "stratum"
    if dimension is None or dimension not in cells.columns:
        raise _bad(where, f"keys {sorted(values)} do not match the levels of any stratification dimension {dims}")
    missing = sorted(set(cells[dimension]) - set(values))
    if missing:
        raise _bad(where, f"no value for {', '.join(missing)} (dimension '{dimension}')")
    return np.array([float(values[v]) for v in cells[dimension]])


def invitations(n: Sequence[int] | int, response_rate: float) -> np.ndarray:
    """Invitations needed for ``n`` completes at a response rate: ``⌈n / rate⌉``.

    >>> invitations([100, 45], 0.25).tolist()
    [400, 180]
    """
    if not 0 < response_rate <= 1:
        raise _bad("design.sampling.response_rate", f"must be in (0, 1], got {response_rate!r}")
    return np.ceil(np.asarray(n, dtype=float) / response_rate - 1e-9).astype(int)


# --------------------------------------------------------------------------- precision
def nps_variance(promoters: float, passives: float, detractors: float) -> dict[str, float]:
    """NPS and the per-respondent variance of the trinomial score (+1 / 0 / −1).

    ``NPS = p_P − p_D``; ``σ² = p_P + p_D − (p_P − p_D)²``. Shares must sum to 1.

    >>> v = nps_variance(1/2, 1/3, 1/6)
    >>> round(v["nps"], 6), round(v["variance"], 6)
    (0.333333, 0.555556)
    """
    total = promoters + passives + detractors
    if min(promoters, passives, detractors) < 0 or abs(total - 1) > 1e-6:
        raise _bad("design.sampling.assumed_nps",
                   f"promoter, passive and detractor shares must be ≥ 0 and sum to 1 (got sum {total:.4f})")
    nps = promoters - detractors
    return {"nps": nps, "variance": promoters + detractors - nps ** 2}


def _fpc_factor(n: np.ndarray, N: np.ndarray | None) -> np.ndarray:
    if N is None:
        return np.ones_like(n, dtype=float)
    N = np.asarray(N, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(N > 1, (N - n) / (N - 1), 1.0)
    return np.clip(f, 0.0, 1.0)


def margin_of_error(variance: float | Sequence[float], n: float | Sequence[float],
                    population: float | Sequence[float] | None = None, confidence: float = 0.95) -> np.ndarray:
    """Half-width ``z √(σ²/n · (N − n)/(N − 1))`` of a confidence interval for a mean or share.

    >>> round(float(margin_of_error(0.25, 385)[0]), 4)
    0.0499
    """
    n = np.atleast_1d(np.asarray(n, dtype=float))
    var = np.broadcast_to(np.asarray(variance, dtype=float), n.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        se2 = np.where(n > 0, var / n, np.nan) * _fpc_factor(n, None if population is None else
                                                              np.broadcast_to(np.asarray(population, float), n.shape))
    return z_value(confidence) * np.sqrt(se2)


def stratified_moe(variance: Sequence[float], n: Sequence[float], N: Sequence[float],
                   confidence: float = 0.95) -> float:
    """Margin of error of a stratified mean/share: ``z √(Σ W_h² σ_h²/n_h · (N_h − n_h)/(N_h − 1))``."""
    N = np.asarray(N, dtype=float)
    n = np.asarray(n, dtype=float)
    var = np.broadcast_to(np.asarray(variance, dtype=float), n.shape)
    w = N / N.sum()
    se2 = np.sum(w ** 2 * var / n * _fpc_factor(n, N))
    return float(z_value(confidence) * math.sqrt(se2))


def moe_table(cells: pd.DataFrame, by: Sequence[str] | None, top2: float, nps_shares: Sequence[float],
              confidence: float = 0.95) -> pd.DataFrame:
    """Margins of error of CSAT top-2-box (share) and NPS (points) per group of cells and overall.

    ``cells`` is :func:`plan_sample`'s cell table (N, n). Groups of cells are
    combined as a stratified estimate. NPS margins are in NPS points (×100).
    """
    if not 0 < top2 < 1:
        raise _bad("design.sampling.assumed_top2", f"must be in (0, 1), got {top2!r}")
    var_t2 = top2 * (1 - top2)
    var_nps = nps_variance(*nps_shares)["variance"]
    rows = []
    groups = [("total", cells)] if not by else list(cells.groupby(list(by), sort=False))
    for key, g in groups:
        name = key if isinstance(key, str) else ".".join(map(str, key if isinstance(key, tuple) else (key,)))
        n = g["n"].to_numpy(dtype=float)
        if (n <= 0).any():
            rows.append({"group": name, "n": int(n.sum()), "moe_top2": np.nan, "moe_nps": np.nan})
            continue
        rows.append({"group": name, "n": int(n.sum()),
                     "moe_top2": stratified_moe(var_t2, n, g["N"], confidence),
                     "moe_nps": 100 * stratified_moe(var_nps, n, g["N"], confidence)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- power
def cohen_h(p1: float, p2: float) -> float:
    """Cohen's h = 2 asin √p2 − 2 asin √p1 (effect size for two shares).

    >>> round(cohen_h(0.5, 0.6), 4)
    0.2014
    """
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def _check_power(alpha: float, power: float) -> None:
    if not 0 < alpha < 0.5:
        raise _bad("design.power.alpha", f"must be in (0, 0.5), got {alpha!r}")
    if not 0 < power < 1:
        raise _bad("design.power.power", f"must be in (0, 1), got {power!r}")


def _scalar(x: Any) -> float:
    """statsmodels' ``solve_power`` returns a 1-element array when its fallback solver runs (seen for a
    0–100 mean at ~1,400 per group): a float either way."""
    return float(np.ravel(x)[0])


def mde_proportion(p1: float, n1: float, n2: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest increase over share ``p1`` detectable with samples n1, n2 (two-sided, Cohen's h).

    Solves statsmodels ``NormalIndPower`` for h, then ``p2 = sin²(asin √p1 + h/2)``.

    >>> round(mde_proportion(0.5, 392.443, 392.443), 3)    # h = 0.2 at n = 392 per group (Cohen 1988)
    0.099
    """
    from statsmodels.stats.power import NormalIndPower

    _check_power(alpha, power)
    h = _scalar(NormalIndPower().solve_power(effect_size=None, nobs1=n1, alpha=alpha, power=power, ratio=n2 / n1))
    p2 = math.sin(min(math.asin(math.sqrt(p1)) + float(h) / 2, math.pi / 2)) ** 2
    return p2 - p1


def power_proportion(p1: float, p2: float, n1: float, n2: float, alpha: float = 0.05) -> float:
    """Power of a two-sided test of two shares (Cohen's h, statsmodels ``NormalIndPower``)."""
    from statsmodels.stats.power import NormalIndPower

    return float(NormalIndPower().power(abs(cohen_h(p1, p2)), nobs1=n1, alpha=alpha, ratio=n2 / n1))


def n_proportion(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> float:
    """Size of group 1 to detect p1 → p2 (group 2 = ratio × n1)."""
    from statsmodels.stats.power import NormalIndPower

    _check_power(alpha, power)
    h = abs(cohen_h(p1, p2))
    if h == 0:
        return math.inf
    return _scalar(NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=ratio))


def mde_mean(sd: float, n1: float, n2: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest mean difference detectable with a two-sample t test (statsmodels ``TTestIndPower``) × sd.

    >>> round(mde_mean(1.0, 63.7656, 63.7656), 3)   # d = 0.5 at n = 64 per group (Cohen 1988)
    0.5
    """
    from statsmodels.stats.power import TTestIndPower

    _check_power(alpha, power)
    d = TTestIndPower().solve_power(effect_size=None, nobs1=n1, alpha=alpha, power=power, ratio=n2 / n1)
    return _scalar(d) * sd


def power_mean(diff: float, sd: float, n1: float, n2: float, alpha: float = 0.05) -> float:
    """Power of a two-sided two-sample t test for a mean difference ``diff`` with common ``sd``.

    statsmodels ``TTestIndPower`` (R ``pwr.t2n.test``); where its noncentral-t tail underflows to NaN (a large
    effect, power ≈ 1: e.g. 10 points with SD 12 and 500 per group) the same two tails are taken from the
    normal approximation ``Φ(δ − z) + Φ(−δ − z)``, δ = d·√(n₁n₂/(n₁+n₂)), whose error there is below 1e-12.

    >>> round(power_mean(10, 12, 500, 500), 6), round(power_mean(2, 12, 100, 100), 4)
    (1.0, 0.2165)
    """
    from scipy import stats
    from statsmodels.stats.power import TTestIndPower

    p = float(TTestIndPower().power(abs(diff) / sd, nobs1=n1, alpha=alpha, ratio=n2 / n1))
    if math.isfinite(p):
        return p
    delta = abs(diff) / sd * math.sqrt(n1 * n2 / (n1 + n2))
    z = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf(delta - z) + stats.norm.cdf(-delta - z))


def n_mean(diff: float, sd: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> float:
    """Size of group 1 to detect a mean difference ``diff`` (group 2 = ratio × n1)."""
    from statsmodels.stats.power import TTestIndPower

    _check_power(alpha, power)
    if diff == 0:
        return math.inf
    return _scalar(TTestIndPower().solve_power(effect_size=abs(diff) / sd, alpha=alpha, power=power, ratio=ratio))


def mde_nps(nps_shares: Sequence[float], n1: float, n2: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest NPS change (in NPS points) detectable between two independent samples.

    NPS is the mean of the trinomial score, so the t-test MDE is applied with σ from
    :func:`nps_variance` (same mix assumed in both waves).
    """
    sd = math.sqrt(nps_variance(*nps_shares)["variance"])
    return 100 * mde_mean(sd, n1, n2, alpha, power)


def wave_mde(cells: pd.DataFrame, by: Sequence[str] | None, top2: float, nps_shares: Sequence[float],
             sd_100: float, alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """MDE between two waves of the same design per group: top-2-box (points), NPS (points), 0–100 mean.

    Each wave is assumed to reach the planned ``n`` of the group (independent samples).
    """
    rows = []
    groups = [("total", cells)] if not by else list(cells.groupby(list(by), sort=False))
    for key, g in groups:
        name = key if isinstance(key, str) else ".".join(map(str, key if isinstance(key, tuple) else (key,)))
        n = float(g["n"].sum())
        if n < 3:
            rows.append({"group": name, "n": int(n), "mde_top2": np.nan, "mde_nps": np.nan, "mde_100": np.nan})
            continue
        rows.append({"group": name, "n": int(n), "mde_top2": 100 * mde_proportion(top2, n, n, alpha, power),
                     "mde_nps": mde_nps(nps_shares, n, n, alpha, power),
                     "mde_100": mde_mean(sd_100, n, n, alpha, power)})
    return pd.DataFrame(rows)


def precision_table(cells: pd.DataFrame, by: Sequence[str], top2: float, nps_shares: Sequence[float],
                    sd_100: float, confidence: float = 0.95, alpha: float = 0.05, power: float = 0.8,
                    cell_level: bool = True) -> pd.DataFrame:
    """Margins of error and wave-to-wave MDEs for the total, each dimension in ``by``, and each cell.

    Columns: ``level`` (``total``, a dimension name, or ``cell``), ``group``, ``n``,
    ``moe_top2`` (share), ``moe_nps`` (NPS points), ``mde_top2`` (points), ``mde_nps`` (points),
    ``mde_100`` (points on 0–100).
    """
    levels: list[tuple[str, list[str] | None]] = [("total", None)] + [(d, [d]) for d in by]
    dims = [c for c in cells.columns if c not in ("stratum", "N", "S", "exact", "n", "invitations")]
    if cell_level and len(dims) > 1:
        levels.append(("cell", dims))
    parts = []
    for level, grp in levels:
        m = moe_table(cells, grp, top2, nps_shares, confidence)
        w = wave_mde(cells, grp, top2, nps_shares, sd_100, alpha, power)
        parts.append(m.merge(w.drop(columns="n"), on="group").assign(level=level))
    out = pd.concat(parts, ignore_index=True)
    return out[["level", "group", "n", "moe_top2", "moe_nps", "mde_top2", "mde_nps", "mde_100"]]


def pilot_power(per_group: int, treated_share: float, targets: Sequence[Mapping[str, Any]],
                alpha: float = 0.05, power: float = 0.8) -> pd.DataFrame:
    """Power of a pilot-vs-control (A/B) comparison inside each tier, and the size each target needs.

    ``per_group`` customers per tier are split ``treated_share`` (pilot) vs the rest
    (control). Each target is ``{tier, metric: mean|proportion, baseline, target, sd?, label?}``.
    Returns per target: n treated / control, power at the planned split, the MDE, and the
    total customers per tier needed for the requested power at the same split.
    """
    if not 0 < treated_share < 1:
        raise _bad("design.power.pilot.treated_share", f"must be in (0, 1), got {treated_share!r}")
    n1 = int(round(per_group * treated_share))
    n2 = int(per_group - n1)
    if n1 < 2 or n2 < 2:
        raise _bad("design.power.pilot.per_tier",
                   f"{per_group} customers split {treated_share:.0%} leaves {n1} vs {n2}: too few to test")
    ratio = n2 / n1
    rows = []
    for i, t in enumerate(targets):
        metric = t.get("metric", "mean")
        base, tgt = float(t["baseline"]), float(t["target"])
        if metric == "proportion":
            if not (0 < base < 1 and 0 < tgt < 1):
                raise _bad(f"design.power.pilot.targets.{i}", "a proportion target needs baseline and target in (0, 1)")
            pw = power_proportion(base, tgt, n1, n2, alpha)
            mde = mde_proportion(base, n1, n2, alpha, power) if tgt >= base else \
                -mde_proportion(1 - base, n1, n2, alpha, power)
            need = n_proportion(base, tgt, alpha, power, ratio)
        else:
            sd = t.get("sd")
            if not sd or sd <= 0:
                raise _bad(f"design.power.pilot.targets.{i}.sd", "a mean target needs its standard deviation (sd > 0)")
            pw = power_mean(tgt - base, sd, n1, n2, alpha)
            mde = mde_mean(sd, n1, n2, alpha, power) * (1 if tgt >= base else -1)
            need = n_mean(tgt - base, sd, alpha, power, ratio)
        rows.append({"tier": t.get("tier", ""), "label": t.get("label") or {}, "metric": metric,
                     "baseline": base, "target": tgt, "n_treated": n1, "n_control": n2,
                     "power": pw, "mde": mde, "needed_per_tier": int(math.ceil(need * (1 + ratio)))})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- fieldwork
DEFAULT_STEPS = (("needs", 0, 1), ("instrument", 1, 2), ("sampling", 2, 3), ("collection", 3, 8),
                 ("analysis", 8, 10), ("feedback", 10, 12))


def fieldwork_schedule(steps: Sequence[Mapping[str, Any]] | None = None, weeks: int = 12) -> pd.DataFrame:
    """The six-step survey process (document 001) as week ranges: step, start, end (weeks from kick-off).

    Defaults fit 12 weeks (three months); a shorter ``weeks`` scales the default plan.
    """
    if weeks <= 0 or weeks > 52:
        raise _bad("design.fieldwork.weeks", f"must be between 1 and 52, got {weeks!r}")
    if steps:
        rows = [{"step": s["key"], "start": float(s["start"]), "end": float(s["end"])} for s in steps]
    else:
        k = weeks / 12
        rows = [{"step": s, "start": a * k, "end": b * k} for s, a, b in DEFAULT_STEPS]
    df = pd.DataFrame(rows)
    bad = df[df["end"] <= df["start"]]
    if not bad.empty:
        raise _bad("design.fieldwork.steps", f"step(s) {bad['step'].tolist()} end before they start")
    return df


def interview_quotas(per_tier: Mapping[str, int], split: Mapping[str, float]) -> pd.DataFrame:
    """Interview quotas by tier × satisfaction level, rounded so each tier keeps its total.

    >>> interview_quotas({"platinum": 40, "potential": 10}, {"high": 0.5, "low": 0.5})["n"].tolist()
    [20, 20, 5, 5]
    """
    shares = np.array(list(split.values()), dtype=float)
    if np.any(shares < 0) or abs(shares.sum() - 1) > 1e-6:
        raise _bad("design.fieldwork.interview_split", "shares must be ≥ 0 and sum to 1")
    rows = []
    for tier, n in per_tier.items():
        ints = round_preserving(shares * n, int(n))
        rows += [{"tier": tier, "level": lvl, "n": int(k)} for lvl, k in zip(split, ints)]
    return pd.DataFrame(rows)


def plot_gantt(schedule: pd.DataFrame, labels: Sequence[str], *, title: str, xlabel: str):
    """Horizontal bars of the fieldwork steps over weeks."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(schedule) + 1.3))
    y = np.arange(len(schedule))
    ax.barh(y, schedule["end"] - schedule["start"], left=schedule["start"], color="#2b6cb0")
    ax.set_yticks(y, list(labels))
    ax.invert_yaxis()
    ax.set_xlim(0, float(schedule["end"].max()))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def compare_allocations(cells: pd.DataFrame, n: int, min_per_cell: int = 0) -> pd.DataFrame:
    """The integer allocation of ``n`` over ``cells`` (columns stratum, N, S) by each method, side by side."""
    out = pd.DataFrame({"stratum": cells["stratum"].to_numpy(), "N": cells["N"].to_numpy()})
    for m in ("proportional", "neyman", "equal"):
        a = allocate(int(n), cells["N"].to_numpy(), cells["S"].to_numpy(), m, min_per_cell, cells["stratum"].tolist())
        out[m] = a["n"].to_numpy()
    return out


def pilot_display(pp: pd.DataFrame, lang: str, tier_label=lambda t: t) -> pd.DataFrame:
    """:func:`pilot_power` output formatted for a playbook table (shares as %, means as points).

    Columns: ``target`` (the target's label in ``lang``, else "tier · metric"), ``baseline``,
    ``goal``, ``power`` (share), ``mde`` (signed text), ``needed`` (customers per tier).
    """
    def fmt(v: float, metric: str) -> str:
        return f"{100 * v:.1f}%" if metric == "proportion" else f"{v:.1f}"

    names = [(lbl or {}).get(lang) or f"{tier_label(t)} · {m}" for lbl, t, m in zip(pp["label"], pp["tier"], pp["metric"])]
    return pd.DataFrame({
        "target": names,
        "baseline": [fmt(v, m) for v, m in zip(pp["baseline"], pp["metric"])],
        "goal": [fmt(v, m) for v, m in zip(pp["target"], pp["metric"])],
        "power": pp["power"].to_numpy(),
        "mde": [("+" if v >= 0 else "−") + fmt(abs(v), m) for v, m in zip(pp["mde"], pp["metric"])],
        "needed": pp["needed_per_tier"].to_numpy(),
    })
