"""Batch runner on a real dask LocalCluster (2 worker processes): isolation, killed workers, --resume."""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from cxkit.nbtools import from_percent
from cxkit.runner import run

pytestmark = pytest.mark.slow

HEAD = '''# %% [parameters]
params = {}
region = ""
notebook = "NB"
results_path = ""
results_dir = ""
run_dir = ""
'''
OK_NB = HEAD + '''
# %%
from cxkit.report import Playbook
pb = Playbook(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
df = pb.responses()
pb.h2("rows")
pb.result("n", len(df))
pb.save();
'''
KILLER_NB = HEAD + '''
# %%
import os, pathlib, signal
marker = pathlib.Path(os.environ["CX_TEST_MARKER_DIR"]) / f"{region}.killed"
if not marker.exists():
    marker.write_text("x")
    os.kill(os.getppid(), signal.SIGKILL)   # the dask worker running this task dies mid-task
from cxkit.report import Playbook
pb = Playbook(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
pb.p("survived")
pb.save();
'''


def _notebooks(folder: Path, **sources: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, src in sources.items():
        nbformat.write(from_percent(src.replace('"NB"', f'"{name}"')), str(folder / f"{name}.ipynb"))
    return folder


def start_scheduler(tmp_path: Path):
    """A `dask scheduler` on a free loopback port (no dashboard): ``(process, address)``; the caller stops it."""
    import subprocess
    import sys
    import time

    sched_file = tmp_path / "scheduler.json"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                             "0", "--no-dashboard", "--scheduler-file", str(sched_file)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        if sched_file.is_file() and sched_file.stat().st_size:
            break
        time.sleep(0.2)
    return proc, json.loads(sched_file.read_text())["address"]


def test_killed_worker_task_is_retried_without_partial_outputs(small_engagement, tmp_path, monkeypatch):
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB, "01_killer": KILLER_NB})
    monkeypatch.setenv("CX_TEST_MARKER_DIR", str(tmp_path))  # inherited by the worker processes
    out = tmp_path / "out"
    rep = run(small_engagement, out_dir=out, workers=2, notebooks_folder=nbs)
    assert all((tmp_path / f"{r}.killed").exists() for r in ("east", "south", "west")), "workers were killed"
    recs = {(r["region"], r["notebook"]): r for r in rep.records}
    for r in ("east", "south", "west"):
        rec = recs[(r, "01_killer")]
        assert rec["status"] in ("ok", "failed")
        if rec["status"] == "ok":   # retried on a fresh worker
            assert (out / r / "01_killer.html").is_file()
        else:                       # or reported, never half-written
            assert not (out / r / "01_killer.html").exists() and rec["error"]
        assert recs[(r, "00_count")]["status"] == "ok", recs[(r, "00_count")]
    assert not list(out.rglob(".stage-*")), "staging folders cleaned"
    assert not list(out.rglob("*.tmp"))


def test_resume_reruns_only_failed_or_changed(small_engagement, tmp_path):
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB, "01_more": OK_NB})
    out = tmp_path / "out"
    bad = small_engagement / "data" / "south_responses.csv"
    good = bad.read_text(encoding="utf-8")
    df = pd.read_csv(bad)
    df.loc[3, "csat"] = 42
    df.to_csv(bad, index=False)
    rep1 = run(small_engagement, out_dir=out, workers=2, notebooks_folder=nbs)
    st1 = {(r["region"], r["notebook"]): r["status"] for r in rep1.records}
    assert st1[("south", "00_count")] == "failed" and st1[("east", "00_count")] == "ok" and st1[("west", "01_more")] == "ok"
    assert "rows 5" in next(r["error"] for r in rep1.records if r["region"] == "south")
    html_mtime = (out / "east" / "00_count.html").stat().st_mtime_ns

    bad.write_text(good, encoding="utf-8")               # the consultant fixes the file
    rep2 = run(small_engagement, out_dir=out, workers=2, notebooks_folder=nbs, resume=True)
    st2 = {(r["region"], r["notebook"]): r["status"] for r in rep2.records}
    assert st2[("south", "00_count")] == "ok" and st2[("south", "01_more")] == "ok"
    assert st2[("east", "00_count")] == "reused" and st2[("west", "01_more")] == "reused"
    assert (out / "east" / "00_count.html").stat().st_mtime_ns == html_mtime
    assert rep2.ok

    w = small_engagement / "data" / "west_responses.csv"   # a changed input is redone
    pd.read_csv(w).head(150).to_csv(w, index=False)
    rep3 = run(small_engagement, out_dir=out, workers=1, notebooks_folder=nbs, resume=True)
    st3 = {(r["region"], r["notebook"]): r["status"] for r in rep3.records}
    assert st3[("west", "00_count")] == "ok" and st3[("west", "01_more")] == "ok"
    assert st3[("east", "00_count")] == "reused"
    assert json.loads((out / "west" / "00_count.results.json").read_text())["n"] == 150
    m = json.loads((out / "manifest.json").read_text())
    assert m["ok"] and m["options"]["resume"] is True


