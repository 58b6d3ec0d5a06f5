"""Contact-centre staffing rules of the documents (notebook 06).

Rules (document 002, agent health standard from 003):

- agents for the peak: ``ceil(peak_volume / contacts_per_agent_peak)`` (2,000 → 250 at 8);
- flexible headcount: ``ceil(agents · (1 + flex_share))`` (250 → 288 at 15%);
- experts: at least ``ceil(expert_share · headcount)`` (30%);
- training budget: ``training_share`` (20%) of labour cost, ``training_hours`` (120 h) per agent a year;
- load check: ``daily_inquiries / agents_staffed`` against the standard of 40 inquiries per agent
  per day (12,000 / 200 = 60, above the standard; 12,000 / 40 → 300 agents needed).

These are the documents' rules of thumb, not a queueing model (Erlang C would need arrival
rates per interval and handling times, which the documents do not give).

Example
-------
>>> staffing_plan(peak_volume=2000)["headcount_with_flex"]
288
"""
from __future__ import annotations

import math
from typing import Any

from .errors import ConfigError


def _positive(name: str, v: Any, *, integer: bool = False) -> float:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
    if not ok or (integer and float(v) != int(v)):
        kind = "a positive whole number" if integer else "a positive number"
        raise ConfigError(f"allocation.staffing.{name} must be {kind}, got {v!r}")
    return float(v)


def _share(name: str, v: Any) -> float:
    if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= 1):
        raise ConfigError(f"allocation.staffing.{name} must be a share between 0 and 1, got {v!r}")
    return float(v)


def _ceil(x: float) -> int:
    """Ceiling that ignores floating-point dust (250 × 1.15 = 287.49999… → 288, 2000/8 → 250)."""
    return int(math.ceil(round(x, 9)))


def agents_for_peak(peak_volume: float, contacts_per_agent: float = 8) -> int:
    """``ceil(peak_volume / contacts_per_agent)``.

    >>> agents_for_peak(2000)
    250
    """
    return _ceil(_positive("peak_volume", peak_volume) / _positive("contacts_per_agent_peak", contacts_per_agent))


def with_flex(agents: int, flex_share: float = 0.15) -> int:
    """Headcount with flexible staff: ``ceil(agents · (1 + flex_share))``.

    >>> with_flex(250)
    288
    """
    return _ceil(agents * (1 + _share("flex_share", flex_share)))


def agents_for_load(daily_inquiries: float, load_standard: float = 40) -> int:
    """Agents needed so each handles at most ``load_standard`` inquiries a day.

    >>> agents_for_load(12000)
    300
    """
    return _ceil(_positive("daily_inquiries", daily_inquiries) / _positive("load_standard", load_standard))


def load_check(daily_inquiries: float, agents_staffed: int, load_standard: float = 40) -> dict[str, Any]:
    """Inquiries per staffed agent per day, and whether it exceeds the standard.

    >>> load_check(12000, 200)
    {'load': 60.0, 'standard': 40.0, 'over': True, 'agents_needed': 300, 'shortfall': 100}
    """
    d = _positive("daily_inquiries", daily_inquiries)
    a = _positive("agents_staffed", agents_staffed, integer=True)
    std = _positive("load_standard", load_standard)
    need = agents_for_load(d, std)
    load = d / a
    return {"load": load, "standard": std, "over": bool(load > std + 1e-9), "agents_needed": need,
            "shortfall": max(0, need - int(a))}


def staffing_plan(*, peak_volume: float | None = None, contacts_per_agent_peak: float = 8,
                  flex_share: float = 0.15, expert_share: float = 0.30, training_share: float = 0.20,
                  training_hours: float = 120, daily_inquiries: float | None = None,
                  agents_staffed: int | None = None, load_standard: float = 40,
                  annual_cost_per_agent: float | None = None) -> dict[str, Any]:
    """All staffing figures for the inputs given (keys for missing inputs are ``None``).

    ``recommended`` is the larger of the peak rule with flex and the load standard; labour cost
    and training budget need ``annual_cost_per_agent``; ``extra_cost`` prices the gap between the
    recommended headcount and the agents staffed today.
    """
    out: dict[str, Any] = {"agents_peak": None, "headcount_with_flex": None, "agents_for_load": None,
                           "load": None, "load_over": None, "recommended": None, "experts_min": None,
                           "labour_cost": None, "training_budget": None, "training_hours_total": None,
                           "extra_agents": None, "extra_cost": None}
    _share("expert_share", expert_share)
    _share("training_share", training_share)
    if training_hours < 0:
        raise ConfigError(f"allocation.staffing.training_hours must be ≥ 0, got {training_hours!r}")
    if peak_volume is not None:
        out["agents_peak"] = agents_for_peak(peak_volume, contacts_per_agent_peak)
        out["headcount_with_flex"] = with_flex(out["agents_peak"], flex_share)
    if daily_inquiries is not None:
        out["agents_for_load"] = agents_for_load(daily_inquiries, load_standard)
        if agents_staffed is not None:
            lc = load_check(daily_inquiries, agents_staffed, load_standard)
            out["load"], out["load_over"] = lc["load"], lc["over"]
    cands = [v for v in (out["headcount_with_flex"], out["agents_for_load"]) if v is not None]
    if cands:
        rec = max(cands)
        out["recommended"] = rec
        out["experts_min"] = _ceil(expert_share * rec)
        out["training_hours_total"] = rec * float(training_hours)
        if agents_staffed is not None:
            out["extra_agents"] = max(0, rec - int(agents_staffed))
        if annual_cost_per_agent is not None:
            cost = _positive("annual_cost_per_agent", annual_cost_per_agent)
            out["labour_cost"] = rec * cost
            out["training_budget"] = training_share * rec * cost
            if out["extra_agents"] is not None:
                out["extra_cost"] = out["extra_agents"] * cost * (1 + training_share)
    return out
