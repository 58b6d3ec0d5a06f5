"""Customer tiers (notebook 03, DOMAIN.md doc 003): spend bands, composite tier score, tier tables.

Spend bands (trailing 12 months): platinum > ¥50,000, gold ¥10,000–50,000,
ordinary ¥1,000–10,000, potential < ¥1,000 (each band includes its lower bound).

Composite tier score (0–100) = 40% consumption value + 25% interaction
frequency + 20% need profile + 15% loyalty, each component first put on 0–100:

- consumption value: mean of the percentile ranks (0–100, ties averaged) of
  annual spend, average order value and repurchase rate (ranks make the
  heavy-tailed spend comparable with a 0–1 rate; the result does not depend on currency);
- interaction frequency: percentile rank of interactions in 12 months;
- need profile: a fixed score per declared profile (default experience-first 100,
  efficiency-first 70, price-sensitive 40: the documents rank experience-first
  customers as most valuable to serve, price-sensitive least);
- loyalty: mean of NPS × 10 (0–10 → 0–100) and 100 × (1 − complaint in 30 days)
  (and 100 × (1 − churn risk) when a churn-risk column 0..1 is given).

Tiers from the score are cut at the quantiles matching the target shares
(12 / 28 / 45 / 15 %, top score = platinum) so the score-based tiers can be
compared with the spend bands (agreement, Cohen's κ).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import AnalysisError, ConfigError, DataError

TIER_ORDER = ("platinum", "gold", "ordinary", "potential")
#: Lower bound (inclusive) of each spend band, highest tier first (doc 003).
SPEND_BANDS = {"platinum": 50_000.01, "gold": 10_000.0, "ordinary": 1_000.0, "potential": 0.0}
TIER_SHARES = {"platinum": 0.12, "gold": 0.28, "ordinary": 0.45, "potential": 0.15}
SCORE_WEIGHTS = {"value": 0.40, "interaction": 0.25, "need": 0.20, "loyalty": 0.15}
NEED_SCORES = {"experience": 100.0, "efficiency": 70.0, "price": 40.0}
SCORE_COLUMNS = {"spend": "annual_spend", "aov": "aov", "repurchase": "repurchase_rate",
                 "interactions": "interactions_12m", "need": "need_profile", "nps": "nps",
                 "complaint": "complaint_30d", "churn": None}


def has_value_columns(columns_present, columns: dict | None = None) -> bool:
    """Whether the data holds any of the tier score's customer-value columns (spend, AOV, repurchase,
    interactions): a survey export without any of them is not a case for the score at all (a note, not a warning).

    >>> has_value_columns(["NPS_SCORE", "text"]), has_value_columns(["annual_spend", "nps"])
    (False, True)
    """
    cols = {**SCORE_COLUMNS, **(columns or {})}
    present = set(columns_present)
    return any(cols[k] in present for k in ("spend", "aov", "repurchase", "interactions") if cols[k])


def spend_tier(spend: Any, bands: Mapping[str, float] = SPEND_BANDS, *, column: str = "annual_spend") -> pd.Series:
    """Tier of each customer from trailing-12-month spend; ``bands`` maps tier → inclusive lower bound.

    Negative or missing spend raises :class:`DataError` naming the rows.

    >>> spend_tier([60000, 50000, 9999.5, 10000, 999, 0]).tolist()
    ['platinum', 'gold', 'ordinary', 'gold', 'potential', 'potential']
    """
    s = pd.to_numeric(pd.Series(spend), errors="coerce").reset_index(drop=True)
    bad = s.isna() | (s < 0)
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())]
        raise DataError("spend must be a number ≥ 0 to assign a spend band", column=column, rows=rows)
    order = sorted(bands.items(), key=lambda kv: -kv[1])
    if order[-1][1] > s.min():
        raise ConfigError(f"diagnostics.spend_bands: the lowest band starts at {order[-1][1]:g} but spend goes down to "
                          f"{s.min():g}; give the lowest tier a lower bound of 0")
    out = pd.Series([None] * len(s), dtype=object)
    for tier, lo in reversed(order):
        out[s >= lo] = tier
    return out


def _pct_rank(x: pd.Series) -> pd.Series:
    return 100.0 * (x.rank(method="average") - 1) / max(x.notna().sum() - 1, 1)


def tier_score(df: pd.DataFrame, *, weights: Mapping[str, float] = SCORE_WEIGHTS,
               columns: Mapping[str, str | None] = SCORE_COLUMNS,
               need_scores: Mapping[str, float] = NEED_SCORES) -> pd.DataFrame:
    """Composite tier score (0–100) and its four components (see the module docstring).

    Returns a DataFrame (same index as ``df``) with columns value, interaction,
    need, loyalty and score. Weights must sum to 1; a need profile missing from
    ``need_scores`` raises :class:`DataError` naming the rows.

    >>> d = pd.DataFrame({"annual_spend": [100, 2e4, 9e4], "aov": [50, 500, 900], "repurchase_rate": [.1, .5, .9],
    ...                   "interactions_12m": [1, 3, 9], "need_profile": ["price", "efficiency", "experience"],
    ...                   "nps": [5, 8, 10], "complaint_30d": [1, 0, 0]})
    >>> tier_score(d)["score"].round(1).tolist()
    [11.8, 60.0, 100.0]
    """
    from .metrics import check_weights

    check_weights(weights, name="diagnostics.tier_score.weights")
    cols = {**SCORE_COLUMNS, **columns}
    need_cols = [cols[k] for k in ("spend", "aov", "repurchase", "interactions", "need", "nps", "complaint")]
    missing = [c for c in need_cols if c and c not in df.columns]
    if missing:
        raise DataError(f"tier score needs column(s) {', '.join(missing)}",
                        hint="map them under diagnostics.tier_score.columns or turn the tier score off")
    num = lambda c: pd.to_numeric(df[c], errors="coerce").astype(float)  # noqa: E731
    value = pd.concat([_pct_rank(num(cols["spend"])), _pct_rank(num(cols["aov"])),
                       _pct_rank(num(cols["repurchase"]))], axis=1).mean(axis=1)
    interaction = _pct_rank(num(cols["interactions"]))
    prof = df[cols["need"]].astype("string").str.strip()
    unknown = prof.notna() & ~prof.isin(list(need_scores))
    if unknown.any():
        rows = [int(i) + 2 for i in np.flatnonzero(unknown.to_numpy())]
        raise DataError(f"need profile(s) {', '.join(map(str, prof[unknown].unique()[:3]))} have no score",
                        column=cols["need"], rows=rows,
                        hint=f"known profiles: {', '.join(need_scores)}; add it to diagnostics.tier_score.need_scores")
    need = prof.map(lambda v: float(need_scores[v]) if pd.notna(v) else np.nan).astype(float)
    parts = [10.0 * num(cols["nps"]), 100.0 * (1 - num(cols["complaint"]))]
    if cols.get("churn"):
        if cols["churn"] not in df.columns:
            raise DataError(f"churn-risk column '{cols['churn']}' not in the data")
        parts.append(100.0 * (1 - num(cols["churn"])))
    loyalty = pd.concat(parts, axis=1).mean(axis=1)
    out = pd.DataFrame({"value": value, "interaction": interaction, "need": need, "loyalty": loyalty}, index=df.index)
    out["score"] = sum(float(weights[k]) * out[k] for k in ("value", "interaction", "need", "loyalty"))
    return out


def score_tiers(score: pd.Series, shares: Mapping[str, float] = TIER_SHARES) -> pd.Series:
    """Cut a score into tiers with the given shares, highest score → first tier of ``shares``.

    >>> score_tiers(pd.Series(range(100)))[[0, 20, 60, 95]].tolist()
    ['potential', 'ordinary', 'gold', 'platinum']
    """
    check_shares(shares)
    names = list(shares)
    cum = np.cumsum([shares[t] for t in names])
    r = score.rank(method="first", ascending=False) / score.notna().sum()
    out = pd.Series([None] * len(score), index=score.index, dtype=object)
    for t, c_hi, c_lo in zip(names, cum, np.r_[0, cum[:-1]]):
        out[(r > c_lo) & (r <= c_hi + 1e-12)] = t
    return out


def check_shares(shares: Mapping[str, float], *, tol: float = 0.01, name: str = "tier shares") -> None:
    """Raise :class:`ConfigError` unless the shares are ≥ 0 and sum to 1 (± tol)."""
    s = float(sum(shares.values()))
    if any(v < 0 for v in shares.values()) or abs(s - 1) > tol:
        raise ConfigError(f"{name} must be ≥ 0 and sum to 1; they sum to {s:.4g} "
                          f"({', '.join(f'{k} {v:g}' for k, v in shares.items())})")


def agreement(a: pd.Series, b: pd.Series, order: Sequence[str] = TIER_ORDER) -> dict[str, float]:
    """Agreement of two tier assignments: share of identical tiers and Cohen's κ (statsmodels)."""
    from statsmodels.stats.inter_rater import cohens_kappa

    both = a.notna() & b.notna()
    a, b = a[both].astype(str), b[both].astype(str)
    cats = [t for t in order if t in set(a) | set(b)] + sorted((set(a) | set(b)) - set(order))
    tab = pd.crosstab(pd.Categorical(a, cats), pd.Categorical(b, cats), dropna=False).to_numpy()
    k = cohens_kappa(tab, return_results=False)
    return {"n": int(both.sum()), "agreement": float((a.to_numpy() == b.to_numpy()).mean()), "kappa": float(k)}


