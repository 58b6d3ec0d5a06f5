"""``cx init``: a draft engagement.yaml guessed from a client's export (cxkit.draft).

The real files are samples of ../shared/realdata committed in tests/data/realdata_samples (see its
README); every guess the draft makes on them is asserted, and each written draft must load with
``load_engagement`` and pass ``cx validate``.
"""
from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cxkit.cli import main
from cxkit.config import load_engagement
from cxkit.draft import _korean_names, analyse, yaml_scalar
from cxkit.errors import DataError
from cxkit.io import read_table

SAMPLES = Path(__file__).parent / "data" / "realdata_samples"
ABC = SAMPLES / "abc_ABC.csv"
NPS = SAMPLES / "nps_telecom_text_data_head300.csv"
KIOSK = SAMPLES / "kiosk_cp949_head100.csv"
LIBRARY = SAMPLES / "library_anonymizedData_head100.csv"
QUALTRICS = SAMPLES / "qualtrics_ev_survey_data_raw.csv"
MODEL_COLUMNS = {"Naive Predicted q1", "Prob(q1==1)", "Prob(q1==2)", "Prob(q1==3)", "Prob(q1==4)", "Prob(q1==5)",
                 "Most Likely q1", "Prob 1", "Prob 2", "Prob 3", "Prob 4", "Prob 5"}


@pytest.fixture(scope="module")
def drafts():
    return {p.name: analyse(p) for p in (ABC, NPS, KIOSK, LIBRARY, QUALTRICS)}


def _init_ok(tmp_path: Path, data: Path, *extra: str, name: str = "eng") -> tuple[Path, dict, str]:
    """Run ``cx init`` and ``cx validate`` on the draft; return (folder, parsed YAML, text)."""
    out = tmp_path / name
    assert main(["init", str(data), "--out", str(out), *extra]) == 0
    text = (out / "engagement.yaml").read_text(encoding="utf-8")
    load_engagement(out)
    assert main(["validate", str(out)]) == 0
    return out, yaml.safe_load(text), text


def _comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#") or " # " in line)


# --------------------------------------------------------------------------- the samples themselves
@pytest.mark.parametrize("path, rows, cols", [(ABC, 266, 147), (NPS, 300, 6), (KIOSK, 100, 163), (LIBRARY, 100, 50),
                                              (QUALTRICS, 172, 35)])
def test_samples_are_whole_records(path, rows, cols):
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    df, info = read_table(path)
    assert df.shape == (rows, cols)
    assert not info.truncated_last_line


# --------------------------------------------------------------------------- ABC (B2B CSAT survey)
def test_abc_guesses(drafts):
    d = drafts[ABC.name]
    assert d.id_column == "ID"
    assert d.segment_column == "country" and d.segment_is_region
    assert d.outcomes == {"csat": "q1"} and d.outcome_ranges["csat"] == (1, 5)
    assert len(d.missing_codes[0.0]) == 44 and {"q6", "q10", "q66"} <= set(d.missing_codes[0.0])
    assert d.missing_codes[99.0] == ["q68", "var 6"]
    left = {c for c, _ in d.left_out}
    assert MODEL_COLUMNS <= left
    used = set(d.outcomes.values()) | set(d.standalone) | {c for g in d.scales.values() for c in g.columns}
    assert not used & MODEL_COLUMNS
    assert "q1" not in d.standalone and "q10" in d.standalone
    assert any(g.startswith("var ") for g in d.other_groups)        # var 3 / var 4 / ... on different ranges


def test_abc_draft_is_valid_with_codes_as_settings(tmp_path):
    out, data, text = _init_ok(tmp_path, ABC)
    sv = data["survey"]
    assert (sv["id_column"], sv["segment_column"], sv["outcomes"]) == ("ID", "country", {"csat": "q1"})
    assert sv["missing_codes"] == [99]                                       # never a valid answer here
    per = data["input"]["responses"]["missing_codes"]
    assert per["q10"] == [0] and len(per) == 44 and "q1" not in per          # 0 only per column
    assert (out / "data" / ABC.name).read_bytes() == ABC.read_bytes()        # outside out's parent: copied
    assert data["regions"]["all"]["responses"] == f"data/{ABC.name}"
    comments = _comments(text)
    for needle in ("Prob(q1==1)", "model output", "split the file", "first question", "q68, var 6"):
        assert needle in comments, needle
    eng = load_engagement(out)
    assert eng.regions["all"].params["survey"]["outcome_ranges"]["csat"] == [1.0, 5.0]


