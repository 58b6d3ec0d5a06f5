"""The run's ``index.html``: a region × notebook grid of status and links, failures listed."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from . import __version__, i18n
from .export import _css
from .report import esc, write_text_atomic


def write_index(out: Path, eng: Any, records: list[dict[str, Any]], tasks: list[Any]) -> Path:
    """Write ``out/index.html`` (self-contained, escaped) and return its path."""
    lang = eng.raw.get("language", "zh") if eng.raw.get("language") in ("zh", "en") else "zh"
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    nbl = lambda n: i18n.t(f"nb.{n}", lang) if i18n.has(f"nb.{n}") else n  # noqa: E731
    by_key = {(r["region"], r["notebook"]): r for r in records}
    notebooks = sorted({r["notebook"] for r in records if r["region"] != "_engagement"})
    regions = [r for r in eng.regions]
    client = eng.raw.get("client", "")
    parts = []
    summary = by_key.get(("_engagement", "99_summary"))
    if summary:
        link = (f'<a href="_engagement/99_summary.html">{esc(nbl("99_summary"))}</a>'
                if summary["status"] in ("ok", "reused") else esc(nbl("99_summary")) + " · " + esc(t("common.status_failed")))
        parts.append(f'<div class="cx-note cx-ok"><strong>{link}</strong></div>')
    head = "".join(f"<th>{esc(nbl(n))}</th>" for n in notebooks)
    rows = []
    for rg in regions:
        label = eng.regions[rg].params.get("label", rg)
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
        rows.append(f"<tr><th>{esc(label)} <span class=\"cx-more\">{esc(rg)}</span></th>{''.join(cells)}</tr>")
    parts.append(f'<div class="cx-table-wrap"><table class="cx-table cx-grid"><thead><tr><th>{esc(t("common.region"))}</th>'
                 f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    failed = [r for r in records if r["status"] not in ("ok", "reused", "not_applicable", "outdated")]
    if failed:
        frows = "".join(f"<tr><td>{esc(r['region'])}</td><td>{esc(nbl(r['notebook']))}</td>"
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
            f'<dl class="cx-meta">{meta_html}</dl></header><main class="cx-main"><p class="cx-p">{esc(t("common.index_intro"))}</p>'
            f'{"".join(parts)}</main><footer class="cx-footer">{esc(t("common.footer"))}</footer></body></html>')
    return write_text_atomic(out / "index.html", page)
