"""Parity of cxkit.reliability / cxkit.validity with R's reference implementations.

References:
- tests/data/refdata/README.md (psych 2.2.9, lavaan 0.6.14, semTools 0.5.6; reproduced by
  tests/data/refdata/r_reference.R) — committed copies of ../shared/refdata, via the ``refdata`` fixture;
- tests/data/r_reference/reference.json — figures we computed with the same Debian R packages by
  running tests/data/r_reference/reference.R (bfi scales, Holzinger-Swineford, demo region east,
  a synthetic test-retest file), committed so CI does not need R.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit import reliability as rl
from cxkit import validity as vl

HERE = Path(__file__).resolve().parent
RDIR = HERE / "data" / "r_reference"
REF = json.loads((RDIR / "reference.json").read_text(encoding="utf-8"))

BFI_KEYS = {"A": ["A1"], "C": ["C4", "C5"], "E": ["E1", "E2"], "N": [], "O": ["O2", "O5"]}
DEMO = {"responsiveness": (["resp1", "resp2", "resp3", "resp4"], ["resp4"]),
        "reliability": (["rel1", "rel2", "rel3", "rel4"], []),
        "assurance": (["asr1", "asr2", "asr3"], []),
        "empathy": (["emp1", "emp2", "emp3"], ["emp3"]),
        "tangibles": (["tan1", "tan2", "tan3"], []),
        "value": (["val1", "val2", "val3"], [])}
HS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
TOTAL_MAP = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6_smc": "G6(smc)", "average_r": "average_r",
             "s_n": "S/N", "ase": "ase", "mean": "mean", "sd": "sd", "median_r": "median_r"}
DROP_MAP = {"raw_alpha": "raw_alpha", "std_alpha": "std.alpha", "g6_smc": "G6(smc)", "average_r": "average_r",
            "s_n": "S/N", "alpha_se": "alpha se", "var_r": "var.r", "median_r": "med.r"}
ITEM_MAP = {"n": "n", "raw_r": "raw.r", "std_r": "std.r", "r_cor": "r.cor", "r_drop": "r.drop", "mean": "mean",
            "sd": "sd"}


@pytest.fixture(scope="module")
def bfi(refdata):
    return pd.read_csv(refdata / "bfi.csv")


@pytest.fixture(scope="module")
def hs(refdata):
    return pd.read_csv(refdata / "HolzingerSwineford1939.csv")


@pytest.fixture(scope="module")
def hs_cfa(hs):
    return vl.cfa(hs, HS)


@pytest.fixture(scope="module")
def demo_east():
    return pd.read_csv(RDIR / "demo_east_items.csv")


def _bfi_scale(bfi, s, missing="pairwise"):
    return rl.prepare_items(bfi, [f"{s}{i}" for i in range(1, 6)], reverse=BFI_KEYS[s], scale_range=(1, 6),
                            missing=missing)


def _arr(v):
    """R's NA (written as the string "NA" by jsonlite) -> NaN."""
    return np.array([np.nan if e in ("NA", None) else e for e in v], dtype=float)


def _check_alpha(a, ref, tol):
    for ours, theirs in TOTAL_MAP.items():
        assert a.total[ours] == pytest.approx(ref["total"][theirs], abs=tol), ours
    for ours, theirs in DROP_MAP.items():
        np.testing.assert_allclose(a.drop[ours].to_numpy(), _arr(ref["drop"][theirs]), atol=tol, err_msg=ours)
    for ours, theirs in ITEM_MAP.items():
        np.testing.assert_allclose(a.items[ours].to_numpy(dtype=float), ref["items"][theirs], atol=tol, err_msg=ours)
    assert a.total["ci_low"] == pytest.approx(ref["feldt"]["lower"], abs=tol)
    assert a.total["ci_high"] == pytest.approx(ref["feldt"]["upper"], abs=tol)


