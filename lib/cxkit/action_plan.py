"""Action plan (notebook 07): pilot evaluation, risk register and phased roadmap.

Three parts, each a set of pure functions:

1. **Pilot evaluation** (doc 003: pilot in 华东 / 华南 / 西部, 500 customers per tier, 3 months; targets
   platinum +10 points, ordinary complaint rate −15 %). Respondent-level pilot data (pilot vs control ×
   before vs after) give a difference-in-differences estimate per tier and metric (:func:`did`): OLS of
   ``y = b0 + b1·pilot + b2·after + b3·pilot·after`` whose ``b3`` is the effect, with the classical or the
   cluster-robust (CR1) standard error. The observed change of the pilot group is judged against the stated
   target (:func:`judge`: the documents call +9 against +10 a success; here it is "not met, 1 point short"),
   the power of the pilot as run comes from :mod:`cxkit.sampling` (:func:`power_as_run`) and a rollout rule
   given as parameters says go / extend / stop (:func:`rollout_decision`). Where only aggregates exist the
   targets carry ``baseline`` / ``result`` figures: the change is judged, no test is possible.
   The A/B conversion lift (doc 003: 10 % of gold customers, +20 %) has a Wald interval of the difference
   and a Katz log interval of the ratio (:func:`ab_lift`).
2. **Risk register** (doc 002: market, technology — AI coldness, data leaks, outages —, operations,
   compliance — PIPL minimum-necessary, 30-day complaint limit). Each risk has a probability, an impact in
   money or in satisfaction points (priced at 05's value per point), an owner, a mitigation and a trigger
   (:func:`risk_table`); score = probability × money impact. The risk-adjusted NPV adds independent
   Bernoulli risk events, discounted to their month, to every draw of 05's Monte Carlo
   (:func:`risk_losses`, :func:`risk_adjusted`).
3. **Phased roadmap** (doc 002: months 1–6 / 7–18 / 19–36, 40 / 35 / 25 % of the budget, with sub-splits).
   :func:`roadmap` checks shares and sub-splits (phase 1's sub-splits sum to 80 % in the documents: a
   warning), :func:`milestones` sets the weighted KPI composite's grade lines 80 / 90 / 95 as phase-end
   targets, :func:`reviews` the quarterly and annual review dates, :func:`plot_gantt` draws it all.

Pilot file (region input ``pilot_responses``, a CSV/XLSX read with :func:`cxkit.io.read_table`): one row per
customer and period with the columns named in ``action_plan.pilot``: ``group`` (``pilot`` / ``control``),
``period`` (``before`` / ``after``), ``tier``, optionally ``region`` (rows of other regions are left out) and a
cluster column (``cluster``: store or customer) for cluster-robust errors, plus one column per measure
(``satisfaction`` 0–100, ``complaint`` 0/1 …).

References
----------
- Angrist, J. D. & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, ch. 5 (difference-in-differences).
- Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference. *Journal of
  Human Resources* 50(2), 317–372 (CR1 with G/(G−1)·(N−1)/(N−K), t with G−1 df; statsmodels
  ``OLS.fit(cov_type="cluster", use_t=True)``).
- Katz, D. et al. (1978). Obtaining confidence intervals for the risk ratio in cohort studies.
  *Biometrics* 34, 469–474 (log interval; statsmodels ``confint_proportions_2indep(compare="ratio",
  method="log")``).

Example
-------
>>> judge(change=9.0, target_change=10.0)
{'met': False, 'attainment': 0.9, 'shortfall': 1.0}
"""
from __future__ import annotations

import math
import zlib
from datetime import date
from typing import Any, Literal, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import ConfigError, DataError, Problem

Label = dict[str, str] | str | None
GRADES = ("pass", "excellent", "outstanding")
DECISIONS = ("go", "extend", "stop")


# =========================================================================== params
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PilotTarget(_Strict):
    """A pilot target: the change of one measure in one tier (``change`` in points, or × baseline when
    ``relative``). ``baseline`` / ``result`` (and the control's) are summary figures, used when the pilot
    file holds no data for the tier and measure."""

    tier: str
    column: str = Field(description="measure column of the pilot file (or the measure's name for summary figures)")
    metric: Literal["mean", "proportion"] = "mean"
    change: float = Field(description="target change: points (0-100 measures) / share points, or a share of the "
                                      "baseline when relative (-0.15 = -15%)")
    relative: bool = False
    label: Label = None
    baseline: float | None = None
    result: float | None = None
    control_baseline: float | None = None
    control_result: float | None = None
    n_pilot: int | None = Field(None, ge=2, description="summary figures: pilot customers (for the power)")
    n_control: int | None = Field(None, ge=2)
    sd: float | None = Field(None, gt=0, description="summary figures of a mean: SD for the power")

    @field_validator("change")
    @classmethod
    def _nonzero(cls, v: float) -> float:
        if v == 0:
            raise ValueError("a target change of 0 cannot be judged: give the change the pilot should reach")
        return v

    @model_validator(mode="after")
    def _pairs(self):
        if (self.baseline is None) != (self.result is None):
            raise ValueError("give both baseline and result (summary figures), or neither")
        if (self.control_baseline is None) != (self.control_result is None):
            raise ValueError("give both control_baseline and control_result, or neither")
        return self


class Wave(_Strict):
    """A rollout wave (doc 003: 8 mature markets → 6 emerging → national)."""

    name: str
    label: Label = None
    markets: int | None = Field(None, ge=1)
    start_month: int = Field(ge=1)
    end_month: int = Field(ge=1)

    @model_validator(mode="after")
    def _order(self):
        if self.end_month < self.start_month:
            raise ValueError(f"end_month {self.end_month} is before start_month {self.start_month}")
        return self


class RolloutRule(_Strict):
    """go when every target reaches ``go_share`` of its change (and, with ``require_significant``, every
    difference-in-differences has p < ``alpha``); extend (by ``extend_months``) when every target reaches
    ``extend_share``; stop otherwise. ``basis``: judge the pilot's effect (difference-in-differences; the
    observed change where there is no control) or the observed change of the pilot group."""

    basis: Literal["effect", "change"] = "effect"
    go_share: float = Field(1.0, gt=0)
    extend_share: float = Field(0.8, gt=0)
    require_significant: bool = True
    extend_months: int = Field(3, ge=1)
    waves: list[Wave] = Field(default_factory=list)

    @model_validator(mode="after")
    def _order(self):
        if self.extend_share > self.go_share:
            raise ValueError(f"extend_share ({self.extend_share}) must not exceed go_share ({self.go_share})")
        return self


class PilotParams(_Strict):
    """The pilot: design, file columns, targets and the rollout rule."""

    months: int = Field(3, ge=1)
    per_tier: int | None = Field(500, ge=1)
    regions: list[Label] = Field(default_factory=list, description="regions running the pilot (display names)")
    group_column: str = "group"
    pilot_value: str = "pilot"
    control_value: str = "control"
    period_column: str = "period"
    before_value: str = "before"
    after_value: str = "after"
    tier_column: str = "tier"
    region_column: str | None = "region"
    cluster: str | None = Field(None, description="cluster column (store, customer): cluster-robust errors")
    alpha: float = Field(0.05, gt=0, lt=0.5)
    targets: list[PilotTarget] = Field(default_factory=list)
    rollout: RolloutRule = Field(default_factory=RolloutRule)