# --------------------------------------------------------------------------- NPS with verbatims
def test_nps_telecom_guesses(drafts):
    d = drafts[NPS.name]
    assert d.outcomes == {"nps": "NPS_SCORE"} and d.outcome_ranges["nps"] == (0, 10)
    assert d.text_columns[0] == "text"
    assert d.id_column is None and "no id column" in d.id_note
    assert d.segment_column == "SURVEY_SUB_TYPE"
    assert ("NPS_RATING" in {c for c, _ in d.left_out})


def test_nps_telecom_draft_suggests_root_cause(tmp_path):
    _, data, text = _init_ok(tmp_path, NPS)
    assert data["survey"]["id_column"] is None
    assert "complaints" not in data["regions"]["all"] and "root_cause" not in data
    assert "root_cause: {text_column: text" in _comments(text)


def test_complaints_option_writes_root_cause(tmp_path):
    _, data, _ = _init_ok(tmp_path, NPS, "--complaints", str(NPS))
    assert data["regions"]["all"]["complaints"] == f"data/{NPS.name}"
    assert data["root_cause"]["text_column"] == "text"


# --------------------------------------------------------------------------- Korean SERVQUAL (CP949)
def test_kiosk_item_blocks(drafts):
    d = drafts[KIOSK.name]
    df, _ = read_table(KIOSK)
    cols = list(df.columns)
    assert d.scale_range == (1, 7)
    sizes = sorted(len(g.columns) for g in d.scales.values())
    assert sizes == [8, 8, 16, 16, 24, 24]
    pos = {name: [cols.index(c) for c in g.columns] for name, g in d.scales.items()}
    ep = [p for p in pos.values() if len(p) == 24]
    assert sorted(ep[0] + ep[1]) == list(range(3, 51))                       # SERVQUAL E/P: columns 3-50
    assert {p[0] % 2 for p in ep} == {0, 1}                                   # one block per -1 / -2 part
    assert d.outcomes == {"csat": cols[158]} and d.outcome_ranges["csat"] == (1, 5)
    in_scales = {c for g in d.scales.values() for c in g.columns}
    assert not in_scales & set(cols[158:162])                                  # the 5-point outcome block
    assert any("1–5" in g for g in d.other_groups)
    assert d.language == "en"


def test_kiosk_draft_is_valid(tmp_path):
    _, data, text = _init_ok(tmp_path, KIOSK)
    assert data["survey"]["scale_range"] == [1, 7] and len(data["survey"]["scales"]) == 6
    assert "Text-labelled answers" in text                                     # the Kano blocks


def test_korean_names_when_cp949_was_read_as_gbk():
    header = KIOSK.read_bytes().split(b"\r\n", 1)[0]
    misread = header.decode("gbk").split(",")[:3]
    assert misread[0] != "귀하의 성별을 선택해주세요."
    info = types.SimpleNamespace(format="csv", encoding="gbk")
    names = _korean_names(KIOSK, info, misread)
    assert names[misread[0]] == "귀하의 성별을 선택해주세요."


# --------------------------------------------------------------------------- library survey (text labels)
def test_library_text_labelled_items_noted(drafts, tmp_path):
    d = drafts[LIBRARY.name]
    assert d.scales == {} and d.outcomes == {}
    groups = {name: cols for name, cols, _ in d.labelled}
    assert {"frequency", "needs", "useful", "agree"} <= set(groups)
    assert groups["agree"] == ["agreeWelcomeInLibrary", "agreeComfortableAskingQuestions"]
    assert len(groups["needs"]) == 10
    assert d.segment_column == "division"
    assert {"whatDoYouValue", "researchFrustrations", "commentsResources"} <= set(d.text_columns)
    _, data, text = _init_ok(tmp_path, LIBRARY)
    assert data["survey"]["outcomes"] == {}
    comments = _comments(text)
    assert "Text-labelled answers" in comments and "Meets my needs" in comments
    assert "FILL IN: no csat / nps / ces / overall" in text


