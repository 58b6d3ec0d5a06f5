"""The ``cx`` command: run, validate and demo an engagement.

Exit status: 0 when every playbook was produced (or, for validate, no problem
was found); 1 when some task failed; 2 for invalid params or data; 3 for an
internal error (a bug: the message says so; set CX_DEBUG=1 for the traceback).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import CxError

DEMO_DIR = (Path(__file__).parent / "demo_engagement").resolve()   # params/demo in a checkout; package data when installed


def demo_dir() -> Path:
    """Where ``cx demo`` keeps the demo engagement: ``params/demo`` of a source checkout, else (an installed
    wheel, whose package folder may be read-only) a copy of the packaged ``engagement.yaml`` under
    ``$CX_DEMO_DIR`` or ``~/.cache/cx-playbooks/demo``."""
    if os.environ.get("CX_DEMO_DIR"):
        target = Path(os.environ["CX_DEMO_DIR"])
    elif (DEMO_DIR.parents[1] / "pyproject.toml").is_file() and os.access(DEMO_DIR, os.W_OK):
        return DEMO_DIR
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        target = base / "cx-playbooks" / "demo"
    target.mkdir(parents=True, exist_ok=True)
    src = (DEMO_DIR / "engagement.yaml").read_text(encoding="utf-8")
    dst = target / "engagement.yaml"
    if not dst.is_file() or dst.read_text(encoding="utf-8") != src:
        dst.write_text(src, encoding="utf-8")
    return target


def _split(s: str | None) -> list[str] | None:
    return [x.strip() for x in s.split(",") if x.strip()] if s else None


def _add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--regions", help="comma-separated region names (default: all)")
    p.add_argument("--notebooks", help="comma-separated notebook numbers or names, e.g. 02,03")
    p.add_argument("--out", help="output folder (default: outputs/<engagement>)")
    p.add_argument("--workers", type=int, help="parallel worker processes (default: CPU count; 1 = in-process)")
    p.add_argument("--scheduler", help="address of an existing dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="re-run only failed, missing or changed tasks")
    p.add_argument("--keep-notebooks", action=argparse.BooleanOptionalAction, default=True,
                   help="keep each playbook's executed .ipynb beside its HTML (default: yes; a failed task always "
                        "keeps it)")
    p.add_argument("--warm", action=argparse.BooleanOptionalAction, default=None,
                   help="start each task's kernel from a pre-imported process (faster; same results). Default: on "
                        "under Linux, off elsewhere (fork after numpy's BLAS or Apple's frameworks is not safe "
                        "everywhere); --no-warm starts a new Python for every playbook")


def cmd_run(args: argparse.Namespace, engagement: str | Path) -> int:
    from . import warm
    from .progress import RunProgress
    from .runner import run

    rep = run(engagement, out_dir=args.out, regions=_split(args.regions), notebooks=_split(args.notebooks),
              workers=args.workers, scheduler=args.scheduler, resume=args.resume, progress=RunProgress(),
              keep_notebooks=args.keep_notebooks, warm=warm.default_on() if args.warm is None else args.warm)
    if rep.failures:
        print(f"\n{len(rep.failures)} of {len(rep.records)} playbooks failed:", file=sys.stderr)
        for r in rep.failures:
            print(f"  {r['region']}/{r['notebook']}: {r.get('error')}", file=sys.stderr)
    print(rep.index_path.resolve())
    return 0 if rep.ok else 1


def cmd_validate(args: argparse.Namespace) -> int:
    """Check params, then every data file of every region; print one report per file.

    The report (stdout) gives per file: rows, columns, format, encoding, policy,
    and every finding with its column, first spreadsheet rows and examples.
    Errors are repeated on stderr. Exit 0 when no error was found (warnings
    allowed), 2 on any error (params errors stop before the data is read).
    """
    from .config import load_engagement
    from .validation import validate_region

    eng = load_engagement(args.engagement)
    errors: list[str] = []
    n_warn = 0
    for name, reg in eng.regions.items():
        reports = validate_region(reg.params)
        bad = [r for r in reports if not r.ok]
        status = "ok" if not bad else "ERRORS"
        print(f"== region {name} ({reg.params.get('label', name)}) · "
              f"validation.policy {reg.params.get('validation', {}).get('policy', 'error')} · {status}")
        if not reports:
            print("  (no data files set for this region)")
        for rep in reports:
            print("  " + rep.render().replace("\n", "\n  "))
            n_warn += len(rep.warnings)
            if rep.fatal is not None:
                errors.append(f"{name}: {rep.fatal}")
            else:
                errors += [f"{name}: {f.render(rep.file)}" for f in rep.errors]
        if not bad:
            cb_errors, cb_warn = _codebook_findings(reg.params)
            for line in cb_errors + cb_warn:
                print("  " + line)
            errors += [f"{name}: {e}" for e in cb_errors]
            n_warn += len(cb_warn)
    if errors:
        print(f"\n{len(errors)} error(s) in {len(eng.regions)} region(s):", file=sys.stderr)
        for e in errors:
            print("  " + e.replace("\n", "\n  "), file=sys.stderr)
        return 2
    warn = f", {n_warn} warning(s)" if n_warn else ""
    print(f"{eng.file}: valid ({len(eng.regions)} regions{warn})")
    return 0


def _codebook_findings(params: dict) -> tuple[list[str], list[str]]:
    """Response file vs the questionnaire's codebook (notebook 01): answer codes and ranges.

    Only when the engagement defines ``design.questionnaire``. Columns the codebook does not
    know are fine (CRM exports carry extra columns); a value that is not an answer code, out
    of range or not numeric is an error under ``validation.policy: error``, a warning under ``warn``.
    """
    if not params.get("responses") or not (params.get("design") or {}).get("questionnaire"):
        return [], []
    from pathlib import Path

    from . import survey
    from .validation import read_responses

    df, _ = read_responses(params)  # text labels already mapped to codes
    problems = [p for p in survey.check_against_codebook(df, survey.codebook(params)) if p["kind"] != "unknown_column"]
    file = Path(params["responses"]).name
    lines = [f"{file}, column '{p['column']}' [rows {', '.join(map(str, p['rows']))}]: {p['message']} "
             f"({p['n']} cells; codebook of notebook 01)" for p in problems]
    return (lines, []) if params.get("validation", {}).get("policy", "error") == "error" else ([], lines)


def cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    where = demo_dir()
    written = demo.generate(where)
    if written:
        print(f"demo data written to {where / 'data'} ({len(written)} files)", file=sys.stderr)
    args.out = args.out or "outputs/demo"
    return cmd_run(args, where)


def main(argv: list[str] | None = None) -> int:
    from . import __version__

    parser = argparse.ArgumentParser(prog="cx", description="cx-playbooks: customer-satisfaction playbooks")
    parser.add_argument("--version", action="version", version=f"cx-playbooks (cxkit) {__version__}")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_run = sub.add_parser("run", help="run every notebook for every region of an engagement")
    p_run.add_argument("engagement", help="engagement folder (holding engagement.yaml)")
    _add_run_args(p_run)
    p_val = sub.add_parser("validate", help="check params and data without running anything")
    p_val.add_argument("engagement")
    p_demo = sub.add_parser("demo", help="generate and run the embedded demo engagement")
    _add_run_args(p_demo)
    p_init = sub.add_parser("init", help="draft params/<name>/engagement.yaml from a client's data file")
    p_init.add_argument("datafile", help="the client's export: CSV, XLSX, SPSS .sav, Qualtrics, 问卷星")
    p_init.add_argument("--out", help="engagement folder to write (default: params/<file name>)")
    p_init.add_argument("--language", choices=("zh", "en"), help="language of the playbooks (default: guessed)")
    p_init.add_argument("--complaints", help="a complaint / verbatim file for notebook 04")
    p_init.add_argument("--force", action="store_true", help="replace an existing engagement.yaml")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "run":
            return cmd_run(args, args.engagement)
        if args.cmd == "validate":
            return cmd_validate(args)
        if args.cmd == "init":
            from .draft import cmd_init
            return cmd_init(args)
        return cmd_demo(args)
    except CxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CX_DEBUG"):
            raise
        print(f"internal error (a bug in cx-playbooks, please report it): {type(exc).__name__}: {exc}\n"
              f"  set CX_DEBUG=1 to see the traceback", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
