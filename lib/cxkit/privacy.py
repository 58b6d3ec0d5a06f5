"""Redaction of personal data in verbatims before they are shown in a playbook.

Every notebook that shows complaint or open-question text passes it through
:func:`redact` (or :func:`redact_series`) unless the engagement sets
``privacy.redact_pii: false``. PIPL's minimum-necessary principle (document
002) is the reason: a consultant's playbook must not carry a customer's phone
number, e-mail address, ID card number or bank card number.

What is redacted, in this order (earlier patterns win, so an 18-digit ID card
number is not mistaken for a bank card number):

=============  ==============================================================  ===========
kind           pattern                                                         replaced by
=============  ==============================================================  ===========
``id_card``    PRC resident ID (GB 11643-1999): 6-digit area, birth date            ``[ID]``
               19xx/20xx MMDD, 3-digit sequence, check digit 0-9/X
``bank_card``  13-19 digits, optionally in groups separated by spaces/hyphens      ``[CARD]``
``email``      ``local@domain.tld``                                               ``[EMAIL]``
``phone``      Chinese mobiles (1[3-9]x, optional +86, separators allowed),       ``[PHONE]``
               Chinese landlines (0 + 2-3 digit area code + 7-8 digits),
               North-American style ``(800) 428-4322`` / ``800-428-4322``,
               international ``+44 20 7946 0958``
=============  ==============================================================  ===========

The patterns are deliberately greedy: over-redacting an order number that looks
like a card number is the safe error. Dates (``2008年7月29日``), prices and
short numbers (``等了12天``) are left alone.

Example
-------
>>> redact("我的电话 13812345678，邮箱 zhang.wei@example.com")
'我的电话 [PHONE]，邮箱 [EMAIL]'
>>> redact("身份证号 110101199003071234")
'身份证号 [ID]'
"""
from __future__ import annotations

import re
from typing import Any, Iterable

PLACEHOLDERS = {"id_card": "[ID]", "bank_card": "[CARD]", "email": "[EMAIL]", "phone": "[PHONE]"}

_D = r"(?<![0-9A-Za-z])"   # not preceded by a digit/letter
_E = r"(?![0-9])"           # not followed by a digit

PATTERNS: dict[str, re.Pattern] = {
    "id_card": re.compile(_D + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                          + r"(?![0-9A-Za-z])"),
    "bank_card": re.compile(r"(?<![0-9A-Za-z+])(?:\d[ -]?){12,18}\d" + _E),
    "email": re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    "phone": re.compile(
        "|".join([
            _D + r"(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}" + _E,                 # CN mobile
            _D + r"(?:\(0\d{2,3}\)|0\d{2,3})[ -]?\d{7,8}(?:-\d{1,4})?" + _E,          # CN landline
            r"(?<![0-9])\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}" + _E,                           # (800) 428-4322
            _D + r"\d{3}[.-]\d{3}[.-]\d{4}" + _E,                                       # 800-428-4322
            r"\+\d{1,3}(?:[ -]?\d{1,4}){2,5}" + _E,                                     # +44 20 7946 0958
        ])),
}


def redact(text: Any, kinds: Iterable[str] = ("id_card", "bank_card", "email", "phone")) -> Any:
    """Replace personal data in one text with placeholders such as ``[PHONE]``.

    Parameters
    ----------
    text : str or anything
        Non-strings (None, NaN, numbers) are returned unchanged.
    kinds : iterable of str
        Which of ``id_card``, ``bank_card``, ``email``, ``phone`` to redact.

    Returns
    -------
    str
        The text with each match replaced by its placeholder.

    Examples
    --------
    >>> redact("call me at 138-1234-5678")
    'call me at [PHONE]'
    >>> redact("card 6222 0212 3456 7890 123, landline 010-12345678")
    'card [CARD], landline [PHONE]'
    >>> redact("等了12天都没有人回复")
    '等了12天都没有人回复'
    """
    if not isinstance(text, str) or not text:
        return text
    for kind in kinds:
        if kind not in PATTERNS:
            raise ValueError(f"unknown kind of personal data {kind!r}; use one of {', '.join(PATTERNS)}")
        text = PATTERNS[kind].sub(PLACEHOLDERS[kind], text)
    return text


def find_pii(text: Any) -> list[str]:
    """The kinds of personal data found in ``text`` (empty list if none).

    >>> find_pii("邮箱 li.na@example.cn 电话 13812345678")
    ['email', 'phone']
    """
    if not isinstance(text, str):
        return []
    found = []
    for kind in PATTERNS:
        if PATTERNS[kind].search(text):
            found.append(kind)
            text = PATTERNS[kind].sub(PLACEHOLDERS[kind], text)
    return found


def redact_series(s, enabled: bool = True):
    """Redact every text of a pandas Series (a copy); ``enabled=False`` returns it unchanged."""
    if not enabled:
        return s
    return s.map(redact)


def redact_frame(df, columns: Iterable[str], enabled: bool = True):
    """A copy of ``df`` with the text ``columns`` redacted (when ``enabled``)."""
    out = df.copy()
    if enabled:
        for c in columns:
            if c in out.columns:
                out[c] = out[c].map(redact)
    return out


def enabled(params: dict[str, Any]) -> bool:
    """Whether the engagement asks for redaction (``privacy.redact_pii``, default True)."""
    return bool((params.get("privacy") or {}).get("redact_pii", True))
