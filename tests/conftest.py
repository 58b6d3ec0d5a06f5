"""Shared fixtures: the demo engagement generated and run once per session."""
from __future__ import annotations

import json
import shutil
import sys
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
    under Linux (results byte-identical to cold kernels: tests/test_warm.py, benchmarks/batch.py)."""
    from cxkit.runner import run
    from cxkit.warm import supported

    out = tmp_path_factory.mktemp("demo_out")
    rep = run(demo_dir, out_dir=out, workers=2, warm=sys.platform.startswith("linux") and supported())
    return DemoRun(out, rep)


@pytest.hookimpl(tryfirst=True)       # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Every test that needs the demo run executes notebooks: mark it slow (``make test-fast`` leaves it out).

    Under pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``) the tests of the demo run share one worker, so
    the session's demo run happens once; every other test goes with the rest of its file, so module fixtures are
    built once too."""
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("demo_run"))
        else:
            item.add_marker(pytest.mark.xdist_group(Path(str(item.fspath)).name))
