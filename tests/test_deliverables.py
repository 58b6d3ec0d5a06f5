"""Stakeholder deliverables (issue 17): the PowerPoint deck and the Excel workbook of a run.

Unit tests build a small run folder from ``tests/data/results_examples`` (region ``east`` and the summary) with a
manifest carrying the demo params; the wiring tests read the session's demo run (``demo_run``).
"""
from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from cxkit import deliverables as D
from cxkit import results as contract

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "results_examples"
DEMO_YAML = ROOT / "params" / "demo" / "engagement.yaml"
NOTEBOOKS = ("00_data_profile", "02_reliability", "03_diagnostics", "04_root_cause", "05_roi", "06_allocation")
HAS_FINDINGS = "findings" in contract.SummaryResults.model_fields


def _raw_keys() -> set[str]:
    """Identifiers of engagement.yaml and of the results that must never show on a slide."""
    cfg = yaml.safe_load(DEMO_YAML.read_text(encoding="utf-8"))
    keys = set(cfg["regions"]) | set(cfg["survey"]["scales"]) | set(cfg["survey"]["drivers"])
    keys |= {lv["name"] for lv in cfg["allocation"]["levers"]}
    keys |= set(cfg["root_cause"]["priority"]["issues"]) | {"uncoded", "platinum", "gold", "ordinary", "potential"}
    keys |= {"csat_0_100", "satisfaction_0_100", "top2", "npv", "roi_ratio", "payback_month", "p_npv_positive",
             "optimal_spend", "driver_weights", "category_counts", "concentrate", "keep_up", "low_priority",
             "overkill", "None", "nan", "null"}
    return keys


def _manifest(region_label: str = "华东", language: str = "zh") -> dict:
    cfg = yaml.safe_load(DEMO_YAML.read_text(encoding="utf-8"))
    base = {k: v for k, v in cfg.items() if k != "regions"} | {"language": language}
    return {"engagement": cfg["engagement"], "client": cfg["client"], "wave": cfg["wave"],
            "finished": "2026-11-30T08:00:00+00:00",
            "params": {"east": base | {"region": "east", "label": region_label}}}


def _ex(region: str, notebook: str) -> dict:
    return json.loads((EXAMPLES / region / f"{notebook}.results.json").read_text(encoding="utf-8"))


def _run_folder(tmp_path: Path, *, manifest: dict | None = None, summary_extra: dict | None = None) -> Path:
    out = tmp_path / "out"
    (out / "east").mkdir(parents=True)
    (out / "_engagement").mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(EXAMPLES / "east" / f"{nb}.results.json", out / "east")
        (out / "east" / f"{nb}.html").write_text("<html></html>", encoding="utf-8")
    summary = json.loads((EXAMPLES / "_engagement" / "99_summary.results.json").read_text(encoding="utf-8"))
    if HAS_FINDINGS:        # the example predates the findings/actions keys
        summary.setdefault("findings", [])
        summary.setdefault("actions", [])
    summary.update(summary_extra or {})
    (out / "_engagement" / "99_summary.results.json").write_text(json.dumps(summary, ensure_ascii=False),
                                                                encoding="utf-8")
    (out / "_engagement" / "99_summary.html").write_text("<html></html>", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(manifest if manifest is not None else _manifest(),
                                                  ensure_ascii=False, default=str), encoding="utf-8")
    return out


def _slides(path: Path) -> dict[str, object]:
    from pptx import Presentation

    return {s.name: s for s in Presentation(str(path)).slides}


def _texts(slide) -> list[str]:
    out = []
    for sh in slide.shapes:
        if sh.has_text_frame:
            out.append(sh.text_frame.text)
        elif sh.has_table:
            out += [c.text for row in sh.table.rows for c in row.cells]
        elif sh.has_chart:
            plot = sh.chart.plots[0]
            out += list(plot.categories) + [s.name for s in plot.series]
    return out


def _shape(slide, name: str):
    return next(sh for sh in slide.shapes if sh.name == name)


def _all_text(path: Path) -> str:
    return "\n".join(t for s in _slides(path).values() for t in _texts(s))


