"""The engagement runner: every (region, notebook) through papermill, then HTML, results, manifest, index.

Flow of ``cx run ENGAGEMENT_DIR``:

1. :func:`cxkit.config.load_engagement` validates the params (any problem stops
   the run before a kernel starts).
2. :func:`check_region_data` reads each region's files; a region whose data is
   unusable is reported as failed and skipped, the others go on.
3. Tasks are scheduled: a region's notebooks run in numeric order (later ones
   read earlier results); regions run in parallel on a dask.distributed
   cluster (an embedded LocalCluster, or ``--scheduler`` for an existing one),
   or in-process with ``--workers 1``.
4. Each task (:func:`execute_task`) runs papermill into a staging folder,
   exports HTML there, and only then renames ``.ipynb``, ``.results.json`` and
   ``.html`` into place: a killed or failed task never leaves a half-written
   playbook. A failed task keeps its executed notebook (with the error).
5. ``manifest.json``, the stakeholder deck and workbook (:mod:`cxkit.deliverables`; a failure there is a
   manifest warning, not a failed run) and ``index.html`` are written; the exit status is 0 only
   when every playbook was produced.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import __version__, contracts
from .config import Engagement, load_engagement, sha256_file
from .errors import CxError, ConfigError, DataError
from .report import write_json_atomic

SUMMARY_NOTEBOOK = "99_summary"
NOT_APPLICABLE = "not_applicable"
DONE = ("ok", "reused", NOT_APPLICABLE)      # statuses that count as success (exit 0)
NB_NAME = re.compile(r"^\d{2}_[a-z0-9_]+$")
PACKAGES = ("cxkit", "papermill", "nbconvert", "nbclient", "ipykernel", "pandas", "numpy", "scipy",
            "matplotlib", "seaborn", "pingouin", "statsmodels", "factor_analyzer", "semopy",
            "numpy-financial", "pyxform", "pyreadstat", "dask", "distributed", "pydantic", "jieba", "python-pptx",
            "openpyxl")


def notebooks_dir() -> Path:
    """Folder of the playbook notebooks: $CX_NOTEBOOKS, else the package's ``notebooks`` (package data in
    an installed wheel; a link to ``notebooks/`` of the source tree in a checkout)."""
    env = os.environ.get("CX_NOTEBOOKS")
    if env:
        return Path(env)
    return (Path(__file__).parent / "notebooks").resolve()


def available_notebooks(folder: Path | None = None) -> list[str]:
    """Notebook names (``NN_topic``) found in the notebooks folder, sorted."""
    folder = folder or notebooks_dir()
    return sorted(p.stem for p in folder.glob("*.ipynb") if NB_NAME.match(p.stem))


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class Task:
    region: str                       # region name, or "_engagement" for the summary
    notebook: str
    params: dict[str, Any]
    input_path: str
    out_dir: str                      # run output folder (--out)
    fingerprint: str = ""
    depends: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)   # required inputs/sections that are absent
    keep_notebook: bool = True        # keep the executed .ipynb beside the playbook (cx run --no-keep-notebooks)
    warm: bool = False                # run in a kernel forked from a pre-imported zygote (cxkit.warm; cx run --warm)
    input_cache: str = ""             # folder of the run's parsed-input cache (cxkit.inputcache), "" = none
    input_cache_key: str = ""         # the run's key signing that cache's entries

    @property
    def key(self) -> str:
        return f"{self.region}/{self.notebook}"

    @property
    def region_dir(self) -> Path:
        return Path(self.out_dir) / self.region

    def outputs(self) -> dict[str, Path]:
        d = self.region_dir
        return {"html": d / f"{self.notebook}.html", "ipynb": d / f"{self.notebook}.ipynb",
                "results": d / f"{self.notebook}.results.json"}


def _error_message(exc: BaseException) -> str:
    """A one-line, user-facing message for a task failure (no traceback)."""
    try:
        from papermill.exceptions import PapermillExecutionError
    except ModuleNotFoundError:  # pragma: no cover
        PapermillExecutionError = ()  # type: ignore
    if isinstance(exc, PapermillExecutionError):
        msg = f"{exc.ename}: {exc.evalue}"
        if exc.ename not in ("CxError", "ConfigError", "DataError", "AnalysisError"):
            msg += f" (cell {exc.exec_count})"
        return msg
    if isinstance(exc, CxError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _clear_outputs(task: Task) -> None:
    """Remove every ``<notebook>.*`` file of the task's region folder (playbook, results, extra exports)."""
    for p in task.region_dir.glob(f"{task.notebook}.*"):
        if p.is_file():
            p.unlink(missing_ok=True)


