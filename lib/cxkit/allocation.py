"""Resource allocation (notebook 06): response curves, constrained budget optimisation, scenarios.

The client's question: given a budget, where should each yuan go, and what does a different
split cost? Each *lever* (a spend line such as "platinum dedicated account managers") has a
saturating response curve ``u_i(x)``: the predicted rise of overall satisfaction (0–100 points)
from spending ``x`` on it during the plan period. Lever uplifts are assumed additive (separable).

Curves
------
- Hill: ``u(x) = U · x^n / (K^n + x^n)``; ``U`` saturation (points), ``K`` half-saturation spend
  (money), ``n`` shape (concave for ``n ≤ 1``, S-shaped for ``n > 1``). Hill (1910); the same
  form is the "Hill adstock/saturation" of marketing-mix models (Jin et al. 2017, Google).
- exponential: ``u(x) = U · (1 − exp(−x / s))``; ``s`` scale spend (money), ``u(s) ≈ 0.632·U``.

Calibration (per lever, ``calibration:``)
-----------------------------------------
- ``direct``: ``max_uplift`` and ``half_saturation`` given.
- ``driver`` (a): ``U = reach · w_d · (100 − p_d) · closable_gap`` with the driver's importance
  share ``w_d`` and 0–100 performance ``p_d`` from notebook 03 (fallback: ``inputs:`` in params):
  the lever can close a share of its driver's gap for the customers it reaches.
- ``consultant`` (b): expected uplift ``u_r`` at a reference spend ``r`` plus either ``U`` or ``K``;
  the other follows from the curve (Hill: ``K = r (U/u_r − 1)^{1/n}``; exponential:
  ``s = −r / ln(1 − u_r/U)``).
- ``history`` (c): (spend, uplift) points fitted by least squares
  (:func:`scipy.optimize.curve_fit`), fit statistics returned for display.

Optimisation
------------
``max Σ w_i u_i(x_i)`` subject to ``Σ x_i = B``, ``lo_i ≤ x_i ≤ hi_i`` and group shares
``min_g ≤ Σ_{i∈g} x_i / Σ x_i ≤ max_g``, solved with :func:`scipy.optimize.minimize`
(SLSQP, or trust-constr) with analytic gradients. At the optimum the Karush–Kuhn–Tucker
conditions (Nocedal & Wright 2006, Theorem 12.1) say: every lever that sits strictly between its
bounds and in no binding group has the same marginal return ``w_i u_i'(x_i) = λ``, and ``λ`` is
the marginal value of one more unit of budget. :func:`optimise` checks this and reports the
binding bounds and groups with their multipliers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import AnalysisError, ConfigError, CxError, Problem

DIMENSIONS = ("people", "technology", "process", "culture")
CURVES = ("hill", "exponential")
FTOL = 1e-13  # SLSQP tolerance on the objective scaled to O(1)


# =========================================================================== params
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LeverParams(_Strict):
    """One spend line with its response curve and bounds (money in the engagement's currency)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    label: dict[str, str] | str | None = None
    dimension: Literal["people", "technology", "process", "culture"]
    tier: str = "all"
    covers: list[str] | None = None
    curve: Literal["hill", "exponential"] = "hill"
    calibration: Literal["direct", "driver", "consultant", "history"] = "direct"
    max_uplift: float | None = Field(default=None, gt=0)
    half_saturation: float | None = Field(default=None, gt=0)
    shape: float = Field(default=1.0, gt=0, le=10)
    driver: str | None = None
    reach: float = Field(default=1.0, gt=0, le=1)
    closable_gap: float = Field(default=0.5, gt=0, le=1)
    uplift_at_ref: float | None = Field(default=None, gt=0)
    ref_spend: float | None = Field(default=None, gt=0)
    history: list[tuple[float, float]] = Field(default_factory=list)
    current: float = Field(default=0.0, ge=0)
    min_spend: float = Field(default=0.0, ge=0)
    max_spend: float | None = Field(default=None, gt=0)
    value_weight: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _calibration_inputs(self):
        c = self.calibration
        if c == "direct" and (self.max_uplift is None or self.half_saturation is None):
            raise ValueError(f"lever '{self.name}': calibration 'direct' needs max_uplift and half_saturation")
        if c == "driver" and (self.driver is None or self.half_saturation is None):
            raise ValueError(f"lever '{self.name}': calibration 'driver' needs driver and half_saturation")
        if c == "consultant":
            if self.uplift_at_ref is None or self.ref_spend is None:
                raise ValueError(f"lever '{self.name}': calibration 'consultant' needs uplift_at_ref and ref_spend")
            if (self.max_uplift is None) == (self.half_saturation is None):
                raise ValueError(f"lever '{self.name}': calibration 'consultant' needs exactly one of "
                                 "max_uplift or half_saturation (the other is derived)")
            if self.max_uplift is not None and self.uplift_at_ref >= self.max_uplift:
                raise ValueError(f"lever '{self.name}': uplift_at_ref ({self.uplift_at_ref}) must be below "
                                 f"max_uplift ({self.max_uplift})")
        if c == "history" and len(self.history) < 4:
            raise ValueError(f"lever '{self.name}': calibration 'history' needs at least 4 [spend, uplift] points")
        if self.max_spend is not None and self.max_spend < self.min_spend:
            raise ValueError(f"lever '{self.name}': max_spend {self.max_spend} is below min_spend {self.min_spend}")
        return self


class GroupParams(_Strict):
    """A constraint on the budget share of a group of levers (e.g. people ≥ 30%)."""

    name: str
    by: Literal["dimension", "tier", "levers"] = "dimension"
    members: list[str] = Field(min_length=1)
    min_share: float | None = Field(default=None, ge=0, le=1)
    max_share: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _some_limit(self):
        if self.min_share is None and self.max_share is None:
            raise ValueError(f"group '{self.name}': set min_share and/or max_share")
        if self.min_share is not None and self.max_share is not None and self.min_share > self.max_share:
            raise ValueError(f"group '{self.name}': min_share {self.min_share} > max_share {self.max_share}")
        return self


class SplitParams(_Strict):
    """A fixed split of the budget by dimension or tier (shares should sum to 1)."""

    by: Literal["dimension", "tier"] = "dimension"
    shares: dict[str, float] = Field(min_length=1)
    label: dict[str, str] | str | None = None

    @model_validator(mode="after")
    def _non_negative(self):
        bad = [k for k, v in self.shares.items() if v < 0]
        if bad:
            raise ValueError(f"shares must be ≥ 0 (got negative for {bad})")
        return self


class PhasedParams(_Strict):
    phases: list[float] = Field(default_factory=lambda: [0.40, 0.35, 0.25], min_length=1)
    first_phase_split: SplitParams | None = None


class ConcentrationParams(_Strict):
    top_share: float = Field(default=0.2, gt=0, lt=1)
    budget_share: float = Field(default=0.8, gt=0, lt=1)


class ReallocationParams(_Strict):
    quarters: int = Field(default=4, ge=1, le=12)
    step: float = Field(default=0.05, gt=0, le=0.5)


class StaffingParams(_Strict):
    peak_volume: float | None = Field(default=None, gt=0)
    contacts_per_agent_peak: float = Field(default=8, gt=0)
    flex_share: float = Field(default=0.15, ge=0, le=1)
    expert_share: float = Field(default=0.30, ge=0, le=1)
    training_share: float = Field(default=0.20, ge=0, le=1)
    training_hours: float = Field(default=120, ge=0)
    daily_inquiries: float | None = Field(default=None, gt=0)
    agents_staffed: int | None = Field(default=None, gt=0)
    load_standard: float = Field(default=40, gt=0)
    annual_cost_per_agent: float | None = Field(default=None, gt=0)


class InputsParams(_Strict):
    """Fallbacks used when notebooks 03 / 05 have not run (or lack a key)."""

    driver_weights: dict[str, float] = Field(default_factory=dict)
    driver_performance: dict[str, float] = Field(default_factory=dict)
    csat_0_100: float | None = Field(default=None, ge=0, le=100)
    value_per_point: float | None = Field(default=None, gt=0)
    value_per_point_by_tier: dict[str, float] = Field(default_factory=dict)
    roi_by_tier: dict[str, float] = Field(default_factory=dict)


class AllocationParams(_Strict):
    """The ``allocation:`` section of engagement.yaml (every field has a default: ``{}`` validates)."""

    budget: float = Field(default=12_000_000, gt=0)
    currency: str = "CNY"
    #: display unit of money amounts in 06's tables and charts; None = chosen from the budget and the language
    #: (万元 in Chinese, K / M in English: :func:`cxkit.present.money_unit`)
    money_unit: float | None = Field(default=None, gt=0)
    objective: Literal["uplift", "money"] = "uplift"
    method: Literal["SLSQP", "trust-constr"] = "SLSQP"
    target_csat: float | None = Field(default=90, gt=0, le=100)
    frontier_points: int = Field(default=50, ge=5, le=500)
    frontier_max_factor: float = Field(default=2.0, gt=1, le=10)
    levers: list[LeverParams] = Field(default_factory=list)
    groups: list[GroupParams] = Field(default_factory=list)
    splits: dict[str, SplitParams] = Field(default_factory=dict)
    phased: PhasedParams = Field(default_factory=PhasedParams)
    concentration: ConcentrationParams = Field(default_factory=ConcentrationParams)
    reallocation: ReallocationParams = Field(default_factory=ReallocationParams)
    staffing: StaffingParams = Field(default_factory=StaffingParams)
    inputs: InputsParams = Field(default_factory=InputsParams)
    # when the playbook (cxkit.allocation_sections) flags something
    waste_warn_share: float = Field(default=0.05, ge=0, le=1)   # the current split wastes more than this share of the budget
    frontier_min_share: float = Field(default=1e-3, gt=0, lt=1)  # the frontier starts at least at this share of the budget

    @model_validator(mode="after")
    def _names(self):
        names = [lv.name for lv in self.levers]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"lever names must be unique; repeated: {dup}")
        gnames = [g.name for g in self.groups]
        dupg = sorted({n for n in gnames if gnames.count(n) > 1})
        if dupg:
            raise ValueError(f"group names must be unique; repeated: {dupg}")
        for g in self.groups:
            pool = {"dimension": {lv.dimension for lv in self.levers}, "tier": {lv.tier for lv in self.levers},
                    "levers": set(names)}[g.by]
            unknown = [m for m in g.members if m not in pool]
            if self.levers and unknown:
                raise ValueError(f"group '{g.name}': no lever has {g.by} {unknown} (known: {sorted(pool)})")
        return self


