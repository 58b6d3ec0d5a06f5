"""The demo data are the same bytes on every machine (issue 13).

``rng.multivariate_normal`` draws through an SVD (LAPACK), whose output differs between BLAS builds and
CPUs, so the demo, its "known truth" and every figure derived from it changed from machine to machine.
The generator now uses elementwise arithmetic on ``default_rng`` streams only. These hashes were taken on
an AMD EPYC machine (OpenBLAS); the committed R reference (``tests/data/r_reference/demo_east_items.csv``)
is checked against the generator too, so a change of draws shows up here first, not as a parity failure.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from cxkit import demo

ROOT = Path(__file__).resolve().parents[1]
PINNED = {
    "east_complaints.csv": "fc05c9d2bf959353d015a36f6f60b5bbe34acb7cdec746c0dcbe53ddcecbc134",
    "east_previous_responses.csv": "6b327e080464ce012f68aff34875dd971545f573a84f292dd5c1a581f7adba71",
    "east_responses.csv": "88a18370118266a11163f1f5d4abf80cf9a454c1713ba782c563bad7c0ae5b61",
    "north_complaints.csv": "8ccae0385e3baab03da29be359f615c75ea245cb169193c4825b12a2b61571ac",
    "north_responses.csv": "b13acf465602edf362a976e66a46422acdc20d4f912fd5dca9c97d8e9c14cc01",
    "north_retest.csv": "04bac3e410421db17ec8fcce9eebe26420b7ff375cdcf196a03e0c29fcd10dad",
    "south_complaints.csv": "ddc59f5296c54ef43ae85952b57ad66b9fb6a3135b4bd24f962764be831c8e43",
    "south_responses.csv": "3731274e4abe1f5e6b967343635005ef62ab4b4c17220701fea7b552d73025d1",
    "truth.json": "2e3611e10eff7e575e9a50d6014bd73710ee304b6740ee8f8211ecfc994a1b4c",
    "west_complaints.csv": "b37f7a1fc636397408b0a8b537808abe99cfb277e90e52d93919a0bb4e1d0d91",
    "west_responses.csv": "d61f23ff0116891f7bf01993200864a116215c79b99d6bea653496a24327eba5",
}


def test_generated_demo_files_have_the_pinned_hashes(tmp_path):
    shutil.copy(ROOT / "params" / "demo" / "engagement.yaml", tmp_path / "engagement.yaml")
    demo.generate(tmp_path)
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((tmp_path / "data").iterdir())}
    assert got == PINNED


def test_generator_uses_no_linear_algebra(monkeypatch):
    """No draw goes through BLAS/LAPACK: the generator runs with them disabled and gives the same data."""
    def boom(*a, **k):
        raise AssertionError("linear algebra in the demo generator")

    class NoLinalg:
        def __init__(self, rng):
            self._rng = rng

        def __getattr__(self, name):
            if name in ("multivariate_normal", "multivariate_hypergeometric", "dirichlet"):
                return boom
            return getattr(self._rng, name)

    expected = demo.make_responses("south", 20261122, n=300)
    real = demo._rng
    monkeypatch.setattr(demo, "_rng", lambda seed, k: NoLinalg(real(seed, k)))
    for name in ("svd", "cholesky", "eigh", "eig", "solve", "inv"):
        monkeypatch.setattr(np.linalg, name, boom)
    monkeypatch.setattr(np, "dot", boom)
    monkeypatch.setattr(np, "matmul", boom)
    pd.testing.assert_frame_equal(demo.make_responses("south", 20261122, n=300), expected)


def test_committed_r_reference_input_is_the_demo():
    ref = pd.read_csv(ROOT / "tests" / "data" / "r_reference" / "demo_east_items.csv")
    df = demo.make_responses("east", 20261122)[list(ref.columns)]
    pd.testing.assert_frame_equal(df.reset_index(drop=True), ref, check_dtype=False)

