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

DEMO_DIR = Path(__file__).resolve().parents[2] / "params" / "demo"


def _split(s: str | None) -> list[str] | None:
    return [x.strip() for x in s.split(",") if x.strip()] if s else None


def _add_run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--regions", help="comma-separated region names (default: all)")
    p.add_argument("--notebooks", help="comma-separated notebook numbers or names, e.g. 02,03")
    p.add_argument("--out", help="output folder (default: outputs/<engagement>)")
    p.add_argument("--workers", type=int, help="parallel worker processes (default: CPU count; 1 = in-process)")
    p.add_argument("--scheduler", help="address of an existing dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--resume", action="store_true", help="re-run only failed, missing or changed tasks")


def cmd_run(args: argparse.Namespace, engagement: str | Path) -> int:
    from .progress import RunProgress
    from .runner import run

    rep = run(engagement, out_dir=args.out, regions=_split(args.regions), notebooks=_split(args.notebooks),
              workers=args.workers, scheduler=args.scheduler, resume=args.resume, progress=RunProgress())
    if rep.failures:
        print(f"\n{len(rep.failures)} of {len(rep.records)} playbooks failed:", file=sys.stderr)
        for r in rep.failures:
            print(f"  {r['region']}/{r['notebook']}: {r.get('error')}", file=sys.stderr)
    print(rep.index_path.resolve())
    return 0 if rep.ok else 1


def cmd_validate(args: argparse.Namespace) -> int:
    from .config import load_engagement
    from .runner import check_region_data

    eng = load_engagement(args.engagement)
    bad = check_region_data(eng)
    for name in eng.regions:
        if name in bad:
            print(f"{name}: {bad[name]}", file=sys.stderr)
        else:
            print(f"{name}: ok")
    if bad:
        print(f"{len(bad)} region(s) with unusable data", file=sys.stderr)
        return 2
    print(f"{eng.file}: valid ({len(eng.regions)} regions)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    written = demo.generate(DEMO_DIR)
    if written:
        print(f"demo data written to {DEMO_DIR / 'data'} ({len(written)} files)", file=sys.stderr)
    args.out = args.out or "outputs/demo"
    return cmd_run(args, DEMO_DIR)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cx", description="cx-playbooks: customer-satisfaction playbooks")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_run = sub.add_parser("run", help="run every notebook for every region of an engagement")
    p_run.add_argument("engagement", help="engagement folder (holding engagement.yaml)")
    _add_run_args(p_run)
    p_val = sub.add_parser("validate", help="check params and data without running anything")
    p_val.add_argument("engagement")
    p_demo = sub.add_parser("demo", help="generate and run the embedded demo engagement")
    _add_run_args(p_demo)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "run":
            return cmd_run(args, args.engagement)
        if args.cmd == "validate":
            return cmd_validate(args)
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
