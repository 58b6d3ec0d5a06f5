"""``cx init``: draft an engagement.yaml from a client's export.

The consultant's first step: read the client's file with :func:`cxkit.io.read_table` (CSV in any
encoding it reads, XLSX, SPSS ``.sav``, Qualtrics, 问卷星) and write ``<DIR>/engagement.yaml`` with
every setting that can be guessed from the data, each with a YAML comment saying what was guessed
from what and what to check:

- **id column**: unique on every row and named like an id (``ID``, ``ResponseId``, ``序号`` ...);
- **segment column**: a text column with 2-12 levels, preferring names such as region, country,
  tier, channel, segment, 性别;
- **outcomes**: ``nps`` (0-10, named nps/recommend/推荐, or the only 0-10 question), ``ces``
  (effort/费力), ``csat`` (csat/satisf/满意, or a first question ``q1`` on a rating scale) and
  ``overall`` (a 0-100 satisfaction score: in cxkit ``overall`` is read on 0-100);
- **scales**: integer columns with a small range grouped by a common name prefix (``q1_1``,
  ``q1_2`` → ``q1``; ``resp1``..``resp3`` → ``resp``), by SPSS variable label, or by numbered
  question headers (``1-1. ...``, ``1-2. ...``) in one block; ``scale_range`` is the observed range;
- **missing codes** (0 inside a 1-5 column, 99, 999, -1 ...), **free text** columns, text-labelled
  answers, stand-alone rating questions and model output (``Prob(...)``, ``Predicted``) are written
  as comments only.

The text is written by hand (PyYAML would drop the comments) and checked: it must parse with
``yaml.safe_load`` to exactly the settings meant, and the written folder must load with
:func:`cxkit.config.load_engagement`. The data checks of ``cx validate`` are then run on the draft;
what still fails (typically: no id column) is reported, and the draft is kept.

>>> from cxkit.draft import yaml_scalar
>>> yaml_scalar("q1_1"), yaml_scalar("Prob(q1==1)"), yaml_scalar("yes")
('q1_1', '"Prob(q1==1)"', '"yes"')
"""
from __future__ import annotations

import os
import re
import shutil
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError, Problem

# --------------------------------------------------------------------------- name patterns
_ID_TOKENS = {"id", "uuid", "respondent", "responseid", "respondentid", "caseid", "recordid"}
_ID_ZH = ("序号", "编号", "答卷编号", "样本编号")
#: outcome keywords: (whole words, substrings of a word, substrings in any script)
_KEYWORDS = {
    "csat": (("csat",), ("satisf", "zufrieden"), ("满意", "滿意", "만족")),
    "nps": (("nps", "ltr"), ("recommend", "weiterempfehl", "likelihood"), ("推荐", "推薦", "추천")),
    "ces": (("ces",), ("effort", "aufwand"), ("费力", "費力", "省力", "노력")),
    "overall": ((), ("overall", "gesamt"), ("总体", "總體", "整体", "整體", "综合", "綜合", "전반")),
}
_Q1 = re.compile(r"^q0?1$", re.I)
_MODEL = re.compile(r"prob\s*\(|\bprob\b|predict|most likely|fitted|residual|propensity|probabilit", re.I)
#: segment names, strongest first; the first group looks like a region
_REGIONISH = ("region", "area", "大区", "地区", "区域", "區域", "country", "国家", "國家", "province", "省份",
              "지역", "state", "land")
_SEGMENT_WORDS = _REGIONISH + ("tier", "等级", "會員", "会员", "segment", "分群", "channel", "渠道", "store", "门店",
                               "branch", "网点", "group", "gruppe", "组别", "division", "campus", "department",
                               "部门", "product", "产品", "category", "type", "类型", "stage", "journey",
                               "gender", "sex", "性别", "geschlecht", "성별", "age", "年龄", "나이")
_METADATA = {"startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)",
             "duration__in_seconds_", "finished", "recordeddate", "recipientlastname", "recipientfirstname",
             "recipientemail", "externalreference", "externaldatareference", "locationlatitude",
             "locationlongitude", "distributionchannel", "userlanguage", "filter_$", "提交答卷时间", "所用时间",
             "来源", "来源详情", "来自ip"}
_NPS_CATEGORIES = {"promoter", "passive", "detractor", "推荐者", "中立者", "贬损者", "被动者"}
_RATING_WORDS = re.compile(r"agree|satisf|useful|never|daily|weekly|monthly|often|meets|likely|important|"
                           r"excellent|poor|\bgood\b|满意|同意|非常|比较|一般|마음|stimme|zufrieden", re.I)
_DATE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
# grouping keys
_SEP_NUM = re.compile(r"^(.*?[^\s_.\-])[\s_.\-]+(\d+)$")          # q1_1 → q1, Q25_3 → Q25, "var 3" → var
_LET_NUM = re.compile(r"^([A-Za-z]{3,})(\d+)$")                  # resp1 → resp (q4, qi6: question numbers)
_CAMEL = re.compile(r"^([a-z]{3,})[A-Z]")                         # frequencyDaily → frequency
_NUMBERED = re.compile(r"^\s*(\d+)\s*[-_.]\s*(\d+)\s*[.)]?\s*[^\d\s]")  # "1-1. question" (item 1, part 1)
_NUMBERED1 = re.compile(r"^\s*(\d+)\s*[.)、]\s*\S")                # "1. question"
#: numeric codes that usually mean "no answer" when the other values are a small rating range
CODE_VALUES = (-99, -98, -9, -1, 97, 98, 99, 997, 998, 999, 9999)
_OUTCOME_DEFAULT_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


# --------------------------------------------------------------------------- profiles
@dataclass
class Column:
    """What the draft needs to know about one column."""

    name: str
    pos: int
    kind: str                     # numeric | text | date | empty | bool
    n: int = 0                    # non-missing cells
    nunique: int = 0
    integer: bool = False
    lo: float | None = None       # observed range without the missing codes
    hi: float | None = None
    codes: list[float] = field(default_factory=list)
    levels: list[tuple[str, int]] = field(default_factory=list)   # text: (value, count), most frequent first
    mean_len: float = 0.0
    label: str = ""               # SPSS variable label / Qualtrics question text
    search: str = ""              # name + label (+ Korean name), for keyword matching

    @property
    def rating(self) -> bool:
        """An integer column with a small range (a rating item: 1-5, 1-7, 0-10 ...)."""
        return (self.kind == "numeric" and self.integer and self.lo is not None and self.hi is not None
                and 0 <= self.lo and 3 <= self.hi <= 10 and self.hi - self.lo >= 1 and self.nunique >= 2)

    def range_text(self) -> str:
        return f"{_num(self.lo)}–{_num(self.hi)}" if self.lo is not None else "?"


@dataclass
class Group:
    name: str
    columns: list[str]
    origin: str                   # how the items were grouped (said in the comment)
    lo: float = 0
    hi: float = 0