def test_failing_notebook_keeps_executed_notebook_and_reports(small_engagement, tmp_path):
    boom = HEAD + '''
# %%
from cxkit.errors import AnalysisError
raise AnalysisError("the outcome has no variance: every respondent answered 5")
'''
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB, "01_boom": boom})
    out = tmp_path / "out"
    rep = run(small_engagement, out_dir=out, regions=["east"], workers=2, notebooks_folder=nbs)
    rec = {r["notebook"]: r for r in rep.records}["01_boom"]
    assert rec["status"] == "failed" and "no variance" in rec["error"] and "Traceback" not in rec["error"]
    assert (out / "east" / "01_boom.ipynb").is_file() and not (out / "east" / "01_boom.html").exists()
    assert "01_boom.ipynb" in (out / "index.html").read_text(encoding="utf-8")


def test_existing_cluster_via_scheduler_address(small_engagement, tmp_path):
    """`--scheduler tcp://...`: the same run goes to a cluster started with `dask scheduler` / `dask worker`."""
    import subprocess
    import sys

    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB})
    dask_bin = Path(sys.executable).parent / "dask"
    sched, address = start_scheduler(tmp_path)
    procs = [sched]
    try:
        procs.append(subprocess.Popen([str(dask_bin), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                       "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        rep = run(small_engagement, out_dir=tmp_path / "out", notebooks_folder=nbs, scheduler=address)
        assert rep.ok, rep.failures
        assert all((tmp_path / "out" / r / "00_count.html").is_file() for r in ("east", "south", "west"))
        m = json.loads((tmp_path / "out" / "manifest.json").read_text())
        assert m["options"]["scheduler"] == address
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


# stand-ins carrying the real notebooks' names: they write a results file of their own (not the real
# notebook's contract, which cxkit.report.Playbook.save would check) and show one paragraph
STUB_NB = HEAD + '''
# %%
import json
from cxkit.report import Playbook
pb = Playbook(params, region=region, notebook=notebook)
pb.p(notebook)
json.dump({"notebook": notebook, "region": region}, open(results_path, "w"))
'''
SUMMARY_NB = STUB_NB
REAL_NAMES = ("00_data_profile", "01_survey_design", "02_reliability", "03_diagnostics", "04_root_cause", "05_roi",
              "06_allocation")


def _statuses(rep):
    return {(r["region"], r["notebook"]): r["status"] for r in rep.records}


def test_resume_reruns_only_the_notebooks_a_change_touches(small_engagement, tmp_path):
    """Issue 14 (declared dependencies): a task's fingerprint covers exactly what its notebook reads
    (cxkit.contracts), so changing allocation.frontier_points re-runs 06 and the summary only, and a change
    of the roi section re-runs 05, then 06 (it reads 05's results) and the summary."""
    nbs = _notebooks(tmp_path / "nbs", **{n: STUB_NB for n in REAL_NAMES}, **{"99_summary": SUMMARY_NB})
    out = tmp_path / "out"
    eng = small_engagement / "engagement.yaml"
    rep1 = run(small_engagement, out_dir=out, regions=["east"], workers=1, notebooks_folder=nbs)
    assert rep1.ok and set(_statuses(rep1).values()) == {"ok"}, rep1.failures

    cfg = yaml.safe_load(eng.read_text(encoding="utf-8"))
    cfg["allocation"]["frontier_points"] = 20
    eng.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    rep2 = run(small_engagement, out_dir=out, regions=["east"], workers=1, notebooks_folder=nbs, resume=True)
    rerun = {k[1] for k, v in _statuses(rep2).items() if v == "ok"}
    assert rerun == {"06_allocation", "99_summary"}, _statuses(rep2)

    cfg["roi"]["discount_rate"] = 0.11
    eng.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    rep3 = run(small_engagement, out_dir=out, regions=["east"], workers=1, notebooks_folder=nbs, resume=True)
    rerun = {k[1] for k, v in _statuses(rep3).items() if v == "ok"}
    assert rerun == {"05_roi", "06_allocation", "99_summary"}, _statuses(rep3)

    cfg["language"] = "en"                                    # read by every playbook
    eng.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    rep4 = run(small_engagement, out_dir=out, regions=["east"], workers=1, notebooks_folder=nbs, resume=True)
    assert set(_statuses(rep4).values()) == {"ok"}


def test_notebook_without_its_inputs_is_not_applicable(small_engagement, tmp_path, monkeypatch):
    """A survey-only engagement: no complaints, no roi/allocation/design sections. 04, 05, 06 and 01 are
    not applicable (with the reason on the index and in the manifest), the run succeeds (exit 0)."""
    from cxkit.cli import main

    eng = small_engagement / "engagement.yaml"
    cfg = yaml.safe_load(eng.read_text(encoding="utf-8"))
    for sec in ("roi", "allocation", "design"):
        cfg.pop(sec, None)
    for r in cfg["regions"].values():
        r.pop("complaints", None)
    eng.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    nbs = _notebooks(tmp_path / "nbs", **{n: STUB_NB for n in REAL_NAMES}, **{"99_summary": SUMMARY_NB})
    out = tmp_path / "out"
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    rep = run(small_engagement, out_dir=out, regions=["east", "south"], workers=1, notebooks_folder=nbs)
    assert "PYTHONHASHSEED" not in os.environ      # set for the kernels only, not left in the caller's process
    st = _statuses(rep)
    for n in ("01_survey_design", "04_root_cause", "05_roi", "06_allocation"):
        assert st[("east", n)] == "not_applicable", (n, st)
        assert not (out / "east" / f"{n}.html").exists()
    assert st[("east", "03_diagnostics")] == "ok" and st[("_engagement", "99_summary")] == "ok"
    assert rep.ok and not rep.failures
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rec = next(t for t in m["tasks"] if t["region"] == "east" and t["notebook"] == "04_root_cause")
    assert m["ok"] and rec["status"] == "not_applicable" and rec["missing"] == ["complaints"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "不适用" in html and "没有投诉数据文件" in html
    monkeypatch.setenv("CX_NOTEBOOKS", str(nbs))
    assert main(["run", str(small_engagement), "--out", str(tmp_path / "out2"), "--regions", "west",
                 "--workers", "1"]) == 0                  # exit 0: nothing failed


@pytest.mark.slow
def test_a_kernel_that_never_answers_is_replaced_once(small_engagement, tmp_path, monkeypatch):
    """A kernel that did not become ready (jupyter_client: "Kernel didn't respond in N seconds", raised before any
    cell runs) is replaced by a new one once; a second such failure, or any other error, fails the task."""
    import papermill

    from cxkit import runner

    real = papermill.execute_notebook
    failures = {"left": 1}

    def flaky(*args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError(f"Kernel didn't respond in {kwargs['start_timeout']} seconds")
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB})
    rep = run(small_engagement, out_dir=tmp_path / "a", regions=["east"], workers=1, notebooks_folder=nbs)
    assert rep.ok and rep.records[0]["kernel_restarts"] == 1
    failures["left"] = 1 + runner.KERNEL_START_RETRIES
    rep = run(small_engagement, out_dir=tmp_path / "b", regions=["east"], workers=1, notebooks_folder=nbs)
    assert not rep.ok and "Kernel didn't respond" in rep.records[0]["error"]
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    rep = run(small_engagement, out_dir=tmp_path / "c", regions=["east"], workers=1, notebooks_folder=nbs)
    assert not rep.ok and "kernel_restarts" not in rep.records[0]
