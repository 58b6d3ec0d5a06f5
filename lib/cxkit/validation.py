"""Per-file validation of a region's data against the engagement's survey definition.

:func:`validate_responses` and :func:`validate_complaints` read one file
(:func:`cxkit.io.read_table`) and collect *every* problem as a :class:`Finding`
(check, column, first spreadsheet rows, count, examples) in a
:class:`FileReport` (file, format, encoding, rows, columns, policy). ``cx
validate`` prints the reports; :func:`read_responses` raises the
first error as a :class:`~cxkit.errors.DataError`.

Checks (``check`` codes, see docs/validation.md)
------------------------------------------------
=====================  =========  ===============================================
check                  kind       what
=====================  =========  ===============================================
unreadable             fatal      file missing, empty, undecodable, unparseable
no_rows                fatal      header only
missing_columns        fatal      id / scale item / driver / outcome / segment
truncated_last_line    exclude    no final line break and too few fields
missing_ids            exclude    rows without a respondent id
duplicate_ids          exclude    an id on more than one row (later ones)
unknown_label          exclude    a text answer not in the Likert codebook
non_numeric            exclude    a word in a numeric column
out_of_range           exclude    a number outside the item's range
constant_column        advisory   an analysed column with a single value
=====================  =========  ===============================================

*fatal* findings are errors under any policy; *exclude* findings are errors
under ``validation.policy: error`` and, under ``warn``, warnings whose cells
are set missing (rows dropped for ids and truncated lines); *advisory* findings
are always warnings.

Example
-------
>>> from cxkit.validation import validate_responses            # doctest: +SKIP
>>> df, rep = validate_responses(eng.regions["east"].params)    # doctest: +SKIP
>>> print(rep.render())                                         # doctest: +SKIP
east_responses.csv: 2000 rows × 47 columns · csv · utf-8 · policy error · ok
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError
from .io import file_options, likert_codebook, map_labels, normalize_label, read_table

MAX_ROWS = 20       # row numbers kept per finding
MAX_EXAMPLES = 3    # example values kept per finding
FATAL = ("unreadable", "no_rows", "missing_columns", "weighting")
ADVISORY = ("constant_column", "range_unused", "weighting_warning")


@dataclass
class Finding:
    """One problem in one file: which check, where (column, spreadsheet rows) and examples."""

    check: str
    message: str
    column: str | None = None
    rows: list[int] = field(default_factory=list)
    n: int = 0
    examples: list[str] = field(default_factory=list)
    severity: str = "error"          # "error" | "warning"
    hint: str | None = None
    action: str | None = None        # what the warn policy did with the cells

    def where(self, file: str) -> str:
        parts = [file]
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (+{self.n - 5} more)" if self.n > 5 else ""
            parts.append(f"rows {shown}{more}")
        return ", ".join(parts)

    def render(self, file: str) -> str:
        text = f"{self.where(file)}: {self.message}"
        if self.action:
            text += f"; {self.action}"
        return text


@dataclass
class FileReport:
    """What validation found in one file."""

    file: str                         # name shown in messages
    path: str
    role: str                         # responses | complaints | previous_responses | retest_responses
    policy: str = "error"
    format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    rows: int = 0
    columns: int = 0
    excluded_rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fatal: DataError | None = None    # the reader's own error, re-raised as is

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, check: str, message: str, *, column: str | None = None, rows: list[int] | None = None,
            n: int | None = None, examples: list[Any] | None = None, hint: str | None = None,
            action: str | None = None) -> Finding:
        """Record a finding; its severity follows the check's kind and the policy."""
        rows = list(rows or [])
        if check in FATAL:
            sev = "error"
        elif check in ADVISORY:
            sev = "warning"
        else:
            sev = "warning" if self.policy == "warn" else "error"
        f = Finding(check, message, column, rows[:MAX_ROWS], len(rows) if n is None else n,
                    [str(e) for e in (examples or [])][:MAX_EXAMPLES], sev, hint,
                    action if sev == "warning" and check not in ADVISORY else None)
        self.findings.append(f)
        return f

    def raise_on_error(self) -> None:
        """Raise the first error as a :class:`DataError` (the reader's own error when it failed)."""
        if self.fatal is not None:
            raise self.fatal
        errs = self.errors
        if not errs:
            return
        f = errs[0]
        hint = f.hint or ""
        if len(errs) > 1:
            more = f"{len(errs) - 1} more problem(s) in this file: run `cx validate` to list them all"
            hint = f"{hint}; {more}" if hint else more
        msg = f.message if f.n <= len(f.rows) else f"{f.message} ({f.n} rows in all)"
        raise DataError(msg, file=self.file, column=f.column, rows=f.rows, hint=hint or None)

    def messages(self) -> list[str]:
        """One line per warning, for the playbook (``pb.note(..., 'warn')``)."""
        out = []
        for f in self.warnings:
            line = f.render(self.file)
            if f.check not in ADVISORY:
                line += f" (validation.policy: {self.policy})"
            out.append(line)
        return out

    def summary(self) -> str:
        bits = [f"{self.rows} rows × {self.columns} columns"]
        if self.format:
            bits.append(self.format + (f" sheet '{self.sheet}'" if self.sheet else ""))
        if self.encoding:
            bits.append(f"encoding {self.encoding}")
        bits.append(f"policy {self.policy}")
        status = "ok" if self.ok else f"{len(self.errors)} error(s)"
        if self.warnings:
            status += f", {len(self.warnings)} warning(s)"
        if self.excluded_rows:
            status += f", {self.excluded_rows} row(s) excluded"
        return f"{self.file} ({self.role}): {' · '.join(bits)} · {status}"

    def render(self) -> str:
        """The report as text: a summary line, then one line per finding with its hint."""
        if self.fatal is not None:
            return f"{self.file} ({self.role}): ERROR {self.fatal}"
        lines = [self.summary()]
        for note in self.notes:
            lines.append(f"  note   {note}")
        for f in self.findings:
            tag = "ERROR " if f.severity == "error" else "warn  "
            lines.append(f"  {tag} [{f.check}] {f.render(self.file)}")
            if f.hint and f.severity == "error":
                lines.append(f"         → {f.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fatal"] = str(self.fatal) if self.fatal is not None else None
        d["ok"] = self.ok
        return d


