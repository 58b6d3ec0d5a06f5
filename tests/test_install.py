"""A non-editable install works on its own (issue 13): the wheel carries the notebooks, templates and demo
engagement, and ``cx demo`` runs from it in a folder with no source tree nearby."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """cxkit built as a wheel and installed (without dependencies: the test venv has them) into a bare folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    # built from a copy of what the wheel is made of: an in-tree build writes build/ and *.egg-info beside the
    # sources, which races with other tests running from the same tree (make test runs two workers)
    src = tmp / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "data", "outputs", "*.pyc")
    for rel in ("lib", "notebooks", "params/demo"):
        shutil.copytree(ROOT / rel, src / rel, symlinks=True, ignore=skip)
    for f in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / f, src / f)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                            str(tmp / "dist"), str(src)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp / "dist").glob("cxkit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for must in ("cxkit/notebooks/00_data_profile.ipynb", "cxkit/notebooks/99_summary.ipynb",
                 "cxkit/demo_engagement/engagement.yaml", "cxkit/templates/cx_playbook/index.html.j2",
                 "cxkit/i18n/common.yaml", "cxkit/codebooks/service_fishbone.yaml"):
        assert must in names, f"{must} missing from the wheel"
    target = tmp / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q", "--target", str(target),
                    str(wheel)], check=True, capture_output=True)
    return target


def _cx(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(target), "CX_DEMO_DIR": str(cwd / "demo-engagement")}
    return subprocess.run([sys.executable, "-c", "import sys; from cxkit.cli import main; sys.exit(main())", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_cx_version_from_the_wheel(installed, tmp_path):
    r = _cx(installed, tmp_path, "--version")
    assert r.returncode == 0 and "0.1.0" in r.stdout, r


@pytest.mark.slow
def test_cx_demo_runs_from_an_installed_wheel(installed, tmp_path):
    r = _cx(installed, tmp_path, "demo", "--regions", "east", "--notebooks", "00", "--out", "out", "--workers", "1")
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "out" / "east" / "00_data_profile.html").is_file()
    assert (tmp_path / "demo-engagement" / "data" / "east_responses.csv").is_file()
    # the kernels imported the installed copy, not the source tree
    probe = subprocess.run([sys.executable, "-c", "import cxkit, cxkit.runner as r; print(cxkit.__file__); "
                            "print(r.notebooks_dir())"], cwd=tmp_path, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(installed)})
    assert str(installed) in probe.stdout.splitlines()[0] and str(installed) in probe.stdout.splitlines()[1]
