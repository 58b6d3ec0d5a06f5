"""End to end: the demo engagement through papermill and nbconvert (the `demo_run` fixture runs it once)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from cxkit.config import sha256_file
from cxkit.runner import available_notebooks, run
from test_report_export import assert_offline_and_codeless

pytestmark = pytest.mark.slow
REGIONS = ["east", "south", "west", "north"]


def test_every_playbook_produced(demo_run):
    assert demo_run.report.ok, demo_run.report.failures
    nbs = [n for n in available_notebooks() if n != "99_summary"]
    for r in REGIONS:
        for n in nbs:
            for ext in ("html", "ipynb", "results.json"):
                assert (demo_run.out / r / f"{n}.{ext}").is_file(), f"{r}/{n}.{ext}"
    assert (demo_run.out / "index.html").is_file()


def test_html_offline_and_without_code(demo_run):
    pages = list(demo_run.out.rglob("*.html"))
    assert len(pages) >= 5
    for p in pages:
        assert_offline_and_codeless(p.read_text(encoding="utf-8"))


def test_playbook_header_and_toc(demo_run):
    soup = BeautifulSoup(demo_run.html("west", "00_data_profile"), "html.parser")
    meta = soup.select_one("dl.cx-meta").get_text(" ")
    for needle in ("示例零售", "西部", "2026Q3", "中文", "cxkit"):
        assert needle in meta
    assert len(soup.select("nav.cx-toc a")) >= 5
    assert soup.select("figure img[src^='data:image/png;base64,']"), "charts embedded as data URIs"


def test_manifest(demo_run, demo_dir):
    m = json.loads((demo_run.out / "manifest.json").read_text(encoding="utf-8"))
    assert m["ok"] is True and m["engagement"] == "demo-retail"
    f = demo_dir / "data" / "east_responses.csv"
    assert m["inputs"]["data/east_responses.csv"]["sha256"] == sha256_file(f)
    assert "engagement.yaml" in m["inputs"]
    assert m["params"]["east"]["label"] == "华东" and m["versions"]["papermill"]
    t = m["tasks"][0]
    assert {"region", "notebook", "status", "seconds", "error", "outputs"} <= set(t)
    assert t["outputs"]["html"].endswith(".html")


def test_index_grid(demo_run):
    soup = BeautifulSoup((demo_run.out / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in soup.select("table.cx-grid a")}
    for r in REGIONS:
        assert f"{r}/00_data_profile.html" in links
    assert_offline_and_codeless(str(soup))


def test_profile_results_match_data(demo_run, demo_dir):
    res = demo_run.results("south", "00_data_profile")
    df = pd.read_csv(demo_dir / "data" / "south_responses.csv")
    assert res["n_responses"] == len(df)
    assert res["segments"]["gold"] == int((df["tier"] == "gold").sum())
    assert res["missing_share"]["rel4"] == pytest.approx(df["rel4"].isna().mean())
    assert res["language"] == "zh"


def _copy_demo(demo_dir: Path, tmp_path: Path, mutate=None) -> Path:
    d = tmp_path / "eng"
    shutil.copytree(demo_dir, d)
    if mutate:
        cfg = yaml.safe_load((d / "engagement.yaml").read_text(encoding="utf-8"))
        mutate(cfg, d)
        (d / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return d


@pytest.mark.slow
def test_index_is_an_engagement_dashboard(demo_run):
    """Issue 17: the index opens with findings (99's, with evidence links that exist), then one row per region with
    CSAT vs target, focus driver, top cause, NPV and budget shift — figures equal to the regions' results; the run
    status grid comes after."""
    soup = BeautifulSoup((demo_run.out / "index.html").read_text(encoding="utf-8"), "html.parser")
    order = [h.get("id") for h in soup.select("h2.cx-h2")]
    assert order[:3] == ["dash-findings", "dash-regions", "dash-playbooks"], order
    items = soup.select("#dash-findings + ol li")
    assert items and all(li.a is not None for li in items)
    for li in items:
        page, _, anchor = li.a["href"].partition("#")
        target = demo_run.out / page
        assert target.is_file(), page
        assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), li.a["href"]
    rows = {tr.th.get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in soup.select("table.cx-dash tbody tr")}
    summary = demo_run.results("_engagement", "99_summary")
    assert set(rows) == {p["label"] for p in json.loads((demo_run.out / "manifest.json").read_text(
        encoding="utf-8"))["params"].values()}
    for r in REGIONS:
        d3 = demo_run.results(r, "03_diagnostics")
        label = json.loads((demo_run.out / "manifest.json").read_text(encoding="utf-8"))["params"][r]["label"]
        cells = rows[label]
        assert cells[0].startswith(f"{d3['csat_0_100']:.1f}"), (r, cells[0])
        assert cells[2] == f"{d3['nps']:.1f}".replace("-", "−"), (r, cells[2])
        p_csat = summary["kpis"][r].get("p_csat")
        assert cells[1] == ("是" if p_csat is not None and p_csat < 0.05 else "否")
        top = max(d3["driver_weights"], key=d3["driver_weights"].get)
        from cxkit import i18n

        assert cells[3].startswith(i18n.t(f"dim.{top}", "zh")), (r, cells[3])
        assert f"{100 * d3['driver_weights'][top]:.0f}%" in cells[3]


def test_language_switch_to_english(demo_dir, tmp_path):
    def to_en(cfg, d):
        cfg["language"] = "en"
    d = _copy_demo(demo_dir, tmp_path, to_en)
    rep = run(d, out_dir=tmp_path / "out", regions=["west"], workers=2)       # every notebook, in English
    assert rep.ok, rep.failures
    pages = sorted((tmp_path / "out" / "west").glob("*.html"))
    assert len(pages) >= 7, pages
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        heads = " ".join(h.get_text() for h in soup.select("h2, nav.cx-toc, .cx-kpi-label, th"))
        assert not re.search(r"[\u4e00-\u9fff]", heads), f"Chinese left in English headings/labels: {page.name}"
        assert soup.html["lang"] == "en"
    html = (tmp_path / "out" / "west" / "00_data_profile.html").read_text(encoding="utf-8")
    assert "Sample overview" in html and "Platinum" in html


def test_bad_region_does_not_stop_the_others(demo_dir, tmp_path):
    def corrupt(cfg, d):
        p = d / "data" / "west_responses.csv"
        lines = p.read_text(encoding="utf-8").splitlines()
        cols = lines[0].split(",")
        row = lines[5].split(",")
        row[cols.index("csat")] = "very good"
        lines[5] = ",".join(row)
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = _copy_demo(demo_dir, tmp_path, corrupt)
    out = tmp_path / "out"
    (out / "west").mkdir(parents=True)
    (out / "west" / "00_data_profile.html").write_text("stale", encoding="utf-8")
    rep = run(d, out_dir=out, regions=["east", "west"], notebooks=["00"], workers=1)
    assert not rep.ok
    fail = {(r["region"], r["notebook"]): r for r in rep.failures}
    err = fail[("west", "00_data_profile")]["error"]
    assert "west_responses.csv" in err and "column 'csat'" in err and "rows 6" in err
    assert not (out / "west" / "00_data_profile.html").exists(), "stale playbook must not survive a failure"
    assert (out / "east" / "00_data_profile.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "west_responses.csv" in index


def test_cli_exit_status_on_failure(demo_dir, tmp_path, capsys):
    from cxkit.cli import main

    def drop_col(cfg, d):
        p = d / "data" / "north_responses.csv"
        df = pd.read_csv(p).drop(columns=["nps"])
        df.to_csv(p, index=False)
    d = _copy_demo(demo_dir, tmp_path, drop_col)
    code = main(["run", str(d), "--regions", "north", "--notebooks", "00", "--workers", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1 and "missing required column(s): nps" in err and "Traceback" not in err


def test_previous_wave_and_retest_recovered(demo_run, demo_dir):
    """The demo's east region improved by 3 points since its previous wave; north was re-interviewed."""
    truth = json.loads((demo_dir / "data" / "truth.json").read_text(encoding="utf-8"))
    change = demo_run.results("east", "03_diagnostics")["wave_change"]["overall"]
    assert change["change"] == pytest.approx(-truth["previous_wave_shift"]["east"], abs=1.5)
    assert change["p_value"] < 0.01
    icc = demo_run.results("north", "02_reliability")["retest_icc"]
    assert set(icc) == set(truth["driver_weights"]["north"]) and min(icc.values()) > 0.75


def test_relative_out_dir(demo_dir, tmp_path, monkeypatch):
    """`cx demo` passes a relative --out (outputs/demo): kernels run elsewhere, results must still land there."""
    from cxkit.cli import main

    monkeypatch.chdir(tmp_path)
    code = main(["run", str(demo_dir), "--regions", "east", "--notebooks", "00", "--workers", "1", "--out", "rel/out"])
    assert code == 0
    assert (tmp_path / "rel" / "out" / "east" / "00_data_profile.results.json").is_file()
    assert (tmp_path / "rel" / "out" / "east" / "00_data_profile.html").is_file()


def test_summary_results_use_stable_ids_not_display_labels(demo_run):
    """99's machine-readable keys are ids (scale names, 05/06 keys), whatever the playbook language: a reader
    of .results.json must not depend on 保证性 α or 净现值."""
    res = json.loads((demo_run.out / "_engagement" / "99_summary.results.json").read_text(encoding="utf-8"))
    scales = {"responsiveness", "reliability", "assurance", "empathy", "tangibles", "value"}
    for region in REGIONS:
        assert set(res["alpha"][region]) == scales
        assert set(res["roi"][region]) == {"npv", "roi_ratio", "payback_month", "p_npv_positive"}
        assert set(res["allocation"][region]) == {"budget", "optimal_points", "optimal_value", "agents"}
        assert res["roi"][region]["npv"] == pytest.approx(demo_run.results(region, "05_roi")["npv"])
        assert res["alpha"][region]["reliability"] == pytest.approx(
            demo_run.results(region, "02_reliability")["scales"]["reliability"]["alpha"])
