"""Multi-wave tracking (notebook 03): each KPI per wave with its interval, change tests, a change-point note, a chart.

A region lists its earlier waves in ``engagement.yaml``; the current wave is the region's ``responses`` with the
engagement's ``wave`` label::

    regions:
      north:
        responses: data/north_responses.csv        # this wave (wave: 2026Q3)
        waves:                                     # earlier waves, oldest first (labels unique)
          - {wave: 2025Q4, responses: data/north_2025Q4.csv}
          - {wave: 2026Q1, responses: data/north_2026Q1.csv}
          - {wave: 2026Q2, responses: data/north_2026Q2.csv}

The list order is the time order. Labels in one period format (``2024``, ``2024Q1``, ``2024H1``, ``2024-03``)
must also ascend and end before this wave (``cxkit.config`` refuses a list written newest first). A wave file
needs only the id column; the outcome columns are read where present (``cxkit.validation.read_wave``).

KPIs and units
--------------
``csat_0_100`` (CSAT mean on 0–100), ``top_box`` (share 0–1), ``nps`` (−100..100), ``ces`` (mean on its 1–7
scale, lower = less effort), ``overall`` (0–100): whichever outcomes the survey has. Unweighted estimates and
intervals are those of :func:`cxkit.metrics.kpi_values` (t interval for means, Wilson for the top box, normal with
the trinomial variance for NPS). With a ``weighting:`` section every wave is weighted on its own with the same
parameters (``weighting.weight(wave_df, params)``) and the estimates are :func:`cxkit.weighting.weighted_mean`,
:func:`~cxkit.weighting.weighted_proportion` (logit interval) and :func:`~cxkit.weighting.weighted_nps`
(linearisation variance, as R ``survey``), as the headline KPIs of 03 are. A wave whose weights cannot be computed
is left out of the tracking with a note naming it (never shown unweighted beside weighted waves).

Tests
-----
Each consecutive pair of waves and the first against the last wave:

- unweighted, :func:`cxkit.metrics.wave_change`: Welch t for means (CSAT, CES, overall), the two-proportion z test
  for the top box, the NPS z test ``(NPS_b − NPS_a) / sqrt(se_a² + se_b²)``;
- weighted, the difference of two independent weighted estimates ``z = (θ_b − θ_a) / sqrt(se_a² + se_b²)`` with
  their linearisation standard errors, two-sided normal p.

The consecutive p-values of a KPI are Holm-corrected (Holm 1979, ``statsmodels multipletests(method="holm")``);
the first-to-last test is a single planned comparison (not corrected). Differences are in the KPI's units above.

Change point
------------
For a KPI with T ≥ 5 wave estimates y_1..y_T (t = 1..T), every split after wave k with at least 2 waves on each
side (k = 2..T−2, m = T − 3 candidates) is fitted by least squares with a common linear trend and one level shift::

    y_t = α + β t + δ · [t > k] + e_t

and the split with the smallest residual sum of squares (the within-segment squared error around the two
segments' levels on one trend line) is kept — one step of binary segmentation, PELT with a single change. The
step δ is tested with its OLS t statistic on T − 3 degrees of freedom (the residual variance absorbs sampling and
wave-to-wave noise); the p-value is Bonferroni-corrected for the m candidate splits (the split was chosen on the
data) and the change point is reported only when that p is below the significance level. ``trend=False`` drops the
β t term (a pure mean shift). A trend alone is not a step; a step is reported net of the trend.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J. Statist.* 6, 65–70.
Welch, B. L. (1947). The generalization of Student's problem when several different population variances are
involved. *Biometrika* 34, 28–35.
Killick, R., Fearnhead, P. & Eckley, I. A. (2012). Optimal detection of changepoints with a linear computational
cost. *JASA* 107, 1590–1598 (PELT).
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley (linearisation variances).

Examples
--------
>>> import pandas as pd
>>> a = pd.DataFrame({"csat": [4, 5, 3, 4, 4, 5, 2, 4]})
>>> b = pd.DataFrame({"csat": [5, 5, 4, 4, 5, 5, 4, 3]})
>>> tr = track([("2026Q1", a, None), ("2026Q2", b, None)], {"csat": "csat"}, {"csat": (1, 5)})
>>> [(p["wave"], p["value"]) for p in tr["tracking"]["csat_0_100"]]
[('2026Q1', 71.875), ('2026Q2', 84.375)]
>>> t = tr["tracking_tests"]["csat_0_100"]
>>> t["test"], round(t["first_to_last"]["diff"], 3), round(t["first_to_last"]["p"], 3)
('welch_t', 12.5, 0.274)
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from . import metrics, weighting
from .errors import AnalysisError, CxError

#: KPIs in display order: (kpi key, outcome role)
KPIS = (("csat_0_100", "csat"), ("top_box", "csat"), ("nps", "nps"), ("ces", "ces"), ("overall", "overall"))
#: fewest wave estimates for a change-point analysis (2 on each side of the split, 1 residual degree of freedom more)
MIN_CP_WAVES = 5
#: fewest waves on each side of a change point
MIN_SEGMENT = 2


# --------------------------------------------------------------------------- per wave
def _scale(kpi: str, ranges: Mapping[str, Sequence[float]]) -> tuple[float, float]:
    """``(offset, factor)``: the KPI in reporting units = (raw − offset) · factor (0–100 rescaling)."""
    if kpi == "csat_0_100":
        lo, hi = ranges.get("csat", (1, 5))
        return float(lo), 100.0 / (float(hi) - float(lo))
    if kpi == "overall":
        lo, hi = ranges.get("overall", (0, 100))
        return float(lo), 100.0 / (float(hi) - float(lo))
    return 0.0, 1.0


def _box(ranges: Mapping[str, Sequence[float]], top_box: int) -> tuple[int, float]:
    """Top box as :func:`cxkit.metrics.csat_summary` counts it: ``(b, threshold)``, b = min(top_box, levels // 2)."""
    lo, hi = ranges.get("csat", (1, 5))
    b = max(1, min(int(top_box), int(round(hi - lo + 1)) // 2))
    return b, float(hi) - b + 1


def _values(df: pd.DataFrame, column: str) -> pd.Series | None:
    if column not in df.columns:
        return None
    return pd.to_numeric(df[column], errors="coerce")


def wave_estimate(df: pd.DataFrame, kpi: str, column: str, ranges: Mapping[str, Sequence[float]], *,
                  weights: Any = None, conf: float = 0.95, top_box: int = 2) -> dict[str, Any] | None:
    """One KPI of one wave: ``{value, low, high, se, n}`` in the KPI's reporting units, or None when the wave has
    no such column or fewer than 2 answers.

    Unweighted: :func:`cxkit.metrics.kpi_values` (its intervals), ``se`` the plain standard error (sd/√n,
    √(p(1−p)/n), the trinomial NPS se). Weighted (``weights`` a :class:`cxkit.weighting.Weights` of ``df``):
    :func:`cxkit.weighting.weighted_mean` (normal interval), ``weighted_proportion`` (logit), ``weighted_nps``
    with their linearisation se; ``n`` = respondents with an answer.

    Examples
    --------
    >>> d = pd.DataFrame({"nps": [10, 9, 9, 8, 7, 6, 3, 10]})
    >>> e = wave_estimate(d, "nps", "nps", {})
    >>> e["value"], e["n"]
    (25.0, 8)
    """
    x = _values(df, column)
    if x is None or int(x.notna().sum()) < 2:
        return None
    role = dict(KPIS)[kpi]
    off, fac = _scale(kpi, ranges)
    if weights is None:
        k = metrics.kpi_values(df.assign(**{column: x}), {role: column}, ranges, conf=conf, top_box=top_box)
        v = x.dropna().to_numpy(float)
        n = len(v)
        if kpi == "csat_0_100":
            return {"value": k["csat_0_100"], "low": k["csat_low"], "high": k["csat_high"],
                    "se": float(v.std(ddof=1) / math.sqrt(n) * fac), "n": n}
        if kpi == "top_box":
            p = k["top_box"]
            return {"value": p, "low": k["top_box_low"], "high": k["top_box_high"],
                    "se": float(math.sqrt(p * (1 - p) / n)), "n": n}
        if kpi == "nps":
            s = metrics.nps_summary(v, conf=conf, name=column)
            return {"value": k["nps"], "low": k["nps_low"], "high": k["nps_high"], "se": s["se"], "n": n}
        if kpi == "ces":
            return {"value": k["ces"], "low": k["ces_low"], "high": k["ces_high"],
                    "se": float(v.std(ddof=1) / math.sqrt(n)), "n": n}
        return {"value": k["overall"], "low": k["overall_low"], "high": k["overall_high"],
                "se": float(v.std(ddof=1) / math.sqrt(n) * fac), "n": n}
    if kpi == "top_box":
        _, thr = _box(ranges, top_box)
        e = weighting.weighted_proportion(np.where(x.isna(), np.nan, x >= thr), weights, conf=conf)
    elif kpi == "nps":
        e = weighting.weighted_nps(x, weights, conf=conf)
    else:
        e = weighting.weighted_mean(x, weights, conf=conf)
    return {"value": (e.estimate - off) * fac, "low": (e.low - off) * fac, "high": (e.high - off) * fac,
            "se": e.se * fac, "n": e.n}


# --------------------------------------------------------------------------- tests
def _unweighted_test(kpi: str, earlier: pd.Series, later: pd.Series, ranges, top_box: int) -> dict[str, Any]:
    """:func:`cxkit.metrics.wave_change` of ``later`` against ``earlier``, its change in reporting units."""
    role = dict(KPIS)[kpi]
    lo, hi = ranges.get(role, (1, 5) if role == "csat" else (1, 7) if role == "ces" else (0, 100))
    kind = {"top_box": "top_box", "nps": "nps"}.get(kpi, "mean")
    box, _ = _box(ranges, top_box)
    r = metrics.wave_change(later, earlier, kind=kind, lo=lo, hi=hi, top_box=box)
    _, fac = _scale(kpi, ranges)
    return {"diff": float(r["change"]) * fac, "statistic": float(r["statistic"]), "p": float(r["p_value"])}


def weighted_change(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """z test of the change from estimate ``a`` to ``b`` of two independent samples (two waves):
    ``z = (θ_b − θ_a) / sqrt(se_a² + se_b²)``, two-sided normal p.

    >>> r = weighted_change({"value": 70.0, "se": 1.2}, {"value": 74.0, "se": 1.6})
    >>> r["diff"], round(r["statistic"], 3), round(r["p"], 4)
    (4.0, 2.0, 0.0455)
    """
    from scipy import stats

    diff = float(b["value"]) - float(a["value"])
    se = float(math.hypot(a["se"], b["se"]))
    if not se > 0:
        return {"diff": diff, "statistic": float("nan"), "p": float("nan") if diff == 0 else 0.0}
    z = diff / se
    return {"diff": diff, "statistic": z, "p": float(2 * stats.norm.sf(abs(z)))}


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (statsmodels ``multipletests(method="holm")``; a missing p counts as 1).

    >>> [round(p, 3) for p in holm([0.01, 0.04, 0.03])]
    [0.03, 0.06, 0.06]
    """
    from statsmodels.stats.multitest import multipletests

    if not len(pvalues):
        return []
    p = np.nan_to_num(np.asarray(pvalues, dtype=float), nan=1.0)
    return [float(v) for v in multipletests(p, method="holm")[1]]


# --------------------------------------------------------------------------- change point
def change_point(values: Sequence[float], labels: Sequence[str], *, trend: bool = True,
                 min_size: int = MIN_SEGMENT) -> dict[str, Any] | None:
    """The single split of a series that minimises the squared error of ``y = α + β t + δ [t > k]`` (module
    docstring, "Change point"), with its step test; None when the series is too short (fewer than
    :data:`MIN_CP_WAVES` values, or ``2 · min_size`` without a trend + 1).

    Returns ``{after_wave, k, before_mean, after_mean, step, statistic, df, p_raw, p, candidates}``: the step
    happens between ``after_wave`` (the k-th wave) and the next; ``before_mean`` / ``after_mean`` are the plain
    means of the estimates on each side; ``step`` = δ (net of the trend); ``p`` = min(1, m · p_raw) over the m
    candidate splits. The caller reports it only when ``p`` is significant.

    Examples
    --------
    >>> y = [70.1, 69.9, 70.4, 69.8, 70.2, 75.1, 74.8, 75.2]
    >>> cp = change_point(y, [f"W{i}" for i in range(1, 9)])
    >>> cp["after_wave"], round(cp["step"], 2), cp["p"] < 0.001
    ('W5', 4.89, True)
    """
    from scipy import stats

    y = np.asarray(values, dtype=float)
    T = len(y)
    npar = 3 if trend else 2
    if T < max(MIN_CP_WAVES if trend else 0, 2 * min_size, npar + 1):
        return None
    t = np.arange(1, T + 1, dtype=float)
    best = None
    for k in range(min_size, T - min_size + 1):
        cols = [np.ones(T)] + ([t] if trend else []) + [(t > k).astype(float)]
        X = np.column_stack(cols)
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        rss = float(np.sum((y - X @ beta) ** 2))
        if best is None or rss < best[0] - 1e-12:
            best = (rss, k, X, beta)
    rss, k, X, beta = best
    m = T - 2 * min_size + 1
    dfree = T - npar
    delta = float(beta[-1])
    sigma2 = rss / dfree
    cov = sigma2 * np.linalg.inv(X.T @ X)
    se = math.sqrt(max(float(cov[-1, -1]), 0.0))
    if se > 0:
        stat = delta / se
        p_raw = float(2 * stats.t.sf(abs(stat), dfree))
    else:
        stat, p_raw = (float("inf") if delta else float("nan")), (0.0 if delta else 1.0)
    return {"after_wave": str(labels[k - 1]), "k": int(k), "before_mean": float(y[:k].mean()),
            "after_mean": float(y[k:].mean()), "step": delta, "statistic": float(stat), "df": int(dfree),
            "p_raw": p_raw, "p": min(1.0, p_raw * m), "candidates": int(m)}


# --------------------------------------------------------------------------- all waves
def track(waves: Sequence[tuple[str, pd.DataFrame, Any]], outcomes: Mapping[str, str | None],
          ranges: Mapping[str, Sequence[float]], *, conf: float = 0.95, top_box: int = 2,
          trend: bool = True) -> dict[str, Any]:
    """Tracking of every KPI over ``waves`` = ``[(label, df, weights or None), …]`` oldest first (the current
    wave last). All waves weighted or none (pass ``None`` weights for an unweighted tracking).

    Returns ``{"tracking": {kpi: [{wave, value, low, high, n}]}, "tracking_tests": {kpi: {test, wave_over_wave:
    [{from, to, diff, statistic, p, p_adj}], first_to_last: {from, to, diff, statistic, p}}}, "change_points":
    {kpi: {after_wave, before_mean, after_mean, step, p}} (significant only), "candidates": {kpi: change_point()
    of every KPI, significant or not}, "skipped": [(wave, kpi, column)] (no column or < 2 answers),
    "weighted": bool}``. A KPI with fewer than 2 waves has no tests.
    """
    weighted = any(w is not None for _, _, w in waves)
    if weighted and any(w is None for _, _, w in waves):
        raise AnalysisError("tracking: weight every wave or none (a wave whose weighting failed is left out)")
    alpha = 1 - conf
    out: dict[str, Any] = {"tracking": {}, "tracking_tests": {}, "change_points": {}, "candidates": {},
                           "skipped": [], "weighted": weighted}
    for kpi, role in KPIS:
        col = outcomes.get(role)
        if not col:
            continue
        pts, raw = [], []
        for label, df, w in waves:
            e = wave_estimate(df, kpi, col, ranges, weights=w, conf=conf, top_box=top_box)
            if e is None:
                out["skipped"].append((label, kpi, col))
                continue
            pts.append({"wave": str(label), **e})
            raw.append(_values(df, col))
        if not pts:
            continue
        out["tracking"][kpi] = [{k: p[k] for k in ("wave", "value", "low", "high", "n")} for p in pts]
        if len(pts) < 2:
            continue

        def test(i: int, j: int, kpi=kpi, pts=pts, raw=raw) -> dict[str, Any]:
            r = (weighted_change(pts[i], pts[j]) if weighted
                 else _unweighted_test(kpi, raw[i], raw[j], ranges, top_box))
            return {"from": pts[i]["wave"], "to": pts[j]["wave"], **r}

        wow = [test(i, i + 1) for i in range(len(pts) - 1)]
        for r, pa in zip(wow, holm([r["p"] for r in wow])):
            r["p_adj"] = pa
        name = "weighted_z" if weighted else {"top_box": "two_proportion_z", "nps": "nps_z"}.get(kpi, "welch_t")
        out["tracking_tests"][kpi] = {"test": name, "wave_over_wave": wow, "first_to_last": test(0, len(pts) - 1)}
        cp = change_point([p["value"] for p in pts], [p["wave"] for p in pts], trend=trend)
        if cp is not None:
            out["candidates"][kpi] = cp
            if cp["p"] < alpha:
                out["change_points"][kpi] = {k: cp[k] for k in ("after_wave", "before_mean", "after_mean", "step",
                                                                "p")}
    return out


# --------------------------------------------------------------------------- chart
def plot_tracking(tracking: Mapping[str, Sequence[Mapping[str, Any]]], *, labels: Mapping[str, str],
                  waves: Sequence[str], change_points: Mapping[str, Mapping[str, Any]] | None = None,
                  title: str = "", cp_label: str = "", percent: Sequence[str] = ("top_box",)):
    """Trend chart: one panel per KPI (stacked, one column for a phone screen), the estimate per wave as a line
    with its interval as a band, every wave label on the shared x axis (rotated when there are many), a dashed
    line between the waves of a reported change point. Text in the playbook's CJK-capable font (apply the theme
    first: ``pb.theme()``)."""
    import matplotlib.pyplot as plt

    kpis = [k for k in tracking if tracking[k]]
    pos = {w: i for i, w in enumerate(waves)}
    fig, axes = plt.subplots(len(kpis), 1, figsize=(5.2, 2.2 * len(kpis) + 0.9), sharex=True, squeeze=False)
    for ax, kpi in zip(axes[:, 0], kpis):
        pts = tracking[kpi]
        x = np.array([pos[p["wave"]] for p in pts], dtype=float)
        f = 100.0 if kpi in percent else 1.0
        y = np.array([p["value"] for p in pts], dtype=float) * f
        lo = np.array([np.nan if p["low"] is None else p["low"] for p in pts], dtype=float) * f
        hi = np.array([np.nan if p["high"] is None else p["high"] for p in pts], dtype=float) * f
        ax.fill_between(x, lo, hi, color="#1f5f8b", alpha=0.18, linewidth=0)
        ax.plot(x, y, color="#1f5f8b", marker="o", markersize=4, linewidth=1.8)
        ax.set_title(labels.get(kpi, kpi) + (" (%)" if kpi in percent else ""), fontsize=12, loc="left")
        ax.tick_params(axis="y", labelsize=11)
        cp = (change_points or {}).get(kpi)
        if cp and cp.get("after_wave") in pos:
            xc = pos[cp["after_wave"]] + 0.5
            ax.axvline(xc, color="#c2423f", linestyle="--", linewidth=1.2)
            if cp_label:
                ax.annotate(cp_label, (xc, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -12),
                            textcoords="offset points", fontsize=9, color="#c2423f")
    ax = axes[-1, 0]
    ax.set_xticks(range(len(waves)), [str(w) for w in waves])
    ax.set_xlim(-0.4, len(waves) - 0.6)
    rot = 45 if len(waves) > 6 else 0
    plt.setp(ax.get_xticklabels(), rotation=rot, ha="right" if rot else "center", rotation_mode="anchor",
             fontsize=11)
    if title:
        fig.suptitle(title, fontsize=12.5)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- notebook section
def wave_list(params: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """``[(label, file), …]`` oldest first: the region's ``waves`` then the current wave (``wave``, ``responses``).

    >>> wave_list({"wave": "2026Q3", "responses": "now.csv", "waves": [{"wave": "2026Q2", "responses": "q2.csv"}]})
    [('2026Q2', 'q2.csv'), ('2026Q3', 'now.csv')]
    """
    return [(str(w["wave"]), w["responses"]) for w in params.get("waves") or []] + \
        [(str(params.get("wave", "")), params.get("responses"))]


def tracking_section(pb, df: pd.DataFrame, waves: Sequence[Mapping[str, Any]], survey: Mapping[str, Any],
                     P: Mapping[str, Any], weights_params: Mapping[str, Any] | None = None, *,
                     weights: Any = None) -> dict[str, Any] | None:
    """Notebook 03's tracking section: reads each earlier wave (``cxkit.validation.read_wave``), weights every
    wave with ``weights_params`` when weighting is on (``weights``: the current wave's, else computed), then the
    trend chart, the estimates table, the tests and the change-point notes; results ``tracking``,
    ``tracking_tests``, ``change_points`` (docs/results.md). Returns :func:`track`'s dict (None without waves).
    """
    from . import validation as cxio
    from .diagnostics import show_table
    from .report import fmt_num, fmt_pct

    if not waves:
        return None

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    conf, top_box = float(P.get("confidence", 0.95)), int(P.get("top_box", 2))
    outcomes = {k: v for k, v in (survey.get("outcomes") or {}).items() if v}
    ranges = survey.get("outcome_ranges") or {}
    wp = weighting.WeightingParams.model_validate(dict(weights_params or {}))
    current = str(pb.params.get("wave", ""))
    pb.h2(T("track_sec"))
    frames: list[tuple[str, pd.DataFrame]] = []
    for w in waves:
        wdf, problems = cxio.read_wave(pb.params, w)
        for pr in problems:
            pb.note(T("track_problem", wave=w["wave"], text=pr), "warn")
        frames.append((str(w["wave"]), wdf))
    frames.append((current, df))
    data: list[tuple[str, pd.DataFrame, Any]] = []
    for label, wdf in frames:
        if not wp.enabled:
            data.append((label, wdf, None))
            continue
        if label == current and weights is not None:
            data.append((label, wdf, weights))
            continue
        try:
            w = weighting.weight(wdf, wp)
        except CxError as exc:
            pb.note(T("track_weight_failed", wave=label, reason=exc.message), "warn")
            continue
        for text in w.warnings:
            pb.note(T("track_weight_warning", wave=label, text=text), "info")
        data.append((label, wdf, w))
    if len(data) < 2:
        pb.note(T("track_too_few", n=len(data)), "warn")
        return None
    tr = track(data, outcomes, ranges, conf=conf, top_box=top_box)
    labels = [d[0] for d in data]
    pb.p(T("track_intro", n=len(labels), first=labels[0], last=labels[-1], conf=f"{100 * conf:.0f}",
           weighting=T("track_weighted" if tr["weighted"] else "track_unweighted")))
    for label, kpi, col in tr["skipped"]:
        pb.note(T("track_missing_kpi", wave=label, kpi=T(f"metric_{kpi}"), column=col), "info")
    kname = {kpi: T(f"metric_{kpi}") for kpi in tr["tracking"]}
    pb.theme()
    pb.figure(plot_tracking(tr["tracking"], labels=kname, waves=labels, change_points=tr["change_points"],
                            title=T("track_chart_title", conf=f"{100 * conf:.0f}"), cp_label=T("track_cp_marker")),
              alt=T("track_chart_title", conf=f"{100 * conf:.0f}"))
    table = pd.DataFrame({"wave": labels})
    for kpi, pts in tr["tracking"].items():
        table[kpi] = table["wave"].map({p["wave"]: p["value"] for p in pts})
    table.insert(1, "n", [len(d[1]) for d in data])
    pb.p(T("track_table_text"))
    show_table(pb, table.rename(columns={k: kname[k] for k in kname}), prefix="col_track_",
               percent=[kname["top_box"]] if "top_box" in kname else [], digits=1, **{kname.get("ces", "ces"): 2})

    def fmt_p(p: float) -> str:
        return "< 0.0001" if p < 0.0001 else "= " + fmt_num(p, 4)

    def fmt(kpi: str, v: float) -> str:
        return fmt_pct(v) if kpi == "top_box" else fmt_num(v, 2 if kpi == "ces" else 1)

    def signed(kpi: str, v: float) -> str:
        if kpi == "top_box":
            return f"{100 * v:+.1f}" + T("track_pp")
        return ("+" if v > 0 else "") + fmt_num(v, 2 if kpi == "ces" else 1)

    alpha = 1 - conf
    rows = []
    for kpi, t in tr["tracking_tests"].items():
        f = t["first_to_last"]
        cp = tr["change_points"].get(kpi)
        rows.append({"kpi": kname[kpi], "from": f["from"], "to": f["to"], "diff": signed(kpi, f["diff"]),
                     "p": f["p"], "n_sig": sum(r["p_adj"] < alpha for r in t["wave_over_wave"]),
                     "change_point": cp["after_wave"] if cp else "–"})
    if rows:
        pb.p(T("track_tests_text", test=T("track_tests_weighted" if tr["weighted"] else "track_tests_unweighted")))
        show_table(pb, pd.DataFrame(rows), prefix="col_track_", ints=("n_sig",), p=4)
    for kpi, t in tr["tracking_tests"].items():
        better = (lambda d: d < 0) if kpi == "ces" else (lambda d: d > 0)
        for r in t["wave_over_wave"]:
            if r["p_adj"] < alpha:
                pb.note(T("track_wow_sig", kpi=kname[kpi], a=r["from"], b=r["to"], diff=signed(kpi, r["diff"]),
                          p=fmt_p(r["p_adj"])), "ok" if better(r["diff"]) else "warn")
        f = t["first_to_last"]
        if f["p"] < alpha:
            pb.note(T("track_ftl_sig", kpi=kname[kpi], a=f["from"], b=f["to"], diff=signed(kpi, f["diff"]),
                      p=fmt_p(f["p"])), "ok" if better(f["diff"]) else "warn")
    pb.p(T("track_cp_rule", n=MIN_CP_WAVES))
    for kpi, cp in tr["change_points"].items():
        pb.note(T("track_cp", kpi=kname[kpi], wave=cp["after_wave"], step=signed(kpi, cp["step"]),
                  before=fmt(kpi, cp["before_mean"]), after=fmt(kpi, cp["after_mean"]), p=fmt_p(cp["p"])),
                "info")
    if not tr["change_points"]:
        pb.note(T("track_no_cp" if tr["candidates"] else "track_too_few_cp", n=MIN_CP_WAVES), "info")
    pb.result("tracking", tr["tracking"])
    pb.result("tracking_tests", tr["tracking_tests"])
    pb.result("change_points", tr["change_points"])
    return tr
