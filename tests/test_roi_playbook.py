"""Notebook 05 in the demo run: the results contract other notebooks rely on, and the page content."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow
CONTRACT = ("npv", "irr", "payback_month", "roi_ratio", "roi_by_tier", "value_per_point", "p_npv_positive",
            "npv_p10", "npv_p50", "npv_p90")


@pytest.mark.parametrize("region", ["east", "west"])
def test_roi_results_contract(demo_run, region):
    res = demo_run.results(region, "05_roi")
    missing = [k for k in CONTRACT if k not in res]
    assert not missing, missing
    assert isinstance(res["npv"], float) and res["roi_ratio"] > 0
    assert res["irr"] is None or isinstance(res["irr"], float)
    assert res["payback_month"] is None or 1 <= res["payback_month"] <= res["horizon_months"]
    assert set(res["roi_by_tier"]) == {"platinum", "gold", "ordinary", "potential"}
    assert res["value_per_point"] > 0
    assert sum(res["value_per_point_by_tier"].values()) == pytest.approx(res["value_per_point"])
    assert 0 <= res["p_npv_positive"] <= 1
    assert res["npv_p10"] <= res["npv_p50"] <= res["npv_p90"]
    assert res["mc_draws"] >= 10_000
    assert set(res["scenarios"]) == {"conservative", "base", "aggressive"}
    assert res["scenarios"]["base"]["npv"] == pytest.approx(res["npv"])


def test_roi_page_shows_sources_and_charts(demo_run):
    soup = BeautifulSoup(demo_run.html("east", "05_roi"), "html.parser")
    text = soup.get_text(" ")
    for needle in ("文档数据", "顾问判断", "蒙特卡洛", "龙卷风", "1:"):
        assert needle in text, needle
    assert len(soup.select("figure img[src^='data:image/png;base64,']")) >= 5
