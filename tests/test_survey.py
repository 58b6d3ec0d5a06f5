"""Item bank, questionnaire, XLSForm, codebook and the design params (cxkit.survey)."""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxkit import survey
from cxkit.config import load_engagement
from cxkit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo"
XF = "{http://www.w3.org/2002/xforms}"


@pytest.fixture(scope="module")
def demo_params() -> dict:
    return load_engagement(DEMO, check_files=False).regions["east"].params


@pytest.fixture(scope="module")
def demo_q(demo_params) -> dict:
    return survey.build_questionnaire(demo_params["design"]["questionnaire"])


# --------------------------------------------------------------------------- item bank
def test_item_bank_is_bilingual_and_typed():
    bank = survey.item_bank()
    assert {"profile", "outcomes", "servqual", "servqual_expectation", "drivers", "kano", "scenario",
            "complaint", "open"} <= set(bank["modules"])
    for it in survey.bank_items().values():
        assert it["label"]["zh"].strip() and it["label"]["en"].strip(), it["id"]
        assert it["type"] in survey.ITEM_TYPES
        if it["type"] == "likert":
            opts = bank["choices"][it["choices"]]
            assert [int(o["name"]) for o in opts] == list(range(it["range"][0], it["range"][1] + 1)), it["id"]
    for name, opts in bank["choices"].items():
        for o in opts:
            assert o["zh"] and o["en"], name


def test_bank_scales_match_documents():
    items = survey.bank_items()
    assert items["csat"]["range"] == [1, 5] and items["nps"]["range"] == [0, 10] and items["ces"]["range"] == [1, 7]
    assert "对本次服务是否满意" in items["csat"]["label"]["zh"]          # DOMAIN.md wording (document 000)
    assert "推荐" in items["nps"]["label"]["zh"] and "努力" in items["ces"]["label"]["zh"]
    dims = {it["dimension"] for it in items.values() if it["module"] == "servqual"}
    assert dims == {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}
    assert {it["dimension"] for it in items.values() if it["module"] == "servqual_expectation"} == dims
    # negatively worded SERVQUAL items are the reverse-keyed ones, as in the demo's truth
    truth = {"resp4", "emp3"}
    assert {i for i, it in items.items() if it["reverse"]} == truth


# --------------------------------------------------------------------------- questionnaire
def test_demo_questionnaire_order_and_skip_logic(demo_q):
    ids = [it["id"] for it in demo_q["items"]]
    assert ids[:5] == ["region", "tier", "age_band", "channel", "need_profile"]
    assert "kano_f_fast_reply" in ids and "kano_d_proactive_alert" in ids
    rel = {it["id"]: it["relevant"] for it in demo_q["items"] if it.get("relevant")}
    assert rel["complaint_channel"] == "${complaint_30d} = '1'"
    assert rel["complaint_days"] == "${complaint_resolved} = '1'"
    assert ids.index("complaint_30d") < ids.index("complaint_channel")


def test_custom_items_and_exclude():
    q = survey.build_questionnaire({
        "modules": ["outcomes", "extra"], "exclude": ["ces"],
        "custom_items": [{"id": "elderly_font", "module": "extra", "type": "yes_no",
                          "label": {"zh": "您是否需要大字版问卷？", "en": "Do you need a large-print version?"}}]})
    ids = [it["id"] for it in q["items"]]
    assert ids == ["csat", "nps", "overall", "elderly_font"]
    assert q["modules"][-1]["name"] == "extra"


def test_unknown_item_names_parameter():
    with pytest.raises(ConfigError) as exc:
        survey.build_questionnaire({"modules": ["servqual"], "items": {"servqual": ["resp1", "resp9"]}})
    msg = str(exc.value)
    assert "design.questionnaire.items.servqual" in msg and "resp9" in msg


