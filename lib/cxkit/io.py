"""Reading client exports and checking them against the engagement's survey definition.

Row numbers in messages are spreadsheet row numbers: the header is row 1, the
first respondent row 2 (row 4 for a Qualtrics export, whose rows 2-3 hold the
question text and ImportIds), so a consultant can jump to them in Excel.

Readers (:func:`read_table`)
----------------------------
- CSV / TSV / TXT in UTF-8, UTF-8 with BOM, UTF-16 (Excel "Unicode text"),
  GBK or GB18030 (what Chinese survey platforms export): the encoding is
  detected by strict decoding and reported (:func:`detect_encoding`); the
  delimiter (``,`` ``;`` or tab) is taken from the header line.
- XLSX: the first sheet, or a named (or 0-based numbered) sheet.
- SPSS ``.sav`` (pyreadstat): value labels are applied to categorical columns
  (``1 → "platinum"``) while the columns named in ``keep_codes`` (the scale
  items and outcomes) keep their numeric codes.
- Qualtrics CSV exports (three header rows: names, question text,
  ``{"ImportId": ...}``) are recognised; rows 2-3 are kept as question text.
- 问卷星 (Wenjuanxing) exports (``序号`` / ``提交答卷时间`` / ``所用时间`` ...) are
  recognised: question numbers (``5、``) are stripped from headers, ``所用时间``
  ("125秒") becomes seconds, ``(跳过)``/``(空)`` become missing.

Text Likert answers (``非常不满意 … 非常满意``, ``Very dissatisfied … Very
satisfied``, ``Poor … Excellent``, ``Strongly disagree … Strongly agree``) are
mapped to numbers through a codebook (:data:`LIKERT_5`, extended or replaced by
``input.labels``) by :func:`map_labels`; the checks themselves live in
:mod:`cxkit.validation`.

Per-file reading options come from an optional ``input`` section of the params
(:class:`InputParams`): ``input.responses.sheet``, ``input.responses.columns``
(header → name map) and ``input.labels`` (label → number).
"""
from __future__ import annotations

import csv
import io as _io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import DataError

CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gbk", "gb18030")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")

#: Built-in codebook for 5-point text Likert answers (keys compared case-folded, spaces collapsed).
LIKERT_5: dict[str, int] = {
    # satisfaction, zh
    "非常不满意": 1, "很不满意": 1, "极不满意": 1, "不满意": 2, "比较不满意": 2, "不太满意": 2,
    "一般": 3, "中立": 3, "说不清": 3, "比较满意": 4, "满意": 4, "非常满意": 5, "很满意": 5,
    # agreement, zh
    "非常不同意": 1, "完全不同意": 1, "不同意": 2, "比较不同意": 2, "中立/一般": 3,
    "同意": 4, "比较同意": 4, "非常同意": 5, "完全同意": 5,
    # quality, zh
    "很差": 1, "非常差": 1, "差": 2, "较差": 2, "好": 4, "较好": 4, "很好": 5, "非常好": 5,
    # satisfaction, en
    "very dissatisfied": 1, "extremely dissatisfied": 1, "dissatisfied": 2, "somewhat dissatisfied": 2,
    "neither satisfied nor dissatisfied": 3, "neutral": 3, "somewhat satisfied": 4, "satisfied": 4,
    "very satisfied": 5, "extremely satisfied": 5,
    # agreement, en
    "strongly disagree": 1, "disagree": 2, "somewhat disagree": 2, "neither agree nor disagree": 3,
    "somewhat agree": 4, "agree": 4, "strongly agree": 5,
    # quality, en (Poor … Excellent)
    "poor": 1, "fair": 2, "good": 3, "very good": 4, "excellent": 5,
}

#: Cells that mean "no answer" in platform exports (问卷星: 跳过 = skipped by logic, 空 = left empty).
MISSING_MARKERS = ("(跳过)", "（跳过）", "(空)", "（空）")
WJX_MARKERS = ("序号", "提交答卷时间", "所用时间")
_QNUM = re.compile(r"^\s*(?:Q?\d+(?:\.\d+)*)\s*[、.．:：)]\s*")
_SCORE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*分\s*$")
_WS = re.compile(r"\s+")