# =========================================================================== curves
@dataclass(frozen=True)
class Curve:
    """A saturating response curve ``u(x)`` (points of 0–100 satisfaction per money spent).

    >>> c = Curve("hill", max_uplift=4.0, scale=1e6)
    >>> round(c.value(1e6), 6), round(c.deriv(1e6) * 1e6, 6)
    (2.0, 1.0)
    """

    kind: str
    max_uplift: float
    scale: float          # Hill half-saturation K or exponential scale s (money)
    shape: float = 1.0    # Hill n (ignored by exponential)

    def __post_init__(self):
        check_curve(self.kind, self.max_uplift, self.scale, self.shape)

    def value(self, x):
        """``u(x)``; a float for a scalar ``x``, an array otherwise."""
        out = _value(self.kind, self.max_uplift, self.scale, self.shape, np.asarray(x, float))
        return float(out) if np.ndim(x) == 0 else out

    def deriv(self, x):
        """``u'(x)`` (points per unit of money)."""
        out = _deriv(self.kind, self.max_uplift, self.scale, self.shape, np.asarray(x, float))
        return float(out) if np.ndim(x) == 0 else out

    def inverse(self, u):
        """Spend giving uplift ``u`` (``0 ≤ u < max_uplift``)."""
        u = np.asarray(u, float)
        if self.kind == "hill":
            return self.scale * (u / (self.max_uplift - u)) ** (1 / self.shape)
        return -self.scale * np.log1p(-u / self.max_uplift)

    @property
    def concave(self) -> bool:
        return self.kind == "exponential" or self.shape <= 1


def check_curve(kind: str, max_uplift: float, scale: float, shape: float = 1.0, *, name: str = "") -> None:
    """Raise :class:`ConfigError` for an unknown curve or a non-positive / non-finite parameter."""
    who = f"lever '{name}': " if name else ""
    if kind not in CURVES:
        raise ConfigError(f"{who}curve must be one of {CURVES}, got {kind!r}")
    for pname, v in (("max_uplift", max_uplift), ("half_saturation", scale), ("shape", shape)):
        if not (isinstance(v, (int, float, np.floating)) and math.isfinite(v) and v > 0):
            raise ConfigError(f"{who}{pname} must be a positive finite number, got {v!r}",
                              hint="response-curve parameters are saturation (points), spend scale (money) "
                                   "and shape, all > 0")


def _value(kind, U, K, n, x):
    x = np.maximum(x, 0.0)
    if kind == "hill":
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            r = (x / K) ** n
            out = U * r / (1.0 + r)
        return np.where(np.isinf(r), U, out)
    return U * -np.expm1(-x / K)


def _deriv(kind, U, K, n, x):
    x = np.maximum(x, 0.0)
    if kind == "hill":
        xs = np.maximum(x, K * 1e-12)  # slope is infinite at 0 when n < 1; evaluate just inside
        r = (xs / K) ** n
        return U * n * r / (xs * (1.0 + r) ** 2)
    return U / K * np.exp(-x / K)


class Curves:
    """Vectorised set of curves (one per lever) with objective weights."""

    def __init__(self, curves: Sequence[Curve], weights: Sequence[float] | None = None):
        if not curves:
            raise ConfigError("allocation.levers: at least one lever is needed")
        self.curves = list(curves)
        self.n = len(curves)
        self.w = np.ones(self.n) if weights is None else np.asarray(weights, float)
        self.U = np.array([c.max_uplift for c in curves], float)
        self.K = np.array([c.scale for c in curves], float)
        self.s = np.array([c.shape for c in curves], float)
        self.hill = np.array([c.kind == "hill" for c in curves])

    def values(self, x) -> np.ndarray:
        x = np.asarray(x, float)
        out = np.empty(self.n)
        h = self.hill
        out[h] = _value("hill", self.U[h], self.K[h], self.s[h], x[h])
        out[~h] = _value("exponential", self.U[~h], self.K[~h], 1.0, x[~h])
        return out

    def derivs(self, x) -> np.ndarray:
        x = np.asarray(x, float)
        out = np.empty(self.n)
        h = self.hill
        out[h] = _deriv("hill", self.U[h], self.K[h], self.s[h], x[h])
        out[~h] = _deriv("exponential", self.U[~h], self.K[~h], 1.0, x[~h])
        return out

    def total(self, x) -> float:
        return float(self.w @ self.values(x))

    def saturation(self, upper=None) -> float:
        """Largest reachable objective: ``Σ w_i u_i(hi_i)`` (``Σ w_i U_i`` without upper bounds)."""
        if upper is None:
            return float(self.w @ self.U)
        up = np.asarray(upper, float)
        vals = np.where(np.isfinite(up), self.values(np.where(np.isfinite(up), up, 0.0)), self.U)
        return float(self.w @ vals)

    @property
    def concave(self) -> bool:
        return all(c.concave for c in self.curves)


# =========================================================================== calibration
def calibrate_consultant(kind: str, uplift_at_ref: float, ref_spend: float, *, max_uplift: float | None = None,
                         scale: float | None = None, shape: float = 1.0) -> Curve:
    """Curve through a consultant's point: uplift ``u_r`` expected at spend ``r``.

    Give either the saturation ``max_uplift`` (then the spend scale is derived) or the spend
    ``scale`` (then the saturation is derived).

    Hill: ``K = r (U/u_r − 1)^{1/n}`` or ``U = u_r (K^n + r^n) / r^n``;
    exponential: ``s = −r / ln(1 − u_r/U)`` or ``U = u_r / (1 − e^{−r/s})``.

    >>> c = calibrate_consultant("hill", 1.0, 2e6, max_uplift=2.0)
    >>> round(c.scale)
    2000000
    """
    for pname, v in (("uplift_at_ref", uplift_at_ref), ("ref_spend", ref_spend)):
        if not (math.isfinite(v) and v > 0):
            raise ConfigError(f"{pname} must be a positive number, got {v!r}")
    if (max_uplift is None) == (scale is None):
        raise ConfigError("give exactly one of max_uplift or half_saturation with a consultant calibration")
    u, r, n = float(uplift_at_ref), float(ref_spend), float(shape)
    if max_uplift is not None:
        if u >= max_uplift:
            raise ConfigError(f"uplift_at_ref {u} must be below max_uplift {max_uplift}")
        K = r * (max_uplift / u - 1) ** (1 / n) if kind == "hill" else -r / math.log1p(-u / max_uplift)
        return Curve(kind, float(max_uplift), float(K), n)
    check_curve(kind, 1.0, scale, n)
    U = u * (scale ** n + r ** n) / r ** n if kind == "hill" else u / -math.expm1(-r / scale)
    return Curve(kind, float(U), float(scale), n)


