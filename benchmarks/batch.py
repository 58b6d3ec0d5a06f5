"""Batch benchmark (issues 9 and 22): the runner against the loop users write by hand; warm kernels; overhead;
scaling; playbook weight.

Run: ``.venv/bin/python benchmarks/batch.py [--notebooks 00,02] [--scale 4,8,16] [--skip-scale] [--skip-imports]``
(``make bench``).

Prints, all measured in this one run on the demo engagement (4 regions, every regional notebook):

1. the hand loop (for each region and notebook: the ``papermill`` CLI, then ``jupyter nbconvert --to html``, one
   subprocess each, sequentially) = baseline; ``cx run --workers 2`` with cold kernels; ``cx run --workers 2 --warm``
   (kernels forked from a pre-imported zygote, :mod:`cxkit.warm`). Targets: warm ≤ 0.25× the loop (0.2 hoped).
   The warm run's ``.results.json`` are compared byte for byte with the cold run's.
2. per-task overhead: a floor notebook (imports and ``pb.save()`` only) through plain ``papermill`` and through the
   runner's full task path (papermill + HTML export + atomic results), cold and warm, against the floor notebook's
   own compute (its cells' time inside a warm kernel, from papermill's cell timings). Target: warm task ≤ own
   compute + 0.5 s. Also, over every task of the demo's warm run: task time − time in its cells.
3. time per region at 4, 8 and 16 regions (copies of the demo regions), warm runner, 2 workers. Target: flat ±15%.
4. playbook weight: total bytes of the HTML playbooks (and of the executed ``.ipynb`` kept beside them) of the cold
   run; before issue 22 (base-64 RGBA PNG charts) the same demo measured 7,037,698 B of HTML + 11,150,076 B of
   ``.ipynb`` (HEAD 7616eb9). Target: HTML at most half.
5. import time of ``cxkit`` and of each notebook's imports, in fresh interpreters.

Timings are wall-clock on a shared 2-core machine: noisy.
"""
from __future__ import annotations

import argparse
import json
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
HTML_BEFORE, IPYNB_BEFORE = 7_037_698, 11_150_076       # issue 22's "today": HEAD 7616eb9, same demo
BEFORE_NOTEBOOKS = ("00_data_profile", "01_survey_design", "02_reliability", "03_diagnostics", "04_root_cause",
                    "05_roi", "06_allocation")
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


def hand_loop(eng_dir: Path, out: Path, notebooks: list[str]) -> tuple[float, int]:
    """What users write by hand: papermill CLI then nbconvert CLI, one subprocess each, sequentially.
    Returns (seconds, number of notebooks that failed)."""
    eng = load_engagement(eng_dir)
    failed = 0
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
            r = subprocess.run([str(BIN / "papermill"), str(src), str(dst), "-f", str(pfile), "--cwd",
                                str(notebooks_dir()), "--no-progress-bar", "-k", "python3"], capture_output=True)
            failed += r.returncode != 0
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(dst)],
                           capture_output=True)
    return time.perf_counter() - t0, failed


def cell_seconds(ipynb: Path) -> float:
    """Seconds the kernel spent in the notebook's cells (papermill's per-cell timings)."""
    nb = json.loads(ipynb.read_text(encoding="utf-8"))
    return sum((c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0) for c in nb["cells"])