@dataclass
class Draft:
    """Everything guessed from one data file (see :func:`analyse`)."""

    path: Path
    format: str
    encoding: str | None
    rows: int
    ncols: int
    columns: dict[str, Column]
    id_column: str | None = None
    id_note: str = ""
    segment_column: str | None = None
    segment_note: str = ""
    segment_is_region: bool = False
    language: str = "en"
    language_note: str = ""
    scales: dict[str, Group] = field(default_factory=dict)
    scale_range: tuple[int, int] | None = None
    scale_range_note: str = ""
    outcomes: dict[str, str] = field(default_factory=dict)
    outcome_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    outcome_notes: dict[str, str] = field(default_factory=dict)
    outcome_hints: list[str] = field(default_factory=list)      # candidates not written
    other_groups: list[str] = field(default_factory=list)       # item groups not used as scales (why)
    standalone: list[str] = field(default_factory=list)         # rating questions in no group
    missing_codes: dict[float, list[str]] = field(default_factory=dict)
    left_out: list[tuple[str, str]] = field(default_factory=list)   # (column, why)
    text_columns: list[str] = field(default_factory=list)
    labelled: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # (name, columns, labels)
    notes: list[str] = field(default_factory=list)
    display: dict[str, str] = field(default_factory=dict)       # column → readable name for comments

    def declared_ranges(self) -> dict[str, tuple[float, float]]:
        """The range cx validate checks each analysed column against (scale items and outcomes)."""
        out: dict[str, tuple[float, float]] = {}
        if self.scale_range:
            for g in self.scales.values():
                out.update({c: self.scale_range for c in g.columns})
        ranges = {**_OUTCOME_DEFAULT_RANGES, "overall": (0, 100), **self.outcome_ranges}
        out.update({col: ranges[role] for role, col in self.outcomes.items()})
        return out

    def code_plan(self) -> tuple[list[float], dict[str, list[float]]]:
        """Where the spotted missing codes go: ``survey.missing_codes`` (every survey column) for a code that
        is no valid answer in any analysed column, ``input.responses.missing_codes`` (per column) otherwise.
        0 always goes per column: it is a real answer on 0-10 and 0-100 questions added later."""
        declared = self.declared_ranges()
        glob = []
        for v in sorted(self.missing_codes):
            if v != 0 and all(v in self.columns[c].codes or not lo <= v <= hi for c, (lo, hi) in declared.items()):
                glob.append(v)
        per: dict[str, list[float]] = {}
        for v, cols in sorted(self.missing_codes.items()):
            if v in glob:
                continue
            for c in cols:
                per.setdefault(c, []).append(v)
        return glob, per


def _num(v: float | None) -> str:
    if v is None:
        return "?"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _profile(df, info, alt_names: dict[str, str]) -> dict[str, Column]:
    import numpy as np
    import pandas as pd

    out: dict[str, Column] = {}
    for pos, name in enumerate(df.columns):
        s = df[name]
        nn = s.dropna()
        label = info.question_text.get(name, "") if info.format in ("spss", "qualtrics") else ""
        search = " ".join(x for x in (name, str(label), alt_names.get(name, "")) if x)
        col = Column(name, pos, "empty", n=int(len(nn)), label=str(label).strip(), search=search)
        out[name] = col
        if pd.api.types.is_bool_dtype(s.dtype):
            col.kind, col.nunique = "bool", int(nn.nunique())
            continue
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            col.kind = "date"
            continue
        if not len(nn):
            continue
        if pd.api.types.is_numeric_dtype(s.dtype):
            col.kind = "numeric"
            vals = nn.to_numpy(float)
            col.integer = bool(np.all(np.mod(vals, 1) == 0))
            uniq = sorted(set(vals.tolist()))
            if col.integer:
                col.codes = _missing_codes(uniq)
            rest = [v for v in uniq if v not in col.codes]
            col.nunique = len(rest)
            if rest:
                col.lo, col.hi = rest[0], rest[-1]
            continue
        text = nn.astype(str).str.strip()
        text = text[text != ""]
        if not len(text):
            continue
        col.n, col.nunique = int(len(text)), int(text.nunique())
        sample = text.head(200)
        if sample.str.match(_DATE).mean() >= 0.9:
            col.kind = "date"
            continue
        col.kind = "text"
        col.mean_len = float(text.str.len().mean())
        if col.nunique <= 40:
            col.levels = [(str(k), int(v)) for k, v in text.value_counts().items()]
    return out


def _missing_codes(uniq: list[float]) -> list[float]:
    """Values of an integer column that look like "no answer" codes rather than ratings.

    99/999/-1/-99... when the other values form a small range (at most 12); 9 after a 1-5/1-7
    scale; 0 inside an otherwise 1-4/1-5/1-7 scale.

    >>> _missing_codes([0, 1, 2, 3, 4, 5]), _missing_codes([1, 2, 3, 99]), _missing_codes([0, 1, 2, 9, 10])
    ([0.0], [99.0], [])
    """
    codes = [v for v in uniq if v in CODE_VALUES]
    rest = [v for v in uniq if v not in codes]
    if codes and not (rest and min(rest) >= 0 and max(rest) <= 12 and len(rest) >= 2):
        codes = []
    rest = [v for v in uniq if v not in codes]
    if 9 in rest:
        below = [v for v in rest if v != 9]
        if below and min(below) >= 0 and max(below) <= 7 and len(below) >= 3:
            codes.append(9)
            rest = below
    if 0 in rest:
        others = [v for v in rest if v != 0]
        if others and min(others) == 1 and max(others) in (4, 5, 7) and len(others) >= 3:
            codes.append(0)
    return sorted(float(c) for c in codes)


def _korean_names(path: Path, info, columns) -> dict[str, str]:
    """Column names re-read as Korean when a CP949 file was decoded as GBK (its headers are then
    nonsense hanzi): used for keyword matching and comments only, the file's names stay as read."""
    if info.format != "csv" or (info.encoding or "").lower() not in ("gbk", "gb18030"):
        return {}
    try:
        raw = path.read_bytes()
        korean = raw.decode("cp949")
    except (OSError, UnicodeDecodeError):
        return {}
    hangul = sum("\uac00" <= ch <= "\ud7a3" for ch in korean)
    if hangul < 0.3 * sum(not ch.isascii() for ch in korean):
        return {}
    out = {}
    for c in columns:
        try:
            out[c] = str(c).encode(info.encoding).decode("cp949")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return out


# --------------------------------------------------------------------------- guesses
def _tokens(text: str) -> list[str]:
    """Lower-case ASCII words of a name: camelCase, snake_case and spaces split.

    >>> _tokens("NPS_SCORE"), _tokens("ResponseId"), _tokens("Q_Gruppe")
    (['nps', 'score'], ['response', 'id'], ['q', 'gruppe'])
    """
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [t.lower() for t in re.split(r"[^A-Za-z0-9]+", spaced) if t]


def _has_word(text: str, words) -> int | None:
    """Index of the first of ``words`` found in ``text``: ASCII words as whole words (camelCase split),
    other scripts as substrings."""
    toks = set(_tokens(text))
    for i, w in enumerate(words):
        if (w in toks) if w.isascii() else (w in text):
            return i
    return None


