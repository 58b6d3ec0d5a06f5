"""Batch benchmark (issue 9): the runner against the loop users write by hand, overhead, scaling.

Run: ``.venv/bin/python benchmarks/batch.py [--notebooks 00,02] [--scale 4,8,16] [--skip-scale]``

Prints, all measured in this one run on the demo engagement:

1. runner with 2 dask workers vs the hand loop (for each region and notebook: the ``papermill`` CLI,
   then ``jupyter nbconvert --to html`` as a subprocess), same notebooks and data. Target ratio ≤ 0.6.
2. per-notebook overhead: one task through the runner's full path (papermill + HTML export + atomic
   results) vs plain ``papermill.execute_notebook`` of a floor notebook that only imports what the
   suite imports. Target ≤ 1.3×.
3. time per region at 4, 8 and 16 regions (copies of the demo regions), 2 workers. Target: flat ±15%.
4. import time of ``cxkit`` and of each notebook's imports, in fresh interpreters.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from cxkit import demo  # noqa: E402
from cxkit.config import load_engagement  # noqa: E402
from cxkit.nbtools import from_percent  # noqa: E402
from cxkit.runner import available_notebooks, execute_task, notebooks_dir, plan, run  # noqa: E402

BIN = Path(sys.executable).parent
FLOOR = '''# %% [parameters]
params = {}
region = ""
notebook = "00_floor"
results_path = ""
results_dir = ""
run_dir = ""

# %%
import numpy, pandas, matplotlib, seaborn, scipy
from cxkit.report import Playbook
pb = Playbook(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
pb.save();
'''


def engagement(tmp: Path, n_regions: int | None = None) -> Path:
    """The demo engagement in ``tmp`` with data; with ``n_regions``, demo regions repeated under new names."""
    d = tmp / f"eng{n_regions or ''}"
    (d / "data").mkdir(parents=True, exist_ok=True)
    cfg = yaml.safe_load((ROOT / "params" / "demo" / "engagement.yaml").read_text(encoding="utf-8"))
    (d / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    demo.generate(d)
    if n_regions:
        base = list(cfg["regions"].items())
        regions = {}
        for i in range(n_regions):
            name, spec = base[i % len(base)]
            regions[f"{name}{i}"] = dict(spec, label=f"{spec['label']}{i}")
        cfg["regions"] = regions
        (d / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return d


def hand_loop(eng_dir: Path, out: Path, notebooks: list[str]) -> float:
    """What users write by hand: papermill CLI then nbconvert CLI, one subprocess each, sequentially."""
    eng = load_engagement(eng_dir)
    t0 = time.perf_counter()
    for name, reg in eng.regions.items():
        rdir = out / name
        rdir.mkdir(parents=True, exist_ok=True)
        for nb in notebooks:
            pfile = rdir / f"{nb}.params.yaml"
            pfile.write_text(yaml.safe_dump({"params": reg.params, "region": name, "notebook": nb,
                                             "results_path": str(rdir / f"{nb}.results.json"),
                                             "results_dir": str(rdir), "run_dir": str(out)}, allow_unicode=True))
            src = notebooks_dir() / f"{nb}.ipynb"
            dst = rdir / f"{nb}.ipynb"
            subprocess.run([str(BIN / "papermill"), str(src), str(dst), "-f", str(pfile), "--cwd",
                            str(notebooks_dir()), "--no-progress-bar", "-k", "python3"],
                           check=True, capture_output=True)
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(dst)],
                           check=True, capture_output=True)
    return time.perf_counter() - t0


def overhead(eng_dir: Path, tmp: Path, repeats: int = 5) -> tuple[float, float]:
    """Median seconds of one floor task: plain papermill vs the runner's full task path."""
    import papermill as pm

    nbs = tmp / "floor_nbs"
    nbs.mkdir(exist_ok=True)
    import nbformat
    nbformat.write(from_percent(FLOOR), str(nbs / "00_floor.ipynb"))
    eng = load_engagement(eng_dir, regions=["east"])
    task = plan(eng, tmp / "floor_out", None, nbs)[0]
    plain, full = [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        pm.execute_notebook(str(nbs / "00_floor.ipynb"), str(tmp / f"floor{i}.ipynb"),
                            parameters={"params": task.params, "region": "east", "notebook": "00_floor",
                                        "results_path": str(tmp / f"floor{i}.json"), "results_dir": str(tmp),
                                        "run_dir": str(tmp)},
                            kernel_name="python3", progress_bar=False, cwd=str(nbs))
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        rec = execute_task(task)
        assert rec["status"] == "ok", rec
        full.append(time.perf_counter() - t0)
    return statistics.median(plain), statistics.median(full)


def import_times(notebooks: list[str]) -> dict[str, float]:
    """Seconds to import cxkit, and each notebook's imports, in a fresh interpreter (median of 3)."""
    import nbformat

    def timed(code: str) -> float:
        runs = []
        for _ in range(3):
            r = subprocess.run([sys.executable, "-c", f"import time; t=time.perf_counter(); {code}; "
                                                     f"print(time.perf_counter()-t)"],
                               capture_output=True, text=True, check=True)
            runs.append(float(r.stdout.strip().splitlines()[-1]))
        return statistics.median(runs)

    out = {"import cxkit": timed("import cxkit")}
    for nb in notebooks:
        node = nbformat.read(str(notebooks_dir() / f"{nb}.ipynb"), as_version=4)
        lines = [l.strip() for c in node.cells if c.cell_type == "code"
                 for l in c.source.splitlines() if l.startswith(("import ", "from "))]
        out[nb] = timed("; ".join(lines) if lines else "pass")
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notebooks", help="comma-separated notebook names (default: all regional notebooks)")
    ap.add_argument("--scale", default="4,8,16")
    ap.add_argument("--skip-scale", action="store_true")
    args = ap.parse_args()
    all_nbs = [n for n in available_notebooks() if n != "99_summary"]
    nbs = [n for n in all_nbs if not args.notebooks or n.split("_")[0] in args.notebooks.split(",") or n in args.notebooks.split(",")]
    print(f"notebooks: {', '.join(nbs)}")
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        eng = engagement(tmp)
        n_tasks = len(load_engagement(eng).regions) * len(nbs)

        t0 = time.perf_counter()
        rep = run(eng, out_dir=tmp / "runner", notebooks=nbs, workers=2)
        t_runner = time.perf_counter() - t0
        assert rep.ok, rep.failures
        t_loop = hand_loop(eng, tmp / "loop", nbs)
        print(f"\n1. demo engagement, {n_tasks} playbooks")
        print(f"   hand loop (papermill CLI + nbconvert CLI, sequential): {t_loop:8.1f} s   (baseline)")
        print(f"   cx runner, 2 dask workers:                            {t_runner:8.1f} s   ratio {t_runner / t_loop:.2f}  (target <= 0.6)")

        plain, full = overhead(eng, tmp)
        print("\n2. per-notebook overhead, floor notebook (imports only), median of 5")
        print(f"   papermill.execute_notebook alone: {plain:6.2f} s   (baseline)")
        print(f"   runner task (papermill + HTML + results, atomic): {full:6.2f} s   ratio {full / plain:.2f}  (target <= 1.3)")

        if not args.skip_scale:
            print("\n3. time per region, 2 workers")
            per = {}
            for k in [int(x) for x in args.scale.split(",")]:
                e = engagement(tmp, k)
                t0 = time.perf_counter()
                r = run(e, out_dir=tmp / f"scale{k}", notebooks=nbs, workers=2)
                dt = time.perf_counter() - t0
                assert r.ok, r.failures
                per[k] = dt / k
                print(f"   {k:>2} regions: {dt:7.1f} s total, {per[k]:6.2f} s per region")
            base = per[min(per)]
            spread = max(abs(v / base - 1) for v in per.values())
            print(f"   largest deviation from the {min(per)}-region figure: {100 * spread:.0f}%  (target <= 15%)")

        print("\n4. import time in a fresh interpreter (median of 3)")
        for k, v in import_times(nbs).items():
            print(f"   {k:<24} {v:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
