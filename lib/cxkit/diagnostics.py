"""Parameters of notebook 03 (diagnostics): the ``diagnostics:`` section of ``engagement.yaml``.

Kept light to import (stdlib + pydantic): :mod:`cxkit.config` imports it to
validate the section before any kernel starts. The computations live in
:mod:`cxkit.metrics`, :mod:`cxkit.tiers` and :mod:`cxkit.drivers`.

Example
-------
>>> DiagnosticsParams.model_validate({}).driver_outcome
'overall'
>>> from pydantic import ValidationError
>>> try:
...     DiagnosticsParams.model_validate({"kpi_composite": {"weights": {"satisfaction": 0.5, "nps": 0.4}}})
... except ValidationError as exc:
...     print(exc.errors()[0]["msg"])
Value error, the weights sum to 0.9, they must sum to 1 (satisfaction 0.5, nps 0.4)
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _sum_to_one(v: dict[str, float], tol: float = 1e-6) -> dict[str, float]:
    neg = [k for k, w in v.items() if w < 0]
    if neg:
        raise ValueError(f"negative weight(s) for {', '.join(neg)}")
    s = sum(v.values())
    if abs(s - 1) > tol:
        raise ValueError(f"the weights sum to {s:.4g}, they must sum to 1 ("
                         + ", ".join(f"{k} {w:g}" for k, w in v.items()) + ")")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KpiCompositeParams(_Strict):
    """Weighted KPI composite (doc 002). ``values``: operational KPIs as 0–1 shares or 0–100 scores.

    ``satisfaction`` (CSAT 0–100) and ``nps`` ((NPS + 100) / 2) come from the survey
    unless given here. The composite is skipped (with a note) when a weighted KPI has no value.
    """

    weights: dict[str, float] = Field(default_factory=lambda: {
        "timeliness": 0.20, "flow_efficiency": 0.15, "compliance": 0.15,
        "satisfaction": 0.25, "fcr": 0.15, "nps": 0.10})
    values: dict[str, float] = Field(default_factory=dict)
    grades: tuple[float, float, float] = (80.0, 90.0, 95.0)

    @field_validator("weights")
    @classmethod
    def _w(cls, v):
        return _sum_to_one(v)

    @field_validator("values")
    @classmethod
    def _values_range(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, x in v.items() if not 0 <= x <= 100]
        if bad:
            raise ValueError(f"KPI values must be 0–1 shares or 0–100 scores; out of range: {', '.join(bad)}")
        return v

    @field_validator("grades")
    @classmethod
    def _grades_order(cls, v):
        if not v[0] < v[1] < v[2]:
            raise ValueError(f"grade lines must increase (pass < excellent < outstanding), got {list(v)}")
        return v


class TierScoreParams(_Strict):
    """Composite tier score (doc 003): component weights, data columns, need-profile scores."""

    enabled: bool = True
    weights: dict[str, float] = Field(default_factory=lambda: {
        "value": 0.40, "interaction": 0.25, "need": 0.20, "loyalty": 0.15})
    columns: dict[str, str | None] = Field(default_factory=dict)
    need_scores: dict[str, float] = Field(default_factory=lambda: {
        "experience": 100.0, "efficiency": 70.0, "price": 40.0})

    @field_validator("weights")
    @classmethod
    def _keys(cls, v):
        need = {"value", "interaction", "need", "loyalty"}
        if set(v) != need:
            raise ValueError(f"weights must be given for exactly {', '.join(sorted(need))}")
        return _sum_to_one(v)

    @field_validator("columns")
    @classmethod
    def _cols(cls, v):
        known = {"spend", "aov", "repurchase", "interactions", "need", "nps", "complaint", "churn"}
        bad = set(v) - known
        if bad:
            raise ValueError(f"unknown column role(s) {', '.join(sorted(bad))}; known: {', '.join(sorted(known))}")
        return v


class AlertRule(_Strict):
    """Raise an alert when ``metric`` (0–100) falls below ``below`` — overall, or for one tier."""

    metric: Literal["satisfaction", "csat_0_100", "top_box", "nps", "nps_0_100", "ces_ease_0_100", "overall"] = "csat_0_100"
    below: float
    tier: str | None = None


class DiagnosticsParams(_Strict):
    """Settings of notebook 03. Every field has a default, so ``diagnostics: {}`` is valid."""

    confidence: float = Field(0.95, gt=0.5, lt=1)
    top_box: int = Field(2, ge=1, le=3)
    min_group_n: int = Field(30, ge=5)
    padjust: Literal["holm", "bonferroni", "fdr_bh", "sidak", "hommel"] = "holm"
    segments: list[str] = Field(default_factory=list)   # extra segment columns (besides survey.segment_column)
    # key drivers
    driver_outcome: str = "overall"
    binary_outcome: Literal["promoter", "satisfied", "none"] = "promoter"
    driver_level: Literal["scales", "items"] = "scales"
    n_boot: int = Field(300, ge=0, le=5000)
    min_driver_n: int = Field(150, ge=20)
    ipa_cross: Literal["mean", "median"] = "mean"
    ipa_min_spread: float = Field(2.0, ge=0)   # warn when driver performance spans fewer 0-100 points
    # tiers
    spend_column: str | None = "annual_spend"
    spend_bands: dict[str, float] = Field(default_factory=lambda: {
        "platinum": 50_000.01, "gold": 10_000.0, "ordinary": 1_000.0, "potential": 0.0})
    tier_score: TierScoreParams = Field(default_factory=TierScoreParams)
    tier_shares: dict[str, float] | None = None
    stated_overall: float | None = Field(None, ge=0, le=100)
    overall_tolerance: float = Field(0.5, ge=0)
    # alerts, benchmarks, composite
    alerts: list[AlertRule] | None = None
    benchmarks: dict[str, float] | None = None
    kpi_composite: KpiCompositeParams = Field(default_factory=KpiCompositeParams)
    # Kano / SERVQUAL
    kano_prefix: tuple[str, str] = ("kano_f_", "kano_d_")
    expectation_prefix: str = "exp_"

    @field_validator("tier_shares")
    @classmethod
    def _shares(cls, v):
        if v is None:
            return v
        s = sum(v.values())
        if any(x < 0 for x in v.values()) or abs(s - 1) > 0.01:
            raise ValueError(f"tier shares must be ≥ 0 and sum to 1, they sum to {s:.4g}")
        return v

    @model_validator(mode="after")
    def _bands(self):
        if self.spend_bands and min(self.spend_bands.values()) != 0:
            raise ValueError("spend_bands: the lowest tier must start at 0 so that every customer gets a band")
        return self


def show_table(pb, frame, *, prefix: str = "col_", percent=(), ints=("n",), digits: int = 1, **per_col: int) -> str:
    """Display ``frame`` through ``pb.table`` with translated headers and per-column decimals.

    A header is the first i18n string found among ``diag.<prefix><column>``,
    ``diag.col_<column>`` and ``dim.<column>`` (else the column name). Columns in
    ``ints`` get 0 decimals, columns named in ``per_col`` their own, others ``digits``.
    """
    from . import i18n

    names = {c: next((pb.t(key) for key in (f"diag.{prefix}{c}", f"diag.col_{c}", f"dim.{c}")
                      if i18n.has(key)), str(c)) for c in frame.columns}
    dg = {names[c]: per_col.get(str(c), 0 if c in ints else digits) for c in frame.columns}
    return pb.table(frame.rename(columns=names), percent=[names[c] for c in percent if c in names], digits=dg)