# --------------------------------------------------------------------------- acceptance: refdata README
def test_bfi_agreeableness_matches_psych_readme(bfi):
    """README: psych::alpha(bfi[A1..A5], keys = "A1"), every figure within 1e-4."""
    a = rl.alpha(_bfi_scale(bfi, "A"))
    readme = {"raw_alpha": 0.7030184, "std_alpha": 0.7130286, "g6_smc": 0.6827627, "average_r": 0.3319677,
              "s_n": 2.484668, "ase": 0.008951774, "mean": 4.652095, "sd": 0.8984019, "median_r": 0.3376233}
    for k, v in readme.items():
        assert a.total[k] == pytest.approx(v, abs=1e-4), k
    np.testing.assert_allclose(a.drop["raw_alpha"], [0.7185174, 0.6171800, 0.6002596, 0.6858057, 0.6429530], atol=1e-4)
    np.testing.assert_allclose(a.items["r_drop"], [0.3084177, 0.5636152, 0.5870046, 0.3944441, 0.4885651], atol=1e-4)
    np.testing.assert_allclose(a.items["r_cor"], [0.3763568, 0.6665475, 0.7092193, 0.4712401, 0.5956637], atol=1e-4)


def test_bfi_neuroticism_alpha_omega_kmo_bartlett_readme(bfi):
    x = _bfi_scale(bfi, "N")
    a = rl.alpha(x)
    assert a.total["raw_alpha"] == pytest.approx(0.8139629, abs=1e-6)
    assert a.total["std_alpha"] == pytest.approx(0.8146747, abs=1e-6)
    assert a.total["g6_smc"] == pytest.approx(0.799126, abs=1e-6)
    assert a.total["average_r"] == pytest.approx(0.4678539, abs=1e-6)
    assert rl.omega_total(x) == pytest.approx(0.8189664, abs=1e-6)
    r = rl._cor(x)
    overall, per_item = vl.kmo(r)
    assert round(overall, 2) == 0.79
    np.testing.assert_allclose(np.round(per_item, 2), [0.75, 0.75, 0.83, 0.83, 0.88])
    b = vl.bartlett(r, len(x.dropna()))
    assert b["chisq"] == pytest.approx(4741.814, abs=1e-3) and b["df"] == 10


def test_holzinger_swineford_cfa_readme(hs_cfa):
    res = hs_cfa
    f = res["fit"]
    readme = {"chisq": 85.306, "cfi": 0.931, "tli": 0.896, "rmsea": 0.092, "rmsea_ci_low": 0.071,
              "rmsea_ci_high": 0.114, "srmr": 0.065}
    assert f["df"] == 24
    for k, v in readme.items():
        assert round(f[k], 3) == v, k
    cr, av = vl.composite_reliability(res), vl.ave(res)
    for k, v in {"visual": 0.612, "textual": 0.885, "speed": 0.686}.items():
        assert round(cr[k], 3) == v
    for k, v in {"visual": 0.371, "textual": 0.721, "speed": 0.424}.items():
        assert round(av[k], 3) == v


# --------------------------------------------------------------------------- beyond: our R figures
@pytest.mark.parametrize("scale", list(BFI_KEYS))
def test_bfi_every_scale_alpha_matches_psych(bfi, scale):
    ref = REF["bfi"][scale]
    a = rl.alpha(_bfi_scale(bfi, scale))
    _check_alpha(a, ref, 1e-8)
    al = rl.alpha(_bfi_scale(bfi, scale, "listwise"), missing="listwise")
    for ours, theirs in TOTAL_MAP.items():
        assert al.total[ours] == pytest.approx(ref["listwise"][theirs], abs=1e-8), ours


@pytest.mark.parametrize("scale", list(BFI_KEYS))
def test_bfi_omega_kmo_bartlett_describe_match_psych(bfi, scale):
    ref = REF["bfi"][scale]
    x = _bfi_scale(bfi, scale)
    assert rl.omega_total(x) == pytest.approx(ref["omega_tot"], abs=1e-5)
    r = rl._cor(x)
    overall, items = vl.kmo(r)
    assert overall == pytest.approx(ref["kmo"]["overall"], abs=1e-10)
    np.testing.assert_allclose(items, ref["kmo"]["items"], atol=1e-10)
    assert vl.bartlett(r, len(x.dropna()))["chisq"] == pytest.approx(ref["bartlett"]["chisq"], rel=1e-9)
    ia = rl.item_analysis(x, (1, 6))
    np.testing.assert_allclose(ia["skew"], ref["describe"]["skew"], atol=1e-10)
    np.testing.assert_allclose(ia["sd"], ref["describe"]["sd"], atol=1e-10)
    np.testing.assert_array_equal(ia["n"], ref["describe"]["n"])