def calibrate_driver(weight: float, performance: float, *, reach: float = 1.0, closable_gap: float = 0.5,
                     scale: float, kind: str = "hill", shape: float = 1.0) -> Curve:
    """Curve whose saturation is the share of its driver's gap the lever can close.

    ``U = reach · w_d · (100 − p_d) · closable_gap``: with overall satisfaction ≈ Σ w_d p_d
    (the importance shares of notebook 03), closing the whole gap of driver ``d`` for all
    customers would add ``w_d (100 − p_d)`` points.

    >>> calibrate_driver(0.3, 60, reach=0.5, closable_gap=0.5, scale=1e6).max_uplift
    3.0
    """
    if not (0 < weight <= 1):
        raise AnalysisError(f"driver importance share must be in (0, 1], got {weight!r}")
    if not (0 <= performance < 100):
        raise AnalysisError(f"driver performance must be on 0–100 and below 100 (no gap left), got {performance!r}")
    return Curve(kind, reach * weight * (100 - performance) * closable_gap, float(scale), float(shape))


@dataclass
class HistoryFit:
    curve: Curve
    se: dict[str, float]
    r2: float
    rmse: float
    n: int
    points: np.ndarray


def fit_history(spend: Sequence[float], uplift: Sequence[float], kind: str = "hill", *,
                fit_shape: bool = False, name: str = "") -> HistoryFit:
    """Least-squares fit of a response curve to historical (spend, uplift) points.

    Uses :func:`scipy.optimize.curve_fit` (Levenberg–Marquardt / trust-region reflective within
    positive bounds); standard errors from the covariance matrix; ``R² = 1 − SSE/SST``.

    >>> x = [0.5e6, 1e6, 2e6, 4e6, 8e6]
    >>> y = [4 * v / (2e6 + v) for v in x]
    >>> f = fit_history(x, y)
    >>> round(f.curve.max_uplift, 3), round(f.curve.scale / 1e6, 3)
    (4.0, 2.0)
    """
    from scipy.optimize import curve_fit

    who = f"lever '{name}': " if name else ""
    x = np.asarray(spend, float)
    y = np.asarray(uplift, float)
    if x.shape != y.shape or x.ndim != 1:
        raise ConfigError(f"{who}history must be a list of [spend, uplift] pairs")
    bad = np.flatnonzero(~np.isfinite(x) | ~np.isfinite(y) | (x < 0))
    if bad.size:
        raise ConfigError(f"{who}history points {', '.join(str(i + 1) for i in bad[:5])} are not finite "
                          "non-negative spends with finite uplifts")
    k = 3 if (fit_shape and kind == "hill") else 2
    if len(x) < k + 2 or np.unique(x).size < k + 1:
        raise AnalysisError(f"{who}need at least {k + 2} history points at {k + 1} different spends "
                            f"to fit {k} parameters, got {len(x)}")
    xs = float(np.median(x[x > 0])) if (x > 0).any() else 1.0
    ys = float(np.max(np.abs(y))) or 1.0

    def f(xx, U, K, n=1.0):  # in scaled units
        return _value(kind, U, K, n, xx)

    p0 = [1.5, 1.0] + ([1.0] if k == 3 else [])
    lo = [1e-9, 1e-9] + ([0.1] if k == 3 else [])
    hi = [1e3, 1e3] + ([10.0] if k == 3 else [])
    try:
        popt, pcov = curve_fit(f, x / xs, y / ys, p0=p0, bounds=(lo, hi), maxfev=20000)
    except (RuntimeError, ValueError) as exc:
        raise AnalysisError(f"{who}the {kind} curve could not be fitted to the history points ({exc})",
                            hint="check the points or calibrate this lever from consultant inputs") from None
    U, K = popt[0] * ys, popt[1] * xs
    n = float(popt[2]) if k == 3 else 1.0
    perr = np.sqrt(np.clip(np.diag(pcov), 0, None)) if np.all(np.isfinite(pcov)) else np.full(k, np.nan)
    se = {"max_uplift": float(perr[0] * ys), "half_saturation": float(perr[1] * xs)}
    if k == 3:
        se["shape"] = float(perr[2])
    curve = Curve(kind, float(U), float(K), n)
    resid = y - curve.value(x)
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1 - float((resid ** 2).sum()) / sst if sst > 0 else float("nan")
    return HistoryFit(curve, se, r2, float(np.sqrt((resid ** 2).mean())), len(x), np.column_stack([x, y]))


# =========================================================================== problem
@dataclass
class Group:
    """Budget-share constraint on a set of levers (boolean ``mask``)."""

    name: str
    mask: np.ndarray
    min_share: float | None = None
    max_share: float | None = None
    by: str = "levers"                      # what ``members`` name: dimension, tier or levers (for display)
    members: tuple[str, ...] = ()


def _as_bounds(n, lower, upper):
    lo = np.zeros(n) if lower is None else np.asarray(lower, float).copy()
    hi = np.full(n, np.inf) if upper is None else np.asarray(upper, float).copy()
    hi = np.where(np.isnan(hi), np.inf, hi)
    return lo, hi


def check_feasible(budget: float, lower, upper, groups: Sequence[Group] = (), names: Sequence[str] | None = None,
                   *, what: str = "budget") -> None:
    """Raise :class:`AnalysisError` naming the constraints that cannot all hold at this budget.

    Checks, in order: lever minimums vs the budget, lever maximums vs the budget, each group's
    minimum share vs its levers' maximums (and the other levers' minimums), each group's maximum
    share vs its levers' minimums, disjoint groups whose minimum shares add up to more than 100%,
    and finally a linear-programming feasibility test (:func:`scipy.optimize.linprog`) for any
    other combination.
    """
    n = len(lower) if lower is not None else len(upper)
    lo, hi = _as_bounds(n, lower, upper)
    names = list(names) if names is not None else [f"lever {i + 1}" for i in range(n)]
    B = float(budget)
    msgs: list[str] = []
    fmt = _money
    if not (math.isfinite(B) and B > 0):
        raise ConfigError(f"allocation.{what} must be a positive number, got {budget!r}")
    if lo.sum() > B * (1 + 1e-9):
        top = ", ".join(f"{names[i]} ≥ {fmt(lo[i])}" for i in np.argsort(-lo)[:6] if lo[i] > 0)
        msgs.append(f"lever minimums sum to {fmt(lo.sum())}, above the {what} {fmt(B)} ({top})")
    if hi.sum() < B * (1 - 1e-9):
        msgs.append(f"lever maximums sum to {fmt(hi.sum())}, below the {what} {fmt(B)}: the budget cannot be spent "
                    f"({', '.join(f'{names[i]} ≤ {fmt(hi[i])}' for i in range(n) if np.isfinite(hi[i]))})")
    for g in groups:
        m = np.asarray(g.mask, bool)
        if g.min_share is not None:
            need = g.min_share * B
            if hi[m].sum() < need * (1 - 1e-9):
                msgs.append(f"group '{g.name}' needs ≥ {g.min_share:.0%} = {fmt(need)} but its levers' maximums "
                            f"sum to {fmt(hi[m].sum())}")
            if lo[~m].sum() + need > B * (1 + 1e-9):
                msgs.append(f"group '{g.name}' minimum {g.min_share:.0%} ({fmt(need)}) plus the other levers' "
                            f"minimums ({fmt(lo[~m].sum())}) exceed the {what} {fmt(B)}")
        if g.max_share is not None:
            cap = g.max_share * B
            if lo[m].sum() > cap * (1 + 1e-9):
                msgs.append(f"group '{g.name}' is capped at {g.max_share:.0%} = {fmt(cap)} but its levers' minimums "
                            f"sum to {fmt(lo[m].sum())}")
            if hi[~m].sum() + cap < B * (1 - 1e-9):
                msgs.append(f"group '{g.name}' cap {g.max_share:.0%} plus the other levers' maximums cannot "
                            f"absorb the {what} {fmt(B)}")
    # disjoint groups whose minimum shares add up to more than 100%
    mins = [g for g in groups if g.min_share]
    for i, g in enumerate(mins):
        fam = [g] + [h for h in mins[i + 1:] if not (np.asarray(h.mask) & np.asarray(g.mask)).any()]
        fam = [h for j, h in enumerate(fam) if all(not (np.asarray(h.mask) & np.asarray(k.mask)).any()
                                                   for k in fam[:j])]
        tot = sum(h.min_share for h in fam)
        if len(fam) > 1 and tot > 1 + 1e-9:
            msgs.append("minimum shares of " + " + ".join(f"'{h.name}' {h.min_share:.0%}" for h in fam)
                        + f" = {tot:.0%} > 100%")
            break
    if not msgs and groups:
        from scipy.optimize import linprog
        A, b = _group_rows(groups, n)
        res = linprog(np.zeros(n), A_ub=-A if len(A) else None, b_ub=np.zeros(len(A)) if len(A) else None,
                      A_eq=np.ones((1, n)), b_eq=[B], bounds=list(zip(lo, np.where(np.isinf(hi), None, hi))),
                      method="highs")
        if res.status == 2:
            msgs.append("the group constraints " + ", ".join(f"'{g.name}'" for g in groups)
                        + f" and the lever bounds cannot all hold together at {what} {fmt(B)}")
    if msgs:
        raise AnalysisError("infeasible allocation constraints: " + "; ".join(msgs),
                            hint="lower the minimums (lever min_spend, group min_share), raise the maximums, "
                                 "or raise allocation.budget")