# --------------------------------------------------------------------------- helpers
def _redactor(params: dict[str, Any]):
    """Redaction of personal data (:func:`cxkit.privacy.redact`) for example values quoted in messages.

    Messages end up in playbook notes and the manifest, so a phone number typed into a
    numeric cell must not be copied there; ``privacy.redact_pii: false`` turns it off.
    """
    from . import privacy

    if not privacy.enabled(params):
        return lambda s: s
    return privacy.redact


def _positions(mask) -> list[int]:
    import numpy as np
    return np.flatnonzero(mask.to_numpy()).tolist()


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return repr(v) if isinstance(v, str) else str(v)


def survey_columns(survey: dict[str, Any]) -> tuple[list[str], dict[str, tuple[float, float] | None]]:
    """Required columns and the numeric columns with their range (None = numeric, no range)."""
    idc = survey.get("id_column", "respondent_id")
    lo, hi = survey.get("scale_range", (1, 5))
    required: list[str] = [idc] if idc else []
    numeric: dict[str, tuple[float, float] | None] = {}
    for sc in (survey.get("scales") or {}).values():
        for it in sc["items"]:
            required.append(it)
            numeric[it] = (lo, hi)
    for d in survey.get("drivers") or []:
        required.append(d)
        numeric.setdefault(d, (lo, hi))
    out_ranges = survey.get("outcome_ranges") or {}
    for k, col in (survey.get("outcomes") or {}).items():
        if not col:
            continue
        required.append(col)
        numeric[col] = tuple(out_ranges[k]) if k in out_ranges else None
    seg = survey.get("segment_column")
    if seg:
        required.append(seg)
    return list(dict.fromkeys(required)), numeric


