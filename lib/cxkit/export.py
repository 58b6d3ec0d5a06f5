"""Executed notebook → self-contained, offline HTML playbook (nbconvert, in-process).

The ``cx_playbook`` template (``cxkit/templates``) extends nbconvert's ``lab``
template but replaces its head: no require.js, MathJax, mermaid or widget
scripts from CDNs, no JupyterLab stylesheet, only the inline playbook CSS. Code
cells, prompts and stderr are never rendered. Images are PNG data URIs.
A table of contents is built from the section headings the notebook emitted.
"""
from __future__ import annotations

import html as _html
import re
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__, i18n

_HEADING = re.compile(r'<h([23])\b[^>]*\bid="(sec-\d+)"[^>]*>(.*?)</h\1>', re.S)


@lru_cache(maxsize=1)
def _template_dir() -> str:
    return str(resources.files("cxkit") / "templates")


@lru_cache(maxsize=1)
def _css() -> str:
    return (resources.files("cxkit") / "templates" / "cx_playbook" / "playbook.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    exp = HTMLExporter(template_name="cx_playbook", extra_template_basedirs=[_template_dir()])
    exp.exclude_input = True
    exp.exclude_input_prompt = True
    exp.exclude_output_prompt = True
    exp.embed_images = True
    return exp


def toc_html(body: str, title: str) -> str:
    """An ordered list of links to the h2/h3 section headings found in ``body``."""
    found = _HEADING.findall(body)
    if not found:
        return ""
    out, open_sub, open_li = [], False, False
    for level, anchor, text in found:  # text is already escaped
        link = f'<a href="#{anchor}">{text}</a>'
        if level == "3" and open_li:
            if not open_sub:
                out.append('<ul class="cx-toc-sub">')
                open_sub = True
            out.append(f"<li>{link}</li>")
            continue
        if open_sub:
            out.append("</ul>")
            open_sub = False
        if open_li:
            out.append("</li>")
        out.append(f"<li>{link}")
        open_li = True
    out.append(("</ul>" if open_sub else "") + "</li>")
    return (f'<nav class="cx-toc" aria-label="{_html.escape(title)}"><strong>{_html.escape(title)}</strong>'
            f'<ol>{"".join(out)}</ol></nav>')


def page_meta(params: dict[str, Any], notebook: str, *, today: str | None = None) -> dict[str, Any]:
    """Header fields of a playbook page (client, region, wave, language, date, version)."""
    lang = params.get("language", "zh")
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    nb_title = i18n.t(f"nb.{notebook}", lang) if i18n.has(f"nb.{notebook}") else notebook
    region_label = params.get("label") or params.get("region", "")
    if params.get("region") == "_engagement":
        region_label = t("summary.whole")
    day = today or params.get("date") or date.today().isoformat()
    return {
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "title": f"{nb_title} · {region_label}" if region_label else nb_title,
        "client": params.get("client", ""),
        "engagement": params.get("engagement", ""),
        "meta": [(t("common.client"), params.get("client", "")),
                 (t("common.region"), region_label),
                 (t("common.wave"), params.get("wave", "")),
                 (t("common.language"), "中文" if lang == "zh" else "English"),
                 (t("common.generated"), day),
                 (t("common.version"), f"cxkit {__version__}")],
        "index_href": "../index.html",
        "index_label": "← " + t("common.index_title", client=params.get("client", "")),
        "footer": t("common.footer"),
        "css": _css(),
        "toc_title": t("common.contents"),
        "version": __version__,
    }


def _deterministic(nb: Any) -> Any:
    """The notebook with the ids papermill draws at random (the injected parameters cell's) made fixed, so the
    same outputs give the same HTML bytes run after run. A copy: the executed ``.ipynb`` keeps papermill's ids."""
    import copy

    if not any("injected-parameters" in (c.get("metadata", {}).get("tags") or []) for c in nb.cells):
        return nb
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        if "injected-parameters" in (cell.get("metadata", {}).get("tags") or []):
            cell["id"] = f"injected-parameters-{i}"
    return nb


def notebook_to_html(nb: Any, params: dict[str, Any], notebook: str, *, today: str | None = None) -> str:
    """Render an executed notebook node to the playbook HTML string."""
    meta = page_meta(params, notebook, today=today)
    nb = _deterministic(nb)
    body, _ = _exporter().from_notebook_node(nb, resources={"cx": meta})
    return body.replace("<!--CX-TOC-->", toc_html(body, meta["toc_title"]), 1)


def export_html(ipynb: str | Path, html_path: str | Path, params: dict[str, Any], notebook: str,
                *, today: str | None = None) -> Path:
    """Read an executed ``.ipynb`` and write its playbook HTML atomically."""
    import nbformat

    from .report import write_text_atomic

    nb = nbformat.read(str(ipynb), as_version=4)
    html_path = Path(html_path)
    write_text_atomic(html_path, notebook_to_html(nb, params, notebook, today=today))
    return html_path
