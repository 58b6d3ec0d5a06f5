"""Engagement params: safe YAML, per-region overrides, typed validation with located messages."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cxkit.cli import main
from cxkit.config import deep_merge, load_engagement, load_yaml
from cxkit.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DEMO_YAML = ROOT / "params" / "demo" / "engagement.yaml"


def make_engagement(tmp_path: Path, mutate=None, text: str | None = None) -> Path:
    """A small valid engagement (two regions with tiny CSVs), optionally mutated."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    for r in ("east", "south"):
        (data / f"{r}.csv").write_text("respondent_id,tier,csat,q1,q2\n1,gold,4,3,4\n2,platinum,5,5,4\n3,gold,3,2,3\n",
                                       encoding="utf-8")
    cfg = {
        "engagement": "t-1", "client": "客户", "language": "zh", "wave": "2026Q3", "seed": 1,
        "regions": {"east": {"label": "华东", "responses": "data/east.csv"},
                    "south": {"label": "华南", "responses": "data/south.csv", "language": "en",
                              "survey": {"scale_range": [1, 7]}}},
        "survey": {"id_column": "respondent_id", "segment_column": "tier", "scale_range": [1, 5],
                   "scales": {"s": {"items": ["q1", "q2"], "reverse": ["q2"]}}, "outcomes": {"csat": "csat"}},
    }
    if mutate:
        mutate(cfg)
    (tmp_path / "engagement.yaml").write_text(text if text is not None else yaml.safe_dump(cfg, allow_unicode=True),
                                              encoding="utf-8")
    return tmp_path


def problems_text(exc: ConfigError) -> str:
    return str(exc)


def test_demo_engagement_is_valid():
    eng = load_engagement(DEMO_YAML.parent, check_files=False)
    assert list(eng.regions) == ["east", "south", "west", "north"]
    assert eng.regions["west"].params["label"] == "西部"
    assert eng.regions["east"].params["survey"]["scales"]["responsiveness"]["reverse"] == ["resp4"]


def test_region_overrides_merge_deeply(tmp_path):
    eng = load_engagement(make_engagement(tmp_path))
    east, south = eng.regions["east"].params, eng.regions["south"].params
    assert east["language"] == "zh" and south["language"] == "en"
    assert south["survey"]["scale_range"] == [1, 7]
    # the rest of the survey section is inherited, not replaced
    assert south["survey"]["scales"]["s"]["items"] == ["q1", "q2"]
    assert east["survey"]["scale_range"] == [1, 5]
    assert Path(east["responses"]).is_absolute()


def test_deep_merge_replaces_lists_and_scalars():
    assert deep_merge({"a": {"b": [1, 2], "c": 1}}, {"a": {"b": [3]}}) == {"a": {"b": [3], "c": 1}}


@pytest.mark.parametrize("mutate, where, what", [
    (lambda c: c.update(colour="blue"), "colour", "unknown key 'colour'"),
    (lambda c: c["survey"].update(scale_rnge=[1, 5]), "survey.scale_rnge", "did you mean 'scale_range'"),
    (lambda c: c["regions"]["south"].update(langauge="en"), "regions.south.langauge", "did you mean 'language'"),
    (lambda c: c.update(seed="abc"), "seed", "valid integer"),
    (lambda c: c.update(language="fr"), "language", "'zh' or 'en'"),
    (lambda c: c["regions"]["south"]["survey"].update(scale_range="wide"), "regions.south.survey.scale_range", "valid"),
    (lambda c: c["survey"]["scales"]["s"].update(reverse=["q9"]), "survey.scales.s", "q9"),
    (lambda c: c["regions"]["east"].update(responses="data/nope.csv"), "regions.east.responses", "not found"),
    (lambda c: c["regions"].update({"East China": {"label": "x", "responses": "data/east.csv"}}),
     "regions.East China", "plain identifier"),
    (lambda c: c["regions"].update({"1st": {"label": "x"}}), "regions.1st", "plain identifier"),
    (lambda c: c.pop("wave"), "wave", "required"),
    (lambda c: c.update(regions={}), "regions", "at least one region"),
])
def test_bad_params_are_located(tmp_path, mutate, where, what):
    root = make_engagement(tmp_path, mutate)
    with pytest.raises(ConfigError) as ei:
        load_engagement(root)
    msg = str(ei.value)
    assert "engagement.yaml" in msg
    assert where in msg, msg
    assert what in msg, msg


