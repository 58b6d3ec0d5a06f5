"""Project hygiene: notebooks stripped and in step with their sources, conda env = pyproject deps."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

from cxkit.nbtools import from_percent

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PARAM_NAMES = {"params", "region", "notebook", "results_path", "results_dir", "run_dir"}


def test_there_are_notebooks():
    assert any(p.stem == "00_data_profile" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, f"{path.name}: strip outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_source_and_has_parameters(path):
    src = ROOT / "notebooks" / "src" / f"{path.stem}.py"
    assert src.is_file(), f"{path.name} has no source {src}"
    built = from_percent(src.read_text(encoding="utf-8"))
    nb = nbformat.read(str(path), as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in built.cells], \
        f"rebuild: python -m cxkit.nbtools build {src.relative_to(ROOT)} {path.relative_to(ROOT)}"
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    names = set(re.findall(r"^(\w+)\s*=", params[0].source, re.M))
    assert names == PARAM_NAMES
    assert f'notebook = "{path.stem}"' in params[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin(path):
    """Logic lives in lib/cxkit: no function or class definitions, no loops over data frames in notebooks."""
    nb = nbformat.read(str(path), as_version=4)
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        assert not re.search(r"^\s*(def|class)\s", c.source, re.M), f"{path.name}: move functions to lib/cxkit"
        assert "print(" not in c.source, f"{path.name}: show things through pb, not print"
        assert len(c.source.splitlines()) <= 40, f"{path.name}: a cell over 40 lines belongs in lib/cxkit"


#: notebooks held to the thin-notebook rule of issue 14 (each section one library call, as
#: ``cxkit.diagnostics.driver_sections``): no code cell over MAX_LOGIC_LINES logic lines, no def / lambda / class
THIN_NOTEBOOKS = ("00_data_profile", "01_survey_design", "02_reliability", "03_diagnostics", "04_root_cause", "05_roi",
                  "06_allocation", "07_action_plan", "99_summary")
MAX_LOGIC_LINES = 15


@pytest.mark.parametrize("name", THIN_NOTEBOOKS)
def test_thin_notebook_cells_are_short_and_define_nothing(name):
    """A logic line is a non-blank line that is not a comment; thresholds and formatting live in the section
    builders and their params models, not in cells."""
    import ast

    path = ROOT / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    assert code, f"{path.name}: no code cells"
    for k, c in enumerate(code, start=1):
        first = c.source.strip().splitlines()[0] if c.source.strip() else ""
        where = f"{path.name} code cell {k} ({first[:50]!r})"
        logic = [ln for ln in c.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(logic) <= MAX_LOGIC_LINES, \
            f"{where}: {len(logic)} logic lines > {MAX_LOGIC_LINES}; move the section into a builder in lib/cxkit"
        defined = [type(n).__name__ for n in ast.walk(ast.parse(c.source))
                   if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))]
        assert not defined, f"{where}: {', '.join(defined)} in a notebook cell; move it to lib/cxkit"


def _norm(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", req)
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    return name, m.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject():
    pp = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    want = dict(_norm(r) for r in pp["project"]["dependencies"] + pp["project"]["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    have = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for r in dep.get("pip", []):
                if not r.startswith("-"):
                    have.update([_norm(r)])
        else:
            have.update([_norm(dep)])
    for extra in ("python", "pip", "jupyterlab"):
        have.pop(extra, None)
    assert have == want, {"only in environment.yml": sorted(set(have.items()) - set(want.items())),
                          "only in pyproject.toml": sorted(set(want.items()) - set(have.items()))}


def test_ci_calls_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make test" in ci and "make playbooks" in readme


def test_gitignore_outputs():
    assert "outputs/" in (ROOT / ".gitignore").read_text()


def test_constraints_pin_every_dependency_inside_its_range():
    """constraints.txt (the tested set `make` installs) pins every pyproject dependency, each pin inside the
    range pyproject declares, so `pip install -c constraints.txt .` can never be unsatisfiable."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, ver = line.partition("==")
            assert ver, f"constraints.txt: '{line}' is not an exact pin"
            pins[canonicalize_name(name)] = ver
    pp = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for spec in pp["project"]["dependencies"] + pp["project"]["optional-dependencies"]["test"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} outside {req.specifier}"


def test_makefile_installs_the_tested_set():
    mk = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-c constraints.txt" in mk and "test-latest:" in mk


def test_no_import_cycle_in_the_library():
    """Data flows one way (docs/ARCHITECTURE.md): no cycle among lib/cxkit modules, counting the imports inside
    functions too (they only hide a cycle from import time). The io <-> validation cycle was broken by moving the
    region readers into validation."""
    import ast

    lib = ROOT / "lib" / "cxkit"
    mods = {p.stem for p in lib.glob("*.py")}
    graph = {}
    for p in lib.glob("*.py"):
        deps = set()
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(n, ast.ImportFrom) and n.level == 1:
                deps |= {n.module.split(".")[0]} if n.module else {a.name for a in n.names}
        graph[p.stem] = (deps & mods) - {p.stem}
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for d in sorted(graph[m]):
            assert state.get(d) != 1, "import cycle: " + " -> ".join([*path, d])
            if d not in state:
                visit(d, [*path, d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