class ABTest(_Strict):
    """An A/B test of conversion (doc 003: 10 % of gold customers, +20 % conversion)."""

    tier: str | None = "gold"
    label: Label = None
    treated_n: int = Field(ge=1)
    treated_conversions: int = Field(ge=0)
    control_n: int = Field(ge=1)
    control_conversions: int = Field(ge=0)
    target_lift: float | None = Field(0.20, description="relative lift the test should show (0.20 = +20%)")
    confidence: float = Field(0.95, gt=0, lt=1)

    @model_validator(mode="after")
    def _counts(self):
        if self.treated_conversions > self.treated_n or self.control_conversions > self.control_n:
            raise ValueError("conversions cannot exceed the customers of their group")
        return self


class Risk(_Strict):
    """A risk of the register (doc 002 categories; probabilities are consultant inputs)."""

    name: str
    label: Label = None
    category: str = "operations"
    probability: float = Field(ge=0, le=1)
    impact: float = Field(ge=0, description="loss if it happens: money, or satisfaction points (unit: points)")
    unit: Literal["money", "points"] = "money"
    month: int = Field(12, ge=1, description="month the loss falls (discounted in the risk-adjusted NPV)")
    owner: Label = None
    mitigation: Label = None
    trigger: Label = None


class Phase(_Strict):
    """A phase of the roadmap with its budget share, sub-splits, items and KPI target at its end."""

    name: str
    label: Label = None
    start_month: int = Field(ge=1)
    end_month: int = Field(ge=1)
    budget_share: float = Field(ge=0, le=1)
    splits: dict[str, float] = Field(default_factory=dict, description="sub-split of the phase budget (sums to 1)")
    split_labels: dict[str, Label] = Field(default_factory=dict)
    items: list[Label] = Field(default_factory=list)
    kpi_target: float | None = Field(None, ge=0, le=100, description="weighted KPI composite at the phase end")

    @model_validator(mode="after")
    def _order(self):
        if self.end_month < self.start_month:
            raise ValueError(f"end_month {self.end_month} is before start_month {self.start_month}")
        bad = [k for k, v in self.splits.items() if not 0 <= v <= 1]
        if bad:
            raise ValueError(f"sub-split shares must be in [0, 1]: {', '.join(bad)}")
        return self


def _default_phases() -> list[Phase]:
    """doc 002: months 1–6 40 %, 7–18 35 %, 19–36 25 %; KPI composite grade lines 80 / 90 / 95 at their ends."""
    return [Phase(name="foundation", start_month=1, end_month=6, budget_share=0.40, kpi_target=80),
            Phase(name="scale_up", start_month=7, end_month=18, budget_share=0.35, kpi_target=90),
            Phase(name="ecosystem", start_month=19, end_month=36, budget_share=0.25, kpi_target=95)]


class ActionPlanParams(_Strict):
    """The ``action_plan:`` section (every key optional: ``{}`` validates)."""

    pilot: PilotParams = Field(default_factory=PilotParams)
    ab_test: ABTest | None = None
    risks: list[Risk] = Field(default_factory=list)
    points_years: float = Field(1.0, gt=0, description="years of value lost per satisfaction point of a risk")
    phases: list[Phase] = Field(default_factory=_default_phases)
    budget: float | None = Field(None, gt=0, description="programme budget (default: 06's budget, else 05's "
                                                          "total investment)")
    currency: str | None = None
    start: date | None = Field(None, description="first day of month 1 (default: the engagement's date)")
    review_every: int = Field(3, ge=1, description="months between reviews (doc 002: quarterly)")
    grade_lines: dict[Literal["pass", "excellent", "outstanding"], float] = Field(
        default_factory=lambda: {"pass": 80.0, "excellent": 90.0, "outstanding": 95.0})
    auto_items: bool = Field(True, description="place 03's focus drivers and 04's top causes / 5-Why "
                                               "countermeasures on the roadmap")
    max_auto_items: int = Field(3, ge=0)

    @field_validator("phases")
    @classmethod
    def _phases(cls, v: list[Phase]) -> list[Phase]:
        if not v:
            raise ValueError("give at least one phase")
        names = [p.name for p in v]
        if len(set(names)) != len(names):
            raise ValueError(f"phase names must be unique: {names}")
        return v


def parse_params(section: Mapping[str, Any] | ActionPlanParams | None) -> ActionPlanParams:
    """The validated section (a ``ConfigError`` naming ``action_plan.<key>`` on a problem).

    >>> parse_params({}).phases[1].budget_share
    0.35
    """
    from pydantic import ValidationError

    if isinstance(section, ActionPlanParams):
        return section
    try:
        return ActionPlanParams.model_validate(dict(section or {}))
    except ValidationError as exc:
        raise ConfigError([Problem("engagement.yaml", "action_plan." + ".".join(str(x) for x in e["loc"]),
                                   e["msg"]) for e in exc.errors()]) from None


def text_in(label: Any, lang: str, default: str = "") -> str:
    """A display text from a ``{zh, en}`` dict or a plain string, else ``default``.

    >>> text_in({"zh": "铂金", "en": "Platinum"}, "en"), text_in(None, "zh", "x")
    ('Platinum', 'x')
    """
    if isinstance(label, dict):
        return str(label.get(lang) or next(iter(label.values()), default))
    return str(label) if label else default


# =========================================================================== pilot: statistics
def did(y: Sequence[float], pilot: Sequence[int], after: Sequence[int], cluster: Sequence[Any] | None = None,
        confidence: float = 0.95) -> dict[str, Any]:
    """Difference-in-differences by OLS with the interaction term.

    Fits ``y = b0 + b1·pilot + b2·after + b3·pilot·after + e``; ``b3`` = (ȳ_pilot,after − ȳ_pilot,before) −
    (ȳ_control,after − ȳ_control,before). Standard error: classical, ``s²(X'X)⁻¹`` with t on N − 4 df; with
    ``cluster``, CR1 ``G/(G−1)·(N−1)/(N−4)·(X'X)⁻¹ Σ_g X_g'u_g u_g'X_g (X'X)⁻¹`` with t on G − 1 df
    (Cameron & Miller 2015; statsmodels ``OLS(...).fit(cov_type="cluster", use_t=True)``).

    Parameters
    ----------
    y : outcome per row (NaN rows are dropped)
    pilot, after : 0/1 indicators
    cluster : cluster id per row (None: classical errors)
    confidence : level of the interval

    Returns
    -------
    dict with ``estimate``, ``se``, ``ci`` [low, high], ``p`` (two-sided), ``df``, ``n``, ``clusters``
    (None without clustering), ``cells`` {pilot_before, pilot_after, control_before, control_after} means,
    ``counts`` (rows per cell), ``sd`` (residual SD).

    Examples
    --------
    >>> r = did([1, 2, 3, 5, 1, 2, 2, 3], [1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 0, 0, 1, 1])
    >>> r["estimate"], r["cells"]["pilot_after"]
    (1.5, 4.0)
    """
    import numpy as np
    from scipy import stats

    yv = np.asarray(y, dtype=float)
    t = np.asarray(pilot, dtype=float)
    a = np.asarray(after, dtype=float)
    ok = np.isfinite(yv) & np.isfinite(t) & np.isfinite(a)
    g = None
    if cluster is not None:
        import pandas as pd
        gs = pd.Series(list(cluster))
        ok &= gs.notna().to_numpy()
        g = pd.factorize(gs[ok])[0]
    yv, t, a = yv[ok], t[ok], a[ok]
    X = np.column_stack([np.ones_like(yv), t, a, t * a])
    n, k = X.shape
    counts = {"pilot_before": int(((t == 1) & (a == 0)).sum()), "pilot_after": int(((t == 1) & (a == 1)).sum()),
              "control_before": int(((t == 0) & (a == 0)).sum()), "control_after": int(((t == 0) & (a == 1)).sum())}
    if min(counts.values()) < 2:
        raise DataError("difference-in-differences needs at least 2 rows in each of pilot/control × before/after, "
                        f"got {counts}")
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ (X.T @ yv)
    u = yv - X @ beta
    sd = float(math.sqrt(float(u @ u) / (n - k)))
    if g is None:
        cov = xtx_inv * (float(u @ u) / (n - k))
        df, n_groups = n - k, None
    else:
        n_groups = int(g.max()) + 1
        if n_groups < 2:
            raise DataError("cluster-robust errors need at least 2 clusters")
        scores = np.zeros((n_groups, k))
        np.add.at(scores, g, X * u[:, None])
        meat = scores.T @ scores
        c = n_groups / (n_groups - 1) * (n - 1) / (n - k)
        cov = c * xtx_inv @ meat @ xtx_inv
        df = n_groups - 1
    est, se = float(beta[3]), float(math.sqrt(cov[3, 3]))
    q = float(stats.t.ppf(0.5 + confidence / 2, df))
    p = float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else (0.0 if est else 1.0)
    cells = {"control_before": float(beta[0]), "pilot_before": float(beta[0] + beta[1]),
             "control_after": float(beta[0] + beta[2]), "pilot_after": float(beta.sum())}
    return {"estimate": est, "se": se, "ci": [est - q * se, est + q * se], "p": p, "df": int(df), "n": int(n),
            "clusters": n_groups, "cells": cells, "counts": counts, "sd": sd}


