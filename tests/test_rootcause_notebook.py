"""Notebook 04 executed in-process on a small engagement with bad verbatims.

Empty / missing texts, a 10,000-character text, HTML/script in a verbatim, personal data:
the playbook must warn (rows named), escape, mask, and still produce its results. A codebook
with an invalid regex or an inconsistent AHP matrix must stop it with a clear message.
"""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cxkit.config import load_engagement
from cxkit.errors import ConfigError
from cxkit.nbtools import from_percent

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src" / "04_root_cause.py"

BAD = [
    ("C1", "gold", "hotline", "zh", "客服态度冷淡，我的电话 13812345678，邮箱 wang.fang@example.com"),
    ("C2", "gold", "app", "en", "<script>alert('x')</script> the app keeps crashing"),
    ("C3", "ordinary", "store", "zh", None),
    ("C4", "ordinary", "store", "zh", "   "),
    ("C5", "platinum", "after_sales", "zh", "退款流程太长，" * 1500),
    ("C6", "potential", "presale", "zh", "身份证号 110101199003071234，价格太贵"),
    ("C7", "gold", "delivery", "en", "Refund still not received after 12 days, card 6222 0212 3456 7890 123"),
    ("C8", "gold", "hotline", "zh", "嗯"),
]


def _engagement(tmp_path, rows, extra=""):
    d = tmp_path / "eng"
    (d / "data").mkdir(parents=True)
    pd.DataFrame(rows, columns=["complaint_id", "tier", "touchpoint", "lang", "comment"]).to_csv(
        d / "data" / "x_complaints.csv", index=False)
    (d / "engagement.yaml").write_text(
        "engagement: t\nclient: c\nwave: w\nlanguage: en\n"
        "regions:\n  x: {label: X, complaints: data/x_complaints.csv}\n"
        "root_cause:\n  text_column: comment\n  touchpoint_column: touchpoint\n  language_column: lang\n" + extra,
        encoding="utf-8")
    return d


def _run(d, tmp_path):
    eng = load_engagement(d)
    params = eng.regions["x"].params
    code = "\n".join(c.source for c in from_percent(SRC.read_text(encoding="utf-8")).cells if c.cell_type == "code")
    res = tmp_path / "r.json"
    ns = {}
    exec(compile(code.replace('params = {}', 'params = __params__', 1)
                 .replace('results_path = ""', f'results_path = {str(res)!r}', 1)
                 .replace('region = ""', 'region = "x"', 1), str(SRC), "exec"),
         {"__params__": params, "__name__": "__nb__"} | ns)
    return json.loads(res.read_text(encoding="utf-8")), ns


def test_bad_verbatims_are_reported_escaped_and_masked(tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    from cxkit import report
    frags = []
    orig = report.Playbook._emit
    monkeypatch.setattr(report.Playbook, "_emit", lambda self, f: (frags.append(f), orig(self, f))[1])
    d = _engagement(tmp_path, BAD)
    r, _ = _run(d, tmp_path)
    html = "\n".join(frags)
    assert r["n_complaints"] == 6 and r["n_dropped"] == 2 and r["n_truncated"] == 1
    assert r["n_pii"] == 3
    msgs = " ".join(w["message"] for w in r["warnings"])
    assert "data rows: 4, 5" in msgs and "longer than 2000 characters" in msgs and "data rows: 6" in msgs
    assert "<script>" not in html and "&lt;script&gt;" in html
    for leak in ("13812345678", "wang.fang@example.com", "110101199003071234", "6222 0212"):
        assert leak not in html
    assert "[PHONE]" in html or "[EMAIL]" in html or "[ID]" in html
    assert r["coded_share"] == pytest.approx(5 / 6)
    assert "kappa" not in r            # no human codes: agreement skipped with a note


def test_redaction_can_be_switched_off(tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    from cxkit import report
    frags = []
    orig = report.Playbook._emit
    monkeypatch.setattr(report.Playbook, "_emit", lambda self, f: (frags.append(f), orig(self, f))[1])
    d = _engagement(tmp_path, BAD[:2] * 3)
    text = (d / "engagement.yaml").read_text(encoding="utf-8") + "privacy: {redact_pii: false}\n"
    (d / "engagement.yaml").write_text(text, encoding="utf-8")
    r, _ = _run(d, tmp_path)
    assert "13812345678" in "\n".join(frags)
    assert any("redact_pii is off" in w["message"] for w in r["warnings"])


def test_invalid_codebook_and_inconsistent_ahp_stop_with_clear_message(tmp_path):
    cb = tmp_path / "eng_cb.yaml"
    shutil.copy(ROOT / "lib" / "cxkit" / "codebooks" / "service_fishbone.yaml", cb)
    cb.write_text(cb.read_text(encoding="utf-8").replace("en: ['\\b\\d+\\+?", "en: ['(\\b\\d+\\+?"), encoding="utf-8")
    d = _engagement(tmp_path, BAD, extra=f"  codebook: {cb}\n")
    with pytest.raises(ConfigError, match=r"slow_response\.regex\.en\[0\].*invalid regular expression"):
        _run(d, tmp_path)
    d2 = _engagement(tmp_path / "b", BAD, extra="  priority:\n    ahp_matrix: [[1, 9, '1/9'], ['1/9', 1, 9], [9, '1/9', 1]]\n")
    with pytest.raises(ConfigError, match=r"root_cause.priority.ahp_matrix.*consistency ratio"):
        _run(d2, tmp_path)
