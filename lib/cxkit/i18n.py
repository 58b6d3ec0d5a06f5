"""Bilingual strings (zh / en) for every heading, label and sentence of the playbooks.

Strings live in ``cxkit/i18n/*.yaml``, one file per topic, as flat keys::

    profile.title: {zh: 数据质量概览, en: Data profile}

All files are merged; the same key in two files is an error (a test checks it),
as is a key without both languages.

>>> t("common.region", "en")
'Region'
>>> t("common.region", "zh")
'区域'
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("zh", "en")


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All strings, merged from the topic files. Raises ValueError on duplicates or gaps."""
    return load_folder(resources.files("cxkit") / "i18n")


def load_folder(folder) -> dict[str, dict[str, str]]:
    """Merge every ``*.yaml`` string file of ``folder``; ValueError on a duplicate key or a missing language."""
    out: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for key, val in data.items():
            if key in out:
                raise ValueError(f"i18n key {key!r} defined in both {origin[key]} and {entry.name}")
            if not isinstance(val, dict) or any(not isinstance(val.get(l), str) for l in LANGUAGES):
                raise ValueError(f"i18n key {key!r} in {entry.name} needs both zh and en strings")
            out[key] = val
            origin[key] = entry.name
    return out


def t(key: str, lang: str, /, **kwargs: Any) -> str:
    """Translate ``key`` into ``lang`` and fill ``{placeholders}`` with ``kwargs``.

    Values are inserted as given; the report layer escapes the result for HTML.
    Raises KeyError for an unknown key so that a typo fails the tests.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    try:
        s = catalog()[key][lang]
    except KeyError:
        raise KeyError(f"no i18n string {key!r}") from None
    return s.format(**kwargs) if kwargs else s


def join(items: Any, lang: str) -> str:
    """A list as running text: 华东、华南 in Chinese, "East, South" in English.

    >>> join(["华东", "华南"], "zh"), join(["East", "South"], "en")
    ('华东、华南', 'East, South')
    """
    return ("、" if lang == "zh" else ", ").join(str(x) for x in items)


def has(key: str) -> bool:
    return key in catalog()
