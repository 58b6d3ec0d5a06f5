"""Numbers ready to present (issue 17, item 4): money in 万/亿 (Chinese) or K/M/B (English) with the currency,
headcounts as integers, IRR capped, uncertainty distributions in words.

Every page, the deck and the summary's findings format through these functions, so a figure reads the same on
every page of a run. Results files keep the raw values; only the shown text changes.

Conventions (the way Chinese and English business documents write amounts):

* Chinese: amounts ≥ 1 亿 (10⁸) in 亿, ≥ 1 万 (10⁴) in 万, else whole units; ``元`` for CNY/RMB, else the ISO code
  after the unit ("1,200 万元", "3.50 亿元", "12.5 万 USD").
* English: the ISO code first, then K (thousand), M (million) or B (billion): "CNY 58.3M", "USD 125K".
* Tables and charts use one unit per table or axis (:func:`money_unit`), chosen from the size of its amounts.

Examples
--------
>>> money(12_000_000, "CNY", "zh"), money(58_312_432.6, "CNY", "en"), money(-350_000, "USD", "zh")
('1,200.0 万元', 'CNY 58.3M', '−35.0 万 USD')
>>> irr(0.35), irr(13.26), irr(None, lang="en")
('35%', '>1000%', 'not defined')
>>> headcount(300.0), headcount(12.6)
('300', '13')
>>> u = money_unit("CNY", "zh", [6e6, 1.2e7]); u.label, u.scaled(1.2e7)
('万元', 1200.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, NamedTuple

__all__ = ["MoneyText", "MoneyUnit", "money_parts", "currency_name", "distribution", "headcount", "irr", "money", "money_unit", "number",
           "signed", "unit_for"]

#: annual IRRs above this are shown as ">1000%" (10 = 1000%): beyond it the figure only says the initiative pays
#: back within months, and a four- or five-digit percentage reads like an error on a slide
IRR_CAP = 10.0

_CNY = ("CNY", "RMB")


def finite(v: Any) -> float | None:
    """``v`` as a finite float, else None (missing, text, NaN, ±inf, or a bool)."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def signed(text: str) -> str:
    """A typographic minus instead of the hyphen of a negative number.

    >>> signed("-2.5"), signed("3")
    ('−2.5', '3')
    """
    return "−" + text[1:] if text.startswith("-") else text


def number(v: Any, digits: int = 1) -> str:
    """A plain number with thousands separators and ``digits`` decimals; ``–`` when missing.

    >>> number(1234.567), number(float("nan")), number(-0.04, 2)
    ('1,234.6', '–', '−0.04')
    """
    f = finite(v)
    return "–" if f is None else signed(f"{f:,.{digits}f}")


def currency_name(code: str, lang: str) -> str:
    """``元`` for CNY/RMB on Chinese pages, else the currency code as given.

    >>> currency_name("cny", "zh"), currency_name("CNY", "en"), currency_name("USD", "zh")
    ('元', 'CNY', 'USD')
    """
    code = str(code or "")
    return "元" if lang == "zh" and code.upper() in _CNY else code


@dataclass(frozen=True)
class MoneyUnit:
    """One unit for the amounts of a table or a chart axis: divide by ``divisor``, label the column ``label``."""

    divisor: float
    label: str

    def scaled(self, v: Any) -> float | None:
        f = finite(v)
        return None if f is None else f / self.divisor


def _zh_unit(cur: str, divisor: float) -> str:
    prefix = {1e8: "亿", 1e4: "万", 1.0: ""}[divisor]
    return f"{prefix}{cur}" if cur == "元" else (f"{prefix} {cur}" if prefix else cur)


def _en_unit(cur: str, divisor: float) -> str:
    suffix = {1e9: "B", 1e6: "M", 1e3: "K", 1.0: ""}[divisor]
    return f"{cur} {suffix}" if suffix else cur


