"""The run's ``index.html``: the engagement dashboard (findings first, then KPIs vs targets per region with
significance, focus driver, top cause, NPV and the budget shift), then the region × notebook grid of playbooks
and run status, failures listed."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from . import __version__, i18n
from .export import _css
from .report import esc, write_text_atomic


def dashboard_html(out: Path, lang: str) -> str:
    """The dashboard part of the index, from the validated results of the run folder (:func:`cxkit.deliverables
    .collect`: the same figures as the deck): the engagement's first findings with their evidence links, then one
    row per region — CSAT (0–100) with its interval against the target (gap), whether it differs from the other
    regions (Holm-adjusted p of 99), NPS, the focus driver (largest relative weight, its IPA quadrant), the top
    complaint cause (share), the NPV and the largest budget shift of the optimal plan. Empty when nothing ran.

    Every text is escaped; every link is relative to the index.
    """
    from .deliverables import allocation_rows, cause_rows, collect, driver_rows, findings, kpi_rows

    data = collect(out, lang)
    f = data.fmt
    t = data.t
    parts = []
    found, derived = findings(data)
    top = [x for x in found if (x.get("region") in (None, "_engagement"))][:3] or found[:3]
    if top:
        items = []
        for x in top:
            ev = x.get("evidence")
            link = f' <a href="{esc(ev)}">{esc(t("dash.evidence"))}</a>' if ev and "://" not in ev else ""
            items.append(f"<li>{esc(x.get('text') or '')}{link}</li>")
        parts.append(f'<h2 class="cx-h2" id="dash-findings">{esc(t("dash.findings"))}</h2>'
                     f'<ol class="cx-list">{"".join(items)}</ol>')
    rows = []
    for r in data.regions:
        k = {row["key"]: row for row in kpi_rows(data, r)}
        c = k.get("csat")
        if c is None and not data.results.get(r):
            continue
        csat = "–"
        if c is not None:
            gap = f' <span class="{"cx-bad" if (c["gap"] or 0) < 0 else "cx-good"}">' \
                  f'{esc(t("dash.vs_target", target=f.num(c["target"]), gap=f.gap("csat", c["gap"])))}</span>' \
                if c.get("target") is not None else ""
            ci = f' <span class="cx-more">[{esc(f.num(c["lo"]))}, {esc(f.num(c["hi"]))}]</span>' if c.get("lo") is not None else ""
            csat = f"{esc(f.num(c['value']))}{ci}{gap}"
        sig = "–"
        if c is not None and c.get("p") is not None:
            sig = esc(t("dash.sig_yes") if c["p"] < 0.05 else t("dash.sig_no"))
        nps = esc(f.num(k["nps"]["value"])) if "nps" in k else "–"
        dr = driver_rows(data, r)
        drv = (f"{esc(dr[0]['label'])} <span class=\"cx-more\">{esc(f.pct(dr[0]['weight'], 0))}"
               f"{' · ' + esc(dr[0]['ipa']) if dr[0]['ipa'] else ''}</span>") if dr else "–"
        cr = cause_rows(data, r)
        cause = f"{esc(cr[0]['label'])} <span class=\"cx-more\">{esc(f.pct(cr[0]['share'], 0))}</span>" if cr else "–"
        roi = data.res(r, "05_roi")
        npv = esc(f.money(roi.npv, roi.currency)) if roi is not None else "–"
        ar = allocation_rows(data, r)
        a = data.res(r, "06_allocation")
        shift = "–"
        if ar and a is not None and ar[0]["change"] and ar[0]["change"] > 0:
            shift = f"{esc(ar[0]['label'])} <span class=\"cx-more\">+{esc(f.money(ar[0]['change'], a.currency))}</span>"
        cells = zip(("csat", "sig", "nps", "driver", "cause", "npv", "shift"), (csat, sig, nps, drv, cause, npv, shift))
        num = ' class="num"'
        rows.append(f"<tr><th>{esc(data.region_label(r))}</th>" + "".join(
            f'<td data-label="{esc(t("dash.col_" + c))}"{num if c in ("nps", "npv") else ""}>{v}</td>'
            for c, v in cells) + "</tr>")
    if rows:
        heads = "".join(f"<th>{esc(t(f'dash.col_{c}'))}</th>" for c in
                        ("region", "csat", "sig", "nps", "driver", "cause", "npv", "shift"))
        parts.append(f'<h2 class="cx-h2" id="dash-regions">{esc(t("dash.regions"))}</h2>'
                     f'<div class="cx-table-wrap"><table class="cx-table cx-dash"><thead><tr>{heads}</tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table></div>')
    return "".join(parts)


def write_index(out: Path, eng: Any, records: list[dict[str, Any]], tasks: list[Any], *,
                deliverables: dict[str, str] | None = None) -> Path:
    """Write ``out/index.html`` (self-contained, escaped) and return its path; ``deliverables`` ({deck, workbook}:
    file names in ``out``) are linked under the summary."""
    lang = eng.raw.get("language", "zh") if eng.raw.get("language") in ("zh", "en") else "zh"
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    nbl = lambda n: i18n.t(f"nb.{n}", lang) if i18n.has(f"nb.{n}") else n  # noqa: E731
    by_key = {(r["region"], r["notebook"]): r for r in records}
    notebooks = sorted({r["notebook"] for r in records if r["region"] != "_engagement"})
    regions = [r for r in eng.regions]
    client = eng.raw.get("client", "")
    if isinstance(client, dict) and client:          # bilingual {zh, en}: the engagement's language
        client = str(client.get(lang) or next(iter(client.values())))
    parts = []
    summary = by_key.get(("_engagement", "99_summary"))
    if summary:
        link = (f'<a href="_engagement/99_summary.html">{esc(nbl("99_summary"))}</a>'
                if summary["status"] in ("ok", "reused") else esc(nbl("99_summary")) + " · " + esc(t("common.status_failed")))
        parts.append(f'<div class="cx-note cx-ok"><strong>{link}</strong></div>')
    files = [(k, deliverables[k]) for k in ("deck", "workbook") if (deliverables or {}).get(k)]
    if files:
        links = " · ".join(f'<a href="{esc(name)}" download>{esc(t(f"deliv.index_{k}"))}</a>' for k, name in files)
        colon = "：" if lang == "zh" else ": "
        parts.append(f'<div class="cx-note cx-info"><strong>{esc(t("deliv.index_title"))}</strong>{colon}{links}</div>')
    try:          # the dashboard never stops the index: a run without results still gets its grid
        dash = dashboard_html(out, lang)
    except Exception as exc:  # noqa: BLE001 - shown as a note, the grid below is still written
        dash = f'<div class="cx-note cx-warn">{esc(t("dash.unavailable", reason=str(exc)[:200]))}</div>'
    if dash:
        parts.insert(0, dash)
    parts.append(f'<h2 class="cx-h2" id="dash-playbooks">{esc(t("dash.playbooks"))}</h2>'
                 f'<p class="cx-p">{esc(t("common.index_intro"))}</p>')
    head = "".join(f"<th>{esc(nbl(n))}</th>" for n in notebooks)
    def region_label(r: str) -> str:          # the region's display label, never its key
        if r in eng.regions:
            return str(eng.regions[r].params.get("label", r))
        return t("common.engagement") if r.startswith("_") else r

    rows = []
    for rg in regions:
        label = region_label(rg)
        cells = []
        for n in notebooks:
            rec = by_key.get((rg, n))
            if rec is None:
                cells.append(f'<td class="missing">{esc(t("common.status_missing"))}</td>')
            elif rec["status"] == "not_applicable":
                why = "; ".join(t(f"common.na_{m.replace('.', '_')}") if i18n.has(f"common.na_{m.replace('.', '_')}")
                                else m for m in rec.get("missing") or [])
                cells.append(f'<td class="na">{esc(t("common.status_na"))}<br><span class="cx-more">{esc(why)}</span></td>')
            elif rec["status"] == "outdated":
                cells.append(f'<td class="na">{esc(t("common.status_outdated"))}</td>')
            elif rec["status"] in ("ok", "reused"):
                cells.append(f'<td class="ok"><a href="{esc(rg)}/{esc(n)}.html">{esc(t("common.status_ok"))}</a>'
                             f' <span class="cx-more">{rec.get("seconds", 0):.1f}s</span></td>')
            else:
                nb_link = ""
                if (out / rg / f"{n}.ipynb").is_file():
                    nb_link = f' <a href="{esc(rg)}/{esc(n)}.ipynb">.ipynb</a>'
                cells.append(f'<td class="failed" title="{esc(rec.get("error") or "")}">'
                             f'{esc(t("common.status_failed"))}{nb_link}</td>')
        rows.append(f"<tr><th>{esc(label)}</th>{''.join(cells)}</tr>")
    parts.append(f'<div class="cx-table-wrap"><table class="cx-table cx-grid"><thead><tr><th>{esc(t("common.region"))}</th>'
                 f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    failed = [r for r in records if r["status"] not in ("ok", "reused", "not_applicable", "outdated")]
    if failed:
        frows = "".join(f"<tr><td>{esc(region_label(r['region']))}</td><td>{esc(nbl(r['notebook']))}</td>"
                        f"<td style=\"white-space:normal\">{esc(r.get('error') or '')}</td></tr>" for r in failed)
        parts.append(f'<h2 class="cx-h2">{esc(t("common.failures"))}</h2><div class="cx-table-wrap"><table class="cx-table">'
                     f'<thead><tr><th>{esc(t("common.region"))}</th><th>{esc(t("common.notebook"))}</th>'
                     f'<th>{esc(t("common.error"))}</th></tr></thead><tbody>{frows}</tbody></table></div>')
    title = t("common.index_title", client=client)
    meta = [(t("common.engagement"), eng.name), (t("common.wave"), eng.raw.get("wave", "")),
            (t("common.generated"), eng.raw.get("date") or date.today().isoformat()),
            (t("common.version"), f"cxkit {__version__}")]
    meta_html = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in meta)
    page = (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8"/>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0"><title>{esc(title)}</title>'
            f'<style>{_css()}</style></head><body class="cx-page"><header class="cx-header">'
            f'<div class="cx-kicker">{esc(client)}</div><h1 class="cx-title">{esc(title)}</h1>'
            f'<dl class="cx-meta">{meta_html}</dl></header><main class="cx-main">{"".join(parts)}</main><footer class="cx-footer">{esc(t("common.footer"))}</footer></body></html>')
    return write_text_atomic(out / "index.html", page)