def timed_run(eng: Path, out: Path, nbs: list[str], **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    rep = run(eng, out_dir=out, notebooks=nbs, workers=2, **kw)
    return time.perf_counter() - t0, rep


def overhead(eng_dir: Path, tmp: Path, repeats: int = 5) -> dict[str, float]:
    """Medians of one floor task: plain papermill; the runner's task path cold and warm; the floor's own compute."""
    import nbformat
    import papermill as pm

    from cxkit import warm

    nbs = tmp / "floor_nbs"
    nbs.mkdir(exist_ok=True)
    nbformat.write(from_percent(FLOOR), str(nbs / "00_floor.ipynb"))
    eng = load_engagement(eng_dir, regions=["east"])
    task = plan(eng, tmp / "floor_out", None, nbs)[0]
    hot = plan(eng, tmp / "floor_warm", None, nbs)[0]
    hot.warm = True
    execute_task(hot)                                   # starts this process's zygote: not timed
    plain, cold, hot_s, own = [], [], [], []
    for i in range(repeats):
        t0 = time.perf_counter()
        pm.execute_notebook(str(nbs / "00_floor.ipynb"), str(tmp / f"floor{i}.ipynb"),
                            parameters={"params": task.params, "region": "east", "notebook": "00_floor",
                                        "results_path": str(tmp / f"floor{i}.json"), "results_dir": str(tmp),
                                        "run_dir": str(tmp)},
                            kernel_name="python3", progress_bar=False, cwd=str(nbs))
        plain.append(time.perf_counter() - t0)
        rec = execute_task(task)
        assert rec["status"] == "ok", rec
        cold.append(rec["seconds"])
        rec = execute_task(hot)
        assert rec["status"] == "ok" and rec["kernel"] == "warm", rec
        hot_s.append(rec["seconds"])
        own.append(cell_seconds(hot.outputs()["ipynb"]))
    warm.stop()
    med = statistics.median
    return {"plain": med(plain), "cold": med(cold), "warm": med(hot_s), "own": med(own)}


def task_overheads(out: Path, rep) -> list[float]:
    """Task seconds − seconds in the notebook's cells, for every task of a run that kept its .ipynb."""
    res = []
    for r in rep.records:
        nb = out / r["region"] / f"{r['notebook']}.ipynb"
        if r["status"] == "ok" and nb.is_file():
            res.append(r["seconds"] - cell_seconds(nb))
    return res


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
        lines = [line.strip() for c in node.cells if c.cell_type == "code"
                 for line in c.source.splitlines() if line.startswith(("import ", "from "))]
        out[nb] = timed("; ".join(lines) if lines else "pass")
    return out


def _bytes(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.rglob(pattern) if "/.stage-" not in str(p))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--notebooks", help="comma-separated notebook names (default: all regional notebooks)")
    ap.add_argument("--scale", default="4,8,16")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-loop", action="store_true", help="leave out the (slow) hand loop")
    ap.add_argument("--skip-imports", action="store_true")
    args = ap.parse_args()
    all_nbs = [n for n in available_notebooks() if n != "99_summary"]
    want = args.notebooks.split(",") if args.notebooks else None
    nbs = [n for n in all_nbs if not want or n.split("_")[0] in want or n in want]
    print(f"notebooks: {', '.join(nbs)}", flush=True)
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        eng = engagement(tmp)
        n_tasks = len(load_engagement(eng).regions) * len(nbs)

        t_cold, rep_cold = timed_run(eng, tmp / "cold", nbs)
        t_warm, rep_warm = timed_run(eng, tmp / "warm", nbs, warm=True)
        for name, rep in (("cold", rep_cold), ("warm", rep_warm)):
            for f in rep.failures:
                print(f"   ! {name} run: {f['region']}/{f['notebook']} failed: {f.get('error')}")
        kernels = sorted({r.get("kernel", "?") for r in rep_warm.records if r["status"] == "ok"})
        same = [r["notebook"] for r in rep_cold.records if r["status"] == "ok"
                and (tmp / "warm" / r["region"] / f"{r['notebook']}.results.json").is_file()
                and (tmp / "cold" / r["region"] / f"{r['notebook']}.results.json").read_bytes()
                == (tmp / "warm" / r["region"] / f"{r['notebook']}.results.json").read_bytes()]
        n_ok = sum(r["status"] == "ok" for r in rep_cold.records)
        if not args.skip_loop:
            t_loop, loop_failed = hand_loop(eng, tmp / "loop", nbs)
        print(f"\n1. demo engagement, {n_tasks} playbooks")
        if not args.skip_loop:
            print(f"   hand loop (papermill CLI + nbconvert CLI, sequential): {t_loop:8.1f} s   (baseline)"
                  + (f"  [{loop_failed} notebooks failed]" if loop_failed else ""))
            print(f"   cx run --workers 2 (cold kernels):                    {t_cold:8.1f} s   ratio {t_cold / t_loop:.2f}")
            print(f"   cx run --workers 2 --warm:                            {t_warm:8.1f} s   ratio {t_warm / t_loop:.2f}"
                  "  (target <= 0.25, hoped 0.2)")
        else:
            print(f"   cx run --workers 2 (cold kernels): {t_cold:8.1f} s")
            print(f"   cx run --workers 2 --warm:         {t_warm:8.1f} s   ratio to cold {t_warm / t_cold:.2f}")
        print(f"   warm run kernels: {', '.join(kernels)}; .results.json byte-identical to the cold run: "
              f"{len(same)} of {n_ok}")

        o = overhead(eng, tmp)
        per_task = task_overheads(tmp / "warm", rep_warm)
        print("\n2. per-task overhead, floor notebook (imports + pb.save() only), median of 5")
        print(f"   floor's own compute (its cells in a warm kernel):   {o['own']:6.2f} s")
        print(f"   papermill.execute_notebook alone (cold kernel):     {o['plain']:6.2f} s   overhead {o['plain'] - o['own']:5.2f} s")
        print(f"   runner task, cold kernel (papermill + HTML + results): {o['cold']:6.2f} s   overhead {o['cold'] - o['own']:5.2f} s")
        print(f"   runner task, warm kernel:                           {o['warm']:6.2f} s   overhead {o['warm'] - o['own']:5.2f} s"
              "  (target <= 0.5)")
        if per_task:
            print(f"   demo warm run, task time - time in its cells: median {statistics.median(per_task):.2f} s, "
                  f"max {max(per_task):.2f} s over {len(per_task)} tasks")

        if not args.skip_scale:
            print("\n3. time per region, warm runner, 2 workers", flush=True)
            per = {}
            for k in [int(x) for x in args.scale.split(",")]:
                e = engagement(tmp, k)
                dt, r = timed_run(e, tmp / f"scale{k}", nbs, warm=True, keep_notebooks=False)
                bad = f"  [{len(r.failures)} failed]" if r.failures else ""
                per[k] = dt / k
                print(f"   {k:>2} regions: {dt:7.1f} s total, {per[k]:6.2f} s per region{bad}", flush=True)
            base = per[min(per)]
            spread = max(abs(v / base - 1) for v in per.values())
            print(f"   largest deviation from the {min(per)}-region figure: {100 * spread:.0f}%  (target <= 15%)")

        html, ipynb = _bytes(tmp / "cold", "*.html"), _bytes(tmp / "cold", "*.ipynb")
        same_set = (tmp / "cold" / "index.html").stat().st_size + sum(
            p.stat().st_size for p in (tmp / "cold").glob("*/*.html") if p.stem in BEFORE_NOTEBOOKS)
        print("\n4. playbook weight, demo (cold run)")
        print(f"   HTML: {html:,} B in all ({len(nbs)} notebooks per region + index)")
        print(f"   HTML of the notebooks measured before (00-06) + index: {same_set:,} B   before issue 22: "
              f"{HTML_BEFORE:,} B   ratio {same_set / HTML_BEFORE:.2f}  (target <= 0.5)")
        print(f"   executed .ipynb (kept by default; cx run --no-keep-notebooks leaves them out): {ipynb:,} B   "
              f"before: {IPYNB_BEFORE:,} B")

        if not args.skip_imports:
            print("\n5. import time in a fresh interpreter (median of 3)")
            for k, v in import_times(nbs).items():
                print(f"   {k:<24} {v:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