def _is(role: str, text: str) -> bool:
    """Is ``text`` (a column's name and label) named like outcome ``role``?

    >>> _is("csat", "OverallSatisfaction"), _is("ces", "services_1"), _is("nps", "NPS_SCORE")
    (True, False, True)
    """
    words, parts, other = _KEYWORDS[role]
    low = text.lower()
    return bool(set(_tokens(text)) & set(words)) or any(p in low for p in parts) or any(o in text for o in other)


def _guess_id(d: Draft, df) -> None:
    cands = []
    for c in d.columns.values():
        low = c.name.lower()
        toks = _tokens(c.name)
        named = (any(t in _ID_TOKENS for t in toks) or low.replace(" ", "").replace("_", "") in _ID_TOKENS
                 or any(z in c.name for z in _ID_ZH))
        if not named:
            continue
        full = c.n == d.rows and d.rows > 0
        unique = full and int(df[c.name].nunique()) == d.rows
        cands.append((c, unique))
    good = [c for c, u in cands if u]
    if good:
        best = sorted(good, key=lambda c: (not any(w in c.name.lower() for w in ("respon", "序号")), c.pos))[0]
        d.id_column = best.name
        d.id_note = (f"'{_show(d, best.name)}' is named like an id and has a different value on each of the {d.rows} rows; "
                     "check it identifies respondents (not e.g. a store or an order)")
    elif cands:
        names = ", ".join(f"'{_show(d, c.name)}'" for c, _ in cands)
        d.id_note = (f"CHECK: {names} is named like an id but is not unique / not filled on every row, so it is not "
                     "used: with null the row number identifies a respondent. If it should identify respondents, "
                     "name it here: cx validate then lists the duplicate / empty rows")
    else:
        d.id_note = ("no id column found (none is named like an id with unique values): with null the row number "
                     "identifies a respondent. Check no respondent appears twice; name an id column here if the "
                     "file has one (or when previous / retest waves must be matched by id)")


def _is_labelled_rating(c: Column) -> bool:
    from .io import LIKERT_5, normalize_label

    book = {normalize_label(k) for k in LIKERT_5}
    return any(normalize_label(v) in book or _RATING_WORDS.search(v) for v, _ in c.levels)


def _guess_segment(d: Draft) -> None:
    cands = []
    for c in d.columns.values():
        if c.kind != "text" or not 2 <= c.nunique <= 12 or c.name.lower() in _METADATA or c.name == d.id_column:
            continue
        if d.rows and c.n < 0.8 * d.rows:
            continue
        vals = {v.lower() for v, _ in c.levels}
        if vals and vals <= _NPS_CATEGORIES:
            d.left_out.append((c.name, "Promoter/Passive/Detractor labels: an NPS category derived from the score"))
            continue
        if _is_labelled_rating(c):
            continue
        rank = _has_word(c.search, _SEGMENT_WORDS)
        cands.append((rank if rank is not None else len(_SEGMENT_WORDS), 0 if c.nunique >= 3 else 1, c.pos, c))
    if not cands:
        d.segment_note = ("no text column with 2–12 levels found: set segment_column to a column to compare groups "
                          "by (region, tier, channel...), or leave it null")
        return
    rank, _, _, best = sorted(cands, key=lambda t: t[:3])[0]
    d.segment_column = best.name
    levels = ", ".join(f"{v} {n}" for v, n in best.levels[:6]) + (" …" if len(best.levels) > 6 else "")
    how = "named like a segment" if rank < len(_SEGMENT_WORDS) else "the first low-cardinality text column"
    d.segment_note = f"'{_show(d, best.name)}': text with {best.nunique} levels ({levels}), {how}"
    d.segment_is_region = rank < len(_REGIONISH)
    others = [t[3].name for t in sorted(cands, key=lambda t: t[:3])[1:6]]
    if others:
        d.segment_note += "; other candidates: " + ", ".join(others)


def _group_key(c: Column, kind: str, d: Draft, label_counts: Counter) -> tuple | None:
    """The group of a column: a shared SPSS variable label, or a name prefix before a number / camelCase word."""
    if d.format == "spss" and c.label and c.label != c.name and label_counts[(kind, c.label)] >= 2:
        return ("label", c.label)
    m = _SEP_NUM.match(c.name)
    if m:
        return ("name", m.group(1))
    m = _LET_NUM.match(c.name)
    if m:
        return ("name", m.group(1))
    m = _CAMEL.match(c.name)
    if m:
        return ("name", m.group(1))
    return None


def _slug(text: str, fallback: str = "scale") -> str:
    s = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not s:
        return fallback
    return s if s[0].isalpha() else f"s_{s}"


def _groups(d: Draft, kinds: dict[str, str]) -> dict[tuple, list[str]]:
    """Columns of each kind ('rating' / 'labels') grouped by name prefix, SPSS label or numbered header run."""
    label_counts = Counter()
    if d.format == "spss":
        for name, kind in kinds.items():
            if d.columns[name].label:
                label_counts[(kind, d.columns[name].label)] += 1
    groups: dict[tuple, list[str]] = {}
    run, prev_numbered = 0, None
    for c in d.columns.values():
        kind = kinds.get(c.name)
        key = None
        if kind:
            key = _group_key(c, kind, d, label_counts)
            if key is None:
                name = d.display.get(c.name, c.name)
                m = _NUMBERED.match(name) or _NUMBERED1.match(name)
                if m:
                    if prev_numbered != kind:
                        run += 1
                    key = ("num", run, int(m.group(2)) if m.re is _NUMBERED else 0)
        prev_numbered = kind if key and key[0] == "num" else None
        if key is not None:
            groups.setdefault((kind,) + key, []).append(c.name)
    return {k: v for k, v in groups.items() if len(v) >= 2}


def _group_name(key: tuple, taken: set[str], numbered: dict[int, int]) -> tuple[str, str]:
    how = key[1]
    if how == "label":
        name, origin = _slug(key[2]), f"SPSS variable label '{key[2]}'"
    elif how == "name":
        name, origin = _slug(key[2]), f"common name prefix '{key[2]}'"
    else:
        r = numbered.setdefault(key[2], len(numbered) + 1)
        name = f"block{r}" + (f"_{key[3]}" if key[3] else "")
        origin = ("numbered questions in one run of columns" + (f", sub-item -{key[3]}" if key[3] else ""))
    base, i = name, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name, origin


