"""Reading client exports and checking them against the engagement's survey definition.

Row numbers in messages are spreadsheet row numbers: the header is row 1, the
first respondent row 2, so a consultant can jump to them in Excel.

Readers: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 detected), XLSX, SPSS ``.sav``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError

CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")


@dataclass
class TableInfo:
    path: str
    format: str
    encoding: str | None = None
    rows: int = 0
    columns: int = 0
    notes: list[str] = field(default_factory=list)


def detect_encoding(path: str | Path, sample: int = 1 << 20) -> str:
    """Return the encoding of a CSV file: 'utf-8-sig' (BOM), 'utf-8', or 'gb18030' (GBK superset).

    Tries strict decoding of the whole file in order; GB18030 decodes any GBK file.
    Raises DataError when none fits.
    """
    raw = Path(path).read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for enc in ("utf-8", "gb18030"):
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    raise DataError("cannot decode the file as UTF-8 or GBK/GB18030", file=str(path),
                    hint="export the file again as CSV UTF-8")


def read_table(path: str | Path, *, sheet: str | int | None = None):
    """Read a CSV, XLSX or SPSS file into a DataFrame; return ``(df, TableInfo)``."""
    import pandas as pd

    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            enc = detect_encoding(path)
            sep = "\t" if suffix == ".tsv" else ","
            df = pd.read_csv(path, encoding=enc, sep=sep,
                             keep_default_na=True, na_values=[""], low_memory=False)
            info = TableInfo(str(path), "csv", enc)
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine="openpyxl")
            info = TableInfo(str(path), "xlsx")
        elif suffix == ".sav":
            import pyreadstat
            df, _meta = pyreadstat.read_sav(str(path))
            info = TableInfo(str(path), "spss")
        else:
            raise DataError(f"unsupported file type '{suffix}'", file=str(path),
                            hint="use .csv, .xlsx or .sav")
    except DataError:
        raise
    except Exception as exc:  # parser errors from pandas/openpyxl/pyreadstat
        raise DataError(f"cannot read the file: {type(exc).__name__}: {exc}", file=str(path)) from None
    df.columns = [str(c).strip() for c in df.columns]
    info.rows, info.columns = df.shape
    return df, info


def sheet_rows(index) -> list[int]:
    """Spreadsheet row numbers (header = row 1) of 0-based positional rows."""
    return [int(i) + 2 for i in index]


def coerce_numeric(df, column: str, file: str):
    """Convert a column to numbers; raise DataError naming the rows of non-numeric cells."""
    import pandas as pd

    s = df[column]
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
    if bad.any():
        pos = [i for i, b in enumerate(bad.to_numpy()) if b]
        examples = ", ".join(repr(v) for v in s[bad].astype(str).unique()[:3])
        raise DataError(f"non-numeric values ({examples}) in a numeric column", file=file, column=column,
                        rows=sheet_rows(pos), hint="fix or blank these cells, or map text labels through the codebook")
    return num


def read_responses(params: dict[str, Any]):
    """Read a region's response file and check it against ``params['survey']``.

    Checks: id column present and unique; every scale item, driver and outcome
    column present; numeric cells; values inside their range. Under
    ``validation.policy: error`` a problem raises :class:`DataError`; under
    ``warn`` out-of-range values are set missing and reported.

    Returns ``(df, problems)`` where problems are messages for the playbook.
    """
    path = params.get("responses")
    if not path:
        raise DataError("no response file is set for this region", hint="set 'responses:' for the region in engagement.yaml")
    df, info = read_table(path)
    survey = params.get("survey", {})
    policy = params.get("validation", {}).get("policy", "error")
    problems: list[str] = []
    file = Path(path).name
    idc = survey.get("id_column", "respondent_id")
    required = [idc]
    for sc in survey.get("scales", {}).values():
        required += sc["items"]
    outcomes = {k: v for k, v in (survey.get("outcomes") or {}).items() if v}
    required += list(outcomes.values()) + list(survey.get("drivers", []))
    seg = survey.get("segment_column")
    if seg:
        required.append(seg)
    missing = [c for c in dict.fromkeys(required) if c not in df.columns]
    if missing:
        raise DataError(f"missing required column(s): {', '.join(missing)}", file=file,
                        hint=f"the file has: {', '.join(map(str, df.columns[:30]))}")
    dup = df[idc].duplicated(keep=False) & df[idc].notna()
    if dup.any():
        pos = [i for i, b in enumerate(dup.to_numpy()) if b]
        msg = f"duplicate respondent ids ({', '.join(map(str, df[idc][dup].unique()[:3]))})"
        if policy == "error":
            raise DataError(msg, file=file, column=idc, rows=sheet_rows(pos))
        problems.append(f"{file}, column '{idc}': {msg}; later duplicates were dropped")
        df = df[~df[idc].duplicated(keep="first")]
    lo, hi = survey.get("scale_range", (1, 5))
    ranges: dict[str, tuple[float, float]] = {}
    for sc in survey.get("scales", {}).values():
        for it in sc["items"]:
            ranges[it] = (lo, hi)
    for d in survey.get("drivers", []):
        ranges.setdefault(d, (lo, hi))
    out_ranges = survey.get("outcome_ranges", {})
    for k, col in outcomes.items():
        if k in out_ranges:
            ranges[col] = tuple(out_ranges[k])
    df = df.reset_index(drop=True)
    for col, (a, b) in ranges.items():
        num = coerce_numeric(df, col, file)
        bad = num.notna() & ((num < a) | (num > b))
        if bad.any():
            pos = [i for i, x in enumerate(bad.to_numpy()) if x]
            msg = f"values outside {a:g}–{b:g} (e.g. {', '.join(f'{v:g}' for v in num[bad].unique()[:3])})"
            if policy == "error":
                raise DataError(msg, file=file, column=col, rows=sheet_rows(pos),
                                hint="correct the values, or set validation.policy: warn to exclude them")
            problems.append(f"{file}, column '{col}', rows {', '.join(map(str, sheet_rows(pos)[:5]))}: {msg}; set to missing")
            num = num.mask(bad)
        df[col] = num
    return df, problems


def read_complaints(params: dict[str, Any]):
    """Read a region's complaint verbatims; check that the text column exists."""
    path = params.get("complaints")
    if not path:
        raise DataError("no complaints file is set for this region",
                        hint="set 'complaints:' for the region in engagement.yaml")
    df, _ = read_table(path)
    col = params.get("root_cause", {}).get("text_column", "comment")
    if col not in df.columns:
        raise DataError(f"missing the text column '{col}'", file=Path(path).name,
                        hint=f"set root_cause.text_column to one of: {', '.join(map(str, df.columns[:20]))}")
    return df