# --------------------------------------------------------------------------- params
class FileOptions(BaseModel):
    """How to read one data file (all optional)."""

    model_config = ConfigDict(extra="forbid")
    sheet: str | int | None = None            #: XLSX sheet name or 0-based number (default: the first)
    columns: dict[str, str] = Field(default_factory=dict)  #: header in the file → column name in the survey
    format: Literal["auto", "csv", "qualtrics", "wenjuanxing", "xlsx", "spss"] = "auto"
    header_row: int = Field(1, ge=1)          #: spreadsheet row / line of the header (banner rows above it skipped)
    missing_codes: dict[str, list[float]] = Field(default_factory=dict)  #: column → codes meaning "no answer"
    labels: dict[str, dict[str, float]] = Field(default_factory=dict)    #: column → {text label: number}


class InputParams(BaseModel):
    """The optional ``input`` section: per-file reading options and the Likert label codebook."""

    model_config = ConfigDict(extra="forbid")
    responses: FileOptions = Field(default_factory=FileOptions)
    complaints: FileOptions = Field(default_factory=FileOptions)
    previous_responses: FileOptions = Field(default_factory=FileOptions)
    retest_responses: FileOptions = Field(default_factory=FileOptions)
    labels: dict[str, float] = Field(default_factory=dict)  #: extra text label → number (over LIKERT_5)
    builtin_labels: bool = True               #: also use :data:`LIKERT_5` on 1–5 scales


def file_options(params: dict[str, Any], key: str) -> dict[str, Any]:
    """The reading options of data file ``key`` (``responses``, ``complaints``...), defaults filled."""
    from pydantic import ValidationError

    from .errors import ConfigError, Problem

    raw = (params.get("input") or {}).get(key) or {}
    try:
        return FileOptions.model_validate(raw).model_dump()
    except ValidationError as exc:
        raise ConfigError([Problem("engagement.yaml", ".".join(["input", key, *map(str, e["loc"])]), e["msg"])
                           for e in exc.errors()]) from None


# --------------------------------------------------------------------------- tables
@dataclass
class TableInfo:
    path: str
    format: str
    encoding: str | None = None
    rows: int = 0
    columns: int = 0
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None
    first_data_row: int = 2             #: spreadsheet row number of the first data row
    delimiter: str | None = None
    truncated_last_line: bool = False   #: the file ends in the middle of its last record
    question_text: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)

    def sheet_rows(self, positions) -> list[int]:
        """Spreadsheet row numbers of 0-based data positions."""
        return [int(i) + self.first_data_row for i in positions]


def detect_encoding(path: str | Path, sample: int = 1 << 20) -> str:
    """Return the encoding of a text file: 'utf-8-sig' (BOM), 'utf-16', 'utf-8', 'gbk', 'gb18030' or another
    legacy encoding (Korean 'cp949', Windows 'cp1252', 'big5', 'shift_jis' ...).

    Strict decoding of the whole file: a file that is valid UTF-8 is UTF-8 (GBK text is practically
    never valid UTF-8); else the legacy encoding charset-normalizer finds most coherent when it is not
    GBK's family (a CP949 file also decodes as GBK, into nonsense hanzi); else GBK; else GB18030 (its
    superset, which also holds the characters GBK lacks). Raises :class:`DataError` when none fits.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(p, "wb").write("满意度\\n5\\n".encode("gbk"))
    >>> detect_encoding(p)
    'gbk'
    """
    return _decode(Path(path).read_bytes(), str(path))[1]


