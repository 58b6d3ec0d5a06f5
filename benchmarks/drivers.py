"""Benchmark: Shapley / general dominance over all subsets (cxkit.drivers) vs refitting every subset.

Workloads (issue 5):

1. 15 drivers × 100,000 respondents, all 32,767 non-empty subsets (target ≤ 3 s end to end:
   correlation matrix + batched subset solves + dominance bookkeeping).
2. Baseline A, "refit every subset": ordinary least squares on the raw data (numpy ``lstsq`` with
   an intercept) for each subset. At 15 drivers × 100k rows a full run takes many minutes on this
   machine, so it is timed on a seeded random sample of subsets of every size and extrapolated
   to all 32,767 (printed as "extrapolated"); the R² of the sampled subsets is compared with ours.
3. Baseline A in full on 8 drivers × 100,000 respondents (255 subsets): measured, not
   extrapolated, with the general dominance weights compared.
4. Baseline B, "one solve per subset from the correlation matrix in a Python loop": isolates the
   gain of batching equal-size subsets into one ``numpy.linalg.solve`` call.

Timings are wall-clock, best of 3 (baselines: 1 run), on a shared machine (2 cores, other engineers'
jobs running): noisy. Run: .venv/bin/python benchmarks/drivers.py
"""
from __future__ import annotations

import time
from math import comb

import numpy as np
import pandas as pd

from cxkit import drivers

SEED = 20261122
N = 100_000
P_FULL = 8  # drivers for the fully measured baseline


def make_data(p: int, n: int = N, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cov = 0.6 * np.eye(p) + 0.4
    x = rng.multivariate_normal(np.zeros(p), cov, size=n)
    y = x @ rng.uniform(0.05, 1.0, p) + rng.normal(0, 2.0, n)
    d = pd.DataFrame(np.round(np.clip(3 + x, 1, 5)), columns=[f"d{i:02d}" for i in range(p)])
    d["y"] = y
    return d


def best_of(fn, k: int = 3):
    times, out = [], None
    for _ in range(k):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def refit_r2(x1: np.ndarray, y: np.ndarray, cols: list[int], tss: float) -> float:
    """Baseline A: OLS of y on an intercept + the subset's columns, R² = 1 − RSS / TSS."""
    a = x1[:, [0] + [c + 1 for c in cols]]
    beta, *_ = np.linalg.lstsq(a, y, rcond=None)
    r = y - a @ beta
    return 1.0 - float(r @ r) / tss


def loop_r2(rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """Baseline B: one small solve per subset from the correlation matrix, in a Python loop."""
    p = len(rxy)
    out = np.zeros(1 << p)
    for m in range(1, 1 << p):
        idx = [j for j in range(p) if m >> j & 1]
        out[m] = rxy[idx] @ np.linalg.solve(rxx[np.ix_(idx, idx)], rxy[idx])
    return out


def main() -> None:
    print(__doc__.split("\n\n")[0])
    # ---------------------------------------------------------------- 1. ours, 15 drivers
    d15 = make_data(15)
    cols15 = [c for c in d15.columns if c != "y"]
    t_ours, res = best_of(lambda: drivers.dominance(d15, "y", cols15))
    rxx, rxy, _ = drivers.corr_inputs(d15, "y", cols15)
    t_sub, r2 = best_of(lambda: drivers.all_subset_r2(rxx, rxy))
    print(f"\n[1] ours: 15 drivers x {N:,} respondents, {res.extra['n_subsets']:,} subsets")
    print(f"    end to end (corr + subsets + dominance): {t_ours:.3f} s   (target <= 3 s: "
          f"{'met' if t_ours <= 3 else 'NOT met'})")
    print(f"    of which batched subset solves:          {t_sub:.3f} s")
    print(f"    full-model R2 {res.r2:.6f}; general dominance sums to {res.table['general'].sum():.6f}")

    # ---------------------------------------------------------------- 2. baseline A sampled, 15 drivers
    x = d15[cols15].to_numpy(float)
    y = d15["y"].to_numpy(float)
    x1 = np.column_stack([np.ones(len(y)), x])
    tss = float(((y - y.mean()) ** 2).sum())
    rng = np.random.default_rng(SEED)
    per_size = 6
    sample = []
    for k in range(1, 16):
        for _ in range(min(per_size, comb(15, k))):
            sample.append(sorted(rng.choice(15, size=k, replace=False).tolist()))
    ref, t_each = [], []
    for sub in sample:
        t = time.perf_counter()
        ref.append(refit_r2(x1, y, sub, tss))
        t_each.append(time.perf_counter() - t)
    t_sample = sum(t_each)
    # extrapolate by size: mean time per subset of size k x number of subsets of size k
    t_by_size = {k: np.mean([te for sub, te in zip(sample, t_each) if len(sub) == k]) for k in range(1, 16)}
    t_full_est = sum(t_by_size[k] * comb(15, k) for k in range(1, 16))
    diff = max(abs(r - r2[sum(1 << j for j in s)]) for s, r in zip(sample, ref))
    print(f"\n[2] baseline A (refit OLS on the raw data), 15 drivers x {N:,}: {len(sample)} sampled subsets "
          f"in {t_sample:.2f} s")
    print(f"    extrapolated to all 32,767 subsets: {t_full_est:.0f} s  ->  ratio baseline/ours ~ "
          f"{t_full_est / t_ours:,.0f}x (extrapolated)")
    print(f"    max |R2 ours - R2 refit| over the sampled subsets: {diff:.2e}")

    # ---------------------------------------------------------------- 3. baseline A in full, P_FULL drivers
    d10 = make_data(P_FULL)
    cols10 = [c for c in d10.columns if c != "y"]
    t10, res10 = best_of(lambda: drivers.dominance(d10, "y", cols10))
    x = d10[cols10].to_numpy(float)
    y = d10["y"].to_numpy(float)
    x1 = np.column_stack([np.ones(len(y)), x])
    tss = float(((y - y.mean()) ** 2).sum())
    t = time.perf_counter()
    full = np.zeros(1 << P_FULL)
    for m in range(1, 1 << P_FULL):
        full[m] = refit_r2(x1, y, [j for j in range(P_FULL) if m >> j & 1], tss)
    t_base10 = time.perf_counter() - t
    gen_ref, _ = drivers.dominance_from_r2(full, P_FULL)
    gd = float(np.max(np.abs(gen_ref - res10.table["general"].to_numpy())))
    print(f"\n[3] {P_FULL} drivers x {N:,}, all {2 ** P_FULL - 1:,} subsets, both measured:")
    print(f"    ours {t10:.3f} s   baseline A {t_base10:.2f} s   ratio {t_base10 / t10:,.0f}x")
    print(f"    max |general dominance ours - refit| = {gd:.2e}")

    # ---------------------------------------------------------------- 4. baseline B, 15 drivers
    t = time.perf_counter()
    lr = loop_r2(rxx, rxy)
    t_loop = time.perf_counter() - t
    print("\n[4] baseline B (one solve per subset, Python loop, from the correlation matrix), 15 drivers:")
    print(f"    {t_loop:.2f} s vs batched {t_sub:.3f} s  ->  ratio {t_loop / t_sub:,.1f}x; "
          f"max |R2 difference| {np.max(np.abs(lr - r2)):.2e}")
    print("\nShared machine (2 cores, other jobs running): timings are noisy; ratios are from this run.")


if __name__ == "__main__":
    main()
