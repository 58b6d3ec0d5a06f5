"""Numbers ready to present (issue 17, item 4): money in 万/亿 and K/M/B with the currency, IRR capped, headcounts,
distributions in words, and the labels an engagement gives to data columns and their values."""
from __future__ import annotations

import re

import numpy as np
import pytest
from pydantic import ValidationError

from cxkit import present
from cxkit.config import SurveyParams
from cxkit.report import Playbook

ZH_UNITS = {"亿": 1e8, "万": 1e4, "": 1.0}
EN_UNITS = {"B": 1e9, "M": 1e6, "K": 1e3, "": 1.0}


def parse_zh(text: str) -> float:
    """The amount a Chinese money text states, read the way a reader reads it (not with the library)."""
    m = re.fullmatch(r"(−?)([\d,]+(?:\.\d+)?) (亿|万)?(元| USD)", text)
    assert m, text
    return (-1 if m[1] else 1) * float(m[2].replace(",", "")) * ZH_UNITS[m[3] or ""]


def parse_en(text: str) -> float:
    m = re.fullmatch(r"(−?)([A-Z]{3}) ([\d,]+(?:\.\d+)?)([BMK]?)", text)
    assert m, text
    return (-1 if m[1] else 1) * float(m[3].replace(",", "")) * EN_UNITS[m[4]]


@pytest.mark.parametrize("lang,value,code,want", [
    ("zh", 12_000_000, "CNY", "1,200.0 万元"),          # the "12.0 百万CNY"
    ("zh", 58_312_432.6, "CNY", "5,831.2 万元"),        # the NPV "58,312,432.6"
    ("zh", 6.2e8, "RMB", "6.20 亿元"),
    ("zh", 9_999, "CNY", "9,999 元"),
    ("zh", 2.5e5, "USD", "25.0 万 USD"),
    ("en", 58_312_432.6, "CNY", "CNY 58.3M"),
    ("en", 350_000, "USD", "USD 350.0K"),
    ("en", -1.2e10, "EUR", "−EUR 12.00B"),
])
def test_money_style(lang, value, code, want):
    assert present.money(value, code, lang) == want


def test_money_text_reads_back_to_the_value_within_its_rounding():
    """Any amount from 1 to 10^11, either sign: the text read back differs from the value by at most half of the
    last shown digit in its unit — so no unit or divisor slip can pass."""
    rng = np.random.default_rng(17)
    for v in np.concatenate([10 ** rng.uniform(0, 11, 400), -10 ** rng.uniform(0, 11, 100)]):
        for lang, parse in (("zh", parse_zh), ("en", parse_en)):
            code = "CNY" if lang == "zh" else "USD"
            text = present.money(float(v), code, lang)
            got = parse(text)
            unit = re.search(r"(亿|万|[BMK])?(?: ?元| USD)?$" if lang == "zh" else r"([BMK]?)$", text)[1] or ""
            step = (ZH_UNITS if lang == "zh" else EN_UNITS)[unit]
            decimals = len(text.split(".")[1].rstrip("亿万元USDBMK ").strip()) if "." in text else 0
            assert abs(got - v) <= 0.5 * step * 10 ** -decimals * (1 + 1e-9), (v, text)


def test_money_unit_of_a_table_keeps_the_typical_amount_readable():
    u = present.money_unit("CNY", "zh", [2.4e6, 3.6e6, 6e6])      # a 12 M budget over levers
    assert (u.label, u.divisor) == ("万元", 1e4) and 100 <= u.scaled(3.6e6) < 10_000
    assert present.money_unit("CNY", "zh", [2e9, 5e9]).label == "亿元"
    assert present.money_unit("CNY", "en", [2.4e6, 3.6e6]).label == "CNY M"
    assert present.money_unit("CNY", "en", [2.4e5, 3.6e5]).label == "CNY K"


@pytest.mark.parametrize("v,want", [(0.184, "18%"), (9.99, "999%"), (13.26, ">1000%"), (205.391, ">1000%"),
                                    (-0.2, "−20%")])
def test_irr_is_capped_at_1000_percent(v, want):
    assert present.irr(v) == want


def test_headcount_is_whole_people():
    assert [present.headcount(x) for x in (300.0, 12.2, 1499.0)] == ["300", "13", "1,499"]


def test_distribution_in_words_never_in_scientific_notation():
    en = present.distribution({"dist": "normal", "mean": 6e6, "sd": 9e5}, "en")
    zh = present.distribution({"dist": "pert", "low": 0.01, "mode": 0.02, "high": 0.05}, "zh",
                              lambda x: f"{100 * x:g}%")
    assert "e+" not in en and en == "normal (mean 6,000,000, SD 900,000)"
    assert zh == "PERT 分布（最低 1%，最可能 2%，最高 5%）"


def test_engagement_labels_for_columns_and_values():
    survey = {"segment_column": "tier", "column_labels": {"q_city": {"zh": "城市级别", "en": "City tier"}},
              "value_labels": {"q_city": {1: {"zh": "一线城市", "en": "Tier-1 city"}}, "tier": {"vip": "VIP"}}}
    checked = SurveyParams.model_validate(survey).model_dump()
    assert checked["value_labels"]["q_city"] == {"1": {"zh": "一线城市", "en": "Tier-1 city"}}   # YAML's 1: is "1"
    for lang, col, city in (("zh", "城市级别", "一线城市"), ("en", "City tier", "Tier-1 city")):
        pb = Playbook({"language": lang, "survey": checked}, display=False)
        assert pb.column_label("q_city") == col
        assert pb.value_label("q_city", 1.0) == pb.value_label("q_city", "1") == city     # a code read as float
        assert pb.tier_label("vip") == pb.value_label("tier", "vip") == "VIP"
        assert pb.value_label("q_city", 2) == "2"                     # no label: the value itself
    with pytest.raises(ValidationError, match="zh"):
        SurveyParams.model_validate({"value_labels": {"q_city": {"1": {"fr": "ville"}}}})
    with pytest.raises(ValidationError):
        SurveyParams.model_validate({"column_labels": {"q_city": ""}})