def _group_rows(groups: Sequence[Group], n: int):
    """Homogeneous rows ``A x ≥ 0``: min groups ``(a − m·1)``, max groups ``(M·1 − a)``, with labels."""
    rows, labels = [], []
    for g in groups:
        a = np.asarray(g.mask, float)
        if g.min_share is not None:
            rows.append(a - g.min_share)
            labels.append((g.name, "min"))
        if g.max_share is not None:
            rows.append(g.max_share - a)
            labels.append((g.name, "max"))
    A = np.array(rows).reshape(len(rows), n)
    return A, labels


def _money(v: float) -> str:
    if not math.isfinite(v):
        return "∞"
    return f"{v:,.0f}"


@dataclass
class Allocation:
    """Result of :func:`optimise`."""

    x: np.ndarray
    budget: float
    objective: float
    uplift: np.ndarray            # per lever u_i(x_i)
    marginal: np.ndarray          # per lever w_i u_i'(x_i), per unit of money
    status: list[str]             # "interior" | "lower" | "upper"
    binding: list[dict[str, Any]]
    kkt: dict[str, Any]
    success: bool
    message: str
    names: list[str] = field(default_factory=list)

    def table(self):
        import pandas as pd
        return pd.DataFrame({"lever": self.names, "spend": self.x, "share": self.x / self.x.sum(),
                             "uplift": self.uplift, "marginal": self.marginal, "status": self.status})


def optimise(curves: Curves, budget: float, *, lower=None, upper=None, groups: Sequence[Group] = (),
             names: Sequence[str] | None = None, method: str = "SLSQP", x0=None, n_starts: int | None = None,
             seed: int = 0) -> Allocation:
    """Maximise ``Σ w_i u_i(x_i)`` for a fixed budget under lever bounds and group shares.

    Parameters
    ----------
    curves : Curves
        One response curve per lever, with objective weights (1 for points; money per point for
        a money objective).
    budget : float
        ``B``; the whole budget is spent (``Σ x_i = B``): curves increase, so spending less is never
        better unless upper bounds prevent it (then :func:`check_feasible` says so).
    lower, upper : array-like, optional
        Per-lever bounds (money); ``inf`` for no upper bound.
    groups : sequence of Group
        ``min_g ≤ Σ_{i∈g} x_i / B ≤ max_g``.
    method : {"SLSQP", "trust-constr"}
        :func:`scipy.optimize.minimize` method; analytic gradient and constraint Jacobians.
    x0 : array-like, optional
        Warm start (e.g. the previous point of a frontier).
    n_starts : int, optional
        Extra random starts (Dirichlet, seeded). Default 0 for concave curves, 6 when a Hill shape
        ``n > 1`` makes the problem non-convex; then every "all in one lever" corner is also tried
        (up to 20 levers) and the best local optimum is kept.

    Returns
    -------
    Allocation
        Spend per lever, uplift, marginal returns ``w_i u_i'(x_i)``, each lever's status, the binding
        constraints with their multipliers and a KKT check (see :func:`kkt_check`).

    Notes
    -----
    Solved in budget shares ``z = x/B`` so every variable is O(1). For concave curves the problem is
    convex and the KKT point is the global optimum (Boyd & Vandenberghe 2004, §5.5.3). Checked in
    the tests against closed forms (exponential and Hill ``n = 1`` curves) and a brute-force grid.

    Examples
    --------
    >>> cs = Curves([Curve("exponential", 3.0, 1e6), Curve("exponential", 3.0, 1e6)])
    >>> a = optimise(cs, 2e6)
    >>> (a.x / 1e6).round(4).tolist()
    [1.0, 1.0]
    """
    from scipy.optimize import Bounds, LinearConstraint, minimize

    n = curves.n
    B = float(budget)
    names = list(names) if names is not None else [f"lever {i + 1}" for i in range(n)]
    lo, hi = _as_bounds(n, lower, upper)
    check_feasible(B, lo, hi, groups, names)
    zlo, zhi = lo / B, hi / B
    A, labels = _group_rows(groups, n)
    w = curves.w
    fscale = float(w @ curves.U) or 1.0   # objective in units of its saturation: O(1) for the solver

    def fun(z):
        return -float(w @ curves.values(z * B)) / fscale

    def jac(z):
        return -(w * curves.derivs(z * B)) * (B / fscale)

    def hess(z):
        h = 1e-7
        # separable objective: diagonal Hessian by central differences of the analytic gradient
        return np.diag((jac(z + h) - jac(z - h)) / (2 * h))

    cons_eq = {"type": "eq", "fun": lambda z: np.array([z.sum() - 1.0]), "jac": lambda z: np.ones((1, n))}
    cons = [cons_eq]
    if len(A):
        cons.append({"type": "ineq", "fun": lambda z: A @ z, "jac": lambda z: A})
    bounds = Bounds(zlo, np.where(np.isinf(zhi), np.inf, zhi))

    starts = []
    if x0 is not None:
        starts.append(np.asarray(x0, float) / max(float(np.sum(x0)), 1e-300))
    starts.append(_feasible_start(zlo, zhi))
    if n_starts is None:
        n_starts = 0 if curves.concave else 6
    rng = np.random.default_rng(seed)
    for _ in range(n_starts):
        starts.append(rng.dirichlet(np.ones(n)))
    if not curves.concave and n <= 20:  # S-shaped curves: optima often sit at corners (all in one lever)
        starts += [np.eye(n)[i] for i in range(n)]
    if method not in ("SLSQP", "trust-constr"):
        raise ConfigError(f"allocation.method must be 'SLSQP' or 'trust-constr', got {method!r}")

    def run(s, best):
        z0 = np.clip(s, zlo, np.minimum(zhi, 1.0))
        if method == "trust-constr":
            lcons = [LinearConstraint(np.ones((1, n)), 1.0, 1.0)]
            if len(A):
                lcons.append(LinearConstraint(A, 0.0, np.inf))
            res = minimize(fun, z0, jac=jac, hess=hess, method="trust-constr", bounds=bounds, constraints=lcons,
                           options={"gtol": 1e-11, "xtol": 1e-12, "maxiter": 3000})
        else:
            res = minimize(fun, z0, jac=jac, method="SLSQP", bounds=bounds, constraints=cons,
                           options={"ftol": FTOL, "maxiter": 1000})
        z = _repair(np.asarray(res.x, float), zlo, zhi, A)
        val = fun(z)
        ok = bool(res.success) or _feasible(z, zlo, zhi, A)
        if best is None or (ok and (not best[2] or val < best[1] - 1e-12)):
            best = (z, val, ok, str(res.message))
        return best

    best = None
    for s in starts:
        best = run(s, best)
    z, val, ok, msg = best
    if not _feasible(z, zlo, zhi, A, tol=1e-6):
        raise AnalysisError(f"the optimiser did not find a feasible allocation ({msg})",
                            hint="check the group constraints and lever bounds")
    for _ in range(2):
        x = z * B
        marg = w * curves.derivs(x)
        status, binding, kkt = kkt_check(x, marg, B, lo, hi, groups, names)
        stuck = [i for i, nm in enumerate(names) if f"{nm} (lower bound)" in kkt["sign_violations"]
                 or f"{nm} (upper bound)" in kkt["sign_violations"]]
        if kkt["ok"] or not stuck:
            break
        # polish: a lever left at a bound although its marginal return says otherwise (steep Hill
        # curves with n < 1 near 0 stall the line search) is moved inside and the solver restarted
        s = z.copy()
        for i in stuck:
            s[i] = zlo[i] + 0.5 / n if status[i] == "lower" else max(zlo[i], zhi[i] - 0.5 / n)
        s = np.clip(s, zlo, zhi)
        s = s / s.sum() if np.all(zlo == 0) else s
        z, val, ok, msg = run(s, best)
        best = (z, val, ok, msg)
    return Allocation(x=x, budget=B, objective=-val * fscale, uplift=curves.values(x), marginal=marg, status=status,
                      binding=binding, kkt=kkt, success=ok and kkt["ok"], message=msg, names=names)


def _feasible_start(zlo, zhi):
    n = len(zlo)
    z = np.clip(np.full(n, 1.0 / n), zlo, zhi)
    for _ in range(50):  # spread the remainder over levers with room
        gap = 1.0 - z.sum()
        if abs(gap) < 1e-12:
            break
        room = (zhi - z) if gap > 0 else (z - zlo)
        room = np.where(np.isfinite(room), room, 1.0)
        if room.sum() <= 0:
            break
        z = np.clip(z + gap * room / room.sum(), zlo, zhi)
    return z