def test_all_problems_reported_together(tmp_path):
    def mutate(c):
        c["colour"] = "x"
        c["regions"]["east"]["responses"] = "data/missing.csv"
    with pytest.raises(ConfigError) as ei:
        load_engagement(make_engagement(tmp_path, mutate))
    assert len(ei.value.problems) >= 2


def test_yaml_duplicate_key_and_syntax_error(tmp_path):
    p = tmp_path / "engagement.yaml"
    p.write_text("engagement: a\nclient: b\nclient: c\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"duplicate key 'client'"):
        load_yaml(p)
    p.write_text("engagement: [a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+"):
        load_yaml(p)


def test_yaml_is_loaded_safely(tmp_path):
    p = tmp_path / "engagement.yaml"
    p.write_text("engagement: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        load_yaml(p)


@pytest.mark.parametrize("mutate", [
    lambda c: c.update(colour="blue"),
    lambda c: c.update(seed=[1, 2]),
    lambda c: c["regions"]["east"].update(responses="data/nope.csv"),
    lambda c: c["regions"].update({"bad-name": {"label": "x"}}),
])
def test_cx_validate_exits_nonzero_and_runs_nothing(tmp_path, capsys, mutate):
    root = make_engagement(tmp_path, mutate)
    code = main(["validate", str(root)])
    err = capsys.readouterr().err
    assert code == 2
    assert "engagement.yaml" in err and "Traceback" not in err
    code = main(["run", str(root), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert code == 2
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.html"))


def test_cx_validate_ok(tmp_path, capsys):
    assert main(["validate", str(make_engagement(tmp_path))]) == 0
    assert "valid (2 regions)" in capsys.readouterr().out


def test_cx_validate_reports_bad_data_with_row(tmp_path, capsys):
    root = make_engagement(tmp_path)
    (root / "data" / "east.csv").write_text("respondent_id,tier,csat,q1,q2\n1,gold,4,3,x\n2,gold,9,3,4\n", encoding="utf-8")
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "east.csv" in err and "column 'q2'" in err and "rows 2" in err


def test_cx_validate_checks_answer_codes_against_the_questionnaire_codebook(tmp_path, capsys):
    """The demo's questionnaire (notebook 01) defines answer codes; a code outside them is reported."""
    import pandas as pd

    from cxkit import demo

    root = tmp_path / "eng"
    root.mkdir()
    shutil.copy(DEMO_YAML, root / "engagement.yaml")
    demo.generate(root)
    assert main(["validate", str(root)]) == 0
    capsys.readouterr()
    p = root / "data" / "south_responses.csv"
    df = pd.read_csv(p)
    df.loc[6, "channel"] = "carrier_pigeon"
    df.to_csv(p, index=False)
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "south_responses.csv, column 'channel' [rows 8]" in err and "codebook" in err


def test_bilingual_client_and_region_labels_follow_each_region_language(tmp_path):
    """Issue 17: English pages kept 华东 and 示例零售. A label or client given as {zh, en} shows in the region's
    language (south is English in this engagement, east Chinese)."""
    def bilingual(cfg):
        cfg["client"] = {"zh": "示例零售", "en": "Demo Retail"}
        cfg["regions"]["east"]["label"] = {"zh": "华东", "en": "East China"}
        cfg["regions"]["south"]["label"] = {"zh": "华南", "en": "South China"}

    eng = load_engagement(make_engagement(tmp_path, bilingual))
    east, south = eng.regions["east"].params, eng.regions["south"].params
    assert (east["label"], east["client"]) == ("华东", "示例零售")
    assert (south["label"], south["client"]) == ("South China", "Demo Retail")
