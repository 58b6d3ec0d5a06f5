"""Runs you can trust (issue 16): per-task journal, resume that never reuses a stale playbook, a lock on --out,
bounded failures for bad or empty clusters, usage errors for bad addresses. Real processes, loopback only."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cxkit import runner
from cxkit.cli import main
from cxkit.runner import RunError, run
from test_batch import HEAD, OK_NB, _notebooks, start_scheduler

pytestmark = pytest.mark.slow


def _st(rep):
    return {(r["region"], r["notebook"]): r["status"] for r in rep.records}


def test_resume_never_reuses_a_playbook_of_other_inputs(small_engagement, tmp_path):
    """The reported sequence: a complete run; south's file shrunk and south re-run, but that run dies before
    writing its manifest; the file restored; --resume. The old runner trusted the last complete manifest and
    'reused' the playbook of the shrunk file. The journal beside each playbook holds what it was made from."""
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB})
    out = tmp_path / "out"
    rep1 = run(small_engagement, out_dir=out, workers=1, notebooks_folder=nbs)
    assert rep1.ok
    complete_manifest = (out / "manifest.json").read_bytes()
    f = small_engagement / "data" / "south_responses.csv"
    original = f.read_bytes()
    pd.read_csv(f).head(150).to_csv(f, index=False)
    run(small_engagement, out_dir=out, regions=["south"], workers=1, notebooks_folder=nbs)
    (out / "manifest.json").write_bytes(complete_manifest)          # as if that run had been killed
    assert json.loads((out / "south" / "00_count.results.json").read_text())["n"] == 150
    f.write_bytes(original)
    rep3 = run(small_engagement, out_dir=out, workers=1, notebooks_folder=nbs, resume=True)
    st = _st(rep3)
    assert st[("south", "00_count")] == "ok" and st[("east", "00_count")] == "reused"
    assert json.loads((out / "south" / "00_count.results.json").read_text())["n"] == 200
    # a playbook edited (or half-copied) after its task finished is not reused either
    html = out / "east" / "00_count.html"
    html.write_text(html.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    assert _st(run(small_engagement, out_dir=out, workers=1, notebooks_folder=nbs, resume=True))[("east", "00_count")] == "ok"


def test_partial_run_keeps_the_whole_folder_in_manifest_and_index(small_engagement, tmp_path):
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB, "01_more": OK_NB})
    out = tmp_path / "out"
    assert run(small_engagement, out_dir=out, workers=1, notebooks_folder=nbs).ok
    rep = run(small_engagement, out_dir=out, regions=["east"], notebooks=["00"], workers=1, notebooks_folder=nbs)
    assert len(rep.records) == 1
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(m["tasks"]) == 6 and m["ok"]
    assert {t["status"] for t in m["tasks"] if t["region"] != "east" or t["notebook"] != "00_count"} == {"reused"}
    f = small_engagement / "data" / "west_responses.csv"          # west's inputs change: its playbooks are outdated
    pd.read_csv(f).head(120).to_csv(f, index=False)
    run(small_engagement, out_dir=out, regions=["east"], notebooks=["00"], workers=1, notebooks_folder=nbs)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {t["status"] for t in m["tasks"] if t["region"] == "west"} == {"outdated"}
    assert "Outdated" in (out / "index.html").read_text(encoding="utf-8") or "已过期" in (out / "index.html").read_text(encoding="utf-8")


def test_a_second_run_on_the_same_out_refuses_at_once(small_engagement, tmp_path):
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB})
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, pathlib; sys.path[:0] = [%r]; from cxkit.runner import out_lock\n"
        "with out_lock(pathlib.Path(%r)):\n    print('locked', flush=True); time.sleep(60)") % (
        str(Path(runner.__file__).parents[1]), str(out))], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with pytest.raises(RunError, match=rf"in use by another cx run \(pid {holder.pid} on "):
            run(small_engagement, out_dir=out, workers=1, notebooks_folder=nbs)
        assert time.monotonic() - t0 < 10
        assert not (out / "east").exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder died without cleaning up: its lock is stale and the next run takes it over
    assert (out / ".cx-run.lock").is_file()
    assert run(small_engagement, out_dir=out, workers=1, notebooks_folder=nbs).ok
    assert not (out / ".cx-run.lock").exists()


@pytest.mark.parametrize("address,expect", [("http://127.0.0.1:8787", "dashboard"), ("127.0.0.1:notaport", "not a dask"),
                                            ("tcp://127.0.0.1:99999", "not a dask")])
def test_bad_scheduler_address_is_a_usage_error(small_engagement, tmp_path, capsys, address, expect):
    code = main(["run", str(small_engagement), "--out", str(tmp_path / "o"), "--scheduler", address])
    err = capsys.readouterr().err
    assert code == 2 and expect in err and "internal error" not in err and "Traceback" not in err


def test_out_that_is_a_file_is_a_usage_error(small_engagement, tmp_path, capsys):
    f = tmp_path / "out.html"
    f.write_text("x")
    assert main(["run", str(small_engagement), "--out", str(f)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_unreachable_scheduler_and_scheduler_without_workers_fail_in_bounded_time(small_engagement, tmp_path,
                                                                                   monkeypatch):
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB})
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", 3)
    monkeypatch.setattr(runner, "WORKER_TIMEOUT", 5)
    t0 = time.monotonic()
    with pytest.raises(RunError, match="cannot reach the dask scheduler"):
        run(small_engagement, out_dir=tmp_path / "o1", notebooks_folder=nbs, scheduler="tcp://127.0.0.1:9")
    assert time.monotonic() - t0 < 30
    proc, address = start_scheduler(tmp_path)
    try:
        t0 = time.monotonic()
        with pytest.raises(RunError, match="has no worker"):
            run(small_engagement, out_dir=tmp_path / "o2", notebooks_folder=nbs, scheduler=address)
        assert time.monotonic() - t0 < 30
        assert not list((tmp_path / "o2").glob("*/00_count.html"))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


SLEEPY_NB = HEAD + """
# %%
import json
import time
time.sleep(60)
json.dump({"notebook": notebook}, open(results_path, "w"))
"""


def test_cluster_losing_its_last_worker_mid_run_fails_in_bounded_time(small_engagement, tmp_path, monkeypatch):
    """A --scheduler cluster whose only worker dies mid-task: the run reports the task failed (with what to do)
    within WORKER_TIMEOUT instead of waiting forever, and writes no playbook for it."""
    nbs = _notebooks(tmp_path / "nbs", **{"00_sleepy": SLEEPY_NB})
    monkeypatch.setattr(runner, "WORKER_TIMEOUT", 5)
    dask_bin = Path(sys.executable).parent / "dask"
    sched, address = start_scheduler(tmp_path)
    procs = [sched]
    try:
        worker = subprocess.Popen([str(dask_bin), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                   "--no-dashboard", "--no-nanny"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(worker)

        def kill_later():
            time.sleep(12)                  # the task has started sleeping in its kernel by then
            worker.kill()

        import threading
        threading.Thread(target=kill_later, daemon=True).start()
        t0 = time.monotonic()
        rep = run(small_engagement, out_dir=tmp_path / "out", regions=["east"], notebooks_folder=nbs, scheduler=address)
        took = time.monotonic() - t0
        rec = rep.records[0]
        assert rec["status"] == "failed" and "lost its last worker" in rec["error"], rec
        assert took < 50, took                  # 12 s until the kill + ≤ 5 s without workers + polling
        assert not (tmp_path / "out" / "east" / "00_sleepy.html").exists()
    finally:
        for p in reversed(procs):
            p.kill()
            p.wait(timeout=20)


def test_ctrl_c_keeps_finished_work_and_resume_finishes_the_rest(small_engagement, tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it): one line, exit 130, the playbooks that
    finished stay with their journal; `--resume` runs only what was missing, and the results are byte-identical to
    a clean run's."""
    import os
    import signal

    # 01 waits until the test releases it (at most 60 s): the interrupt always lands while it runs, however
    # loaded the machine is, and the resumed and clean runs do not wait at all
    release = tmp_path / "release"
    waiting = (f"import pathlib\n_t = time.monotonic()\n"
               f"while not pathlib.Path({str(release)!r}).exists() and time.monotonic() - _t < 60:\n"
               f"    time.sleep(0.1)")
    nbs = _notebooks(tmp_path / "nbs", **{"00_count": OK_NB, "01_sleepy": SLEEPY_NB.replace("time.sleep(60)", waiting)})
    env = {**os.environ, "CX_NOTEBOOKS": str(nbs)}
    out = tmp_path / "out"
    cmd = [str(Path(sys.executable).parent / "cx"), "run", str(small_engagement), "--out", str(out), "--workers", "2"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("*/00_count.task.json"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(list(out.glob("*/00_count.task.json"))) == 3
        os.killpg(p.pid, signal.SIGINT)
        _, err = p.communicate(timeout=120)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    done = {f.parent.name for f in out.glob("*/01_sleepy.task.json")}
    assert not done                                             # interrupted while they were still running
    release.touch()
    rep = run(small_engagement, out_dir=out, workers=2, notebooks_folder=nbs, resume=True)
    st = _st(rep)
    assert {v for (r, nb), v in st.items() if nb == "00_count"} == {"reused"}
    assert {r for (r, nb), v in st.items() if nb == "01_sleepy" and v == "ok"} == {"east", "south", "west"} - done
    clean = run(small_engagement, out_dir=tmp_path / "clean", workers=2, notebooks_folder=nbs)
    assert clean.ok
    for f in sorted(out.glob("*/00_count.results.json")):
        assert f.read_bytes() == (tmp_path / "clean" / f.parent.name / f.name).read_bytes(), f


def test_unwritable_out_is_a_usage_error(small_engagement, tmp_path, capsys):
    """A read-only --out: exit 2 naming the folder, nothing run. (As root file permissions do not stop us, so the
    test mounts a read-only tmpfs where it may, and always tries a path the kernel refuses: under /proc.)"""
    targets = [Path("/proc/cx-test-out")]
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(ro)], capture_output=True).returncode == 0
    if mounted:
        targets.append(ro / "out")
    try:
        for target in targets:
            assert main(["run", str(small_engagement), "--out", str(target), "--workers", "1"]) == 2
            err = capsys.readouterr().err
            assert "cannot write into --out" in err and str(target) in err and "Traceback" not in err
    finally:
        if mounted:
            subprocess.run(["umount", str(ro)], capture_output=True)


def test_port_held_by_an_http_server_fails_in_bounded_time(small_engagement, tmp_path):
    """--scheduler pointing at a port where an HTTP server answers (it accepts the connection, then never speaks
    dask): exit 2 with the address named within CX_CONNECT_TIMEOUT, instead of hanging silently."""
    import os
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            with socket.socket() as c:
                if c.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        t0 = time.monotonic()
        r = subprocess.run([str(Path(sys.executable).parent / "cx"), "run", str(small_engagement), "--out",
                            str(tmp_path / "o"), "--scheduler", f"tcp://127.0.0.1:{port}"], capture_output=True, text=True,
                           env={**os.environ, "CX_CONNECT_TIMEOUT": "3"}, timeout=120)
        took = time.monotonic() - t0
    finally:
        http.kill()
        http.wait()
    assert r.returncode == 2 and f"cannot reach the dask scheduler at tcp://127.0.0.1:{port}" in r.stderr, r.stderr
    assert took < 30 and "Traceback" not in r.stderr