def _repair(z, zlo, zhi, A):
    z = np.clip(z, zlo, zhi)
    s = z.sum()
    return z / s if s > 0 and not len(A) and np.all(zlo == 0) and np.all(np.isinf(zhi)) else z


def _feasible(z, zlo, zhi, A, tol=1e-7):
    if abs(z.sum() - 1) > tol or np.any(z < zlo - tol) or np.any(z > zhi + tol):
        return False
    return not len(A) or bool(np.all(A @ z >= -tol))


def kkt_check(x, marginal, budget, lower, upper, groups: Sequence[Group] = (), names=None, *,
              tol: float = 1e-4, sign_tol: float = 1e-2) -> tuple[list[str], list[dict[str, Any]], dict[str, Any]]:
    """Status of each lever, binding constraints with multipliers, and the KKT stationarity check.

    With the budget multiplier ``λ`` and multipliers ``μ_g ≥ 0`` of binding group constraints
    (homogeneous form ``(a_g − m_g)·x ≥ 0``), stationarity reads
    ``w_i u_i'(x_i) = λ − Σ_g μ_g ∂c_g/∂x_i − α_i + β_i`` with ``α_i ≥ 0`` at a lower bound and
    ``β_i ≥ 0`` at an upper bound. ``λ, μ`` are estimated by least squares on the levers strictly
    inside their bounds; ``α, β`` follow. The check passes when the relative stationarity residual
    is below ``tol`` (relative to the largest marginal return) and no multiplier has the wrong sign
    by more than ``sign_tol · |λ|`` (a lever at a bound whose marginal return beats ``λ`` by under 1%
    is optimal for any practical purpose; Hill curves with ``n < 1`` are infinitely steep at 0, so a
    lever whose optimum is a few yuan sits "at" its bound with a noisy marginal). Levers inside their bounds and in no
    binding group then share one marginal return ``λ`` (equal marginal returns).

    A binding group's ``gain_per_point`` is ``μ_g · B / 100``: what relaxing its share limit by one
    percentage point adds to the objective (envelope theorem); a lever bound's ``multiplier`` is
    what one more unit of money of room adds.
    """
    n = len(x)
    B = float(budget)
    lo, hi = _as_bounds(n, lower, upper)
    names = list(names) if names is not None else [f"lever {i + 1}" for i in range(n)]
    eps = 1e-6 * B
    at_lo = x <= lo + eps
    at_hi = np.isfinite(hi) & (x >= hi - eps)
    status = ["lower" if a else "upper" if b else "interior" for a, b in zip(at_lo, at_hi)]
    A, labels = _group_rows(groups, n)
    active = [k for k in range(len(A)) if A[k] @ x <= eps]
    free = ~(at_lo | at_hi)
    cols = [np.ones(n)] + [-A[k] for k in active]
    M = np.column_stack(cols)
    scale = float(np.max(np.abs(marginal))) or 1.0
    if free.sum() >= 1:
        coef, *_ = np.linalg.lstsq(M[free], marginal[free], rcond=None)
    else:
        coef = np.zeros(M.shape[1])
        coef[0] = float(np.median(marginal))
    fitted = M @ coef
    resid = marginal - fitted
    lam = float(coef[0])
    mult = coef[1:]
    rel = float(np.max(np.abs(resid[free])) / scale) if free.any() else 0.0
    alpha = np.where(at_lo, -resid, 0.0)   # m = fitted − α  →  α = fitted − m
    beta = np.where(at_hi, resid, 0.0)     # m = fitted + β
    sign_bad = []
    stol = sign_tol * max(abs(lam), 1e-300)
    for k, mu in zip(active, mult):
        if mu < -stol:
            sign_bad.append(f"group {labels[k][0]} ({labels[k][1]})")
    sign_bad += [f"{names[i]} (lower bound)" for i in np.flatnonzero(alpha < -stol)]
    sign_bad += [f"{names[i]} (upper bound)" for i in np.flatnonzero(beta < -stol)]
    binding: list[dict[str, Any]] = []
    for i in np.flatnonzero(at_lo | at_hi):
        kind = "lower" if at_lo[i] else "upper"
        binding.append({"constraint": names[i], "type": f"lever {kind} bound",
                        "limit": float(lo[i] if at_lo[i] else hi[i]), "value": float(x[i]),
                        "multiplier": float(alpha[i] if at_lo[i] else beta[i])})
    for k, mu in zip(active, mult):
        gname, side = labels[k]
        g = next(gg for gg in groups if gg.name == gname)
        share = float(np.asarray(g.mask, float) @ x / x.sum())
        binding.append({"constraint": gname, "type": f"group {side} share",
                        "limit": float(g.min_share if side == "min" else g.max_share), "value": share,
                        "multiplier": float(mu), "gain_per_point": float(mu * x.sum() / 100)})
    # equal marginal returns among levers that are free and in no binding group
    in_active = np.zeros(n, bool)
    for k in active:
        g = next(gg for gg in groups if gg.name == labels[k][0])
        in_active |= np.asarray(g.mask, bool)
    plain = free & ~in_active
    spread = float((marginal[plain].max() - marginal[plain].min()) / scale) if plain.sum() > 1 else 0.0
    kkt = {"lambda": lam, "stationarity_residual": rel, "equal_marginal_spread": spread,
           "n_interior": int(free.sum()), "sign_violations": sign_bad,
           "ok": bool(rel <= tol and not sign_bad)}
    return status, binding, kkt


def least_budget(curves: Curves, target: float, *, lower=None, upper=None, groups: Sequence[Group] = (),
                 names=None, method: str = "SLSQP", rtol: float = 1e-7) -> tuple[float, Allocation]:
    """Smallest budget whose optimal allocation reaches ``target`` (objective units, e.g. points).

    The optimal value ``V(B)`` increases with ``B``; ``V(B*) = target`` is solved with Brent's
    method (:func:`scipy.optimize.brentq`) on the fixed-budget optimiser. Raises
    :class:`AnalysisError` when the target is at or above the curves' saturation.

    >>> cs = Curves([Curve("exponential", 3.0, 1e6), Curve("exponential", 3.0, 1e6)])
    >>> b, _ = least_budget(cs, 3.0)       # each lever to u = 1.5 = 3(1 − e^{−x})
    >>> round(b / 1e6, 4)                  # 2 ln 2
    1.3863
    """
    from scipy.optimize import brentq

    n = curves.n
    lo, hi = _as_bounds(n, lower, upper)
    sat = curves.saturation(hi)
    if not (math.isfinite(target) and target > 0):
        raise ConfigError(f"the target uplift must be a positive number, got {target!r}")
    if target >= sat * (1 - 1e-6):
        where = "saturation" if not np.isfinite(hi).any() else "saturation within their maximum spends"
        raise AnalysisError(f"the target uplift {target:.2f} is at or above what the levers can reach at "
                            f"{where} ({sat:.2f}): no budget reaches it",
                            hint="lower allocation.target_csat, add levers, or raise their max_uplift")
    cache: dict[float, Allocation] = {}

    def solve(B):
        a = optimise(curves, B, lower=lo, upper=hi, groups=groups, names=names, method=method)
        cache[B] = a
        return a

    def g(B):
        try:
            return solve(B).objective - target
        except AnalysisError:
            return -target  # infeasible budgets lie below the feasible range
    b_lo = max(lo.sum(), 1e-9)
    if g(b_lo) >= 0:
        return b_lo, cache[b_lo]
    b_hi = max(b_lo * 2, float(np.sum(curves.K)))
    for _ in range(80):
        if g(b_hi) >= 0:
            break
        b_lo, b_hi = b_hi, b_hi * 2
        if np.isfinite(hi).all() and b_hi > hi.sum():
            b_hi = float(hi.sum())
            if g(b_hi) < 0:
                raise AnalysisError(f"the target uplift {target:.2f} is not reachable within the levers' maximum "
                                    f"spends (total {_money(b_hi)})")
            break
    else:  # pragma: no cover - Hill curves with tiny shape approach saturation very slowly
        raise AnalysisError(f"the target uplift {target:.2f} needs more than {_money(b_hi)}: too close to saturation")
    B = brentq(g, b_lo, b_hi, rtol=rtol, xtol=1e-9 * b_hi)
    return B, cache.get(B) or solve(B)