def _guess_outcomes(d: Draft, grouped: dict[tuple, list[str]]) -> None:
    cols = [c for c in d.columns.values() if c.kind == "numeric" and c.name != d.id_column
            and c.name.lower() not in _METADATA and not _MODEL.search(c.name) and c.integer]
    in_group = {c: key for key, members in grouped.items() for c in members}

    def matches(role: str, ok) -> list[Column]:
        hits = [c for c in cols if _is(role, c.search) and ok(c)]
        per_group = Counter(in_group.get(c.name) for c in hits if c.name in in_group)
        hits = [c for c in hits if c.name not in in_group or per_group[in_group[c.name]] == 1]
        return sorted(hits, key=lambda c: (c.name in in_group, c.pos))

    taken: set[str] = set()

    def put(role: str, c: Column, note: str, rng: tuple[float, float]) -> None:
        d.outcomes[role] = c.name
        if role != "nps":
            note += f"; answers seen {c.range_text()}"
            if (c.lo, c.hi) != tuple(rng):
                note += f", range declared as {_num(rng[0])}–{_num(rng[1])} (the nearest usual scale)"
            note += ": 0–100 scores are computed from this range, check it against the questionnaire"
        d.outcome_notes[role] = note
        d.outcome_ranges[role] = rng
        taken.add(c.name)

    def small(c: Column) -> bool:
        return c.lo is not None and c.hi is not None and 0 <= c.lo and 2 <= c.hi <= 10

    def nps_ok(c: Column) -> bool:
        return c.lo is not None and c.hi is not None and c.lo >= 0 and 9 <= c.hi <= 10

    hits = matches("nps", nps_ok)
    if hits:
        c = hits[0]
        put("nps", c, f"'{_show(d, c.name)}' is named like a recommendation / NPS question and holds {c.range_text()} "
                      "(NPS is read on 0–10: 9–10 promoters, 0–6 detractors)", (0, 10))
    for c in matches("nps", lambda c: not nps_ok(c) and small(c)):
        d.outcome_hints.append(f"'{_show(d, c.name)}' looks like a recommendation question but is on {c.range_text()}, "
                               "not 0–10: not used as nps")
    hits = [c for c in matches("ces", small) if c.name not in taken]
    if hits:
        c = hits[0]
        put("ces", c, f"'{_show(d, c.name)}' is named like a customer-effort question", _usual_range(c))
    sat = matches("overall", lambda c: True) + matches("csat", lambda c: True)
    for c in [c for i, c in enumerate(sat) if c.name not in taken and c not in sat[:i]]:
        if c.lo is None or c.hi is None or c.lo < 0 or c.hi > 100:
            continue
        score = c.hi > 10          # a 0-100 score
        if (_is("overall", c.search) or score) and "overall" not in d.outcomes:
            put("overall", c, f"'{_show(d, c.name)}' is named like overall satisfaction"
                + ("" if _is("overall", c.search) else " and holds a 0–100 score"),
                (0, 100) if score else _usual_range(c))
        elif not score and small(c) and "csat" not in d.outcomes:
            put("csat", c, f"'{_show(d, c.name)}' is named like a satisfaction question", _usual_range(c))
    if "nps" not in d.outcomes:
        zero_ten = [c for c in cols if c.name not in taken and c.name not in in_group and c.lo == 0 and c.hi == 10
                    and c.nunique >= 6]
        if len(zero_ten) == 1:
            c = zero_ten[0]
            put("nps", c, f"'{_show(d, c.name)}' is the only stand-alone question with values 0–10 (guessed from its values "
                          "alone: check it is 'How likely are you to recommend...')", (0, 10))
        elif zero_ten:
            d.outcome_hints.append("NPS candidates (0–10 values): " + ", ".join(c.name for c in zero_ten)
                                   + "; set survey.outcomes.nps to the recommendation question")
    if "csat" not in d.outcomes and "overall" not in d.outcomes:
        q1 = [c for c in cols if _Q1.match(c.name) and c.name not in taken and c.name not in in_group and small(c)]
        if q1:
            c = q1[0]
            put("csat", c, f"'{_show(d, c.name)}' is the first question and a rating: in many satisfaction "
                           "questionnaires q1 is overall satisfaction. Check the questionnaire (guessed from its "
                           "name and range only); if it is overall satisfaction you may name it under overall: "
                           "instead (with outcome_ranges.overall)", _usual_range(c))


def _usual_range(c: Column) -> tuple[float, float]:
    """The usual rating scale holding the answers seen: 0 or 1 up to 3, 4, 5, 7 or 10.

    >>> _usual_range(Column("x", 0, "numeric", lo=2, hi=5)), _usual_range(Column("x", 0, "numeric", lo=1, hi=6))
    ((1, 5), (1, 7))
    """
    lo = 0 if c.lo == 0 else 1
    hi = next((t for t in (3, 4, 5, 7, 10) if t >= (c.hi or 0)), c.hi)
    return (lo, int(hi) if float(hi).is_integer() else hi)


def _show(d: Draft | None, name: str, limit: int = 48) -> str:
    """A column name for a comment: shortened, with its Korean reading when the file was misread as GBK."""
    def cut(s: str) -> str:
        s = _flat(s)
        return s if len(s) <= limit else s[: limit - 1] + "…"
    alt = d.display.get(name) if d else None
    return f"{cut(name)} [{cut(alt)}]" if alt and alt != name else cut(name)