def _read(report: FileReport, path: str, opts: dict[str, Any], keep_codes: set[str]):
    try:
        df, info = read_table(path, sheet=opts.get("sheet"), format=opts.get("format", "auto"),
                              keep_codes=keep_codes, columns=opts.get("columns") or None,
                              header_row=opts.get("header_row", 1))
    except DataError as exc:
        report.fatal = exc
        report.findings.append(Finding("unreadable", exc.message, exc.column, list(exc.rows), len(exc.rows),
                                       [], "error", exc.hint))
        return None, None
    report.format, report.encoding, report.sheet = info.format, info.encoding, info.sheet
    report.rows, report.columns = info.rows, info.columns
    report.notes += info.notes
    if info.renamed:
        report.notes.append("renamed: " + ", ".join(f"{a} → {b}" for a, b in list(info.renamed.items())[:8])
                            + (" …" if len(info.renamed) > 8 else ""))
    if info.rows == 0:
        report.add("no_rows", "the file has a header but no data rows", hint="export the data again with the responses")
    return df, info


def _truncated(report: FileReport, df, info, drop: set[int]) -> None:
    if info.truncated_last_line and len(df):
        pos = len(df) - 1
        report.add("truncated_last_line",
                   f"the last line is incomplete (no line break at the end, fewer fields than the header's {info.columns})",
                   rows=info.sheet_rows([pos]), hint="the file was probably cut off: export or copy it again",
                   action="that row was excluded")
        if report.policy == "warn":
            drop.add(pos)


def _range_use(report: FileReport, survey: dict[str, Any], observed: dict[str, tuple[float, float] | None]) -> None:
    """Warn when the declared ``survey.scale_range`` is not the range the items use.

    Performance on 0–100 is 100·(mean − lo)/(hi − lo): 1–5 answers declared as 1–7 shrink every score
    (57.7 becomes 38.5) without any value being out of range. When no scale item (≥ 20 answers each)
    reaches the declared top or bottom, the range is probably wrong: say so, with what was seen.
    """
    seen = [v for v in observed.values() if v is not None]
    if not seen:
        return
    lo, hi = survey.get("scale_range", (1, 5))
    top, bottom = max(v[1] for v in seen), min(v[0] for v in seen)
    if top < hi or bottom > lo:
        report.add("range_unused", f"survey.scale_range is {lo:g}–{hi:g} but no scale item's answers go "
                   f"{'above ' + format(top, 'g') if top < hi else 'below ' + format(bottom, 'g')} "
                   f"(answers seen: {bottom:g}–{top:g})",
                   hint=f"if the questionnaire's scale is {bottom:g}–{top:g}, set survey.scale_range: [{bottom:g}, {top:g}]; "
                        "0–100 scores depend on it")