def min_feasible_budget(lower, upper, groups: Sequence[Group] = ()) -> float:
    """Smallest budget at which the lever bounds and group shares can all hold (a linear program,
    :func:`scipy.optimize.linprog`); raises :class:`AnalysisError` when no budget can.

    >>> g = [Group("a", np.array([True, False]), min_share=0.5)]
    >>> min_feasible_budget([0, 1e6], None, g)
    2000000.0
    """
    from scipy.optimize import linprog

    n = len(lower)
    lo, hi = _as_bounds(n, lower, upper)
    if not groups:
        return float(lo.sum())
    A, _ = _group_rows(groups, n)
    res = linprog(np.ones(n), A_ub=-A, b_ub=np.zeros(len(A)), A_eq=None,
                  bounds=list(zip(lo, np.where(np.isinf(hi), None, hi))), method="highs")
    if res.status != 0:
        raise AnalysisError("the group constraints " + ", ".join(f"'{g.name}'" for g in groups)
                            + " and the lever bounds cannot hold at any budget")
    return float(res.fun)


def frontier(curves: Curves, budgets: Sequence[float], *, lower=None, upper=None,
             groups: Sequence[Group] = (), names=None, method: str = "SLSQP"):
    """Efficient frontier: optimal objective for each budget (warm-started from the previous point).

    Returns a DataFrame ``budget, objective, lambda, feasible`` and the allocations (levers × budgets).
    Budgets where the constraints cannot hold get ``feasible = False`` and NaN values.
    """
    import pandas as pd

    n = curves.n
    rows, X = [], np.full((n, len(budgets)), np.nan)
    prev = None
    for j, B in enumerate(budgets):
        try:
            a = optimise(curves, float(B), lower=lower, upper=upper, groups=groups, names=names, method=method,
                         x0=None if prev is None else prev * (B / prev.sum()))
        except AnalysisError:
            rows.append({"budget": float(B), "objective": np.nan, "lambda": np.nan, "feasible": False})
            continue
        prev = a.x
        X[:, j] = a.x
        rows.append({"budget": float(B), "objective": a.objective, "lambda": a.kkt["lambda"], "feasible": True})
    return pd.DataFrame(rows), X


# =========================================================================== scenarios
def split_allocation(budget: float, shares: dict[str, float], keys: Sequence[str], *, within=None,
                     name: str = "split") -> tuple[np.ndarray, list[tuple[str, dict]]]:
    """Spend per lever for a fixed split of the budget by group (dimension or tier).

    Inside a group the money follows ``within`` (e.g. current spend), evenly where that is zero.
    Shares that do not sum to 1 are rescaled, with a warning returned (the documents' phase-1
    split 25 + 35 + 20 = 80% is such a case); a share for a group with no lever is an error.

    >>> x, w = split_allocation(100, {"a": 0.6, "b": 0.4}, ["a", "a", "b"])
    >>> x.tolist(), w
    ([30.0, 30.0, 40.0], [])
    """
    keys = list(keys)
    n = len(keys)
    warns: list[tuple[str, dict]] = []
    unknown = [k for k in shares if k not in keys]
    if unknown:
        raise ConfigError(f"allocation.splits.{name}: no lever belongs to {unknown} (levers have {sorted(set(keys))})")
    tot = float(sum(shares.values()))
    if tot <= 0:
        raise ConfigError(f"allocation.splits.{name}: the shares sum to 0")
    if abs(tot - 1) > 1e-6:
        warns.append(("allocation.warn_split_sum", {"name": name, "total": f"{100 * tot:.0f}"}))
    missing = sorted({k for k in keys if k not in shares})
    if missing:
        warns.append(("allocation.warn_split_missing", {"name": name, "groups": ", ".join(missing)}))
    within = np.ones(n) if within is None else np.asarray(within, float)
    x = np.zeros(n)
    for k, s in shares.items():
        idx = np.array([i for i in range(n) if keys[i] == k])
        wts = within[idx] if within[idx].sum() > 0 else np.ones(len(idx))
        x[idx] = budget * (s / tot) * wts / wts.sum()
    return x, warns


def concentration_allocation(curves: Curves, budget: float, top_share: float = 0.2,
                             budget_share: float = 0.8) -> np.ndarray:
    """The "80/20" scenario: ``budget_share`` of the money, evenly, to the top ``top_share`` of levers.

    Levers are ranked by average return at an even split (``u_i(B/n) / (B/n)``); the top
    ``ceil(top_share · n)`` share ``budget_share``, the others share the rest evenly.
    """
    n = curves.n
    k = max(1, math.ceil(top_share * n))
    if k >= n:
        return np.full(n, budget / n)
    even = np.full(n, budget / n)
    rank = np.argsort(-(curves.w * curves.values(even)), kind="mergesort")
    x = np.full(n, budget * (1 - budget_share) / (n - k))
    x[rank[:k]] = budget * budget_share / k
    return x


def phased_allocation(curves: Curves, budget: float, phases: Sequence[float], *, lower=None, upper=None,
                      groups: Sequence[Group] = (), names=None, first=None, method: str = "SLSQP"):
    """Cumulative allocation path of a phased budget (e.g. 40% / 35% / 25%).

    Phase 1 spends ``phases[0]·B`` as given by ``first`` (fixed spend per lever) or optimally;
    each later phase adds its share optimally on top of what is already spent (lower bound = the
    previous cumulative spend). Lever minimums scale with the cumulative budget; the group share
    constraints apply to the final cumulative allocation only (an intermediate phase may be
    lopsided, as the documents' phase-1 split is). Returns the cumulative spend per phase
    (levers × phases) and the objective reached after each phase. Phase shares not summing to 1
    are an error.

    >>> cs = Curves([Curve("exponential", 2.0, 1e6), Curve("exponential", 2.0, 1e6)])
    >>> X, ups = phased_allocation(cs, 4e6, [0.5, 0.5], first=[2e6, 0.0])
    >>> (X[:, -1] / 1e6).round(3).tolist()
    [2.0, 2.0]
    """
    ph = np.asarray(phases, float)
    if np.any(ph <= 0) or abs(ph.sum() - 1) > 1e-6:
        raise ConfigError(f"allocation.phased.phases must be positive shares summing to 1, got {list(phases)}")
    n = curves.n
    lo, hi = _as_bounds(n, lower, upper)
    cum = np.cumsum(ph) * budget
    X = np.zeros((n, len(ph)))
    prev = np.zeros(n)
    for j, Bj in enumerate(cum):
        if j == 0 and first is not None:
            xj = np.asarray(first, float)
        else:
            lj = np.maximum(lo * (Bj / budget), prev)
            gj = groups if j == len(ph) - 1 else ()
            xj = optimise(curves, Bj, lower=lj, upper=hi, groups=gj, names=names, method=method).x
        X[:, j] = xj
        prev = xj
    ups = np.array([curves.total(X[:, j]) for j in range(len(ph))])
    return X, ups


def group_shares(x, keys: Sequence[str]) -> dict[str, float]:
    """Budget share of each group (dimension or tier) in an allocation."""
    x = np.asarray(x, float)
    out: dict[str, float] = {}
    for k, v in zip(keys, x):
        out[k] = out.get(k, 0.0) + float(v)
    tot = float(x.sum()) or 1.0
    return {k: v / tot for k, v in out.items()}


def violation_items(x, lower, upper, groups: Sequence[Group], names, *, tol: float = 1e-6) -> list[dict]:
    """Constraints an allocation breaks (for scenarios that ignore them), one dict each:
    ``{kind: "share_min" | "share_max", group, share, limit}`` for a group's budget share, or
    ``{kind: "bound", lever, value, lo, hi}`` for a lever outside its bounds.

    >>> g = [Group("plat", np.array([True, False]), min_share=0.5, by="tier", members=("platinum",))]
    >>> [v["kind"] for v in violation_items([1.0, 3.0], [0, 0], [5, 2], g, ["a", "b"])]
    ['share_min', 'bound']
    """
    x = np.asarray(x, float)
    lo, hi = _as_bounds(len(x), lower, upper)
    out: list[dict] = []
    tot = x.sum()
    for g in groups:
        s = float(np.asarray(g.mask, float) @ x / tot)
        if g.min_share is not None and s < g.min_share - tol:
            out.append({"kind": "share_min", "group": g, "share": s, "limit": g.min_share})
        if g.max_share is not None and s > g.max_share + tol:
            out.append({"kind": "share_max", "group": g, "share": s, "limit": g.max_share})
    for i in range(len(x)):
        if x[i] < lo[i] * (1 - tol) or x[i] > hi[i] * (1 + tol):
            out.append({"kind": "bound", "lever": names[i], "value": float(x[i]), "lo": float(lo[i]),
                        "hi": float(hi[i])})
    return out


def violations(x, lower, upper, groups: Sequence[Group], names, *, tol: float = 1e-6) -> list[str]:
    """:func:`violation_items` as short texts (the results' ``violations``; the playbook words them)."""
    out = []
    for v in violation_items(x, lower, upper, groups, names, tol=tol):
        if v["kind"] == "bound":
            out.append(f"{v['lever']} {_money(v['value'])} ∉ [{_money(v['lo'])}, {_money(v['hi'])}]")
        else:
            sign = "<" if v["kind"] == "share_min" else ">"
            out.append(f"{v['group'].name} {100 * v['share']:.0f}% {sign} {100 * v['limit']:.0f}%")
    return out


