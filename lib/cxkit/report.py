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
import os
import tempfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import i18n

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


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp"):
    """Yield a temporary path beside ``path``; on success rename it into place (mode 0644), else remove it.

    A reader never sees a half-written file, and a killed writer leaves only a hidden ``.tmp`` file.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("x")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('x', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str, *, newline: str | None = None) -> Path:
    """Write UTF-8 text atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
    return Path(path)


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


def fmt_pct(x: Any, digits: int = 1) -> str:
    """Format a share (0..1) as a percentage."""
    try:
        f = float(x)
    except (TypeError, ValueError):
        return "–"
    return "–" if math.isnan(f) else f"{100 * f:.{digits}f}%"


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

    # ------------------------------------------------------------------ text
    def t(self, key: str, **kwargs: Any) -> str:
        """Translate an i18n key into this playbook's language."""
        return i18n.t(key, self.lang, **kwargs)

    def join(self, items: Any) -> str:
        """A list as running text in this playbook's language (、 in Chinese, ", " in English)."""
        return i18n.join(items, self.lang)

    def label(self, key: str, fallback: str | None = None) -> str:
        """Translate if the key exists, else return ``fallback`` (or the key)."""
        return self.t(key) if i18n.has(key) else (fallback if fallback is not None else key)

    def tier_label(self, tier: str) -> str:
        return self.label(f"tier.{tier}", tier)

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

    def _emit(self, fragment: str) -> str:
        self.fragments.append(fragment)
        if self._display:
            _display_html(fragment)
        return fragment

    def h2(self, text: str) -> str:
        """A section heading (listed in the table of contents)."""
        self._n_sections += 1
        return self._emit(f'<h2 id="sec-{self._n_sections}" class="cx-h2">{esc(text)}</h2>')

    def h3(self, text: str) -> str:
        self._n_sections += 1
        return self._emit(f'<h3 id="sec-{self._n_sections}" class="cx-h3">{esc(text)}</h3>')

    def p(self, text: str) -> str:
        """A paragraph of plain text (escaped)."""
        return self._emit(f'<p class="cx-p">{esc(text)}</p>')

    def bullets(self, items: Iterable[str]) -> str:
        lis = "".join(f"<li>{esc(i)}</li>" for i in items)
        return self._emit(f'<ul class="cx-list">{lis}</ul>')

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

    def figure(self, fig: Any, *, alt: str = "", caption: str | None = None) -> str:
        """Embed a matplotlib figure as a PNG data URI (no external file), then close it."""
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        b64 = base64.b64encode(buf.getvalue()).decode("ascii")
        cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
        return self._emit(f'<figure class="cx-figure"><img src="data:image/png;base64,{b64}" '
                          f'alt="{esc(alt or caption or "")}"/>{cap}</figure>')

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
