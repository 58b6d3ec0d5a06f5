"""Safety of what is published: data-derived strings are inert in the HTML; outputs stay inside --out.

XSS payloads go in through every door a client or consultant controls: the client name, the
wave, a region label (engagement.yaml), segment values and a text Likert answer (the response
file), complaint verbatims (the complaint file). Every produced page (playbooks and index) must
show them as text: no <script> element, no on* event attribute, no javascript:/vbscript:/data:text
URL, and the payload visible as text (so it was escaped, not dropped).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

BASE = Path(__file__).resolve().parent / "bad_inputs" / "base"
PAYLOADS = {
    "client": '<img src=x onerror="alert(1)">',
    "label": "<script>alert(2)</script>",
    "wave": '"><svg onload=alert(3)>',
    "tier": "javascript:alert(4)",
    "tier2": "<a href=\"javascript:alert(5)\">click</a>",
    "verbatim": "<iframe src=javascript:alert(6)></iframe> 客服<b onmouseover=alert(7)>态度</b>差",
    "likert": "<script>alert(8)</script>",
}
URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}


def assert_inert(html: str, where: str = "") -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None, f"{where}: a <script> element"
    assert not soup.find_all(["iframe", "object", "embed", "form", "base", "svg"]), f"{where}: active element"
    for meta in soup.find_all("meta"):
        assert (meta.get("http-equiv") or "").lower() != "refresh", where
    for tag in soup.find_all(True):
        for attr, val in tag.attrs.items():
            assert not attr.lower().startswith("on"), f"{where}: <{tag.name} {attr}=…>"
            v = (" ".join(val) if isinstance(val, list) else str(val)).strip().lower()
            if attr.lower() in URL_ATTRS:
                assert not v.startswith(("javascript:", "vbscript:", "data:text/html")), f"{where}: {attr}={v[:60]}"
    return soup


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """One region with payloads everywhere, run through 00 (and the root-cause notebook when present)."""
    from cxkit.runner import available_notebooks, run

    tmp = tmp_path_factory.mktemp("xss")
    eng = tmp / "eng"
    shutil.copytree(BASE, eng)
    df = pd.read_csv(eng / "data" / "good_responses.csv")
    df.loc[df.index[::3], "tier"] = PAYLOADS["tier"]
    df.loc[df.index[1::7], "tier"] = PAYLOADS["tier2"]
    df["csat"] = df["csat"].astype(object)
    df.loc[5, "csat"] = PAYLOADS["likert"]          # shown in a warn note (validation.policy warn)
    df.to_csv(eng / "data" / "good_responses.csv", index=False)
    comp = pd.read_csv(eng / "data" / "good_complaints.csv")
    comp.loc[comp.index[::2], "comment"] = PAYLOADS["verbatim"]
    comp.to_csv(eng / "data" / "good_complaints.csv", index=False)
    cfg = yaml.safe_load((eng / "engagement.yaml").read_text(encoding="utf-8"))
    cfg.update(client=PAYLOADS["client"], wave=PAYLOADS["wave"], validation={"policy": "warn"})
    cfg["regions"]["good"]["label"] = PAYLOADS["label"]
    (eng / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    nbs = ["00"] + [n for n in available_notebooks() if "root" in n]
    out = tmp / "out"
    before = {p for p in tmp.rglob("*")}
    rep = run(eng, out_dir=out, notebooks=nbs, workers=1)
    after = {p for p in tmp.rglob("*")}
    return rep, out, after - before


def test_payloads_are_inert_in_every_page(hostile_run):
    rep, out, _ = hostile_run
    ok = [r for r in rep.records if r["status"] == "ok"]
    assert any(r["notebook"] == "00_data_profile" for r in ok), rep.failures
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 2
    seen_text = ""
    for p in pages:
        html = p.read_text(encoding="utf-8")
        soup = assert_inert(html, p.name)
        seen_text += soup.get_text(" ")
    # the payloads were escaped and shown, not silently dropped
    for key in ("client", "label", "wave", "likert"):
        assert PAYLOADS[key] in seen_text, f"{key} payload not shown as text"
    assert PAYLOADS["tier"] in seen_text  # segment table of 00


def test_verbatims_from_the_complaint_file_are_inert(hostile_run, tmp_path):
    """Verbatims read by the reader and shown through the Playbook API stay text (any notebook that shows them)."""
    import nbformat

    from cxkit.export import notebook_to_html
    from cxkit.validation import read_complaints
    from cxkit.report import Playbook

    _, out, _ = hostile_run
    eng = out.parent / "eng"
    params = {"complaints": str(eng / "data" / "good_complaints.csv"), "language": "zh", "region": "good",
              "label": PAYLOADS["label"], "client": PAYLOADS["client"], "wave": "w", "engagement": "e"}
    comp = read_complaints(params)
    assert (comp["comment"] == PAYLOADS["verbatim"]).sum() == 8    # read verbatim, not altered
    pb = Playbook(params, notebook="05_root_cause", display=False)
    pb.h2(comp["comment"].iloc[0])
    pb.bullets(comp["comment"].head(4))
    pb.table(comp[["complaint_id", "comment"]].head(6), caption=comp["comment"].iloc[0])
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/html": f}) for f in pb.fragments])]
    html = notebook_to_html(nb, params, "05_root_cause", today="2026-11-22")
    soup = assert_inert(html, "verbatims")
    assert PAYLOADS["verbatim"] in soup.get_text(" ")


def test_outputs_stay_inside_out(hostile_run):
    rep, out, created = hostile_run
    out = out.resolve()
    eng = (out.parent / "eng").resolve()
    stray = [p for p in created if not p.resolve().is_relative_to(out) and not p.resolve().is_relative_to(eng)]
    assert not stray, f"written outside --out: {stray}"
    assert not any(p.resolve().is_relative_to(eng) for p in created), "nothing is written into the engagement folder"
    import json
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for t in m["tasks"]:
        for rel in t["outputs"].values():
            assert (out / rel).resolve().is_relative_to(out) and not Path(rel).is_absolute()


@pytest.mark.parametrize("bad", ["../escape", "a/b", "..", "/abs", "x" * 41, "Ümlaut"])
def test_region_names_cannot_name_paths(tmp_path, bad):
    from cxkit.config import load_engagement
    from cxkit.errors import ConfigError

    shutil.copytree(BASE, tmp_path / "e")
    cfg = yaml.safe_load((tmp_path / "e" / "engagement.yaml").read_text(encoding="utf-8"))
    cfg["regions"][bad] = {"label": "x"}
    (tmp_path / "e" / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="region name must be a plain identifier"):
        load_engagement(tmp_path / "e")


def test_notebook_selection_cannot_name_paths(tmp_path):
    from cxkit.errors import ConfigError
    from cxkit.runner import run

    shutil.copytree(BASE, tmp_path / "e")
    with pytest.raises(ConfigError, match="--notebooks: no notebook"):
        run(tmp_path / "e", out_dir=tmp_path / "o", notebooks=["../../etc/passwd"], workers=1)
    assert not any((tmp_path / "o").rglob("*.html"))