def quarterly_reallocation(shares: dict[str, float], roi: dict[str, float], *, quarters: int = 4,
                           step: float = 0.05, min_shares: dict[str, float] | None = None,
                           max_shares: dict[str, float] | None = None):
    """Shift budget toward the better realised ROI, one step per quarter.

    Each quarter ``step`` of the budget moves from the tier with the lowest realised ROI that is
    still above its minimum share to the tier with the highest ROI still below its maximum
    (documents: platinum 1:5 vs gold 1:3, budget shifted quarterly toward the higher ratio).
    ``roi`` is the realised ROI per tier (``x`` in ``1:x``), or a list with one dict per quarter.
    Returns a DataFrame ``quarter, tier, share, roi``.

    >>> df = quarterly_reallocation({"platinum": .5, "gold": .3}, {"platinum": 5, "gold": 3}, quarters=2)
    >>> df[df.tier == "platinum"].share.round(2).tolist()
    [0.5, 0.55]
    """
    import pandas as pd

    min_shares = min_shares or {}
    max_shares = max_shares or {}
    s = {k: float(v) for k, v in shares.items()}
    per_q = roi if isinstance(roi, list) else [roi] * quarters
    rows = []
    for q in range(quarters):
        r = per_q[min(q, len(per_q) - 1)]
        for k in s:
            rows.append({"quarter": q + 1, "tier": k, "share": s[k], "roi": r.get(k, np.nan)})
        known = [k for k in s if k in r and np.isfinite(r[k])]
        if len(known) < 2 or q == quarters - 1:
            continue
        donors = sorted([k for k in known if s[k] - step >= min_shares.get(k, 0.0) - 1e-12], key=lambda k: r[k])
        takers = sorted([k for k in known if s[k] + step <= max_shares.get(k, 1.0) + 1e-12], key=lambda k: -r[k])
        if donors and takers and r[takers[0]] > r[donors[0]]:
            s[donors[0]] -= step
            s[takers[0]] += step
    return pd.DataFrame(rows)


# =========================================================================== plan from params
@dataclass
class Plan:
    """Levers built from params and upstream results, ready for the optimiser."""

    names: list[str]
    labels: list[str]
    dimensions: list[str]
    tiers: list[str]
    curves: Curves
    lower: np.ndarray
    upper: np.ndarray
    current: np.ndarray
    groups: list[Group]
    budget: float
    fits: dict[str, HistoryFit]
    calibration: list[str]
    notes: list[tuple[str, dict]]   # (i18n key, values) to show as warnings
    baseline_csat: float | None
    value_per_point: float | None


def label_text(lbl, lang: str, default: str) -> str:
    """A display label from a ``{zh, en}`` dict or a plain string, else ``default``."""
    if isinstance(lbl, dict):
        return str(lbl.get(lang) or next(iter(lbl.values()), default))
    return str(lbl) if lbl else default


def _get(d: dict | None, key: str):
    return None if not isinstance(d, dict) else d.get(key)


def _num(v) -> float | None:
    """A float from a number or a ``{estimate|value|mean: ...}`` dict; None when absent or not finite."""
    if isinstance(v, dict):
        v = next((v[k] for k in ("estimate", "value", "mean", "point") if k in v), None)
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _driver_value(table: dict | None, driver: str, scales: dict | None, how: str) -> float | None:
    """A driver's value from notebook 03's table: by name, else aggregated over its scale's items
    (``sum`` for importance shares, ``mean`` for performance)."""
    if not isinstance(table, dict):
        return None
    if driver in table:
        return _num(table[driver])
    items = ((scales or {}).get(driver) or {}).get("items") or []
    vals = [_num(table[i]) for i in items if i in table]
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return float(sum(vals)) if how == "sum" else float(sum(vals) / len(vals))


def build_plan(params: dict[str, Any], diagnostics: dict | None = None, roi: dict | None = None,
               *, lang: str = "en", scales: dict | None = None) -> Plan:
    """Levers, curves, bounds and groups from the ``allocation:`` params and notebooks 03/05.

    Upstream values (``driver_weights``, ``driver_performance``, ``csat_0_100`` of 03;
    ``value_per_point`` and ``value_per_point_by_tier`` of 05) are used when present; otherwise the
    ``allocation.inputs`` fallback is used and a note names the input that fell back. A driver
    named after a survey scale (``scales``) is also found through its items in 03's tables.

    With ``objective: money`` the weight of a lever is the annual money value of one overall point
    it adds: ``Σ_{t ∈ covers} value_per_point_by_tier[t] / reach`` (a lever reaching a share
    ``reach`` of customers lifts their satisfaction by ``u/reach``), or, without per-tier values,
    ``value_per_point · value_weight``.
    """
    p = AllocationParams.model_validate(params) if not isinstance(params, AllocationParams) else params
    notes: list[tuple[str, dict]] = []
    if not p.levers:
        raise ConfigError([Problem("engagement.yaml", "allocation.levers",
                                   "no lever defined: list the spend lines with their response curves")])
    inp = p.inputs

    def upstream(src: dict | None, nb: str, key: str, fallback):
        val = _get(src, key)
        if val is None or (isinstance(val, dict) and not val):
            if src is None:
                notes.append(("allocation.note_fallback_missing", {"notebook": nb, "what": key}))
            else:
                notes.append(("allocation.note_fallback_key", {"notebook": nb, "what": key}))
            return fallback
        return val

    need_drivers = any(lv.calibration == "driver" for lv in p.levers)
    weights = upstream(diagnostics, "03_diagnostics", "driver_weights", inp.driver_weights) if need_drivers else {}
    perf = upstream(diagnostics, "03_diagnostics", "driver_performance", inp.driver_performance) if need_drivers else {}
    csat = _num(upstream(diagnostics, "03_diagnostics", "csat_0_100", inp.csat_0_100))
    money = p.objective == "money"
    vpp = _num(upstream(roi, "05_roi", "value_per_point", inp.value_per_point))
    vpp_tier = (upstream(roi, "05_roi", "value_per_point_by_tier", inp.value_per_point_by_tier)
                if money else {}) or {}
    wsum = sum(v for v in (weights or {}).values() if isinstance(v, (int, float)) and v > 0)

    curves, fits, calib = [], {}, []
    problems: list[Problem] = []
    seen_driver: dict[tuple, str] = {}
    for lv in p.levers:
        try:
            if lv.calibration == "direct":
                c = Curve(lv.curve, lv.max_uplift, lv.half_saturation, lv.shape)
                how = "direct"
            elif lv.calibration == "consultant":
                c = calibrate_consultant(lv.curve, lv.uplift_at_ref, lv.ref_spend, max_uplift=lv.max_uplift,
                                         scale=lv.half_saturation, shape=lv.shape)
                how = "consultant"
            elif lv.calibration == "history":
                f = fit_history([h[0] for h in lv.history], [h[1] for h in lv.history], lv.curve, name=lv.name)
                fits[lv.name] = f
                c = f.curve
                how = "history"
            else:
                w = _driver_value(weights, lv.driver, scales, "sum")
                pf = _driver_value(perf, lv.driver, scales, "mean")
                if w is None or pf is None:
                    if lv.max_uplift is None:
                        raise ConfigError(f"lever '{lv.name}': driver '{lv.driver}' has no importance/performance "
                                          "from notebook 03 nor allocation.inputs, and no max_uplift fallback")
                    notes.append(("allocation.note_driver_fallback", {"lever": lv.name, "driver": lv.driver}))
                    c = Curve(lv.curve, lv.max_uplift, lv.half_saturation, lv.shape)
                    how = "direct"
                else:
                    share = float(w) / wsum if wsum > 1.0 + 1e-6 else float(w)
                    c = calibrate_driver(share, float(pf), reach=lv.reach, closable_gap=lv.closable_gap,
                                         scale=lv.half_saturation, kind=lv.curve, shape=lv.shape)
                    how = "driver"
                    key = (lv.driver, lv.tier)
                    if key in seen_driver:
                        notes.append(("allocation.warn_driver_twice", {"a": seen_driver[key], "b": lv.name,
                                                                       "driver": lv.driver}))
                    seen_driver[key] = lv.name
            check_curve(c.kind, c.max_uplift, c.scale, c.shape, name=lv.name)
        except ConfigError as exc:
            problems.append(Problem("engagement.yaml", f"allocation.levers.{lv.name}", exc.message))
            continue
        curves.append(c)
        calib.append(how)
    if problems:
        raise ConfigError(problems)
    n = len(p.levers)
    if money:
        wts = []
        for lv in p.levers:
            cov = lv.covers or [lv.tier]
            vals = [_num(vpp_tier.get(t)) for t in cov]
            if all(v is not None for v in vals):
                wts.append(float(sum(vals)) / lv.reach)
            elif vpp is not None:
                wts.append(float(vpp) * lv.value_weight)
            else:
                raise ConfigError(f"allocation.objective is 'money' but lever '{lv.name}' has no value per point: "
                                  "none came from 05_roi and allocation.inputs has neither value_per_point_by_tier "
                                  f"for {cov} nor value_per_point")
    else:
        wts = [1.0] * n
    dims = [lv.dimension for lv in p.levers]
    tiers = [lv.tier for lv in p.levers]
    groups = []
    for g in p.groups:
        keys = {"dimension": dims, "tier": tiers, "levers": [lv.name for lv in p.levers]}[g.by]
        groups.append(Group(g.name, np.array([k in g.members for k in keys]), g.min_share, g.max_share,
                            by=g.by, members=tuple(g.members)))
    lower = np.array([lv.min_spend for lv in p.levers], float)
    upper = np.array([lv.max_spend if lv.max_spend is not None else np.inf for lv in p.levers], float)
    current = np.array([lv.current for lv in p.levers], float)
    if current.sum() > 0 and abs(current.sum() - p.budget) > 1e-6 * p.budget:
        notes.append(("allocation.warn_current_scaled", {"current": _money(current.sum()), "budget": _money(p.budget)}))
        current = current * p.budget / current.sum()
    return Plan(names=[lv.name for lv in p.levers], labels=[label_text(lv.label, lang, lv.name) for lv in p.levers],
                dimensions=dims, tiers=tiers, curves=Curves(curves, wts), lower=lower, upper=upper,
                current=current, groups=groups, budget=p.budget, fits=fits, calibration=calib, notes=notes,
                baseline_csat=None if csat is None else float(csat), value_per_point=None if vpp is None else float(vpp))