# --------------------------------------------------------------------------- responses
def validate_responses(params: dict[str, Any], key: str = "responses"):
    """Read and check a survey response file; return ``(df, FileReport)``.

    ``df`` has the numeric columns converted (text labels mapped through the
    codebook) and, under ``validation.policy: warn``, bad cells set missing and
    duplicate / truncated rows dropped; it is ``None`` when the file could not
    be read. For ``previous_responses`` / ``retest_responses`` only the id
    column is required; the other survey columns are checked where present.
    """
    import pandas as pd

    path = params.get(key)
    survey = params.get("survey") or {}
    policy = (params.get("validation") or {}).get("policy", "error")
    report = FileReport(Path(str(path)).name, str(path), key, policy)
    opts = file_options(params, key)
    inp = params.get("input") or {}
    required, numeric = survey_columns(survey)
    survey_items: dict[str, tuple[float, float] | None] = {
        it: None for sc in (survey.get("scales") or {}).values() for it in sc["items"]}
    df, info = _read(report, str(path), opts, set(numeric))
    if df is None:
        return None, report
    redact = _redactor(params)
    idc = survey.get("id_column", "respondent_id")
    if not idc:      # survey.id_column: null → the spreadsheet row number identifies a respondent
        report.notes.append("no id column (survey.id_column: null): respondents are identified by their row number")
    elif info.format == "wenjuanxing" and idc not in df.columns and "序号" in df.columns:
        df[idc] = df["序号"]
        report.notes.append(f"问卷星 export: '序号' used as the respondent id ('{idc}')")
    if key != "responses":
        required = [idc] if idc else []
    missing = [c for c in required if c not in df.columns]
    if missing:
        hint = f"the file has: {', '.join(map(str, df.columns[:30]))}"
        if info.format in ("qualtrics", "wenjuanxing", "spss") or any(ord(ch) > 127 for c in df.columns for ch in str(c)):
            hint += f"; map the file's headers to these names with input.{key}.columns"
        shown = ", ".join(missing[:12]) + (f" … (+{len(missing) - 12} more)" if len(missing) > 12 else "")
        report.add("missing_columns", f"missing required column(s): {shown}", hint=hint)
    drop: set[int] = set()
    _truncated(report, df, info, drop)

    if idc and idc in df.columns:
        ids = df[idc]
        blanks = [u for u in pd.unique(ids.dropna()) if isinstance(u, str) and not u.strip()]
        blank = ids.isna() | (ids.isin(blanks) if blanks else False)
        if blank.any():
            pos = _positions(blank)
            report.add("missing_ids", "rows without a respondent id", column=idc, rows=info.sheet_rows(pos),
                       hint="fill in the ids or delete these rows", action="those rows were excluded")
            if policy == "warn":
                drop.update(pos)
        dup = ids.duplicated(keep=False) & ~blank
        if dup.any():
            later = ids.duplicated(keep="first") & ~blank
            pos = _positions(dup)
            ex = [_fmt(redact(v) if isinstance(v, str) else v) for v in pd.unique(ids[dup])[:MAX_EXAMPLES]]
            report.add("duplicate_ids", f"duplicate respondent ids ({', '.join(ex)})", column=idc,
                       rows=info.sheet_rows(pos), examples=ex,
                       hint="each respondent must appear once: remove the duplicate rows",
                       action="later duplicates were excluded")
            if policy == "warn":
                drop.update(_positions(later))

    labelled: list[str] = []
    global_codes = [float(c) for c in survey.get("missing_codes") or []]
    col_codes = opts.get("missing_codes") or {}
    col_labels = {**(survey.get("outcome_labels") or {}), **(opts.get("labels") or {})}
    for name in [c for c in (*col_codes, *col_labels) if c not in df.columns]:
        report.add("missing_columns", f"input.{key} names column '{name}' (missing_codes / labels), "
                   "which the file does not have", column=name, hint=f"the file has: {', '.join(map(str, df.columns[:30]))}")
    coded: dict[str, int] = {}
    for col, rng in numeric.items():
        if col not in df.columns:
            continue
        book = likert_codebook(rng if rng else (0, 0), inp.get("labels"), inp.get("builtin_labels", True))
        own = col_labels.get(col)
        if own:
            book.update({normalize_label(k): float(v) for k, v in own.items()})
        raw_answered = int(df[col].notna().sum() - (df[col].astype(str).str.strip() == "").sum())
        num, bad, kind = map_labels(df[col], book, labels_win=bool(own))
        codes = global_codes + [float(c) for c in col_codes.get(col, [])]
        if codes:     # "no answer" codes (0 = not applicable, 99 = refused ...) are missing, not answers
            is_code = num.isin(codes)
            if is_code.any():
                coded[col] = int(is_code.sum())
                num = num.mask(is_code)
        if kind == "labels":
            labelled.append(col)
        if bad.any():
            pos = _positions(bad)
            ex = [_fmt(redact(str(v))) for v in pd.unique(df[col][bad].astype(str))[:MAX_EXAMPLES]]
            if kind == "labels":
                report.add("unknown_label", f"labels not in the codebook ({', '.join(ex)})", column=col,
                           rows=info.sheet_rows(pos), examples=ex,
                           hint="add them to input.labels (label: number), or fix the cells",
                           action="set to missing")
            else:
                report.add("non_numeric", f"non-numeric values ({', '.join(ex)}) in a numeric column", column=col,
                           rows=info.sheet_rows(pos), examples=ex,
                           hint="fix or blank these cells, or map text labels through the codebook",
                           action="set to missing")
        if rng:
            a, b = rng
            oor = num.notna() & ((num < a) | (num > b))
            if oor.any():
                pos = _positions(oor)
                ex = [f"{v:g}" for v in pd.unique(num[oor])[:MAX_EXAMPLES]]
                report.add("out_of_range", f"values outside {a:g}–{b:g} (e.g. {', '.join(ex)})", column=col,
                           rows=info.sheet_rows(pos), examples=ex,
                           hint="correct the values, or set validation.policy: warn to exclude them",
                           action="set to missing")
                if policy == "warn":
                    num = num.mask(oor)
        if raw_answered > 0 and not num.notna().any():
            # a whole column lost: never a silent "valid" (unmapped labels, decimal commas, a wrong encoding)
            report.findings.append(Finding(
                "column_emptied", f"none of the {raw_answered} answers could be read as a number", col, [], raw_answered,
                [_fmt(redact(str(v))) for v in pd.unique(df[col].dropna().astype(str))[:MAX_EXAMPLES]], "error",
                f"map the labels with input.{key}.labels: {{{col}: {{label: number}}}}, fix decimal commas, "
                "or check the file's encoding"))
        elif rng and num.notna().sum() >= 20 and col in survey_items:
            survey_items[col] = (float(num.min()), float(num.max()))
        df[col] = num
    _range_use(report, survey, survey_items)
    if coded:
        report.notes.append("missing codes treated as no answer: " + ", ".join(
            f"{c} ({n})" for c, n in list(coded.items())[:8]) + (" …" if len(coded) > 8 else ""))
    if labelled:
        report.notes.append(f"text labels mapped to numbers through the codebook in {len(labelled)} column(s): "
                            + ", ".join(labelled[:8]) + (" …" if len(labelled) > 8 else ""))

    keep = [i for i in range(len(df)) if i not in drop] if drop else None
    for col in numeric:
        if col not in df.columns:
            continue
        s = df[col] if keep is None else df[col].iloc[keep]
        vals = s.dropna()
        if len(vals) >= 2 and vals.nunique() == 1:
            report.add("constant_column", f"constant column: every answer is {_fmt(vals.iloc[0])}", column=col,
                       hint="statistics that need variance (reliability, correlations, drivers) are undefined for it")
    if keep is not None:
        df = df.iloc[keep]
        report.excluded_rows = len(drop)
    return df.reset_index(drop=True), report


