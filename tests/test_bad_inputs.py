"""The bad-input corpus (tests/bad_inputs/cases.yaml): each case's message and exit status.

For every case, `cx validate` must exit with the expected status and print every expected
substring, with no traceback. Then, at run level:
- data cases: one engagement holds a good region and one region per case; a single
  ``runner.run(..., notebooks=["00"], workers=1)`` must fail exactly the bad regions (no playbook
  written for them, their error naming the file), produce the good region's playbook, and produce
  the playbooks of warn-policy cases with their warnings shown (escaped);
- params cases: ``cx run`` exits 2 before anything executes: no playbook at all.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from cxkit.cli import main
from cxkit.config import deep_merge

HERE = Path(__file__).resolve().parent / "bad_inputs"
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
DATA_CASES = [c for c in CASES if "data" in c]
PARAM_CASES = [c for c in CASES if "data" not in c]


def test_corpus_size_and_shape():
    assert len(CASES) >= 80 and len({c["id"] for c in CASES}) == len(CASES)
    for c in CASES:
        e = c["expect"]
        assert e["exit"] in (0, 2) and e["messages"] and e["run"] in ("failed", "ok", "config", "skip"), c["id"]
        for f in (c.get("data") or {}).values():
            assert (HERE / "files" / f).is_file(), f"{c['id']}: files/{f} missing (run make_files.py)"


def region_spec(case: dict, eng: Path) -> dict:
    spec = {"label": case["id"], "responses": "data/good_responses.csv", "complaints": "data/good_complaints.csv"}
    for role, fname in case["data"].items():
        shutil.copy(HERE / "files" / fname, eng / "data" / fname)
        spec[role] = f"data/{fname}"
    return deep_merge(spec, case.get("region") or {})


def build(tmp_path: Path, data_cases: list[dict] = (), case: dict | None = None) -> Path:
    """Copy base/ and add one region per data case, or apply a params case."""
    eng = tmp_path / "eng"
    shutil.copytree(HERE / "base", eng)
    cfg = yaml.safe_load((eng / "engagement.yaml").read_text(encoding="utf-8"))
    for c in data_cases:
        cfg["regions"][f"c_{c['id']}"] = region_spec(c, eng)
    target = eng / "engagement.yaml"
    if case and "yaml" in case:
        target.write_text(case["yaml"], encoding="utf-8")
    elif case and "yaml_bytes_gbk" in case:
        target.write_bytes(case["yaml_bytes_gbk"].encode("gbk"))
    else:
        if case and "params" in case:
            cfg = deep_merge(cfg, case["params"])
        target.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return eng


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_cx_validate(case, tmp_path, capsys):
    eng = build(tmp_path, [case] if "data" in case else [], None if "data" in case else case)
    code = main(["validate", str(eng)])
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == case["expect"]["exit"], text
    for m in case["expect"]["messages"]:
        assert m in text, f"{case['id']}: expected {m!r} in:\n{text}"
    for m in case["expect"].get("absent", []):
        assert m not in text, f"{case['id']}: {m!r} must not be printed"
    if "data" in case:
        assert "== region good (正常) · validation.policy error · ok" in cap.out, "the good region is unaffected"
        if code:
            assert f"c_{case['id']}:" in cap.err, "errors are repeated on stderr with their region"


@pytest.mark.slow
def test_run_isolates_bad_regions(tmp_path):
    from cxkit.runner import run

    cases = [c for c in DATA_CASES if c["expect"]["run"] in ("failed", "ok")]
    eng = build(tmp_path, cases)
    out = tmp_path / "out"
    rep = run(eng, out_dir=out, notebooks=["00"], workers=1)
    status = {r["region"]: r for r in rep.records}
    assert status["good"]["status"] == "ok", status["good"]
    assert (out / "good" / "00_data_profile.html").is_file()
    for c in cases:
        region = f"c_{c['id']}"
        rec = status[region]
        html = out / region / "00_data_profile.html"
        if c["expect"]["run"] == "failed":
            assert rec["status"] == "failed", c["id"]
            assert not html.exists() and not (out / region / "00_data_profile.results.json").exists(), c["id"]
            files = list(c["data"].values())
            assert any(f in rec["error"] for f in files), f"{c['id']}: {rec['error']}"
            assert "Traceback" not in rec["error"]
            for m in c["expect"].get("absent", []):
                assert m not in rec["error"] and m not in (out / "index.html").read_text(encoding="utf-8")
        else:
            assert rec["status"] == "ok", f"{c['id']}: {rec.get('error')}"
            page = html.read_text(encoding="utf-8")
            for m in c["expect"].get("playbook", []):
                assert m in page, f"{c['id']}: {m!r} not in the playbook"
            assert "<script>alert(1)</script>" not in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "missing_column.csv" in index


@pytest.mark.parametrize("case", PARAM_CASES, ids=[c["id"] for c in PARAM_CASES])
def test_params_case_runs_nothing(case, tmp_path, capsys):
    eng = build(tmp_path, [], case)
    out = tmp_path / "out"
    code = main(["run", str(eng), "--out", str(out), "--workers", "1", "--notebooks", "00"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert case["expect"]["messages"][0] in err
    assert not out.exists() or not any(out.rglob("*.html"))
