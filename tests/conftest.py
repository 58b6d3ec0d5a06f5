"""Shared fixtures: the demo engagement generated and run once per session."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFDATA = ROOT / "tests" / "data" / "refdata"   # committed copy of ../shared/refdata (see its PROVENANCE.md)


@pytest.fixture(scope="session")
def refdata() -> Path:
    """Public reference data sets with R figures, committed so no parity test depends on a folder outside the repo."""
    assert (REFDATA / "bfi.csv").is_file(), f"reference data missing from the repository: {REFDATA}"
    return REFDATA


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A copy of params/demo with freshly generated data (the repo's copy is left alone)."""
    from cxkit import demo

    d = tmp_path_factory.mktemp("demo")
    shutil.copy(ROOT / "params" / "demo" / "engagement.yaml", d / "engagement.yaml")
    for extra in (ROOT / "params" / "demo").iterdir():
        if extra.is_file() and extra.name != "engagement.yaml":
            shutil.copy(extra, d / extra.name)
    demo.generate(d)
    return d


@pytest.fixture()
def small_engagement(demo_dir, tmp_path) -> Path:
    """Three demo regions of 200 rows each (responses, complaints, previous wave), for runner tests."""
    d = tmp_path / "eng"
    (d / "data").mkdir(parents=True)
    import pandas as pd
    import yaml

    cfg = yaml.safe_load((demo_dir / "engagement.yaml").read_text(encoding="utf-8"))
    for r in ("east", "south", "west"):
        for f in (demo_dir / "data").glob(f"{r}_*.csv"):   # responses, complaints, previous wave...
            pd.read_csv(f).head(200).to_csv(d / "data" / f.name, index=False)
    for f in (demo_dir / "data").glob("*.csv"):             # engagement-wide files (e.g. the pilot of 07)
        if not f.name.startswith(("east_", "south_", "west_", "north_")):
            pd.read_csv(f).to_csv(d / "data" / f.name, index=False)
    cfg["regions"] = {r: cfg["regions"][r] for r in ("east", "south", "west")}
    cfg.pop("weighting", None)          # runner tests on unweighted KPIs; weighting tests add their own section
    (d / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return d


class DemoRun:
    def __init__(self, out: Path, report):
        self.out, self.report = out, report

    def results(self, region: str, notebook: str) -> dict:
        return json.loads((self.out / region / f"{notebook}.results.json").read_text(encoding="utf-8"))

    def html(self, region: str, notebook: str) -> str:
        return (self.out / region / f"{notebook}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_run(demo_dir, tmp_path_factory) -> DemoRun:
    """Every notebook for every demo region, run once (2 dask workers), in warm kernels as ``cx demo`` runs it
    under Linux (results byte-identical to cold kernels: tests/test_warm.py, benchmarks/batch.py).

    Under pytest-xdist the workers share one run: the first worker that needs it runs it under a file lock in the
    session's common temporary folder; the others wait for the lock and read its report (pytest-xdist's documented
    pattern for a session fixture that must run once)."""
    import pickle

    from cxkit.runner import run
    from cxkit.warm import default_on

    warm = default_on()
    try:
        import fcntl
    except ImportError:                  # not POSIX: each worker runs its own
        fcntl = None
    if os.environ.get("PYTEST_XDIST_WORKER") is None or fcntl is None:
        out = tmp_path_factory.mktemp("demo_out")
        return DemoRun(out, run(demo_dir, out_dir=out, workers=2, warm=warm))
    shared = tmp_path_factory.getbasetemp().parent / "demo_run_shared"
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            done = shared / "report.pickle"
            if done.is_file():
                return DemoRun(*pickle.loads(done.read_bytes()))
            out = shared / "demo_out"
            rep = run(demo_dir, out_dir=out, workers=2, warm=warm)
            done.write_bytes(pickle.dumps((out, rep)))
            return DemoRun(out, rep)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pytest_collection_modifyitems(config, items):
    """Every test that needs the demo run executes notebooks: mark it slow (``make test-fast`` leaves it out).

    ``make test`` runs ``-n 2 --dist loadfile``: each file on one worker, so module fixtures are built once; the
    demo run is shared between the workers by ``demo_run`` itself. (``--dist loadgroup`` with ``xdist_group`` marks
    did not group anything: pytest 9.2 builds a test's id from ``Node._id``, and pytest-xdist 3.8 appends the group
    to ``Node._nodeid``, so every test was scheduled on its own and both workers ran the demo.)"""
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
