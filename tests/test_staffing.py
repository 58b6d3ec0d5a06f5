"""Staffing rules vs the documents' worked numbers (002: 2,000 → 250 agents, +15% flex; 003: 12,000
inquiries/day with 200 agents = 60 per agent against the standard of 40)."""
from __future__ import annotations

import pytest

from cxkit import staffing as st
from cxkit.errors import ConfigError


def test_document_peak_rule():
    assert st.agents_for_peak(2000, 8) == 250
    assert st.with_flex(250, 0.15) == 288          # 287.5 rounded up


def test_document_load_rule():
    assert st.agents_for_load(12000, 40) == 300
    lc = st.load_check(12000, 200, 40)
    assert lc["load"] == pytest.approx(60.0) and lc["over"] is True and lc["shortfall"] == 100
    assert st.load_check(12000, 300, 40)["over"] is False


def test_plan_combines_rules():
    p = st.staffing_plan(peak_volume=2000, daily_inquiries=12000, agents_staffed=200, annual_cost_per_agent=100_000)
    assert p["agents_peak"] == 250 and p["headcount_with_flex"] == 288 and p["agents_for_load"] == 300
    assert p["recommended"] == 300
    assert p["experts_min"] == 90                   # 30% of 300
    assert p["labour_cost"] == pytest.approx(30e6)
    assert p["training_budget"] == pytest.approx(6e6)   # 20% of labour
    assert p["training_hours_total"] == pytest.approx(36000)
    assert p["extra_agents"] == 100 and p["extra_cost"] == pytest.approx(100 * 100_000 * 1.2)
    assert p["load"] == pytest.approx(60) and p["load_over"] is True


def test_experts_round_up():
    assert st.staffing_plan(peak_volume=2000)["experts_min"] == 87   # 0.3 × 288 = 86.4


def test_missing_inputs_give_none():
    p = st.staffing_plan()
    assert p["recommended"] is None and p["load"] is None


@pytest.mark.parametrize("kw", [{"peak_volume": 0}, {"peak_volume": -5}, {"peak_volume": float("nan")},
                                {"daily_inquiries": 100, "agents_staffed": 0},
                                {"daily_inquiries": 100, "agents_staffed": 2.5},
                                {"peak_volume": 100, "flex_share": 1.5},
                                {"peak_volume": 100, "contacts_per_agent_peak": 0}])
def test_bad_inputs(kw):
    with pytest.raises(ConfigError, match="allocation.staffing."):
        st.staffing_plan(**kw)