def target_change(target: PilotTarget | Mapping[str, Any], baseline: float) -> float:
    """The target as a change in the measure's units: ``change``, or ``change × baseline`` when relative.

    >>> target_change({"change": -0.15, "relative": True}, 0.12)
    -0.018
    """
    t = target if isinstance(target, Mapping) else target.model_dump()
    return round(float(t["change"]) * float(baseline), 12) if t.get("relative") else float(t["change"])


def judge(change: float, target_change: float, tol: float = 1e-9) -> dict[str, Any]:
    """Target attainment: ``attainment = change / target`` (direction-aware), met when ≥ 1,
    ``shortfall`` = how much of the target is missing (0 when met; same units as the change).

    >>> judge(-0.04, -0.018)["met"], judge(9, 10)["shortfall"]
    (True, 1.0)
    """
    att = float(change) / float(target_change)
    met = bool(att >= 1 - tol)
    return {"met": met, "attainment": round(att, 12),
            "shortfall": 0.0 if met else round(float(target_change) - float(change), 12)}


def power_as_run(metric: str, target: float, baseline: float, counts: Mapping[str, int], sd: float | None = None,
                 alpha: float = 0.05) -> float | None:
    """Power of the pilot as run to detect the target change (two-sided), with 01's power functions.

    The difference-in-differences variance ``σ²(1/n_pb + 1/n_pa + 1/n_cb + 1/n_ca)`` equals that of a
    two-sample comparison of effective sizes ``n_p = 1/(1/n_pb + 1/n_pa)`` and ``n_c = 1/(1/n_cb + 1/n_ca)``,
    so :func:`cxkit.sampling.power_mean` (t test, SD ``sd``) or :func:`cxkit.sampling.power_proportion`
    (Cohen's h from ``baseline`` to ``baseline + target``) apply. Rows are taken as independent (repeated
    measures of a customer make the real test stronger, clustering weaker). ``counts`` without the
    ``*_before`` keys (summary figures) is the plain two-sample power of ``pilot`` vs ``control``.

    >>> round(power_as_run("mean", 10, 82, {"pilot": 500, "control": 500}, sd=12), 4)
    1.0
    """
    from . import sampling

    if "pilot" in counts:
        n1, n2 = float(counts["pilot"]), float(counts["control"])
    else:
        n1 = 1 / (1 / counts["pilot_before"] + 1 / counts["pilot_after"])
        n2 = 1 / (1 / counts["control_before"] + 1 / counts["control_after"])
    if metric == "proportion":
        p2 = baseline + target
        if not (0 < baseline < 1 and 0 < p2 < 1):
            return None
        return sampling.power_proportion(baseline, p2, n1, n2, alpha)
    if not sd:
        return None
    pw = sampling.power_mean(target, sd, n1, n2, alpha)
    if not math.isfinite(pw):          # statsmodels' noncentral t underflows at very high power: normal limit
        from scipy import stats
        z = abs(target) / (sd * math.sqrt(1 / n1 + 1 / n2))
        q = stats.norm.ppf(1 - alpha / 2)
        pw = float(stats.norm.sf(q - z) + stats.norm.cdf(-q - z))
    return pw


def ab_lift(x1: int, n1: int, x0: int, n0: int, confidence: float = 0.95) -> dict[str, Any]:
    """Conversion lift of an A/B test (treated x1/n1 vs control x0/n0).

    ``diff = p1 − p0`` with the Wald interval ``diff ± z·√(p1(1−p1)/n1 + p0(1−p0)/n0)``; ``lift = p1/p0 − 1``
    with the Katz log interval ``exp(log(p1/p0) ± z·√(1/x1 − 1/n1 + 1/x0 − 1/n0)) − 1``; ``p`` of the pooled
    two-proportion z test. References: statsmodels ``confint_proportions_2indep`` (``wald``; ``ratio``/``log``)
    and ``proportions_ztest``.

    >>> r = ab_lift(336, 2800, 2520, 25200)
    >>> round(r["lift"], 3), round(r["diff"], 3)
    (0.2, 0.02)
    """
    from scipy import stats

    if min(n1, n0) < 1:
        raise DataError("an A/B test needs customers in both groups")
    p1, p0 = x1 / n1, x0 / n0
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    diff = p1 - p0
    pp = (x1 + x0) / (n1 + n0)
    se0 = math.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n0))
    p = float(2 * stats.norm.sf(abs(diff) / se0)) if se0 > 0 else 1.0
    if x1 > 0 and x0 > 0:
        lr = math.log(p1 / p0)
        sl = math.sqrt(1 / x1 - 1 / n1 + 1 / x0 - 1 / n0)
        lift_ci = [math.exp(lr - z * sl) - 1, math.exp(lr + z * sl) - 1]
        lift = p1 / p0 - 1
    else:
        lift, lift_ci = (None, [None, None])
    return {"p_treated": p1, "p_control": p0, "diff": diff, "diff_ci": [diff - z * se, diff + z * se],
            "lift": lift, "lift_ci": lift_ci, "p": p, "n_treated": int(n1), "n_control": int(n0)}