def analyse(path: str | Path, *, sheet: str | int | None = None) -> Draft:
    """Read ``path`` with :func:`cxkit.io.read_table` and guess the engagement settings.

    Raises :class:`~cxkit.errors.DataError` (naming the file) when it cannot be read.
    """
    from .io import read_table

    path = Path(path)
    df, info = read_table(path, sheet=sheet)
    if info.format == "spss" and info.value_labels:
        # codes for the rating items, labels for the categories (as cx validate reads them)
        codes, _ = read_table(path, sheet=sheet, keep_codes=set(info.value_labels))
        for col, labels in info.value_labels.items():
            if col not in df.columns:
                continue
            observed = set(codes[col].dropna().tolist())
            numeric_labels = any(re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", str(labels.get(v, v))) for v in observed)
            if numeric_labels or any(v not in labels for v in observed):
                df[col] = codes[col]
    alt = _korean_names(path, info, df.columns)
    d = Draft(path, info.format, info.encoding, int(info.rows), int(info.columns), _profile(df, info, alt))
    d.display = alt
    if alt:
        d.notes.append("the file decodes as Korean (CP949) but was read as GBK: column names below are as cxkit "
                       "reads them (nonsense hanzi); the Korean text is shown in [brackets]. Re-save the file as "
                       "UTF-8 CSV for readable names")
    if info.truncated_last_line:
        d.notes.append("the last line of the file is incomplete (probably cut off): cx validate will report it")
    _guess_id(d, df)
    _guess_segment(d)
    _guess_language(d, df, alt)

    # exclusions
    for c in d.columns.values():
        if _MODEL.search(c.name) and c.kind == "numeric":
            d.left_out.append((c.name, "looks like model output (probability / prediction), not an answer"))
        elif c.kind == "numeric" and not c.integer and c.lo is not None and c.lo >= 0 and 1 < c.hi <= 10:
            d.left_out.append((c.name, f"non-integer values {c.range_text()}: a computed score (e.g. an item mean) "
                                       "rather than an answer"))
        elif c.kind == "text" and c.mean_len >= 20 and c.nunique > 12 and c.nunique >= 0.5 * c.n:
            d.text_columns.append(c.name)
    d.text_columns.sort(key=lambda n: -d.columns[n].mean_len * d.columns[n].n)
    skip = {d.id_column, d.segment_column} | {n for n, _ in d.left_out}
    kinds: dict[str, str] = {}
    for c in d.columns.values():
        if c.name in skip or c.name.lower() in _METADATA:
            continue
        if c.rating:
            kinds[c.name] = "rating"
        elif c.kind == "text" and 2 <= c.nunique <= 12 and c.name not in d.text_columns:
            kinds[c.name] = "labels"
    grouped = _groups(d, kinds)
    rating_groups = {k: v for k, v in grouped.items() if k[0] == "rating"}
    _guess_outcomes(d, rating_groups)
    used = set(d.outcomes.values())

    # scales: rating groups of one range
    taken: set[str] = set()
    numbered: dict[int, int] = {}
    cands: list[Group] = []
    in_groups: set[str] = set()
    for key, members in rating_groups.items():
        members = [m for m in members if m not in used]
        if len(members) < 2:
            continue
        name, origin = _group_name(key, taken, numbered)
        his = [d.columns[m].hi for m in members]
        lo, hi = min(d.columns[m].lo for m in members), max(his)
        in_groups.update(members)
        if min(his) < hi - 2:
            rng = ", ".join(f"{m} {d.columns[m].range_text()}" for m in members[:8])
            d.other_groups.append(f"{name} ({origin}): items on different ranges ({rng}), not one scale")
            continue
        cands.append(Group(name, members, origin, lo, hi))
    if cands:
        weight = Counter()
        for g in cands:
            weight[g.hi] += len(g.columns)
        hi = max(weight, key=lambda h: (weight[h], h))
        keep = [g for g in cands if g.hi == hi]
        lo = min(g.lo for g in keep)
        d.scale_range = (int(lo), int(hi))
        n_items = sum(len(g.columns) for g in keep)
        d.scale_range_note = (f"observed: the smallest and largest answer over the {n_items} scale items are "
                              f"{_num(lo)} and {_num(hi)} (missing codes left out); set the questionnaire's range "
                              "if no one chose an end point")
        for g in cands:
            if g.hi == hi:
                d.scales[g.name] = g
            else:
                d.other_groups.append(f"{g.name} ({g.origin}, {len(g.columns)} items): range {_num(g.lo)}–{_num(g.hi)}, "
                                      f"not the scale range {_num(lo)}–{_num(hi)} (one scale_range for all scales): "
                                      f"{_list(g.columns, d, 6)}")
    d.standalone = [n for n, k in kinds.items() if k == "rating" and n not in in_groups and n not in used]
    if d.scale_range is None:
        st = [d.columns[n] for n in d.standalone]
        his = Counter(c.hi for c in st)
        if his and max(his.values()) >= 3:
            hi = max(his, key=lambda h: (his[h], h))
            lo = min(c.lo for c in st if c.hi == hi)
            d.scale_range = (int(lo), int(hi))
            d.scale_range_note = (f"observed range of the {his[hi]} stand-alone rating questions on {_num(lo)}–"
                                  f"{_num(hi)} (no multi-item scale was found); used only when you add scales or drivers")
    # text-labelled answers
    for key, members in grouped.items():
        if key[0] != "labels":
            continue
        labels: list[str] = []
        for m in members:
            for v, _ in d.columns[m].levels:
                if v not in labels:
                    labels.append(v)
        name = _group_name(key, taken, numbered)[0]
        d.labelled.append((name, members, labels))
    grouped_labels = {m for _, ms, _ in d.labelled for m in ms}
    for n, k in kinds.items():
        c = d.columns[n]
        if k == "labels" and n not in grouped_labels and n != d.segment_column and _is_labelled_rating(c):
            d.labelled.append((n, [n], [v for v, _ in c.levels]))
    # missing codes
    for c in d.columns.values():
        if c.name in skip and c.name != d.segment_column:
            continue
        for v in c.codes:
            d.missing_codes.setdefault(v, []).append(c.name)
    return d


def _guess_language(d: Draft, df, alt: dict[str, str]) -> None:
    texts = [str(c) for c in df.columns]
    for c in d.columns.values():
        if c.kind == "text":
            texts += [v for v, _ in c.levels[:5]]
    for name in d.text_columns[:1]:
        texts += df[name].dropna().astype(str).head(50).tolist()
    blob = "".join(texts)
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in blob)
    if cjk >= 0.05 * max(len(blob), 1) and not alt:
        d.language, d.language_note = "zh", "guessed: headers / answers are in Chinese"
    else:
        why = "the file is Korean; zh | en are available" if alt else "headers / answers are not Chinese"
        d.language, d.language_note = "en", f"guessed: {why}"


def _list(names, d: Draft | None = None, limit: int | None = None) -> str:
    shown = list(names) if limit is None else list(names)[:limit]
    text = ", ".join(_show(d, n) for n in shown)
    if limit is not None and len(names) > limit:
        text += f" … ({len(names)} in all)"
    return text


# --------------------------------------------------------------------------- YAML text
def yaml_scalar(value: Any) -> str:
    """A YAML scalar for ``value``: plain when safe, else double-quoted with escapes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _num(value)
    s = str(value)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", s) and s.lower() not in {"y", "n", "yes", "no", "on", "off",
                                                                           "true", "false", "null"}:
        return s
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ch in "\x85\u2028\u2029" or _NON_PRINTABLE.match(ch):   # YAML line breaks too
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _flat(text: str) -> str:
    return _NON_PRINTABLE.sub("?", re.sub(r"\s+", " ", str(text))).strip()


class _Writer:
    def __init__(self):
        self.lines: list[str] = []

    def comment(self, text: str, indent: int = 0, width: int = 110) -> None:
        pad = " " * indent + "# "
        for para in str(text).split("\n"):
            wrapped = textwrap.wrap(_flat(para), width=max(40, width - len(pad)), break_long_words=False,
                                    break_on_hyphens=False) or [""]
            self.lines += [(pad + w).rstrip() for w in wrapped]

    def line(self, text: str, comment: str | None = None, indent: int = 0) -> None:
        s = " " * indent + text
        if comment:
            c = _flat(comment)
            if len(s) + len(c) + 4 <= 118:
                s += "  # " + c
            else:
                self.comment(c, indent)
        self.lines.append(s)

    def blank(self) -> None:
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"


@dataclass
class Inputs:
    """Where the draft's data files are, as written in engagement.yaml."""

    responses: str
    responses_note: str
    complaints: str | None = None
    complaints_note: str = ""
    complaints_draft: Draft | None = None


