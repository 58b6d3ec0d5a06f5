"""Determinism: a second run of the demo gives byte-identical ``.results.json`` files.

The session's ``demo_run`` (every notebook, every region, 2 dask workers) is compared with a
fresh in-process run (``workers=1``) of one region, every regional notebook: same bytes, so
results depend neither on the scheduler nor on the run (no timestamps, no absolute paths,
seeded randomness).
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow
REGION = "west"  # the smallest demo region: the cheapest second run


def test_results_json_byte_identical_across_runs(demo_run, demo_dir, tmp_path):
    from cxkit.runner import SUMMARY_NOTEBOOK, run

    # the notebooks the session run had (not those added to the tree since)
    notebooks = [r["notebook"] for r in demo_run.report.records if r["region"] == REGION]
    assert notebooks and SUMMARY_NOTEBOOK not in notebooks
    rep = run(demo_dir, out_dir=tmp_path / "again", regions=[REGION], notebooks=notebooks, workers=1)
    first = {r["notebook"] for r in demo_run.report.records if r["region"] == REGION and r["status"] == "ok"}
    second = {r["notebook"] for r in rep.records if r["status"] == "ok"}
    both = sorted(first & second)
    assert "00_data_profile" in both, (demo_run.report.failures, rep.failures)
    assert first == second, f"a notebook succeeded in one run only: {sorted(first ^ second)}"
    for nb in both:
        a = (demo_run.out / REGION / f"{nb}.results.json").read_bytes()
        b = (tmp_path / "again" / REGION / f"{nb}.results.json").read_bytes()
        assert a == b, f"{REGION}/{nb}.results.json differs between two runs"
        assert str(tmp_path) not in b.decode("utf-8") and str(demo_run.out) not in a.decode("utf-8")
