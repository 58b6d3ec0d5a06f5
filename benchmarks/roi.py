"""Benchmark: vectorised Monte Carlo of the ROI model vs a per-draw Python loop (same run, same machine).

Workload (issue 7): 100,000 draws × 15 uncertain inputs × 36 months, the demo programme
(4 tiers, 4 initiatives). Target: vectorised ≤ 2 s.

Baseline: the same model evaluated draw by draw in a Python loop (``roi.simulate`` with
scalar inputs, then NPV and payback per draw), which is how a spreadsheet-style
implementation would run. The loop is timed on a slice of the draws and scaled
linearly to 100,000 (it is linear in the number of draws); its results are checked
equal to the vectorised ones on that slice.

Timings are wall-clock on a shared machine (2 cores, other jobs running): noisy.
Run: .venv/bin/python benchmarks/roi.py
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import yaml

from cxkit import roi

N_DRAWS = 100_000
N_LOOP = 2_000
SEED = 20261122
TARGET_S = 2.0


def demo_model():
    raw = yaml.safe_load((Path(__file__).resolve().parents[1] / "params/demo/engagement.yaml").read_text("utf-8"))
    sec = raw["roi"]
    sec["uncertainty"]["tiers.ordinary.churn"] = {"dist": "triangular", "low": 0.10, "mode": 0.14, "high": 0.18}
    return roi.build_model(sec)


def loop_baseline(model, draws, n):
    npvs, paybacks = np.empty(n), np.empty(n)
    for i in range(n):
        sim = roi.simulate(model, {k: float(v[i]) for k, v in draws.items()})
        d = roi.discount_factors(float(sim["rate"][0]), model.horizon)[0]
        net = sim["net"][0]
        npvs[i] = float(np.sum(net * d))
        paybacks[i] = roi.payback_months(net[None, :])[0]
    return npvs, paybacks


def main() -> None:
    model = demo_model()
    k = len(model.params.uncertainty)
    print(f"ROI Monte Carlo: {N_DRAWS:,} draws × {k} uncertain inputs × {model.horizon} months "
          f"({len(model.tiers)} tiers, {len(model.initiatives)} initiatives)")
    roi.monte_carlo(model, n=1_000, seed=SEED)  # warm-up (imports, allocator)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        mc = roi.monte_carlo(model, n=N_DRAWS, seed=SEED)
        times.append(time.perf_counter() - t0)
    vec = min(times)
    draws, _ = roi.draw_inputs(model, N_DRAWS, SEED)
    t0 = time.perf_counter()
    npv_loop, pay_loop = loop_baseline(model, draws, N_LOOP)
    loop_part = time.perf_counter() - t0
    loop = loop_part * N_DRAWS / N_LOOP
    max_diff = float(np.max(np.abs(npv_loop - mc["npv"][:N_LOOP])))
    same_payback = bool(np.array_equal(pay_loop, mc["payback"][:N_LOOP]))
    print(f"vectorised        : {vec:8.3f} s  (best of 3; runs {', '.join(f'{t:.3f}' for t in times)} s)")
    print(f"per-draw loop     : {loop:8.3f} s  (measured {loop_part:.3f} s on {N_LOOP:,} draws, scaled ×{N_DRAWS // N_LOOP})")
    print(f"speed-up          : {loop / vec:8.1f} ×")
    print(f"parity on {N_LOOP:,} draws: max |ΔNPV| = {max_diff:.3g}, payback identical: {same_payback}")
    print(f"P(NPV>0) = {mc['p_npv_positive']:.4f}, NPV P10/P50/P90 = "
          f"{mc['npv_p10']:,.0f} / {mc['npv_p50']:,.0f} / {mc['npv_p90']:,.0f}")
    print(f"target ≤ {TARGET_S:.1f} s: {'met' if vec <= TARGET_S else 'NOT met'} (shared 2-core machine, timings noisy)")
    if max_diff > 1e-3 or not same_payback:
        raise SystemExit("vectorised and loop results differ")


if __name__ == "__main__":
    main()