def _check_weighting(report: FileReport, df, weighting: dict[str, Any]) -> None:
    """The ``weighting:`` section applied to the file (issue 19): a margin level absent from the data, a data level
    without a population share, an empty cell, non-convergence or a bad weight column is an error naming the
    column/level (03 would stop on it); the weighting's own warnings (extreme weights) are warnings."""
    from . import weighting as wt
    from .errors import CxError

    try:
        wp = wt.WeightingParams.model_validate(dict(weighting))
        if not wp.enabled:
            return
        w = wt.weight(df, wp)
    except CxError as exc:
        col = getattr(exc, "column", None)
        report.add("weighting", f"the survey weights cannot be computed: {exc.message}", column=col,
                   hint="correct the weighting section of engagement.yaml (margins, levels, trim) or the data")
        return
    except ValueError as exc:         # params problems are reported by the params check already
        del exc
        return
    for warning in w.warnings:
        report.add("weighting_warning", warning)


# --------------------------------------------------------------------------- complaints
def validate_complaints(params: dict[str, Any], key: str = "complaints"):
    """Read and check a complaint verbatim file (text column present, rows, complete last line)."""
    path = params.get(key)
    policy = (params.get("validation") or {}).get("policy", "error")
    report = FileReport(Path(str(path)).name, str(path), key, policy)
    df, info = _read(report, str(path), file_options(params, key), set())
    if df is None:
        return None, report
    col = (params.get("root_cause") or {}).get("text_column", "comment")
    if col not in df.columns:
        report.add("missing_columns", f"missing the text column '{col}'",
                   hint=f"set root_cause.text_column to one of: {', '.join(map(str, df.columns[:20]))}")
    drop: set[int] = set()
    _truncated(report, df, info, drop)
    if drop:
        df = df.drop(index=df.index[sorted(drop)])
        report.excluded_rows = len(drop)
    return df.reset_index(drop=True), report


