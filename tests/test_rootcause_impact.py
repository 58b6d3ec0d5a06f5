"""Cause impact (issue 18, item 5): each cause's association with the complainants' score, checked against
statsmodels' Welch interval and scipy's Welch t-test on real NPS verbatims (tests/data/realdata_samples)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from cxkit import rootcause as rc

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "realdata_samples" / "nps_telecom_text_data_head300.csv"


@pytest.fixture(scope="module")
def telecom():
    raw = pd.read_csv(SAMPLE)
    raw = raw[raw["text"].fillna("").str.strip() != ""].reset_index(drop=True)
    cb = rc.load_codebook("service_fishbone")
    return raw, cb, rc.auto_code(raw["text"].tolist(), cb)


def test_welch_difference_interval_and_p_match_statsmodels_and_scipy(telecom):
    raw, cb, coded = telecom
    score = raw["NPS_SCORE"].astype(float)
    t = rc.cause_impact(coded, score.tolist(), cb, min_n=5).set_index("item")
    tested = t[t["p"].notna()]
    assert len(tested) >= 3, t                       # enough categories on this real sample to mean something
    ps = []
    for cat, r in tested.iterrows():
        has = np.array([cat in v for v in coded["categories"]])
        a, b = score[has].dropna().to_numpy(), score[~has].dropna().to_numpy()
        cm = CompareMeans(DescrStatsW(a), DescrStatsW(b))
        lo, hi = cm.tconfint_diff(alpha=0.05, usevar="unequal")
        ref = stats.ttest_ind(a, b, equal_var=False)
        assert (r["n_with"], r["n_without"]) == (len(a), len(b))
        assert r["diff"] == pytest.approx(a.mean() - b.mean(), abs=1e-12)
        assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), abs=1e-9)
        assert r["p"] == pytest.approx(ref.pvalue, rel=1e-9)
        ps.append(ref.pvalue)
    assert tested["p_holm"].tolist() == pytest.approx(multipletests(ps, method="holm")[1].tolist(), rel=1e-9)
    assert t["diff"].dropna().is_monotonic_increasing    # the most negative association first


def test_untested_when_a_group_is_small_and_missing_scores_are_left_out():
    cb = rc.load_codebook("service_fishbone")
    coded = rc.auto_code(["客服态度差"] * 4 + ["App 闪退"] * 8, cb)
    score = [1, 2, np.nan, 2] + [4, 5, 4, 5, 4, 5, np.nan, 5]
    t = rc.cause_impact(coded, score, cb, min_n=5).set_index("item")
    assert t.loc["people", "n_with"] == 3 and np.isnan(t.loc["people", "p"])     # 3 scored < 5: not tested
    t3 = rc.cause_impact(coded, score, cb, min_n=3).set_index("item")
    assert t3.loc["people", "n_with"] == 3 and t3.loc["people", "p"] < 0.05
    assert t3.loc["people", "mean_with"] == pytest.approx(5 / 3)
    with pytest.raises(ValueError):
        rc.cause_impact(coded, score[:-1], cb)


def test_params_refuse_two_score_sources():
    with pytest.raises(ValueError, match="not both"):
        rc.RootCauseParams(score_column="NPS_SCORE", respondent_column="respondent_id")


def _coded_run(rp, df):
    from cxkit import rootcause_sections as rs

    rcp = rp.model_dump(mode="json")
    res = rc.code_complaints(df, rcp)
    texts = res["data"][rp.text_column].tolist()
    return rs.CodedComplaints(params=rp, rcp=rcp, res=res, shown=texts, n_pii=0, redacted=False, out_dir="")


def test_a_missing_score_column_or_survey_link_is_a_named_warning_not_a_crash():
    from cxkit import rootcause_sections as rs
    from cxkit.report import Playbook

    df = pd.DataFrame({"comment": ["客服态度差"] * 6 + ["App 闪退"] * 6, "complaint_id": range(12)})
    pb = Playbook({"language": "en"}, display=False)
    rs.impact_section(pb, _coded_run(rc.RootCauseParams(score_column="NPS"), df))
    assert [w["message"] for w in pb.warnings] and "'NPS'" in pb.warnings[-1]["message"]
    assert "cause_impact" not in pb.results
    df["rid"] = range(12)
    pb2 = Playbook({"language": "en", "survey": {"id_column": None}}, display=False)
    rs.impact_section(pb2, _coded_run(rc.RootCauseParams(respondent_column="rid"), df))
    assert "survey.id_column" in pb2.warnings[-1]["message"]
    pb3 = Playbook({"language": "en"}, display=False)
    rs.impact_section(pb3, _coded_run(rc.RootCauseParams(score_column="score"),
                                      df.assign(score=[1, 2, 1, 2, 1, 2, 4, 5, 4, 5, 4, 5])))
    assert pb3.results["cause_impact_score"] == "score" and not pb3.warnings
