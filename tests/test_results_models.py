"""The typed models of ``.results.json`` (cxkit.results) against real files and docs/results.md.

The example files in ``tests/data/results_examples`` are a copy of one demo run (see the README
there); each must validate and round-trip to the same bytes. docs/results.md and the models must
list the same keys, so neither can drift from the other.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from cxkit import results as R
from cxkit.errors import CxError, DataError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "results_examples"
DOC = ROOT / "docs" / "results.md"
FILES = sorted(EXAMPLES.glob("*/*.results.json"))

#: keys the notebooks write that docs/results.md does not list yet (remove an entry once documented)
NOT_YET_DOCUMENTED: dict[str, set[str]] = {}


def _read(path: Path) -> tuple[str, dict]:
    text = path.read_text(encoding="utf-8")
    return text, json.loads(text)


def _example(notebook: str) -> dict:
    """The example file of ``notebook`` (east, or the engagement summary), freshly parsed."""
    for p in FILES:
        if p.name == f"{notebook}.results.json":
            return _read(p)[1]
    raise AssertionError(f"no example file for {notebook} in {EXAMPLES}")


def _error(notebook: str, data: dict) -> str:
    with pytest.raises(DataError) as info:
        R.validate(notebook, data)
    assert isinstance(info.value, CxError)
    msg = str(info.value)
    assert notebook in msg
    assert "errors.pydantic.dev" not in msg and "validation error for" not in msg  # no pydantic dump
    return msg


# --------------------------------------------------------------------------- docs/results.md
def _table_keys(text: str) -> set[str]:
    """Backticked names in the first column of the markdown tables of ``text``; ``<...>`` → ``*``."""
    keys = set()
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        first = line.strip().strip("|").split("|")[0].strip()
        if first == "key" or set(first) <= set("-: "):
            continue
        for name in re.findall(r"`([^`]+)`", first):
            keys.add(re.sub(r"<[^>]+>", "*", name))
    return keys


def _doc_keys() -> dict[str, set[str]]:
    """Per notebook section of docs/results.md: its keys plus the common keys (the table before the sections)."""
    head, *sections = re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    common = _table_keys(head)
    assert common == {"notebook", "region", "language", "warnings"}, common
    return {sec.split()[0]: common | _table_keys(sec) for sec in sections}


DOC_KEYS = _doc_keys()


def test_table_parser_reads_pairs_and_patterns():
    text = ("| key | type | meaning |\n| --- | --- | --- |\n| `a` **C** | float | x |\n"
            "| `kappa`, `kappa_po` | float | y `not_a_key` |\n| `crosstab_<tier_column>` | {} | z |\n")
    assert _table_keys(text) == {"a", "kappa", "kappa_po", "crosstab_*"}


def test_every_documented_notebook_has_a_model():
    assert set(DOC_KEYS) == set(R.MODELS)


@pytest.mark.parametrize("notebook", list(R.MODELS))
def test_docs_and_model_list_the_same_keys(notebook):
    documented, modelled = DOC_KEYS[notebook], R.documented_keys(notebook)
    pending = NOT_YET_DOCUMENTED.get(notebook, set())
    assert pending <= modelled, f"NOT_YET_DOCUMENTED names keys the model lacks: {sorted(pending - modelled)}"
    assert not pending & documented, (f"{sorted(pending & documented)} now documented in docs/results.md: "
                                      f"remove from NOT_YET_DOCUMENTED")
    assert documented == modelled - pending, (
        f"{notebook}: only in docs/results.md: {sorted(documented - modelled)}; "
        f"only in cxkit.results: {sorted(modelled - pending - documented)}")


def test_documented_keys_include_the_common_keys_and_aliases():
    for nb in R.MODELS:
        assert {"notebook", "region", "language", "warnings"} <= R.documented_keys(nb)
    assert "crosstab_*" in R.documented_keys("04_root_cause")
    assert "crosstabs" not in R.documented_keys("04_root_cause")


# --------------------------------------------------------------------------- real files
def test_examples_cover_every_notebook():
    assert {p.name.split(".")[0] for p in FILES} == set(R.MODELS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_validates_and_round_trips(path):
    text, data = _read(path)
    model = R.validate(data["notebook"], data)
    assert type(model) is R.MODELS[data["notebook"]]
    out = R.dump(model)
    assert out == data
    # same bytes as the notebook wrote them (report.write_json_atomic): ints stay ints, nulls stay
    assert json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True) + "\n" == text
    assert R.dump(R.load(path)) == data


def test_values_are_typed():
    m = R.validate("03_diagnostics", _example("03_diagnostics"))
    assert isinstance(m, R.DiagnosticsResults)
    assert m.csat_top_box.share == pytest.approx(0.8372, abs=1e-4)      # weighted: the demo's tiers are raked
    assert m.kpi_by_tier["gold"].n == 510
    assert m.kpi_composite is not None and m.kpi_composite.grade == "pass"
    assert m.warnings[0].level == "alert"
    rc = R.validate("04_root_cause", _example("04_root_cause"))
    assert set(rc.crosstabs) == {"crosstab_tier", "crosstab_touchpoint"}
    assert rc.uncoded_terms is None and "uncoded_terms" not in R.dump(rc)
    assert R.validate("06_allocation", _example("06_allocation")).kkt.lambda_ > 0


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("notebook", list(R.MODELS))
def test_unknown_top_level_key_is_an_error(notebook):
    data = {**_example(notebook), "surprise_key": 1}
    msg = _error(notebook, data)
    assert "surprise_key: unknown key" in msg


@pytest.mark.parametrize("notebook", list(R.MODELS))
def test_missing_required_key_is_an_error(notebook):
    data = _example(notebook)
    model = R.MODELS[notebook]
    key = next(f.alias or n for n, f in model.model_fields.items()
               if f.is_required() and n not in R.NotebookResults.model_fields)
    del data[key]
    msg = _error(notebook, data)
    assert f"{key}: missing" in msg


def test_missing_common_key_is_an_error():
    data = _example("00_data_profile")
    del data["language"]
    assert "language: missing" in _error("00_data_profile", data)


@pytest.mark.parametrize("value, got", [("high", 'got str "high"'), ("9.25", 'got str "9.25"'),
                                        (True, "got bool true"), ([9.25], "got a list")])
def test_wrong_type_is_an_error(value, got):
    data = {**_example("03_diagnostics"), "nps": value}
    msg = _error("03_diagnostics", data)
    assert f"nps: expected a number (int or float), {got}" in msg


def test_no_coercion_of_booleans_strings_and_pairs():
    data = _example("06_allocation")
    data["kkt"]["ok"] = 1
    data["staffing"]["load_over"] = "yes"
    data["levers"]["gold_tech"]["tier"] = 7
    data["frontier"]["budget"] = {"0": 1.0}
    msg = _error("06_allocation", data)
    assert "kkt.ok: expected a valid boolean, got int 1" in msg
    assert 'staffing.load_over: expected a valid boolean, got str "yes"' in msg
    assert "levers.gold_tech.tier: expected a valid string, got int 7" in msg
    assert "frontier.budget: expected a valid list" in msg
    data = _example("03_diagnostics")
    data["nps_ci"] = [1.0]
    assert "nps_ci: list should have at least 2 items" in _error("03_diagnostics", data)


def test_nested_errors_name_the_key_path():
    data = _example("02_reliability")
    data["scales"]["assurance"]["alpha_ci"][0] = "low"
    data["scales"]["value"]["verdict"] = "great"
    data["cfa"]["verdicts"]["cfi"] = None
    data["thresholds"]["extra_threshold"] = 0.5
    msg = _error("02_reliability", data)
    assert "(4 problems)" in msg
    assert 'scales.assurance.alpha_ci[0]: expected a number (int or float), got str "low"' in msg
    assert "scales.value.verdict: expected 'pass', 'caution' or 'fail'" in msg
    assert "cfa.verdicts.cfi: expected 'pass', 'fail' or 'n/a', got null" in msg
    assert "thresholds.extra_threshold: unknown key" in msg


def test_keys_with_dots_are_quoted_in_paths():
    data = _example("03_diagnostics")
    data["difference_tests"]["tier"]["ces.kruskal"] = "small"
    assert 'difference_tests.tier["ces.kruskal"]: expected a number' in _error("03_diagnostics", data)


def test_every_problem_is_reported():
    data = {**_example("05_roi"), "npv": "big", "mc_draws": 1.5, "bogus": 0}
    del data["currency"]
    msg = _error("05_roi", data)
    for line in ("npv: expected a number", "mc_draws: expected an integer", "bogus: unknown key",
                 "currency: missing"):
        assert line in msg


def test_notebook_key_must_match_the_model():
    msg = _error("03_diagnostics", _example("02_reliability"))
    assert "notebook: expected '03_diagnostics'" in msg


def test_unknown_notebook_and_non_object():
    with pytest.raises(DataError, match="no results model for notebook '07_magic'"):
        R.validate("07_magic", {})
    with pytest.raises(DataError, match="must be a JSON object"):
        R.validate("00_data_profile", [1, 2])


# --------------------------------------------------------------------------- absent / null / numbers
def _absent_fields(model) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()
            if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("x-may-be-absent")]


@pytest.mark.parametrize("notebook", list(R.MODELS))
def test_keys_the_doc_says_may_be_absent_can_be_left_out(notebook):
    data = _example(notebook)
    for key in _absent_fields(R.MODELS[notebook]):
        if key == "crosstab_*":
            for k in [k for k in data if k.startswith("crosstab_")]:
                del data[k]
        else:
            data.pop(key, None)
    assert R.dump(R.validate(notebook, data)) == data


def test_every_notebook_has_required_and_optional_keys_where_documented():
    assert set(_absent_fields(R.DataProfileResults)) == {"segments", "weights"}
    assert {"files", "xform_warnings", "region_allocation", "pilot"} == set(_absent_fields(R.SurveyDesignResults))
    assert {"uncoded_terms", "top20_touchpoint_share", "crosstab_*", "kappa", "kappa_po", "alpha_nominal",
            "kappa_per_category", "doc_kappa", "doc_alpha_nominal", "doc_category_counts",
            "priorities", "mention_counts", "mention_share", "primary_code_counts", "themes", "kappa_baseline_po",
            "kappa_baseline_code", "cause_impact", "cause_impact_score"} == set(_absent_fields(R.RootCauseResults))
    assert _absent_fields(R.RoiResults) == []


def test_null_only_where_the_doc_allows_it():
    ok = {**_example("03_diagnostics"), "kpi_composite": None, "csat_0_100": None}
    assert R.dump(R.validate("03_diagnostics", ok)) == ok
    bad = {**_example("03_diagnostics"), "n": None}
    assert "n: expected an integer, got null" in _error("03_diagnostics", bad)
    # a key that may be left out is not therefore nullable
    bad = {**_example("04_root_cause"), "top20_touchpoint_share": None}
    assert "top20_touchpoint_share: null is not allowed" in _error("04_root_cause", bad)
    # ...unless the doc says so (kpi_by_tier values are NaN → null when a tier has no answers)
    ok = _example("03_diagnostics")
    ok["kpi_by_tier"]["gold"]["nps"] = None
    assert R.dump(R.validate("03_diagnostics", ok)) == ok


def test_floats_may_arrive_as_ints_and_stay_ints():
    data = {**_example("05_roi"), "npv": 0, "irr": 1, "roi_ratio": 2}
    out = R.dump(R.validate("05_roi", data))
    assert out == data and type(out["npv"]) is int and type(out["roi_ratio"]) is int
    bad = {**_example("05_roi"), "horizon_months": 36.5}
    assert "horizon_months: expected an integer" in _error("05_roi", bad)


# --------------------------------------------------------------------------- crosstab_<column>
def test_crosstab_keys_are_dynamic_but_typed():
    data = _example("04_root_cause")
    data["crosstab_channel"] = {"App": {"流程": 0.5, "人员": None}}
    out = R.dump(R.validate("04_root_cause", data))
    assert out == data and "crosstab_channel" in out and "crosstabs" not in out
    data["crosstab_channel"]["App"]["流程"] = "half"
    assert 'crosstab_channel.App["流程"]: expected a number' in _error("04_root_cause", data)


def test_crosstab_container_is_not_a_results_key():
    data = {**_example("04_root_cause"), "crosstabs": {}}
    assert "crosstabs: unknown key" in _error("04_root_cause", data)
    data = {**_example("00_data_profile"), "crosstab_tier": {}}
    assert "crosstab_tier: unknown key" in _error("00_data_profile", data)


# --------------------------------------------------------------------------- load
def test_load_picks_the_model_from_the_notebook_key(tmp_path):
    for p in FILES:
        m = R.load(p)
        assert type(m) is R.MODELS[m.notebook]
    bad = tmp_path / "x.results.json"
    bad.write_text(json.dumps({**_example("05_roi"), "npv": "lots"}), encoding="utf-8")
    with pytest.raises(DataError) as info:
        R.load(bad)
    assert str(bad) in str(info.value) and "npv: expected a number" in str(info.value)


@pytest.mark.parametrize("text, match", [("{not json", "not valid JSON"),
                                         ('{"notebook": "07_magic"}', "should name a notebook"),
                                         ("[]", "should name a notebook")])
def test_load_rejects_files_without_a_known_notebook(tmp_path, text, match):
    p = tmp_path / "bad.results.json"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=match):
        R.load(p)
    with pytest.raises(DataError, match="cannot read"):
        R.load(tmp_path / "missing.results.json")


def test_dump_does_not_share_state_with_the_input():
    data = _example("01_survey_design")
    before = copy.deepcopy(data)
    out = R.dump(R.validate("01_survey_design", data))
    out["modules"].append("x")
    assert data == before


def test_playbook_save_enforces_the_contract(tmp_path):
    """A notebook cannot ship results its model does not describe: Playbook.save checks before writing."""
    import pytest as _pytest

    from cxkit.errors import DataError
    from cxkit.report import Playbook

    pb = Playbook({"language": "en", "region": "east", "label": "East"}, region="east", notebook="05_roi",
                  results_path=str(tmp_path / "05_roi.results.json"))
    pb.result("npv", "high")
    with _pytest.raises(DataError, match="npv"):
        pb.save()
    assert not (tmp_path / "05_roi.results.json").exists()
