"""What a notebook shows: escaped HTML blocks, tables, charts, key figures.

A notebook builds one :class:`Playbook` from the parameters papermill injected
and calls its methods; each method displays an HTML fragment (so nbconvert
copies it into the playbook) and keeps it in ``pb.fragments`` (so tests can read
it without a kernel). Every string that may come from data is HTML-escaped
here; callers never build HTML from data themselves.

Key figures go through :meth:`Playbook.result`; :meth:`Playbook.save` writes
them to ``<notebook>.results.json`` atomically (temporary file, then rename).

Example
-------
>>> pb = Playbook({"language": "en", "region": "east", "label": "East"}, notebook="00_data_profile")
>>> html = pb.p("<b>5 < 6</b>")
>>> "&lt;b&gt;5 &lt; 6&lt;/b&gt;" in html
True
"""
from __future__ import annotations

import base64
import html as _html
import io
import json
import math
import re
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from . import i18n
from .atomic import atomic_path, write_text_atomic  # noqa: F401  (re-exported: playbook writers use them)

NOTE_KINDS = ("info", "ok", "warn", "alert")


def esc(value: Any) -> str:
    """HTML-escape any value's text (quotes included)."""
    return _html.escape("" if value is None else str(value), quote=True)


def jsonable(obj: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON types; NaN/inf become None."""
    try:
        import numpy as np
    except ModuleNotFoundError:  # pragma: no cover
        np = None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [jsonable(v) for v in obj]
    if np is not None:
        if isinstance(obj, np.ndarray):
            return [jsonable(v) for v in obj.tolist()]
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            obj = float(obj)
    if hasattr(obj, "to_dict") and not isinstance(obj, (str, bytes)):
        return jsonable(obj.to_dict())
    if isinstance(obj, float):
        return None if (math.isnan(obj) or math.isinf(obj)) else obj
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON (sorted keys, UTF-8, NaN as null) atomically (see :func:`atomic_path`)."""
    text = json.dumps(jsonable(data), ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
    write_text_atomic(path, text + "\n")


def _display_html(fragment: str) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ModuleNotFoundError:  # pragma: no cover
        return
    if get_ipython() is not None:
        display(HTML(fragment))


def fmt_num(x: Any, digits: int = 2) -> str:
    """Format a number for a table cell: thousands separators, fixed decimals, '–' for missing."""
    if x is None:
        return "–"
    try:
        if isinstance(x, bool):
            return str(x)
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(f):
        return "–"
    if float(f).is_integer() and digits >= 0 and abs(f) >= 1000:
        return f"{int(f):,}"
    return f"{f:,.{digits}f}"


def anchor_id(key: str) -> str:
    """Stable HTML id of a heading from its i18n key (or an explicit anchor): ``diag.sec_kpi`` → ``diag-sec_kpi``.

    Links between playbooks (the summary's evidence links) use these ids; they do not change with the
    language or with which optional sections a playbook shows (unlike the running ``sec-N`` ids).

    >>> anchor_id("diag.sec_kpi")
    'diag-sec_kpi'
    """
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(key)).strip("-")


class Link(NamedTuple):
    """A link in a table cell or a list item (:meth:`Playbook.table`, :meth:`Playbook.bullets`): text and a
    relative ``href`` (a scheme such as ``javascript:`` or ``https:`` is refused: playbooks are offline)."""

    text: str
    href: str


def _link_html(link: Link) -> str:
    if re.match(r"^\s*[A-Za-z][A-Za-z0-9+.-]*:", link.href) or link.href.strip().startswith("//"):
        raise ValueError(f"only relative links are allowed in a playbook, got {link.href!r}")
    return f'<a href="{esc(link.href)}">{esc(link.text)}</a>'


def _inline(item: Any) -> str:
    """Escaped text of a list item: a string, a :class:`Link`, or a sequence of both."""
    if isinstance(item, Link):
        return _link_html(item)
    if isinstance(item, (list, tuple)):
        return "".join(_inline(i) for i in item)
    return esc(item)


def fmt_pct(x: Any, digits: int = 1) -> str:
    """Format a share (0..1) as a percentage."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(f) else f"{100 * f:.{digits}f}%"


def compact_png(data: bytes, colors: int = 256) -> bytes:
    """A chart's PNG made smaller (issue 22): an 8-bit palette instead of RGBA, best zlib level.

    A chart of at most ``colors`` colours is converted exactly (no pixel changes); a chart with more (a heatmap's
    gradient, antialiased scatter clouds) is quantised to ``colors`` colours (median cut; below a one-level mean
    difference per channel). Deterministic: the same input gives the same bytes. The original is kept when it
    is smaller (or when the image cannot be read).

    >>> import io; from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGBA", (40, 20), (31, 95, 139, 255)).save(buf, format="PNG")
    >>> out = compact_png(buf.getvalue()); Image.open(io.BytesIO(out)).mode, len(out) <= len(buf.getvalue())
    ('P', True)
    """
    try:
        import numpy as np
        from PIL import Image
    except ModuleNotFoundError:  # pragma: no cover
        return data
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Exception:  # noqa: BLE001 - not a PNG Pillow can read: kept as it is
        return data
    if im.mode in ("RGBA", "LA") and im.getextrema()[-1][0] < 255:
        return data                                # real transparency: a palette would lose it
    rgb_im = im.convert("RGB")
    found = rgb_im.getcolors(colors)               # None when the chart has more colours
    if found is not None:                          # exact: every pixel keeps its colour
        rgb = np.asarray(rgb_im)
        packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
        uniq = np.array(sorted((r << 16) | (g << 8) | b for _, (r, g, b) in found), dtype=np.uint32)
        index = np.searchsorted(uniq, packed).astype(np.uint8)
        out_im = Image.fromarray(index, mode="P")
        out_im.putpalette(np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
                          .astype(np.uint8).ravel().tolist())
    else:
        out_im = rgb_im.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    info = {k: v for k, v in (im.info or {}).items() if k == "dpi"}
    out_im.save(out, format="PNG", compress_level=8, **info)
    small = out.getvalue()
    return small if len(small) < len(data) else data


#: smallest text a chart may show on a phone, in CSS pixels (issue 17: readable at 390 px)
PHONE_MIN_FONT_PX = 9.0
#: content width of a 390 px phone screen (16 px padding either side)
PHONE_CONTENT_PX = 358


def smallest_font_px(fig: Any) -> float | None:
    """Pixel size, in the saved PNG, of the smallest visible text of a matplotlib figure (None without text).

    Size in points × dpi / 72, at the dpi ``savefig`` uses (``savefig.dpi``, else the figure's).

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(dpi=100); _ = ax.set_title("t", fontsize=14); _ = ax.text(0, 0, "x", fontsize=7.2)
    >>> _ = ax.set_xticks([]); _ = ax.set_yticks([])
    >>> with plt.rc_context({"savefig.dpi": "figure"}):
    ...     round(smallest_font_px(fig), 1)
    10.0
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and str(t.get_text()).strip()]
    if not sizes:
        return None
    dpi = plt.rcParams.get("savefig.dpi", "figure")
    dpi = fig.dpi if dpi in (None, "figure") else float(dpi)
    return float(min(sizes)) * dpi / 72.0


def phone_min_width(width_px: int, font_px: float | None, min_font: float = PHONE_MIN_FONT_PX,
                    screen: int = PHONE_CONTENT_PX) -> int | None:
    """Display width (CSS px) below which a chart's smallest text would render under ``min_font`` px; None when
    the chart is readable at the phone's content width anyway (or has no text).

    width × min_font / font_px, capped at the chart's own width.

    >>> phone_min_width(1200, 10.0), phone_min_width(600, 18.0), phone_min_width(800, 4.0)
    (1080, None, 800)
    """
    if not width_px or not font_px:
        return None
    need = math.ceil(width_px * min_font / font_px)
    return min(need, width_px) if need > screen else None


class Playbook:
    """The page a notebook writes: language, escaped blocks, and its key figures."""

    def __init__(self, params: dict[str, Any], *, region: str | None = None, notebook: str = "notebook",
                 results_path: str | None = None, results_dir: str | None = None, display: bool = True):
        self.params = params or {}
        self.region = region or self.params.get("region", "")
        self.notebook = notebook
        self.lang = self.params.get("language", "zh")
        self.results_path = results_path
        self.results_dir = results_dir
        self.fragments: list[str] = []
        self.results: dict[str, Any] = {"notebook": notebook, "region": self.region}
        self.warnings: list[dict[str, str]] = []
        self._display = display
        self._n_sections = 0
        self._theme_font: str | None = None
        self._last_t: tuple[str, str] | None = None
        self._anchors: dict[str, int] = {}

    # ------------------------------------------------------------------ text
    def t(self, key: str, **kwargs: Any) -> str:
        """Translate an i18n key into this playbook's language."""
        out = i18n.t(key, self.lang, **kwargs)
        self._last_t = (out, key)      # a heading made from this text takes its anchor from the key
        return out

    def join(self, items: Any) -> str:
        """A list as running text in this playbook's language (、 in Chinese, ", " in English)."""
        return i18n.join(items, self.lang)

    def label(self, key: str, fallback: str | None = None) -> str:
        """Translate if the key exists, else return ``fallback`` (or the key)."""
        return self.t(key) if i18n.has(key) else (fallback if fallback is not None else key)

    def _client_label(self, kind: str, column: str | None, value: str | None = None) -> str | None:
        """A label the engagement gives (``survey.column_labels`` / ``survey.value_labels``) in this language."""
        survey = self.params.get("survey") or {}
        lab = (survey.get(kind) or {}).get(column) if column else None
        if value is not None:
            lab = (lab or {}).get(value) if isinstance(lab, dict) else None
        if isinstance(lab, dict) and lab and set(lab) <= {"zh", "en"}:
            return lab.get(self.lang) or next(iter(lab.values()))
        return lab if isinstance(lab, str) and lab else None

    def tier_label(self, tier: str) -> str:
        """Display name of a customer tier: ``survey.value_labels`` of the segment column, else ``tier.<tier>``."""
        seg = (self.params.get("survey") or {}).get("segment_column")
        return self._client_label("value_labels", seg, str(tier)) or self.label(f"tier.{tier}", tier)

    def scale_label(self, name: str) -> str:
        """Display name of a scale or driver dimension.

        The scale's own ``label`` in ``survey.scales`` (a string, or {zh, en}) wins;
        else the shared ``dim.<name>`` string; else the name itself.
        """
        spec = self.params.get("survey", {}).get("scales", {}).get(name) or {}
        lab = spec.get("label") if isinstance(spec, dict) else None
        if isinstance(lab, dict) and lab:
            return lab.get(self.lang) or next(iter(lab.values()))
        if isinstance(lab, str) and lab:
            return lab
        return self.label(f"dim.{name}", name)

    def prefixed(self, prefix: str):
        """A translator for the keys under ``prefix`` (notebooks write ``T = pb.prefixed("diag")``, then
        ``T("sec_kpi")`` for ``pb.t("diag.sec_kpi")``).

        >>> Playbook({"language": "en"}, display=False).prefixed("common")("total")
        'Total'
        """
        def translate(key: str, **kwargs: Any) -> str:
            return self.t(f"{prefix}.{key}", **kwargs)

        return translate

    def item_label(self, item: str) -> str:
        """Display text of a questionnaire item: its wording in the item bank (``rel4`` → 订单、账单等记录准确无误),
        else the code itself."""
        from .survey import bank_items

        it = bank_items().get(str(item))
        lab = (it or {}).get("label") or {}
        return str(lab.get(self.lang) or lab.get("en") or item)

    def column_label(self, column: str) -> str:
        """Display name of a data column (a segment or banner column): the engagement's
        ``survey.column_labels``, else the customer tier for ``survey.segment_column``, else the shared
        ``col.<column>`` string (region, channel, age band …), else the column name itself (escaped where
        it is written).

        >>> pb = Playbook({"language": "en", "survey": {"column_labels": {"q_city": {"zh": "城市", "en": "City"}}}},
        ...               display=False)
        >>> pb.column_label("q_city"), pb.column_label("channel")
        ('City', 'Channel')
        """
        own = self._client_label("column_labels", column)
        if own:
            return own
        if column == self.params.get("survey", {}).get("segment_column"):
            return self.t("common.tier")
        return self.label(f"col.{column}", column)

    def value_label(self, column: str, value: Any) -> str:
        """Display name of one value of a data column: the engagement's ``survey.value_labels``, else tiers
        for the segment column, else the answer label of the item bank's question with that id (``channel``:
        app → App / 门店 …), else the value as text.

        >>> pb = Playbook({"language": "zh", "survey": {"segment_column": "tier",
        ...                "value_labels": {"city": {"1": {"zh": "一线", "en": "Tier 1"}}}}}, display=False)
        >>> pb.value_label("channel", "store"), pb.value_label("tier", "gold"), pb.value_label("x", 3)
        ('门店', '黄金', '3')
        >>> pb.value_label("city", 1)
        '一线'
        """
        text = str(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))                       # a code read as 1.0 is the value "1"
        own = self._client_label("value_labels", column, text)
        if own:
            return own
        if column == self.params.get("survey", {}).get("segment_column"):
            return self.tier_label(text)
        from .survey import bank_choice_labels

        return bank_choice_labels(column, self.lang).get(text, text)

    @contextmanager
    def details(self, summary: str, *, open: bool = False):
        """Fold what the block writes into a ``<details>`` element (progressive disclosure without scripts):
        statistical detail a click away, the finding in view. Printing shows it unfolded.

        >>> pb = Playbook({"language": "en"}, display=False)
        >>> with pb.details("All pairs"):
        ...     _ = pb.p("x < y")
        >>> pb.fragments[-1]
        '<details class="cx-details"><summary>All pairs</summary><p class="cx-p">x &lt; y</p></details>'
        """
        start, shown = len(self.fragments), self._display
        self._display = False
        try:
            yield self
        finally:
            self._display = shown
            inner = "".join(self.fragments[start:])
            del self.fragments[start:]
        self._emit(f'<details class="cx-details"{" open" if open else ""}><summary>{esc(summary)}</summary>'
                   f'{inner}</details>')

    def _emit(self, fragment: str) -> str:
        self.fragments.append(fragment)
        if self._display:
            _display_html(fragment)
        return fragment

    def _anchor(self, text: str, anchor: str | None) -> str:
        """The stable anchor of a heading: ``anchor`` if given, else the slug of the i18n key whose
        translation is ``text`` (the heading's own :meth:`t` call); "" for a heading without either.
        A key used again (one heading per lever...) gets ``-2``, ``-3``..."""
        key = anchor or (self._last_t[1] if self._last_t and self._last_t[0] == text else None)
        if not key:
            return ""
        base = anchor_id(key)
        n = self._anchors[base] = self._anchors.get(base, 0) + 1
        return base if n == 1 else f"{base}-{n}"

    def _heading(self, level: int, text: str, anchor: str | None) -> str:
        self._n_sections += 1
        a = self._anchor(text, anchor)
        stable = f'<a id="{esc(a)}" class="cx-anchor" aria-hidden="true"></a>' if a else ""
        return self._emit(f'{stable}<h{level} id="sec-{self._n_sections}" class="cx-h{level}">{esc(text)}</h{level}>')

    def h2(self, text: str, *, anchor: str | None = None) -> str:
        """A section heading (listed in the table of contents).

        Besides its running ``sec-N`` id (table of contents) the heading gets a stable anchor that other
        playbooks link to (see :func:`anchor_id`): from ``anchor``, else from the i18n key of ``text``.
        """
        return self._heading(2, text, anchor)

    def h3(self, text: str, *, anchor: str | None = None) -> str:
        return self._heading(3, text, anchor)

    def p(self, text: str) -> str:
        """A paragraph of plain text (escaped)."""
        return self._emit(f'<p class="cx-p">{esc(text)}</p>')

    def bullets(self, items: Iterable[Any], *, ordered: bool = False) -> str:
        """A list; an item is a string, a :class:`Link` or a sequence of both (all escaped)."""
        lis = "".join(f"<li>{_inline(i)}</li>" for i in items)
        tag = "ol" if ordered else "ul"
        return self._emit(f'<{tag} class="cx-list">{lis}</{tag}>')

    def note(self, text: str, kind: str = "info", *, record: bool = True) -> str:
        """A highlighted box: info / ok / warn / alert. warn and alert are also kept in the results."""
        if kind not in NOTE_KINDS:
            raise ValueError(f"kind must be one of {NOTE_KINDS}")
        if kind in ("warn", "alert") and record:
            self.warnings.append({"level": kind, "message": str(text)})
        return self._emit(f'<div class="cx-note cx-{kind}" role="note">{esc(text)}</div>')

    def kpis(self, cards: Sequence[dict[str, Any]]) -> str:
        """Key-figure cards: each {'label', 'value', 'detail'?, 'kind'?}."""
        out = []
        for c in cards:
            kind = c.get("kind", "")
            kind_cls = f" cx-{kind}" if kind in NOTE_KINDS else ""
            detail = f'<div class="cx-kpi-detail">{esc(c["detail"])}</div>' if c.get("detail") else ""
            out.append(f'<div class="cx-kpi{kind_cls}"><div class="cx-kpi-label">{esc(c["label"])}</div>'
                       f'<div class="cx-kpi-value">{esc(c["value"])}</div>{detail}</div>')
        return self._emit(f'<div class="cx-kpis">{"".join(out)}</div>')

    # ------------------------------------------------------------------ tables & charts
    def table(self, df: Any, *, caption: str | None = None, index: bool = False,
              digits: int | dict[str, int] = 2, percent: Sequence[str] = (),
              max_rows: int = 200) -> str:
        """Render a DataFrame as an escaped, horizontally scrollable table.

        ``digits`` sets decimals (one int, or per column); columns in ``percent``
        hold shares 0..1 shown as percentages. Rows beyond ``max_rows`` are cut
        with a note saying how many were left out.
        """
        import pandas as pd

        df = df.copy()
        if index:
            df = df.reset_index()
        extra = ""
        if len(df) > max_rows:
            extra = f'<div class="cx-more">… {len(df) - max_rows} more rows</div>'
            df = df.head(max_rows)
        cols = [str(c) for c in df.columns]
        head = "".join(f"<th>{esc(c)}</th>" for c in cols)
        rows = []
        for rec in df.itertuples(index=False, name=None):
            cells = []
            for col, val in zip(cols, rec):
                if isinstance(val, Link):
                    cells.append(f"<td>{_link_html(val)}</td>")
                    continue
                if col in percent:
                    s, num = fmt_pct(val), True
                elif isinstance(val, (int, float)) and not isinstance(val, bool) or (
                        hasattr(val, "dtype") and getattr(val, "dtype", None) is not None and pd.api.types.is_number(val)):
                    d = digits.get(col, 2) if isinstance(digits, dict) else digits
                    s, num = fmt_num(val, d), True
                else:
                    s, num = ("–" if val is None or (isinstance(val, float) and math.isnan(val)) else str(val)), False
                cls = ' class="num"' if num else ""
                cells.append(f"<td{cls}>{esc(s)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{esc(caption)}</caption>" if caption else ""
        return self._emit(f'<div class="cx-table-wrap"><table class="cx-table">{cap}<thead><tr>{head}</tr></thead>'
                          f'<tbody>{"".join(rows)}</tbody></table>{extra}</div>')

    def theme(self) -> str | None:
        """Apply the chart theme once (CJK-capable font) and return the font family."""
        if self._theme_font is None:
            from . import theme
            self._theme_font = theme.apply(self.lang) or ""
        return self._theme_font or None

    def figure(self, fig: Any, *, alt: str = "", caption: str | None = None,
               phone: Sequence[tuple[str, Sequence[str]]] | None = None) -> str:
        """Embed a matplotlib figure as a PNG data URI (no external file), then close it.

        Readable on a phone (issue 17): the image gets a ``min-width`` at which its smallest text renders at
        :data:`PHONE_MIN_FONT_PX` or more (:func:`phone_min_width`); on a narrower screen the chart scrolls
        inside its own box, never the page. ``data-font-px`` records that smallest text in image pixels.
        ``phone`` gives the chart as text for narrow screens instead — ``[(heading, [lines…]), …]``, escaped
        here — shown below 600 px in place of a chart too wide to read (the fishbone).
        """
        import matplotlib.pyplot as plt

        font_px = smallest_font_px(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        png = compact_png(buf.getvalue())
        width = int.from_bytes(png[16:20], "big") if png[:8] == b"\x89PNG\r\n\x1a\n" else 0
        need = phone_min_width(width, font_px)
        style = f' style="--cx-min:{need}px"' if need else ""
        font = f' data-font-px="{font_px:.1f}"' if font_px else ""
        b64 = base64.b64encode(png).decode("ascii")
        cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
        klass = "cx-figure cx-has-phone" if phone else "cx-figure"
        html = (f'<figure class="{klass}"><img src="data:image/png;base64,{b64}" '
                f'alt="{esc(alt or caption or "")}"{font}{style}/>{cap}</figure>')
        if phone:
            items = "".join(f"<li><strong>{esc(head)}</strong>" + (
                "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>" if lines else "") + "</li>"
                for head, lines in phone)
            title = f'<p class="cx-phone-title">{esc(alt)}</p>' if alt else ""
            html += f'<div class="cx-phone-alt">{title}<ul class="cx-list">{items}</ul></div>'
        return self._emit(html)

    # ------------------------------------------------------------------ data & results
    def result(self, key: str, value: Any) -> Any:
        """Record a key figure for ``.results.json`` (documented in docs/results.md)."""
        self.results[key] = jsonable(value)
        return value

    def save(self) -> dict[str, Any]:
        """Check the results (with warnings) against the notebook's typed model (:mod:`cxkit.results`,
        the contract of docs/results.md), then write them to ``results_path`` atomically; return them.

        An undocumented key or a value of the wrong type raises :class:`cxkit.errors.DataError` naming
        the key, so no playbook ships a results file that later notebooks cannot read.
        """
        from . import results as contract

        self.results["warnings"] = self.warnings
        self.results["language"] = self.lang
        if self.notebook in contract.MODELS:
            contract.validate(self.notebook, jsonable(self.results))
        if self.results_path:
            write_json_atomic(self.results_path, self.results)
        return self.results

    def upstream(self, notebook: str):
        """Typed results (:mod:`cxkit.results` model) of another notebook of the same region, or None when
        it has not run (not applicable, failed, or an interactive session without a run folder)."""
        from . import results as contract

        if not self.results_dir or notebook not in contract.MODELS:
            return None
        p = Path(self.results_dir) / f"{notebook}.results.json"
        return contract.load(p) if p.is_file() else None

    def load_results(self, notebook: str) -> dict[str, Any] | None:
        """Results of another notebook of the same region as a dict, checked against its typed model
        (see :meth:`upstream`), or None when it has not run (or failed)."""
        from . import results as contract

        model = self.upstream(notebook)
        if model is not None:
            return contract.dump(model)
        if not self.results_dir:
            return None
        p = Path(self.results_dir) / f"{notebook}.results.json"   # a notebook without a model (tests, add-ons)
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None

    def responses(self):
        """The region's survey responses, read and checked (see :func:`cxkit.validation.read_responses`)."""
        from . import validation as cxio
        df, problems = cxio.read_responses(self.params)
        for pr in problems:
            self.note(pr, "warn")
        return df

    def complaints(self):
        """The region's complaint verbatims (see :func:`cxkit.validation.read_complaints`)."""
        from . import validation as cxio
        return cxio.read_complaints(self.params)


def start(params: dict[str, Any] | None, *, region: str = "", notebook: str = "notebook",
          results_path: str = "", results_dir: str = "") -> Playbook:
    """The Playbook of a notebook run: from the injected parameters, or (run by hand in Jupyter,
    with ``params`` empty) from the demo engagement's first region; chart theme applied."""
    pb = (Playbook(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
          if params else interactive(notebook=notebook))
    pb.theme()
    return pb


def interactive(engagement_dir: str = "../params/demo", region: str | None = None,
                notebook: str = "notebook") -> Playbook:
    """A Playbook for running a notebook by hand in Jupyter (outside the runner)."""
    from .config import load_engagement
    eng = load_engagement(engagement_dir)
    name = region or next(iter(eng.regions))
    return Playbook(eng.regions[name].params, region=name, notebook=notebook)