# --------------------------------------------------------------------------- Qualtrics
def test_qualtrics_guesses(drafts):
    d = drafts[QUALTRICS.name]
    assert d.format == "qualtrics" and d.id_column == "ResponseId"
    groups = {name: cols for name, cols, _ in d.labelled}
    assert groups["q1"] == [f"Q1_{i}" for i in range(1, 8)]
    assert {"Q5", "Q6"} <= set(d.text_columns)
    assert d.segment_column not in ("Status", "DistributionChannel")


# --------------------------------------------------------------------------- synthetic files
def test_spss_variable_labels_group_items_and_value_labels_give_segments(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(1)
    n = 60
    df = pd.DataFrame({"ResponseId": [f"R_{i}" for i in range(n)], "Geschlecht": rng.integers(1, 3, n).astype(float)})
    for c in ("Q3_1", "Q3_2", "Q9_1", "Q4_1", "Q4_2"):
        df[c] = rng.integers(1, 8, n).astype(float)
    path = tmp_path / "study.sav"
    pyreadstat.write_sav(df, str(path), column_labels={"Geschlecht": "Geschlecht", "Q3_1": "NFHI", "Q3_2": "NFHI",
                                                       "Q9_1": "NFHI", "Q4_1": "PI", "Q4_2": "PI"},
                         variable_value_labels={"Geschlecht": {1.0: "weiblich", 2.0: "männlich"},
                                                **{c: {1.0: "Stimme nicht zu", 7.0: "Stimme zu"}
                                                   for c in ("Q3_1", "Q3_2", "Q9_1", "Q4_1", "Q4_2")}})
    d = analyse(path)
    assert {k: g.columns for k, g in d.scales.items()} == {"nfhi": ["Q3_1", "Q3_2", "Q9_1"], "pi": ["Q4_1", "Q4_2"]}
    assert d.scale_range == (1, 7)
    assert d.segment_column == "Geschlecht" and d.id_column == "ResponseId"
    _init_ok(tmp_path, path)


def _survey_frame(n=120, seed=3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"respondent_id": [f"E{i:04d}" for i in range(n)],
                       "region": rng.choice(["east", "west", "north"], n),
                       "tier": rng.choice(["gold", "platinum", "ordinary"], n)})
    for i in (1, 2, 3):
        df[f"resp{i}"] = rng.integers(1, 6, n)
    for i in (1, 2, 3, 4):
        df[f"q5_{i}"] = rng.integers(1, 6, n)
    df["csat"] = rng.integers(1, 6, n)
    df["likelihood_to_recommend"] = rng.integers(0, 11, n)
    df["effort"] = rng.integers(1, 8, n)
    df["overall_score"] = rng.integers(20, 101, n)
    df["comment"] = [f"The delivery took {k} days and nobody answered my calls about it" for k in range(n)]
    df.loc[:9, "resp2"] = 0            # 0 = not applicable inside a 1-5 item
    df.loc[10:12, "csat"] = 99          # 99 = refused
    return df


def test_roles_scales_and_missing_codes_on_a_survey_export(tmp_path):
    p = tmp_path / "client_2025.csv"
    _survey_frame().to_csv(p, index=False)
    d = analyse(p)
    assert d.id_column == "respondent_id"
    assert d.segment_column == "region" and d.segment_is_region
    assert d.outcomes == {"nps": "likelihood_to_recommend", "ces": "effort", "overall": "overall_score", "csat": "csat"}
    assert d.outcome_ranges == {"nps": (0, 10), "ces": (1, 7), "overall": (0, 100), "csat": (1, 5)}
    assert {k: g.columns for k, g in d.scales.items()} == {"resp": ["resp1", "resp2", "resp3"],
                                                         "q5": ["q5_1", "q5_2", "q5_3", "q5_4"]}
    assert d.scale_range == (1, 5)
    assert d.missing_codes == {0.0: ["resp2"], 99.0: ["csat"]}
    # 0 is an NPS answer and 99 a 0-100 score: neither may be a code for every column
    assert d.code_plan() == ([], {"resp2": [0.0], "csat": [99.0]})
    assert d.text_columns == ["comment"]
    _, data, _ = _init_ok(tmp_path, p)
    assert "missing_codes" not in data["survey"]
    assert data["input"]["responses"]["missing_codes"] == {"resp2": [0], "csat": [99]}
    assert data["survey"]["outcome_ranges"]["overall"] == [0, 100]
    # without the 0-100 score, 99 is no valid answer anywhere: one setting for every column
    p2 = tmp_path / "no_overall.csv"
    _survey_frame().drop(columns=["overall_score"]).to_csv(p2, index=False)
    assert analyse(p2).code_plan() == ([99.0], {"resp2": [0.0]})
    _, data, _ = _init_ok(tmp_path, p2, name="eng2")
    assert data["survey"]["missing_codes"] == [99]
    assert data["input"]["responses"]["missing_codes"] == {"resp2": [0]}