def scenarios(plan: Plan, params: dict[str, Any], *, method: str = "SLSQP"):
    """Every scenario's allocation at the plan's budget: current, even, the splits, 80/20, phased, optimal
    (and, with a money objective, ``optimal_points``: the split that maximises satisfaction points).

    Returns ``(allocations, info, notes)``: ``allocations`` maps scenario name → spend per lever;
    ``info`` maps name → extra details (phased path, optimal :class:`Allocation`).
    """
    p = AllocationParams.model_validate(params) if not isinstance(params, AllocationParams) else params
    B = plan.budget
    n = plan.curves.n
    notes: list[tuple[str, dict]] = []
    allocs: dict[str, np.ndarray] = {}
    info: dict[str, Any] = {}
    if plan.current.sum() > 0:
        allocs["current"] = plan.current
    allocs["even"] = np.full(n, B / n)
    within = plan.current if plan.current.sum() > 0 else None
    for name, sp in p.splits.items():
        keys = plan.dimensions if sp.by == "dimension" else plan.tiers
        x, w = split_allocation(B, sp.shares, keys, within=within, name=name)
        allocs[name] = x
        notes += w
    allocs["concentration"] = concentration_allocation(plan.curves, B, p.concentration.top_share,
                                                       p.concentration.budget_share)
    first = None
    if p.phased.first_phase_split is not None:
        sp = p.phased.first_phase_split
        keys = plan.dimensions if sp.by == "dimension" else plan.tiers
        first, w = split_allocation(B * p.phased.phases[0], sp.shares, keys, within=within, name="phased")
        notes += w
    try:
        X, ups = phased_allocation(plan.curves, B, p.phased.phases, lower=plan.lower, upper=plan.upper,
                                   groups=plan.groups, names=plan.names, first=first, method=method)
        allocs["phased"] = X[:, -1]
        info["phased"] = {"spend": X, "objective": ups, "phases": list(p.phased.phases)}
    except AnalysisError as exc:
        notes.append(("allocation.warn_phased", {"reason": exc.message}))
    opt = optimise(plan.curves, B, lower=plan.lower, upper=plan.upper, groups=plan.groups, names=plan.names,
                   method=method)
    allocs["optimal"] = opt.x
    info["optimal"] = opt
    if not np.allclose(plan.curves.w, 1.0):  # money objective: also show the points-optimal split
        pts = optimise(Curves(plan.curves.curves), B, lower=plan.lower, upper=plan.upper, groups=plan.groups,
                       names=plan.names, method=method)
        allocs["optimal_points"] = pts.x
        info["optimal_points"] = pts
    return allocs, info, notes


def scenario_table(plan: Plan, allocs: dict[str, np.ndarray], *, method: str = "SLSQP"):
    """One row per scenario: objective, gap to optimal, budget the optimum needs for the same result.

    ``budget_equivalent`` is the least budget whose optimal allocation reaches the scenario's
    result (:func:`least_budget`); ``waste = budget − budget_equivalent`` is what the split costs.
    """
    import pandas as pd

    opt = plan.curves.total(allocs["optimal"])
    rows = []
    for name, x in allocs.items():
        val = plan.curves.total(x)
        try:
            beq = plan.budget if name == "optimal" else least_budget(
                plan.curves, val, lower=plan.lower, upper=plan.upper, groups=plan.groups, names=plan.names,
                method=method, rtol=1e-6)[0]
        except CxError:
            beq = float("nan")
        rows.append({"scenario": name, "objective": val, "points": float(np.sum(plan.curves.values(x))),
                     "gap": opt - val, "budget_equivalent": beq,
                     "waste": plan.budget - beq, "violations": "; ".join(
                         violations(x, plan.lower, plan.upper, plan.groups, plan.names))})
    return pd.DataFrame(rows)



def target_budget(plan: Plan, target_csat: float | None, *, method: str = "SLSQP") -> dict[str, Any] | None:
    """Least budget whose points-optimal allocation lifts ``baseline_csat`` to ``target_csat``.

    Returns ``{csat, points, budget}`` (``budget`` None and ``reason`` set when the target is above
    what the levers can reach), or None when there is no target, no baseline, or it is already met.
    """
    if target_csat is None or plan.baseline_csat is None:
        return None
    need = float(target_csat) - plan.baseline_csat
    if need <= 0:
        return None
    try:
        b, _ = least_budget(Curves(plan.curves.curves), need, lower=plan.lower, upper=plan.upper,
                            groups=plan.groups, names=plan.names, method=method)
        return {"csat": float(target_csat), "points": need, "budget": b}
    except AnalysisError as exc:
        return {"csat": float(target_csat), "points": need, "budget": None, "reason": exc.message}


def lever_table(plan: Plan):
    """One row per lever: label, dimension, tier, calibration and curve parameters, bounds, current spend."""
    import pandas as pd

    return pd.DataFrame({
        "lever": plan.names, "label": plan.labels, "dimension": plan.dimensions, "tier": plan.tiers,
        "calibration": plan.calibration, "curve": [c.kind for c in plan.curves.curves],
        "max_uplift": plan.curves.U, "half_saturation": plan.curves.K,
        "shape": [c.shape if c.kind == "hill" else float("nan") for c in plan.curves.curves],
        "weight": plan.curves.w, "min_spend": plan.lower, "max_spend": plan.upper, "current": plan.current})


def allocation_matrix(plan: Plan, allocs: dict[str, np.ndarray]):
    """Spend per lever (rows) and scenario (columns)."""
    import pandas as pd

    return pd.DataFrame({k: np.asarray(v, float) for k, v in allocs.items()}, index=plan.labels)


def share_matrix(plan: Plan, allocs: dict[str, np.ndarray], by: str = "dimension"):
    """Budget share per scenario (rows) and dimension or tier (columns), in the plan's order."""
    import pandas as pd

    keys = plan.dimensions if by == "dimension" else plan.tiers
    order = list(dict.fromkeys(keys))
    return pd.DataFrame({k: [group_shares(x, keys).get(k, 0.0) for x in allocs.values()] for k in order},
                        index=list(allocs))


def tier_roi(plan: Plan, x) -> dict[str, dict[str, float]]:
    """Model ROI per tier at an allocation: average (value / spend) and marginal (value per extra unit)."""
    x = np.asarray(x, float)
    vals = plan.curves.w * plan.curves.values(x)
    marg = plan.curves.w * plan.curves.derivs(x)
    out = {}
    for t in dict.fromkeys(plan.tiers):
        m = np.array([k == t for k in plan.tiers])
        spend = float(x[m].sum())
        out[t] = {"spend": spend, "value": float(vals[m].sum()),
                  "average": float(vals[m].sum() / spend) if spend > 0 else float("nan"),
                  "marginal": float(np.average(marg[m], weights=x[m]) if spend > 0 else marg[m].max())}
    return out
