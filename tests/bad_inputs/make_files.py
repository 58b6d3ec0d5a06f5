"""Regenerate the bad data files of the corpus from base/data (deterministic; the files are committed).

    .venv/bin/python tests/bad_inputs/make_files.py

Each function returns the bytes of one file ``files/<name>``; cases.yaml says which case uses it
and what message and exit status it must produce.
"""
from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = (HERE / "base" / "data" / "good_responses.csv").read_text(encoding="utf-8")
COMPLAINTS = (HERE / "base" / "data" / "good_complaints.csv").read_text(encoding="utf-8")
LINES = BASE.splitlines()
HEAD = LINES[0].split(",")


def _rows() -> list[list[str]]:
    return [ln.split(",") for ln in LINES[1:]]


def _csv(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [head, *rows]) + "\n"


def _set(rows, row_no: int, col: str, value: str):
    """Set a cell by spreadsheet row number (header = 1)."""
    rows[row_no - 2][HEAD.index(col)] = value
    return rows


def _drop_col(col: str) -> str:
    i = HEAD.index(col)
    return _csv([h for j, h in enumerate(HEAD) if j != i], [[v for j, v in enumerate(r) if j != i] for r in _rows()])


def _labels() -> list[list[str]]:
    """csat as 问卷星-style option text (非常不满意 … 非常满意)."""
    names = {"1.0": "非常不满意", "2.0": "不满意", "3.0": "一般", "4.0": "满意", "5.0": "非常满意"}
    rows = _rows()
    for r in rows:
        r[HEAD.index("csat")] = names[r[HEAD.index("csat")]]
    return rows


FILES = {
    "missing_column.csv": lambda: _drop_col("nps"),
    "missing_id_column.csv": lambda: _drop_col("respondent_id"),
    "duplicate_ids.csv": lambda: _csv(HEAD, _set(_set(_rows(), 4, "respondent_id", "E00002"), 9, "respondent_id", "E00002")),
    "blank_ids.csv": lambda: _csv(HEAD, _set(_rows(), 7, "respondent_id", "")),
    "csat_out_of_range.csv": lambda: _csv(HEAD, _set(_set(_rows(), 3, "csat", "9"), 10, "csat", "0")),
    "nps_out_of_range.csv": lambda: _csv(HEAD, _set(_rows(), 12, "nps", "11")),
    "ces_out_of_range.csv": lambda: _csv(HEAD, _set(_rows(), 5, "ces", "8")),
    "item_out_of_range.csv": lambda: _csv(HEAD, _set(_rows(), 20, "rel2", "55")),
    "non_numeric.csv": lambda: _csv(HEAD, _set(_rows(), 6, "resp1", "N/A?")),
    "decimal_comma.csv": lambda: _csv(HEAD, _set(_rows(), 8, "overall", '"78,5"')),
    "unknown_label.csv": lambda: _csv(HEAD, _set(_labels(), 11, "csat", "满意极了")),
    "labels_ok.csv": lambda: _csv(HEAD, _labels()),
    "constant_column.csv": lambda: _csv(HEAD, [_set([r], 2, "tan3", "3.0")[0] for r in _rows()]),
    "truncated_last_line.csv": lambda: BASE.rstrip("\n")[: BASE.rstrip("\n").rfind(",", 0, len(BASE) - 40)],
    "eof_in_quote.csv": lambda: BASE + 'E09999,east,gold,"unterminated',
    "ragged_row.csv": lambda: _csv(HEAD, _set(_rows(), 15, "overall", "78.0,extra,fields")),
    "duplicate_header.csv": lambda: _csv(HEAD[:-1] + ["csat"], _rows()),
    "header_only.csv": lambda: LINES[0] + "\n",
    "empty.csv": lambda: "",
    "gbk_out_of_range.csv": lambda: _csv(HEAD, _set(_set(_rows(), 4, "tier", "金卡"), 4, "csat", "6")).encode("gbk"),
    "latin1_binary.csv": lambda: BASE.encode("utf-8")[:300] + b"\xff\xfe\x00\x81\x30\xc3\x28" + BASE.encode("utf-8")[300:],
    "csv_named_xlsx.xlsx": lambda: BASE,
    "unsupported.json": lambda: '{"respondent_id": "E1"}\n',
    "corrupt.sav": lambda: b"$FL2@(#) not really SPSS" + bytes(range(256)),
    "wenjuanxing_unmapped.csv": lambda: ("序号,提交答卷时间,所用时间,来源,1、您的会员等级,2、总体满意度\n"
                                         "1,2026/7/1 10:02:11,125秒,手机提交,金卡,非常满意\n").encode("gbk"),
    "complaints_no_text.csv": lambda: COMPLAINTS.replace("comment", "verbatim", 1),
    "complaints_empty.csv": lambda: "",
    "warn_duplicates.csv": lambda: _csv(HEAD, _set(_rows(), 4, "respondent_id", "E00002")),
    "warn_out_of_range.csv": lambda: _csv(HEAD, _set(_rows(), 3, "csat", "9")),
    "pii_in_cell.csv": lambda: _csv(HEAD, _set(_rows(), 13, "ces", "call me 13812345678 / li.na@example.cn")),
    "xss_label.csv": lambda: _csv(HEAD, _set(_labels(), 5, "csat", "<script>alert(1)</script>")),
    # issue 15: client-export shapes
    "clean.csv": lambda: BASE,
    "banner_rows.csv": lambda: "Customer survey export,,\nexported 2026-11-01 by the survey platform,,\n" + BASE,
    "zero_na.csv": lambda: _csv(HEAD, _set(_set(_set(_rows(), 3, "rel1", "0"), 7, "rel1", "0"), 9, "val2", "0")),
    "no_id.csv": lambda: _drop_col("respondent_id"),
    "csat_unmapped_text.csv": lambda: _csv(HEAD, [_set([r], 2, "csat", "Very happy")[0] for r in _rows()]),
    "overall_decimal_commas.csv": lambda: _csv(HEAD, [_set([r], 2, "overall", '"' + r[HEAD.index("overall")].replace(".", ",") + '"')[0]
                                                      for r in _rows()]),
    "nps_text_endpoints.csv": lambda: _csv(HEAD, _set(_set(_rows(), 2, "nps", "10 - extremely likely"), 5, "nps",
                                                      "0 - not at all likely")),
    "korean_cp949_header.csv": lambda: ("귀하의 성별,만족도\n여,5\n남,4\n" * 1).encode("cp949"),
}


def build_xlsx_missing_column(path: Path) -> None:
    import pandas as pd
    df = pd.read_csv(io.StringIO(_drop_col("ces")))
    with pd.ExcelWriter(path) as w:
        df.to_excel(w, sheet_name="答卷数据", index=False)


def main() -> None:
    out = HERE / "files"
    out.mkdir(exist_ok=True)
    for name, make in FILES.items():
        data = make()
        (out / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    build_xlsx_missing_column(out / "xlsx_missing_column.xlsx")
    print(f"{len(FILES) + 1} files written to {out}")


if __name__ == "__main__":
    main()
