"""Engagement summary (notebook 99): regions side by side, each tested against the rest of the engagement.

KPIs are recomputed from every region's responses so that intervals and tests
are exact; the other sections read the regions' ``.results.json`` files and
show what is there (a region whose notebook failed shows "–").

Region vs rest tests (two-sided, Holm-corrected across regions):

- CSAT mean (0–100): Welch's t-test (``scipy.stats.ttest_ind(equal_var=False)``).
- CSAT top-2-box: two-proportion z-test (``statsmodels.stats.proportion.proportions_ztest``).
- NPS: z-test of the difference with trinomial variances, :func:`cxkit.metrics.nps_diff_test`.

The page opens with the findings and actions of :mod:`cxkit.findings` (rules over the typed results read by
:func:`load_region_models`, checked for contradictions), by region and for the engagement; the statistical
notes and the tables follow.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd


#: the region notebooks whose results the summary reads (01 is read for its detectable changes only)
REGION_NOTEBOOKS = ("00_data_profile", "02_reliability", "03_diagnostics", "04_root_cause", "05_roi",
                    "06_allocation", "07_action_plan")


def load_region_results(run_dir: str | Path, regions: Sequence[str], notebooks: Sequence[str]) -> dict[str, dict[str, dict]]:
    """{region: {notebook: results dict}} for every results file present under ``run_dir``, each checked
    against its typed model (:func:`cxkit.results.load`; a file without a model is read as it is)."""
    from . import results as contract

    out: dict[str, dict[str, dict]] = {}
    for r in regions:
        out[r] = {}
        for nb in notebooks:
            p = Path(run_dir) / r / f"{nb}.results.json"
            if p.is_file():
                out[r][nb] = (contract.dump(contract.load(p)) if nb in contract.MODELS
                              else json.loads(p.read_text(encoding="utf-8")))
    return out


def load_region_models(run_dir: str | Path, regions: Sequence[str], notebooks: Sequence[str]) -> dict[str, dict[str, Any]]:
    """{region: {notebook: typed results model}} (:func:`cxkit.results.load`) for every results file present
    under ``run_dir`` whose notebook has a model; the input of :mod:`cxkit.findings`."""
    from . import results as contract

    out: dict[str, dict[str, Any]] = {}
    for r in regions:
        out[r] = {}
        for nb in notebooks:
            p = Path(run_dir) / r / f"{nb}.results.json"
            if nb in contract.MODELS and p.is_file():
                out[r][nb] = contract.load(p)
    return out


def read_frames(regions: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Every region's checked responses for the engagement-wide KPIs: ``(frames, problems)``.

    A region whose file cannot be read (or has no responses file) is left out and its problem returned,
    so one bad region does not stop the summary of the others.
    """
    from .errors import CxError
    from .validation import read_responses

    frames: dict[str, pd.DataFrame] = {}
    problems: dict[str, str] = {}
    for r, p in regions.items():
        if not p.get("responses"):
            continue
        try:
            frames[r] = read_responses(p)[0]
        except CxError as exc:
            problems[r] = str(exc)
    return frames, problems


def get_path(d: Mapping[str, Any] | None, path: str, default: Any = None) -> Any:
    """``get_path({"a": {"b": 1}}, "a.b") == 1``; missing keys give ``default``."""
    cur: Any = d
    for k in path.split("."):
        if not isinstance(cur, Mapping) or k not in cur:
            return default
        cur = cur[k]
    return cur


