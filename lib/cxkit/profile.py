"""Fieldwork quality checks (notebook 00): counts, completion, missingness, straightlining, ranges.

All functions take the response DataFrame and plain lists of item names and
return tidy DataFrames or dicts; the notebook only displays them.

Definitions
-----------
- *completion* of a respondent: answered scale items / all scale items; a
  questionnaire is *complete* when every scale item is answered.
- *straightlining*: a respondent who answered at least ``min_items`` scale items
  and gave the same value to all of them (Kim et al. 2019, "straightlining:
  overview of measurement, comparison of indicators").
- *out of range*: a value outside the item's declared range.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

TIER_ORDER = ("platinum", "gold", "ordinary", "potential")


def scale_items(survey: dict[str, Any]) -> list[str]:
    """All scale items of the survey definition, in declared order, without repeats."""
    return list(dict.fromkeys(it for sc in survey.get("scales", {}).values() for it in sc["items"]))


def segment_counts(df: pd.DataFrame, column: str, order: Sequence[str] = TIER_ORDER) -> pd.DataFrame:
    """Respondents per segment with their share; known tiers first in business order.

    >>> segment_counts(pd.DataFrame({"tier": ["gold", "platinum", "gold"]}), "tier")
        segment  n     share
    0  platinum  1  0.333333
    1      gold  2  0.666667
    """
    counts = df[column].fillna("(missing)").astype(str).value_counts()
    known = [s for s in order if s in counts.index]
    rest = sorted(s for s in counts.index if s not in known)
    counts = counts.reindex(known + rest)
    return pd.DataFrame({"segment": counts.index, "n": counts.to_numpy(),
                         "share": counts.to_numpy() / counts.sum()})


def item_missingness(df: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """Missing answers per item: count and share, sorted by share (largest first)."""
    miss = df[list(items)].isna()
    out = pd.DataFrame({"item": list(items), "missing": miss.sum().to_numpy(),
                        "share": miss.mean().to_numpy()})
    return out.sort_values(["share", "item"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


def completion(df: pd.DataFrame, items: Sequence[str]) -> dict[str, float]:
    """Share of complete questionnaires, mean completion, and count of partial ones."""
    answered = df[list(items)].notna().mean(axis=1)
    return {"complete_share": float((answered == 1).mean()), "mean_completion": float(answered.mean()),
            "partial_n": int((answered < 1).sum()), "empty_n": int((answered == 0).sum())}


def straightliners(df: pd.DataFrame, items: Sequence[str], min_items: int = 8) -> pd.Series:
    """Boolean Series: respondents who gave one identical answer to ≥ ``min_items`` answered items."""
    x = df[list(items)]
    n_ans = x.notna().sum(axis=1)
    same = x.nunique(axis=1, dropna=True) == 1
    return same & (n_ans >= min_items)


def out_of_range(df: pd.DataFrame, ranges: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Values outside their range per column: count and first spreadsheet rows (header = row 1)."""
    rows = []
    for col, (lo, hi) in ranges.items():
        if col not in df.columns:
            continue
        v = pd.to_numeric(df[col], errors="coerce")
        bad = v.notna() & ((v < lo) | (v > hi))
        if bad.any():
            pos = np.flatnonzero(bad.to_numpy())
            rows.append({"column": col, "range": f"{lo:g}–{hi:g}", "n": int(bad.sum()),
                         "rows": ", ".join(str(int(p) + 2) for p in pos[:5])})
    return pd.DataFrame(rows, columns=["column", "range", "n", "rows"])


def distribution(df: pd.DataFrame, items: Sequence[str], lo: int, hi: int) -> pd.DataFrame:
    """Share of each answer value lo..hi per item (rows: items; columns: values), among answers."""
    vals = list(range(int(lo), int(hi) + 1))
    out = {}
    for it in items:
        s = df[it].dropna()
        counts = s.value_counts().reindex(vals, fill_value=0)
        out[it] = counts / max(len(s), 1)
    return pd.DataFrame(out).T.rename_axis("item")


def plain_warnings(tiers: pd.DataFrame, miss: pd.DataFrame, comp: dict[str, float], straight_share: float,
                   *, min_cell: int = 100, miss_limit: float = 0.05, straight_limit: float = 0.03,
                   complete_limit: float = 0.9) -> list[tuple[str, dict[str, Any]]]:
    """Plain-language warnings as (i18n key, values) pairs, so the notebook renders them in its language."""
    out: list[tuple[str, dict[str, Any]]] = []
    for _, r in tiers.iterrows():
        if r["n"] < min_cell:
            out.append(("profile.warn_small_cell", {"segment": r["segment"], "n": int(r["n"]), "min": min_cell}))
    for _, r in miss.iterrows():
        if r["share"] > miss_limit:
            out.append(("profile.warn_missing", {"item": r["item"], "pct": f"{100 * r['share']:.1f}",
                                                 "limit": f"{100 * miss_limit:.0f}"}))
    if comp["complete_share"] < complete_limit:
        out.append(("profile.warn_completion", {"pct": f"{100 * comp['complete_share']:.1f}",
                                                "limit": f"{100 * complete_limit:.0f}"}))
    if straight_share > straight_limit:
        out.append(("profile.warn_straight", {"pct": f"{100 * straight_share:.1f}",
                                              "limit": f"{100 * straight_limit:.0f}"}))
    return out