def test_id_named_column_with_duplicates_is_not_used(tmp_path):
    df = _survey_frame(60).drop(columns=["respondent_id"])
    df["customer_id"] = [f"C{i % 30}" for i in range(60)]
    p = tmp_path / "x.csv"
    df.to_csv(p, index=False)
    d = analyse(p)
    assert d.id_column is None and "customer_id" in d.id_note and "not unique" in d.id_note
    _, data, _ = _init_ok(tmp_path, p)
    assert data["survey"]["id_column"] is None


def test_draft_that_does_not_pass_validate_is_kept_and_reported(tmp_path, capsys):
    """A file cut off in its last record: the draft is written (valid YAML, loads) and cx init says that
    cx validate still fails, and why."""
    p = tmp_path / "cut.csv"
    text = _survey_frame(40).to_csv(index=False)
    p.write_text(text.rstrip("\n").rsplit(",", 3)[0], encoding="utf-8")      # last line: too few fields, no newline
    assert main(["init", str(p), "--out", str(tmp_path / "eng")]) == 0
    out = capsys.readouterr().out
    assert "does NOT pass cx validate" in out and "incomplete" in out
    written = (tmp_path / "eng" / "engagement.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(written)["survey"]["id_column"] == "respondent_id"
    assert "NOTE: the last line of the file is incomplete" in written
    load_engagement(tmp_path / "eng")
    assert main(["validate", str(tmp_path / "eng")]) == 2


# --------------------------------------------------------------------------- CLI behaviour
def test_missing_file_exits_2_with_the_file_named(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["init", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "nope.csv" in err and "file not found" in err and "Traceback" not in err


def test_unreadable_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "export.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["init", str(bad), "--out", str(tmp_path / "e")]) == 2
    assert "export.json" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()
    with pytest.raises(DataError):
        analyse(bad)


def test_never_overwrites_without_force(tmp_path, capsys):
    out = tmp_path / "eng"
    assert main(["init", str(NPS), "--out", str(out)]) == 0
    (out / "engagement.yaml").write_text("# edited by hand\n", encoding="utf-8")
    assert main(["init", str(NPS), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "engagement.yaml").read_text(encoding="utf-8") == "# edited by hand\n"
    assert main(["init", str(NPS), "--out", str(out), "--force"]) == 0
    assert "NPS_SCORE" in (out / "engagement.yaml").read_text(encoding="utf-8")


def test_default_folder_and_relative_reference(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    client = tmp_path / "params" / "inbox" / "client export.csv"
    client.parent.mkdir(parents=True)
    client.write_bytes(NPS.read_bytes())
    assert main(["init", str(client), "--language", "zh"]) == 0
    out = tmp_path / "params" / "client_export"
    assert "next: cx validate params/client_export" in capsys.readouterr().out
    data = yaml.safe_load((out / "engagement.yaml").read_text(encoding="utf-8"))
    assert data["regions"]["all"]["responses"] == "../inbox/client export.csv"      # inside params/: referenced
    assert not (out / "data").exists()
    assert data["language"] == "zh" and data["engagement"] == "client-export"
    eng = load_engagement(out)
    assert eng.regions["all"].inputs["responses"] == client.resolve()


@pytest.mark.parametrize("s", ["q1_1", "yes", "null", "Prob(q1==1)", "var  1", "1-1.\t키오스크 (기대 설문)",
                               'say "hi" \\ bye', "x: y # z", "[问卷星数据]800_800_0", "- a", "\x85\u2028\x7f", "😀",
                               "", "007", "true", "~"])
def test_yaml_scalar_round_trips(s):
    assert yaml.safe_load(f"k: {yaml_scalar(s)}  # comment")["k"] == s
