"""Satisfaction KPIs (notebook 03): CSAT, NPS, CES with intervals, tests of differences, gaps, alerts, composite.

The 0–100 rule
--------------
Every KPI is put on one 0–100 "higher is better" scale before it is compared
with a target, a benchmark or another KPI:

- CSAT (1–5) and any Likert mean on ``lo..hi``: ``100 · (mean − lo) / (hi − lo)``
  (1 → 0, 3 → 50, 5 → 100);
- NPS (−100..100): ``(NPS + 100) / 2``;
- CES (1–7, higher = more effort = worse): ease ``100 · (hi − mean) / (hi − lo)``;
- shares (0..1, e.g. first-contact resolution): ``100 · share``.

Intervals
---------
- top-2-box share: Wilson score interval (``statsmodels.stats.proportion.proportion_confint``,
  checked against Newcombe 1998's published examples);
- NPS: normal interval with the trinomial variance
  ``Var(NPS) = [p₊ + p₋ − (p₊ − p₋)²] / n`` (×100²), i.e. the variance of the mean of
  +1/0/−1 scores;
- means (CSAT, CES): Student t interval.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import AnalysisError, ConfigError, DataError

#: Documents' KPI composite weights (002).
KPI_WEIGHTS = {"timeliness": 0.20, "flow_efficiency": 0.15, "compliance": 0.15,
               "satisfaction": 0.25, "fcr": 0.15, "nps": 0.10}
#: Grade lines (002): 80 pass, 90 excellent, 95 outstanding.
GRADE_LINES = (80.0, 90.0, 95.0)
GRADES = ("below", "pass", "excellent", "outstanding")


# --------------------------------------------------------------------------- rescaling
def to_0_100(value: float, kind: str, lo: float = 1, hi: float = 5) -> float:
    """Apply the module's 0–100 rule to one KPI value.

    ``kind``: ``likert`` (mean on lo..hi), ``nps`` (−100..100), ``effort`` (CES mean,
    lower is better), ``share`` (0..1), ``score`` (already 0–100).

    >>> to_0_100(4.2, "likert", 1, 5), to_0_100(30, "nps"), to_0_100(2.5, "effort", 1, 7), to_0_100(0.85, "share")
    (80.0, 65.0, 75.0, 85.0)
    """
    v = float(value)
    if kind == "likert":
        if hi <= lo:
            raise AnalysisError(f"scale range must have low < high, got {lo}..{hi}")
        return 100.0 * (v - lo) / (hi - lo)
    if kind == "nps":
        return (v + 100.0) / 2.0
    if kind == "effort":
        return 100.0 * (hi - v) / (hi - lo)
    if kind == "share":
        return 100.0 * v
    if kind == "score":
        return v
    raise AnalysisError(f"unknown KPI kind {kind!r}; use likert, nps, effort, share or score")


def _clean(values: Any, name: str, lo: float | None = None, hi: float | None = None) -> np.ndarray:
    s = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(dtype=float)
    if lo is not None and hi is not None:
        bad = (s < lo) | (s > hi)
        if bad.any():
            raise DataError(f"{name}: {int(bad.sum())} value(s) outside {lo:g}–{hi:g} (e.g. {s[bad][0]:g})",
                            column=name)
    return s


# --------------------------------------------------------------------------- single KPIs
def wilson_interval(successes: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (statsmodels ``proportion_confint(method="wilson")``).

    Reference: Wilson (1927); Newcombe (1998), *Statistics in Medicine* 17, 857–872,
    Table I: 81/263 → 0.2553–0.3662.

    >>> [round(v, 4) for v in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    """
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0:
        raise AnalysisError("a proportion needs at least one response (n = 0)")
    lo, hi = proportion_confint(successes, n, alpha=1 - conf, method="wilson")
    return float(lo), float(hi)