# =========================================================================== pilot: data
def read_pilot(path: str, pilot: PilotParams, region: str | None = None):
    """The pilot file's rows of ``region`` with 0/1 columns ``_pilot`` and ``_after`` added.

    Raises :class:`DataError` naming the file and column when a declared column is missing or a group /
    period value is not one of the declared values.
    """
    from .io import read_table

    df = read_table(path)[0]
    need = [pilot.group_column, pilot.period_column, pilot.tier_column] + ([pilot.cluster] if pilot.cluster else [])
    for col in need:
        if col not in df.columns:
            raise DataError(f"the pilot file has no column '{col}'", file=str(path), column=col,
                            hint="name the columns in action_plan.pilot (group_column, period_column, tier_column, "
                                 "cluster)")
    if pilot.region_column and pilot.region_column in df.columns and region:
        df = df[df[pilot.region_column].astype(str) == region]
    for col, allowed in ((pilot.group_column, (pilot.pilot_value, pilot.control_value)),
                         (pilot.period_column, (pilot.before_value, pilot.after_value))):
        vals = df[col].astype(str)
        bad = sorted(set(vals) - set(allowed))
        if bad:
            rows = [int(i) + 2 for i in df.index[~vals.isin(allowed)][:5]]
            raise DataError(f"the pilot file's column '{col}' holds {', '.join(map(repr, bad[:5]))}; "
                            f"expected {' or '.join(map(repr, allowed))}", file=str(path), column=col, rows=rows)
    df = df.assign(_pilot=(df[pilot.group_column].astype(str) == pilot.pilot_value).astype(int),
                   _after=(df[pilot.period_column].astype(str) == pilot.after_value).astype(int))
    return df.reset_index(drop=True)


def evaluate_pilot(data, pilot: PilotParams | Mapping[str, Any], region: str = "", confidence: float = 0.95):
    """One row per target: cell means, change, target, verdict, difference-in-differences and power.

    ``data``: the region's pilot rows (:func:`read_pilot`) or None. A target is evaluated from the file when
    its tier has rows and its ``column`` exists, else from its summary figures, else skipped (listed in the
    second return value). Returns ``(rows, skipped)``; each row has the keys of ``pilot`` in
    docs/results.md plus ``label`` (the target's label) and ``attainment_effect``.

    >>> P = PilotParams(targets=[{"tier": "platinum", "column": "sat", "change": 10, "baseline": 82,
    ...                           "result": 91}])
    >>> rows, _ = evaluate_pilot(None, P, "east")
    >>> rows[0]["change"], rows[0]["met"], rows[0]["shortfall"], rows[0]["source"]
    (9.0, False, 1.0, 'summary')
    """
    import numpy as np

    P = pilot if isinstance(pilot, PilotParams) else PilotParams.model_validate(dict(pilot))
    rows, skipped = [], []
    for tg in P.targets:
        sub = None
        if data is not None and tg.column in data.columns:
            sub = data[data[P.tier_column].astype(str) == tg.tier]
            sub = sub[np.isfinite(sub[tg.column].to_numpy(dtype=float))]
            if sub.empty:
                sub = None
        row: dict[str, Any] = {"region": region, "tier": tg.tier, "metric": tg.metric, "column": tg.column,
                               "relative": tg.relative, "label": tg.label}
        if sub is not None:
            y = sub[tg.column].to_numpy(dtype=float)
            if tg.metric == "proportion" and not set(np.unique(y)) <= {0.0, 1.0}:
                raise DataError(f"the pilot measure '{tg.column}' is a proportion target but holds values other "
                                "than 0/1", column=tg.column)
            r = did(y, sub["_pilot"], sub["_after"], sub[P.cluster] if P.cluster else None, confidence)
            c = r["cells"]
            row.update(source="file", baseline=c["pilot_before"], result=c["pilot_after"],
                       control_baseline=c["control_before"], control_result=c["control_after"],
                       effect=r["estimate"], se=r["se"], ci=r["ci"], p=r["p"], df=r["df"],
                       n_pilot=int(sub.loc[sub["_pilot"] == 1, "_after"].size),
                       n_control=int(sub.loc[sub["_pilot"] == 0, "_after"].size), clusters=r["clusters"])
            counts, sd = r["counts"], r["sd"]
        elif tg.baseline is not None:
            has_c = tg.control_baseline is not None
            row.update(source="summary", baseline=float(tg.baseline), result=float(tg.result),
                       control_baseline=tg.control_baseline, control_result=tg.control_result,
                       effect=(tg.result - tg.baseline) - (tg.control_result - tg.control_baseline) if has_c else None,
                       se=None, ci=None, p=None, df=None, n_pilot=tg.n_pilot, n_control=tg.n_control, clusters=None)
            n1 = tg.n_pilot or P.per_tier
            n2 = tg.n_control or P.per_tier
            counts = {"pilot": n1, "control": n2} if n1 and n2 else None
            sd = tg.sd
        else:
            skipped.append(tg)
            continue
        row["change"] = row["result"] - row["baseline"]
        row["relative_change"] = row["change"] / row["baseline"] if row["baseline"] else None
        row["target_change"] = target_change(tg, row["baseline"])
        row.update(judge(row["change"], row["target_change"]))
        eff = row["effect"]
        row["attainment_effect"] = None if eff is None else round(eff / row["target_change"], 12)
        row["met_effect"] = None if eff is None else bool(row["attainment_effect"] >= 1 - 1e-9)
        row["power"] = (power_as_run(tg.metric, row["target_change"], row["baseline"], counts, sd, P.alpha)
                        if counts else None)
        rows.append(row)
    return rows, skipped


def rollout_decision(rows: Sequence[Mapping[str, Any]], rule: RolloutRule | Mapping[str, Any],
                     alpha: float = 0.05) -> dict[str, Any]:
    """go / extend / stop from the pilot rows (see :class:`RolloutRule`); ``decision`` None without rows.

    Each row's attainment is its effect (difference-in-differences) / target, or its observed change /
    target with ``basis: change`` or without a control. ``not_significant`` lists rows whose test has
    p ≥ alpha (they block "go" under ``require_significant``).

    >>> rows = [{"attainment": 0.9, "attainment_effect": 0.8, "p": 0.01}]
    >>> rollout_decision(rows, {})["decision"], rollout_decision(rows, {"extend_share": 0.85})["decision"]
    ('extend', 'stop')
    """
    R = rule if isinstance(rule, RolloutRule) else RolloutRule.model_validate(dict(rule))
    if not rows:
        return {"decision": None, "min_attainment": None, "not_significant": [], "basis": R.basis}
    att = [r["attainment_effect"] if R.basis == "effect" and r.get("attainment_effect") is not None
           else r["attainment"] for r in rows]
    lowest = min(att)
    nonsig = [i for i, r in enumerate(rows) if r.get("p") is not None and r["p"] >= alpha]
    if lowest >= R.go_share - 1e-9 and not (R.require_significant and nonsig):
        dec = "go"
    elif lowest >= R.extend_share - 1e-9:
        dec = "extend"
    else:
        dec = "stop"
    return {"decision": dec, "min_attainment": lowest, "not_significant": nonsig, "basis": R.basis}


