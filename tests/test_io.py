"""Readers for what clients send: encodings, XLSX sheets, SPSS labels, Qualtrics, 问卷星, text Likert labels.

Reference for every reader: the same content read by pandas (``pandas.read_csv`` with the
encoding given explicitly, ``pandas.read_excel``) or by pyreadstat itself
(``apply_value_formats=True``); our reader must give the same frame.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxkit.errors import DataError
from cxkit.io import detect_encoding, likert_codebook, map_labels, read_table
from cxkit.validation import read_complaints, read_responses
from cxkit.validation import validate_responses

SURVEY = {"id_column": "respondent_id", "segment_column": "tier", "scale_range": [1, 5],
          "scales": {"s": {"items": ["q1", "q2"]}}, "outcomes": {"csat": "csat"}, "drivers": [],
          "outcome_ranges": {"csat": [1, 5], "nps": [0, 10], "ces": [1, 7]}}
CSV = "respondent_id,tier,csat,q1,q2,备注\nR1,gold,4,3,4,很好\nR2,platinum,5,5,4,服务态度一般\nR3,gold,3,2,3,\n"


def params(path, policy="error", **kw):
    return {"responses": str(path), "survey": SURVEY, "validation": {"policy": policy}, **kw}


@pytest.mark.parametrize("enc, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gbk"),
                                           ("gb18030", "gb18030"), ("utf-16", "utf-16")])
def test_encodings_detected_and_read_like_pandas(tmp_path, enc, expected):
    text = CSV
    if enc == "gb18030":  # a character GBK lacks (CJK Ext. B), so only GB18030 decodes it
        text = CSV.replace("很好", "很好𠀀")
    p = tmp_path / f"r_{enc}.csv"
    p.write_bytes(text.encode(enc))
    df, info = read_table(p)
    assert info.encoding == expected == detect_encoding(p)
    ref = pd.read_csv(p, encoding=enc)
    pd.testing.assert_frame_equal(df, ref)


def test_undecodable_file_is_a_data_error(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(b"a,b\n\x81\x20\xff\xfe\x00,1\n")
    with pytest.raises(DataError, match="bin.csv.*cannot decode"):
        read_table(p)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_delimiter_from_header(tmp_path, sep):
    p = tmp_path / "r.csv"
    p.write_text(CSV.replace(",", sep), encoding="utf-8")
    df, info = read_table(p)
    assert info.delimiter == sep and list(df.columns)[:3] == ["respondent_id", "tier", "csat"]


def test_xlsx_first_named_and_numbered_sheet(tmp_path):
    p = tmp_path / "book.xlsx"
    a = pd.DataFrame({"respondent_id": ["R1", "R2"], "q1": [1, 2]})
    b = pd.DataFrame({"respondent_id": ["S1"], "q1": [5]})
    with pd.ExcelWriter(p) as w:
        a.to_excel(w, sheet_name="说明", index=False)
        b.to_excel(w, sheet_name="数据", index=False)
    df0, i0 = read_table(p)
    pd.testing.assert_frame_equal(df0, pd.read_excel(p, sheet_name=0))
    assert i0.sheet == "说明"
    df1, i1 = read_table(p, sheet="数据")
    pd.testing.assert_frame_equal(df1, pd.read_excel(p, sheet_name="数据"))
    assert read_table(p, sheet=1)[1].sheet == "数据"
    with pytest.raises(DataError, match="no sheet named 'Data'; the workbook has: 说明, 数据"):
        read_table(p, sheet="Data")
    with pytest.raises(DataError, match="no sheet number 5"):
        read_table(p, sheet=5)


def test_xlsx_sheet_from_params(tmp_path):
    p = tmp_path / "book.xlsx"
    with pd.ExcelWriter(p) as w:
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="cover", index=False)
        pd.DataFrame({"respondent_id": ["a", "b"], "tier": ["gold", "gold"], "csat": [4, 5],
                      "q1": [3, 4], "q2": [4, 5]}).to_excel(w, sheet_name="data", index=False)
    df, problems = read_responses(params(p, input={"responses": {"sheet": "data"}}))
    assert df["csat"].tolist() == [4.0, 5.0] and problems == []


def test_not_an_xlsx(tmp_path):
    p = tmp_path / "fake.xlsx"
    p.write_text("respondent_id,q1\n", encoding="utf-8")
    with pytest.raises(DataError, match="fake.xlsx: not a readable Excel workbook"):
        read_table(p)


def test_spss_value_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    p = tmp_path / "s.sav"
    df = pd.DataFrame({"respondent_id": ["a", "b", "c"], "tier": [1.0, 2.0, 1.0], "csat": [5.0, 1.0, 4.0],
                       "q1": [3.0, 4.0, 5.0], "q2": [1.0, 2.0, 3.0]})
    labels = {"tier": {1.0: "platinum", 2.0: "gold"},
              "csat": {1.0: "非常不满意", 2.0: "不满意", 3.0: "一般", 4.0: "满意", 5.0: "非常满意"}}
    pyreadstat.write_sav(df, str(p), variable_value_labels=labels,
                         column_labels=["id", "会员等级", "总体满意度", "Q1", "Q2"])
    ref, _ = pyreadstat.read_sav(str(p), apply_value_formats=True)
    out, info = read_table(p, keep_codes={"csat", "q1", "q2"})
    assert info.format == "spss"
    assert out["tier"].tolist() == ref["tier"].tolist() == ["platinum", "gold", "platinum"]
    assert out["csat"].tolist() == [5.0, 1.0, 4.0]          # codes kept for the scale
    assert info.value_labels["csat"][5.0] == "非常满意"
    assert info.question_text["tier"] == "会员等级"
    got, problems = read_responses(params(p))
    assert got["tier"].tolist() == ["platinum", "gold", "platinum"] and got["csat"].tolist() == [5, 1, 4]


QUALTRICS = (
    'StartDate,ResponseId,tier,csat,q1,q2\n'
    '"Start Date","Response ID","Your tier","How satisfied are you overall?","Q1 text, with comma","Q2"\n'
    '"{""ImportId"":""startDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""QID1""}",'
    '"{""ImportId"":""QID2""}","{""ImportId"":""QID3""}","{""ImportId"":""QID4""}"\n'
    '2026-07-01,R_1,gold,Very satisfied,Agree,Strongly agree\n'
    '2026-07-01,R_2,gold,Satisfied,Very good,Neutral\n'
    '2026-07-02,R_3,platinum,Dissatisfied,Disagree,Agree\n')


def test_qualtrics_three_header_rows(tmp_path):
    p = tmp_path / "qualtrics.csv"
    p.write_text(QUALTRICS, encoding="utf-8-sig")
    df, info = read_table(p)
    assert info.format == "qualtrics" and info.first_data_row == 4 and len(df) == 3
    assert info.question_text["csat"] == "How satisfied are you overall?"
    prm = params(p, survey={**SURVEY, "id_column": "ResponseId"})
    got, rep = validate_responses(prm)
    assert got["csat"].tolist() == [5.0, 4.0, 2.0] and got["q2"].tolist() == [5.0, 3.0, 4.0]
    # 'Very good' is a quality label mixed with agreement labels: mapped (it is in the codebook)
    assert got["q1"].tolist() == [4.0, 4.0, 2.0]
    # row numbers count the two extra header rows: the third respondent is spreadsheet row 6
    p.write_text(QUALTRICS.replace("Dissatisfied,Disagree", "Dissatisfied,Disagreee"), encoding="utf-8")
    with pytest.raises(DataError, match=r"qualtrics.csv, column 'q1', rows 6: labels not in the codebook \('Disagreee'\)"):
        read_responses(prm)


WJX = ("序号,提交答卷时间,所用时间,来源,来源详情,来自IP,1、您的会员等级,2、总体满意度,3、回复速度,4、问题一次解决\n"
       "1,2026/7/1 10:02:11,125秒,手机提交,直接访问,1.2.3.4(上海),金卡,非常满意,满意,一般\n"
       "2,2026/7/1 10:05:40,98秒,微信,N/A,5.6.7.8(广东),白金卡,不满意,(跳过),非常不满意\n"
       "3,2026/7/1 11:00:00,301秒,手机提交,直接访问,9.9.9.9(北京),金卡,比较满意,很满意,满意\n")


def test_wenjuanxing_gbk_export(tmp_path):
    p = tmp_path / "问卷星导出.csv"
    p.write_bytes(WJX.encode("gbk"))
    cols = {"您的会员等级": "tier", "总体满意度": "csat", "回复速度": "q1", "问题一次解决": "q2"}
    prm = params(p, input={"responses": {"columns": cols}})
    df, rep = validate_responses(prm)
    assert rep.format == "wenjuanxing" and rep.encoding == "gbk" and rep.ok, rep.render()
    assert df["respondent_id"].tolist() == [1, 2, 3]                      # 序号 used as id
    assert df["所用时间"].tolist() == [125, 98, 301]
    assert df["csat"].tolist() == [5.0, 2.0, 4.0]
    assert df["q1"].isna().tolist() == [False, True, False]               # (跳过) → missing, not an error
    assert df["q2"].tolist() == [3.0, 1.0, 4.0]
    assert any("序号" in n for n in rep.notes)


def test_wenjuanxing_unmapped_headers_hint(tmp_path):
    p = tmp_path / "wjx.csv"
    p.write_bytes(WJX.encode("gbk"))
    with pytest.raises(DataError, match="missing required column") as ei:
        read_responses(params(p))
    assert "input.responses.columns" in str(ei.value) and "总体满意度" in str(ei.value)


@pytest.mark.parametrize("labels, expected", [
    (["非常不满意", "不满意", "一般", "满意", "非常满意"], [1, 2, 3, 4, 5]),
    (["Very dissatisfied", "dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "VERY  satisfied"],
     [1, 2, 3, 4, 5]),
    (["Poor", "Fair", "Good", "Very good", "Excellent"], [1, 2, 3, 4, 5]),
    (["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"], [1, 2, 3, 4, 5]),
    (["非常不同意", "不同意", "一般", "同意", "非常同意"], [1, 2, 3, 4, 5]),
    (["1分", "2 分", "3", "4.0", "5分"], [1, 2, 3, 4, 5]),
])
def test_likert_labels_to_numbers(labels, expected):
    num, bad, _ = map_labels(pd.Series(labels + [None]), likert_codebook((1, 5)))
    assert num.tolist()[:5] == expected and pd.isna(num.iloc[5]) and not bad.any()


def test_mixed_numbers_and_words_are_not_mapped():
    num, bad, kind = map_labels(pd.Series(["4", "5", "very good"]), likert_codebook((1, 5)))
    assert kind == "numeric" and bad.tolist() == [False, False, True]


def test_custom_labels_for_other_ranges():
    book = likert_codebook((1, 7), {"极其困难": 7, "非常容易": 1})
    assert "满意" not in book                                         # built-in 5-point labels only on 1–5
    num, bad, kind = map_labels(pd.Series(["非常容易", "极其困难", "满意"]), book)
    assert kind == "labels" and num.tolist()[:2] == [1, 7] and bad.tolist() == [False, False, True]


def test_truncated_last_line(tmp_path):
    p = tmp_path / "cut.csv"
    p.write_text(CSV + "R4,gold,4", encoding="utf-8")
    df, rep = validate_responses(params(p))
    f = [x for x in rep.findings if x.check == "truncated_last_line"]
    assert f and f[0].rows == [5] and f[0].severity == "error"
    df, rep = validate_responses(params(p, policy="warn"))
    assert rep.ok and len(df) == 3 and rep.excluded_rows == 1


def test_report_collects_every_problem(tmp_path):
    p = tmp_path / "many.csv"
    p.write_text("respondent_id,tier,csat,q1,q2\nA,gold,4,3,3\nA,gold,9,3,x\nB,gold,5,3,2\n,gold,4,3,3\n",
                 encoding="utf-8")
    df, rep = validate_responses(params(p))
    got = {(f.check, f.column, tuple(f.rows)) for f in rep.findings}
    assert ("duplicate_ids", "respondent_id", (2, 3)) in got
    assert ("missing_ids", "respondent_id", (5,)) in got
    assert ("out_of_range", "csat", (3,)) in got
    assert ("non_numeric", "q2", (3,)) in got
    assert ("constant_column", "q1", ()) in got
    assert [f.severity for f in rep.findings if f.check == "constant_column"] == ["warning"]
    with pytest.raises(DataError, match=r"many.csv, column 'respondent_id', rows 5: rows without a respondent id"):
        rep.raise_on_error()
    # warn: bad cells missing, duplicate and id-less rows dropped, every problem reported
    df, rep = validate_responses(params(p, policy="warn"))
    assert rep.ok and df["respondent_id"].tolist() == ["A", "B"]
    assert df["csat"].tolist() == [4.0, 5.0]
    msgs = "\n".join(rep.messages())
    assert "validation.policy: warn" in msgs and "later duplicates were excluded" in msgs


def test_read_complaints_text_column(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes("id,评论\n1,客服态度差\n".encode("gbk"))
    with pytest.raises(DataError, match=r"c.csv: missing the text column 'comment'"):
        read_complaints({"complaints": str(p)})
    df = read_complaints({"complaints": str(p), "root_cause": {"text_column": "评论"}})
    assert df["评论"].tolist() == ["客服态度差"]


@pytest.mark.parametrize("redact_pii", [True, False])
def test_examples_in_messages_are_redacted(tmp_path, redact_pii):
    """Cell values quoted in messages go through cxkit.privacy.redact (privacy.redact_pii switch)."""
    p = tmp_path / "pii.csv"
    p.write_text("respondent_id,tier,csat,q1,q2\n"
                 "zhang.wei@example.com,gold,call 13812345678,3,4\nzhang.wei@example.com,gold,4,2,5\n",
                 encoding="utf-8")
    df, rep = validate_responses(params(p, privacy={"redact_pii": redact_pii}))
    text = rep.render()
    assert ("13812345678" in text) is (not redact_pii) and ("zhang.wei@example.com" in text) is (not redact_pii)
    if redact_pii:
        assert "'call [PHONE]'" in text and "duplicate respondent ids ('[EMAIL]')" in text


def test_bad_reading_options_are_config_errors(tmp_path):
    from cxkit.errors import ConfigError

    p = tmp_path / "r.csv"
    p.write_text(CSV, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"input\.responses\.shet"):
        read_responses(params(p, input={"responses": {"shet": "x"}}))


def test_wenjuanxing_legacy_xls_is_read():
    """问卷星's native .xls download (BIFF8, GBK code page), not openable with openpyxl: read through calamine,
    recognised as 问卷星 (question numbers and trailing spaces stripped). Counts checked against the file as
    published (800 responses: 427 男 / 373 女, see tests/data/wjx/README.md)."""
    df, info = read_table(Path(__file__).parent / "data" / "wjx" / "wjx_800_text.xls")
    assert info.format == "wenjuanxing" and info.rows == 800 and info.columns == 14
    assert {"性别", "年龄", "月收入", "兴趣爱好"} <= set(df.columns)
    assert df["性别"].value_counts().to_dict() == {"男": 427, "女": 373}
    assert df["兴趣爱好"].str.contains("┋").any()


def test_unreadable_xls_is_a_clear_error(tmp_path):
    p = tmp_path / "x.xls"
    p.write_bytes(b"not a workbook at all")
    with pytest.raises(DataError, match="not a readable Excel workbook"):
        read_table(p)


def test_korean_cp949_is_not_read_as_gbk():
    """A CP949 file decodes without error as GBK into nonsense hanzi; the reader must see Korean. The first
    header is the published question 귀하의 성별을 선택해주세요. (tests/data/encodings/README.md)."""
    p = Path(__file__).parent / "data" / "encodings" / "kiosk_cp949_head.csv"
    raw = p.read_bytes()
    assert raw.decode("gbk")                      # the trap: GBK reads it without complaint
    df, info = read_table(p)
    assert info.encoding == "cp949" and len(df) == 30
    assert df.columns[0] == "귀하의 성별을 선택해주세요."
    assert df.equals(pd.read_csv(p, encoding="cp949").set_axis([c.strip() for c in df.columns], axis=1))