def _no_raw(text: str, lang: str = "zh") -> None:
    """No identifier of engagement.yaml or the results on the slides (in English, plain words such as "value" or
    "potential" are legitimate text: only identifiers with "_" or a digit are checked), no raw floats."""
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    keys = _raw_keys() if lang == "zh" else {k for k in _raw_keys() if re.search(r"[_0-9]", k)}
    leaked = words & keys
    assert not leaked, f"raw keys on slides: {sorted(leaked)}"
    raw_float = re.findall(r"(?<!p < )(?<!p = )\d+\.\d{3,}", text)     # "Holm p < 0.001" is a finding's text
    assert not raw_float, f"unformatted numbers on slides: {raw_float[:5]}"


def _ea_everywhere(path: Path) -> None:
    """Every run of every slide (text boxes, tables) and every chart sets an East Asian typeface."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if re.match(r"ppt/slides/slide\d+\.xml$", name):
                xml = z.read(name).decode("utf-8")
                runs = re.findall(r"<a:r>.*?</a:r>", xml, flags=re.S)
                assert runs, name
                for r in runs:
                    assert f'<a:ea typeface="{D.CJK_FONT}"/>' in r, f"{name}: run without a:ea: {r[:200]}"
            if re.match(r"ppt/charts/chart\d+\.xml$", name):
                assert f'<a:ea typeface="{D.CJK_FONT}"/>' in z.read(name).decode("utf-8"), name


# =========================================================================== formatting
@pytest.mark.parametrize("lang, value, code, want", [
    ("zh", 58312432.6, "CNY", "5,831.2 万元"), ("zh", 123456789, "CNY", "1.23 亿元"), ("zh", 8000, "CNY", "8,000 元"),
    ("zh", -2500000, "USD", "−250.0 万 USD"), ("en", 58312432.6, "CNY", "CNY 58.3M"),
    ("en", 2.5e9, "EUR", "EUR 2.50B"), ("en", -1.5e6, "CNY", "−CNY 1.5M"), ("en", None, "CNY", "–"),
])
def test_money_for_presentation(lang, value, code, want):
    assert D.Formatter(lang).money(value, code) == want


def test_shares_ratios_months():
    f = D.Formatter("zh")
    assert (f.pct(0.83), f.pct(0.4109, 0), f.ratio(6.2928), f.months(8), f.months(None)) == \
        ("83.0%", "41%", "1:6.3", "8 个月", "测算期内未回收")
    assert D.Formatter("en").gap("top2", -0.031) == "−3.1 pp" and D.Formatter("en").gap("csat", 2) == "+2.0"
    assert D.Formatter("en").value("npv", 58312432.6) == "CNY 58.3M"
    assert D.Formatter("en").value("top2_share", 0.836) == "83.6%" and D.Formatter("en").value("x", "as given") == "as given"


# =========================================================================== deck
def test_deck_zh_from_results(tmp_path):
    out = _run_folder(tmp_path)
    built, warnings = D.build_all(out, "zh")
    assert warnings == [] and built == {"deck": "playbook.pptx", "workbook": "tables.xlsx"}
    deck = out / built["deck"]
    slides = _slides(deck)
    assert list(slides)[:3] == ["title", "findings", "actions"] and list(slides)[-1] == "appendix"
    assert [n for n in slides if n.startswith("region:")] == [
        "region:east:kpis", "region:east:drivers", "region:east:causes_roi", "region:east:allocation"]
    cover = " ".join(_texts(slides["title"]))
    for needle in ("示例零售", "demo-retail", "2026Q3", "2026-11-30", "管理层汇报"):
        assert needle in cover
    roi = json.loads((out / "east" / "05_roi.results.json").read_text(encoding="utf-8"))
    s = slides["region:east:causes_roi"]
    npv_wan = f"{roi['npv'] / 1e4:,.1f} 万元"           # 万 = 10^4, written independently of the Formatter
    assert _shape(s, "value:npv").text_frame.text == D.Formatter("zh").money(roi["npv"], roi["currency"]) == npv_wan
    assert _shape(s, "value:roi_ratio").text_frame.text == f"1:{roi['roi_ratio']:.1f}"
    assert _shape(s, "value:payback").text_frame.text == f"{roi['payback_month']} 个月"
    assert "华东 · 投诉根因与投资回报" in _texts(s)
    pareto = [[c.text for c in row.cells] for row in _shape(s, "pareto").table.rows]
    from cxkit.summary import category_names

    counts = {c: n for c, n in _ex("east", "04_root_cause")["category_counts"].items() if c != "uncoded"}
    names = category_names({}, "zh")
    top3 = [names[c] for c in sorted(counts, key=lambda c: (-counts[c], c))[:3]]
    assert [r[1] for r in pareto[1:]] == top3    # the 04 Pareto order (primary counts), labelled
    summary = json.loads((out / "_engagement" / "99_summary.results.json").read_text(encoding="utf-8"))
    if summary.get("findings"):           # findings first: the summary's own sentences, most important first
        rows = list(_shape(slides["findings"], "findings").table.rows)
        assert [c.text for c in rows[1].cells][0] == summary["findings"][0]["text"]
        assert len(rows) - 1 == min(len(summary["findings"]), D.MAX_ROWS)
    _ea_everywhere(deck)
    _no_raw(_all_text(deck))


def test_driver_chart_is_native_and_matches_results(tmp_path):
    out = _run_folder(tmp_path)
    deck = D.build_deck(out, "en")
    s = _slides(deck)["region:east:drivers"]
    chart = _shape(s, "drivers_chart").chart        # a chart object, not a picture
    d = json.loads((out / "east" / "03_diagnostics.results.json").read_text(encoding="utf-8"))
    want = sorted(d["driver_weights"].items(), key=lambda kv: -kv[1])
    assert list(chart.plots[0].categories)[:3] == ["Responsiveness", "Reliability", "Value for money"]
    assert list(chart.plots[0].series[0].values) == pytest.approx([v for _, v in want])
    assert chart.plots[0].data_labels.number_format == "0%"
    alloc = _shape(_slides(deck)["region:east:allocation"], "allocation_chart").chart
    assert [s.name for s in alloc.plots[0].series] == ["Current spend", "Optimal spend"]
    assert "Platinum dedicated account managers" in list(alloc.plots[0].categories)   # the lever's own label
    _no_raw(_all_text(deck), "en")


def test_kpi_cards_against_targets(tmp_path):
    out = _run_folder(tmp_path)
    s = _slides(D.build_deck(out, "en"))["region:east:kpis"]
    d3 = _ex("east", "03_diagnostics")
    top = d3["csat_top_box"]
    assert _shape(s, "value:csat").text_frame.text == f"{d3['csat_0_100']:.1f}"
    assert _shape(s, "value:top2").text_frame.text == f"{100 * top['share']:.1f}%"
    # target = allocation.target_csat (90) of 06; the overall score against the leader benchmark (targets.leader)
    gap = f"{d3['csat_0_100'] - 90:.1f}".replace("-", "−")
    assert _shape(s, "detail:csat").text_frame.text.endswith(f"Target 90.0 (gap {gap})")
    gap_l = f"{d3['satisfaction_0_100'] - 82:.1f}".replace("-", "−")
    assert f"Leader benchmark 82.0 (gap {gap_l})" in _shape(s, "detail:satisfaction").text_frame.text
    assert f"95% CI {100 * top['low']:.1f}% – {100 * top['high']:.1f}%" in _shape(s, "detail:top2").text_frame.text


def test_findings_and_actions_derived_without_summary_keys(tmp_path):
    out = _run_folder(tmp_path, summary_extra={"findings": [], "actions": []} if HAS_FINDINGS else None)
    slides = _slides(D.build_deck(out, "zh"))
    text = " ".join(_texts(slides["findings"]))
    whole = _ex("_engagement", "99_summary")["kpis"]["_all"]["csat_0_100"]
    assert "由核心指标自动生成" in text and f"全部区域 CSAT 为 {whole:.1f}" in text and "响应性" in text
    acts = " ".join(_texts(slides["actions"]))
    assert "售后服务部" in acts        # owner of the main cause (process) from root_cause.priority.issues


def _with_findings(tmp_path, findings, actions):
    """RunData of the example folder whose summary carries findings/actions (the keys another change adds)."""
    data = D.collect(_run_folder(tmp_path, manifest=_manifest("East", "en")), "en")
    data.summary = SimpleNamespace(**{k: getattr(data.summary, k) for k in ("kpis",)}, findings=findings,
                                   actions=actions)
    return data


FINDINGS = [{"text": "CSAT is 74.7 across the regions", "metric": "_all.csat_0_100", "value": 74.67,
             "evidence": "_engagement/99_summary.html#summary-sec_kpi", "region": "_engagement"},
            {"text": "=HYPERLINK(\"http://evil.example\",\"click\")", "metric": "driver_weight:responsiveness",
             "value": 0.4109, "evidence": "east/03_diagnostics.html#diag-sec_drivers", "region": "east"},
            {"text": "NPV 58.0 million", "metric": "npv", "value": 57962289.57, "evidence": "east/05_roi.html#roi-x",
             "region": "east"}]
ACTIONS = [{"what": "+1 agent per 40 daily contacts", "owner": "-Customer service centre", "kpi": "csat_0_100",
            "target": "@80", "due": "2027-03-31", "evidence": "east/06_allocation.html#alloc-staffing",
            "region": "east"}]


def test_findings_first_from_the_summary(tmp_path):
    data = _with_findings(tmp_path, FINDINGS, ACTIONS)
    deck = D.build_deck(data.out, "en", data=data)
    slides = _slides(deck)
    table = _shape(slides["findings"], "findings").table
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert [r[0] for r in rows[1:]] == [f["text"] for f in FINDINGS]
    assert [r[1] for r in rows[1:]] == ["74.7", "41%", "CNY 58.0M"]
    assert rows[1][2] == "All regions · Engagement summary" and rows[2][2] == "East · Diagnostics"
    assert table.cell(2, 2).text_frame.paragraphs[0].runs[0].hyperlink.address == FINDINGS[1]["evidence"]
    assert "derived" not in " ".join(_texts(slides["findings"]))
    arows = [[c.text for c in r.cells] for r in _shape(slides["actions"], "actions").table.rows]
    assert arows[1] == ["East", "+1 agent per 40 daily contacts", "-Customer service centre", "CSAT (0–100)", "@80",
                        "2027-03-31"]


def test_one_findings_slide_engagement_first_then_each_region():
    rows = [{"text": f"e{i}", "region": "_engagement"} for i in range(3)]
    rows += [{"text": f"{r}{i}", "region": r} for r in ("east", "south", "west", "north") for i in range(4)]
    assert [r["text"] for r in D.headline(rows, 8)] == ["e0", "e1", "e2", "east0", "east1", "south0", "west0",
                                                         "north0"]
    assert [r["text"] for r in D.headline(rows, 5)] == ["e0", "e1", "e2", "east0", "south0"]
    assert [r["text"] for r in D.headline(rows[:5])] == ["e0", "e1", "e2", "east0", "east1"]


@pytest.mark.skipif(not HAS_FINDINGS, reason="99_summary has no findings/actions keys yet")
def test_findings_read_from_the_validated_summary_file(tmp_path):
    findings = [{"text": "West lags", "metric": "alert:csat_0_100", "value": 71.4,
                 "evidence": "west/03_diagnostics.html#diag-sec_kpi", "region": "west"}]
    out = _run_folder(tmp_path, summary_extra={"findings": findings, "actions": []})
    try:
        contract.load(out / "_engagement" / "99_summary.results.json")
    except contract.DataError as exc:
        pytest.skip(f"findings shape differs from this test's guess: {exc.message[:200]}")
    rows = _shape(_slides(D.build_deck(out, "en"))["findings"], "findings").table.rows
    assert [c.text for c in rows[1].cells][0] == "West lags"


def test_regions_in_the_engagement_order(tmp_path):
    """manifest.json sorts its keys: the region order comes from its task list (plan order)."""
    m = _manifest()
    m["params"]["west"] = m["params"]["east"] | {"region": "west", "label": "西部"}
    m["tasks"] = [{"region": "west", "notebook": "00_data_profile"}, {"region": "east", "notebook": "00_data_profile"},
                  {"region": "_engagement", "notebook": "99_summary"}]
    data = D.collect(_run_folder(tmp_path, manifest=m), "zh")
    assert data.regions == ["west", "east"]
    slides = _slides(D.build_deck(data.out, "zh", data=data))
    assert [n for n in slides if n.endswith(":kpis")] == ["region:west:kpis", "region:east:kpis"]
    # west has no results of its own here: its KPIs come from the summary, its drivers are "no data"
    west = _ex("_engagement", "99_summary")["kpis"]["west"]["csat_0_100"]
    assert _shape(slides["region:west:kpis"], "value:csat").text_frame.text == f"{west:.1f}"
    assert "本次运行没有该部分的结果。" in _texts(slides["region:west:drivers"])


def test_appendix_links_are_relative(tmp_path):
    out = _run_folder(tmp_path)
    s = _slides(D.build_deck(out, "zh"))["appendix"]
    links = [r.hyperlink.address for sh in s.shapes if sh.has_table for row in sh.table.rows for c in row.cells
             for p in c.text_frame.paragraphs for r in p.runs if r.hyperlink.address]
    links += [r.hyperlink.address for sh in s.shapes if sh.has_text_frame for p in sh.text_frame.paragraphs
              for r in p.runs if r.hyperlink.address]
    assert "east/05_roi.html" in links and "_engagement/99_summary.html" in links
    assert all(not re.match(r"^[a-z]+:|^/", x) for x in links)


def test_invalid_results_file_is_left_out_with_a_warning(tmp_path):
    out = _run_folder(tmp_path)
    roi = json.loads((out / "east" / "05_roi.results.json").read_text(encoding="utf-8"))
    roi["npv"] = "a lot"
    (out / "east" / "05_roi.results.json").write_text(json.dumps(roi), encoding="utf-8")
    built, warnings = D.build_all(out, "en")
    assert set(built) == {"deck", "workbook"}
    assert len(warnings) == 1 and "east/05_roi.results.json" in warnings[0] and "npv" in warnings[0]
    s = _slides(out / built["deck"])["region:east:causes_roi"]
    assert "This run has no results for this part." in _texts(s)


# =========================================================================== workbook
def test_workbook_numbers_formats_and_sheets(tmp_path):
    import openpyxl

    out = _run_folder(tmp_path)
    wb = openpyxl.load_workbook(D.build_workbook(out, "zh"))
    has = bool(json.loads((out / "_engagement" / "99_summary.results.json").read_text(encoding="utf-8")).get("findings"))
    assert wb.sheetnames == ["说明", "核心指标", "驱动因素", "投诉根因", "投资回报", "资源配置"] + (
        ["主要发现", "行动计划"] if has else [])
    roi = json.loads((out / "east" / "05_roi.results.json").read_text(encoding="utf-8"))
    ws = wb["投资回报"]
    head = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(head, ws[2])}
    assert row["区域"].value == "华东"
    assert row["净现值"].value == pytest.approx(roi["npv"]) and row["净现值"].number_format == "#,##0"
    assert row["净现值为正的概率"].number_format == "0.0%" and row["净现值为正的概率"].data_type == "n"
    assert row["投资回报（1:x）"].value == pytest.approx(roi["roi_ratio"])
    for name in wb.sheetnames[1:]:
        assert wb[name].freeze_panes == "A2", name
        assert wb[name]["A1"].font.bold
    kp = wb["核心指标"]
    top2 = next(r for r in kp.iter_rows(min_row=2) if r[1].value == "满意占比（前两档）")
    assert top2[2].value == pytest.approx(_ex("east", "03_diagnostics")["csat_top_box"]["share"], abs=1e-12)
    assert top2[2].number_format == "0.0%"
    dr = wb["驱动因素"]
    assert dr["C2"].value == "响应性" and dr["D2"].number_format == "0.0%" and isinstance(dr["D2"].value, float)
    readme = [c.value for c in wb["说明"]["A"]]
    assert "客户满意度提升 · 数据工作簿" in readme and "投资回报" in readme
    en = openpyxl.load_workbook(D.build_workbook(out, "en"))
    assert en.sheetnames == ["README", "KPIs", "Drivers", "Root causes", "ROI", "Allocation"] + (
        ["Findings", "Actions"] if has else [])


def test_text_is_never_a_formula(tmp_path):
    """CSV/formula injection: data-derived text starting with = + - @ is stored as text, never as a formula."""
    import openpyxl

    payloads = ["=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, p in enumerate(payloads, 1):
        D.put(ws, i, 1, p)
    wb.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    for i, p in enumerate(payloads, 1):
        assert back.cell(i, 1).value == p and back.cell(i, 1).data_type == "s"
        assert back.cell(i, 1).quotePrefix        # Excel keeps it text when the cell is edited or copied
    with zipfile.ZipFile(tmp_path / "x.xlsx") as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode("utf-8")

    # through the workbook: a region label and findings/actions from the data
    data = _with_findings(tmp_path, FINDINGS, ACTIONS)
    data.params["east"]["label"] = "=cmd|' /C calc'!A0"
    path = D.build_workbook(data.out, "en", data=data)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-2:] == ["Findings", "Actions"]
    assert wb["KPIs"]["A2"].value == "=cmd|' /C calc'!A0" and wb["KPIs"]["A2"].data_type == "s"
    assert wb["Findings"]["C3"].value == FINDINGS[1]["text"] and wb["Findings"]["C3"].data_type == "s"
    assert wb["Findings"]["D3"].value == pytest.approx(0.4109) and wb["Findings"]["D3"].number_format == "0.0%"
    assert wb["Findings"]["D4"].number_format == "#,##0"
    assert wb["Findings"]["F3"].hyperlink.target == FINDINGS[1]["evidence"]
    assert wb["Actions"]["D2"].value == "-Customer service centre" and wb["Actions"]["F2"].value == "@80"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode("utf-8"), name


# =========================================================================== runner wiring
def test_a_failing_deliverable_is_a_manifest_warning(tmp_path, monkeypatch):
    from cxkit import runner

    out = _run_folder(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    def boom(*a, **k):
        raise RuntimeError("no slide for you")

    monkeypatch.setattr(D, "build_deck", boom)
    (out / "playbook.pptx").write_bytes(b"stale")
    m = runner.write_deliverables(out, SimpleNamespace(raw={"language": "zh"}), manifest)
    assert m["deliverables"] == {"workbook": "tables.xlsx"}
    assert any("no slide for you" in w["message"] for w in m["warnings"])
    assert not (out / "playbook.pptx").exists()          # no stale deck passing for this run's
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["deliverables"] == m["deliverables"]


@pytest.mark.slow
def test_demo_run_leaves_deck_and_workbook(demo_run):
    import openpyxl
    from bs4 import BeautifulSoup

    m = json.loads((demo_run.out / "manifest.json").read_text(encoding="utf-8"))
    assert m["deliverables"] == {"deck": "playbook.pptx", "workbook": "tables.xlsx"}, \
        m.get("warnings")
    assert not [w for w in m.get("warnings", []) if w["message"].startswith("deliverables")]
    deck, book = demo_run.out / m["deliverables"]["deck"], demo_run.out / m["deliverables"]["workbook"]
    links = {a["href"] for a in BeautifulSoup((demo_run.out / "index.html").read_text(encoding="utf-8"),
                                              "html.parser").select("a")}
    assert {deck.name, book.name} <= links
    regions = list(m["params"])
    slides = _slides(deck)
    assert sum(n.endswith(":kpis") for n in slides) == len(regions) == 4
    wb = openpyxl.load_workbook(book)
    ws = wb["投资回报"]
    npv_col = [c.value for c in ws[1]].index("净现值")
    sheet_npv = {r[0].value: r[npv_col].value for r in ws.iter_rows(min_row=2)}
    f = D.Formatter("zh")
    for r in regions:
        roi = demo_run.results(r, "05_roi")
        label = m["params"][r]["label"]
        assert _shape(slides[f"region:{r}:causes_roi"], "value:npv").text_frame.text == f.money(roi["npv"], roi["currency"])
        assert sheet_npv[label] == pytest.approx(roi["npv"])
        assert f"{label} · 核心指标与目标" in _texts(slides[f"region:{r}:kpis"])
    summary = demo_run.results("_engagement", "99_summary")
    if summary.get("findings"):
        rows = _shape(slides["findings"], "findings").table.rows
        assert [c.text for c in list(rows)[1].cells][0] == summary["findings"][0]["text"]
    _ea_everywhere(deck)
    _no_raw(_all_text(deck))
