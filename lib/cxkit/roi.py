"""Return on a satisfaction programme (notebook 05): satisfaction → retention → money.

A programme is a list of *initiatives*, each with a cost schedule over the
horizon (default 36 months in the documents' three phases 1–6, 7–18, 19–36)
and an expected satisfaction uplift (points on the 0–100 scale) for the tiers
it reaches. The uplift ramps in linearly and moves money through three links:

- **retention**: annual churn of tier *k* falls by ``churn_per_point`` per point,
  ``c_k(t) = clip(c_k − s·Δ_k(t), 0, 1)``; customers are followed month by month
  (monthly hazard ``h = 1 − (1 − c)^(1/12)``) against the same cohort without the
  programme; the extra customers earn the tier's monthly margin;
- **revenue**: revenue per customer rises ``revenue_per_point`` per point (documents:
  +1 point → +0.5 %, doc 002 / iResearch);
- **cost savings**: annual complaint-handling cost falls by each initiative's
  ``complaint_cost_reduction`` at full effect (documents: −20 %, doc 000).

Money in month *t* (t = 1…T, end of month) is
``net(t) = retention(t) + revenue(t) + savings(t) − cost(t)``; the NPV discounts
it at the monthly rate ``(1 + r)^(1/12) − 1`` with ``numpy_financial.npv``
(cash flows at t = 1…T, i.e. a zero flow prepended at t = 0). The optional
terminal value adds the Gupta–Lehmann lifetime value ``m·r/(1 + i − r)`` of the
customers still retained at the horizon.

Every scalar of the model is a named *input* (``churn_per_point``,
``tiers.gold.churn``, ``initiatives.crm.uplift`` …). One vectorised engine,
:func:`simulate`, evaluates the model for one value or for an array of draws of
every input, which is what the Monte Carlo (:func:`monte_carlo`), the tornado
(:func:`tornado`), the scenarios and the break-even search use.

Each assumption carries its source (``document`` figure, ``client`` data,
``consultant`` judgement, or ``diagnostics`` = computed by notebook 03), so a
stakeholder sees evidence and judgement apart (:func:`assumptions`).

References
----------
- numpy-financial ``npv`` / ``irr`` (NumPy Enhancement Proposal 32 convention: first flow at t = 0).
- Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of Interactive Marketing* 17(1), 9–24:
  lifetime value of a customer with margin m, retention r, discount i is ``m·r/(1 + i − r)``.
- Malcolm, D. G. et al. (1959), PERT: Beta(α, β) with α = 1 + λ(m − a)/(b − a), β = 1 + λ(b − m)/(b − a), λ = 4.
- Reichheld, F. & Sasser, W. E. (1990). Zero defections. *Harvard Business Review* 68(5).

Example
-------
>>> round(clv_multiple(0.8, 0.1), 4)
2.6667
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import AnalysisError, ConfigError, Problem

SOURCES = ("document", "client", "consultant", "diagnostics")
Source = Literal["document", "client", "consultant", "diagnostics"]
DISTRIBUTIONS = ("triangular", "pert", "normal", "lognormal", "uniform")


# ============================================================================ params
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Assumption(_Strict):
    """A number with its source. A bare number in YAML is read as a consultant input."""

    value: float
    source: Source = "consultant"
    ref: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return {"value": v}
        return v


def _a(value: float, source: str = "consultant", ref: str | None = None):
    return lambda: Assumption(value=value, source=source, ref=ref)


class Phase(_Strict):
    """A budget phase: months ``start``..``end`` (1-based, inclusive) receive ``share`` of a phased cost."""

    start: int = Field(ge=1)
    end: int = Field(ge=1)
    share: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _order(self):
        if self.end < self.start:
            raise ValueError(f"phase end month {self.end} is before its start month {self.start}")
        return self


class Tier(_Strict):
    """The customer base of one tier: count, annual revenue per customer, margin, annual churn."""

    customers: float = Field(ge=0)
    revenue: float = Field(ge=0, description="annual revenue per customer")
    margin: float = Field(description="gross margin share of revenue, e.g. 0.25")
    churn: float = Field(description="annual churn share, e.g. 0.13")
    satisfaction: float | None = Field(default=None, ge=0, le=100, description="baseline 0–100")
    source: Source = "client"
    ref: str | None = None

    @field_validator("churn")
    @classmethod
    def _churn_share(cls, v: float) -> float:
        if not 0 <= v <= 1:
            raise ValueError(f"churn must be an annual share between 0 and 1 (13% is 0.13), got {v}")
        return v

    @field_validator("margin")
    @classmethod
    def _margin_share(cls, v: float) -> float:
        if not -1 <= v <= 1:
            raise ValueError(f"margin must be a share of revenue between -1 and 1 (25% is 0.25), got {v}")
        return v


class Initiative(_Strict):
    """One improvement initiative: its cost schedule, uplift and reach.

    Give exactly one cost form: ``cost_total`` (spread over ``phases``, uniform
    inside each phase), ``monthly_costs`` (one amount per month from month 1) or
    ``quarterly_costs`` (one amount per quarter, spread evenly over its 3 months).
    """

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
    label: dict[str, str] | str | None = None
    cost_total: float | None = Field(default=None, ge=0)
    monthly_costs: list[float] | None = None
    quarterly_costs: list[float] | None = None
    phases: list[Phase] | None = None
    cost_source: Source = "consultant"
    cost_ref: str | None = None
    uplift: Assumption = Field(default_factory=_a(0.0), description="satisfaction points at full effect")
    tiers: list[str] | None = Field(default=None, min_length=1)
    driver: str | None = None
    gap_closed: float = Field(default=0.5, ge=0, le=1)
    driver_target: float = Field(default=100, ge=0, le=100)
    start_month: int = Field(default=1, ge=1)
    ramp_months: int = Field(default=6, ge=1)
    complaint_cost_reduction: Assumption = Field(default_factory=_a(0.0))

    @model_validator(mode="after")
    def _one_cost(self):
        given = [k for k in ("cost_total", "monthly_costs", "quarterly_costs") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"initiative '{self.name}': give exactly one of cost_total, monthly_costs, "
                             f"quarterly_costs (got {', '.join(given) or 'none'})")
        for k in ("monthly_costs", "quarterly_costs"):
            vals = getattr(self, k)
            if vals is not None and any((not math.isfinite(v)) or v < 0 for v in vals):
                raise ValueError(f"initiative '{self.name}': {k} must be non-negative amounts")
        red = self.complaint_cost_reduction.value
        if not 0 <= red <= 1:
            raise ValueError(f"initiative '{self.name}': complaint_cost_reduction is a share between 0 and 1, got {red}")
        return self


class Distribution(_Strict):
    """An uncertain input's distribution.

    ``triangular`` / ``pert``: low, mode, high; ``uniform``: low, high;
    ``normal``: mean, sd; ``lognormal``: mean, sd of the variable itself.
    """

    dist: Literal["triangular", "pert", "normal", "lognormal", "uniform"]
    low: float | None = None
    mode: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    lamb: float = Field(default=4.0, gt=0)
    source: Source = "consultant"

    @model_validator(mode="after")
    def _shape(self):
        need = {"triangular": ("low", "mode", "high"), "pert": ("low", "mode", "high"),
                "uniform": ("low", "high"), "normal": ("mean", "sd"), "lognormal": ("mean", "sd")}[self.dist]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{self.dist} distribution needs {', '.join(need)} (missing {', '.join(missing)})")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"min > max: low {self.low:g} is greater than high {self.high:g}")
        if self.low is not None and self.high is not None and self.low == self.high:
            raise ValueError(f"low and high are both {self.low:g}: give a range, or drop the distribution")
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode {self.mode:g} is outside [low {self.low:g}, high {self.high:g}]")
        if self.sd is not None and self.sd <= 0:
            raise ValueError(f"sd must be positive, got {self.sd:g}")
        if self.dist == "lognormal" and self.mean <= 0:
            raise ValueError(f"a lognormal needs a positive mean, got {self.mean:g}")
        return self


class ChurnBand(_Strict):
    """Client data: observed annual churn of customers in one satisfaction band."""

    satisfaction: float = Field(ge=0, le=100, description="band midpoint, 0–100")
    churn: float
    customers: float = Field(default=1.0, gt=0)

    @field_validator("churn")
    @classmethod
    def _churn_share(cls, v: float) -> float:
        if not 0 <= v <= 1:
            raise ValueError(f"churn must be a share between 0 and 1, got {v}")
        return v


DEFAULT_PHASES = [Phase(start=1, end=6, share=0.40), Phase(start=7, end=18, share=0.35),
                  Phase(start=19, end=36, share=0.25)]
DEFAULT_SCENARIOS = {
    "conservative": {"uplift": 0.6, "churn_per_point": 0.7, "revenue_per_point": 0.5, "cost": 1.15},
    "base": {},
    "aggressive": {"uplift": 1.3, "churn_per_point": 1.2, "revenue_per_point": 1.5, "cost": 0.95},
}


class RoiParams(_Strict):
    """The ``roi:`` section of engagement.yaml (every field has a default, so ``{}`` validates)."""

    currency: str = "CNY"
    horizon_months: int = Field(default=36, ge=1, le=240)
    phases: list[Phase] = Field(default_factory=lambda: [p.model_copy() for p in DEFAULT_PHASES])
    phases_source: Source = "document"
    discount_rate: Assumption = Field(default_factory=_a(0.10, "consultant", "annual; the client's WACC if known"))
    churn_per_point: Assumption = Field(default_factory=_a(
        0.01, "consultant", "doc 003 implies ≈1.5 pp per point (churn 28% below 70 vs 13% overall at 76)"))
    churn_bands: list[ChurnBand] = Field(default_factory=list)
    revenue_per_point: Assumption = Field(default_factory=_a(
        0.005, "document", "doc 002 (iResearch): +1 point → revenue +0.5%"))
    complaint_cost: Assumption = Field(default_factory=_a(0.0, "client", "annual complaint-handling cost"))
    tiers: dict[str, Tier] = Field(default_factory=dict)
    initiatives: list[Initiative] = Field(default_factory=list)
    cost_allocation: dict[str, float] = Field(default_factory=dict)
    terminal_value: bool = False
    draws: int = Field(default=10_000, ge=1_000, le=2_000_000)
    uncertainty: dict[str, Distribution] = Field(default_factory=dict)
    scenarios: dict[str, dict[str, float]] = Field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_SCENARIOS.items()})
    # when the playbook (cxkit.roi_sections) adds a note
    irr_note_above: float = Field(default=1.0, gt=0)        # annual IRR above this (1 = 100 %): "judge by NPV" note
    clip_warn_share: float = Field(default=0.01, ge=0, le=1)   # share of an input's draws clipped to its range
    p_positive_warn: float = Field(default=0.90, ge=0, le=1)   # warn when P(NPV > 0) of the Monte Carlo is below

    @field_validator("discount_rate")
    @classmethod
    def _rate(cls, v: Assumption) -> Assumption:
        if not -0.5 < v.value < 1:
            raise ValueError(f"discount_rate is an annual rate such as 0.10, got {v.value}")
        return v

    @model_validator(mode="after")
    def _consistent(self):
        T = self.horizon_months
        tot = sum(p.share for p in self.phases)
        if self.phases and abs(tot - 1) > 1e-6:
            raise ValueError(f"phases: shares add up to {tot:.4g}, not 1 (documents: 0.40 / 0.35 / 0.25)")
        users = [i.name for i in self.initiatives if i.cost_total is not None and not i.phases]
        for p in self.phases:
            if p.end > T and users:
                raise ValueError(f"phases: a phase ends at month {p.end}, after horizon_months {T}, and "
                                 f"initiative '{users[0]}' spreads its cost_total over these phases")
        names = [i.name for i in self.initiatives]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"initiatives: name {', '.join(dup)} used twice")
        for ini in self.initiatives:
            n = _schedule_length(ini)
            if n > T:
                raise ValueError(f"initiatives '{ini.name}': the cost schedule runs {n} months but "
                                 f"horizon_months is {T}: shorten the schedule or raise the horizon")
            if ini.start_month > T:
                raise ValueError(f"initiatives '{ini.name}': start_month {ini.start_month} is after the horizon {T}")
            for p in ini.phases or []:
                if p.end > T:
                    raise ValueError(f"initiatives '{ini.name}': a phase ends at month {p.end}, after horizon {T}")
            unknown = [t for t in (ini.tiers or []) if self.tiers and t not in self.tiers]
            if unknown:
                raise ValueError(f"initiatives '{ini.name}': tiers {unknown} are not in roi.tiers "
                                 f"({', '.join(self.tiers)})")
        bad = [t for t in self.cost_allocation if self.tiers and t not in self.tiers]
        if bad:
            raise ValueError(f"cost_allocation: tiers {bad} are not in roi.tiers ({', '.join(self.tiers)})")
        if any(v < 0 for v in self.cost_allocation.values()):
            raise ValueError("cost_allocation: shares must be non-negative")
        known = set(input_names(self))
        for name, dist in self.uncertainty.items():
            if name not in known:
                raise ValueError(f"uncertainty: unknown input '{name}'; known inputs: {', '.join(sorted(known))}")
            lo, hi = INPUT_DOMAIN[_kind(name)]
            if dist.low is not None and (dist.low < lo or dist.high > hi):
                raise ValueError(f"uncertainty.{name}: range [{dist.low:g}, {dist.high:g}] goes outside "
                                 f"the allowed [{lo:g}, {hi:g}]")
        groups = {"uplift", "cost", "complaint_cost_reduction"}
        for sc, mults in self.scenarios.items():
            for k, v in mults.items():
                if k not in known and k not in groups:
                    raise ValueError(f"scenarios.{sc}: unknown input '{k}' (use an input name or one of "
                                     f"{', '.join(sorted(groups))})")
                if v < 0:
                    raise ValueError(f"scenarios.{sc}.{k}: a multiplier must be ≥ 0, got {v}")
        return self


def _schedule_length(ini: Initiative) -> int:
    if ini.monthly_costs is not None:
        return len(ini.monthly_costs)
    if ini.quarterly_costs is not None:
        return 3 * len(ini.quarterly_costs)
    return 0


# ============================================================================ inputs
#: valid range of each kind of input (draws outside it are clipped, and counted)
INPUT_DOMAIN: dict[str, tuple[float, float]] = {
    "discount_rate": (-0.5, 1.0), "churn_per_point": (0.0, 1.0), "revenue_per_point": (-1.0, 1.0),
    "complaint_cost": (0.0, math.inf), "customers": (0.0, math.inf), "revenue": (0.0, math.inf),
    "margin": (-1.0, 1.0), "churn": (0.0, 1.0), "uplift": (-100.0, 100.0), "cost": (0.0, math.inf),
    "complaint_cost_reduction": (0.0, 1.0),
}


def _kind(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def input_names(p: RoiParams) -> list[str]:
    """Names of every scalar input of the model, e.g. ``tiers.gold.churn``, ``initiatives.crm.uplift``."""
    names = ["discount_rate", "churn_per_point", "revenue_per_point", "complaint_cost"]
    for t in p.tiers:
        names += [f"tiers.{t}.{k}" for k in ("customers", "revenue", "margin", "churn")]
    for ini in p.initiatives:
        names += [f"initiatives.{ini.name}.{k}" for k in ("uplift", "cost", "complaint_cost_reduction")]
    return names


def _problems_from(exc: ValidationError, prefix: str = "roi") -> ConfigError:
    probs = []
    for e in exc.errors():
        where = ".".join([prefix, *[str(x) for x in e["loc"]]])
        msg = e["msg"].removeprefix("Value error, ")
        probs.append(Problem("engagement.yaml", where, msg))
    return ConfigError(probs, hint="fix the roi: section of engagement.yaml")


def parse_params(section: Mapping[str, Any] | RoiParams | None) -> RoiParams:
    """Validate a ``roi:`` section (a dict, as the notebook receives it) into :class:`RoiParams`.

    Raises :class:`ConfigError` naming the key path (``roi.tiers.gold.churn``) on bad input.
    """
    if isinstance(section, RoiParams):
        return section
    try:
        return RoiParams.model_validate(dict(section or {}))
    except ValidationError as exc:
        raise _problems_from(exc) from None


# ============================================================================ model
@dataclass
class RoiModel:
    """The programme, ready to evaluate: structure (schedules, ramps, reach) and base inputs."""

    params: RoiParams
    horizon: int
    tiers: list[str]
    initiatives: list[str]
    base: dict[str, float]
    cost_shape: np.ndarray          # (I, T): each initiative's schedule / its total (rows sum to 1)
    ramp: np.ndarray                # (I, T): share of full effect reached in month t
    reach: np.ndarray               # (I, K): 1 if the initiative lifts that tier
    tier_cost_share: np.ndarray     # (I, K): share of the initiative's cost charged to each tier
    satisfaction: np.ndarray        # (K,): baseline 0–100 (nan when unknown)
    sources: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    uncertainty: dict[str, Distribution] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total_cost(self) -> float:
        return float(sum(self.base[f"initiatives.{i}.cost"] for i in self.initiatives))


def cost_schedule(ini: Initiative, horizon: int, phases: Sequence[Phase]) -> np.ndarray:
    """Monthly cost of one initiative over the horizon (length ``horizon``).

    >>> ini = Initiative(name="a", quarterly_costs=[30, 60])
    >>> cost_schedule(ini, 9, []).tolist()
    [10.0, 10.0, 10.0, 20.0, 20.0, 20.0, 0.0, 0.0, 0.0]
    """
    out = np.zeros(horizon)
    if ini.monthly_costs is not None:
        if len(ini.monthly_costs) > horizon:
            raise ConfigError(f"roi.initiatives '{ini.name}': monthly_costs has {len(ini.monthly_costs)} months, "
                              f"more than the horizon of {horizon}")
        out[:len(ini.monthly_costs)] = ini.monthly_costs
    elif ini.quarterly_costs is not None:
        q = np.repeat(np.asarray(ini.quarterly_costs, float) / 3.0, 3)
        if len(q) > horizon:
            raise ConfigError(f"roi.initiatives '{ini.name}': quarterly_costs cover {len(q)} months, "
                              f"more than the horizon of {horizon}")
        out[:len(q)] = q
    else:
        ph = ini.phases or phases
        if not ph:
            raise ConfigError(f"roi.initiatives '{ini.name}': cost_total needs phases (roi.phases or the "
                              f"initiative's own phases)")
        share_sum = sum(p.share for p in ph)
        for p in ph:
            if p.end > horizon:
                raise ConfigError(f"roi.initiatives '{ini.name}': a phase ends at month {p.end}, after the horizon {horizon}")
            n = p.end - p.start + 1
            out[p.start - 1:p.end] += ini.cost_total * p.share / share_sum / n
    return out


def ramp_profile(start_month: int, ramp_months: int, horizon: int) -> np.ndarray:
    """Share of an initiative's full effect reached in each month: 0 before ``start_month``, then a linear
    climb reaching 1 after ``ramp_months`` months.

    >>> ramp_profile(2, 4, 7).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """
    t = np.arange(1, horizon + 1)
    return np.clip((t - start_month + 1) / ramp_months, 0.0, 1.0)


def driver_uplift(weight: float, performance: float, gap_closed: float, target: float = 100.0) -> float:
    """Satisfaction points gained by closing part of a driver's gap.

    ``uplift = weight × gap_closed × (target − performance)``: satisfaction is read
    as an index ``Σ_j w_j · driver_j`` (ACSI-style), so a driver rising by g·gap
    points lifts satisfaction by w·g·gap points.

    >>> driver_uplift(0.28, 70.0, 0.5)
    4.2
    """
    if not 0 <= performance <= 100:
        raise AnalysisError(f"driver performance must be on the 0–100 scale, got {performance}")
    return round(float(weight) * float(gap_closed) * max(0.0, float(target) - float(performance)), 10)


def fit_churn_slope(bands: Sequence[ChurnBand | Mapping[str, float]]) -> dict[str, float]:
    """Fit annual churn on satisfaction across bands by weighted least squares (weights = customers).

    Returns ``{"slope": s, "intercept": b, "churn_per_point": -s}`` where churn ≈ b + s·satisfaction.
    Checked against ``statsmodels.WLS`` in the tests.

    >>> fit_churn_slope([{"satisfaction": 60, "churn": 0.3}, {"satisfaction": 80, "churn": 0.1}])["churn_per_point"]
    0.01
    """
    bs = [b if isinstance(b, ChurnBand) else ChurnBand(**b) for b in bands]
    if len(bs) < 2 or len({b.satisfaction for b in bs}) < 2:
        raise AnalysisError("roi.churn_bands: need at least two bands with different satisfaction to fit a slope")
    x = np.array([b.satisfaction for b in bs])
    y = np.array([b.churn for b in bs])
    w = np.array([b.customers for b in bs])
    xm, ym = np.average(x, weights=w), np.average(y, weights=w)
    slope = float(np.sum(w * (x - xm) * (y - ym)) / np.sum(w * (x - xm) ** 2))
    return {"slope": slope, "intercept": float(ym - slope * xm), "churn_per_point": round(-slope, 12)}


def build_model(section: Mapping[str, Any] | RoiParams, diagnostics: Mapping[str, Any] | None = None) -> RoiModel:
    """Turn the ``roi:`` section (plus notebook 03's results, if any) into a :class:`RoiModel`.

    From ``diagnostics`` (``pb.load_results("03_diagnostics")``) the model takes
    ``tier_satisfaction`` (baseline per tier) and, for an initiative naming a
    ``driver``, ``driver_weights`` × ``driver_performance`` gap closed as its
    uplift. Whatever is missing falls back to the params; ``model.notes`` lists
    each fallback (as ``(key, values)`` pairs ready for translation).
    """
    p = parse_params(section)
    if not p.tiers:
        raise ConfigError("roi.tiers: no customer tiers given; add each tier's customers, revenue, margin and churn")
    if not p.initiatives:
        raise ConfigError("roi.initiatives: no initiatives given; add at least one with its cost and uplift")
    T, tiers, inis = p.horizon_months, list(p.tiers), [i.name for i in p.initiatives]
    diag = diagnostics or {}
    notes: list[Any] = []
    base: dict[str, float] = {}
    sources: dict[str, tuple[str, str | None]] = {}

    def put(name: str, value: float, source: str, ref: str | None = None):
        base[name] = float(value)
        sources[name] = (source, ref)

    put("discount_rate", p.discount_rate.value, p.discount_rate.source, p.discount_rate.ref)
    if p.churn_bands:
        fit = fit_churn_slope(p.churn_bands)
        put("churn_per_point", fit["churn_per_point"], "client", f"fitted on {len(p.churn_bands)} satisfaction bands")
    else:
        put("churn_per_point", p.churn_per_point.value, p.churn_per_point.source, p.churn_per_point.ref)
    put("revenue_per_point", p.revenue_per_point.value, p.revenue_per_point.source, p.revenue_per_point.ref)
    put("complaint_cost", p.complaint_cost.value, p.complaint_cost.source, p.complaint_cost.ref)

    tsat_diag = diag.get("tier_satisfaction") if isinstance(diag.get("tier_satisfaction"), dict) else None
    if tsat_diag is None:
        notes.append(("roi.fallback_tier_sat", {}))
    sat = np.full(len(tiers), np.nan)
    for k, (t, tier) in enumerate(p.tiers.items()):
        for key in ("customers", "revenue", "margin", "churn"):
            put(f"tiers.{t}.{key}", getattr(tier, key), tier.source, tier.ref)
        if tsat_diag is not None and _num(tsat_diag.get(t)) is not None:
            sat[k] = float(tsat_diag[t])
        elif tier.satisfaction is not None:
            sat[k] = tier.satisfaction

    unc = {k: d.model_copy() for k, d in p.uncertainty.items()}
    weights = diag.get("driver_weights") if isinstance(diag.get("driver_weights"), dict) else {}
    perf = diag.get("driver_performance") if isinstance(diag.get("driver_performance"), dict) else {}
    I, K = len(inis), len(tiers)
    shape, ramp = np.zeros((I, T)), np.zeros((I, T))
    reach, alloc = np.zeros((I, K)), np.zeros((I, K))
    custs = np.array([p.tiers[t].customers for t in tiers])
    for i, ini in enumerate(p.initiatives):
        sched = cost_schedule(ini, T, p.phases)
        total = float(sched.sum())
        shape[i] = sched / total if total > 0 else 0.0
        put(f"initiatives.{ini.name}.cost", total, ini.cost_source, ini.cost_ref)
        up, src, ref = ini.uplift.value, ini.uplift.source, ini.uplift.ref
        if ini.driver:
            w, pf = _num(weights.get(ini.driver)), _num(perf.get(ini.driver))
            if w is not None and pf is not None and 0 <= pf <= 100:
                up = driver_uplift(w, pf, ini.gap_closed, ini.driver_target)
                src, ref = "diagnostics", (f"weight {w:.3g} × {ini.gap_closed:.0%} of the gap "
                                           f"{ini.driver_target:g} − {pf:.1f}")
            else:
                notes.append(("roi.fallback_driver", {"initiative": ini.name, "driver": ini.driver,
                                                      "uplift": f"{ini.uplift.value:g}"}))
        put(f"initiatives.{ini.name}.uplift", up, src, ref)
        key = f"initiatives.{ini.name}.uplift"
        if src == "diagnostics" and key in unc and ini.uplift.value != 0:
            # the consultant's range was set around the params value: keep it relative to the new base
            unc[key] = _scale_dist(unc[key], up / ini.uplift.value)
            notes.append(("roi.rescaled_dist", {"initiative": ini.name, "factor": f"{up / ini.uplift.value:.2f}"}))
        put(f"initiatives.{ini.name}.complaint_cost_reduction", ini.complaint_cost_reduction.value,
            ini.complaint_cost_reduction.source, ini.complaint_cost_reduction.ref)
        ramp[i] = ramp_profile(ini.start_month, ini.ramp_months, T)
        reach[i] = [1.0 if (ini.tiers is None or t in ini.tiers) else 0.0 for t in tiers]
        wts = np.array([p.cost_allocation.get(t, 0.0) for t in tiers]) if p.cost_allocation else custs.copy()
        wts = wts * reach[i]
        if wts.sum() <= 0:  # allocation gives nothing to the reached tiers: fall back to customer counts
            wts = custs * reach[i]
        alloc[i] = wts / wts.sum() if wts.sum() > 0 else reach[i] / max(reach[i].sum(), 1)
    return RoiModel(params=p, horizon=T, tiers=tiers, initiatives=inis, base=base, cost_shape=shape, ramp=ramp,
                    reach=reach, tier_cost_share=alloc, satisfaction=sat, sources=sources, notes=notes,
                    uncertainty=unc)


def _scale_dist(d: Distribution, factor: float) -> Distribution:
    """The same distribution with every location/scale parameter multiplied by ``factor`` (> 0),
    clamped to the uplift range."""
    upd = {k: getattr(d, k) * factor for k in ("low", "mode", "high", "mean", "sd") if getattr(d, k) is not None}
    lo, hi = INPUT_DOMAIN["uplift"]
    for k in ("low", "mode", "high"):
        if k in upd:
            upd[k] = float(np.clip(upd[k], lo, hi))
    return d.model_copy(update=upd)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


# ============================================================================ engine
def _col(x: Any) -> np.ndarray:
    """Scalar or (n,) array → (n, 1) float column (so it broadcasts against months)."""
    a = np.asarray(x, dtype=float)
    return a.reshape(-1, 1) if a.ndim else a.reshape(1, 1)


def _imul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * b``, in place when the product has ``a``'s shape (any input may be a draw vector (n, 1)
    while others are scalars (1, 1) or months (1, T), so the product can be larger than ``a``)."""
    if np.broadcast_shapes(a.shape, b.shape) == a.shape:
        a *= b
        return a
    return a * b


def simulate(model: RoiModel, inputs: Mapping[str, Any] | None = None, *, by_tier: bool = False,
             uplift_scale: Any = 1.0) -> dict[str, np.ndarray]:
    """Monthly money of the programme for one or many values of the inputs (vectorised).

    Parameters
    ----------
    model : RoiModel
    inputs : mapping name → scalar or array of shape (n,)
        Overrides of the base inputs (Monte Carlo draws, tornado or scenario values).
    by_tier : bool
        Also return each component per tier, shape (n, K, T).
    uplift_scale : scalar or (n,)
        Multiplies every initiative's uplift (break-even search).

    Returns
    -------
    dict of arrays of shape (n, T): ``retention``, ``revenue``, ``savings``, ``cost``,
    ``benefit``, ``net``; ``terminal`` (n,) (0 unless ``terminal_value``); with
    ``by_tier`` also ``tier_retention``, ``tier_revenue``, ``tier_savings``, ``tier_cost``,
    ``tier_terminal`` (n, K).

    Notes
    -----
    Per tier k and month t (customers counted at the start of the month)::

        Δ_k(t)   = min(Σ_i reach_ik · u_i · ramp_i(t), 100 − sat_k)
        c'_k(t)  = clip(c_k − s · Δ_k(t), 0, 1);   h = 1 − (1 − c)^(1/12)
        N0(t)    = N_k (1 − h(c_k))^(t−1);         N1(t) = N_k Π_{τ<t} (1 − h(c'_k(τ)))
        retention = (N1 − N0) · R_k/12 · m_k;     revenue = N1 · R_k/12 · m_k · e · Δ_k(t)
        savings  = complaint_cost/12 · min(1, Σ_i red_i · ramp_i(t)) (shared by customers)
    """
    v = dict(model.base)
    if inputs:
        unknown = [k for k in inputs if k not in v]
        if unknown:
            raise ConfigError(f"roi: unknown input {unknown}; known: {', '.join(sorted(v))}")
        v.update(inputs)
    T, I = model.horizon, len(model.initiatives)
    scale = _col(uplift_scale)
    ups = [_col(v[f"initiatives.{i}.uplift"]) * scale for i in model.initiatives]        # (n,1)
    costs = [_col(v[f"initiatives.{i}.cost"]) for i in model.initiatives]
    reds = [_col(v[f"initiatives.{i}.complaint_cost_reduction"]) for i in model.initiatives]
    s, e = _col(v["churn_per_point"]), _col(v["revenue_per_point"])
    n = max([a.shape[0] for a in (*ups, *costs, *reds, s, e)] +
            [np.asarray(x).size for x in v.values()])
    # complaint savings
    red = np.zeros((1, T))
    for i in range(I):
        red = red + reds[i] * model.ramp[i]
    savings = _col(v["complaint_cost"]) / 12.0 * np.minimum(red, 1.0)
    cost = np.zeros((1, T))
    for i in range(I):
        cost = cost + costs[i] * model.cost_shape[i]
    custs = np.concatenate([_col(v[f"tiers.{t}.customers"]) * np.ones((n, 1)) for t in model.tiers], axis=1)
    cust_share = custs / np.maximum(custs.sum(axis=1, keepdims=True), 1e-300)            # (n,K)
    rate = _col(v["discount_rate"])
    retention = np.zeros((n, T))
    revenue = np.zeros((n, T))
    terminal = np.zeros(n)
    tier_out = {k: [] for k in ("tier_retention", "tier_revenue", "tier_savings", "tier_cost", "tier_terminal")}
    for k, t in enumerate(model.tiers):
        delta = np.zeros((1, T))
        for i in range(I):
            if model.reach[i, k]:
                delta = delta + ups[i] * model.ramp[i]
        if np.isfinite(model.satisfaction[k]):
            delta = np.minimum(delta, 100.0 - model.satisfaction[k])
        c0 = _col(v[f"tiers.{t}.churn"])
        c1 = c0 - s * delta
        np.clip(c1, 0.0, 1.0 - 1e-12, out=c1)
        # log monthly survival: log(1 − h) = log(1 − c) / 12 (avoids a power per cell)
        log_keep0 = np.log1p(-np.minimum(c0, 1.0 - 1e-12)) / 12.0                      # (n,1)
        log_keep1 = np.log1p(-c1)
        log_keep1 /= 12.0                                                               # (n,T)
        N = _col(v[f"tiers.{t}.customers"])
        n0 = _imul(np.exp(log_keep0 * np.arange(T)[None, :]), N)                        # survival to t−1
        n1 = np.cumsum(log_keep1, axis=1)
        n1 -= log_keep1                                                                 # exclusive: τ < t
        np.exp(n1, out=n1)
        n1 = _imul(n1, N)
        mm = _col(v[f"tiers.{t}.revenue"]) / 12.0 * _col(v[f"tiers.{t}.margin"])
        ret_k = _imul(n1 - n0, mm)
        rev_k = _imul(n1 * (mm * e), delta)
        retention = retention + ret_k
        revenue = revenue + rev_k
        if model.params.terminal_value:
            # customers alive after month T, valued at the Gupta–Lehmann CLV with the final churn
            c_end = c1[:, -1:]
            end1 = n1[:, -1:] * (1 - _hazard(c_end))
            end0 = N * np.exp(log_keep0 * T)
            mult = clv_multiple(1 - c_end, rate)
            term_k = ((end1 - end0) * mm * 12 * mult).reshape(-1) * np.ones(n)
            terminal = terminal + term_k
        else:
            term_k = np.zeros(n)
        if by_tier:
            alloc = np.zeros((1, T))
            for i in range(I):
                alloc = alloc + costs[i] * model.cost_shape[i] * model.tier_cost_share[i, k]
            tier_out["tier_retention"].append(np.broadcast_to(ret_k, (n, T)))
            tier_out["tier_revenue"].append(np.broadcast_to(rev_k, (n, T)))
            tier_out["tier_savings"].append(np.broadcast_to(savings * cust_share[:, k:k + 1], (n, T)))
            tier_out["tier_cost"].append(np.broadcast_to(alloc, (n, T)))
            tier_out["tier_terminal"].append(term_k)
    savings = np.broadcast_to(savings, (n, T))
    cost = np.broadcast_to(cost, (n, T))
    benefit = retention + revenue + savings
    out = {"retention": retention, "revenue": revenue, "savings": savings, "cost": cost,
           "benefit": benefit, "net": benefit - cost, "terminal": terminal,
           "rate": np.broadcast_to(rate.reshape(-1), (n,))}
    if by_tier:
        for key, parts in tier_out.items():
            out[key] = np.stack(parts, axis=1)
    return out


def _hazard(annual_churn: np.ndarray) -> np.ndarray:
    """Monthly churn hazard equivalent to an annual churn: 1 − (1 − c)^(1/12)."""
    return 1.0 - np.power(1.0 - np.minimum(annual_churn, 1.0 - 1e-12), 1.0 / 12.0)


def monthly_rate(annual: Any) -> Any:
    """Monthly discount rate equivalent to an annual one: (1 + r)^(1/12) − 1.

    >>> round(float(monthly_rate(0.1)), 6)
    0.007974
    """
    return np.power(1.0 + np.asarray(annual, dtype=float), 1.0 / 12.0) - 1.0


def discount_factors(annual: Any, horizon: int) -> np.ndarray:
    """(n, T) factors 1/(1 + m)^t for months t = 1…T."""
    log_m = np.log1p(_col(annual)) / 12.0                 # log(1 + m) with m the monthly rate
    return np.exp(-log_m * np.arange(1, horizon + 1)[None, :])


# ============================================================================ finance
def npv(rate: float, values: Sequence[float]) -> float:
    """Net present value, first flow at t = 0 (numpy-financial convention): Σ v_t / (1 + rate)^t.

    >>> round(npv(0.281, [-100, 39, 59, 55, 20]), 10)
    -0.0084785916
    """
    import numpy_financial as npf

    vals = np.asarray(values, dtype=float)
    if vals.ndim != 1 or vals.size == 0 or not np.all(np.isfinite(vals)):
        raise AnalysisError("npv: cash flows must be a non-empty list of finite numbers")
    if not rate > -1:
        raise AnalysisError(f"npv: rate must be > -1, got {rate}")
    return float(npf.npv(rate, vals))


def irr(values: Sequence[float]) -> float | None:
    """Internal rate of return per period (numpy-financial), or None when it is undefined
    (no sign change in the flows, or no real root).

    >>> round(irr([-100, 39, 59, 55, 20]), 4)
    0.2809
    """
    import numpy_financial as npf

    vals = np.asarray(values, dtype=float)
    if not (np.any(vals > 0) and np.any(vals < 0)):
        return None
    r = float(npf.irr(vals))
    return r if math.isfinite(r) else None


def clv_multiple(retention: Any, discount: Any) -> Any:
    """Gupta–Lehmann margin multiple r/(1 + i − r): lifetime value = annual margin × multiple.

    Gupta & Lehmann (2003), infinite horizon, constant margin, retention r, discount i.

    >>> round(clv_multiple(0.8, 0.1), 4)
    2.6667
    """
    r, i = np.asarray(retention, dtype=float), np.asarray(discount, dtype=float)
    if np.any((r < 0) | (r > 1)):
        raise AnalysisError(f"clv_multiple: retention must lie in [0, 1], got {retention}")
    if np.any(1 + i - r <= 0):
        raise AnalysisError("clv_multiple: 1 + discount − retention must be positive")
    out = r / (1.0 + i - r)
    return float(out) if out.ndim == 0 else out


def payback_months(net: np.ndarray) -> np.ndarray:
    """First month from which the cumulative net cash flow stays ≥ 0 to the horizon; inf if never.

    Works row-wise on an (n, T) array (vectorised).

    >>> payback_months(np.array([[-10., 4, 4, 4, 1]])).tolist()
    [4.0]
    """
    net = np.atleast_2d(np.asarray(net, dtype=float))
    cum = np.cumsum(net, axis=1)
    tail_min = np.minimum.accumulate(cum[:, ::-1], axis=1)[:, ::-1]
    ok = tail_min >= -1e-9 * np.maximum(1.0, np.abs(net).sum(axis=1, keepdims=True))
    first = np.argmax(ok, axis=1).astype(float) + 1
    first[~ok.any(axis=1)] = np.inf
    return first


def summary(model: RoiModel, inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Key figures of the programme at its base inputs: NPV, IRR, payback, ROI, value sources.

    NPV and IRR come from numpy-financial on the monthly net cash flow; IRR is
    annualised ``(1 + irr_m)^12 − 1``. ROI is PV(benefits) / PV(investment),
    written "1:x" (x = that ratio) and as % = x − 1. Zero investment makes ROI
    undefined and raises :class:`AnalysisError`.
    """
    sim = simulate(model, inputs)
    if sim["net"].shape[0] != 1:
        raise AnalysisError("summary: give scalar inputs (use monte_carlo for draws)")
    rate = float(sim["rate"][0])
    m = float(monthly_rate(rate))
    d = discount_factors(rate, model.horizon)[0]
    pv = {k: float(np.sum(sim[k][0] * d)) for k in ("retention", "revenue", "savings", "cost")}
    pv["terminal"] = float(sim["terminal"][0] * d[-1])
    if pv["cost"] <= 0:
        raise AnalysisError("ROI is undefined: the total investment is 0 (every initiative costs nothing). "
                            "Give each initiative in roi.initiatives a cost_total, monthly_costs or quarterly_costs.")
    net = sim["net"][0].copy()
    net_tv = net.copy()
    net_tv[-1] += sim["terminal"][0]
    value = npv(m, np.concatenate([[0.0], net_tv]))
    irr_m = irr(net_tv)
    irr_a = None if irr_m is None or irr_m <= -1 else float((1 + irr_m) ** 12 - 1)
    benefit_pv = pv["retention"] + pv["revenue"] + pv["savings"] + pv["terminal"]
    pb = payback_months(net_tv[None, :])[0]
    return {"npv": value, "irr": irr_a, "irr_monthly": irr_m, "payback_month": None if math.isinf(pb) else int(pb),
            "roi_ratio": benefit_pv / pv["cost"], "roi_pct": benefit_pv / pv["cost"] - 1,
            "pv_benefit": benefit_pv, "pv_cost": pv["cost"], "pv": pv,
            "total_cost": float(sim["cost"][0].sum()), "total_benefit": float(sim["benefit"][0].sum())}


def cash_flow_table(model: RoiModel, inputs: Mapping[str, Any] | None = None):
    """Monthly cash-flow table: month, phase, cost, each value source, net, cumulative, discounted cumulative."""
    import pandas as pd

    sim = simulate(model, inputs)
    d = discount_factors(float(sim["rate"][0]), model.horizon)[0]
    df = pd.DataFrame({"month": np.arange(1, model.horizon + 1),
                       "cost": sim["cost"][0], "retention": sim["retention"][0], "revenue": sim["revenue"][0],
                       "savings": sim["savings"][0], "net": sim["net"][0]})
    df["cumulative"] = df["net"].cumsum()
    df["discounted_cumulative"] = (df["net"] * d).cumsum()
    phase = np.zeros(model.horizon, dtype=int)
    for j, p in enumerate(model.params.phases, start=1):
        phase[p.start - 1:p.end] = j
    df.insert(1, "phase", phase)
    return df


def roi_by_tier(model: RoiModel, inputs: Mapping[str, Any] | None = None):
    """ROI "1:x" per tier: PV of the tier's benefits / PV of the costs charged to it.

    Costs go to the tiers an initiative reaches, in proportion to
    ``roi.cost_allocation`` (e.g. the documents' 50/30/20 budget split) or, if
    none is given, to customer counts; complaint savings are shared by customer
    count. A tier charged nothing has ROI None.
    """
    import pandas as pd

    sim = simulate(model, inputs, by_tier=True)
    d = discount_factors(float(sim["rate"][0]), model.horizon)[0]
    rows = []
    for k, t in enumerate(model.tiers):
        pv = {c: float(np.sum(sim[f"tier_{c}"][0, k] * d)) for c in ("retention", "revenue", "savings", "cost")}
        pv["terminal"] = float(sim["tier_terminal"][0, k] * d[-1])
        ben = pv["retention"] + pv["revenue"] + pv["savings"] + pv["terminal"]
        rows.append({"tier": t, "pv_cost": pv["cost"], "pv_benefit": ben, "npv": ben - pv["cost"],
                     "roi_ratio": ben / pv["cost"] if pv["cost"] > 0 else None})
    return pd.DataFrame(rows)


def waterfall(model: RoiModel, inputs: Mapping[str, Any] | None = None):
    """Present value by source: retention, revenue, cost savings (and terminal value), investment, NPV."""
    import pandas as pd

    s = summary(model, inputs)
    pv = s["pv"]
    rows = [("retention", pv["retention"]), ("revenue", pv["revenue"]), ("savings", pv["savings"])]
    if model.params.terminal_value:
        rows.append(("terminal", pv["terminal"]))
    rows += [("investment", -pv["cost"]), ("npv", s["npv"])]
    return pd.DataFrame(rows, columns=["component", "value"])


def break_even_uplift(model: RoiModel, inputs: Mapping[str, Any] | None = None, max_scale: float = 50.0
                      ) -> dict[str, float | None]:
    """Smallest share of the planned uplift at which NPV = 0 (all initiatives scaled together).

    Returns ``scale`` (0 when savings alone pay back, None when even ``max_scale`` ×
    the planned uplift does not) and ``points``: the customer-weighted planned
    uplift at full effect × ``scale``. Root found with :func:`scipy.optimize.brentq`.
    """
    from scipy.optimize import brentq

    def f(k: float) -> float:
        sim = simulate(model, inputs, uplift_scale=k)
        d = discount_factors(float(sim["rate"][0]), model.horizon)[0]
        return float(np.sum(sim["net"][0] * d) + sim["terminal"][0] * d[-1])

    v = dict(model.base)
    v.update(inputs or {})
    custs = np.array([v[f"tiers.{t}.customers"] for t in model.tiers])
    ups = np.array([v[f"initiatives.{i}.uplift"] for i in model.initiatives])
    planned = float((ups @ model.reach) @ custs / custs.sum()) if custs.sum() > 0 else 0.0
    if f(0.0) >= 0:
        return {"scale": 0.0, "points": 0.0, "planned_points": planned}
    if planned <= 0 or f(max_scale) < 0:
        return {"scale": None, "points": None, "planned_points": planned}
    k = float(brentq(f, 0.0, max_scale, xtol=1e-9))
    return {"scale": k, "points": k * planned, "planned_points": planned}


def value_per_point(model: RoiModel, inputs: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Annual money value of a permanent +1 satisfaction point (all tiers, from month 1, no cost).

    The first 12 months of retention + revenue gain (undiscounted) when every
    tier's satisfaction is one point higher. Used by the allocation notebook to
    price satisfaction points. Returns ``{"total": ..., "by_tier": {tier: ...}}``.
    """
    p = model.params.model_copy(deep=True)
    one = RoiModel(params=p.model_copy(update={"terminal_value": False}), horizon=12, tiers=model.tiers,
                   initiatives=["_one_point"], base=_one_point_base(model, inputs),
                   cost_shape=np.zeros((1, 12)), ramp=np.ones((1, 12)), reach=np.ones((1, len(model.tiers))),
                   tier_cost_share=np.ones((1, len(model.tiers))) / len(model.tiers),
                   satisfaction=np.full(len(model.tiers), np.nan))
    sim = simulate(one, by_tier=True)
    by_tier = {t: float(sim["tier_retention"][0, k].sum() + sim["tier_revenue"][0, k].sum())
               for k, t in enumerate(model.tiers)}
    return {"total": float(sum(by_tier.values())), "by_tier": by_tier}


def _one_point_base(model: RoiModel, inputs: Mapping[str, Any] | None) -> dict[str, float]:
    v = dict(model.base)
    v.update(inputs or {})
    out = {k: float(np.asarray(v[k]).reshape(-1)[0]) for k in
           ("discount_rate", "churn_per_point", "revenue_per_point")}
    out["complaint_cost"] = 0.0
    for t in model.tiers:
        for key in ("customers", "revenue", "margin", "churn"):
            out[f"tiers.{t}.{key}"] = float(v[f"tiers.{t}.{key}"])
    out.update({"initiatives._one_point.uplift": 1.0, "initiatives._one_point.cost": 0.0,
                "initiatives._one_point.complaint_cost_reduction": 0.0})
    return out


def clv_table(model: RoiModel, inputs: Mapping[str, Any] | None = None):
    """Customer lifetime value per tier (Gupta–Lehmann) now and with +1 satisfaction point.

    ``CLV = R·m · r/(1 + i − r)`` with retention ``r = 1 − churn`` and the annual
    discount rate ``i``; +1 point lowers churn by ``churn_per_point`` and raises
    revenue by ``revenue_per_point``. The last row (tier ``"all"``) is the
    customer-weighted change, to compare with the documents' "+1 point → CLV +12 %" (doc 002).
    """
    import pandas as pd

    v = dict(model.base)
    v.update(inputs or {})
    i, s, e = v["discount_rate"], v["churn_per_point"], v["revenue_per_point"]
    rows, w_base, w_new, n_tot = [], 0.0, 0.0, 0.0
    for t in model.tiers:
        n, rev, mg, c = (v[f"tiers.{t}.{k}"] for k in ("customers", "revenue", "margin", "churn"))
        base = rev * mg * clv_multiple(1 - c, i)
        new = rev * (1 + e) * mg * clv_multiple(1 - max(0.0, c - s), i)
        rows.append({"tier": t, "clv": base, "clv_plus_one": new, "change": new / base - 1 if base else None})
        w_base, w_new, n_tot = w_base + n * base, w_new + n * new, n_tot + n
    rows.append({"tier": "all", "clv": w_base / n_tot if n_tot else None, "clv_plus_one": w_new / n_tot if n_tot else None,
                 "change": w_new / w_base - 1 if w_base else None})
    return pd.DataFrame(rows)


#: figures the documents quote, to set beside the model's (DOMAIN.md, "Money")
DOCUMENT_FIGURES = {"roi_ratio": (5.8, "doc 000"), "roi_platinum": (5.0, "doc 003"), "roi_gold": (3.0, "doc 003"),
                    "payback_month": (18, "doc 002"), "clv_per_point": (0.12, "doc 002")}


def document_check(base: Mapping[str, Any], tiers, clv):
    """The model's figures beside the documents' (ROI 1:5.8, platinum 1:5 vs gold 1:3, payback 18 months,
    CLV +12 % per point): a DataFrame (figure, model, document, ref, close), ``close`` meaning within a
    factor 2. The documents quote other companies' cases, so a gap asks for a second look, not a fix."""
    tr = dict(zip(tiers["tier"], tiers["roi_ratio"]))
    model_vals = {"roi_ratio": base["roi_ratio"], "roi_platinum": tr.get("platinum"), "roi_gold": tr.get("gold"),
                  "payback_month": base["payback_month"], "clv_per_point": float(clv["change"].iloc[-1])}
    import pandas as pd

    out = []
    for k, (doc, ref) in DOCUMENT_FIGURES.items():
        mv = _num(model_vals[k])
        out.append({"figure": k, "model": mv, "document": doc, "ref": ref,
                    "close": None if mv is None else bool(0.5 <= mv / doc <= 2.0)})
    return pd.DataFrame(out)


# ============================================================================ scenarios
def scenario_inputs(model: RoiModel, multipliers: Mapping[str, float]) -> dict[str, float]:
    """Inputs of a scenario: each named input (or group ``uplift`` / ``cost`` /
    ``complaint_cost_reduction`` = that input of every initiative) times its multiplier."""
    out: dict[str, float] = {}
    for key, mult in multipliers.items():
        if key in ("uplift", "cost", "complaint_cost_reduction"):
            targets = [f"initiatives.{i}.{key}" for i in model.initiatives]
        elif key in model.base:
            targets = [key]
        else:
            raise ConfigError(f"roi.scenarios: unknown input '{key}'")
        for name in targets:
            lo, hi = INPUT_DOMAIN[_kind(name)]
            out[name] = float(np.clip(out.get(name, model.base[name]) * mult, lo, hi))
    return out


def scenarios(model: RoiModel):
    """Side-by-side key figures of each scenario in ``roi.scenarios`` (conservative / base / aggressive)."""
    import pandas as pd

    rows = []
    for name, mults in model.params.scenarios.items():
        s = summary(model, scenario_inputs(model, mults))
        rows.append({"scenario": name, "npv": s["npv"], "irr": s["irr"], "payback_month": s["payback_month"],
                     "roi_ratio": s["roi_ratio"], "pv_benefit": s["pv_benefit"], "pv_cost": s["pv_cost"]})
    return pd.DataFrame(rows)


# ============================================================================ uncertainty
def _seed_for(seed: int, name: str) -> np.random.Generator:
    """An independent generator per input: same seed + name → same draws, whatever other inputs exist."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8"))])


def sample(dist: Distribution | Mapping[str, Any], n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` values from a triangular, PERT, normal, lognormal or uniform distribution.

    PERT: low + (high − low)·Beta(α, β), α = 1 + λ(mode − low)/(high − low),
    β = 1 + λ(high − mode)/(high − low) (λ = 4). Lognormal takes the mean and sd of
    the variable: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
    """
    d = dist if isinstance(dist, Distribution) else _dist(dist)
    if d.dist == "triangular":
        return rng.triangular(d.low, d.mode, d.high, size=n)
    if d.dist == "uniform":
        return rng.uniform(d.low, d.high, size=n)
    if d.dist == "normal":
        return rng.normal(d.mean, d.sd, size=n)
    if d.dist == "lognormal":
        s2 = math.log1p((d.sd / d.mean) ** 2)
        return rng.lognormal(math.log(d.mean) - s2 / 2, math.sqrt(s2), size=n)
    a, b = _pert_ab(d)
    return d.low + (d.high - d.low) * rng.beta(a, b, size=n)


def _dist(spec: Mapping[str, Any]) -> Distribution:
    try:
        return Distribution.model_validate(dict(spec))
    except ValidationError as exc:
        raise _problems_from(exc, "roi.uncertainty") from None


def _pert_ab(d: Distribution) -> tuple[float, float]:
    w = d.high - d.low
    return 1 + d.lamb * (d.mode - d.low) / w, 1 + d.lamb * (d.high - d.mode) / w


def dist_mean(dist: Distribution | Mapping[str, Any]) -> float:
    """Analytic mean of a distribution (triangular (a+m+b)/3, PERT (a+λm+b)/(λ+2), …)."""
    d = dist if isinstance(dist, Distribution) else _dist(dist)
    if d.dist == "triangular":
        return (d.low + d.mode + d.high) / 3
    if d.dist == "pert":
        return (d.low + d.lamb * d.mode + d.high) / (d.lamb + 2)
    if d.dist == "uniform":
        return (d.low + d.high) / 2
    return float(d.mean)


def dist_quantile(dist: Distribution | Mapping[str, Any], q: float) -> float:
    """Quantile of a distribution (scipy.stats), used for the tornado's P10 / P90 swings."""
    from scipy import stats

    d = dist if isinstance(dist, Distribution) else _dist(dist)
    if d.dist == "triangular":
        w = d.high - d.low
        return float(stats.triang.ppf(q, (d.mode - d.low) / w, loc=d.low, scale=w))
    if d.dist == "uniform":
        return float(stats.uniform.ppf(q, loc=d.low, scale=d.high - d.low))
    if d.dist == "normal":
        return float(stats.norm.ppf(q, loc=d.mean, scale=d.sd))
    if d.dist == "lognormal":
        s2 = math.log1p((d.sd / d.mean) ** 2)
        return float(stats.lognorm.ppf(q, math.sqrt(s2), scale=math.exp(math.log(d.mean) - s2 / 2)))
    a, b = _pert_ab(d)
    return float(d.low + (d.high - d.low) * stats.beta.ppf(q, a, b))


def draw_inputs(model: RoiModel, n: int, seed: int, uncertainty: Mapping[str, Any] | None = None
                ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Seeded draws of every uncertain input, clipped into its valid range.

    Returns ``(draws, clipped_share)``: arrays of shape (n,) per input, and the
    share of draws of each input that had to be clipped (e.g. a normal churn below 0).
    """
    unc = model.uncertainty if uncertainty is None else uncertainty
    draws, clipped = {}, {}
    for name in sorted(unc):
        if name not in model.base:
            raise ConfigError(f"roi.uncertainty: unknown input '{name}'")
        x = sample(unc[name], n, _seed_for(seed, name))
        lo, hi = INPUT_DOMAIN[_kind(name)]
        bad = (x < lo) | (x > hi)
        clipped[name] = float(bad.mean())
        draws[name] = np.clip(x, lo, hi)
    return draws, clipped


def monte_carlo(model: RoiModel, n: int | None = None, seed: int = 0, uncertainty: Mapping[str, Any] | None = None,
                chunk: int = 50_000) -> dict[str, Any]:
    """Vectorised Monte Carlo of NPV and payback over the uncertain inputs.

    Every input with a distribution in ``roi.uncertainty`` is drawn ``n`` times
    (default ``roi.draws``) from a generator seeded by ``seed`` and the input's
    name; the model is evaluated in chunks of ``chunk`` draws.

    Returns ``npv`` (n,), ``payback`` (n,; inf = not within the horizon),
    ``p_npv_positive``, ``npv_p10/p50/p90``, ``npv_mean``, ``npv_se``,
    ``payback_p10/p50/p90`` (None = beyond the horizon), ``clipped``.
    """
    n = int(n or model.params.draws)
    draws, clipped = draw_inputs(model, n, seed, uncertainty)
    npvs, paybacks = np.empty(n), np.empty(n)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        sim = simulate(model, {k: v[a:b] for k, v in draws.items()})
        d = discount_factors(sim["rate"], model.horizon)
        net = sim["net"]                     # a fresh array: safe to add the terminal value in place
        net[:, -1] += sim["terminal"]
        m = b - a
        npvs[a:b] = np.broadcast_to(np.sum(net * d, axis=1), (m,))
        paybacks[a:b] = np.broadcast_to(payback_months(net), (m,))
    q = np.percentile(npvs, [10, 50, 90])
    pq = np.quantile(paybacks, [0.1, 0.5, 0.9], method="inverted_cdf")
    return {"npv": npvs, "payback": paybacks, "draws": draws, "clipped": clipped, "n": n,
            "p_npv_positive": float(np.mean(npvs > 0)), "npv_mean": float(npvs.mean()),
            "npv_se": float(npvs.std(ddof=1) / math.sqrt(n)) if n > 1 else float("nan"),
            "npv_p10": float(q[0]), "npv_p50": float(q[1]), "npv_p90": float(q[2]),
            "payback_p10": _month(pq[0]), "payback_p50": _month(pq[1]), "payback_p90": _month(pq[2]),
            "p_payback_in_horizon": float(np.mean(np.isfinite(paybacks)))}


def _month(x: float) -> int | None:
    return None if not math.isfinite(x) else int(x)


def tornado(model: RoiModel, uncertainty: Mapping[str, Any] | None = None, q: tuple[float, float] = (0.10, 0.90)):
    """One-at-a-time swings of NPV: each uncertain input at its P10 and P90, the others at base.

    Returns a DataFrame (input, low, high, npv_low, npv_high, swing) sorted by
    swing, largest first.
    """
    import pandas as pd

    unc = model.uncertainty if uncertainty is None else uncertainty
    base = summary(model)["npv"]
    rows = []
    for name, dist in unc.items():
        lo_b, hi_b = INPUT_DOMAIN[_kind(name)]
        lo = float(np.clip(dist_quantile(dist, q[0]), lo_b, hi_b))
        hi = float(np.clip(dist_quantile(dist, q[1]), lo_b, hi_b))
        n_lo, n_hi = summary(model, {name: lo})["npv"], summary(model, {name: hi})["npv"]
        rows.append({"input": name, "low": lo, "high": hi, "npv_low": n_lo, "npv_high": n_hi,
                     "swing": abs(n_hi - n_lo)})
    df = pd.DataFrame(rows, columns=["input", "low", "high", "npv_low", "npv_high", "swing"])
    df = df.sort_values("swing", ascending=False, kind="mergesort").reset_index(drop=True)
    df.attrs["base_npv"] = base
    return df


# ============================================================================ tables for the playbook
def by_quarter(cf):
    """Sum a monthly cash-flow table (:func:`cash_flow_table`) by quarter; cumulative columns take the
    quarter's last month. The phase is that of the quarter's first month."""
    q = (cf["month"] - 1) // 3 + 1
    sums = cf[["cost", "retention", "revenue", "savings", "net"]].groupby(q).sum()
    last = cf[["cumulative", "discounted_cumulative"]].groupby(q).last()
    phase = cf["phase"].groupby(q).first()
    out = sums.join(last)
    out.insert(0, "phase", phase)
    out.index.name = "quarter"
    return out.reset_index()


def source_counts(model: RoiModel) -> dict[str, int]:
    """How many inputs come from each source (document / client / consultant / diagnostics)."""
    out = {s: 0 for s in SOURCES}
    for src, _ in model.sources.values():
        out[src] += 1
    return out


def assumptions(model: RoiModel):
    """Every input with its value, source (document / client / consultant / diagnostics) and reference,
    plus whether it has a distribution in the Monte Carlo."""
    import pandas as pd

    unc = model.uncertainty
    rows = [{"input": k, "value": v, "source": model.sources[k][0], "ref": model.sources[k][1] or "",
             "distribution": _dist_text(unc[k]) if k in unc else ""} for k, v in model.base.items()]
    return pd.DataFrame(rows)


def _dist_text(d: Distribution) -> str:
    if d.dist in ("triangular", "pert"):
        return f"{d.dist}({d.low:g}, {d.mode:g}, {d.high:g})"
    if d.dist == "uniform":
        return f"uniform({d.low:g}, {d.high:g})"
    return f"{d.dist}(mean {d.mean:g}, sd {d.sd:g})"
