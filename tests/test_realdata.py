"""Real client exports of many shapes run end to end (issue 15): one engagement per shape under
tests/engagements/ (data: tests/data/realdata_samples, tests/data/wjx), every applicable notebook runs, the
others are "not applicable", exit 0, and key figures equal an independent computation with pandas /
pyreadstat / pingouin on the raw file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxkit.cli import main

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent
ENG = ROOT / "engagements"
SAMPLES = ROOT / "data" / "realdata_samples"

# engagement: notebooks expected to run (the others must be not applicable)
RUNS = {
    "abc_b2b": {"00_data_profile", "03_diagnostics"},
    "nps_telecom": {"00_data_profile", "03_diagnostics", "04_root_cause"},
    "kiosk_servqual": {"00_data_profile", "02_reliability", "03_diagnostics"},
    "chatbot_sav": {"00_data_profile", "02_reliability", "03_diagnostics"},
    "library_users": {"00_data_profile", "03_diagnostics"},
    "qualtrics_ev": {"00_data_profile"},
    "shopping_reviews_zh": {"04_root_cause"},
    "wjx_phone": {"00_data_profile"},
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    return tmp_path_factory.mktemp("realdata")


def _run(name: str, out: Path) -> dict:
    code = main(["run", str(ENG / name), "--out", str(out / name), "--workers", "2"])
    manifest = json.loads((out / name / "manifest.json").read_text(encoding="utf-8"))
    return {"code": code, "status": {t["notebook"]: t["status"] for t in manifest["tasks"] if t["region"] == "all"},
            "summary": {t["notebook"]: t["status"] for t in manifest["tasks"] if t["region"] == "_engagement"}}


def _res(out: Path, name: str, nb: str) -> dict:
    return json.loads((out / name / "all" / f"{nb}.results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(RUNS))
def test_engagement_runs_every_applicable_notebook(name, outputs):
    r = _run(name, outputs)
    assert r["code"] == 0, r
    ran = {nb for nb, st in r["status"].items() if st == "ok"}
    assert ran == RUNS[name], r["status"]
    assert {st for nb, st in r["status"].items() if nb not in ran} <= {"not_applicable"}
    assert r["summary"] == {"99_summary": "ok"}
    check = CHECKS.get(name)
    if check:
        check(outputs)


def _abc(out):
    raw = pd.read_csv(SAMPLES / "abc_ABC.csv")
    q1 = raw["q1"].replace(99, np.nan).dropna()
    diag = _res(out, "abc_b2b", "03_diagnostics")
    assert diag["n"] == len(raw) == 266
    assert diag["csat_0_100"] == pytest.approx(100 * (q1.mean() - 1) / 4, abs=1e-9)
    assert set(diag["driver_weights"]) == {"q4", "q5", "q6", "q7", "q8", "q9"}
    assert sum(diag["driver_weights"].values()) == pytest.approx(1.0)
    assert _res(out, "abc_b2b", "00_data_profile")["n_responses"] == 266


def _nps(out):
    raw = pd.read_csv(SAMPLES / "nps_telecom_text_data_head300.csv")
    s = raw["NPS_SCORE"].dropna()
    diag = _res(out, "nps_telecom", "03_diagnostics")
    assert diag["nps"] == pytest.approx(100 * ((s >= 9).mean() - (s <= 6).mean()), abs=1e-9)
    assert diag["csat_0_100"] is None and diag["satisfaction_0_100"] == pytest.approx((diag["nps"] + 100) / 2)
    # the demo's customer-value tier score does not apply to a survey export without those columns: no warning
    assert not [w for w in diag["warnings"] if "tier score" in w["message"]], diag["warnings"]
    rc = _res(out, "nps_telecom", "04_root_cause")
    texts = raw["text"].fillna("").astype(str).str.strip()
    assert rc["n_complaints"] == int((texts != "").sum()) and rc["n_dropped"] == int((texts == "").sum())
    # cause impact: mean NPS score of complainants mentioning a category minus the others', from the codes file
    codes = pd.read_csv(out / "nps_telecom" / "all" / "04_root_cause.codes.csv", encoding="utf-8-sig")
    score = raw.loc[texts != "", "NPS_SCORE"].reset_index(drop=True)
    assert rc["cause_impact_score"] == "NPS_SCORE" and len(codes) == len(score)
    tested = [r for r in rc["cause_impact"] if r["p"] is not None]
    assert len(tested) >= 3, rc["cause_impact"]
    for r in tested:
        has = codes["categories"].fillna("").str.split("|").map(lambda v, c=r["category"]: c in v)
        assert r["diff"] == pytest.approx(score[has].mean() - score[~has].mean(), abs=1e-9), r


def _kiosk(out):
    import pingouin as pg

    raw = pd.read_csv(SAMPLES / "kiosk_cp949_head100.csv", encoding="cp949")
    raw.columns = [c.strip() for c in raw.columns]
    rel = _res(out, "kiosk_servqual", "02_reliability")
    block = [c for c in raw.columns if c.endswith("(기대 설문)")]
    assert len(block) == 24
    a = rel["scales"]["block1_1"]["alpha"]
    assert a == pytest.approx(pg.cronbach_alpha(raw[block].dropna())[0], abs=1e-9)   # missing = whole rows here


def _chatbot(out):
    import pyreadstat

    df, _ = pyreadstat.read_sav(str(SAMPLES / "chatbot_BA_AUswertung_final.sav"))
    cs = df["CS"].dropna()
    diag = _res(out, "chatbot_sav", "03_diagnostics")
    assert diag["satisfaction_0_100"] == pytest.approx(100 * (cs.mean() - 1) / 6, abs=1e-9)


def _library(out):
    raw = pd.read_csv(SAMPLES / "library_anonymizedData_head100.csv")
    codes = {"Strongly agree": 5, "Somewhat agree": 4, "Neither agree nor disagree": 3, "Somewhat disagree": 2,
             "Disagree": 2, "Strongly disagree": 1}
    v = raw["agreeWelcomeInLibrary"].map(codes).dropna()
    assert _res(out, "library_users", "03_diagnostics")["csat_0_100"] == pytest.approx(100 * (v.mean() - 1) / 4, abs=1e-9)


def _qualtrics(out):
    raw = pd.read_csv(SAMPLES / "qualtrics_ev_survey_data_raw.csv", skiprows=[1, 2])   # Qualtrics: 3 header rows
    assert _res(out, "qualtrics_ev", "00_data_profile")["n_responses"] == len(raw) == 172


def _shopping(out):
    raw = pd.read_csv(SAMPLES / "online_shopping_zh_40_per_block.csv")
    rc = _res(out, "shopping_reviews_zh", "04_root_cause")
    assert rc["n_complaints"] + rc["n_dropped"] == len(raw) == 800
    assert 0 < rc["coded_share"] <= 1


def _wjx(out):
    prof = _res(out, "wjx_phone", "00_data_profile")
    assert prof["n_responses"] == 800 and prof["segments"] == {"女": 373, "男": 427}


CHECKS = {"abc_b2b": _abc, "nps_telecom": _nps, "kiosk_servqual": _kiosk, "chatbot_sav": _chatbot,
          "library_users": _library, "qualtrics_ev": _qualtrics, "shopping_reviews_zh": _shopping, "wjx_phone": _wjx}


def test_truncated_complaint_export_is_named_not_crashed(tmp_path, capsys):
    """The CFPB export is cut off inside its last record: validate and run stop with the file and line named."""
    assert main(["validate", str(ENG / "cfpb_truncated")]) == 2
    c = capsys.readouterr()
    out = c.out + c.err
    assert "cfpb_head150_cut.csv" in out and "line 152" in out and "cut off" in out
    code = main(["run", str(ENG / "cfpb_truncated"), "--out", str(tmp_path / "o"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "cfpb_head150_cut.csv" in err and "Traceback" not in err