def render(d: Draft, inputs: Inputs, *, folder: str, language: str | None = None, engagement: str | None = None,
           missing_codes_key: bool = False) -> tuple[str, dict[str, Any]]:
    """The engagement.yaml text (with comments) and the settings it holds."""
    w = _Writer()
    data: dict[str, Any] = {}
    stem = d.path.stem
    eng = engagement or _engagement_name(stem)
    w.comment(f"Draft written by `cx init` from {d.path.name} ({d.rows} rows × {d.ncols} columns, {d.format}"
              + (f", {d.encoding}" if d.encoding else "") + ").")
    w.comment("Every value below was GUESSED from the data: each comment says from what, and what to check against "
              "the questionnaire. Lines marked FILL IN need your input. Then check the draft with:")
    w.comment(f"  cx validate {folder}")
    for note in d.notes:
        w.comment("NOTE: " + note)
    w.line(f"engagement: {yaml_scalar(eng)}", "from the file name; names the output folders")
    data["engagement"] = eng
    w.line(f"client: {yaml_scalar(stem)}", "FILL IN: the client's name (the file name stands in)")
    data["client"] = stem
    lang = language or d.language
    w.line(f"language: {lang}", "set with --language" if language else f"{d.language_note} (zh | en)")
    data["language"] = lang
    w.line("wave: wave1", "FILL IN: the survey wave, e.g. 2025Q4 (a placeholder)")
    data["wave"] = "wave1"
    w.blank()

    # regions
    w.line("regions:")
    w.comment("One region 'all' holds the whole file.", 2)
    if d.segment_column and d.segment_is_region:
        seg = d.columns[d.segment_column]
        ex = seg.levels[0][0] if seg.levels else "x"
        w.comment(f"'{_show(d, d.segment_column)}' looks like a region ({seg.nunique} levels: "
                  f"{', '.join(v for v, _ in seg.levels[:8])}). To report each as a region of its own, split the file "
                  f"into one file per {_show(d, d.segment_column)} and list one region per file, e.g.", 2)
        w.comment(f"  {_slug(ex, 'region1')}: {{label: {ex}, responses: data/{stem}_{_slug(ex, 'region1')}{d.path.suffix}}}", 2)
        w.comment("(region names: lower-case letters, digits and _; the display name goes in label).", 2)
    w.line("all:", indent=2)
    region: dict[str, Any] = {"label": stem}
    w.line(f"label: {yaml_scalar(stem)}", "display name of the region (the file name)", 4)
    w.line(f"responses: {yaml_scalar(inputs.responses)}", inputs.responses_note, 4)
    region["responses"] = inputs.responses
    if inputs.complaints:
        w.line(f"complaints: {yaml_scalar(inputs.complaints)}", inputs.complaints_note, 4)
        region["complaints"] = inputs.complaints
    data["regions"] = {"all": region}
    w.blank()

    w.line("validation:")
    w.line("policy: error", "error | warn (warn: exclude bad cells and report them)", 2)
    data["validation"] = {"policy": "error"}
    w.blank()
    glob, per = d.code_plan() if missing_codes_key else ([], {})
    if per:
        w.line("input:")
        w.line("responses:", indent=2)
        w.comment("missing_codes: answers that are probably 'no answer' codes, per column (see the block at the end); "
                  "0 is never set for all columns because it is a real answer on 0–10 / 0–100 questions. Remove "
                  "a column if its 0 is a real answer.", 4)
        entries = [f"{yaml_scalar(c)}: [{', '.join(_num(v) for v in vals)}]" for c, vals in per.items()]
        _flow_map(w, "missing_codes", entries, 4)
        data["input"] = {"responses": {"missing_codes": {c: [_int(v) for v in vals] for c, vals in per.items()}}}
        w.blank()

    # survey
    survey: dict[str, Any] = {}
    w.line("survey:")
    w.comment("id: " + d.id_note, 2)
    w.line(f"id_column: {yaml_scalar(d.id_column)}", None if d.id_column else "null: the row number identifies a "
           "respondent", 2)
    survey["id_column"] = d.id_column
    w.comment("segment: " + d.segment_note, 2)
    w.line(f"segment_column: {yaml_scalar(d.segment_column)}", None if d.segment_column else "none found", 2)
    survey["segment_column"] = d.segment_column
    if d.scale_range:
        w.comment("scale_range: " + d.scale_range_note, 2)
        w.line(f"scale_range: [{d.scale_range[0]}, {d.scale_range[1]}]", indent=2)
        survey["scale_range"] = [d.scale_range[0], d.scale_range[1]]
    if d.scales:
        w.comment("scales: integer columns on the scale range grouped into scales as said on each. Name each scale "
                  "after its construct (the key is free), list reverse-keyed items under reverse: and remove items "
                  "that do not belong.", 2)
        w.line("scales:", indent=2)
        scales: dict[str, Any] = {}
        for g in d.scales.values():
            first = _show(d, g.columns[0]) if d.display else ""
            w.line(f"{yaml_scalar(g.name)}:", f"{len(g.columns)} items, {g.origin}, observed {_num(g.lo)}–{_num(g.hi)}"
                   + (f"; first: {first}" if first else ""), 4)
            w.line("items:", indent=6)
            for it in g.columns:
                w.line(f"- {yaml_scalar(it)}", indent=8)
            scales[g.name] = {"items": list(g.columns)}
        survey["scales"] = scales
    else:
        w.line("scales: {}", "no multi-item scale found (see the notes at the end)", 2)
        survey["scales"] = {}
    outcomes = {k: d.outcomes[k] for k in ("csat", "nps", "ces", "overall") if k in d.outcomes}
    if outcomes:
        w.line("outcomes:", indent=2)
        for role, col in outcomes.items():
            w.comment(f"{role}: {d.outcome_notes[role]}", 4)
            w.line(f"{role}: {yaml_scalar(col)}", indent=4)
        ranges = dict(_OUTCOME_DEFAULT_RANGES)
        ranges.update({k: v for k, v in d.outcome_ranges.items()})
        roles = ["csat", "nps", "ces"] + (["overall"] if "overall" in outcomes else [])
        w.comment("outcome_ranges: the range of each outcome (see each outcome's comment; nps is always 0–10). Values "
                  "outside are errors, and 0–100 scores are computed from these ranges.", 2)
        w.line("outcome_ranges:", indent=2)
        for role in roles:
            lo, hi = ranges[role]
            w.line(f"{role}: [{_num(lo)}, {_num(hi)}]", None if role in outcomes else "default", 4)
        survey["outcomes"] = outcomes
        survey["outcome_ranges"] = {r: [_int(v) for v in ranges[r]] for r in roles}
    else:
        w.line("outcomes: {}", "FILL IN: no csat / nps / ces / overall column recognised", 2)
        survey["outcomes"] = {}
    if glob:
        w.line(f"missing_codes: [{', '.join(_num(v) for v in glob)}]", "'no answer' codes in every survey column: "
               "spotted in the data (see the block at the end)", 2)
        survey["missing_codes"] = [_int(v) for v in glob]
    data["survey"] = survey

    # root cause
    cd = inputs.complaints_draft
    if inputs.complaints:
        w.blank()
        rc: dict[str, Any] = {}
        w.line("root_cause:", "notebook 04: coding of the complaint texts")
        if cd and cd.text_columns:
            tc = cd.text_columns[0]
            c = cd.columns[tc]
            note = f"the longest free text in {cd.path.name}: {c.n} texts, {c.mean_len:.0f} characters on average"
        else:
            texts = [c for c in (cd.columns.values() if cd else []) if c.kind == "text"]
            tc = max(texts, key=lambda c: c.mean_len).name if texts else "comment"
            note = "FILL IN: no long free-text column recognised; this is a guess"
        w.line(f"text_column: {yaml_scalar(tc)}", note, 2)
        rc["text_column"] = tc
        cid = cd.id_column if cd else None
        w.line(f"id_column: {yaml_scalar(cid)}", "an id column of the complaints file" if cid else "none found", 2)
        rc["id_column"] = cid
        tier = cd.segment_column if cd else None
        w.line(f"tier_column: {yaml_scalar(tier)}", "a segment column of the complaints file (cross-tab)" if tier
               else "none found", 2)
        rc["tier_column"] = tier
        data["root_cause"] = rc

    _notes(w, d, inputs, missing_codes_key)
    return w.text(), data