def weighted_region_kpis(frames: Mapping[str, pd.DataFrame], outcomes: Mapping[str, str | None], *,
                         weighting: Mapping[str, Any], region_shares: Mapping[str, float] | None = None,
                         csat_range: tuple[float, float] = (1, 5), top_box: int = 2,
                         conf: float = 0.95) -> pd.DataFrame:
    """:func:`region_kpis` with survey weights and the engagement roll-up by population (issue 19).

    Each region's KPIs are weighted with its own ``weighting:`` section (``weighting[region]``; an empty section
    leaves that region unweighted) — the same figures as its 03 playbook: CSAT on 0–100 and NPS with linearisation
    intervals (:func:`cxkit.weighting.weighted_mean` / :func:`~cxkit.weighting.weighted_nps`), the top box with
    :func:`~cxkit.weighting.weighted_proportion`. The "whole" row is the stratified roll-up
    ``Σ W_r ŷ_r`` with ``V = Σ W_r² V(ŷ_r)`` (:func:`cxkit.weighting.stratified_rollup`) at ``region_shares``
    (the population share of each region; without them each region counts with its sample size, as the pooled
    sample does). A region is compared with the roll-up of the other regions: ``z = (ŷ_r − ŷ_rest) /
    √(V_r + V_rest)`` (independent samples), Holm-corrected across regions.
    """
    from scipy import stats

    from . import weighting as wt

    lo, hi = csat_range
    csat_col, nps_col = outcomes.get("csat"), outcomes.get("nps")
    if not frames:
        return pd.DataFrame({"region": pd.Series(dtype=str), "n": pd.Series(dtype=int)})
    names = list(frames)
    est: dict[str, dict[str, Any]] = {"csat": {}, "top2": {}, "nps": {}}
    for r, f in frames.items():
        wp = wt.WeightingParams.model_validate(dict(weighting.get(r) or {}))
        w = wt.weight(f, wp) if wp.enabled else np.ones(len(f))
        if csat_col and f[csat_col].notna().any():
            v = pd.to_numeric(f[csat_col], errors="coerce").to_numpy(float)
            m = wt.weighted_mean(v, w, conf=conf)
            scale = 100.0 / (hi - lo)
            est["csat"][r] = wt.Estimate((m.estimate - lo) * scale, m.se * scale, (m.low - lo) * scale,
                                         (m.high - lo) * scale, m.n, m.df, m.method)
            box = max(1, min(int(top_box), int(round(hi - lo + 1)) // 2))
            est["top2"][r] = wt.weighted_proportion(np.where(np.isnan(v), np.nan, v >= hi - box + 1), w, conf=conf)
        if nps_col and f[nps_col].notna().any():
            est["nps"][r] = wt.weighted_nps(pd.to_numeric(f[nps_col], errors="coerce").to_numpy(float), w, conf=conf)
    shares = dict(region_shares) if region_shares else {r: float(len(f)) for r, f in frames.items()}
    cols = {"csat": ("csat_0_100", "csat_lo", "csat_hi"), "top2": ("top2", "top2_lo", "top2_hi"),
            "nps": ("nps", "nps_lo", "nps_hi")}
    rows = [{"region": r, "n": len(frames[r])} for r in names]
    whole: dict[str, Any] = {"region": "_all", "n": int(sum(len(f) for f in frames.values()))}
    pvals: dict[str, list[float]] = {}
    for key, (c, clo, chi) in cols.items():
        e = est[key]
        if not e:
            continue
        for row in rows:
            if row["region"] in e:
                x = e[row["region"]]
                row.update({c: x.estimate, clo: x.low, chi: x.high})
        roll = wt.stratified_rollup(e, shares, conf=conf)
        whole.update({c: roll.estimate, clo: roll.low, chi: roll.high})
        ps = []
        for r in names:
            rest = {h: x for h, x in e.items() if h != r}
            if r not in e or not rest:
                ps.append(np.nan)
                continue
            o = wt.stratified_rollup(rest, shares, conf=conf)
            z = (e[r].estimate - o.estimate) / np.sqrt(e[r].se ** 2 + o.se ** 2)
            ps.append(float(2 * stats.norm.sf(abs(z))))
        pvals[{"csat": "p_csat", "top2": "p_top2", "nps": "p_nps"}[key]] = ps
    return _holm_columns(pd.DataFrame(rows + [whole]), pvals)


def engagement_kpis(frames: Mapping[str, pd.DataFrame], regions: Mapping[str, Mapping[str, Any]],
                    params: Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, float] | None]:
    """The KPI table of 99: :func:`weighted_region_kpis` when a region is weighted or the engagement gives
    ``weighting.region_shares``, else :func:`region_kpis` (pooled, unweighted). Returns ``(table, shares)``:
    the population shares used for the "whole" row (``None``: the pooled sample)."""
    from .weighting import WeightingParams

    survey = params["survey"]
    csat_range = tuple(survey["outcome_ranges"].get("csat", (1, 5)))
    wsec = {r: dict(regions[r].get("weighting") or {}) for r in frames}
    shares = (params.get("weighting") or {}).get("region_shares")
    if shares or any(WeightingParams.model_validate(w).enabled for w in wsec.values()):
        return weighted_region_kpis(frames, survey["outcomes"], weighting=wsec, region_shares=shares,
                                    csat_range=csat_range), (dict(shares) if shares else None)
    return region_kpis(frames, survey["outcomes"], csat_range=csat_range), None


def region_kpis(frames: Mapping[str, pd.DataFrame], outcomes: Mapping[str, str | None], *,
                csat_range: tuple[float, float] = (1, 5), top_box: int = 2, conf: float = 0.95) -> pd.DataFrame:
    """Per region: n, CSAT (0–100) with CI, top-2-box with Wilson CI, NPS with CI; each vs the rest (Holm).

    The "whole" row pools every region. p-values compare a region with all
    other regions pooled, corrected with Holm's method across regions. A KPI whose outcome is not in
    the survey has no columns; a region without answers, or with no other region to compare with
    (a one-region engagement), gets no p-value (NaN) instead of an error.
    """
    from scipy import stats
    from statsmodels.stats.proportion import proportions_ztest

    from . import metrics

    lo, hi = csat_range
    csat_col, nps_col = outcomes.get("csat"), outcomes.get("nps")
    if not frames:                       # no region with readable responses: nothing to compare
        return pd.DataFrame({"region": pd.Series(dtype=str), "n": pd.Series(dtype=int)})
    rows, p_csat, p_top, p_nps = [], [], [], []
    names = list(frames)
    pooled = pd.concat([f.assign(_region=r) for r, f in frames.items()], ignore_index=True)
    for r in names + ["_all"]:
        part = pooled if r == "_all" else pooled[pooled["_region"] == r]
        rest = pooled[pooled["_region"] != r]
        row: dict[str, Any] = {"region": r, "n": len(part)}
        if csat_col:
            c = part[csat_col].dropna().to_numpy(float)
            rc = rest[csat_col].dropna().to_numpy(float)
            if len(c):
                s = metrics.csat_summary(c, lo=lo, hi=hi, top_box=top_box, conf=conf)
                row.update(csat_0_100=s["mean_0_100"], csat_lo=s["ci_low_0_100"], csat_hi=s["ci_high_0_100"],
                           top2=s["top_box"], top2_lo=s["top_box_low"], top2_hi=s["top_box_high"])
            if r != "_all":   # a region is compared with the rest only when both have answers
                both = len(c) >= 2 and len(rc) >= 2
                p_csat.append(stats.ttest_ind(c, rc, equal_var=False).pvalue if both else np.nan)
                thr = hi - top_box + 1
                p_top.append(proportions_ztest([(c >= thr).sum(), (rc >= thr).sum()], [len(c), len(rc)])[1]
                             if both else np.nan)
        if nps_col:
            v = part[nps_col].dropna().to_numpy(float)
            rv = rest[nps_col].dropna().to_numpy(float)
            if len(v):
                s = metrics.nps_summary(v, conf=conf)
                row.update(nps=s["nps"], nps_lo=s["ci_low"], nps_hi=s["ci_high"])
            if r != "_all":
                p_nps.append(metrics.nps_diff_test(v, rv)["p_value"] if len(v) and len(rv) else np.nan)
        rows.append(row)
    return _holm_columns(pd.DataFrame(rows), {"p_csat": p_csat, "p_top2": p_top, "p_nps": p_nps})


def _holm_columns(out: pd.DataFrame, pvals: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Each region-vs-rest p-value column, Holm-adjusted across the regions that could be tested (the last row,
    the whole engagement, gets none)."""
    from statsmodels.stats.multitest import multipletests

    for col, ps in pvals.items():
        ps = np.asarray(ps, dtype=float)
        if np.isfinite(ps).any():
            adj = np.full(len(ps), np.nan)
            ok = np.isfinite(ps)
            adj[ok] = multipletests(ps[ok], method="holm")[1]
            out[col] = list(adj) + [np.nan]
    return out


def significance_mark(p: float, alpha: float = 0.05) -> str:
    """'*' when ``p < alpha``, '' otherwise (or when p is missing)."""
    return "*" if p is not None and not pd.isna(p) and p < alpha else ""


def significant_regions(kpis: pd.DataFrame, value: str, pcol: str, alpha: float = 0.05) -> tuple[list[str], list[str]]:
    """Regions significantly above / below the pooled whole on ``value`` (using the Holm-adjusted ``pcol``)."""
    if pcol not in kpis or not (kpis["region"] == "_all").any():
        return [], []
    whole = kpis.loc[kpis["region"] == "_all", value].iloc[0]
    sig = kpis[(kpis["region"] != "_all") & (kpis[pcol] < alpha)]
    return (sig.loc[sig[value] > whole, "region"].tolist(), sig.loc[sig[value] < whole, "region"].tolist())


def kpi_display(kpis: pd.DataFrame, labels: Mapping[str, str], cols: Mapping[str, str]) -> pd.DataFrame:
    """The KPI table as text: value [low, high] with '*' for significant region-vs-rest differences."""
    rows = []
    for _, r in kpis.iterrows():
        row = {cols["region"]: labels.get(r["region"], r["region"]), cols["n"]: f"{int(r['n']):,}"}
        if pd.notna(r.get("csat_0_100")):
            row[cols["csat"]] = f"{r['csat_0_100']:.1f} [{r['csat_lo']:.1f}, {r['csat_hi']:.1f}]{significance_mark(r.get('p_csat'))}"
            row[cols["top2"]] = (f"{100 * r['top2']:.1f}% [{100 * r['top2_lo']:.1f}, {100 * r['top2_hi']:.1f}]"
                                 f"{significance_mark(r.get('p_top2'))}")
        if pd.notna(r.get("nps")):
            row[cols["nps"]] = f"{r['nps']:.1f} [{r['nps_lo']:.1f}, {r['nps_hi']:.1f}]{significance_mark(r.get('p_nps'))}"
        rows.append(row)
    return pd.DataFrame(rows)


def figures_table(results: Mapping[str, Mapping[str, dict]], spec: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """Rows = regions, columns = ``label`` for each (label, notebook, key path) in ``spec``; '–' where absent."""
    rows = []
    for r, by_nb in results.items():
        row = {"region": r}
        for label, nb, path in spec:
            row[label] = get_path(by_nb.get(nb), path)
        rows.append(row)
    return pd.DataFrame(rows)


def labelled(table: pd.DataFrame, labels: Mapping[str, str], header: str) -> pd.DataFrame:
    """A per-region table for display: region names replaced by their labels, the column renamed ``header``."""
    return table.assign(region=[labels.get(r, r) for r in table["region"]]).rename(columns={"region": header})


def top_items(results: Mapping[str, Mapping[str, dict]], notebook: str, path: str, k: int = 3,
              names: Mapping[str, str] | None = None, exclude: Sequence[str] = ()) -> pd.DataFrame:
    """Per region, the ``k`` largest entries of a {name: value} mapping in a results file (e.g. driver weights).

    ``names`` maps keys to display labels; keys in ``exclude`` are skipped.
    """
    names = names or {}
    rows = []
    for r, by_nb in results.items():
        d = get_path(by_nb.get(notebook), path)
        if isinstance(d, Mapping) and d:
            top = sorted(((v, n) for n, v in d.items() if isinstance(v, (int, float)) and n not in exclude),
                         reverse=True)[:k]
            rows.append({"region": r, **{f"#{i + 1}": f"{names.get(n, n)} ({v:.0%})" if abs(v) <= 1
                                         else f"{names.get(n, n)} ({v:,.1f})"
                                         for i, (v, n) in enumerate(top)}})
        else:
            rows.append({"region": r})
    return pd.DataFrame(rows)


def plot_kpi_forest(kpis: pd.DataFrame, *, value: str, lo: str, hi: str, labels: Mapping[str, str], title: str,
                    xlabel: str):
    """Dot-and-interval chart of one KPI per region, with the whole engagement as a reference line."""
    import matplotlib.pyplot as plt

    regions = kpis[kpis["region"] != "_all"].reset_index(drop=True)
    whole = kpis.loc[kpis["region"] == "_all", value].iloc[0]
    fig, ax = plt.subplots(figsize=(6.8, 0.5 * len(regions) + 1.5))
    y = np.arange(len(regions))
    ax.errorbar(regions[value], y, xerr=[regions[value] - regions[lo], regions[hi] - regions[value]],
                fmt="o", capsize=4)
    ax.axvline(whole, color="grey", ls="--", lw=1)
    ax.set_yticks(y, [labels.get(r, r) for r in regions["region"]])
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def category_names(region_params: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Display labels of the root-cause codebook's categories ({} when the codebook cannot be loaded)."""
    from .errors import CxError
    from .rootcause import load_codebook

    rc = region_params.get("root_cause") or {}
    complaints = region_params.get("complaints")
    base = Path(complaints).parent.parent if complaints else None
    try:
        cb = load_codebook(rc.get("codebook", "service_fishbone"), base_dir=base)
    except CxError:
        return {}
    return {c: cb.category_label(c, lang) for c in cb.categories}

