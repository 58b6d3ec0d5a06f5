"""cxkit.privacy: personal data in verbatims is masked, ordinary numbers are not."""
import pandas as pd
import pytest

from cxkit import privacy


@pytest.mark.parametrize("text, expected", [
    ("我的电话 13812345678", "我的电话 [PHONE]"),
    ("call me at 138-1234-5678", "call me at [PHONE]"),
    ("手机：+86 139 0000 1111。", "手机：[PHONE]。"),
    ("+8613912345678", "[PHONE]"),
    ("座机 010-12345678 转 8", "座机 [PHONE] 转 8"),
    ("电话(0755)87654321", "电话[PHONE]"),
    ("help line (800) 428-4322 busy", "help line [PHONE] busy"),
    ("ring +44 20 7946 0958", "ring [PHONE]"),
    ("联系邮箱 zhang.wei@example.com", "联系邮箱 [EMAIL]"),
    ("email me: li.na@example.cn!", "email me: [EMAIL]!"),
    ("身份证号 110101199003071234", "身份证号 [ID]"),
    ("ID 11010519491231002X ok", "ID [ID] ok"),
    ("卡号 6222 0212 3456 7890 123", "卡号 [CARD]"),
    ("card 4111111111111111.", "card [CARD]."),
])
def test_personal_data_is_masked(text, expected):
    assert privacy.redact(text) == expected


@pytest.mark.parametrize("text", [
    "等了12天都没有人回复，响应太慢", "2008年7月29日入住三人房一晚", "房价由558改成588",
    "flight 4009 and 5238 delayed 3 hrs", "AA3390 no catering", "Battery died after 3 weeks",
    "价格是420元，10:48进酒店", "ticket was 180 and fee is 200", "排队45分钟",
])
def test_ordinary_numbers_are_kept(text):
    assert privacy.redact(text) == text


def test_demo_pii_snippets_all_masked():
    from cxkit.demo import PII_SNIPPETS
    for s in PII_SNIPPETS:
        out = privacy.redact(s)
        assert privacy.find_pii(out) == [], out
        assert out != s


def test_non_strings_and_switch():
    assert privacy.redact(None) is None
    assert privacy.redact(float("nan")) != privacy.redact(float("nan"))  # NaN passes through
    s = pd.Series(["tel 13812345678", None])
    assert privacy.redact_series(s).tolist()[0] == "tel [PHONE]"
    assert privacy.redact_series(s, enabled=False).tolist()[0] == "tel 13812345678"
    df = privacy.redact_frame(pd.DataFrame({"c": ["a@b.cn"], "n": [1]}), ["c", "missing"])
    assert df["c"].iloc[0] == "[EMAIL]"
    assert privacy.enabled({}) is True
    assert privacy.enabled({"privacy": {"redact_pii": False}}) is False
    with pytest.raises(ValueError, match="unknown kind"):
        privacy.redact("x", kinds=["passport"])
