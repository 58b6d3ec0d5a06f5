"""Benchmark (issue 4): the reliability suite on 200,000 respondents × 30 items in 6 scales.

Prints, measured in this one run:

1. the full suite without CFA (:func:`cxkit.reliability.run_suite` with ``cfa=False``: per scale
   item analysis, psych::alpha figures with alpha-if-dropped and item statistics, omega total,
   split-half; for the instrument KMO, Bartlett, parallel analysis (100 draws) and a 6-factor
   oblimin EFA). Target ≤ 5 s.
2. per scale, alpha with item statistics (:func:`cxkit.reliability.alpha`) against the baseline
   ``pingouin.cronbach_alpha`` (alpha and its CI only) on the same data, pairwise missing data;
   ratio ours / pingouin (target ≤ 1.0).

Data: 6 scales of 5 items on a 1–5 scale, one reverse-keyed item per scale, 0.5% answers missing,
seeded. Timings are wall-clock, best of ``--repeat`` runs, on a shared machine (2 cores used by
several people at once): noisy, read them as orders of magnitude.
Run: ``.venv/bin/python benchmarks/reliability.py [--n 200000] [--repeat 3]``
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from cxkit import reliability as rl

SEED = 20261122


def make_data(n: int, n_scales: int = 6, k: int = 5, seed: int = SEED):
    rng = np.random.default_rng(seed)
    cov = 0.7 * np.eye(n_scales) + 0.3
    z = rng.multivariate_normal(np.zeros(n_scales), cov, size=n)
    cols, scales = {}, {}
    for s in range(n_scales):
        items = [f"s{s + 1}_{j + 1}" for j in range(k)]
        for j, it in enumerate(items):
            lam = 0.55 + 0.05 * j
            x = np.clip(np.round(3 + 0.95 * (lam * z[:, s] + np.sqrt(1 - lam ** 2) * rng.normal(size=n))), 1, 5)
            cols[it] = 6 - x if j == k - 1 else x
        scales[f"scale{s + 1}"] = {"items": items, "reverse": [items[-1]]}
    df = pd.DataFrame(cols)
    df = df.mask(rng.random(df.shape) < 0.005)
    return df, {"scale_range": (1, 5), "scales": scales}


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    import pingouin as pg

    df, survey = make_data(a.n)
    print(f"data: {a.n:,} respondents x {df.shape[1]} items in {len(survey['scales'])} scales, "
          f"{df.isna().mean().mean():.2%} missing")
    rl.run_suite(df.head(2000), survey, {}, cfa=False)        # warm-up: imports, first calls

    t_suite, suite = best_of(lambda: rl.run_suite(df, survey, {}, cfa=False, seed=1), a.repeat)
    print(f"1. full suite without CFA: {t_suite:.2f} s (target <= 5 s); "
          f"parallel analysis: {suite['parallel'][1]} components; errors: {suite['errors'] or 'none'}")

    xs = {s: rl.prepare_items(df, sp["items"], reverse=sp["reverse"], scale_range=(1, 5))
          for s, sp in survey["scales"].items()}

    def ours():
        return {s: rl.alpha(x) for s, x in xs.items()}

    def theirs():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {s: pg.cronbach_alpha(x, nan_policy="pairwise") for s, x in xs.items()}

    t_ours = t_pg = float("inf")
    for _ in range(a.repeat):               # interleaved, so both see the same machine load
        t, ro = best_of(ours, 1)
        t_ours = min(t_ours, t)
        t, rp = best_of(theirs, 1)
        t_pg = min(t_pg, t)
    gap = max(abs(ro[s].total["raw_alpha"] - rp[s][0]) for s in xs)
    print(f"2. alpha + item statistics, 6 scales: cxkit {t_ours:.3f} s vs pingouin.cronbach_alpha {t_pg:.3f} s "
          f"-> ratio {t_ours / t_pg:.2f} (target <= 1.0); max |alpha difference| {gap:.1e}")


if __name__ == "__main__":
    main()