def pilot_results(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The ``pilot`` key of the results (docs/results.md): the rows without display labels."""
    keys = ("region", "tier", "metric", "column", "relative", "source", "baseline", "result", "change",
            "relative_change", "target_change", "met", "attainment", "shortfall", "control_baseline",
            "control_result", "effect", "se", "ci", "p", "met_effect", "n_pilot", "n_control", "clusters", "power")
    return [{k: r.get(k) for k in keys} for r in rows]


# =========================================================================== risks
def risk_table(risks: Sequence[Risk | Mapping[str, Any]], value_per_point: float | None, lang: str = "en",
               points_years: float = 1.0):
    """The register as a DataFrame, highest score first.

    ``impact_money`` = ``impact`` (money) or ``impact × value_per_point × points_years`` (points; None without
    a value per point); ``score`` = ``probability × impact_money`` (the expected loss).

    >>> t = risk_table([{"name": "a", "probability": 0.2, "impact": 3, "unit": "points"}], 2e6)
    >>> float(t["impact_money"][0]), float(t["score"][0])
    (6000000.0, 1200000.0)
    """
    import pandas as pd

    recs = []
    for r in risks:
        r = r if isinstance(r, Risk) else Risk.model_validate(dict(r))
        money = float(r.impact) if r.unit == "money" else (
            None if value_per_point is None else float(r.impact) * float(value_per_point) * points_years)
        recs.append({"name": r.name, "label": text_in(r.label, lang, r.name), "category": r.category,
                     "probability": float(r.probability), "impact": float(r.impact), "unit": r.unit,
                     "impact_money": money, "score": None if money is None else r.probability * money,
                     "month": r.month, "owner": text_in(r.owner, lang), "mitigation": text_in(r.mitigation, lang),
                     "trigger": text_in(r.trigger, lang)})
    cols = ["name", "label", "category", "probability", "impact", "unit", "impact_money", "score", "month", "owner",
            "mitigation", "trigger"]
    df = pd.DataFrame(recs, columns=cols)
    if not df.empty:
        df = df.assign(_s=df["score"].fillna(-1.0)).sort_values(["_s", "name"], ascending=[False, True],
                                                                 kind="stable").drop(columns="_s")
    return df.reset_index(drop=True)


def risk_losses(table, n: int, seed: int, annual_rate: Any) -> Any:
    """Present value of the risk losses in each of ``n`` draws.

    Each risk k happens independently with probability p_k (one Bernoulli draw per Monte Carlo draw, from a
    generator seeded by ``seed`` and the risk's name); its loss L_k falls in month t_k and is discounted like
    05's cash flows: ``PV = Σ_k B_k · L_k / (1 + m)^t_k``, ``m = (1 + r)^(1/12) − 1``. ``annual_rate``: a
    scalar or one rate per draw (05's discount-rate draws). Risks without a money impact are left out.
    ``E[PV] = Σ_k p_k L_k (1 + m)^(−t_k)``.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"name": ["a"], "probability": [1.0], "impact_money": [110.0], "month": [12]})
    >>> float(risk_losses(t, 2, 1, 0.10)[0])
    100.0
    """
    import numpy as np

    rate = np.broadcast_to(np.asarray(annual_rate, dtype=float), (n,))
    log_m = np.log1p(rate) / 12.0
    out = np.zeros(n)
    for r in table.itertuples():
        if r.impact_money is None or not math.isfinite(r.impact_money):
            continue
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(f"risk:{r.name}".encode("utf-8"))])
        hit = rng.random(n) < r.probability
        out = out + hit * (r.impact_money * np.exp(-log_m * r.month))
    return out


def risk_adjusted(npv, losses) -> dict[str, Any]:
    """NPV draws minus the risk losses: mean, P10 / P50 / P90, P(NPV > 0), before and after.

    >>> r = risk_adjusted([10.0, 20.0, 30.0], [0.0, 5.0, 0.0])
    >>> r["npv_mean"], r["npv_mean_before"], r["expected_loss"]
    (18.333333333333332, 20.0, 1.6666666666666667)
    """
    import numpy as np

    v = np.asarray(npv, dtype=float)
    adj = v - np.asarray(losses, dtype=float)
    q = np.percentile(adj, [10, 50, 90])
    return {"npv_mean": float(adj.mean()), "npv_p10": float(q[0]), "npv_p50": float(q[1]), "npv_p90": float(q[2]),
            "p_npv_positive": float(np.mean(adj > 0)), "npv_mean_before": float(v.mean()),
            "p_npv_positive_before": float(np.mean(v > 0)), "expected_loss": float(np.mean(losses)),
            "draws": int(v.size)}


def plot_heatmap(table, *, title: str, xlabel: str, ylabel: str, scale: float = 1.0):
    """Probability × impact: risks as numbered points (their rank in ``table``) over a green → red field
    whose colour is the expected loss ``p × impact``."""
    import matplotlib.pyplot as plt
    import numpy as np

    t = table[table["impact_money"].notna()]
    fig, ax = plt.subplots(figsize=(7, 4.8))
    ymax = float(t["impact_money"].max() / scale) * 1.15 if len(t) else 1.0
    xs, ys = np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, ymax, 101))
    ax.contourf(xs, ys, xs * ys, levels=12, cmap="RdYlGn_r", alpha=0.55)
    ax.scatter(t["probability"], t["impact_money"] / scale, s=180, color="#1f2937", zorder=3)
    for i, r in zip(t.index, t.itertuples()):
        ax.annotate(str(i + 1), (r.probability, r.impact_money / scale), color="white", ha="center", va="center",
                    fontsize=8, fontweight="bold", zorder=4)
    ax.set(xlim=(0, 1), ylim=(0, ymax), title=title, xlabel=xlabel, ylabel=ylabel)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
    fig.tight_layout()
    return fig


# =========================================================================== roadmap
def add_months(start: date, months: int) -> date:
    """The first day of the month ``months`` after ``start``'s month.

    >>> add_months(date(2027, 1, 1), 6)
    datetime.date(2027, 7, 1)
    """
    k = start.year * 12 + start.month - 1 + months
    return date(k // 12, k % 12 + 1, 1)


def month_end(start: date | None, month: int) -> str | None:
    """ISO date of the last day of programme month ``month`` (month 1 starts at ``start``'s month).

    >>> month_end(date(2027, 1, 1), 3)
    '2027-03-31'
    """
    if start is None:
        return None
    from datetime import timedelta
    return (add_months(start, month) - timedelta(days=1)).isoformat()


def programme_month(start: date | None, day: str | None) -> int | None:
    """The programme month (1 = ``start``'s month) of an ISO date; None without either.

    >>> programme_month(date(2027, 1, 1), "2027-03-31")
    3
    """
    if start is None or not day:
        return None
    d = date.fromisoformat(str(day)[:10])
    return (d.year - start.year) * 12 + d.month - start.month + 1


def roadmap(phases: Sequence[Phase], budget: float | None, tol: float = 1e-6) -> tuple[list[dict], list[tuple]]:
    """Phases with their money, and the checks: shares summing to 100 %, sub-splits summing to 100 % of each
    phase, months without gaps or overlaps.

    Returns ``(phases, notes)``; a note is ``(i18n key, values)`` (warnings).

    >>> ph, notes = roadmap([Phase(name="p1", start_month=1, end_month=6, budget_share=1.0,
    ...                            splits={"a": 0.25, "b": 0.35, "c": 0.20})], 1e6)
    >>> round(ph[0]["splits_sum"], 2), notes[0][0]
    (0.8, 'action_plan.warn_split_sum')
    """
    out, notes = [], []
    total = sum(p.budget_share for p in phases)
    if abs(total - 1) > tol:
        notes.append(("action_plan.warn_share_sum", {"pct": f"{100 * total:.0f}"}))
    for i, p in enumerate(phases):
        s = sum(p.splits.values())
        ok = not p.splits or abs(s - 1) <= tol
        if not ok:
            notes.append(("action_plan.warn_split_sum", {"phase": p.name, "pct": f"{100 * s:.0f}",
                                                         "gap": f"{100 * abs(1 - s):.0f}"}))
        if i and p.start_month != phases[i - 1].end_month + 1:
            key = "action_plan.warn_overlap" if p.start_month <= phases[i - 1].end_month else "action_plan.warn_gap"
            notes.append((key, {"phase": p.name, "prev": phases[i - 1].name}))
        out.append({"name": p.name, "start_month": p.start_month, "end_month": p.end_month,
                    "budget_share": p.budget_share, "budget": None if budget is None else budget * p.budget_share,
                    "splits": dict(p.splits), "splits_sum": s if p.splits else None, "splits_ok": ok,
                    "kpi_target": p.kpi_target})
    return out, notes


def grade(score: float | None, lines: Mapping[str, float]) -> str | None:
    """Grade of a KPI composite score against the grade lines (doc 002: 80 pass, 90 excellent, 95 outstanding).

    >>> grade(92, {"pass": 80, "excellent": 90, "outstanding": 95})
    'excellent'
    """
    if score is None:
        return None
    out = "below"
    for g in GRADES:
        if g in lines and score >= lines[g]:
            out = g
    return out


def milestones(phases: Sequence[Mapping[str, Any]], lines: Mapping[str, float], start: date | None,
               current: float | None = None) -> list[dict[str, Any]]:
    """One milestone at the end of each phase with a KPI target: month, date, target, its grade, and the
    points still missing from the current composite (03's ``kpi_composite.score``).

    >>> m = milestones([{"name": "p1", "end_month": 6, "kpi_target": 80}], {"pass": 80}, date(2027, 1, 1), 82.7)
    >>> m[0]["date"], m[0]["grade"], round(m[0]["gap"], 1)
    ('2027-06-30', 'pass', -2.7)
    """
    out = []
    for p in phases:
        if p.get("kpi_target") is None:
            continue
        out.append({"phase": p["name"], "month": p["end_month"], "date": month_end(start, p["end_month"]),
                    "kpi_target": float(p["kpi_target"]), "grade": grade(p["kpi_target"], lines),
                    "gap": None if current is None else float(p["kpi_target"]) - float(current)})
    return out


def reviews(horizon: int, every: int, start: date | None) -> list[dict[str, Any]]:
    """Review points every ``every`` months up to ``horizon`` (doc 002: quarterly, and annual every 12).

    >>> [r["kind"] for r in reviews(12, 3, None)]
    ['quarterly', 'quarterly', 'quarterly', 'annual']
    """
    return [{"month": m, "date": month_end(start, m), "kind": "annual" if m % 12 == 0 else "quarterly"}
            for m in range(every, horizon + 1, every)]


def auto_items(diag: Mapping[str, Any] | None, rc: Mapping[str, Any] | None, root_cause: Mapping[str, Any] | None,
               start: date | None, limit: int = 3) -> list[dict[str, Any]]:
    """Roadmap items from upstream results (no action list exists before the summary runs):

    - 03's focus drivers: IPA ``concentrate`` quadrant overall, else per tier (``tier_ipa``) → month 1;
    - 04's high-priority causes (``priorities`` level High, ranked) → month 1;
    - 04's 5-Why chains with a due date → the month of the due date, month 1 when already due (labels from
      ``root_cause.chains``).

    Each item: ``{kind: driver|cause|chain, key, tier?, month, chain?}`` (the notebook writes the text).

    >>> auto_items({"ipa": {"value": "concentrate", "empathy": "keep_up"}}, None, None, None)
    [{'kind': 'driver', 'key': 'value', 'tier': None, 'month': 1}]
    """
    items: list[dict[str, Any]] = []
    if diag:
        focus = [(d, None) for d, q in (diag.get("ipa") or {}).items() if q == "concentrate"]
        if not focus:
            focus = [(d, t) for t, m in (diag.get("tier_ipa") or {}).items() for d, q in m.items() if q == "concentrate"]
        items += [{"kind": "driver", "key": d, "tier": t, "month": 1} for d, t in focus[:limit]]
    if rc:
        pri = [p for p in (rc.get("priorities") or []) if p.get("level") == "High"]
        items += [{"kind": "cause", "key": p["category"], "tier": None, "month": 1} for p in pri[:limit]]
        chains = {c.get("id"): c for c in ((root_cause or {}).get("chains") or [])}
        for c in rc.get("chains") or []:
            m = programme_month(start, c.get("due"))
            if m is not None:            # due before month 1: overdue, so first
                items.append({"kind": "chain", "key": c["id"], "tier": None, "month": max(m, 1),
                              "chain": chains.get(c["id"])})
    return items


def place_items(phases: Sequence[Mapping[str, Any]], items: Sequence[Mapping[str, Any]]) -> list[int | None]:
    """The index of the phase each item's month falls in (None: after the last phase).

    >>> place_items([{"start_month": 1, "end_month": 6}, {"start_month": 7, "end_month": 18}], [{"month": 9}])
    [1]
    """
    out = []
    for it in items:
        k = next((i for i, p in enumerate(phases) if p["start_month"] <= it["month"] <= p["end_month"]), None)
        out.append(k)
    return out


def shorten(text: str, width: int = 50) -> str:
    """``text`` cut to ``width`` display columns (a CJK character counts 2) with an ellipsis.

    >>> shorten("Lift a focus driver: Reliability (Gold)"), shorten("按出菜流程重排厨房工位，设置出菜口调度", 20)
    ('Lift a focus driver: Reliability (Gold)', '按出菜流程重排厨房…')
    """
    out, used = "", 0
    for ch in text:
        w = 2 if ord(ch) > 0x2E7F else 1
        if used + w > width - 1 and len(out) < len(text):
            rest = sum(2 if ord(c) > 0x2E7F else 1 for c in text[len(out):])
            if used + rest <= width:
                return text
            return out + "…"
        out += ch
        used += w
    return out


def plot_gantt(phases: Sequence[Mapping[str, Any]], phase_labels: Sequence[str],
               rows: Sequence[tuple[str, float, float]], milestones: Sequence[Mapping[str, Any]],
               review_months: Sequence[int], *, title: str, xlabel: str, milestone_text: str = "{target}"):
    """The roadmap: one bar per phase (with its budget share), then one bar per item / wave ``(label, start,
    end)`` in months, diamonds at milestones (KPI target written beside), dotted lines at reviews."""
    import matplotlib.pyplot as plt
    import numpy as np

    from .theme import PALETTE

    n = len(phases) + len(rows)
    fig, ax = plt.subplots(figsize=(9, 0.38 * n + 1.6))
    horizon = max([p["end_month"] for p in phases] + [e for _, _, e in rows] + [1])
    for i, p in enumerate(phases):
        ax.barh(i, p["end_month"] - p["start_month"] + 1, left=p["start_month"] - 1, color=PALETTE[i % len(PALETTE)],
                height=0.7)
        ax.text(p["start_month"] - 0.6, i, f"{100 * p['budget_share']:.0f}%", va="center", color="white",
                fontsize=8, fontweight="bold")
    for j, (_, s, e) in enumerate(rows):
        ax.barh(len(phases) + j, max(e - s + 1, 0.6), left=s - 1, color="#9aa5b1", height=0.45)
    for m in milestones:
        k = next((i for i, p in enumerate(phases) if p["name"] == m["phase"]), None)
        if k is None:
            continue
        ax.scatter([m["month"]], [k], marker="D", s=70, color="#111827", zorder=3)
        ax.text(m["month"] + 0.4, k - 0.38, milestone_text.format(target=f"{m['kpi_target']:.0f}"), fontsize=8)
    for r in review_months:
        ax.axvline(r, color="#6b7280", ls=":" if r % 12 else "--", lw=0.8, zorder=0)
    ax.set_yticks(np.arange(n), [shorten(s) for s in list(phase_labels) + [r[0] for r in rows]], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, horizon + 2)
    ax.set_xticks(np.arange(0, horizon + 1, 6))
    ax.set(title=title, xlabel=xlabel)
    ax.grid(axis="y", alpha=0)
    fig.tight_layout()
    return fig


# =========================================================================== page helpers (text via ``t``)
def fmt_level(value: float | None, metric: str) -> str:
    """A level for the page: a mean with one decimal, a proportion as a percentage.

    >>> fmt_level(82, "mean"), fmt_level(0.12, "proportion")
    ('82.0', '12.0%')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * value:.1f}%" if metric == "proportion" else f"{value:.1f}"


def fmt_change(value: float | None, metric: str, t, relative_to: float | None = None) -> str:
    """A change for the page: ``+9.0 points``; a proportion in percentage points, with the relative change
    when ``relative_to`` is given (``−4.0 pp (−33%)``). ``t``: the playbook's translator."""
    if value is None:
        return "–"
    if metric == "proportion":
        s = t("action_plan.pp", v=f"{100 * value:+.1f}")
        if relative_to:
            s += f" ({100 * value / relative_to:+.0f}%)"
        return s
    return t("action_plan.points", v=f"{value:+.1f}")


def fmt_target(row: Mapping[str, Any], t) -> str:
    """The target as stated (``+10 points``, ``−15%``) and, for a relative target, in the measure's units."""
    if row["relative"]:
        tc = row["target_change"] / row["baseline"] if row["baseline"] else None
        rel = f"{100 * tc:+.0f}%" if tc is not None else "–"
        return f"{rel} ({fmt_change(row['target_change'], row['metric'], t)})"
    return fmt_change(row["target_change"], row["metric"], t)


def target_label(row: Mapping[str, Any], lang: str, tier_label, t) -> str:
    """The target's own label, else "<tier> · <measure>"."""
    return text_in(row.get("label"), lang, f"{tier_label(row['tier'])} · {row['column']}")


def verdict(row: Mapping[str, Any], t, lang: str, tier_label) -> tuple[str, str]:
    """The sentence judging one target against its stated change, and the note kind (ok / warn)."""
    words = {"target": target_label(row, lang, tier_label, t), "base": fmt_level(row["baseline"], row["metric"]),
             "result": fmt_level(row["result"], row["metric"]),
             "change": fmt_change(row["change"], row["metric"], t, row["baseline"] if row["relative"] else None),
             "goal": fmt_target(row, t), "pct": f"{100 * row['attainment']:.0f}",
             "short": fmt_change(-row["shortfall"] if row["target_change"] < 0 else row["shortfall"], row["metric"],
                                 t).lstrip("+")}
    return (t("action_plan.verdict_met", **words), "ok") if row["met"] else \
        (t("action_plan.verdict_not_met", **words), "warn")


def effect_text(row: Mapping[str, Any], t) -> str | None:
    """The difference-in-differences sentence (effect, interval, p, clusters), None without a control."""
    if row.get("effect") is None:
        return None
    if row.get("ci") is None:
        return t("action_plan.effect_summary", effect=fmt_change(row["effect"], row["metric"], t))
    key = "action_plan.effect_cluster" if row.get("clusters") else "action_plan.effect_ols"
    lo, hi = row["ci"]
    return t(key, effect=fmt_change(row["effect"], row["metric"], t), lo=fmt_change(lo, row["metric"], t),
             hi=fmt_change(hi, row["metric"], t), p=p_text(row["p"]), clusters=row.get("clusters") or 0,
             att=f"{100 * row['attainment_effect']:.0f}")


def fmt_p(p: float | None) -> str:
    """p for the page: ``< 0.001`` or three decimals.

    >>> fmt_p(0.0004), fmt_p(0.0312)
    ('< 0.001', '0.031')
    """
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_text(p: float | None) -> str:
    """``p = 0.031`` / ``p < 0.001`` for running text.

    >>> p_text(0.0004), p_text(0.5)
    ('p < 0.001', 'p = 0.500')
    """
    s = fmt_p(p)
    return f"p {s}" if s.startswith("<") else f"p = {s}"


def pilot_table(rows: Sequence[Mapping[str, Any]], t, lang: str, tier_label):
    """The pilot rows as a display table (translated headers, formatted cells)."""
    import pandas as pd

    recs = []
    for r in rows:
        m = r["metric"]
        recs.append({
            t("action_plan.col_target"): target_label(r, lang, tier_label, t),
            t("action_plan.col_pilot"): f"{fmt_level(r['baseline'], m)} → {fmt_level(r['result'], m)}",
            t("action_plan.col_change"): fmt_change(r["change"], m, t, r["baseline"] if r["relative"] else None),
            t("action_plan.col_goal"): fmt_target(r, t),
            t("action_plan.col_verdict"): t("action_plan.met") if r["met"] else t("action_plan.not_met"),
            t("action_plan.col_control"): (f"{fmt_level(r['control_baseline'], m)} → {fmt_level(r['control_result'], m)}"
                                           if r.get("control_baseline") is not None else "–"),
            t("action_plan.col_effect"): fmt_change(r.get("effect"), m, t),
            t("action_plan.col_ci"): ("–" if not r.get("ci") else
                                      f"[{fmt_change(r['ci'][0], m, t)}, {fmt_change(r['ci'][1], m, t)}]"),
            t("action_plan.col_p"): fmt_p(r.get("p")),
            t("action_plan.col_power"): "–" if r.get("power") is None else f"{100 * r['power']:.0f}%",
        })
    return pd.DataFrame(recs)


def risk_display(table, t, scale: float = 1.0):
    """The register as a display table: number (as on the heat map), risk, category, probability, impact,
    expected loss, owner, mitigation, trigger."""
    import pandas as pd

    def imp(r):
        if r.unit == "points":
            pts = t("action_plan.points", v=f"{r.impact:.1f}").lstrip("+")
            priced = r.impact_money is not None and math.isfinite(r.impact_money)
            return f"{pts} ≈ {r.impact_money / scale:,.2f}" if priced else pts
        return f"{r.impact / scale:,.2f}"

    return pd.DataFrame({
        "#": [str(i + 1) for i in range(len(table))],
        t("action_plan.col_risk"): list(table["label"]),
        t("action_plan.col_category"): [t(f"action_plan.cat_{c}") if c in RISK_CATEGORIES else c
                                        for c in table["category"]],
        t("action_plan.col_probability"): [f"{100 * p:.0f}%" for p in table["probability"]],
        t("action_plan.col_impact"): [imp(r) for r in table.itertuples()],
        t("action_plan.col_score"): ["–" if s is None or s != s else f"{s / scale:,.2f}" for s in table["score"]],
        t("action_plan.col_owner"): list(table["owner"]),
        t("action_plan.col_mitigation"): list(table["mitigation"]),
        t("action_plan.col_trigger"): list(table["trigger"]),
    })


RISK_CATEGORIES = ("market", "technology", "operations", "compliance")


def risk_npv(roi_section: Mapping[str, Any] | None, diag: Mapping[str, Any] | None, roi_results: Any,
             table, seed: int) -> tuple[dict[str, Any] | None, list[tuple[str, dict]]]:
    """Risk-adjusted NPV: 05's Monte Carlo (same inputs and seed, so the same draws), minus the risk losses.

    ``roi_results``: 05's typed results (:class:`cxkit.results.RoiResults`, via ``pb.upstream``); without them
    (05 not run) the result is None. The draws are re-made with :func:`cxkit.roi.monte_carlo` and checked
    against 05's ``npv_mean``; without uncertainty in 05 the risk events are drawn around its base NPV.
    Returns ``(summary, notes)``.
    """
    import numpy as np

    from . import roi

    if roi_results is None or not roi_section:
        return None, [("action_plan.risk_no_roi", {})]
    notes: list[tuple[str, dict]] = []
    model = roi.build_model(roi_section, diag)
    n_draws = int(getattr(roi_results, "mc_draws", 0) or 0)
    if model.uncertainty and n_draws:
        mc = roi.monte_carlo(model, n=n_draws, seed=seed)
        npvs = mc["npv"]
        rate = mc["draws"].get("discount_rate", model.base["discount_rate"])
        ref = getattr(roi_results, "npv_mean", None)
        if ref is None or abs(mc["npv_mean"] - ref) > 1e-6 * max(1.0, abs(ref)):
            notes.append(("action_plan.risk_mc_differs", {}))
    else:
        n_draws = int(model.params.draws or 10_000)
        npvs = np.full(n_draws, float(roi_results.npv))
        rate = model.base["discount_rate"]
        notes.append(("action_plan.risk_no_mc", {}))
    losses = risk_losses(table, n_draws, seed, rate)
    return risk_adjusted(npvs, losses), notes


def phase_label(phase: Phase | Mapping[str, Any], lang: str, t, i: int) -> str:
    """A phase's display name: its label, else "Phase i"."""
    p = phase if isinstance(phase, Mapping) else phase.model_dump()
    return text_in(p.get("label"), lang, t("action_plan.phase_n", n=i + 1))


def item_text(item: Mapping[str, Any], t, lang: str, scale_label, tier_label, cause_label) -> str:
    """The display text of an automatic roadmap item (see :func:`auto_items`)."""
    if item["kind"] == "driver":
        d = scale_label(item["key"])
        return t("action_plan.item_driver_tier", driver=d, tier=tier_label(item["tier"])) if item["tier"] else \
            t("action_plan.item_driver", driver=d)
    if item["kind"] == "cause":
        name = cause_label.get(item["key"], item["key"]) if isinstance(cause_label, Mapping) else cause_label(item["key"])
        return t("action_plan.item_cause", cause=name)
    ch = item.get("chain") or {}
    return t("action_plan.item_chain", action=text_in(ch.get("countermeasure"), lang, item["key"]),
             kpi=text_in(ch.get("kpi"), lang, "–"))


def cause_labels(root_cause: Mapping[str, Any] | None, lang: str) -> dict[str, str]:
    """Category labels of 04's fishbone codebook (``root_cause.codebook``), empty when it cannot be read."""
    from .errors import CxError

    try:
        from .rootcause import load_codebook
        cb = load_codebook((root_cause or {}).get("codebook") or "service_fishbone")
        return {c: cb.category_label(c, lang) for c in cb.categories}
    except (CxError, OSError):
        return {}


def roadmap_table(phases: Sequence[Mapping[str, Any]], params: Sequence[Phase], t, lang: str, scale: float,
                  start: date | None, unit: str = ""):
    """Phases as a display table: months (and dates), budget share and amount, sub-splits and their sum."""
    import pandas as pd

    recs = []
    for i, (p, pp) in enumerate(zip(phases, params)):
        split = "、".join if lang == "zh" else ", ".join
        parts = [f"{text_in(pp.split_labels.get(k), lang, k)} {100 * v:.0f}%" for k, v in p["splits"].items()]
        when = t("action_plan.months", a=p["start_month"], b=p["end_month"])
        if start is not None:
            when += f" ({add_months(start, p['start_month'] - 1).isoformat()} – {month_end(start, p['end_month'])})"
        recs.append({t("action_plan.col_phase"): phase_label(pp, lang, t, i), t("action_plan.col_months"): when,
                     t("action_plan.col_share"): f"{100 * p['budget_share']:.0f}%",
                     t("action_plan.col_budget", unit=unit): "–" if p["budget"] is None else f"{p['budget'] / scale:,.2f}",
                     t("action_plan.col_splits"): split(parts) if parts else "–",
                     t("action_plan.col_splits_sum"): ("–" if p["splits_sum"] is None else
                                                       f"{100 * p['splits_sum']:.0f}%" +
                                                       ("" if p["splits_ok"] else " ⚠"))})
    return pd.DataFrame(recs)


def start_date(P: ActionPlanParams, params: Mapping[str, Any]) -> date | None:
    """Month 1's first day: ``action_plan.start``, else the engagement's ``date``, else None (months only).

    >>> start_date(parse_params({}), {"date": "2026-11-30"})
    datetime.date(2026, 11, 30)
    """
    if P.start is not None:
        return P.start
    d = params.get("date")
    try:
        return date.fromisoformat(str(d)[:10]) if d else None
    except ValueError:
        return None


def phase_note_values(values: Mapping[str, Any], phases: Sequence[Phase], lang: str, t) -> dict[str, Any]:
    """The values of a roadmap note with phase names replaced by their display labels."""
    names = {p.name: phase_label(p, lang, t, i) for i, p in enumerate(phases)}
    return {**values, **{k: names.get(values[k], values[k]) for k in ("phase", "prev") if k in values}}


def milestone_table(ms: Sequence[Mapping[str, Any]], phases: Sequence[Phase], t, lang: str):
    """Milestones as a display table: phase, month (date), KPI composite target, grade, points still needed."""
    import pandas as pd

    names = {p.name: phase_label(p, lang, t, i) for i, p in enumerate(phases)}
    return pd.DataFrame({
        t("action_plan.col_phase"): [names.get(m["phase"], m["phase"]) for m in ms],
        t("action_plan.col_when"): [t("action_plan.month_n", n=m["month"]) + (f" ({m['date']})" if m["date"] else "")
                                    for m in ms],
        t("action_plan.col_kpi_target"): [f"{m['kpi_target']:.0f}" for m in ms],
        t("action_plan.col_grade"): [t(f"action_plan.grade_{m['grade']}") for m in ms],
        t("action_plan.col_gap"): ["–" if m["gap"] is None else f"{m['gap']:+.1f}" for m in ms]})


def gantt_rows(texts: Sequence[str], items: Sequence[Mapping[str, Any]], where: Sequence[int | None],
               phases: Sequence[Mapping[str, Any]], waves: Sequence[Wave], lang: str,
               pilot: tuple[str, int] | None = None, params: Sequence[Phase] = ()) -> list[tuple[str, int, int]]:
    """Bars under the phases: the pilot ``(label, months)``, the rollout waves, the phases' own items (over
    their phase, from ``params``) and each placed automatic item (a 5-Why countermeasure from its phase's
    start to its due month, other items over their phase).

    >>> gantt_rows(["a"], [{"kind": "driver", "month": 1}], [0], [{"start_month": 1, "end_month": 6}], [], "en",
    ...            ("Pilot", 3))
    [('Pilot', 1, 3), ('a', 1, 6)]
    """
    rows = [(pilot[0], 1, pilot[1])] if pilot else []
    rows += [(text_in(w.label, lang, w.name), w.start_month, w.end_month) for w in waves]
    rows += [(text_in(x, lang), p.start_month, p.end_month) for p in params for x in p.items]
    for s, it, k in zip(texts, items, where):
        if k is None:
            continue
        a, b = phases[k]["start_month"], phases[k]["end_month"]
        rows.append((s, a, max(it["month"], a) if it["kind"] == "chain" else b))
    return rows