def plot_distribution(dist: pd.DataFrame, *, title: str, xlabel: str, legend_title: str):
    """Stacked horizontal bars of answer shares per item (diverging palette, low → high)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    colors = sns.color_palette("RdYlGn", n_colors=dist.shape[1])
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(dist) + 1.4))
    left = np.zeros(len(dist))
    for j, col in enumerate(dist.columns):
        ax.barh(dist.index.astype(str), dist[col].to_numpy(), left=left, color=colors[j], label=str(col))
        left += dist[col].to_numpy()
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(title=legend_title, ncol=dist.shape[1], loc="lower center", bbox_to_anchor=(0.5, 1.06),
              frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def plot_segments(tiers: pd.DataFrame, *, labels: Sequence[str], title: str, ylabel: str):
    """Bar chart of respondents per segment, labelled with counts."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    bars = ax.bar(list(labels), tiers["n"].to_numpy())
    ax.bar_label(bars, labels=[f"{int(n):,}" for n in tiers["n"]], padding=2, fontsize=9)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def weight_profile(df: pd.DataFrame, weighting_params: Any) -> tuple[Any, str | None]:
    """The survey weights of the region as 03 will use them: ``(Weights, None)``, ``(None, None)`` without a
    ``weighting:`` section, or ``(None, message)`` when the weights cannot be computed (the message names the
    column/level and what to do; 03 stops on the same problem, the profile only reports it).

    >>> w, problem = weight_profile(pd.DataFrame({"tier": ["a", "a", "b"]}), {"margins": {"tier": {"a": .5, "b": .5}}})
    >>> [round(float(x), 2) for x in w.weights], problem
    ([0.75, 0.75, 1.5], None)
    >>> weight_profile(pd.DataFrame({"tier": ["a"]}), {})
    (None, None)
    """
    from . import weighting
    from .errors import CxError

    try:
        wp = weighting.WeightingParams.model_validate(dict(weighting_params or {}))
        if not wp.enabled:
            return None, None
        return weighting.weight(df, wp), None
    except CxError as exc:
        return None, exc.message
    except ValueError as exc:            # pydantic: the message names the key and what to do
        return None, str(exc).splitlines()[-1].strip()


def plot_weight_distribution(weights: Any, *, title: str, xlabel: str, ylabel: str):
    """Histogram of the weights (relative to the mean weight, 1 = average respondent), with the mean marked."""
    import matplotlib.pyplot as plt

    w = np.asarray(weights, dtype=float)
    fig, ax = plt.subplots(figsize=(6.5, 3.0))
    ax.hist(w, bins=min(40, max(5, int(np.sqrt(len(w))))), color="#4C78A8")
    ax.axvline(1.0, color="#333333", linewidth=1, linestyle="--")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def weights_section(pb, df: pd.DataFrame) -> None:
    """Notebook 00's survey-weights section (when the engagement has a ``weighting:`` section): the weights 03
    will use (:func:`weight_profile`), their spread — Kish effective n, design effect, range, the share outside
    0.2–5 × the mean — and a histogram; a weighting problem is shown (03 stops on it). Result ``weights``
    (:meth:`cxkit.weighting.Weights.distribution`), absent without weighting or when it fails."""
    from .report import fmt_num, fmt_pct

    wts, problem = weight_profile(df, pb.params.get("weighting"))
    if wts is None and not problem:
        return
    pb.h2(pb.t("profile.sec_weights"))
    if problem:
        pb.note(pb.t("profile.weights_problem", problem=problem), "warn")
        return
    wd = wts.distribution()
    pb.p(pb.t("profile.weights_text", method=pb.t(f"profile.weight_{wd['method']}"), n=f"{wd['n']:,}",
              neff=f"{wd['effective_n']:,.0f}", deff=fmt_num(wd["deff"], 2), lo=fmt_num(wd["min"], 2),
              hi=fmt_num(wd["max"], 2), extreme=fmt_pct(wd["share_extreme"])))
    pb.figure(plot_weight_distribution(wts.weights, title=pb.t("profile.weights_title"),
                                       xlabel=pb.t("profile.weights_x"), ylabel=pb.t("profile.col_n")),
              alt=pb.t("profile.weights_title"))
    for warning in wts.warnings:
        pb.note(warning, "warn")
    pb.result("weights", wd)