# every kernel's: set ordering (e.g. inside semopy) never varies between runs; debugpy (imported by every kernel,
# and by the warm zygote once) never prints its frozen-modules warning
KERNEL_ENV = {"PYTHONHASHSEED": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
# A kernel that has not answered within KERNEL_START_TIMEOUT seconds of its start (a cold start takes 2-5 s; once in
# a CI run one never answered at all) is replaced by a new one, KERNEL_START_RETRIES times, before the task fails.
KERNEL_START_TIMEOUT = 120
KERNEL_START_RETRIES = 1


def _kernel_start_failed(exc: BaseException) -> bool:
    """jupyter_client's errors for a kernel that never became ready (raised before any cell runs)."""
    msg = str(exc)
    return msg.startswith(("Kernel didn't respond", "Kernel died before replying to kernel_info"))


@contextlib.contextmanager
def _kernel_env(**values: str):
    """Environment variables for the kernels started inside the block (a kernel copies the environment when
    it starts); the caller's environment is given back as it was on exit."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute_task(task: Task, *_upstream: Any) -> dict[str, Any]:
    """Run one (region, notebook): papermill → HTML → results, all renamed into place at the end.

    Never raises: returns a status record for the manifest. Extra positional
    arguments (upstream results passed by dask for ordering) are ignored.
    """
    import papermill as pm

    from .export import export_html

    t0 = time.perf_counter()
    outs = task.outputs()
    task.region_dir.mkdir(parents=True, exist_ok=True)
    _clear_outputs(task)  # stale outputs of an earlier run must not pass for this run's
    for old in task.region_dir.glob(f".stage-{task.notebook}-*"):  # left by a killed worker
        shutil.rmtree(old, ignore_errors=True)
    stage = task.region_dir / f".stage-{task.notebook}-{os.getpid()}-{time.time_ns()}"
    stage.mkdir()
    staged = {k: stage / v.name for k, v in outs.items()}
    record: dict[str, Any] = {"region": task.region, "notebook": task.notebook, "status": "failed",
                              "error": None, "fingerprint": task.fingerprint}
    cache_env = {"CX_INPUT_CACHE": task.input_cache, "CX_INPUT_CACHE_KEY": task.input_cache_key} \
        if task.input_cache else {}
    try:
        with _kernel_env(**KERNEL_ENV, **cache_env):
            # set ordering (e.g. inside semopy) must not vary between runs: byte-identical .results.json
            engine: dict[str, Any] = {}
            if task.warm:       # a kernel forked from this worker's zygote (cxkit.warm); cold if none can start
                from .warm import kernel_manager_class
                km_class = kernel_manager_class()
                if km_class is not None:
                    # the last cell's outputs are in when it is idle: the kernel is killed, not asked to stop
                    engine.update(kernel_manager_class=km_class, shutdown_kernel="immediate")
            record["kernel"] = "warm" if engine else "cold"
            for attempt in range(1 + KERNEL_START_RETRIES):
                try:
                    pm.execute_notebook(
                        task.input_path, str(staged["ipynb"]),
                        parameters={"params": task.params, "region": task.region, "notebook": task.notebook,
                                    "results_path": str(staged["results"]), "results_dir": str(task.region_dir),
                                    "run_dir": str(task.out_dir)},
                        kernel_name="python3", progress_bar=False, log_output=False,
                        start_timeout=KERNEL_START_TIMEOUT, cwd=str(Path(task.input_path).parent),
                        request_save_on_cell_execute=False,
                        extra_arguments=["--IPKernelApp.log_level=50", "--HistoryManager.enabled=False"], **engine,
                    )
                    break
                except RuntimeError as exc:
                    # the kernel never answered (no cell ran): a new kernel, once, before the task fails
                    if attempt == KERNEL_START_RETRIES or not _kernel_start_failed(exc):
                        raise
                    record["kernel_restarts"] = attempt + 1
                    staged["ipynb"].unlink(missing_ok=True)
        if not staged["results"].is_file():
            raise CxError("the notebook finished without saving its results (pb.save() not called)")
        export_html(staged["ipynb"], staged["html"], task.params, task.notebook)
        os.replace(staged["results"], outs["results"])
        if task.keep_notebook:
            os.replace(staged["ipynb"], outs["ipynb"])
        os.replace(staged["html"], outs["html"])  # last: the playbook appears only when complete
        record.update(status="ok")
        _write_journal(task, {**record, "seconds": round(time.perf_counter() - t0, 3)})
    except BaseException as exc:  # noqa: BLE001 - reported, never propagated
        record["error"] = _error_message(exc)
        if os.environ.get("CX_DEBUG"):
            record["traceback"] = traceback.format_exc()
        _clear_outputs(task)  # files the notebook wrote beside its playbook before failing
        if staged["ipynb"].is_file():  # keep the executed notebook with the error, for diagnosis
            os.replace(staged["ipynb"], outs["ipynb"])
        if isinstance(exc, KeyboardInterrupt):
            raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        record["seconds"] = round(time.perf_counter() - t0, 3)
    return record


def check_region_data(eng: Engagement) -> dict[str, str]:
    """Read every region's response and complaint files; return {region: error message} for unusable ones."""
    from . import validation as cxio

    bad: dict[str, str] = {}
    for name, reg in eng.regions.items():
        try:
            if reg.params.get("responses"):
                cxio.read_responses(reg.params)
            if reg.params.get("complaints"):
                cxio.read_complaints(reg.params)
        except DataError as exc:
            bad[name] = str(exc)
    return bad


def _fingerprint(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8"))
    return h.hexdigest()[:20]


def plan(eng: Engagement, out_dir: Path, notebooks: list[str] | None = None,
         nb_folder: Path | None = None) -> list[Task]:
    """The tasks of a run, in dependency order, each with a fingerprint of everything it depends on."""
    nb_folder = nb_folder or notebooks_dir()
    names = available_notebooks(nb_folder)
    if notebooks:
        chosen = []
        for n in notebooks:
            match = [x for x in names if x == n or x.startswith(n + "_") or x.split("_", 1)[0] == n]
            if not match:
                raise ConfigError(f"--notebooks: no notebook '{n}'; available: {', '.join(names)}")
            chosen += match
        names = sorted(set(chosen))
    regional = [n for n in names if n != SUMMARY_NOTEBOOK]
    nb_sha = {n: sha256_file(nb_folder / f"{n}.ipynb") for n in names}
    in_sha = {str(p): sha256_file(p) for reg in eng.regions.values() for p in reg.inputs.values()}
    tasks: list[Task] = []
    for rname, reg in eng.regions.items():
        if reg.params.get("notebooks"):
            allowed = set(reg.params["notebooks"])
            nbs = [n for n in regional if n in allowed or n.split("_", 1)[0] in allowed]
        else:
            nbs = regional
        prev: list[Task] = []
        by_name: dict[str, Task] = {}
        for n in nbs:
            sp = contracts.spec(n)
            if sp is None:   # undeclared: reads everything, after every earlier notebook
                ups = [t for t in prev if not t.not_applicable]
                fp = _fingerprint(__version__, nb_sha[n], reg.params,
                                  {k: in_sha[str(p)] for k, p in reg.inputs.items()}, [t.fingerprint for t in ups])
                missing: list[str] = []
            else:            # declared: exactly the sections, inputs and upstream results it reads
                ups = [by_name[u] for u in sp.upstream if u in by_name and not by_name[u].not_applicable]
                fp = _fingerprint(__version__, nb_sha[n], sp.fingerprint_params(reg.params),
                                  {k: in_sha[str(p)] for k, p in reg.inputs.items()
                                   if k.split(":", 1)[0] in sp.inputs},          # "waves:<label>" → waves
                                  [t.fingerprint for t in ups])
                missing = sp.missing(reg.params)
            t = Task(rname, n, reg.params, str(nb_folder / f"{n}.ipynb"), str(out_dir), fp, [x.key for x in ups],
                     not_applicable=missing)
            tasks.append(t)
            by_name[n] = t
            prev = prev + [t]
    if SUMMARY_NOTEBOOK in names:
        first = next(iter(eng.regions.values())).params
        params = {k: v for k, v in first.items() if k not in ("region", "label", "responses", "complaints",
                                                              "previous_responses", "retest_responses", "waves")}
        params.update(region="_engagement", label="", regions={r: g.params for r, g in eng.regions.items()})
        ran = [t for t in tasks if not t.not_applicable]
        fp = _fingerprint(__version__, nb_sha[SUMMARY_NOTEBOOK], params, [t.fingerprint for t in ran])
        tasks.append(Task("_engagement", SUMMARY_NOTEBOOK, params, str(nb_folder / f"{SUMMARY_NOTEBOOK}.ipynb"),
                          str(out_dir), fp, [t.key for t in ran]))
    return tasks


JOURNAL_SUFFIX = "task.json"


def _journal_path(task: Task) -> Path:
    return task.region_dir / f"{task.notebook}.{JOURNAL_SUFFIX}"


def _write_journal(task: Task, record: dict[str, Any]) -> None:
    """The finished task's record beside its outputs: the fingerprint of what it read and the sha256 of each
    output, written atomically after the playbook (a task killed before this line has no record and re-runs)."""
    from .report import write_json_atomic

    rec = {**record, "outputs_sha256": {k: sha256_file(p) for k, p in task.outputs().items() if p.is_file()},
           "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    write_json_atomic(_journal_path(task), rec)


def journal_record(task: Task) -> dict[str, Any] | None:
    """The task's journal record when it can be trusted *now*: same fingerprint as the task (same notebook,
    params, inputs, upstream) and every output file still the one the task wrote (sha256); else None."""
    p = _journal_path(task)
    try:
        rec = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if rec.get("status") != "ok" or rec.get("fingerprint") != task.fingerprint:
        return None
    hashes = rec.get("outputs_sha256") or {}
    for k, path in task.outputs().items():
        if k == "ipynb" and k not in hashes and not task.keep_notebook:
            continue            # made without its .ipynb (--no-keep-notebooks) and none is asked for now
        if not path.is_file() or hashes.get(k) != sha256_file(path):
            return None
    return rec


def _reusable(task: Task) -> dict[str, Any] | None:
    return journal_record(task)


@contextlib.contextmanager
def out_lock(out: Path):
    """Hold ``out/.cx-run.lock`` for the run: a second run on the same folder stops at once, naming the holder.

    A lock left by a process that is gone (same host, pid not running) is stale and taken over.
    """
    import socket

    lock = out / ".cx-run.lock"
    me = {"pid": os.getpid(), "host": socket.gethostname(),
          "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    for attempt in (1, 2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                holder = json.loads(lock.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                holder = {}
            alive = True
            if holder.get("host") == me["host"] and isinstance(holder.get("pid"), int):
                try:
                    os.kill(holder["pid"], 0)
                except ProcessLookupError:
                    alive = False
                except PermissionError:
                    pass
            if alive or attempt == 2:
                raise RunError(f"{out} is in use by another cx run (pid {holder.get('pid', '?')} on "
                               f"{holder.get('host', '?')}, started {holder.get('started', '?')})",
                               hint=f"wait for it to finish or use another --out; if no run is going on, delete {lock}"
                               ) from None
            lock.unlink(missing_ok=True)          # stale: its process is gone
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(me, fh)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


class RunError(CxError):
    """The run cannot start or go on (folder in use or not writable, scheduler unreachable or without workers)."""


@dataclass
class RunReport:
    out_dir: Path
    records: list[dict[str, Any]]
    manifest_path: Path
    index_path: Path

    @property
    def ok(self) -> bool:
        return all(r["status"] in DONE for r in self.records)

    @property
    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["status"] not in DONE]


def run(engagement_dir: str | Path, *, out_dir: str | Path | None = None, regions: list[str] | None = None,
        notebooks: list[str] | None = None, workers: int | None = None, scheduler: str | None = None,
        resume: bool = False, progress: Callable[[dict, int, int], None] | None = None,
        notebooks_folder: str | Path | None = None, keep_notebooks: bool = True, warm: bool = False,
        input_cache: bool = True) -> RunReport:
    """Run the engagement's notebooks; write playbooks, results, ``manifest.json`` and ``index.html``.

    ``keep_notebooks=False`` leaves out the executed ``.ipynb`` of a playbook that succeeded (a failed task keeps
    it, for diagnosis); ``warm=True`` runs each task in a kernel forked from a pre-imported zygote
    (:mod:`cxkit.warm`); ``input_cache`` parses each region's inputs once per run (:mod:`cxkit.inputcache`).

    Raises :class:`ConfigError` (before anything runs) when the params are invalid.
    """
    started = datetime.now(timezone.utc)
    eng = load_engagement(engagement_dir, regions=regions)
    # absolute: kernels run with the notebooks folder as working directory
    out = (Path(out_dir) if out_dir else Path("outputs") / eng.name).resolve()
    if scheduler:
        _check_address(scheduler)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".cx-write-test-{os.getpid()}"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except FileExistsError:
        raise RunError(f"--out {out} is a file, not a folder", hint="give a folder for the playbooks") from None
    except OSError as exc:
        raise RunError(f"cannot write into --out {out} ({exc.strerror or exc})",
                       hint="choose a folder you can write to") from None
    with out_lock(out):
        return _run_locked(eng, engagement_dir, out, started, regions=regions, notebooks=notebooks, workers=workers,
                           scheduler=scheduler, resume=resume, progress=progress, notebooks_folder=notebooks_folder,
                           options={"keep_notebooks": keep_notebooks, "warm": warm, "input_cache": input_cache})


def _run_locked(eng: Engagement, engagement_dir, out: Path, started: datetime, *, regions, notebooks, workers,
                scheduler, resume, progress, notebooks_folder, options: dict[str, Any] | None = None) -> RunReport:
    from . import inputcache

    options = options or {}
    nb_folder = Path(notebooks_folder) if notebooks_folder else None
    tasks = plan(eng, out, notebooks, nb_folder)
    cache_dir = out / inputcache.FOLDER
    shutil.rmtree(cache_dir, ignore_errors=True)        # left by a killed run: entries are signed per run anyway
    cache_key = inputcache.new_key() if options.get("input_cache", True) else ""
    for t in tasks:
        t.keep_notebook = options.get("keep_notebooks", True)
        t.warm = bool(options.get("warm"))
        if cache_key:
            t.input_cache, t.input_cache_key = str(cache_dir), cache_key
    try:
        return _run_tasks(eng, engagement_dir, out, started, tasks, regions=regions, notebooks=notebooks,
                          workers=workers, scheduler=scheduler, resume=resume, progress=progress, nb_folder=nb_folder,
                          options=options)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        if options.get("warm"):
            from .warm import stop
            stop()                 # the zygote of an in-process run (workers' zygotes end with their workers)


def _run_tasks(eng: Engagement, engagement_dir, out: Path, started: datetime, tasks: list[Task], *, regions,
               notebooks, workers, scheduler, resume, progress, nb_folder, options) -> RunReport:
    if options.get("warm") and workers == 1 and not scheduler:
        from .warm import prestart
        prestart(KERNEL_ENV)      # the zygote imports while the inputs are checked below
    # read here without the cache: the kernels (PYTHONHASHSEED=0) fill it, so a notebook gets exactly what
    # its own read would give
    bad_regions = check_region_data(eng)

    records: dict[str, dict[str, Any]] = {}
    to_run: list[Task] = []
    if progress is not None and hasattr(progress, "start"):
        progress.start(tasks)
    for t in tasks:
        if t.not_applicable:
            _clear_outputs(t)
            records[t.key] = {"region": t.region, "notebook": t.notebook, "status": NOT_APPLICABLE,
                              "error": None, "missing": t.not_applicable, "seconds": 0.0,
                              "fingerprint": t.fingerprint}
        elif t.region in bad_regions:
            _clear_outputs(t)
            records[t.key] = {"region": t.region, "notebook": t.notebook, "status": "failed",
                              "error": bad_regions[t.region], "seconds": 0.0, "fingerprint": t.fingerprint}
        elif resume and (old := _reusable(t)) is not None:
            records[t.key] = {k: v for k, v in old.items() if k not in ("outputs_sha256", "finished")} | {"status": "reused"}
        else:
            to_run.append(t)
    for r in records.values():
        if progress:
            progress(r, len(records), len(tasks))
    done = len(records)

    def _on_done(rec: dict[str, Any]) -> None:
        nonlocal done
        done += 1
        records[f"{rec['region']}/{rec['notebook']}"] = rec
        if progress:
            progress(rec, done, len(tasks))

    if to_run:
        n_workers = workers or max(1, min(os.cpu_count() or 1, len(to_run)))
        if scheduler or n_workers > 1:
            _run_dask(to_run, n_workers, scheduler, _on_done)
        else:
            for t in to_run:
                _on_done(execute_task(t))

    if progress is not None and hasattr(progress, "stop"):
        progress.stop()
    for stale in out.glob("*/.stage-*"):  # staging folders of tasks whose worker was killed
        shutil.rmtree(stale, ignore_errors=True)
    ordered = [records[t.key] for t in tasks]
    # the manifest and index describe the whole folder: tasks of this run, and finished tasks of earlier runs
    # (partial --regions/--notebooks runs) from their journals, marked "outdated" when their inputs changed
    all_eng, all_tasks, shown = eng, tasks, list(ordered)
    if regions or notebooks:
        try:
            all_eng = load_engagement(engagement_dir)
            all_tasks = plan(all_eng, out, None, nb_folder)
            for t in all_tasks:
                t.keep_notebook = options.get("keep_notebooks", True)
        except CxError:
            all_eng, all_tasks = eng, tasks
        here = {t.key for t in tasks}
        for t in all_tasks:
            if t.key in here:
                continue
            rec = journal_record(t)
            if rec is not None:
                shown.append({k: v for k, v in rec.items() if k not in ("outputs_sha256", "finished")} | {"status": "reused"})
            elif _journal_path(t).is_file():
                shown.append({"region": t.region, "notebook": t.notebook, "status": "outdated", "error": None,
                              "seconds": 0.0, "fingerprint": t.fingerprint})
        pos = {t.key: i for i, t in enumerate(all_tasks)}
        shown.sort(key=lambda r: pos.get(f"{r['region']}/{r['notebook']}", len(pos)))
    manifest = build_manifest(all_eng, out, shown, started, {"regions": regions, "notebooks": notebooks,
                                                             "workers": workers, "scheduler": scheduler,
                                                             "resume": resume, **options})
    manifest["ok"] = all(r["status"] in DONE for r in ordered)
    write_json_atomic(out / "manifest.json", manifest)
    write_deliverables(out, all_eng, manifest)
    from .index import write_index
    index_path = write_index(out, all_eng, shown, all_tasks, deliverables=manifest.get("deliverables"))
    return RunReport(out, ordered, out / "manifest.json", index_path)


_ADDRESS = re.compile(r"^(?:(?:tcp|tls)://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def _check_address(address: str) -> None:
    """A dask scheduler address is ``tcp://host:port`` (or ``host:port``, ``tls://``): anything else is a usage
    error named before anything runs (an http:// dashboard URL, a port that is not a number)."""
    m = _ADDRESS.match(address.strip())
    if not m or not 0 < int(m.group(2)) < 65536:
        hint = "give the scheduler's address, e.g. tcp://10.0.0.5:8786"
        if address.startswith(("http://", "https://")):
            hint += " (http:// is the dashboard's address, not the scheduler's)"
        raise RunError(f"--scheduler '{address}' is not a dask scheduler address", hint=hint)


CONNECT_TIMEOUT = int(os.environ.get("CX_CONNECT_TIMEOUT", "20"))   # seconds to reach a --scheduler
WORKER_TIMEOUT = int(os.environ.get("CX_WORKER_TIMEOUT", "60"))     # seconds to wait for its first worker


def _run_dask(tasks: list[Task], n_workers: int, scheduler: str | None,
              on_done: Callable[[dict], None]) -> None:
    """Submit tasks to dask.distributed with their dependencies; call ``on_done`` as each finishes."""
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        try:
            client = _connect(Client, scheduler)
        except (OSError, TimeoutError) as exc:
            raise RunError(f"cannot reach the dask scheduler at {scheduler} within {CONNECT_TIMEOUT} s "
                           f"({type(exc).__name__})", hint="start it with `dask scheduler`, or check the address "
                           "and that the port is open; without --scheduler cx starts its own workers") from None
        try:
            client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except (TimeoutError, OSError):
            client.close()
            raise RunError(f"the dask scheduler at {scheduler} has no worker (waited {WORKER_TIMEOUT} s)",
                           hint=f"start workers with `dask worker {scheduler}`") from None
    else:
        # A task that kills its worker must not take innocent tasks down with it: workers hold only the
        # task they run (saturation 1.0), and a task survives a few worker deaths before it is reported.
        with dask.config.set({"distributed.scheduler.worker-saturation": 1.0,
                              "distributed.scheduler.allowed-failures": 6}):
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        if any(t.warm for t in tasks):
            from .warm import prestart
            with contextlib.suppress(Exception):     # best effort: a task starts its zygote itself otherwise
                client.run(prestart, KERNEL_ENV)
        futures = {}
        for t in tasks:
            deps = [futures[k] for k in t.depends if k in futures]
            futures[t.key] = client.submit(execute_task, t, *deps, key=f"cx-{t.key}-{t.fingerprint}",
                                           pure=False, retries=1)
        by_future = {f: k for k, f in futures.items()}
        task_by_key = {t.key: t for t in tasks}

        def finished(fut) -> None:
            key = by_future[fut]
            try:
                rec = fut.result()
            except Exception as exc:  # worker died twice, or the task could not be deserialised
                t = task_by_key[key]
                rec = {"region": t.region, "notebook": t.notebook, "status": "failed",
                       "error": f"worker failure: {type(exc).__name__}: {exc}", "seconds": 0.0,
                       "fingerprint": t.fingerprint}
            on_done(rec)

        if not scheduler:       # our own cluster: its nannies restart dead workers
            for fut in as_completed(list(futures.values())):
                finished(fut)
            return
        _watch_external(client, scheduler, futures, by_future, task_by_key, finished, on_done)
    except KeyboardInterrupt:
        # Ctrl-C reaches the workers too: the nannies then log their workers' exits as errors with
        # tracebacks while the cluster closes. The run says "interrupted" once; nothing else is news.
        import logging
        logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _connect(client_class, scheduler: str):
    """A client of the scheduler at ``scheduler``, or TimeoutError after ``CONNECT_TIMEOUT`` seconds in all.

    dask's own ``timeout`` covers the TCP connection only: a port held by another kind of server (an HTTP
    server, a database) accepts the connection and then never answers dask's handshake, which would wait forever.
    """
    import threading

    box: dict[str, Any] = {}

    def connect() -> None:
        try:
            box["client"] = client_class(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    th = threading.Thread(target=connect, name="cx-connect", daemon=True)   # daemon: never holds up the exit
    th.start()
    th.join(CONNECT_TIMEOUT + 2)
    if "client" in box:
        return box["client"]
    if "error" in box:
        raise box["error"]
    raise TimeoutError(f"no dask handshake from {scheduler}")


def _watch_external(client, scheduler: str, futures: dict, by_future: dict, task_by_key: dict,
                    finished: Callable, on_done: Callable[[dict], None]) -> None:
    """Collect an external cluster's results, and stop waiting when it has had no worker for ``WORKER_TIMEOUT``
    seconds (all workers lost mid-run): the unfinished tasks are cancelled, so none writes a playbook after the
    run has reported it failed, and each is reported with what to do."""
    from dask.distributed import wait

    pending = set(futures.values())
    alone_since: float | None = None
    while pending:
        try:
            done, pending = wait(pending, timeout=min(5, WORKER_TIMEOUT), return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        for fut in done:
            finished(fut)
        if not pending:
            return
        try:
            workers = len(client.scheduler_info().get("workers", {}))
        except Exception:  # noqa: BLE001 - a scheduler that went away counts as no worker
            workers = 0
        if workers:
            alone_since = None
            continue
        alone_since = alone_since or time.monotonic()
        if time.monotonic() - alone_since < WORKER_TIMEOUT:
            continue
        client.cancel(list(pending))
        for fut in pending:
            t = task_by_key[by_future[fut]]
            _clear_outputs(t)
            on_done({"region": t.region, "notebook": t.notebook, "status": "failed",
                     "error": f"the dask cluster at {scheduler} lost its last worker: no worker for {WORKER_TIMEOUT} s; "
                              "start workers (`dask worker ADDR`) and run again with --resume",
                     "seconds": 0.0, "fingerprint": t.fingerprint})
        return


def write_deliverables(out: Path, eng: Engagement, manifest: dict[str, Any]) -> dict[str, Any]:
    """The stakeholder deck and workbook (:mod:`cxkit.deliverables`) from the results in ``out``, added to the
    manifest as ``deliverables: {deck, workbook}`` (file names in ``out``) and the manifest written again.

    Never fails the run: a deliverable that cannot be built is left out and a ``warnings`` entry of the manifest
    says why (the playbooks stand on their own).
    """
    lang = eng.raw.get("language") if eng.raw.get("language") in ("zh", "en") else "zh"
    try:
        from .deliverables import build_all
        built, problems = build_all(out, lang)
    except Exception as exc:  # noqa: BLE001 - e.g. python-pptx missing: reported, never propagated
        built, problems = {}, [f"deliverables: {type(exc).__name__}: {exc}"]
    manifest["deliverables"] = built
    manifest["warnings"] = list(manifest.get("warnings") or []) + [{"level": "warn", "message": m} for m in problems]
    write_json_atomic(out / "manifest.json", manifest)
    return manifest


def build_manifest(eng: Engagement, out: Path, records: list[dict], started: datetime,
                   options: dict[str, Any]) -> dict[str, Any]:
    """The run's manifest: inputs with sha256, resolved params, versions, per-task status and timing."""
    inputs = {rel: {"path": str(p), "sha256": sha256_file(p)} for rel, p in eng.input_files().items()}
    return {
        "engagement": eng.name,
        "client": _text(eng.raw.get("client"), eng.raw.get("language")),
        "wave": eng.raw.get("wave"),
        "engagement_dir": str(eng.root.resolve()),
        "out_dir": str(out.resolve()),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "options": options,
        "versions": package_versions(),
        "inputs": inputs,
        "validation_policy": {r: g.params.get("validation", {}).get("policy") for r, g in eng.regions.items()},
        "params": {r: g.params for r, g in eng.regions.items()},
        "tasks": [{**r, "outputs": {k: str(Path(r["region"]) / f"{r['notebook']}.{ext}")
                                     for k, ext in (("html", "html"), ("ipynb", "ipynb"),
                                                    ("results", "results.json"))
                                     if (out / r["region"] / f"{r['notebook']}.{ext}").is_file()}}
                  for r in records],
        "ok": all(r["status"] in DONE for r in records),
    }


def _text(v: Any, lang: Any) -> Any:
    """A possibly bilingual name (``{zh: …, en: …}``) in the engagement's language."""
    if isinstance(v, dict) and v:
        return str(v.get(lang if lang in ("zh", "en") else "zh") or next(iter(v.values())))
    return v
