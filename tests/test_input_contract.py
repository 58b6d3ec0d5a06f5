"""Issue 15 input contract: missing codes, no id column, banner rows above the header, per-column labels,
numeric waves, a whole column lost, a declared range the answers do not use."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cxkit.config import load_engagement
from cxkit.errors import DataError
from cxkit.validation import read_responses, validate_responses

ITEMS = ["a1", "a2", "a3"]


def _params(path: Path, **survey) -> dict:
    sv = {"id_column": "id", "segment_column": None, "scale_range": [1, 5],
          "scales": {"a": {"items": ITEMS}}, "outcomes": {"csat": "csat"},
          "outcome_ranges": {"csat": [1, 5]}}
    sv.update(survey)
    return {"responses": str(path), "survey": sv, "validation": {"policy": "error"}}


def _frame(n=40, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": [f"r{i}" for i in range(n)], "csat": rng.integers(1, 6, n)})
    for it in ITEMS:
        df[it] = rng.integers(1, 6, n)
    return df


def test_missing_codes_global_and_per_column(tmp_path):
    df = _frame()
    df.loc[[0, 3], "a1"] = 0          # 0 = not applicable
    df.loc[5, "csat"] = 99            # 99 = refused
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DataError, match="outside 1–5"):      # undeclared codes are out-of-range answers
        read_responses(_params(p))
    got, _ = read_responses(_params(p, missing_codes=[99]) | {"input": {"responses": {"missing_codes": {"a1": [0]}}}})
    assert got["a1"].isna().sum() == 2 and np.isnan(got.loc[5, "csat"])
    assert got["a1"].mean() == pytest.approx(df["a1"].drop([0, 3]).mean())
    _, rep = validate_responses(_params(p, missing_codes=[0, 99]))
    assert rep.ok and any("missing codes" in n and "a1 (2)" in n for n in rep.notes)


def test_no_id_column_and_banner_rows(tmp_path):
    df = _frame().drop(columns="id")
    p = tmp_path / "r.csv"
    p.write_text("Customer survey 2026,,,,\nexported 2026-11-01,,,,\n" + df.to_csv(index=False), encoding="utf-8")
    got, _ = read_responses(_params(p, id_column=None) | {"input": {"responses": {"header_row": 3}}})
    assert list(got.columns) == list(df.columns) and len(got) == len(df)
    bad = df.copy().astype(object)
    bad.loc[4, "a2"] = "x"
    p.write_text("banner\n" + bad.to_csv(index=False), encoding="utf-8")
    with pytest.raises(DataError) as exc:                       # row numbers still count from the top
        read_responses(_params(p, id_column=None) | {"input": {"responses": {"header_row": 2}}})
    assert exc.value.rows == [7] and exc.value.column == "a2"


def test_per_column_labels_even_when_numbers_are_mixed_in(tmp_path):
    df = _frame().astype(object)
    df["csat"] = ["Extremely satisfied - 5", 2, 3, "1 - not at all"] * 10
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    with pytest.raises(DataError, match="non-numeric"):
        read_responses(_params(p))
    labels = {"csat": {"Extremely satisfied - 5": 5, "1 - not at all": 1}}
    got, _ = read_responses(_params(p) | {"input": {"responses": {"labels": labels}}})
    assert got["csat"].tolist()[:4] == [5.0, 2.0, 3.0, 1.0]
    # a per-column codebook does not leak into other columns (input.labels is global)
    assert got["a1"].tolist() == df["a1"].astype(float).tolist()


def test_a_column_emptied_by_reading_is_an_error_under_any_policy(tmp_path):
    df = _frame().astype(object)
    df["csat"] = [f"{v},5" for v in range(40)]          # decimal commas: nothing reads as a number
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False, sep=";")
    for policy in ("error", "warn"):
        prm = _params(p) | {"validation": {"policy": policy}}
        _, rep = validate_responses(prm)
        assert any(f.check == "column_emptied" and f.column == "csat" and f.severity == "error" for f in rep.findings), policy
        with pytest.raises(DataError, match="none of the 40 answers" if policy == "warn" else "csat"):
            read_responses(prm)          # under warn the bad cells would be blanked: the lost column still stops


def test_declared_range_the_answers_never_reach_is_reported(tmp_path):
    df = _frame(60)
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    _, rep = validate_responses(_params(p, scale_range=[1, 7]))
    f = [f for f in rep.findings if f.check == "range_unused"]
    assert f and f[0].severity == "warning" and "1–7" in f[0].message and "[1, 5]" in f[0].hint
    _, rep5 = validate_responses(_params(p))
    assert not [f for f in rep5.findings if f.check == "range_unused"]


def test_numeric_wave_is_accepted(tmp_path):
    df = _frame()
    (tmp_path / "data").mkdir()
    df.to_csv(tmp_path / "data" / "r.csv", index=False)
    cfg = {"engagement": "w", "client": "c", "wave": 2024, "survey": _params(Path("x"))["survey"],
           "regions": {"all": {"responses": "data/r.csv"}}}
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    eng = load_engagement(tmp_path)
    assert eng.regions["all"].params["wave"] == "2024"


def test_outcome_given_in_full_with_type_labels_and_range(tmp_path):
    """`survey.outcomes.<role>: {column, type, labels, range}`: a yes/no CSAT in words becomes 0/1 on [0, 1]
    (its top box is the share of yes), every reader downstream sees the plain column name."""
    from cxkit import metrics

    (tmp_path / "data").mkdir()
    pd.DataFrame({"是否满意": ["是", "否", "是", "是", None], "rec": [9, 10, 3, 7, 8]}).to_csv(
        tmp_path / "data" / "r.csv", index=False)
    cfg = {"engagement": "oc", "client": "c", "wave": "w", "regions": {"all": {"responses": "data/r.csv"}},
           "survey": {"id_column": None, "segment_column": None,
                      "outcomes": {"csat": {"column": "是否满意", "type": "binary", "labels": {"是": 1, "否": 0}},
                                   "nps": {"column": "rec", "type": "nps"}}}}
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    params = load_engagement(tmp_path).regions["all"].params
    sv = params["survey"]
    assert sv["outcomes"]["csat"] == "是否满意" and sv["outcome_ranges"]["csat"] == [0.0, 1.0]
    assert sv["outcome_types"] == {"csat": "binary", "nps": "nps"}
    df, _ = read_responses(params)
    assert df["是否满意"].tolist()[:4] == [1.0, 0.0, 1.0, 1.0]
    k = metrics.kpi_values(df, sv["outcomes"], sv["outcome_ranges"])
    assert k["top_box"] == pytest.approx(3 / 4) and k["csat_0_100"] == pytest.approx(75.0)
    cfg["survey"]["outcomes"]["csat"] = {"column": "是否满意", "type": "yesno"}
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    from cxkit.errors import ConfigError
    with pytest.raises(ConfigError, match=r"survey.outcomes.csat.type"):
        load_engagement(tmp_path)