@pytest.mark.parametrize("scale", list(DEMO))
def test_demo_scales_match_psych(demo_east, scale):
    items, rev = DEMO[scale]
    ref = REF["demo"][scale]
    # psych counts respondents who skipped the whole scale in n (ase, Feldt CI): keep them for parity
    x = rl.prepare_items(demo_east, items, reverse=rev, scale_range=(1, 5), scale=scale, drop_empty=False)
    _check_alpha(rl.alpha(x), ref, 1e-8)
    assert rl.omega_total(x) == pytest.approx(ref["omega_tot"], abs=1e-5)
    if "split" in ref:
        s = rl.split_half(x)
        assert s["max"] == pytest.approx(ref["split"]["max"], abs=1e-10)
        assert s["min"] == pytest.approx(ref["split"]["min"], abs=1e-10)
        assert s["mean"] == pytest.approx(ref["split"]["mean"], abs=1e-10)


def test_split_half_ten_items_matches_psych(bfi):
    x = pd.concat([_bfi_scale(bfi, "A"), _bfi_scale(bfi, "C")], axis=1)
    s = rl.split_half(x)
    ref = REF["bfi_split_AC"]
    assert s["n_splits"] == 126
    for k in ("max", "min", "mean"):
        assert s[k] == pytest.approx(ref[k], abs=1e-10), k