def _int(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def _flow_map(w: _Writer, key: str, entries: list[str], indent: int, width: int = 110) -> None:
    """``key: {a: [0], b: [0], ...}`` wrapped over several lines."""
    lines, cur = [], ""
    for e in entries:
        if cur and len(cur) + len(e) + 2 > width - indent - 4:
            lines.append(cur + ",")
            cur = e
        else:
            cur = f"{cur}, {e}" if cur else e
    lines.append(cur)
    w.line(f"{key}: {{{lines[0]}" + ("}" if len(lines) == 1 else ""), indent=indent)
    for i, ln in enumerate(lines[1:], 1):
        w.line(ln + ("}" if i == len(lines) - 1 else ""), indent=indent + 4)


def _notes(w: _Writer, d: Draft, inputs: Inputs, missing_codes_key: bool) -> None:
    """The comment blocks: what was found but not written."""
    blocks: list[tuple[str, list[str]]] = []
    if d.missing_codes:
        lines = []
        for v in sorted(d.missing_codes):
            cols = d.missing_codes[v]
            what = ("0 inside an otherwise 1-based scale: usually 'not applicable / no experience'" if v == 0
                    else f"{_num(v)}: a usual 'no answer' code outside the column's other values")
            lines.append(f"{what} — {len(cols)} column(s): {_list(cols)}")
        if missing_codes_key:
            glob, per = d.code_plan()
            where = []
            if glob:
                where.append(f"survey.missing_codes [{', '.join(_num(v) for v in glob)}] (no valid answer in any "
                             "analysed column)")
            if per:
                where.append(f"input.responses.missing_codes for {len(per)} column(s)")
            lines.append("Written as " + " and ".join(where) + ": cx validate then treats those cells as missing. "
                         "Check each against the questionnaire.")
        else:
            lines.append("Suggested: treat them as missing (survey.missing_codes: ["
                         + ", ".join(_num(v) for v in sorted(d.missing_codes)) + "]). This cxkit version has no "
                         "survey.missing_codes setting, so it is not written: recode these cells to empty in the file; "
                         "cx validate reports them as out of range in the analysed columns.")
        blocks.append(("Missing codes spotted (values that are probably not answers)", lines))
    if d.text_columns and not inputs.complaints:
        tc = d.text_columns[0]
        c = d.columns[tc]
        lines = [f"{_list(d.text_columns)}: long free text (e.g. '{tc}': {c.n} texts, {c.mean_len:.0f} characters on "
                 "average). To code them with notebook 04 (root cause), point complaints at this file and name the "
                 "column:",
                 f"  regions: all: complaints: {inputs.responses}",
                 f"  root_cause: {{text_column: {yaml_scalar(tc)}, id_column: {yaml_scalar(d.id_column)}, "
                 "tier_column: null}",
                 "(or run cx init with --complaints FILE for a separate complaints file)."]
        blocks.append(("Free text", lines))
    if d.labelled:
        from .io import LIKERT_5, normalize_label

        book = {normalize_label(k): v for k, v in LIKERT_5.items()}
        lines = ["Text answers on a rating scale are not used as items: cx maps text to numbers only through a "
                 "codebook (input.labels: {label: number}; the built-in 5-point labels only on scale_range [1, 5]). "
                 "Give each label its number, leave 'not applicable' labels out (cx validate then reports them; "
                 "under validation.policy warn they become missing) and list the columns under survey.scales."]
        for name, cols, labels in d.labelled:
            shown = ", ".join(f"{lab} (= {_num(book[normalize_label(lab)])} built in)" if normalize_label(lab) in book
                              else lab for lab in labels[:10])
            lines.append(f"{name}: {len(cols)} column(s) ({_list(cols, d, 6)}): {shown}")
            built = [book[normalize_label(lab)] for lab in labels if normalize_label(lab) in book]
            if len(labels) > 5 and len(set(built)) < len(built):
                lines.append(f"  ({len(labels)} labels: the built-in 5-point codebook gives some the same number; "
                             f"map all {len(labels)} in input.responses.labels per column instead)")
        blocks.append(("Text-labelled answers", lines))
    if d.standalone:
        lines = [f"{len(d.standalone)} rating question(s) not in any group: {_list(d.standalone, d)}.",
                 "Group them into scales by topic (survey.scales) or list them as survey.drivers for a key-driver "
                 "analysis by item."]
        blocks.append(("Stand-alone rating questions", lines))
    if d.other_groups or d.outcome_hints:
        blocks.append(("Not used as scales / outcomes", d.other_groups + d.outcome_hints))
    if d.left_out:
        blocks.append(("Left out", [f"{_show(d, c)}: {why}" for c, why in d.left_out]))
    if blocks:
        w.blank()
        w.comment("-" * 100)
        w.comment("Found in the data but not written as settings:")
    for title, lines in blocks:
        w.comment("")
        w.comment(title + ":")
        for line in lines:
            w.comment(line)


# --------------------------------------------------------------------------- writing
def _engagement_name(stem: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-_.")
    s = re.sub(r"-{2,}", "-", s)[:64].rstrip("-_.")
    return s or "engagement"


def _folder_name(stem: str) -> str:
    s = re.sub(r"[^\w.-]+", "_", stem).strip("._")
    return s or "engagement"


def _place(src: Path, out_dir: Path, force: bool) -> tuple[str, str, Path | None]:
    """Reference ``src`` relatively when it sits under the engagement folder's parent, else copy it to data/.

    Returns (path as written in engagement.yaml, comment, file to copy to or None).
    """
    src = src.resolve()
    root = out_dir.resolve()
    try:
        src.relative_to(root.parent)
        rel = Path(os.path.relpath(src, root)).as_posix()
        return rel, "the client's file, relative to this folder (not copied)", None
    except ValueError:
        pass
    dest = root / "data" / src.name
    if dest.exists() and dest.read_bytes() != src.read_bytes() and not force:
        raise ConfigError([Problem(str(dest), "", "a different file of that name is already there")],
                          hint="use --force to replace it, or --out for another folder")
    return f"data/{src.name}", f"copied from {src}", dest


@dataclass
class InitResult:
    folder: Path
    file: Path
    draft: Draft
    settings: dict[str, Any]
    copied: list[Path]
    problems: list[str]           # what `cx validate` still reports on the draft

    @property
    def valid(self) -> bool:
        return not self.problems


def _missing_codes_supported() -> bool:
    """Does this cxkit read ``survey.missing_codes: [99]`` and ``input.responses.missing_codes: {col: [0]}``?"""
    from .config import SurveyParams
    from .io import FileOptions

    try:
        SurveyParams.model_validate({"missing_codes": [99]})
        FileOptions.model_validate({"missing_codes": {"q1": [0]}})
    except Exception:  # noqa: BLE001 - an older cxkit (extra keys forbidden) or another shape
        return False
    return True


def init_engagement(datafile: str | Path, *, out: str | Path | None = None, language: str | None = None,
                    complaints: str | Path | None = None, force: bool = False) -> InitResult:
    """Write ``<out>/engagement.yaml`` drafted from ``datafile`` (see the module docstring).

    ``out`` defaults to ``./params/<file name>``. An existing engagement.yaml is replaced only with
    ``force``. Raises :class:`DataError` when a data file cannot be read, :class:`ConfigError` when the
    draft would overwrite something.
    """
    import yaml

    from .config import ENGAGEMENT_FILE, load_engagement

    src = Path(datafile)
    if not src.is_file():
        raise DataError("file not found", file=str(src), hint="give the path of the client's data file")
    out_dir = Path(out) if out else Path("params") / _folder_name(src.stem)
    target = out_dir / ENGAGEMENT_FILE
    if target.exists() and not force:
        raise ConfigError([Problem(str(target), "", "already exists")],
                          hint="use --force to replace it, or --out for another folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError([Problem(str(out_dir), "", "exists and is not a folder")], hint="choose another --out")
    if language not in (None, "zh", "en"):
        raise ConfigError([Problem("--language", "", f"must be zh or en, got {language!r}")])
    d = analyse(src)
    cd = None
    if complaints is not None:
        csrc = Path(complaints)
        if not csrc.is_file():
            raise DataError("file not found", file=str(csrc), hint="give the path of the complaints file")
        cd = analyse(csrc)
    rel, note, dest = _place(src, out_dir, force)
    inputs = Inputs(rel, note)
    copies = [(src, dest)] if dest else []
    if cd is not None:
        crel, cnote, cdest = _place(cd.path, out_dir, force)
        inputs.complaints, inputs.complaints_note, inputs.complaints_draft = crel, cnote, cd
        if cdest and cdest != dest:
            copies.append((cd.path, cdest))
    key = _missing_codes_supported()
    text, settings = render(d, inputs, folder=_shown(out_dir), language=language, missing_codes_key=key)
    parsed = yaml.safe_load(text)
    if parsed != settings:  # a bug in render(): never write a file that says something else than meant
        raise RuntimeError(f"cx init: the drafted YAML does not parse to the intended settings: {parsed!r} != {settings!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for s, t in copies:
        t.parent.mkdir(parents=True, exist_ok=True)
        if not (t.exists() and t.read_bytes() == s.read_bytes()):
            shutil.copy2(s, t)
        copied.append(t)
    target.write_text(text, encoding="utf-8")
    problems: list[str] = []
    try:
        eng = load_engagement(out_dir)
    except ConfigError as exc:
        problems.append(str(exc))
    else:
        problems += _validation_problems(eng)
    return InitResult(out_dir, target, d, settings, copied, problems)


def _shown(p: Path) -> str:
    """``p`` relative to the working folder when it is under it, else absolute."""
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return str(p.resolve())


def _validation_problems(eng) -> list[str]:
    """The errors `cx validate` would report on the draft's data (warnings are not problems)."""
    from .validation import validate_region

    out = []
    for name, reg in eng.regions.items():
        for rep in validate_region(reg.params):
            if rep.fatal is not None:
                out.append(f"{name}: {rep.fatal}")
            out += [f"{name}: {f.render(rep.file)}" + (f" → {f.hint}" if f.hint else "") for f in rep.errors]
    return out


def summary(res: InitResult) -> list[str]:
    """Short report of what was guessed, for the terminal."""
    d = res.draft
    lines = [f"wrote {res.file} (draft from {d.path.name}: {d.rows} rows × {d.ncols} columns, {d.format}"
             + (f", {d.encoding}" if d.encoding else "") + ")"]

    def row(k: str, v: str) -> None:
        lines.append(f"  {k:<14}{v}")

    row("id column", d.id_column or "none found (id_column: null, the row number identifies a respondent)")
    seg = d.segment_column
    row("segment", (f"{seg} ({d.columns[seg].nunique} levels" + ("; looks like a region: see the comment on "
                    "splitting" if d.segment_is_region else "") + ")") if seg else "none found")
    if d.outcomes:
        row("outcomes", ", ".join(f"{k} = {v}" for k, v in d.outcomes.items()))
    else:
        row("outcomes", "none found: FILL IN survey.outcomes")
    if d.scales:
        row("scales", f"{len(d.scales)} on {d.scale_range[0]}–{d.scale_range[1]}: "
            + ", ".join(f"{g.name} ({len(g.columns)})" for g in d.scales.values()))
    else:
        row("scales", "none found")
    if d.standalone:
        row("stand-alone", f"{len(d.standalone)} rating question(s), listed in a comment")
    if d.missing_codes:
        row("missing codes", "; ".join(f"{_num(v)} in {len(c)} column(s)" for v, c in sorted(d.missing_codes.items()))
            + (" (written as missing codes)" if res.settings.get("input") or res.settings["survey"].get("missing_codes")
               else " (comment)"))
    if res.settings.get("root_cause"):
        row("complaints", f"{res.settings['regions']['all']['complaints']}, text column "
            f"{res.settings['root_cause']['text_column']}")
    elif d.text_columns:
        row("free text", ", ".join(d.text_columns[:4]) + " (complaints / root_cause suggested in a comment)")
    if d.labelled:
        row("text labels", f"{sum(len(c) for _, c, _ in d.labelled)} column(s) answered with text labels (comment)")
    if d.left_out:
        row("left out", f"{len(d.left_out)} column(s): " + _list([c for c, _ in d.left_out], None, 4))
    for c in res.copied:
        row("data", f"copied to {c}")
    if not res.copied:
        row("data", f"referenced as {res.settings['regions']['all']['responses']}")
    for note in d.notes:
        lines.append(f"  note: {note}")
    todo = ["client", "wave"] + ([] if d.outcomes else ["survey.outcomes"])
    lines.append(f"fill in: {', '.join(todo)} (marked FILL IN in the file)")
    if res.valid:
        lines.append("the draft passes cx validate; check every guess against the questionnaire (each comment says "
                     "what was guessed from what)")
    else:
        lines.append(f"the draft does NOT pass cx validate yet ({len(res.problems)} problem(s)); fill in what the "
                     "comments mark FILL IN:")
        for p in res.problems[:6]:
            lines.append("  - " + p.replace("\n", "\n    "))
        if len(res.problems) > 6:
            lines.append(f"  … {len(res.problems) - 6} more")
    lines.append(f"next: cx validate {_shown(res.folder)}")
    return lines


def cmd_init(args) -> int:
    """``cx init DATAFILE [--out DIR] [--language zh|en] [--complaints FILE] [--force]``."""
    res = init_engagement(args.datafile, out=args.out, language=args.language, complaints=args.complaints,
                          force=args.force)
    print("\n".join(summary(res)))
    return 0
