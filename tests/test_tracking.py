"""Multi-wave tracking (issue 21 item 3): config, validation, estimates, tests, change point, fingerprint, notebook.

Reference values: unweighted estimates are :mod:`cxkit.metrics`' (checked elsewhere against statsmodels and
published examples), weighted ones :mod:`cxkit.weighting`'s (checked against R survey in test_weighting.py); the
change tests are recomputed here with scipy / statsmodels, independently of the module.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from cxkit import demo, metrics, tracking, weighting
from cxkit.config import load_engagement, period_key
from cxkit.errors import ConfigError, DataError

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261122
OUT = {"csat": "csat", "nps": "nps", "ces": "ces", "overall": "overall"}
RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
WEIGHTING = {"method": "rake", "margins": {"tier": {"platinum": 0.12, "gold": 0.28, "ordinary": 0.45,
                                                     "potential": 0.15}}, "trim": [0.3, 3.0]}


@pytest.fixture(scope="module")
def demo_waves() -> list[tuple[str, pd.DataFrame]]:
    """The demo's 12-wave history of north: 11 earlier waves (300 rows) and the current wave (1600 rows)."""
    waves = [(w, demo.make_tracking_wave(w, SEED)) for w in demo.TRACKING["waves"]]
    cur = demo.make_responses(demo.TRACKING["region"], SEED)[list(demo.TRACKING["columns"])]
    return waves + [("2026Q3", cur)]


