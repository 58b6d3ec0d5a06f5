"""Notebook 04 on the demo engagement (shared demo_run fixture)."""
import re

import pytest

REGIONS = ["east", "south", "west", "north"]


@pytest.mark.parametrize("region", REGIONS)
def test_auto_coding_agrees_with_demo_truth(demo_run, region):
    """The demo's true_category stands in for a human coder. The complaints are paraphrases, not the codebook's
    words (issue 18, item 6; tests/test_demo_paraphrases.py): measured kappa 0.83-0.89, documents' categories
    0.75-0.84. Kappa >= 0.75 is "substantial" (Landis & Koch 1977); above 0.97 the texts would be templates again."""
    r = demo_run.results(region, "04_root_cause")
    assert 0.75 <= r["kappa"] <= 0.97
    assert r["alpha_nominal"] >= 0.75
    assert r["kappa_po"] >= r["kappa_baseline_po"] + 0.3      # far above always guessing the largest cause
    assert 0.87 <= r["coded_share"] <= 0.97
    assert r["doc_kappa"] >= 0.7
    assert r["n_complaints"] > 250


def test_region_tilt_is_recovered(demo_run):
    """demo.COMPLAINT_MIX: process leads in the east, technology in the south, people in the west."""
    share = {reg: demo_run.results(reg, "04_root_cause")["category_share"] for reg in REGIONS}
    assert share["south"]["technology"] > max(share[r]["technology"] for r in ("east", "west", "north"))
    assert share["east"]["process"] > share["west"]["process"]
    assert share["west"]["people"] > share["east"]["people"]


def test_chains_priorities_and_ahp(demo_run):
    r = demo_run.results("east", "04_root_cause")
    assert [c["id"] for c in r["chains"]] == ["slow_serving", "repeat_complaints", "gold_promotions"]
    assert r["ahp_cr"] < 0.1
    assert sum(r["ahp_weights"].values()) == pytest.approx(1.0)
    levels = {p["category"]: p["level"] for p in r["priorities"]}
    assert levels["product"] == "High" and levels["process"] == "High"    # document 001
    assert levels["environment"] == "Low"


@pytest.mark.parametrize("region", REGIONS)
def test_no_personal_data_in_playbook(demo_run, region):
    html = demo_run.html(region, "04_root_cause")
    assert not re.search(r"1381234|138-1234|@example\.c|110101199003", html)
    r = demo_run.results(region, "04_root_cause")
    assert r["n_pii"] > 0          # ~5% of demo complaints carry personal data


@pytest.mark.parametrize("region", REGIONS)
def test_shown_top3_causes_are_the_true_top3(demo_run, demo_dir, region):
    """Issue 18: category_share (primary category, each complaint once) ranks the causes as the truth
    does, shares within 5 points; the per-verbatim codes file is written beside the results."""
    import pandas as pd

    truth = pd.read_csv(demo_dir / "data" / f"{region}_complaints.csv")["true_category"].value_counts(normalize=True)
    r = demo_run.results(region, "04_root_cause")
    shown = sorted((c for c in r["category_share"] if c != "uncoded"), key=lambda c: (-r["category_share"][c], c))[:3]
    assert shown == truth.index[:3].tolist()
    for c in shown:
        assert abs(r["category_share"][c] - truth[c]) <= 0.05
    assert sum(r["category_counts"].values()) == r["n_complaints"]
    codes = pd.read_csv(demo_run.out / region / "04_root_cause.codes.csv", encoding="utf-8-sig", keep_default_na=False)
    assert len(codes) == r["n_complaints"] and {"id", "primary", "codes", "terms"} <= set(codes.columns)