def test_spearman_brown_odd_even_by_hand():
    """Spearman-Brown on the odd/even halves = textbook computation on complete data (numpy)."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(400, 1))
    x = pd.DataFrame(z + rng.normal(size=(400, 6)), columns=list("abcdef"))
    zx = (x - x.mean()) / x.std()      # psych works on the correlation matrix: standardized items
    r = np.corrcoef(zx[["a", "c", "e"]].sum(axis=1), zx[["b", "d", "f"]].sum(axis=1))[0, 1]
    assert rl.split_half(x)["sb_odd_even"] == pytest.approx(2 * r / (1 + r), abs=1e-12)


def test_bfi_whole_instrument_kmo_eigen_parallel(bfi):
    ref = REF["bfi_all"]
    keys = [k for v in BFI_KEYS.values() for k in v]
    x = rl.prepare_items(bfi, list(bfi.columns[:25]), reverse=keys, scale_range=(1, 6))
    r = rl._cor(x)
    assert vl.kmo(r)[0] == pytest.approx(ref["kmo"], abs=1e-10)
    assert vl.bartlett(r, len(x.dropna()))["chisq"] == pytest.approx(ref["bartlett"], rel=1e-9)
    tab, ncomp = vl.parallel_analysis(r, len(x), n_iter=50, seed=1)
    np.testing.assert_allclose(tab["observed"], ref["eigen"], atol=1e-10)
    assert ncomp == ref["ncomp"]          # psych::fa.parallel(fa = "pc") suggests 6 components


def test_efa_oblimin_matches_psych_fa(bfi):
    """psych::fa(nfactors = 5, rotate = "oblimin", fm = "minres") vs factor_analyzer; factors matched
    by their largest absolute congruence (order and sign are arbitrary)."""
    keys = [k for v in BFI_KEYS.values() for k in v]
    items = list(bfi.columns[:25])
    x = rl.prepare_items(bfi, items, reverse=keys, scale_range=(1, 6))
    tab, phi = vl.efa(rl._cor(x), 5, items=items, rotation="oblimin")
    ours = tab[[f"F{j}" for j in range(1, 6)]].to_numpy()
    theirs = np.array(REF["bfi_all"]["fa5_loadings"]).T
    for j in range(5):
        cong = [abs(ours[:, j] @ theirs[:, k]) / np.linalg.norm(ours[:, j]) / np.linalg.norm(theirs[:, k]) for k in range(5)]
        k = int(np.argmax(cong))
        sign = np.sign(ours[:, j] @ theirs[:, k])
        np.testing.assert_allclose(sign * ours[:, j], theirs[:, k], atol=1e-4)
    assert not tab["no_home"].all()


def test_hs_cfa_full_precision_and_htmt(hs, hs_cfa):
    ref = REF["hs"]
    res = hs_cfa
    f = res["fit"]
    for ours, theirs in {"chisq": "chisq", "baseline_chisq": "baseline.chisq", "cfi": "cfi", "tli": "tli",
                         "rmsea": "rmsea", "rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper",
                         "srmr": "srmr"}.items():
        assert f[ours] == pytest.approx(ref["fit"][theirs], abs=1e-4), ours
    std = dict(zip(res["loadings"]["item"], res["loadings"]["std"]))
    for it, v in ref["std_loadings"].items():
        assert std[it] == pytest.approx(v, abs=1e-4), it
    np.testing.assert_allclose(res["phi"].to_numpy(), ref["cor_lv"], atol=1e-4)
    items = sum(HS.values(), [])
    h = vl.htmt(rl._cor(hs[items], "listwise"), items, HS)
    np.testing.assert_allclose(h.to_numpy(), ref["htmt"], atol=1e-10)


def test_demo_cfa_cr_ave_htmt_match_lavaan_semtools(demo_east):
    ref = REF["demo_all"]
    x = pd.concat([rl.prepare_items(demo_east, it, reverse=rv, scale_range=(1, 5)) for it, rv in DEMO.values()],
                  axis=1)
    scales = {k: v[0] for k, v in DEMO.items()}
    res = vl.cfa(x, scales)
    assert res["n"] == ref["n_complete"]
    for ours, theirs in {"chisq": "chisq", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea",
                         "rmsea_ci_low": "rmsea.ci.lower", "rmsea_ci_high": "rmsea.ci.upper", "srmr": "srmr"}.items():
        assert res["fit"][ours] == pytest.approx(ref["fit"][theirs], abs=1e-3), ours
    cr, av = vl.composite_reliability(res), vl.ave(res)
    for k in scales:
        assert cr[k] == pytest.approx(ref["cr"][k], abs=1e-3), k
        assert av[k] == pytest.approx(ref["ave"][k], abs=1e-3), k
    items = [i for v in scales.values() for i in v]
    h = vl.htmt(rl._cor(x[items], "listwise"), items, scales)
    np.testing.assert_allclose(h.to_numpy(), ref["htmt"], atol=1e-10)
    r = rl._cor(x[items])
    assert vl.kmo(r)[0] == pytest.approx(ref["kmo"], abs=1e-10)


def test_retest_icc_matches_psych_icc():
    d = pd.read_csv(RDIR / "retest.csv")
    first = d[["id", "wave1"]].rename(columns={"wave1": "s"})
    second = d[["id", "wave2"]].rename(columns={"wave2": "s"})
    for kind in ("ICC1", "ICC2", "ICC3"):
        out = rl.retest_icc(first, second, id_column="id", scales={"sc": {"items": ["s", "s"]}},
                            scale_range=(1, 5), icc_type=kind)
        ref = REF["icc_anova"][kind]           # psych::ICC(lmer = FALSE): exact ANOVA mean squares
        assert out.loc[0, "icc"] == pytest.approx(ref["icc"], abs=1e-10), kind
        # psych's default lmer = TRUE takes the mean squares from lme4's REML fit: ~5e-7 away
        assert out.loc[0, "icc"] == pytest.approx(REF["icc"][kind]["icc"], abs=1e-6), kind
        assert out.loc[0, "ci_low"] == pytest.approx(ref["lower"], abs=0.01), kind   # pingouin rounds CIs to 2 dp
        assert out.loc[0, "ci_high"] == pytest.approx(ref["upper"], abs=0.01), kind


def test_alpha_and_feldt_ci_match_pingouin(bfi):
    """Independent second reference: pingouin.cronbach_alpha (listwise) and its F-based (Feldt) CI."""
    import pingouin as pg

    x = _bfi_scale(bfi, "C", "listwise")
    a = rl.alpha(x, missing="listwise")
    pa, ci = pg.cronbach_alpha(x, nan_policy="listwise")
    assert a.total["raw_alpha"] == pytest.approx(pa, abs=1e-12)
    assert (a.total["ci_low"], a.total["ci_high"]) == pytest.approx(tuple(ci), abs=0.0011)  # pingouin rounds to 3 dp


def test_pairwise_matrices_match_pandas(bfi):
    x = bfi.iloc[:, :25]
    c, n = rl.pairwise_cov(x.to_numpy(dtype=float))
    np.testing.assert_allclose(c, x.cov().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(rl.pairwise_cor(x.to_numpy(dtype=float)), x.corr().to_numpy(), atol=1e-12)


# --------------------------------------------------------------------------- where libraries differ from R
def test_semopy_own_indices_differ_from_lavaan_ours_match(hs, hs_cfa):
    """semopy's RMSEA divides by N − 1 (lavaan: N), it has no SRMR or RMSEA interval, and its default
    SLSQP solver stops short of the ML optimum (standardized loadings off by ~5e-4)."""
    import semopy

    m = semopy.Model(vl.model_syntax(HS))
    m.fit(hs[sum(HS.values(), [])])
    st = semopy.calc_stats(m).T["Value"]
    lav = REF["hs"]["fit"]
    assert abs(st["RMSEA"] - lav["rmsea"]) > 1e-4
    assert "SRMR" not in st.index
    std = m.inspect(std_est=True)
    x1 = float(std[(std["lval"] == "x1") & (std["op"] == "~")]["Est. Std"].iloc[0])
    assert abs(x1 - REF["hs"]["std_loadings"]["x1"]) > 2e-4
    ours = hs_cfa
    assert ours["fit"]["rmsea"] == pytest.approx(lav["rmsea"], abs=1e-8)
    assert float(ours["loadings"].set_index("item").loc["x1", "std"]) == pytest.approx(
        REF["hs"]["std_loadings"]["x1"], abs=5e-5)


def test_factor_analyzer_kmo_bartlett_nan_with_missing_answers(bfi):
    """factor_analyzer's KMO/Bartlett take raw data and fail (NaN or LinAlgError) when answers are
    missing; psych uses pairwise correlations (complete cases for Bartlett's n). Ours match psych."""
    import warnings

    from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo

    xdf = _bfi_scale(bfi, "N")
    x = xdf.to_numpy()
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b, _ = calculate_bartlett_sphericity(x)
        try:
            k = calculate_kmo(x)[1]
        except np.linalg.LinAlgError:
            k = float("nan")
    assert np.isnan(k) and np.isnan(b)
    assert vl.kmo(rl._cor(xdf))[0] == pytest.approx(REF["bfi"]["N"]["kmo"]["overall"], abs=1e-10)


def test_cov2cor_is_not_pairwise_cor(bfi):
    """psych::alpha uses cov2cor(pairwise cov) but omega/KMO use cor(use = "pairwise"): with missing
    answers they differ (here by ~1e-3), and each of our figures uses the matrix psych uses."""
    x = _bfi_scale(bfi, "N").to_numpy()
    c, _ = rl.pairwise_cov(x)
    assert np.abs(rl._cov2cor(c) - rl.pairwise_cor(x)).max() > 5e-4



def test_omega_hierarchical_matches_psych_omega(bfi, demo_east):
    """psych::omega(x, nfactors) (Schmid-Leiman, minres + oblimin): bfi 25 items / 5 factors and the
    demo instrument / 6 factors."""
    keys = [k for v in BFI_KEYS.values() for k in v]
    x = rl.prepare_items(bfi, list(bfi.columns[:25]), reverse=keys, scale_range=(1, 6))
    o = rl.omega_hierarchical(rl._cor(x), 5)
    ref = REF["bfi_all"]["omega5"]
    assert o["omega_h"] == pytest.approx(ref["omega_h"], abs=1e-5)
    assert o["omega_t"] == pytest.approx(ref["omega_tot"], abs=1e-5)
    np.testing.assert_allclose(np.abs(o["g"]), np.abs(ref["g"]), atol=1e-4)
    xd = pd.concat([rl.prepare_items(demo_east, it, reverse=rv, scale_range=(1, 5)) for it, rv in DEMO.values()], axis=1)
    o = rl.omega_hierarchical(rl._cor(xd), 6)
    assert o["omega_h"] == pytest.approx(REF["demo_all_omega"]["omega_h"], abs=1e-5)
    assert o["omega_t"] == pytest.approx(REF["demo_all_omega"]["omega_tot"], abs=1e-5)


# --------------------------------------------------------------------------- issue 13: audit defects
def _bfi_keyed(bfi):
    keys = [k for v in BFI_KEYS.values() for k in v]
    items = list(bfi.columns[:25])
    return items, rl.prepare_items(bfi, items, reverse=keys, scale_range=(1, 6))


@pytest.mark.parametrize("rotation", ["oblimin", "promax", "varimax", "quartimin", "none"])
def test_efa_h2_phi_and_loadings_match_psych_under_every_rotation(bfi, rotation):
    """psych::fa(bfi, 5, fm = "minres", rotate = ...) — loadings (same order and sign as psych), communalities
    and factor correlations. factor_analyzer 0.5.1 re-sorted the loadings but not phi_: h2 was off by up to
    0.149 (oblimin) / 0.221 (promax) and Phi by up to 0.42 / 0.61."""
    items, x = _bfi_keyed(bfi)
    tab, phi = vl.efa(rl._cor(x), 5, items=items, rotation=rotation)
    ref = REF["bfi_rot"][rotation]
    np.testing.assert_allclose(tab["h2"].to_numpy(), ref["h2"], atol=1e-4)
    np.testing.assert_allclose(tab[[f"F{j}" for j in range(1, 6)]].to_numpy(), np.array(ref["loadings"]).T, atol=1e-4)
    if not ref.get("phi"):                       # orthogonal: psych has no Phi (jsonlite writes NULL as {})
        assert phi is None
    else:
        np.testing.assert_allclose(phi.to_numpy(), np.array(ref["phi"]), atol=1e-4)


def test_keying_check_names_the_items_psych_would_reverse(bfi):
    """No reverse keys declared: psych::alpha(check.keys = TRUE) reverses A1; C4, C5; E1, E2; O2, O5 (7 items).
    The former rule (negative item-rest r) named 13."""
    for s in "ACENO":
        res = rl.analyse_scale(bfi, s, {"items": [f"{s}{i}" for i in range(1, 6)]}, (1, 6))
        assert sorted(res["miskeyed"]) == sorted(REF["bfi_keying"][s]), s
    items, x = _bfi_keyed(bfi)                        # keyed correctly: nothing to flag
    assert rl.miskeyed_items(rl._cor(x[[f"A{i}" for i in range(1, 6)]]), [f"A{i}" for i in range(1, 6)]) == []


def test_parallel_analysis_rules_match_psych(bfi):
    """psych::fa.parallel(fa = "pc") with its default 95th-percentile rule and with the mean rule (quant = .5
    stands in for it in R); Bartlett uses the complete cases, as psych::cortest.bartlett(n = complete) does."""
    items, x = _bfi_keyed(bfi)
    r = rl._cor(x)
    for rule, key in (("quantile", "ncomp_q95"), ("mean", "ncomp_q50")):
        _, k = vl.parallel_analysis(r, len(x), n_iter=200, seed=2, rule=rule)
        assert k == REF["bfi_parallel"][key], rule
    survey = {"scale_range": (1, 6), "scales": {s: {"items": [f"{s}{i}" for i in range(1, 6)], "reverse": BFI_KEYS[s]}
                                                for s in "ACENO"}}
    suite = rl.run_suite(bfi, survey, {"parallel_iter": 200}, cfa=False, seed=2)
    assert suite["bartlett"]["n"] == REF["bfi_parallel"]["n_complete"] < REF["bfi_parallel"]["n_rows"]
    assert suite["bartlett"]["chisq"] == pytest.approx(REF["bfi_all"]["bartlett"], rel=1e-6)
    assert suite["parallel"][1] == REF["bfi_parallel"]["ncomp_q95"]


def test_factor_analyzer_compat_is_scoped_to_the_call():
    """factor_analyzer 0.5.1 + scikit-learn ≥ 1.8: fit fails unpatched; cxkit's fit works, and afterwards
    factor_analyzer's module holds its own check_array again (no process-wide monkeypatch)."""
    import inspect

    import factor_analyzer.factor_analyzer as fam
    from factor_analyzer import FactorAnalyzer

    before = fam.check_array
    r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]])
    if "force_all_finite" not in inspect.signature(before).parameters:
        with pytest.raises(TypeError):
            FactorAnalyzer(n_factors=1, rotation=None, method="minres", is_corr_matrix=True).fit(r)
    fa = vl.fit_minres(r, 1)
    assert fam.check_array is before
    # three indicators identify one factor exactly: λ1² = r12·r13/r23, λ2 = r12/λ1, λ3 = r13/λ1
    l1 = np.sqrt(.5 * .4 / .3)
    np.testing.assert_allclose(np.abs(fa.loadings_[:, 0]), [l1, .5 / l1, .4 / l1], atol=1e-4)
