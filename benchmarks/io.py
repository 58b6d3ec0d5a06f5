"""Benchmark: a 100,000-row GBK survey export read and validated, beside pandas.read_csv of the same file.

    .venv/bin/python benchmarks/io.py [--rows 100000]

Acceptance (issue 10): cxkit reads + validates the file in ≤ 5 s. The baseline is
``pandas.read_csv(path, encoding="gbk")`` of the same file in the same run; the ratio
(cxkit / pandas) is printed so the figure means something on a loaded machine.
Best of 3 runs each. Exit status 1 when the 5 s budget is exceeded.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from cxkit.config import load_engagement  # noqa: E402
from cxkit.validation import validate_responses  # noqa: E402

BUDGET_S = 5.0
TIERS_ZH = {"platinum": "白金卡", "gold": "金卡", "ordinary": "普卡", "potential": "潜在客户"}


def make_file(path: Path, rows: int) -> None:
    """The demo's east responses tiled to ``rows`` rows, Chinese tier names and remarks, saved as GBK."""
    base = pd.read_csv(ROOT / "params" / "demo" / "data" / "east_responses.csv")
    reps = -(-rows // len(base))
    df = pd.concat([base] * reps, ignore_index=True).iloc[:rows].copy()
    df["respondent_id"] = [f"R{i:07d}" for i in range(rows)]
    df["tier_zh"] = df["tier"].map(TIERS_ZH)
    rng = np.random.default_rng(1)
    remarks = np.array(["客服态度很好", "物流太慢了，等了五天", "", "价格偏高，但质量不错", "App 经常闪退"])
    df["备注"] = remarks[rng.integers(0, len(remarks), rows)]
    df.to_csv(path, index=False, encoding="gbk")


def best_of(fn, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    params = load_engagement(ROOT / "params" / "demo", check_files=False).regions["east"].params
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wave_gbk.csv"
        make_file(path, args.rows)
        params = {**params, "responses": str(path)}
        size = path.stat().st_size / 1e6

        def ours():
            df, rep = validate_responses(params)
            assert rep.ok and rep.encoding == "gbk" and len(df) == args.rows, rep.render()

        t_pd = best_of(lambda: pd.read_csv(path, encoding="gbk"))
        t_cx = best_of(ours)
    ok = t_cx <= BUDGET_S
    print(f"file: {args.rows:,} rows × 49 columns, GBK, {size:.1f} MB")
    print(f"pandas.read_csv(encoding='gbk')           {t_pd:6.2f} s   (baseline)")
    print(f"cxkit read_table + validate_responses     {t_cx:6.2f} s   ratio {t_cx / t_pd:4.2f}× pandas "
          f"(detects encoding, format, maps labels, runs every check)")
    print(f"budget {BUDGET_S:.0f} s: {'PASS' if ok else 'FAIL'}  (best of 3; machine shared, timings noisy)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