def tier_profile(df: pd.DataFrame, tier_col: str, columns: Sequence[str],
                 order: Sequence[str] = TIER_ORDER) -> pd.DataFrame:
    """Per tier: n, share and the mean of each column (numeric) — the tier profile table."""
    if tier_col not in df.columns:
        raise DataError(f"tier column '{tier_col}' not in the data")
    cols = [c for c in columns if c in df.columns]
    g = df.groupby(df[tier_col].astype(str))
    out = g.size().rename("n").to_frame()
    out["share"] = out["n"] / out["n"].sum()
    for c in cols:
        out[c] = g[c].apply(lambda s: pd.to_numeric(s, errors="coerce").mean())
    known = [t for t in order if t in out.index]
    out = out.reindex(known + sorted(set(out.index) - set(known)))
    return out.rename_axis("tier").reset_index()


def share_weighted_check(tier_scores: Mapping[str, float], shares: Mapping[str, float], stated: float, *,
                         tol: float = 0.5) -> dict[str, Any]:
    """Compare a stated overall score with the share-weighted mean of the tier scores.

    ``weighted = Σₖ shareₖ · scoreₖ``; ``consistent`` is False when
    ``|stated − weighted| > tol`` (the documents: 0.12·82 + 0.28·78 + 0.45·74 +
    0.15·68 = 75.18, but the overall is stated as 76).

    >>> r = share_weighted_check({"platinum": 82, "gold": 78, "ordinary": 74, "potential": 68},
    ...                          {"platinum": .12, "gold": .28, "ordinary": .45, "potential": .15}, 76)
    >>> round(r["weighted"], 2), round(r["difference"], 2), r["consistent"]
    (75.18, 0.82, False)
    """
    check_shares(shares)
    missing = [t for t in shares if t not in tier_scores or tier_scores[t] is None]
    if missing:
        raise AnalysisError(f"no satisfaction score for tier(s) {', '.join(missing)} to weight by their shares")
    w = float(sum(float(shares[t]) * float(tier_scores[t]) for t in shares) / sum(shares.values()))
    diff = float(stated) - w
    return {"weighted": w, "stated": float(stated), "difference": diff, "tolerance": float(tol),
            "consistent": bool(abs(diff) <= tol)}


def tier_matrix(card: pd.DataFrame, scores: pd.DataFrame | None, tier: pd.Series, lo: float, hi: float,
                kpis: Sequence[str] = ("satisfaction", "csat_0_100", "top_box", "nps", "ces_ease_0_100")) -> pd.DataFrame:
    """Tier × satisfaction matrix: scorecard KPIs per tier (``card`` rows after the first) joined with
    the mean of each scale score per tier rescaled to 0–100 (``100 · (mean − lo) / (hi − lo)``)."""
    mat = card.iloc[1:][["group"] + [c for c in kpis if c in card.columns]].set_index("group")
    if scores is not None and scores.shape[1]:
        mat = mat.join(100.0 * (scores.groupby(tier.astype(str)).mean() - lo) / (hi - lo))
    return mat
