"""Notebook 06 in the demo run: the results contract, the documents' staffing numbers, optimality, page content."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("region", ["east", "west"])
def test_allocation_results(demo_run, region):
    res = demo_run.results(region, "06_allocation")
    assert res["budget"] == 12_000_000 and res["currency"] == "CNY"
    assert sum(res["optimal_spend"].values()) == pytest.approx(12_000_000, rel=1e-6)
    assert res["kkt"]["ok"] is True
    sc = res["scenarios"]
    assert {"current", "even", "cost_type", "by_tier", "concentration", "phased", "optimal"} <= set(sc)
    assert all(v["gap"] >= -1e-6 * sc["optimal"]["objective"] for v in sc.values())
    st = res["staffing"]
    assert (st["agents_peak"], st["headcount_with_flex"], st["agents_for_load"]) == (250, 288, 300)
    assert st["load"] == pytest.approx(60) and st["load_over"] is True
    assert len(res["frontier"]["budget"]) >= 50
    # documents' phase-1 split (80%) and the load are flagged
    msgs = " ".join(w["message"] for w in res["warnings"])
    assert "80%" in msgs and "60" in msgs


def test_allocation_reads_upstream(demo_run):
    """03 and 05 ran in the demo: no fallback note for their keys, the baseline is 03's csat_0_100."""
    res = demo_run.results("east", "06_allocation")
    html = demo_run.html("east", "06_allocation")
    if (demo_run.out / "east" / "03_diagnostics.results.json").is_file():
        diag = demo_run.results("east", "03_diagnostics")
        if diag.get("csat_0_100") is not None:
            assert res["baseline_csat"] == pytest.approx(diag["csat_0_100"])
        assert "03_diagnostics 的结果不可用" not in html
    if (demo_run.out / "east" / "05_roi.results.json").is_file():
        assert "05_roi 的结果不可用" not in html


def test_allocation_page(demo_run):
    soup = BeautifulSoup(demo_run.html("east", "06_allocation"), "html.parser")
    text = soup.get_text(" ")
    for needle in ("最优分配", "有效前沿", "影子价格" if "起作用的约束" in text else "最优性检验", "人员配置", "288", "300"):
        assert needle in text, needle
    assert len(soup.select("figure img[src^='data:image/png;base64,']")) >= 5