def money_unit(currency: str, lang: str, values: Iterable[Any] | None = None) -> MoneyUnit:
    """The unit for a set of amounts (a table column, a chart axis): the largest step that keeps the median
    absolute amount at 1 or more (万 for amounts in the ten-thousands and millions, 亿 from 10⁹ in Chinese;
    K / M / B in English). Without values: 万 (zh) or M (en), the scale of a CX programme budget.

    >>> money_unit("CNY", "zh", [6e6, 1.2e7]).label, money_unit("CNY", "zh", [3e9]).label
    ('万元', '亿元')
    >>> money_unit("USD", "en", [4e5, 9e5]).label, money_unit("USD", "en").label, money_unit("USD", "zh", [50]).label
    ('USD K', 'USD M', 'USD')
    """
    cur = currency_name(currency, lang)
    vals = sorted(abs(f) for f in (finite(v) for v in (values or [])) if f is not None and f != 0)
    if lang == "zh":
        steps = (1e8, 1e4, 1.0)
        if not vals:
            return MoneyUnit(1e4, _zh_unit(cur, 1e4))
        typical = vals[len(vals) // 2]
        d = next(s for s in steps if typical >= (10 * s if s == 1e8 else s) or s == 1.0)
        return MoneyUnit(d, _zh_unit(cur, d))
    steps = (1e9, 1e6, 1e3, 1.0)
    if not vals:
        return MoneyUnit(1e6, _en_unit(cur, 1e6))
    typical = vals[len(vals) // 2]
    d = next(s for s in steps if typical >= s)
    return MoneyUnit(d, _en_unit(cur, d))


_NAMED = {"zh": {1.0: "", 1e3: "千", 1e4: "万", 1e6: "百万", 1e8: "亿"}, "en": {1.0: "", 1e3: "K", 1e6: "M", 1e9: "B"}}


def unit_for(divisor: float, currency: str, lang: str) -> MoneyUnit:
    """The unit of a divisor the params set (``allocation.money_unit``): a named step where there is one
    (千 / 万 / 百万 / 亿, K / M / B), else "× divisor".

    >>> unit_for(1e6, "CNY", "zh").label, unit_for(1e4, "USD", "zh").label, unit_for(1e6, "CNY", "en").label
    ('百万元', '万 USD', 'CNY M')
    >>> unit_for(5e5, "CNY", "en").label
    'CNY × 500,000'
    """
    cur = currency_name(currency, lang)
    key = "zh" if lang == "zh" else "en"
    name = _NAMED[key].get(float(divisor))
    if name is None:
        return MoneyUnit(float(divisor), f"{cur} × {divisor:,.0f}")
    if key == "zh":
        return MoneyUnit(float(divisor), f"{name}{cur}" if cur == "元" else (f"{name} {cur}" if name else cur))
    return MoneyUnit(float(divisor), f"{cur} {name}" if name else cur)


class MoneyText(NamedTuple):
    """An amount as shown: the full text, the number part, and what the number is (value / divisor, rounded to
    ``digits``) — for checks that a shown figure matches its value."""

    text: str
    number: str
    divisor: float
    digits: int


def money_parts(v: Any, currency: str, lang: str, digits: int | None = None) -> MoneyText | None:
    """:func:`money` with its parts; None when the value is missing.

    >>> money_parts(58_312_432.6, "CNY", "zh")
    MoneyText(text='5,831.2 万元', number='5,831.2', divisor=10000.0, digits=1)
    """
    f = finite(v)
    if f is None:
        return None
    a, cur = abs(f), currency_name(currency, lang)
    if lang == "zh":
        d = 1e8 if a >= 1e8 else 1e4 if a >= 1e4 else 1.0
        k = digits if digits is not None else {1e8: 2, 1e4: 1, 1.0: 0}[d]
        num = signed(f"{f / d:,.{k}f}")
        return MoneyText(f"{num} {_zh_unit(cur, d)}", num, d, k)
    d = 1e9 if a >= 1e9 else 1e6 if a >= 1e6 else 1e3 if a >= 1e3 else 1.0
    k = digits if digits is not None else {1e9: 2, 1e6: 1, 1e3: 1, 1.0: 0}[d]
    suffix = {1e9: "B", 1e6: "M", 1e3: "K", 1.0: ""}[d]
    num = f"{a / d:,.{k}f}"
    text = f"{cur} {num}{suffix}"
    return MoneyText("−" + text if f < 0 else text, signed(f"{f / d:,.{k}f}"), d, k)


def money(v: Any, currency: str, lang: str, digits: int | None = None) -> str:
    """One amount with its unit, scaled to its own size (see the module's conventions); ``–`` when missing.

    ``digits`` defaults to 1 for 万 / K / M / B, 2 for 亿, 0 for whole units.

    >>> money(58_312_432.6, "CNY", "zh"), money(3.5e8, "CNY", "zh"), money(820, "CNY", "zh")
    ('5,831.2 万元', '3.50 亿元', '820 元')
    >>> money(1.25e5, "USD", "en"), money(2.4e9, "EUR", "en"), money(-4.2e6, "CNY", "en"), money(None, "CNY", "en")
    ('USD 125.0K', 'EUR 2.40B', '−CNY 4.2M', '–')
    """
    parts = money_parts(v, currency, lang, digits)
    return "–" if parts is None else parts.text


def irr(v: Any, cap: float = IRR_CAP, lang: str = "zh") -> str:
    """An annual IRR as a whole percent, capped: above ``cap`` (10 = 1000%) shown as ">1000%".

    >>> irr(0.184), irr(20.539), irr(-0.05), irr(float("nan"), lang="zh")
    ('18%', '>1000%', '−5%', '无定义')
    """
    f = finite(v)
    if f is None:
        return "无定义" if lang == "zh" else "not defined"
    if f > cap:
        return f">{100 * cap:.0f}%"
    return signed(f"{100 * f:.0f}%")


def headcount(v: Any) -> str:
    """People are whole: a headcount rounded up is never shown with decimals.

    >>> headcount(300.0), headcount(1234), headcount(None)
    ('300', '1,234', '–')
    """
    f = finite(v)
    return "–" if f is None else f"{math.ceil(f - 1e-9):,d}"


_DIST_WORDS = {
    "zh": {"triangular": "三角分布", "pert": "PERT 分布", "normal": "正态分布", "lognormal": "对数正态分布",
           "uniform": "均匀分布", "low": "最低", "mode": "最可能", "high": "最高", "mean": "均值", "sd": "标准差",
           "sep": "，", "open": "（", "close": "）"},
    "en": {"triangular": "triangular", "pert": "PERT", "normal": "normal", "lognormal": "lognormal",
           "uniform": "uniform", "low": "low", "mode": "most likely", "high": "high", "mean": "mean", "sd": "SD",
           "sep": ", ", "open": " (", "close": ")"},
}


def distribution(d: Any, lang: str, fmt: Any = None) -> str:
    """An uncertain input in words: its distribution and parameters, each parameter formatted by ``fmt``
    (e.g. a money formatter for an amount; default :func:`number` with up to 4 significant digits).

    ``d`` is a :class:`cxkit.roi.Distribution` or a mapping with ``dist`` and its parameters.

    >>> distribution({"dist": "normal", "mean": 6e6, "sd": 9e5}, "zh", lambda x: money(x, "CNY", "zh"))
    '正态分布（均值 600.0 万元，标准差 90.0 万元）'
    >>> distribution({"dist": "triangular", "low": 0.02, "mode": 0.03, "high": 0.05}, "en")
    'triangular (low 0.02, most likely 0.03, high 0.05)'
    """
    get = d.get if isinstance(d, Mapping) else (lambda k, default=None: getattr(d, k, default))
    kind = str(get("dist", "") or "")
    w = _DIST_WORDS["zh" if lang == "zh" else "en"]
    fmt = fmt or (lambda x: _sig(x))
    order = {"triangular": ("low", "mode", "high"), "pert": ("low", "mode", "high"), "uniform": ("low", "high"),
             "normal": ("mean", "sd"), "lognormal": ("mean", "sd")}.get(kind, ())
    parts = [f"{w[k]} {fmt(get(k))}" for k in order if get(k) is not None]
    return f"{w.get(kind, kind)}{w['open']}{w['sep'].join(parts)}{w['close']}" if parts else w.get(kind, kind)


def _sig(x: Any) -> str:
    """Up to 4 significant digits, thousands separators for large values, never scientific notation.

    >>> _sig(6e6), _sig(0.0125), _sig(900000.0), _sig(2.5)
    ('6,000,000', '0.0125', '900,000', '2.5')
    """
    f = finite(x)
    if f is None:
        return "–"
    if abs(f) >= 1000:
        return signed(f"{f:,.0f}")
    return signed(f"{f:.4g}") if "e" not in f"{f:.4g}" else signed(f"{f:.6f}".rstrip("0").rstrip("."))
