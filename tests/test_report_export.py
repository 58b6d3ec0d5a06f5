"""Report blocks escape data; exported HTML is offline, code-free, with header and table of contents."""
from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pandas as pd
from bs4 import BeautifulSoup

from cxkit import i18n
from cxkit.export import notebook_to_html
from cxkit.report import Playbook, fmt_num, jsonable, write_json_atomic

PAYLOADS = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">', "javascript:alert(3)"]
PARAMS = {"language": "en", "region": "east", "label": "East <b>", "client": "ACME & <Co>",
          "engagement": "t", "wave": "2026Q3"}


def test_blocks_escape_everything():
    pb = Playbook(PARAMS, notebook="00_data_profile", display=False)
    for p in PAYLOADS:
        pb.p(p)
        pb.h2(p)
        pb.note(p, "warn")
        pb.bullets([p])
        pb.kpis([{"label": p, "value": p, "detail": p}])
    pb.table(pd.DataFrame({PAYLOADS[0]: PAYLOADS, "n": [1, 2, 3]}), caption=PAYLOADS[1])
    html = "".join(pb.fragments)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("img") is None
    assert "&lt;script&gt;" in html
    assert len(pb.warnings) == len(PAYLOADS)


def test_table_formats_numbers_and_percent():
    pb = Playbook(PARAMS, display=False)
    html = pb.table(pd.DataFrame({"a": [1234.5, np.nan], "share": [0.256, 0.5], "s": ["x", None]}),
                    percent=["share"], digits=1)
    assert "1,234.5" in html and "25.6%" in html and "–" in html


def test_fmt_num():
    assert fmt_num(12000) == "12,000" and fmt_num(float("nan")) == "–" and fmt_num(0.12345, 3) == "0.123"


def test_jsonable_and_atomic_json(tmp_path):
    data = {"a": np.float64(1.5), "b": np.int64(2), "c": float("nan"), "d": np.array([1, 2]),
            "e": pd.Series({"x": 1.0}), "f": np.bool_(True)}
    out = jsonable(data)
    assert out == {"a": 1.5, "b": 2, "c": None, "d": [1, 2], "e": {"x": 1.0}, "f": True}
    p = tmp_path / "r.results.json"
    write_json_atomic(p, data)
    assert json.loads(p.read_text()) == out
    assert not list(tmp_path.glob(".*tmp"))


def test_results_saved_with_warnings(tmp_path):
    pb = Playbook(PARAMS, notebook="nb", results_path=str(tmp_path / "nb.results.json"), display=False)
    pb.result("x", np.float32(0.5))
    pb.note("careful", "alert")
    res = json.loads((tmp_path / "nb.results.json").read_text()) if pb.save() else None
    assert res["x"] == 0.5 and res["warnings"] == [{"level": "alert", "message": "careful"}]
    assert res["language"] == "en"


def _executed_notebook(fragments: list[str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# developer note that must not show"))
    code = nbformat.v4.new_code_cell("secret_code_line = 1")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f}) for f in fragments]
    code.outputs.append(nbformat.v4.new_output("stream", name="stderr", text="WARNING noisy"))
    code.outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": "'repr'"}, execution_count=1))
    nb.cells.append(code)
    return nb


def assert_offline_and_codeless(html: str) -> None:
    """No network fetches (script/link/img/iframe/source src or href with http(s)), no code, no scripts."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["script", "link", "img", "iframe", "source", "video", "audio", "embed", "object"]):
        for attr in ("src", "href", "data"):
            val = tag.get(attr) or ""
            assert not re.match(r"\s*(https?:)?//", val), f"{tag.name} loads {val[:80]}"
    assert soup.find("script") is None, "playbooks carry no script"
    assert not soup.select(".jp-InputArea, .jp-InputPrompt, .jp-OutputPrompt, .highlight"), "code cell rendered"
    assert "@import" not in html and "url(http" not in html


def test_export_offline_codeless_with_header_and_toc():
    pb = Playbook(PARAMS, notebook="00_data_profile", display=False)
    pb.h2("First section")
    pb.p(PAYLOADS[0])
    pb.h3("Sub")
    html = notebook_to_html(_executed_notebook(pb.fragments), PARAMS, "00_data_profile", today="2026-11-22")
    assert_offline_and_codeless(html)
    assert "secret_code_line" not in html and "developer note" not in html
    assert "WARNING noisy" not in html and "'repr'" not in html
    soup = BeautifulSoup(html, "html.parser")
    toc = soup.select_one("nav.cx-toc")
    assert [a["href"] for a in toc.find_all("a")] == ["#sec-1", "#sec-2"]
    assert [a["href"] for a in toc.select("ol > li > ul.cx-toc-sub a")] == ["#sec-2"]  # h3 nested under its h2
    meta = soup.select_one("dl.cx-meta").get_text(" ")
    for needle in ("ACME & <Co>", "East <b>", "2026Q3", "English", "2026-11-22", "cxkit"):
        assert needle in meta
    assert soup.title.get_text().startswith(i18n.t("nb.00_data_profile", "en"))
    assert soup.find("meta", attrs={"name": "viewport"}) is not None
    assert soup.html["lang"] == "en"