def _decode(raw: bytes, file: str) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DataError(f"the file starts with a UTF-8 BOM but byte {exc.start + 3} is not UTF-8",
                            file=file, hint="export the file again as CSV UTF-8") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8. GBK decodes almost any byte soup (a Korean CP949 or a Windows-1252 file becomes
    # plausible-looking hanzi), so ask charset-normalizer, which scores the text's coherence per language,
    # before trusting GBK: another legacy encoding that decodes the whole file and reads better wins.
    other = _legacy_guess(raw)
    if other:
        try:
            return raw.decode(other), other
        except (UnicodeDecodeError, LookupError):
            pass
    for enc in ("gbk", "gb18030"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise DataError("cannot decode the file as UTF-8, UTF-16, GBK/GB18030 or another legacy encoding", file=file,
                    hint="export the file again as CSV UTF-8")


_GB_FAMILY = ("gb2312", "gbk", "gb18030", "hz", "ascii", "utf_8")


def _legacy_guess(raw: bytes, sample: int = 1 << 18) -> str | None:
    r"""The legacy encoding charset-normalizer finds most coherent in a non-UTF-8 file, when GBK reads the
    file clearly worse (charset-normalizer's "chaos", the share of implausible character sequences, higher by
    0.05: CP949 Korean as GBK scores 0.149 against 0.0) or cannot read it and the guess reads as clean text;
    else None, and GBK/GB18030 are tried as before. A cut multi-byte character at the end of the
    sample does not matter: the winner must still decode the whole file strictly.

    >>> _legacy_guess("귀하의 성별을 선택해주세요. 만족하십니까?\n".encode("cp949") * 20)
    'cp949'
    >>> _legacy_guess("总体满意度,回复速度\n满意,非常满意\n".encode("gbk") * 20) is None
    True
    """
    try:
        from charset_normalizer import from_bytes
    except ModuleNotFoundError:  # pragma: no cover
        return None
    found = from_bytes(raw[:sample])
    best = found.best()
    if best is None or best.encoding in _GB_FAMILY:
        return None
    gb = next((r for r in found if r.encoding in _GB_FAMILY), None)
    if gb is not None:        # both read: GBK keeps the file unless it reads clearly worse ("mess" ratio)
        return best.encoding if gb.chaos > best.chaos + 0.05 else None
    return best.encoding if best.chaos < 0.05 else None     # GBK cannot read it: only clean text, not bytes


def _sniff_delimiter(header: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    counts = {d: header.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_records(text: str, sep: str, n: int = 3) -> list[list[str]]:
    out = []
    for rec in csv.reader(_io.StringIO(text[: 1 << 18]), delimiter=sep):
        out.append(rec)
        if len(out) >= n:
            break
    return out


def _is_qualtrics(records: list[list[str]]) -> bool:
    return len(records) >= 3 and any(c.strip().startswith('{"ImportId"') for c in records[2])


def _is_wenjuanxing(columns) -> bool:
    cols = {str(c).strip() for c in columns}
    return "序号" in cols and ("提交答卷时间" in cols or "所用时间" in cols)


def _last_record_truncated(text: str, sep: str, n_header: int) -> bool:
    """True when the text does not end with a line break and its last record has too few fields."""
    if not text or text.endswith(("\n", "\r")):
        return False
    last = text.rsplit("\n", 1)[-1]
    try:
        fields = next(csv.reader([last], delimiter=sep))
    except (csv.Error, StopIteration):
        return True
    return len(fields) < n_header


def read_table(path: str | Path, *, sheet: str | int | None = None, format: str = "auto",
               keep_codes: set[str] | frozenset[str] = frozenset(), columns: dict[str, str] | None = None,
               header_row: int = 1):
    """Read a CSV, XLSX or SPSS file into a DataFrame; return ``(df, TableInfo)``.

    Parameters
    ----------
    path : file to read; the type comes from the suffix (.csv .tsv .txt .xlsx .xlsm .xls .sav).
    sheet : XLSX sheet name or 0-based number (default: the first sheet).
    format : ``auto`` (recognise Qualtrics and 问卷星 exports), or force one.
    keep_codes : SPSS columns that keep numeric codes instead of their value labels.
    columns : rename map, header in the file → column name (applied after reading).
    header_row : spreadsheet row (line) of the header, 1-based: rows above it (a title or banner
        rows of an Excel export) are skipped, and row numbers in messages still count from the top.

    Raises
    ------
    DataError
        naming the file (and sheet) when it cannot be read.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "r.csv")
    >>> _ = open(p, "w", encoding="utf-8-sig").write("id,q1\\n1,4\\n")
    >>> df, info = read_table(p)
    >>> (info.encoding, info.rows, list(df.columns))
    ('utf-8-sig', 1, ['id', 'q1'])
    """
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    file = path.name
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    info: TableInfo
    try:
        if suffix in TEXT_SUFFIXES:
            raw = path.read_bytes()
            if not raw.strip():
                raise DataError("the file is empty", file=file, hint="export the data again")
            text, enc = _decode(raw, file)
            if header_row > 1:   # banner/title lines above the header
                lines = text.splitlines(keepends=True)
                if len(lines) < header_row:
                    raise DataError(f"input.<file>.header_row is {header_row} but the file has {len(lines)} line(s)",
                                    file=file, hint="set header_row to the line that holds the column names")
                text = "".join(lines[header_row - 1:])
            first_line = text.split("\n", 1)[0]
            sep = _sniff_delimiter(first_line, suffix)
            recs = _first_records(text, sep)
            info = TableInfo(str(path), "csv", enc, delimiter=sep, first_data_row=header_row + 1)
            if recs:
                heads = [h.strip() for h in recs[0]]
                dups = sorted({h for h in heads if heads.count(h) > 1})
                wider = len(recs) > 1 and len(recs[1]) > 2 * max(1, sum(1 for h in heads if h))
                if "" in dups or (wider and "" in heads):
                    raise DataError(f"line {header_row} has {sum(1 for h in heads if not h)} empty column name(s)"
                                    + (" and the next line is much wider: it looks like a title or banner" if wider else ""),
                                    file=file, rows=[header_row],
                                    hint="if the column names are on a later line, set input.<file>.header_row to it "
                                         "(e.g. header_row: 3); otherwise name every column")
                if dups:
                    raise DataError(f"duplicate column name(s) in the header: {', '.join(map(repr, dups))}", file=file,
                                    rows=[1], hint="each column header must be unique; rename the copies")
            skip = None
            if format == "qualtrics" or (format == "auto" and _is_qualtrics(recs)):
                info.format, info.first_data_row, skip = "qualtrics", header_row + 3, [1, 2]
                if len(recs) >= 2:
                    info.question_text = {h.strip(): q for h, q in zip(recs[0], recs[1])}
            info.truncated_last_line = _last_record_truncated(text, sep, len(recs[0]) if recs else 0)
            try:
                # the C parser reads UTF-8 bytes natively: faster than feeding it str (or letting it decode GBK)
                df = pd.read_csv(_io.BytesIO(text.encode("utf-8")), encoding="utf-8", sep=sep, skiprows=skip, keep_default_na=True,
                                 na_values=[""], low_memory=False, skipinitialspace=False)
            except pd.errors.ParserError as exc:
                m = re.search(r"line (\d+)", str(exc))
                if "EOF inside string" in str(exc):
                    r = re.search(r"at row (\d+)", str(exc))  # 0-based, header = row 0
                    line = int(r.group(1)) + 1 if r else None
                    raise DataError(f"the file ends inside a quoted field (starting on line {line or '?'}): "
                                    "it was probably cut off", file=file, rows=[line] if line else None,
                                    hint="export the file again; check that the upload or copy finished") from None
                if m and "Expected" in str(exc):
                    exp = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
                    if exp:
                        raise DataError(f"line {exp.group(2)} has {exp.group(3)} fields but the header has {exp.group(1)}",
                                        file=file, rows=[int(exp.group(2))],
                                        hint="a comma or quote inside an answer is probably not quoted; "
                                             "export again with quoting, or fix that line") from None
                raise
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            # .xls: legacy BIFF workbooks (问卷星's download, code page 936) through calamine
            engine = "calamine" if suffix == ".xls" else "openpyxl"
            try:
                if engine == "openpyxl":
                    import openpyxl
                    wb = openpyxl.load_workbook(path, read_only=True)
                    names = wb.sheetnames
                    wb.close()
                else:
                    from python_calamine import CalamineWorkbook
                    names = list(CalamineWorkbook.from_path(str(path)).sheet_names)
            except Exception as exc:  # zip/xml/BIFF errors of a corrupt or mis-named file
                raise DataError(f"not a readable Excel workbook ({type(exc).__name__})", file=file,
                                hint="open it in Excel and save it again as .xlsx") from None
            if sheet is None:
                chosen = names[0]
            elif isinstance(sheet, int):
                if not 0 <= sheet < len(names):
                    raise DataError(f"no sheet number {sheet} (the workbook has {len(names)}: {', '.join(names)})",
                                    file=file, hint="set input.<file>.sheet to a sheet name or a number from 0")
                chosen = names[sheet]
            else:
                if sheet not in names:
                    raise DataError(f"no sheet named '{sheet}'; the workbook has: {', '.join(names)}", file=file,
                                    hint="set input.<file>.sheet to one of these names")
                chosen = sheet
            df = pd.read_excel(path, sheet_name=chosen, engine=engine, header=header_row - 1)
            info = TableInfo(str(path), "xlsx" if engine == "openpyxl" else "xls", sheet=chosen,
                             first_data_row=header_row + 1)
            if format == "qualtrics" or (format == "auto" and len(df) >= 2 and any(
                    str(v).strip().startswith('{"ImportId"') for v in df.iloc[1].tolist())):
                info.format, info.first_data_row = "qualtrics", header_row + 3
                info.question_text = {str(c).strip(): str(q) for c, q in zip(df.columns, df.iloc[0].tolist())}
                df = pd.read_excel(path, sheet_name=chosen, engine=engine, header=header_row - 1,
                                   skiprows=[header_row, header_row + 1])
        elif suffix == ".sav":
            import pyreadstat
            try:
                df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
            except Exception as exc:
                raise DataError(f"not a readable SPSS .sav file ({type(exc).__name__}: {exc})", file=file,
                                hint="save it again from SPSS as .sav") from None
            info = TableInfo(str(path), "spss", getattr(meta, "file_encoding", None))
            info.question_text = {k: v for k, v in (meta.column_names_to_labels or {}).items() if v}
            info.value_labels = {k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
            for col, labels in info.value_labels.items():
                if col in keep_codes or col not in df.columns:
                    continue
                df[col] = df[col].map(lambda v, lab=labels: lab.get(v, v) if v == v else v)
            if info.value_labels:
                info.notes.append(f"SPSS value labels applied to {sum(c not in keep_codes for c in info.value_labels)} "
                                  f"column(s); numeric codes kept for {sum(c in keep_codes for c in info.value_labels)}")
        else:
            raise DataError(f"unsupported file type '{suffix}'", file=file,
                            hint="use .csv, .tsv, .xlsx, .xls or .sav")
    except DataError:
        raise
    except Exception as exc:  # parser errors from pandas/openpyxl/pyreadstat
        raise DataError(f"cannot read the file: {type(exc).__name__}: {str(exc).strip()[:200]}", file=file) from None
    df.columns = [str(c).strip() for c in df.columns]
    if format == "wenjuanxing" or (format == "auto" and _is_wenjuanxing(df.columns)):
        df = _tidy_wenjuanxing(df, info)
    if columns:
        present = {k: v for k, v in columns.items() if k in df.columns}
        df = df.rename(columns=present)
        info.renamed.update(present)
    if df.columns.duplicated().any():
        dups = sorted(set(df.columns[df.columns.duplicated()]))
        raise DataError(f"duplicate column name(s): {', '.join(dups)}", file=file,
                        hint="each column header must be unique; rename or map them with input.<file>.columns")
    info.rows, info.columns = df.shape
    return df, info


def _tidy_wenjuanxing(df, info: TableInfo):
    """问卷星 export: strip question numbers from headers, seconds from 所用时间, skip markers → missing."""
    import pandas as pd

    info.format = "wenjuanxing"
    new = []
    for c in df.columns:
        stripped = _QNUM.sub("", c).strip() or c
        new.append(stripped)
        if stripped != c:
            info.renamed[c] = stripped
    if len(set(new)) == len(new):
        df.columns = new
    if "所用时间" in df.columns:
        secs = df["所用时间"].astype(str).str.extract(r"(\d+(?:\.\d+)?)")[0]
        df["所用时间"] = pd.to_numeric(secs, errors="coerce")
        info.notes.append("问卷星 export: '所用时间' read as seconds")
    obj = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c].dtype)]
    if obj:
        df[obj] = df[obj].replace(list(MISSING_MARKERS), float("nan"))
    return df


def sheet_rows(index, first: int = 2) -> list[int]:
    """Spreadsheet row numbers (header = row 1) of 0-based positional rows."""
    return [int(i) + first for i in index]


# --------------------------------------------------------------------------- labels
def normalize_label(value: Any) -> str:
    """Case-folded, trimmed label with inner whitespace collapsed (full-width spaces too).

    >>> normalize_label("  Very   Satisfied ")
    'very satisfied'
    """
    return _WS.sub(" ", str(value).replace("\u3000", " ")).strip().casefold()


def likert_codebook(scale: tuple[float, float], extra: dict[str, float] | None = None,
                    builtin: bool = True) -> dict[str, float]:
    """The label → number codebook for a column whose range is ``scale``.

    The built-in 5-point labels (:data:`LIKERT_5`) apply only to a 1–5 range;
    ``extra`` (``input.labels``) entries are added for every range and win.
    """
    book: dict[str, float] = {}
    if builtin and tuple(scale) == (1, 5):
        book.update({normalize_label(k): float(v) for k, v in LIKERT_5.items()})
    book.update({normalize_label(k): float(v) for k, v in (extra or {}).items()})
    return book


def map_labels(series, codebook: dict[str, float], *, labels_win: bool = False):
    """Map a column of answers to numbers.

    Numbers (and numeric strings, and ``"4分"``) pass through. When *no* cell
    of the column is a plain number, the column is read as text labels and each
    label is looked up (normalised) in ``codebook``. A column that mixes
    numbers and words is a numeric column with bad cells: labels are then
    not mapped, unless ``labels_win`` (a codebook given for this very column,
    ``input.<file>.labels``): then its words are looked up too, so
    ``"0 - not at all likely"``, 1 … 9, ``"10 - extremely likely"`` reads as 0–10.

    Returns
    -------
    (numbers, bad, kind) : a float Series; a boolean mask of cells that could not
    be converted; ``"labels"`` when the column was read as labels, else ``"numeric"``.

    >>> import pandas as pd
    >>> num, bad, kind = map_labels(pd.Series(["满意", "非常满意", None]), likert_codebook((1, 5)))
    >>> num.tolist()[:2], kind
    ([4.0, 5.0], 'labels')
    """
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(float), pd.Series(False, index=series.index), "numeric"
    notna = series.notna()
    uniq = pd.unique(series[notna])
    numeric: dict[Any, float] = {}
    words: list[Any] = []
    for u in uniq:
        s = str(u).strip()
        if s == "":
            numeric[u] = np.nan
            continue
        try:
            numeric[u] = float(s)
            continue
        except ValueError:
            pass
        m = _SCORE.match(s)
        if m:
            numeric[u] = float(m.group(1))
            continue
        words.append(u)
    has_numbers = any(v == v for v in numeric.values())
    kind = "numeric"
    mapping = dict(numeric)
    bad_values = set(words)
    if words and (not has_numbers or labels_win):
        kind = "labels"
        bad_values = set()
        for w in words:
            v = codebook.get(normalize_label(w))
            if v is None:
                bad_values.add(w)
            else:
                mapping[w] = v
    num = series.map(mapping).astype(float)
    bad = notna & series.isin(list(bad_values)) if bad_values else pd.Series(False, index=series.index)
    return num, bad, kind
