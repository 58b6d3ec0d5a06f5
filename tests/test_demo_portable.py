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
    "east_complaints.csv": "7cbec105f938e23097e7e0c3db3fd52a33eaaf76278035cb252187d3eabfd23b",
    "east_previous_responses.csv": "6b327e080464ce012f68aff34875dd971545f573a84f292dd5c1a581f7adba71",
    "east_responses.csv": "88a18370118266a11163f1f5d4abf80cf9a454c1713ba782c563bad7c0ae5b61",
    "north_complaints.csv": "674774ca3d0718c4cc55862ef35364805835a52e572d5b41de50318f54b9f4ce",
    "north_responses.csv": "b13acf465602edf362a976e66a46422acdc20d4f912fd5dca9c97d8e9c14cc01",
    "north_retest.csv": "04bac3e410421db17ec8fcce9eebe26420b7ff375cdcf196a03e0c29fcd10dad",
    "north_wave_2023Q4.csv": "ee80fdea989948e0f1a672088260c4fd7ef0fbf56a560f353eb9116358b11d89",
    "north_wave_2024Q1.csv": "15fcb37d9a3ac96674c6b8a6efdfe8569fae3e0ed39ee397c33951a525ba6568",
    "north_wave_2024Q2.csv": "ba1a52d9290416ad690e54a024135fed3ff1f5a3a91a6b947c8731a203b7ba50",
    "north_wave_2024Q3.csv": "de33787f7ee977dd9470cfa846763fb5092111ae1edaa8c8ff9ec80dcb92fcfa",
    "north_wave_2024Q4.csv": "68701ed43ef4d4d418b1f456686d2e5d359fdb2fe3481c7800baccf3dee8268f",
    "north_wave_2025Q1.csv": "efa1c4d08f042ed66c037acb62d7b4bbeada8851d4db91a93d0891b5fe3d0b48",
    "north_wave_2025Q2.csv": "189f8bb49ece09600ff40243b52e4820e892bb66dd25c926e73744ef3117cd12",
    "north_wave_2025Q3.csv": "79c099be465bed0856e2cae0916583769254cc77a39ba5a478a413809a1af0fd",
    "north_wave_2025Q4.csv": "7802e427b8131705a1cab79074ab93a5d586c631f118be4311a8b10762bcc69c",
    "north_wave_2026Q1.csv": "5672a26f3f3d484dd5659358790cfa2d68da1cdcf17007ede52601790dd09ad4",
    "north_wave_2026Q2.csv": "72097f272d141ac939bc068aa4490a6425b7265abace931cf5d8ed72146baa19",
    "pilot.csv": "9ac60d93fe36293e904a13d51549b239a4882eb92a6ff3fa2049272dff135d2e",
    "south_complaints.csv": "dbd32f150fa0839f868e3cf23c630ab32852f58733abdf43978c7b9d106a03cc",
    "south_responses.csv": "3731274e4abe1f5e6b967343635005ef62ab4b4c17220701fea7b552d73025d1",
    "truth.json": "f11e6ad1cd004c5b07db74b6b9e0b6c592a5bc5fceab4c0635b56faa2beee1ad",
    "west_complaints.csv": "dc6363fecb662f60bebf81d4d9c9bc524b6802483bd09bcb0dbda50b0b2e56f0",
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
    expected_wave = demo.make_tracking_wave("2025Q3", 20261122)          # the tracking history (03)
    real = demo._rng
    monkeypatch.setattr(demo, "_rng", lambda seed, k: NoLinalg(real(seed, k)))
    for name in ("svd", "cholesky", "eigh", "eig", "solve", "inv"):
        monkeypatch.setattr(np.linalg, name, boom)
    monkeypatch.setattr(np, "dot", boom)
    monkeypatch.setattr(np, "matmul", boom)
    pd.testing.assert_frame_equal(demo.make_responses("south", 20261122, n=300), expected)
    pd.testing.assert_frame_equal(demo.make_tracking_wave("2025Q3", 20261122), expected_wave)


def test_committed_r_reference_input_is_the_demo():
    ref = pd.read_csv(ROOT / "tests" / "data" / "r_reference" / "demo_east_items.csv")
    df = demo.make_responses("east", 20261122)[list(ref.columns)]
    pd.testing.assert_frame_equal(df.reset_index(drop=True), ref, check_dtype=False)