def _t_interval(x: np.ndarray, conf: float) -> tuple[float, float]:
    from scipy import stats

    if len(x) < 2:
        return float("nan"), float("nan")
    half = float(stats.t.ppf((1 + conf) / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    m = float(x.mean())
    return m - half, m + half


def csat_summary(values: Any, *, lo: float = 1, hi: float = 5, top_box: int = 2, conf: float = 0.95,
                 name: str = "csat") -> dict[str, float]:
    """CSAT: mean with t interval, the 0–100 mean, and the top-box share with its Wilson interval.

    Top-``top_box`` box = answers ≥ ``hi − b + 1`` with ``b = min(top_box, levels // 2)`` and
    ``levels = hi − lo + 1``: 4 or 5 on a 1–5 scale; on a yes/no (0/1) or 1–3 outcome the top box is
    the top answer alone (a "top-2 box" of a 2-level scale would be every answer, always 100 %).

    >>> r = csat_summary([5, 4, 4, 3, 2, 5, 4, 1])
    >>> r["mean"], r["mean_0_100"], r["top_box"]
    (3.5, 62.5, 0.625)
    >>> csat_summary([1, 0, 0, 1], lo=0, hi=1)["top_box"]       # yes/no: the share of yes
    0.5
    """
    x = _clean(values, name, lo, hi)
    n = len(x)
    if n == 0:
        raise AnalysisError(f"{name}: no answers to summarise")
    box = max(1, min(int(top_box), int(round(hi - lo + 1)) // 2))
    k = int((x >= hi - box + 1).sum())
    m_lo, m_hi = _t_interval(x, conf)
    t_lo, t_hi = wilson_interval(k, n, conf)
    return {"n": n, "mean": float(x.mean()), "ci_low": m_lo, "ci_high": m_hi,
            "mean_0_100": to_0_100(x.mean(), "likert", lo, hi),
            "ci_low_0_100": to_0_100(m_lo, "likert", lo, hi) if n > 1 else float("nan"),
            "ci_high_0_100": to_0_100(m_hi, "likert", lo, hi) if n > 1 else float("nan"),
            "top_box": k / n, "top_box_low": t_lo, "top_box_high": t_hi}


def nps_summary(values: Any, *, conf: float = 0.95, name: str = "nps") -> dict[str, float]:
    """NPS = 100 · (share of 9–10 − share of 0–6) with a normal interval from the trinomial variance.

    ``se = 100 · sqrt([p₊ + p₋ − (p₊ − p₋)²] / n)``: the standard error of the mean
    of scores +1 (promoter), 0 (passive), −1 (detractor).

    >>> r = nps_summary([10, 9, 9, 8, 7, 6, 3, 10])
    >>> r["nps"], r["promoters"], r["detractors"]
    (25.0, 0.5, 0.25)
    """
    from scipy import stats

    x = _clean(values, name, 0, 10)
    n = len(x)
    if n == 0:
        raise AnalysisError(f"{name}: no answers to summarise")
    pp, pd_ = float((x >= 9).mean()), float((x <= 6).mean())
    nps = 100 * (pp - pd_)
    se = 100 * np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / n)
    z = stats.norm.ppf((1 + conf) / 2)
    return {"n": n, "nps": nps, "se": float(se), "ci_low": max(-100.0, nps - z * se),
            "ci_high": min(100.0, nps + z * se), "promoters": pp, "passives": 1 - pp - pd_, "detractors": pd_,
            "nps_0_100": to_0_100(nps, "nps")}


def ces_summary(values: Any, *, lo: float = 1, hi: float = 7, conf: float = 0.95, name: str = "ces") -> dict[str, float]:
    """CES: mean effort with t interval, and ease on 0–100 (``100 · (hi − mean) / (hi − lo)``).

    >>> r = ces_summary([1, 2, 3, 4])
    >>> r["mean"], round(r["ease_0_100"], 2)
    (2.5, 75.0)
    """
    x = _clean(values, name, lo, hi)
    if len(x) == 0:
        raise AnalysisError(f"{name}: no answers to summarise")
    m_lo, m_hi = _t_interval(x, conf)
    return {"n": len(x), "mean": float(x.mean()), "ci_low": m_lo, "ci_high": m_hi,
            "ease_0_100": to_0_100(x.mean(), "effort", lo, hi),
            "low_effort": float((x <= lo + 1).mean())}


# --------------------------------------------------------------------------- tests
def nps_diff_test(a: Any, b: Any) -> dict[str, float]:
    """z-test of the difference of two independent NPS: ``z = (NPS_a − NPS_b) / sqrt(se_a² + se_b²)``.

    Equivalent to a two-sample z-test of the mean +1/0/−1 score with unequal
    variances (population variances, ddof = 0).

    >>> r = nps_diff_test([10] * 60 + [5] * 40, [10] * 40 + [5] * 60)
    >>> round(r["diff"], 1), round(r["z"], 3)
    (40.0, 2.887)
    """
    from scipy import stats

    sa, sb = nps_summary(a), nps_summary(b)
    se = float(np.hypot(sa["se"], sb["se"]))
    diff = sa["nps"] - sb["nps"]
    if se == 0:
        return {"diff": diff, "se": 0.0, "z": float("nan"), "p_value": float("nan") if diff == 0 else 0.0}
    z = diff / se
    return {"diff": diff, "se": se, "z": z, "p_value": float(2 * stats.norm.sf(abs(z)))}


def _groups(df: pd.DataFrame, value: str, group: str, min_n: int, drop_small: bool,
            order: Sequence[str] | None = None):
    for c in (value, group):
        if c not in df.columns:
            raise DataError(f"column '{c}' not in the data")
    d = df[[group, value]].copy()
    d[value] = pd.to_numeric(d[value], errors="coerce")
    d = d.dropna()
    d[group] = d[group].astype(str)
    counts = d[group].value_counts()
    small = {g: int(n) for g, n in counts.items() if n < min_n}
    if small and not drop_small:
        raise AnalysisError(f"too few respondents for a test of '{value}' by '{group}': "
                            + ", ".join(f"{g} n={n}" for g, n in small.items())
                            + f" (minimum {min_n}); merge small groups or lower diagnostics.min_group_n")
    d = d[~d[group].isin(small)]
    names = [g for g in (order or []) if g in set(d[group])] + sorted(set(d[group]) - set(order or []))
    if len(names) < 2:
        raise AnalysisError(f"a test of '{value}' by '{group}' needs at least two groups with ≥ {min_n} respondents; "
                            f"found {len(names)}" + (f" (too small: {', '.join(small)})" if small else ""))
    return d, names, small


def _compare_weighted(df: pd.DataFrame, d: pd.DataFrame, value: str, group: str, names: list[str], kind: str,
                      top_threshold: float | None, weights: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`compare_groups` with survey weights: the respondents of ``d`` (groups kept) are the domains of
    the whole design ``df`` (everyone keeps their weight, as R ``subset``)."""
    from .weighting import weighted_group_test

    y = d[value].astype(float)
    if kind == "proportion":
        if top_threshold is None:
            raise AnalysisError("kind='proportion' needs top_threshold (e.g. 4 for top-2-box on 1–5)")
        y = (y >= top_threshold).astype(float)
        if y.nunique() < 2:
            raise AnalysisError(f"every answer of '{value}' is on the same side of {top_threshold:g}: nothing to test")
    elif kind == "nps":
        y = 100.0 * ((y >= 9).astype(float) - (y <= 6).astype(float))
    elif kind == "mean" and y.nunique() < 2:
        raise AnalysisError(f"'{value}' has no variance: nothing to compare")
    full = pd.Series(np.nan, index=df.index)
    full.loc[d.index] = y
    gfull = pd.Series(None, index=df.index, dtype=object)
    gfull.loc[d.index] = d[group]
    t = weighted_group_test(full.to_numpy(), gfull.to_numpy(), weights, kind=kind, levels=names)
    omni = pd.DataFrame([{"test": t.test, "statistic": t.statistic, "df": float(t.df1), "p_value": t.p_value,
                          "effect": "range", "effect_size": float(np.max(t.estimates) - np.min(t.estimates))}])
    pw = t.pairwise.assign(effect="diff", effect_size=t.pairwise["diff"])[
        ["a", "b", "diff", "statistic", "p_value", "effect", "effect_size"]] if len(t.pairwise) else pd.DataFrame()
    return omni, pw


def compare_groups(df: pd.DataFrame, value: str, group: str, *, kind: str = "mean", min_n: int = 30,
                   padjust: str = "holm", drop_small: bool = False, order: Sequence[str] | None = None,
                   top_threshold: float | None = None, weights: Any = None) -> dict[str, Any]:
    """Test differences of a KPI between groups (tiers, segments), with effect sizes and corrected p-values.

    With ``weights`` (a :class:`cxkit.weighting.Weights` of ``df``'s rows, or one weight per row) the tests are
    design-based (:func:`cxkit.weighting.weighted_group_test`, R ``survey``): omnibus Wald F of the weighted
    group means (``wald_f``; NPS on its ±100 scores) or the Rao–Scott F for a share (``rao_scott_f``); pairwise
    t of the weighted differences; effect sizes are the differences themselves (``diff``: points or shares).

    kind
        ``mean``: Welch ANOVA (``pingouin.welch_anova``, effect size η²ₚ) and
        Kruskal–Wallis (``pingouin.kruskal``, ε² = H / (n − 1)); pairwise Welch
        t-tests (``pingouin.pairwise_tests``, Hedges' g).
        ``proportion``: share of values ≥ ``top_threshold``; χ² test of equal
        proportions (``statsmodels proportions_chisquare``, Cramér's V); pairwise
        two-proportion z-tests with Cohen's h.
        ``nps``: pairwise NPS z-tests (:func:`nps_diff_test`), Wald χ² omnibus.
    Pairwise p-values are corrected with ``statsmodels.stats.multitest.multipletests``
    (``padjust``: holm, bonferroni, fdr_bh, ...).

    Groups smaller than ``min_n`` raise :class:`AnalysisError`, or with
    ``drop_small=True`` are left out and listed in ``skipped``.

    Returns ``{"omnibus": DataFrame, "pairwise": DataFrame, "skipped": {group: n}}``.
    """
    import pingouin as pg
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    d, names, small = _groups(df, value, group, min_n, drop_small, order)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    rows: list[dict[str, Any]] = []
    if weights is not None:
        omni, pw = _compare_weighted(df, d, value, group, names, kind, top_threshold, weights)
        if len(pw):
            pw["p_adj"] = multipletests(pw["p_value"].fillna(1.0).to_numpy(), method=padjust)[1]
            pw["padjust"] = padjust
        return {"omnibus": omni, "pairwise": pw, "skipped": small, "groups": names}
    if kind == "mean":
        if d[value].nunique() < 2:
            raise AnalysisError(f"'{value}' has no variance: nothing to compare")
        w = pg.welch_anova(data=d, dv=value, between=group)
        kw = pg.kruskal(data=d, dv=value, between=group)
        h = float(kw["H"].iloc[0])
        omni = pd.DataFrame([
            {"test": "welch_anova", "statistic": float(w["F"].iloc[0]), "df": float(w["ddof1"].iloc[0]),
             "p_value": float(w["p_unc"].iloc[0]) if "p_unc" in w else float(w["p-unc"].iloc[0]),
             "effect": "np2", "effect_size": float(w["np2"].iloc[0])},
            {"test": "kruskal", "statistic": h, "df": float(kw["ddof1"].iloc[0]),
             "p_value": float(kw["p_unc"].iloc[0]) if "p_unc" in kw else float(kw["p-unc"].iloc[0]),
             "effect": "epsilon2", "effect_size": h / (len(d) - 1)}])
        for a, b in pairs:
            xa, xb = d.loc[d[group] == a, value], d.loc[d[group] == b, value]
            t = pg.ttest(xa, xb, correction=True)
            pcol = "p_val" if "p_val" in t else "p-val"
            rows.append({"a": a, "b": b, "diff": float(xa.mean() - xb.mean()), "statistic": float(t["T"].iloc[0]),
                         "p_value": float(t[pcol].iloc[0]), "effect": "hedges_g",
                         "effect_size": float(pg.compute_effsize(xa, xb, eftype="hedges"))})
    elif kind == "proportion":
        from statsmodels.stats.proportion import proportion_effectsize, proportions_chisquare, proportions_ztest

        if top_threshold is None:
            raise AnalysisError("kind='proportion' needs top_threshold (e.g. 4 for top-2-box on 1–5)")
        succ = np.array([(d.loc[d[group] == g, value] >= top_threshold).sum() for g in names])
        nobs = np.array([(d[group] == g).sum() for g in names])
        if succ.sum() in (0, nobs.sum()):
            raise AnalysisError(f"every answer of '{value}' is on the same side of {top_threshold:g}: nothing to test")
        chi2, p, _ = proportions_chisquare(succ, nobs)
        v = float(np.sqrt(chi2 / nobs.sum()))
        omni = pd.DataFrame([{"test": "chi2", "statistic": float(chi2), "df": float(len(names) - 1),
                              "p_value": float(p), "effect": "cramers_v", "effect_size": v}])
        for a, b in pairs:
            ia, ib = names.index(a), names.index(b)
            pa, pb = succ[ia] / nobs[ia], succ[ib] / nobs[ib]
            if pa in (0, 1) and pa == pb:
                z, pz = float("nan"), 1.0
            else:
                z, pz = proportions_ztest([succ[ia], succ[ib]], [nobs[ia], nobs[ib]])
            rows.append({"a": a, "b": b, "diff": float(pa - pb), "statistic": float(z), "p_value": float(pz),
                         "effect": "cohens_h", "effect_size": float(proportion_effectsize(pa, pb))})
    elif kind == "nps":
        summ = {g: nps_summary(d.loc[d[group] == g, value]) for g in names}
        est = np.array([summ[g]["nps"] for g in names])
        se = np.array([summ[g]["se"] for g in names])
        wgt = 1 / np.where(se > 0, se, np.nan) ** 2
        ok = np.isfinite(wgt)
        pooled = np.nansum(wgt * est) / np.nansum(wgt)
        q = float(np.nansum(wgt[ok] * (est[ok] - pooled) ** 2))
        dfq = int(ok.sum()) - 1
        omni = pd.DataFrame([{"test": "wald_chi2", "statistic": q, "df": float(dfq),
                              "p_value": float(stats.chi2.sf(q, dfq)) if dfq > 0 else float("nan"),
                              "effect": "range", "effect_size": float(est.max() - est.min())}])
        for a, b in pairs:
            r = nps_diff_test(d.loc[d[group] == a, value], d.loc[d[group] == b, value])
            rows.append({"a": a, "b": b, "diff": r["diff"], "statistic": r["z"], "p_value": r["p_value"],
                         "effect": "nps_points", "effect_size": r["diff"]})
    else:
        raise AnalysisError(f"kind must be 'mean', 'proportion' or 'nps', got {kind!r}")
    pw = pd.DataFrame(rows)
    if len(pw):
        pvals = pw["p_value"].fillna(1.0).to_numpy()
        pw["p_adj"] = multipletests(pvals, method=padjust)[1]
        pw["padjust"] = padjust
    return {"omnibus": omni, "pairwise": pw, "skipped": small, "groups": names}


def wave_change(current: Any, previous: Any, *, kind: str, lo: float = 1, hi: float = 5,
                top_box: int = 2) -> dict[str, float]:
    """Change since the previous wave with its significance.

    ``mean``: Welch t-test (``pingouin.ttest``); ``top_box``: two-proportion
    z-test (statsmodels); ``nps``: :func:`nps_diff_test`.
    """
    import pingouin as pg

    a = pd.to_numeric(pd.Series(current), errors="coerce").dropna()
    b = pd.to_numeric(pd.Series(previous), errors="coerce").dropna()
    if len(a) < 2 or len(b) < 2:
        raise AnalysisError(f"wave comparison needs at least 2 answers in each wave (now {len(a)}, before {len(b)})")
    if kind == "mean":
        t = pg.ttest(a, b, correction=True)
        pcol = "p_val" if "p_val" in t else "p-val"
        return {"current": float(a.mean()), "previous": float(b.mean()), "change": float(a.mean() - b.mean()),
                "statistic": float(t["T"].iloc[0]), "p_value": float(t[pcol].iloc[0])}
    if kind == "top_box":
        from statsmodels.stats.proportion import proportions_ztest
        thr = hi - top_box + 1
        ka, kb = int((a >= thr).sum()), int((b >= thr).sum())
        pa, pb = ka / len(a), kb / len(b)
        z, p = proportions_ztest([ka, kb], [len(a), len(b)]) if 0 < ka + kb < len(a) + len(b) else (float("nan"), 1.0)
        return {"current": pa, "previous": pb, "change": pa - pb, "statistic": float(z), "p_value": float(p)}
    if kind == "nps":
        r = nps_diff_test(a, b)
        return {"current": nps_summary(a)["nps"], "previous": nps_summary(b)["nps"], "change": r["diff"],
                "statistic": r["z"], "p_value": r["p_value"]}
    raise AnalysisError(f"kind must be 'mean', 'top_box' or 'nps', got {kind!r}")


# --------------------------------------------------------------------------- gaps, alerts, composite
def gap(actual: float, benchmark: float) -> float:
    """The documents' gap formula: ``(actual − benchmark) / benchmark`` (doc 002).

    >>> gap(28, 5)   # 28 min against a 5 min benchmark: +460%
    4.6
    """
    if benchmark == 0:
        raise AnalysisError("gap to a benchmark of 0 is undefined: (actual − 0) / 0; give a non-zero benchmark")
    return (float(actual) - float(benchmark)) / float(benchmark)


def gap_table(actual: Mapping[str, float], benchmarks: Mapping[str, float]) -> pd.DataFrame:
    """Gaps of several 0–100 scores to named benchmarks: points and the relative gap.

    >>> gap_table({"csat": 78.0}, {"industry": 74.0}).round(3).to_dict("records")
    [{'metric': 'csat', 'benchmark': 'industry', 'actual': 78.0, 'target': 74.0, 'points': 4.0, 'gap': 0.054}]
    """
    rows = [{"metric": m, "benchmark": b, "actual": float(a), "target": float(t), "points": float(a) - float(t),
             "gap": gap(a, t)} for m, a in actual.items() for b, t in benchmarks.items()]
    return pd.DataFrame(rows, columns=["metric", "benchmark", "actual", "target", "points", "gap"])


def check_alerts(rules: Sequence[Mapping[str, Any]], values: Mapping[str, float],
                 tier_values: Mapping[str, Mapping[str, float]] | None = None) -> list[dict[str, Any]]:
    """Evaluate alert rules ``{metric, below, tier?}`` against overall and per-tier values (0–100).

    Returns the triggered alerts with the observed value. A rule naming an
    unknown metric or tier raises :class:`ConfigError` (a typo must not silence an alert).

    >>> check_alerts([{"metric": "csat_0_100", "below": 80}], {"csat_0_100": 76.5})
    [{'metric': 'csat_0_100', 'tier': None, 'below': 80.0, 'value': 76.5}]
    """
    out = []
    for i, r in enumerate(rules):
        metric, tier, thr = r["metric"], r.get("tier"), float(r["below"])
        src = values if tier is None else (tier_values or {}).get(tier)
        if src is None:
            raise ConfigError(f"diagnostics.alerts[{i}]: no tier '{tier}' in the data "
                              f"(tiers: {', '.join(tier_values or {})})")
        if metric not in src:
            raise ConfigError(f"diagnostics.alerts[{i}]: unknown metric '{metric}' (known: {', '.join(src)})")
        v = src[metric]
        if v is not None and np.isfinite(v) and v < thr:
            out.append({"metric": metric, "tier": tier, "below": thr, "value": float(v)})
    return out


def check_weights(weights: Mapping[str, float], *, name: str = "weights", tol: float = 1e-6) -> None:
    """Raise :class:`ConfigError` unless the weights are non-negative and sum to 1 (± tol)."""
    neg = [k for k, v in weights.items() if v < 0]
    if neg:
        raise ConfigError(f"{name}: negative weight(s) for {', '.join(neg)}")
    s = float(sum(weights.values()))
    if abs(s - 1) > tol:
        raise ConfigError(f"{name}: the weights sum to {s:.4g}, they must sum to 1 "
                          f"({', '.join(f'{k} {v:g}' for k, v in weights.items())})")


def grade(score: float, lines: Sequence[float] = GRADE_LINES) -> str:
    """Grade of a 0–100 composite: below / pass (≥ 80) / excellent (≥ 90) / outstanding (≥ 95).

    >>> grade(79.9), grade(80), grade(92), grade(95)
    ('below', 'pass', 'excellent', 'outstanding')
    """
    k = sum(score >= float(x) for x in lines)
    return GRADES[k]


def kpi_composite(scores: Mapping[str, float], weights: Mapping[str, float] = KPI_WEIGHTS, *,
                  lines: Sequence[float] = GRADE_LINES) -> dict[str, Any]:
    """Weighted KPI composite (doc 002) of 0–100 scores: ``Σ wₖ · scoreₖ`` and its grade.

    Scores must already be on 0–100 (see :func:`to_0_100`; NPS −100..100 → 0..100).
    Weights must sum to 1; every weighted KPI needs a score.

    >>> r = kpi_composite({"timeliness": 90, "flow_efficiency": 80, "compliance": 95, "satisfaction": 76,
    ...                    "fcr": 85, "nps": 60})
    >>> round(r["score"], 2), r["grade"]
    (82.0, 'pass')
    """
    check_weights(weights, name="diagnostics.kpi_composite.weights")
    missing = [k for k in weights if k not in scores or scores[k] is None or not np.isfinite(scores[k])]
    if missing:
        raise ConfigError(f"diagnostics.kpi_composite: no value for {', '.join(missing)}; "
                          "give it under diagnostics.kpi_composite.values (0–1 shares or 0–100 scores)")
    out_of = [k for k in weights if not 0 <= float(scores[k]) <= 100]
    if out_of:
        raise ConfigError(f"diagnostics.kpi_composite: {', '.join(out_of)} not on 0–100 after normalisation")
    parts = {k: float(weights[k]) * float(scores[k]) for k in weights}
    score = float(sum(parts.values()))
    return {"score": score, "grade": grade(score, lines), "contributions": parts}


# --------------------------------------------------------------------------- scorecard
def satisfaction_column(outcomes: Mapping[str, str | None]) -> tuple[str, str]:
    """Which outcome is "satisfaction on 0–100": ``overall`` when the survey has it, else CSAT rescaled,
    else the NPS on 0–100 ((NPS + 100) / 2), else CES as ease (100 · (7 − mean) / 6).

    Returns ``(outcome key, column)``; raises :class:`ConfigError` when the survey has no outcome.

    >>> satisfaction_column({"nps": "NPS_SCORE"})
    ('nps', 'NPS_SCORE')
    """
    for key in ("overall", "csat", "nps", "ces"):
        if outcomes.get(key):
            return key, str(outcomes[key])
    raise ConfigError("survey.outcomes: no outcome is set (overall, csat, nps or ces); diagnostics needs one of them")


def kpi_values(df: pd.DataFrame, outcomes: Mapping[str, str | None], ranges: Mapping[str, Sequence[float]], *,
               conf: float = 0.95, top_box: int = 2) -> dict[str, Any]:
    """All KPIs of one group of respondents: CSAT, top box, NPS, CES, overall, with intervals and 0–100 values."""
    out: dict[str, Any] = {"n": int(len(df))}
    if outcomes.get("csat"):
        lo, hi = ranges.get("csat", (1, 5))
        c = csat_summary(df[outcomes["csat"]], lo=lo, hi=hi, top_box=top_box, conf=conf, name=outcomes["csat"])
        out.update({"csat": c["mean"], "csat_0_100": c["mean_0_100"], "csat_low": c["ci_low_0_100"],
                    "csat_high": c["ci_high_0_100"], "top_box": c["top_box"], "top_box_low": c["top_box_low"],
                    "top_box_high": c["top_box_high"]})
    if outcomes.get("nps"):
        s = nps_summary(df[outcomes["nps"]], conf=conf, name=outcomes["nps"])
        out.update({"nps": s["nps"], "nps_low": s["ci_low"], "nps_high": s["ci_high"], "nps_0_100": s["nps_0_100"],
                    "promoters": s["promoters"], "detractors": s["detractors"]})
    if outcomes.get("ces"):
        lo, hi = ranges.get("ces", (1, 7))
        e = ces_summary(df[outcomes["ces"]], lo=lo, hi=hi, conf=conf, name=outcomes["ces"])
        out.update({"ces": e["mean"], "ces_low": e["ci_low"], "ces_high": e["ci_high"],
                    "ces_ease_0_100": e["ease_0_100"]})
    if outcomes.get("overall"):
        # overall satisfaction on 0–100: rescaled from its declared range (survey.outcome_ranges.overall)
        lo, hi = ranges.get("overall", (0, 100))
        x = pd.to_numeric(df[outcomes["overall"]], errors="coerce").dropna().to_numpy(float)
        if len(x):
            x = (x - lo) / (hi - lo) * 100.0 if (lo, hi) != (0, 100) else x
            lo_, hi_ = _t_interval(x, conf)
            out.update({"overall": float(x.mean()), "overall_low": lo_, "overall_high": hi_})
    key, _ = satisfaction_column(outcomes)
    out["satisfaction"] = out.get({"overall": "overall", "csat": "csat_0_100", "nps": "nps_0_100",
                                   "ces": "ces_ease_0_100"}[key], float("nan"))
    return out


def weighted_kpi_values(df: pd.DataFrame, weights: Any, outcomes: Mapping[str, str | None],
                        ranges: Mapping[str, Sequence[float]], *, subset: Any = None, conf: float = 0.95,
                        top_box: int = 2) -> dict[str, Any]:
    """:func:`kpi_values` with survey weights, same keys (``n`` = respondents of the group, unweighted).

    Estimates and intervals are :func:`cxkit.weighting.weighted_kpis` (linearisation, as R ``svymean`` /
    ``svyciprop``) of the whole design restricted to ``subset`` (a domain: a tier keeps the design's
    variance, as R ``subset(design, tier == "gold")``).

    >>> d = pd.DataFrame({"csat": [5, 4, 3, 5], "nps": [10, 9, 6, 8]})
    >>> r = weighted_kpi_values(d, [1, 1, 2, 1], {"csat": "csat", "nps": "nps"}, {"csat": (1, 5)})
    >>> r["n"], r["csat"], r["nps"], r["satisfaction"]
    (4, 4.0, 0.0, 75.0)
    """
    from .weighting import weighted_kpis

    wk = weighted_kpis(df, weights, outcomes, ranges, subset=subset, conf=conf, top_box=top_box)
    n = int(len(df)) if subset is None else int(np.asarray(subset, dtype=bool).sum())
    out: dict[str, Any] = {"n": n}
    pairs = {"csat_0_100": "csat", "top_box": "top_box", "nps": "nps", "ces": "ces", "overall": "overall"}
    for key in ("csat", "csat_0_100", "top_box", "nps", "nps_0_100", "promoters", "detractors", "ces",
                "ces_ease_0_100", "overall"):
        if key in wk:
            out[key] = wk[key]
    for key, name in pairs.items():
        if f"{key}_ci" in wk:
            out[f"{name}_low"], out[f"{name}_high"] = wk[f"{key}_ci"]
    key, _ = satisfaction_column(outcomes)
    out["satisfaction"] = out.get({"overall": "overall", "csat": "csat_0_100", "nps": "nps_0_100",
                                   "ces": "ces_ease_0_100"}[key], float("nan"))
    return out


def scorecard(df: pd.DataFrame, outcomes: Mapping[str, str | None], ranges: Mapping[str, Sequence[float]], *,
              group: str | None = None, order: Sequence[str] = (), conf: float = 0.95, top_box: int = 2,
              all_label: str = "_all", weights: Any = None) -> pd.DataFrame:
    """KPI table: one row for all respondents (``group = all_label``) then one per group value.

    With ``weights`` (one per row of ``df``, or a :class:`cxkit.weighting.Weights`) every row is weighted
    (:func:`weighted_kpi_values`; the groups are domains of the whole design); ``n`` stays the respondents.
    """
    def row(mask):
        if weights is None:
            return kpi_values(df if mask is None else df[mask], outcomes, ranges, conf=conf, top_box=top_box)
        return weighted_kpi_values(df, weights, outcomes, ranges, subset=mask, conf=conf, top_box=top_box)

    rows = [{"group": all_label, **row(None)}]
    if group:
        if group not in df.columns:
            raise DataError(f"segment column '{group}' not in the data")
        vals = df[group].dropna().astype(str)
        names = [g for g in order if g in set(vals)] + sorted(set(vals) - set(order))
        for g in names:
            rows.append({"group": g, **row((df[group].astype(str) == g).to_numpy())})
    return pd.DataFrame(rows)


def difference_tests(df: pd.DataFrame, specs: Sequence[Mapping[str, Any]], group: str, *, min_n: int = 30,
                     padjust: str = "holm", order: Sequence[str] = (), weights: Any = None) -> dict[str, Any]:
    """Run :func:`compare_groups` for several KPIs of one grouping; collect tidy tables.

    ``specs``: ``{"kpi": label, "column": col, "kind": mean|proportion|nps, "top_threshold"?: x}``.
    Groups below ``min_n`` are left out (listed in ``skipped``); a KPI that cannot be
    tested is listed in ``problems`` with the reason instead of stopping the playbook.
    """
    omni, pair, skipped, problems = [], [], {}, []
    for sp in specs:
        try:
            r = compare_groups(df, sp["column"], group, kind=sp["kind"], min_n=min_n, padjust=padjust,
                               drop_small=True, order=order, top_threshold=sp.get("top_threshold"), weights=weights)
        except AnalysisError as exc:
            problems.append(f"{sp['kpi']}: {exc.message}")
            continue
        skipped.update(r["skipped"])
        omni.append(r["omnibus"].assign(kpi=sp["kpi"]))
        if len(r["pairwise"]):
            pair.append(r["pairwise"].assign(kpi=sp["kpi"]))
    o = pd.concat(omni, ignore_index=True) if omni else pd.DataFrame()
    p = pd.concat(pair, ignore_index=True) if pair else pd.DataFrame()
    if len(o):
        o = o[["kpi"] + [c for c in o.columns if c != "kpi"]]
    if len(p):
        p = p[["kpi"] + [c for c in p.columns if c != "kpi"]]
    return {"omnibus": o, "pairwise": p, "skipped": skipped, "problems": problems}


def default_alert_rules(targets: Mapping[str, float]) -> list[dict[str, Any]]:
    """Alert rules from the engagement ``targets``: ``csat_alert`` (CSAT 0–100, doc 000: 80) and
    ``platinum_alert`` (platinum satisfaction 0–100, doc 003: 85).

    >>> default_alert_rules({"csat_alert": 80, "platinum_alert": 85})
    [{'metric': 'csat_0_100', 'below': 80.0, 'tier': None}, {'metric': 'satisfaction', 'below': 85.0, 'tier': 'platinum'}]
    """
    rules = []
    if "csat_alert" in targets:
        rules.append({"metric": "csat_0_100", "below": float(targets["csat_alert"]), "tier": None})
    if "platinum_alert" in targets:
        rules.append({"metric": "satisfaction", "below": float(targets["platinum_alert"]), "tier": "platinum"})
    return rules


def composite_inputs(values: Mapping[str, float], weights: Mapping[str, float], *, csat_0_100: float | None,
                     nps: float | None) -> tuple[dict[str, float], list[str]]:
    """0–100 scores for the KPI composite and the weighted KPIs still without a value.

    Operational values ≤ 1 are read as shares (× 100), larger ones as 0–100 scores;
    ``satisfaction`` defaults to CSAT on 0–100 and ``nps`` to (NPS + 100) / 2.

    >>> composite_inputs({"fcr": 0.86}, {"fcr": .5, "satisfaction": .3, "nps": .2}, csat_0_100=75.0, nps=10.0)
    ({'fcr': 86.0, 'satisfaction': 75.0, 'nps': 55.0}, [])
    """
    out: dict[str, float] = {}
    for k, v in values.items():
        out[k] = to_0_100(v, "share") if float(v) <= 1 else float(v)
    if "satisfaction" not in out and csat_0_100 is not None:
        out["satisfaction"] = float(csat_0_100)
    if "nps" not in out and nps is not None:
        out["nps"] = to_0_100(nps, "nps")
    missing = [k for k in weights if k not in out]
    return {k: out[k] for k in weights if k in out}, missing


def wave_table(current: pd.DataFrame, previous: pd.DataFrame, outcomes: Mapping[str, str | None],
               ranges: Mapping[str, Sequence[float]], *, top_box: int = 2) -> pd.DataFrame:
    """Wave-over-wave change of each KPI with its test (:func:`wave_change`); ``better`` says if the
    change is an improvement (lower CES is better)."""
    rows = []
    specs = []
    if outcomes.get("csat"):
        specs += [("csat", outcomes["csat"], "mean"), ("top_box", outcomes["csat"], "top_box")]
    if outcomes.get("nps"):
        specs.append(("nps", outcomes["nps"], "nps"))
    if outcomes.get("ces"):
        specs.append(("ces", outcomes["ces"], "mean"))
    if outcomes.get("overall"):
        specs.append(("overall", outcomes["overall"], "mean"))
    for kpi, col, kind in specs:
        if col not in previous.columns:
            raise DataError(f"previous wave: column '{col}' not in the data")
        lo, hi = ranges.get(kpi if kpi != "top_box" else "csat", (1, 5))
        r = wave_change(current[col], previous[col], kind=kind, lo=lo, hi=hi, top_box=top_box)
        rows.append({"kpi": kpi, **r, "better": bool(r["change"] < 0 if kpi == "ces" else r["change"] > 0)})
    return pd.DataFrame(rows)


def kpi_test_specs(outcomes: Mapping[str, str | None], ranges: Mapping[str, Sequence[float]],
                   top_box: int = 2) -> list[dict[str, Any]]:
    """The KPI tests of the scorecard, for :func:`difference_tests`: CSAT mean and top box, NPS, CES, overall."""
    specs: list[dict[str, Any]] = []
    if outcomes.get("csat"):
        specs += [{"kpi": "csat", "column": outcomes["csat"], "kind": "mean"},
                  {"kpi": "top_box", "column": outcomes["csat"], "kind": "proportion",
                   "top_threshold": ranges.get("csat", (1, 5))[1] - top_box + 1}]
    if outcomes.get("nps"):
        specs.append({"kpi": "nps", "column": outcomes["nps"], "kind": "nps"})
    if outcomes.get("ces"):
        specs.append({"kpi": "ces", "column": outcomes["ces"], "kind": "mean"})
    if outcomes.get("overall"):
        specs.append({"kpi": "overall", "column": outcomes["overall"], "kind": "mean"})
    return specs