def test_unknown_module_and_dangling_skip():
    with pytest.raises(ConfigError, match=r"design\.questionnaire\.modules.*unknown module 'servqal'.*servqual"):
        survey.build_questionnaire({"modules": ["servqal"]})
    with pytest.raises(ConfigError, match="complaint_30d"):
        survey.build_questionnaire({"modules": ["complaint"], "exclude": ["complaint_30d"]})
    with pytest.raises(ConfigError, match=r"design\.questionnaire\.choices\.region"):
        survey.build_questionnaire({"modules": ["profile"], "items": {"profile": ["region", "tier"]}})


def test_region_item_left_out_without_its_list():
    q = survey.build_questionnaire({"modules": ["profile"]})   # the region list is engagement-specific
    assert q["dropped"] == ["region"] and "region" not in [it["id"] for it in q["items"]]


def _write_engagement(tmp_path: Path, design: dict) -> Path:
    raw = yaml.safe_load((DEMO / "engagement.yaml").read_text(encoding="utf-8"))
    raw["design"] = design
    (tmp_path / "engagement.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_params_errors_name_the_key(tmp_path, demo_params):
    d = copy.deepcopy(demo_params["design"])
    d["questionnaire"]["items"]["servqual"].append("resp9")
    d["sampling"]["margin"] = 0.6
    d["sampling"]["n_total"] = 100
    d["sampling"]["min_per_cell"] = 10   # 16 cells × 10 > 100
    with pytest.raises(ConfigError) as exc:
        load_engagement(_write_engagement(tmp_path, d), check_files=False)
    msg = str(exc.value)
    assert "design.questionnaire" in msg and "resp9" in msg
    assert "design.sampling" in msg and "margin" in msg and "(0, 0.5)" in msg


def test_infeasible_minimum_in_params(tmp_path, demo_params):
    d = copy.deepcopy(demo_params["design"])
    d["sampling"].update(n_total=100, min_per_cell=10)
    with pytest.raises(ConfigError, match=r"design\.sampling.*min_per_cell.*infeasible"):
        load_engagement(_write_engagement(tmp_path, d), check_files=False)


def test_empty_design_validates():
    dp = survey.DesignParams.model_validate({})
    assert dp.sampling.margin == 0.05 and dp.fieldwork.interviews["platinum"] == 40
    q = survey.build_questionnaire(dp.questionnaire.model_dump())
    assert q["modules"][0]["name"] == "profile" and len(q["items"]) > 50


# --------------------------------------------------------------------------- XLSForm
def test_demo_xlsform_converts_and_xform_loads(demo_q, tmp_path):
    path = survey.write_xlsform(demo_q, tmp_path / "form.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"survey", "choices", "settings"}
    res = survey.xlsform_to_xform(path)
    root = ET.fromstring(res["xml"].encode("utf-8"))
    binds = {b.get("nodeset").rsplit("/", 1)[-1]: b for b in root.iter(f"{XF}bind")}
    for it in demo_q["items"]:
        assert it["id"] in binds, it["id"]
    assert "complaint_30d" in binds["complaint_channel"].get("relevant")
    assert binds["overall"].get("type") == "int" and "100" in binds["overall"].get("constraint")
    langs = {t.get("lang") for t in root.iter(f"{XF}translation")}
    assert langs == {"Chinese (zh)", "English (en)"}
    instance = root.find(f".//{XF}instance")
    assert instance[0].get("id") == "cx_demo_2026q3"


def test_xlsform_error_is_reported(tmp_path):
    bad = tmp_path / "bad.xlsx"
    pd.DataFrame({"type": ["select_one nolist"], "name": ["x"], "label": ["X"]}).to_excel(bad, sheet_name="survey",
                                                                                            index=False)
    with pytest.raises(survey.CxError, match="does not convert with pyxform"):
        survey.xlsform_to_xform(bad)


# --------------------------------------------------------------------------- codebook
def test_codebook_covers_demo_response_file(demo_params, demo_dir):
    cb = survey.codebook(demo_params)
    assert list(cb.columns[:6]) == ["variable", "module", "label_zh", "label_en", "type", "allowed"]
    data = pd.read_csv(demo_dir / "data" / "east_responses.csv")
    assert set(data.columns) <= set(cb["variable"])
    rows = cb.set_index("variable")
    # every numeric answer of the demo file lies within the codebook's bounds / codes
    for col in data.columns:
        r = rows.loc[col]
        v = data[col].dropna()
        if pd.notna(r["min"]):
            assert v.between(r["min"], r["max"]).all(), col
        elif r["values"]:
            assert set(v.astype(str)) <= set(r["values"].split("|")), col
    assert rows.loc["resp4", "reverse"] and rows.loc["emp3", "reverse"] and not rows.loc["rel4", "reverse"]
    assert rows.loc["resp1", "scale"] == "responsiveness" and rows.loc["nps", "scale"] == "nps"
    assert rows.loc["exp_tangibles", "scale"] == "" and rows.loc["exp_tangibles", "form"] == "expectation"


def test_codebook_csv_roundtrip(demo_params, tmp_path):
    cb = survey.codebook(demo_params)
    p = survey.write_codebook(cb, tmp_path / "cb.csv")
    back = pd.read_csv(p, encoding="utf-8-sig", keep_default_na=False)
    assert back["variable"].tolist() == cb["variable"].tolist()
    assert back.loc[back["variable"] == "csat", "label_zh"].item() == "您对本次服务是否满意？"


def test_consistency_warnings(demo_params):
    assert survey.consistency_warnings(demo_params) == []
    p = copy.deepcopy(demo_params)
    p["survey"]["scales"]["reliability"]["reverse"] = ["rel4"]
    p["design"]["questionnaire"]["items"]["drivers"] = ["val1", "val2"]
    keys = [k for k, _ in survey.consistency_warnings(p)]
    assert "survey.warn_not_asked" in keys and "survey.warn_reverse" in keys


def test_printable_in_both_languages(demo_q):
    zh, en = survey.printable(demo_q, "zh"), survey.printable(demo_q, "en")
    assert len(zh) == len(demo_q["items"]) == len(en)
    assert en.loc[en["variable"] == "complaint_channel", "condition"].item() == "complaint_30d = 1"
    assert "Strongly agree" in en.loc[en["variable"] == "resp1", "answers"].item()


# --------------------------------------------------------------------------- the playbook
@pytest.mark.slow
def test_survey_design_playbook(demo_run):
    r = demo_run.results("east", "01_survey_design")
    assert r["n_one_estimate"] == 385
    assert r["n_total"] == sum(r["allocation"].values())
    assert r["interviews_total"] == 120 and r["focus_groups"]["groups"] == 6
    assert r["nps_variance"] == pytest.approx(0.4 + 0.25 - 0.15 ** 2)
    out = demo_run.out / "east"
    assert (out / r["files"]["xlsform"]).is_file() and (out / r["files"]["codebook"]).is_file()
    assert r["xform_warnings"] == 0
    html = demo_run.html("east", "01_survey_design")
    assert "01_survey_design.xlsform.xlsx" in html and "<img" in html


def test_docstring_examples():
    import doctest

    from cxkit import sampling
    for mod in (survey, sampling):
        res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert res.failed == 0 and res.attempted > 0, mod.__name__


def test_check_against_codebook(demo_params, demo_dir):
    cb = survey.codebook(demo_params)
    data = pd.read_csv(demo_dir / "data" / "east_responses.csv")
    assert survey.check_against_codebook(data, cb) == []
    bad = data.head(6).copy()
    bad.loc[2, "csat"] = 7          # spreadsheet row 4
    bad.loc[3, "tier"] = "diamond"  # row 5
    bad["nps"] = bad["nps"].astype(object)
    bad.loc[1, "nps"] = "ten"       # row 3
    bad["extra"] = 1
    got = {(p["column"], p["kind"]): p["rows"] for p in survey.check_against_codebook(bad, cb)}
    assert got == {("csat", "out_of_range"): [4], ("tier", "not_a_code"): [5], ("nps", "not_numeric"): [3],
                   ("extra", "unknown_column"): []}