def _engagement(tmp_path: Path, waves: list | None, *, wave: str = "2026Q3", files: dict | None = None,
                extra: dict | None = None, at_top: bool = False) -> Path:
    """A one-region engagement (north, 300 rows) with the demo survey; ``files``: wave file name → DataFrame."""
    d = tmp_path / "eng"
    (d / "data").mkdir(parents=True, exist_ok=True)
    demo.make_responses("north", SEED, n=300).to_csv(d / "data" / "north.csv", index=False)
    for name, df in (files or {}).items():
        df.to_csv(d / "data" / name, index=False)
    full = yaml.safe_load((ROOT / "params" / "demo" / "engagement.yaml").read_text(encoding="utf-8"))
    cfg = {k: full[k] for k in ("engagement", "client", "language", "seed", "survey", "validation")}
    cfg["wave"] = wave
    region = {"label": "华北", "responses": "data/north.csv"}
    if waves is not None:
        (cfg if at_top else region)["waves"] = waves
    cfg["regions"] = {"north": region}
    cfg.update(extra or {})
    (d / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return d


def _three_waves(demo_waves) -> tuple[list[dict], dict]:
    files = {f"north_{w}.csv": df for w, df in demo_waves[8:11]}
    return [{"wave": w, "responses": f"data/north_{w}.csv"} for w, _ in demo_waves[8:11]], files


# --------------------------------------------------------------------------- config
def test_config_resolves_wave_files_and_inputs(tmp_path, demo_waves):
    waves, files = _three_waves(demo_waves)
    reg = load_engagement(_engagement(tmp_path, waves, files=files)).regions["north"]
    assert [w["wave"] for w in reg.params["waves"]] == ["2025Q4", "2026Q1", "2026Q2"]
    assert all(Path(w["responses"]).is_absolute() and Path(w["responses"]).is_file() for w in reg.params["waves"])
    assert [k for k in reg.inputs if k.startswith("waves:")] == ["waves:2025Q4", "waves:2026Q1", "waves:2026Q2"]
    assert tracking.wave_list(reg.params)[-1][0] == "2026Q3"


def test_config_waves_at_engagement_level_are_inherited(tmp_path, demo_waves):
    waves, files = _three_waves(demo_waves)
    reg = load_engagement(_engagement(tmp_path, waves, files=files, at_top=True)).regions["north"]
    assert len(reg.params["waves"]) == 3


def test_config_missing_wave_file_names_the_wave_and_key(tmp_path, demo_waves):
    waves, files = _three_waves(demo_waves)
    files.pop("north_2026Q1.csv")
    with pytest.raises(ConfigError) as info:
        load_engagement(_engagement(tmp_path, waves, files=files))
    msg = str(info.value)
    assert "regions.north.waves.1.responses" in msg and "wave 2026Q1 not found" in msg and "north_2026Q1.csv" in msg


def test_config_duplicate_wave_label(tmp_path, demo_waves):
    waves, files = _three_waves(demo_waves)
    waves[2]["wave"] = "2026Q1"
    with pytest.raises(ConfigError) as info:
        load_engagement(_engagement(tmp_path, waves, files=files))
    assert "regions.north.waves" in str(info.value) and "'2026Q1' listed twice" in str(info.value)


def test_config_order_and_current_wave(tmp_path, demo_waves):
    waves, files = _three_waves(demo_waves)
    with pytest.raises(ConfigError, match=r"oldest first .*'2026Q2' comes before '2026Q1'"):
        load_engagement(_engagement(tmp_path, [waves[0], waves[2], waves[1]], files=files))
    with pytest.raises(ConfigError, match="is this wave's label"):
        load_engagement(_engagement(tmp_path, waves, files=files, wave="2026Q2"))
    with pytest.raises(ConfigError, match="end before this wave"):     # this wave is older than the last listed
        load_engagement(_engagement(tmp_path, waves, files=files, wave="2025Q1"))
    # labels in no known period format: the list order is the time order, nothing else is checked
    named = [{"wave": n, "responses": w["responses"]} for n, w in zip(("春季", "夏季", "秋季"), waves)]
    assert len(load_engagement(_engagement(tmp_path, named, files=files, wave="冬季")).regions["north"]
               .params["waves"]) == 3
    assert period_key("2024Q5") is None and period_key(2024) == ("Y", 2024, 0)


def test_config_wave_spec_is_strict(tmp_path, demo_waves):
    waves, files = _three_waves(demo_waves)
    waves[0]["file"] = waves[0].pop("responses")
    with pytest.raises(ConfigError) as info:
        load_engagement(_engagement(tmp_path, waves, files=files))
    assert "unknown key 'file'" in str(info.value)


# --------------------------------------------------------------------------- validation (cx validate)
def test_validate_checks_each_wave_file_like_previous_responses(tmp_path, demo_waves):
    from cxkit.validation import read_wave, validate_region

    waves, files = _three_waves(demo_waves)
    files["north_2026Q1.csv"] = files["north_2026Q1.csv"][["respondent_id", "csat"]]      # outcomes where present
    bad = files["north_2026Q2.csv"].copy()
    bad.loc[3, "nps"] = 14
    files["north_2026Q2.csv"] = bad.drop(columns="respondent_id")
    params = load_engagement(_engagement(tmp_path, waves, files=files)).regions["north"].params
    reps = {r.role: r for r in validate_region(params)}
    assert {"waves:2025Q4", "waves:2026Q1", "waves:2026Q2"} <= set(reps)
    assert reps["waves:2025Q4"].ok and reps["waves:2026Q1"].ok
    checks = {f.check for f in reps["waves:2026Q2"].errors}
    assert checks == {"missing_columns", "out_of_range"}
    assert "respondent_id" in reps["waves:2026Q2"].render()
    df, _ = read_wave(params, params["waves"][0])
    assert len(df) == 300
    with pytest.raises(DataError, match="north_2026Q2.csv"):
        read_wave(params, params["waves"][2])


# --------------------------------------------------------------------------- estimates
def test_unweighted_estimates_are_the_metrics_functions(demo_waves):
    tr = tracking.track([(w, df, None) for w, df in demo_waves], OUT, RANGES)
    assert [p["wave"] for p in tr["tracking"]["overall"]] == [w for w, _ in demo_waves]
    for (_, df), c, tb, n, e, o in zip(demo_waves, *(tr["tracking"][k] for k in
                                                     ("csat_0_100", "top_box", "nps", "ces", "overall"))):
        cs = metrics.csat_summary(df["csat"])
        assert (c["value"], c["low"], c["high"], c["n"]) == pytest.approx(
            (cs["mean_0_100"], cs["ci_low_0_100"], cs["ci_high_0_100"], cs["n"]), rel=1e-12)
        assert (tb["value"], tb["low"], tb["high"]) == pytest.approx(
            (cs["top_box"], cs["top_box_low"], cs["top_box_high"]), rel=1e-12)
        ns = metrics.nps_summary(df["nps"])
        assert (n["value"], n["low"], n["high"]) == pytest.approx((ns["nps"], ns["ci_low"], ns["ci_high"]), rel=1e-12)
        ce = metrics.ces_summary(df["ces"])
        assert (e["value"], e["low"], e["high"]) == pytest.approx((ce["mean"], ce["ci_low"], ce["ci_high"]), rel=1e-12)
        x = df["overall"].to_numpy(float)          # 0–100 already: t interval computed here
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        assert (o["value"], o["low"], o["high"]) == pytest.approx((x.mean(), x.mean() - half, x.mean() + half))
    assert not tr["weighted"] and tr["skipped"] == []


def test_weighted_estimates_are_the_weighting_functions(demo_waves):
    data = [(w, df, weighting.weight(df, WEIGHTING)) for w, df in demo_waves[-4:]]
    tr = tracking.track(data, OUT, RANGES)
    assert tr["weighted"]
    for i, (w, df, wt) in enumerate(data):
        k = weighting.weighted_kpis(df, wt, OUT, RANGES)      # 03's headline (R survey-checked functions)
        for kpi, key in (("csat_0_100", "csat_0_100"), ("top_box", "top_box"), ("nps", "nps"), ("ces", "ces"),
                         ("overall", "overall")):
            p = tr["tracking"][kpi][i]
            assert p["wave"] == w and p["n"] == len(df)
            assert (p["value"], p["low"], p["high"]) == pytest.approx((k[key], *k[f"{key}_ci"]), rel=1e-12), kpi
        e = weighting.weighted_nps(df["nps"], wt)
        assert tracking.wave_estimate(df, "nps", "nps", RANGES, weights=wt)["se"] == pytest.approx(e.se, rel=1e-12)


def test_a_wave_without_an_outcome_column_is_left_out_of_that_kpi(demo_waves):
    waves = [(w, df if i != 1 else df.drop(columns="nps"), None) for i, (w, df) in enumerate(demo_waves[:4])]
    tr = tracking.track(waves, OUT, RANGES)
    assert [p["wave"] for p in tr["tracking"]["nps"]] == [demo_waves[i][0] for i in (0, 2, 3)]
    assert len(tr["tracking"]["csat_0_100"]) == 4
    assert tr["skipped"] == [(demo_waves[1][0], "nps", "nps")]


# --------------------------------------------------------------------------- tests of change
def _nps_score(x):
    x = np.asarray(x, float)
    return (x >= 9).astype(float) - (x <= 6).astype(float)


def test_unweighted_change_tests_against_scipy_and_statsmodels(demo_waves):
    waves = demo_waves[4:9]
    tr = tracking.track([(w, df, None) for w, df in waves], OUT, RANGES)
    for kpi in ("csat_0_100", "top_box", "nps", "ces", "overall"):
        t = tr["tracking_tests"][kpi]
        ps = []
        for r, (wa, a), (wb, b) in zip(t["wave_over_wave"], waves, waves[1:]):
            assert (r["from"], r["to"]) == (wa, wb)
            if kpi in ("csat_0_100", "ces", "overall"):
                col = {"csat_0_100": "csat"}.get(kpi, kpi)
                ref = stats.ttest_ind(b[col], a[col], equal_var=False)
                fac = 25.0 if kpi == "csat_0_100" else 1.0
                diff, stat, p = (b[col].mean() - a[col].mean()) * fac, ref.statistic, ref.pvalue
                assert t["test"] == "welch_t"
            elif kpi == "top_box":
                ka, kb = int((a["csat"] >= 4).sum()), int((b["csat"] >= 4).sum())
                stat, p = proportions_ztest([kb, ka], [len(b), len(a)])
                diff = kb / len(b) - ka / len(a)
                assert t["test"] == "two_proportion_z"
            else:
                sa, sb = _nps_score(a["nps"]), _nps_score(b["nps"])
                se = 100 * math.hypot(sa.std() / math.sqrt(len(sa)), sb.std() / math.sqrt(len(sb)))
                diff = 100 * (sb.mean() - sa.mean())
                stat = diff / se
                p = 2 * stats.norm.sf(abs(stat))
                assert t["test"] == "nps_z"
            assert (r["diff"], r["statistic"], r["p"]) == pytest.approx((diff, stat, p), rel=1e-9), kpi
            ps.append(p)
        holm = multipletests(ps, method="holm")[1]
        assert [r["p_adj"] for r in t["wave_over_wave"]] == pytest.approx(list(holm), rel=1e-12)
    f = tr["tracking_tests"]["overall"]["first_to_last"]
    ref = stats.ttest_ind(waves[-1][1]["overall"], waves[0][1]["overall"], equal_var=False)
    assert (f["from"], f["to"], f["p"]) == (waves[0][0], waves[-1][0], pytest.approx(ref.pvalue, rel=1e-9))
    assert "p_adj" not in f


def test_weighted_change_tests_are_z_tests_of_independent_weighted_estimates(demo_waves):
    waves = [(w, df, weighting.weight(df, WEIGHTING)) for w, df in demo_waves[5:9]]
    tr = tracking.track(waves, OUT, RANGES)
    t = tr["tracking_tests"]["top_box"]
    assert t["test"] == "weighted_z"
    ps = []
    for r, (_, a, wa), (_, b, wb) in zip(t["wave_over_wave"], waves, waves[1:]):
        ea = weighting.weighted_proportion((a["csat"] >= 4).astype(float), wa)
        eb = weighting.weighted_proportion((b["csat"] >= 4).astype(float), wb)
        z = (eb.estimate - ea.estimate) / math.sqrt(ea.se ** 2 + eb.se ** 2)
        p = 2 * stats.norm.sf(abs(z))
        assert (r["diff"], r["statistic"], r["p"]) == pytest.approx((eb.estimate - ea.estimate, z, p), rel=1e-9)
        ps.append(p)
    assert [r["p_adj"] for r in t["wave_over_wave"]] == pytest.approx(list(multipletests(ps, method="holm")[1]))
    # CSAT on 0–100: the weighted mean and its se rescaled by 100 / (5 − 1)
    (_, a, wa), (_, b, wb) = waves[0], waves[-1]
    ea, eb = weighting.weighted_mean(a["csat"], wa), weighting.weighted_mean(b["csat"], wb)
    f = tr["tracking_tests"]["csat_0_100"]["first_to_last"]
    z = (eb.estimate - ea.estimate) / math.hypot(ea.se, eb.se)
    assert (f["diff"], f["statistic"]) == pytest.approx((25 * (eb.estimate - ea.estimate), z), rel=1e-9)


def test_mixed_weighted_and_unweighted_waves_are_refused(demo_waves):
    (w1, a), (w2, b) = demo_waves[:2]
    with pytest.raises(Exception, match="weight every wave or none"):
        tracking.track([(w1, a, weighting.weight(a, WEIGHTING)), (w2, b, None)], OUT, RANGES)


# --------------------------------------------------------------------------- change point
def test_change_point_finds_a_known_step_net_of_a_trend():
    rng = np.random.default_rng(7)
    t = np.arange(12)
    y = 70 - 0.3 * t + 5.0 * (t >= 7) + rng.normal(0, 0.4, 12)
    cp = tracking.change_point(y, [f"W{i}" for i in range(12)])
    assert cp["after_wave"] == "W6" and cp["k"] == 7 and cp["candidates"] == 9 and cp["df"] == 9
    assert cp["step"] == pytest.approx(5.0, abs=1.0) and cp["p"] < 0.001
    # the rule by brute force: OLS of y on [1, t, step] for every split, smallest residual sum of squares
    rss = {}
    for k in range(2, 11):
        X = np.column_stack([np.ones(12), t + 1, (t + 1 > k).astype(float)])
        rss[k] = float(np.sum((y - X @ np.linalg.lstsq(X, y, rcond=None)[0]) ** 2))
    assert min(rss, key=rss.get) == cp["k"]
    # its t test on T − 3 df, Bonferroni over the 9 candidate splits (statsmodels OLS as the reference)
    import statsmodels.api as sm
    X = np.column_stack([np.ones(12), t + 1, (t + 1 > cp["k"]).astype(float)])
    fit = sm.OLS(y, X).fit()
    assert cp["p_raw"] == pytest.approx(fit.pvalues[2], rel=1e-9) and cp["p"] == pytest.approx(min(1, 9 * fit.pvalues[2]))


def test_a_trend_alone_is_not_a_change_point():
    rng = np.random.default_rng(3)
    y = 60 + 1.5 * np.arange(12) + rng.normal(0, 0.6, 12)
    cp = tracking.change_point(y, list("abcdefghijkl"))
    assert cp["p"] > 0.05
    tr = tracking.track([(str(i), pd.DataFrame({"overall": [v - 1, v + 1]}), None) for i, v in enumerate(y)],
                        {"overall": "overall"}, {})
    assert tr["change_points"] == {} and "overall" in tr["candidates"]
    assert tracking.change_point([1, 2, 3, 4], list("abcd")) is None        # fewer than 5 waves


def test_change_point_found_on_the_demo_known_step(demo_waves):
    truth = demo.TRACKING
    for weighted in (False, True):
        data = [(w, df, weighting.weight(df, WEIGHTING) if weighted else None) for w, df in demo_waves]
        tr = tracking.track(data, OUT, RANGES)
        assert set(tr["change_points"]) == {"csat_0_100", "top_box", "nps", "ces", "overall"}
        assert {cp["after_wave"] for cp in tr["change_points"].values()} == {truth["step_after"]}
        cp = tr["change_points"]["overall"]
        assert cp["step"] == pytest.approx(truth["step"], abs=1.5) and cp["p"] < 0.001
        assert cp["after_mean"] > cp["before_mean"] and tr["change_points"]["ces"]["step"] < 0   # less effort


# --------------------------------------------------------------------------- the section
def _playbook(params):
    from cxkit.report import Playbook
    return Playbook(params, region="north", notebook="03_diagnostics", display=False)


def test_section_weights_each_wave_and_notes_a_wave_that_cannot_be_weighted(tmp_path, demo_waves):
    waves, files = _three_waves(demo_waves)
    files["north_2026Q1.csv"] = files["north_2026Q1.csv"].assign(tier="gold")    # raking needs every tier
    d = _engagement(tmp_path, waves, files=files, extra={"weighting": WEIGHTING})
    params = load_engagement(d).regions["north"].params
    pb = _playbook(params)
    df = pb.responses()
    P = {"confidence": 0.95, "top_box": 2}
    tr = tracking.tracking_section(pb, df, params["waves"], params["survey"], P, params["weighting"])
    assert [p["wave"] for p in tr["tracking"]["overall"]] == ["2025Q4", "2026Q2", "2026Q3"]
    notes = [w["message"] for w in pb.warnings]
    assert any("2026Q1" in m and "未纳入趋势" in m for m in notes), notes
    w = weighting.weight(pd.read_csv(d / "data" / "north_2025Q4.csv"), WEIGHTING)
    e = weighting.weighted_mean(pd.read_csv(d / "data" / "north_2025Q4.csv")["overall"], w)
    assert tr["tracking"]["overall"][0]["value"] == pytest.approx(e.estimate, rel=1e-12)
    from cxkit import results as R
    base = json.loads((ROOT / "tests" / "data" / "results_examples" / "east" / "03_diagnostics.results.json")
                      .read_text(encoding="utf-8"))
    data = json.loads(json.dumps({**base, **{k: pb.results[k] for k in ("tracking", "tracking_tests",
                                                                        "change_points")}}))
    assert R.dump(R.validate("03_diagnostics", data)) == data
    html = "".join(pb.fragments)
    assert "多期趋势跟踪" in html and "data:image/png" in html


# --------------------------------------------------------------------------- runner: fingerprint and --resume
def test_fingerprint_covers_every_wave_file(tmp_path, demo_waves):
    from cxkit.runner import plan

    waves, files = _three_waves(demo_waves)
    d = _engagement(tmp_path, waves, files=files)

    def fps():
        return {t.notebook: t.fingerprint for t in plan(load_engagement(d), tmp_path / "o")}

    before = fps()
    with open(d / "data" / "north_2026Q1.csv", "a", encoding="utf-8") as fh:
        fh.write("N2026Q1-9999,gold,4,9,2,80\n")
    after = fps()
    assert before["03_diagnostics"] != after["03_diagnostics"]
    assert before["02_reliability"] == after["02_reliability"] and before["00_data_profile"] == after["00_data_profile"]


#: a stand-in notebook: counts the wave files it was given (writes its results without the 03 contract check)
WAVES_NB = '''
# %%
import json
with open(results_path, "w", encoding="utf-8") as fh:
    json.dump({"notebook": notebook, "waves": len(params.get("waves") or [])}, fh)
'''


@pytest.mark.slow
def test_resume_reruns_03_when_a_wave_file_changes(small_engagement, tmp_path, demo_waves):
    from test_batch import HEAD, _notebooks

    from cxkit.runner import run

    d = small_engagement
    cfg = yaml.safe_load((d / "engagement.yaml").read_text(encoding="utf-8"))
    for w, df in demo_waves[9:11]:
        df.head(50).to_csv(d / "data" / f"east_{w}.csv", index=False)
    cfg["regions"]["east"]["waves"] = [{"wave": w, "responses": f"data/east_{w}.csv"} for w, _ in demo_waves[9:11]]
    (d / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    nbs = _notebooks(tmp_path / "nbs", **{"03_diagnostics": HEAD + WAVES_NB, "04_root_cause": HEAD + WAVES_NB})
    out = tmp_path / "out"

    def status(rep):
        return {(r["region"], r["notebook"]): r["status"] for r in rep.records}

    assert run(d, out_dir=out, workers=1, notebooks_folder=nbs).ok
    assert json.loads((out / "east" / "03_diagnostics.results.json").read_text(encoding="utf-8"))["waves"] == 2
    assert set(status(run(d, out_dir=out, workers=1, notebooks_folder=nbs, resume=True)).values()) == {"reused"}
    f = d / "data" / f"east_{demo_waves[10][0]}.csv"
    pd.read_csv(f).head(40).to_csv(f, index=False)
    st = status(run(d, out_dir=out, workers=1, notebooks_folder=nbs, resume=True))
    assert st[("east", "03_diagnostics")] == "ok"                    # re-run: a wave file it reads changed
    assert st[("east", "04_root_cause")] == "reused" and st[("south", "03_diagnostics")] == "reused"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any(k.endswith(f"east_{demo_waves[10][0]}.csv") for k in manifest["inputs"])


# --------------------------------------------------------------------------- demo: generator and notebook
def test_demo_tracking_truth_is_the_generators():
    tr = demo.TRACKING
    assert len(tr["waves"]) + 1 == 12 and tr["waves"][0] == "2023Q4" and tr["waves"][-1] == "2026Q2"
    eng = load_engagement(ROOT / "params" / "demo", check_files=False)
    assert [w["wave"] for w in eng.regions["north"].params["waves"]] == list(tr["waves"])
    assert eng.regions["north"].params["wave"] == "2026Q3"
    shifts = [demo.tracking_shift(w) for w in tr["waves"]]
    k = tr["waves"].index(tr["step_after"])
    assert shifts[k + 1] - shifts[k] == pytest.approx(tr["step"] + tr["slope_per_wave"])


def test_demo_notebook_tracks_north(demo_run):
    res = demo_run.results("north", "03_diagnostics")
    assert set(res["tracking"]) == {"csat_0_100", "top_box", "nps", "ces", "overall"}
    assert [p["wave"] for p in res["tracking"]["overall"]] == [*demo.TRACKING["waves"], "2026Q3"]
    assert res["tracking_tests"]["overall"]["test"] == "weighted_z"          # the demo is weighted
    assert len(res["tracking_tests"]["overall"]["wave_over_wave"]) == 11
    assert res["change_points"]["overall"]["after_wave"] == demo.TRACKING["step_after"]
    assert "多期趋势跟踪" in demo_run.html("north", "03_diagnostics")
    assert "tracking" not in demo_run.results("east", "03_diagnostics")    # no waves: keys absent
