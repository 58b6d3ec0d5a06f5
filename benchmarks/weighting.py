"""Benchmark (survey weighting): raking 1,000,000 respondents to 4 margins, against a naive loop (same run).

Prints, measured in this one run:

1. :func:`cxkit.weighting.rake` on 1,000,000 rows × 4 margins (text columns with 4, 4, 5 and 6 levels,
   associated with each other so IPF needs several sweeps), tolerance 1e-8 in shares. Target ≤ 2 s.
2. the baseline: the IPF loop people write by hand in pandas (per sweep and margin a
   ``groupby(column).transform("sum")`` over all rows, then a ``groupby().sum()`` to check the gaps),
   same data, tolerance and convergence rule; ratio baseline / ours and the largest weight difference.
3. for scale: raking with trimming [0.2, 5] (trimWeights + re-rake rounds); trimming [0.3, 3], which no
   weights can meet with these margins (the linear-programming check says so); one weighted mean with
   its calibration-adjusted linearisation SE on the raked weights.

Why it is fast: respondents with the same margin levels (and base weight) get the same factors, so
IPF runs on the table of distinct groups (here ≤ 480) after one pass of ``pd.factorize`` per column.
Data are seeded. Timings are wall-clock, best of ``--repeat`` runs, on a shared machine (2 cores
used by several people at once): noisy, read them as orders of magnitude.
Run: ``.venv/bin/python benchmarks/weighting.py [--n 1000000] [--repeat 3]``
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cxkit import weighting as wt

SEED = 20261122
TOL = 1e-8


def make_data(n: int, seed: int = SEED) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    tiers, channels = ["platinum", "gold", "ordinary", "potential"], ["app", "store", "hotline", "web"]
    ages, regions = ["18-29", "30-39", "40-49", "50-59", "60+"], ["east", "south", "west", "north", "central", "ne"]
    t = rng.choice(4, n, p=[0.3, 0.3, 0.25, 0.15])                         # platinum over-sampled
    # channel and age depend on tier, region on channel (margins are associated; every cell can occur)
    c = np.where(rng.random(n) < 0.3, t, rng.integers(0, 4, n))
    a = np.where(rng.random(n) < 0.25, np.minimum(t + c, 4), rng.integers(0, 5, n))
    r = np.where(rng.random(n) < 0.2, c + 2, rng.integers(0, 6, n))
    df = pd.DataFrame({"tier": np.array(tiers, dtype=object)[t], "channel": np.array(channels, dtype=object)[c],
                       "age_band": np.array(ages, dtype=object)[a], "region": np.array(regions, dtype=object)[r]})
    margins = {"tier": dict(zip(tiers, [0.12, 0.28, 0.45, 0.15])),
               "channel": dict(zip(channels, [0.45, 0.25, 0.15, 0.15])),
               "age_band": dict(zip(ages, [0.22, 0.30, 0.24, 0.14, 0.10])),
               "region": dict(zip(regions, [0.25, 0.2, 0.15, 0.2, 0.1, 0.1]))}
    return df, margins


def naive_rake(df: pd.DataFrame, margins: dict, tol: float = TOL, max_iter: int = 1000) -> tuple[np.ndarray, int]:
    """The hand-written pandas loop: groupby-transform per margin and sweep, gaps checked with groupby-sum."""
    n = len(df)
    w = pd.Series(np.ones(n), index=df.index)
    targets = {col: df[col].map(shares) * n for col, shares in margins.items()}
    for it in range(1, max_iter + 1):
        gap = 0.0
        for col, shares in margins.items():
            tot = w.groupby(df[col]).transform("sum")
            gap = max(gap, float((w.groupby(df[col]).sum() / n - pd.Series(shares)).abs().max()))
            w = w * targets[col] / tot
        if gap < tol:
            return w.to_numpy(), it
    return w.to_numpy(), max_iter


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    df, margins = make_data(a.n)
    print(f"data: {a.n:,} respondents x {len(margins)} margins "
          f"({' x '.join(str(len(m)) for m in margins.values())} levels, text columns)")
    wt.rake(df.head(1000), margins)                                      # warm-up: imports, first calls

    t_ours, w = best_of(lambda: wt.rake(df, margins, tol=TOL), a.repeat)
    print(f"1. cxkit.weighting.rake: {t_ours:.3f} s (target <= 2 s) {'OK' if t_ours <= 2 else 'OVER'}; "
          f"{w.iterations} sweeps, converged={w.converged}, largest gap {w.max_gap:.1e}; "
          f"Kish effective n {w.effective_n:,.0f}, deff {w.deff:.3f}, weights {w.min:.3f}-{w.max:.3f}")

    t_naive, (w_naive, it_naive) = best_of(lambda: naive_rake(df, margins), a.repeat)
    print(f"2. naive pandas groupby IPF loop: {t_naive:.3f} s ({it_naive} sweeps) -> cxkit {t_naive / t_ours:.1f}x faster; "
          f"max |weight difference| {np.max(np.abs(w.weights - w_naive)):.1e}")

    t_trim, wt_ = best_of(lambda: wt.rake(df, margins, tol=TOL, trim=(0.2, 5.0)), a.repeat)
    print(f"3. with trim [0.2, 5]: {t_trim:.3f} s ({wt_.trim_rounds} trimming rounds, {wt_.iterations} sweeps, "
          f"converged={wt_.converged}, {wt_.trimmed:,} respondents trimmed, weights {wt_.min:.3f}-{wt_.max:.3f}, "
          f"deff {wt_.deff:.3f})")
    t_bad, wb = best_of(lambda: wt.rake(df, margins, tol=TOL, trim=(0.3, 3.0), on_failure="warn"), 1)
    print(f"   with trim [0.3, 3] (infeasible for these margins): reported in {t_bad:.3f} s, converged={wb.converged}: "
          f"{wb.warnings[0][:150]}...")
    y = np.random.default_rng(1).integers(1, 6, a.n).astype(float)
    t_mean, e = best_of(lambda: wt.weighted_mean(y, w), a.repeat)
    print(f"   weighted mean + calibration-adjusted linearisation SE (1M rows, 4 margins): {t_mean:.3f} s "
          f"(se {e.se:.5f})")
    print("Timings: wall-clock, best of", a.repeat, "on a shared 2-core machine (noisy).")


if __name__ == "__main__":
    main()