def validate_region(params: dict[str, Any]) -> list[FileReport]:
    """Reports for every data file of one region (responses, previous, retest, complaints, each earlier wave)."""
    reports = []
    for key in ("responses", "previous_responses", "retest_responses", "complaints"):
        if not params.get(key):
            continue
        fn = validate_complaints if key == "complaints" else validate_responses
        df, rep = fn(params, key)
        if key == "responses" and df is not None and rep.ok and params.get("weighting"):
            _check_weighting(rep, df, params["weighting"])      # cx validate only: 03 stops on the same problem
        reports.append(rep)
    for wave in params.get("waves") or []:        # tracking: each earlier wave, checked as previous_responses
        reports.append(validate_wave(params, wave)[1])
    return reports


def validate_wave(params: dict[str, Any], wave: dict[str, Any]):
    """Read and check the response file of an earlier wave (``waves: [{wave, responses}]``); ``(df, FileReport)``.

    The rules of ``previous_responses`` (:func:`validate_responses`): only the id column is required, the survey
    columns (outcomes, items) are checked where present. The file is read with the default reading options
    (encoding and format detected; the survey's codebooks and missing codes applied); its report's role is
    ``waves:<label>``.
    """
    key = f"waves:{wave['wave']}"
    return validate_responses({**params, key: wave["responses"]}, key)


def read_wave(params: dict[str, Any], wave: dict[str, Any]):
    """An earlier wave's responses, checked as :func:`validate_wave` says; raises :class:`DataError` on an error
    (under ``validation.policy: warn`` bad cells are set missing). Returns ``(df, problems)``."""
    df, report = validate_wave(params, wave)
    report.raise_on_error()
    return df, report.messages()


# --------------------------------------------------------------------------- survey files
def read_responses(params: dict[str, Any]):
    """Read a region's response file and check it against ``params['survey']``.

    The checks are those of :func:`cxkit.validation.validate_responses` (id
    column present and unique; every scale item, driver and outcome column
    present; text labels in the codebook; numeric cells; values inside their
    range; a complete last line). Under ``validation.policy: error`` any
    problem raises :class:`DataError` naming file, column and rows; under
    ``warn`` the bad cells are set missing (duplicate and truncated rows
    dropped) and reported.

    Returns ``(df, problems)`` where problems are messages for the playbook.
    """
    if not params.get("responses"):
        raise DataError("no response file is set for this region",
                        hint="set 'responses:' for the region in engagement.yaml")
    from .inputcache import cached

    def read():
        df, report = validate_responses(params)
        report.raise_on_error()
        return df, report.messages()

    return cached("responses", params, params["responses"], read)   # parsed once per run (issue 22)


def read_complaints(params: dict[str, Any]):
    """Read a region's complaint verbatims; check that the text column exists."""
    if not params.get("complaints"):
        raise DataError("no complaints file is set for this region",
                        hint="set 'complaints:' for the region in engagement.yaml")
    from .inputcache import cached

    def read():
        df, report = validate_complaints(params)
        report.raise_on_error()
        return df

    return cached("complaints", params, params["complaints"], read)   # parsed once per run (issue 22)
