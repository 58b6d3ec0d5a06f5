"""Root cause: code complaint verbatims into causes, find the vital few, trace them to a root cause.

The steps a consultant follows, one function each:

1. :func:`load_codebook` -- a bilingual YAML codebook (built in: ``service_fishbone``,
   ``doc_categories``; or a consultant's file), validated: duplicate codes, invalid
   regular expressions, missing labels are reported with the file and code named.
2. :func:`clean_verbatims` -- drop empty texts (reported by row), flag very long ones.
3. :func:`auto_code` -- multi-label keyword/regex coding; Chinese is tokenised with jieba
   (codebook keywords are added to jieba's dictionary so they stay whole tokens).
   :func:`uncoded_terms` lists the most frequent words of the verbatims left uncoded, to
   grow the codebook.
4. :func:`pareto` -- counts, cumulative share, the vital few up to the 80% line and the
   share carried by the top 20% of codes (Juran's rule, document 000).
5. :func:`validate_chains` / :func:`plot_chain` -- 5-Why chains (3 to 7 whys).
6. :func:`ahp_weights` -- AHP principal-eigenvector weights and consistency ratio
   (Saaty's random index), :func:`fuzzy_evaluation` -- fuzzy comprehensive evaluation,
   :func:`priority_table` -- severity x scope x frequency, ranked High/Medium/Low.
7. :func:`plot_fishbone`, :func:`plot_pareto` -- the charts.

Only the stdlib, pydantic and ``re`` are imported at module level (``cxkit.config``
imports this module for :class:`RootCauseParams`); jieba, pandas, numpy and matplotlib
are imported inside the functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import AnalysisError, ConfigError, DataError, Problem

UNCODED = "uncoded"
LANGS = ("zh", "en")
BUILTIN_DIR = Path(__file__).resolve().parent / "codebooks"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: Saaty's random consistency index RI(n) (Saaty 1980, Table 1.7; Saaty 2008), n = 1..10.
SAATY_RI = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}

Text = Union[str, dict[str, str]]


# =========================================================================== params
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _nonempty_text(v: Any, what: str) -> Any:
    if isinstance(v, dict):
        if not v or any(not str(x).strip() for x in v.values()):
            raise ValueError(f"{what} must not be empty")
        bad = [k for k in v if k not in LANGS]
        if bad:
            raise ValueError(f"{what}: languages must be zh/en, got {bad}")
    elif v is None or not str(v).strip():
        raise ValueError(f"{what} must not be empty")
    return v


class ChainSpec(_Strict):
    """One 5-Why chain: symptom -> whys -> root cause, with the countermeasure and its owner."""

    id: str
    symptom: Text
    whys: list[Text] = Field(min_length=3, max_length=7)
    root_cause: Text
    category: str
    countermeasure: Text
    owner: Text
    due: str | None = None
    kpi: Text | None = None
    evidence: Text | None = None
    source: str | None = None

    @field_validator("symptom", "root_cause", "countermeasure", "owner")
    @classmethod
    def _filled(cls, v, info):
        return _nonempty_text(v, info.field_name)

    @field_validator("whys")
    @classmethod
    def _whys_filled(cls, v):
        for i, w in enumerate(v, 1):
            _nonempty_text(w, f"why #{i}")
        return v


class IssueSpec(_Strict):
    """Severity and scope (1-5) of one fishbone category, and who owns its fix."""

    severity: float = Field(ge=1, le=5)
    scope: float = Field(ge=1, le=5)
    owner: Text | None = None


class PriorityParams(_Strict):
    """Priority = AHP-weighted severity, scope and frequency (document 001)."""

    criteria: list[str] = Field(default_factory=lambda: ["severity", "scope", "frequency"])
    #: pairwise comparisons on Saaty's 1-9 scale; entries may be numbers or "1/3"
    ahp_matrix: list[list[Union[float, str]]] = Field(
        default_factory=lambda: [[1.0, 2.0, 3.0], ["1/2", 1.0, 2.0], ["1/3", "1/2", 1.0]])
    max_cr: float = Field(default=0.10, gt=0, le=1)
    thresholds: dict[str, float] = Field(default_factory=lambda: {"high": 0.65, "medium": 0.45})
    issues: dict[str, IssueSpec] = Field(default_factory=dict)
    fuzzy: bool = False

    @model_validator(mode="after")
    def _shape(self):
        if sorted(self.criteria) != sorted(["severity", "scope", "frequency"]):
            raise ValueError("criteria must be severity, scope and frequency (in any order)")
        if set(self.thresholds) != {"high", "medium"} or not 0 < self.thresholds["medium"] < self.thresholds["high"] <= 1:
            raise ValueError("thresholds must be {high: h, medium: m} with 0 < m < h <= 1")
        return self


class RootCauseParams(_Strict):
    """The ``root_cause:`` section of engagement.yaml."""

    text_column: str = "comment"
    id_column: str | None = "complaint_id"
    codebook: str = "service_fishbone"
    doc_codebook: str | None = "doc_categories"
    touchpoint_column: str | None = None
    tier_column: str | None = "tier"
    language_column: str | None = None
    #: a column of the complaints file holding a human coder's category (fishbone codebook)
    human_code_column: str | None = None
    #: the same for the documents' categories codebook
    human_doc_code_column: str | None = None
    #: or a separate CSV/XLSX of human codes: columns <id_column> and "code"
    human_codes_file: str | None = None
    #: a column of the complaints file holding the complainant's satisfaction or NPS score (cause impact)
    score_column: str | None = None
    #: or a column of the complaints naming the respondent who complained (matched to ``survey.id_column``):
    #: the score is then that respondent's ``impact_outcome`` in the region's responses
    respondent_column: str | None = None
    impact_outcome: Literal["csat", "nps", "ces", "overall"] = "csat"
    #: scored complaints needed in each group (mentioning / not) before a cause's difference is tested
    impact_min_n: int = Field(default=5, ge=2, le=10000)
    max_chars: int = Field(default=2000, ge=50)
    examples_per_code: int = Field(default=3, ge=0, le=20)
    top_uncoded_terms: int = Field(default=20, ge=0, le=200)
    chains: list[ChainSpec] = Field(default_factory=list)
    priority: PriorityParams = Field(default_factory=PriorityParams)
    # what the playbook shows and when it warns (cxkit.rootcause_sections)
    #: data rows named in the notes on dropped (empty) and truncated (long) verbatims
    rows_listed: int = Field(default=10, ge=1, le=1000)
    #: codes in the code-level Pareto table
    codes_shown: int = Field(default=15, ge=1, le=500)
    #: most frequent codes written on each bone of the fishbone chart
    fishbone_codes: int = Field(default=3, ge=0, le=10)
    #: characters of the example verbatim in the candidate-themes table
    theme_example_chars: int = Field(default=120, ge=20, le=2000)
    #: a share of uncoded complaints above this warns that the codebook may not fit (the note says "> 20%")
    uncoded_warn_share: float = Field(default=0.2, gt=0, le=1)
    #: Cohen's kappa (auto vs human codes) below this warns; at or above ``kappa_ok_from`` it is noted as
    #: almost perfect (Landis & Koch 1977; the notes quote 0.6 and 0.8)
    kappa_warn_below: float = Field(default=0.6, ge=0, le=1)
    kappa_ok_from: float = Field(default=0.8, ge=0, le=1)

    @model_validator(mode="after")
    def _one_score_source(self):
        if self.score_column and self.respondent_column:
            raise ValueError("give root_cause.score_column (a score in the complaints file) or "
                             "root_cause.respondent_column (a link to the survey), not both")
        return self

    @model_validator(mode="after")
    def _kappa_bands(self):
        if self.kappa_warn_below > self.kappa_ok_from:
            raise ValueError("kappa_warn_below must not exceed kappa_ok_from")
        return self

    @model_validator(mode="after")
    def _unique_chain_ids(self):
        ids = [c.id for c in self.chains]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"chain ids must be unique; repeated: {', '.join(dup)}")
        return self

    @model_validator(mode="after")
    def _builtin_codebooks(self):
        """Early check (cx validate) of built-in codebook names and of chain categories."""
        for key in ("codebook", "doc_codebook"):
            name = getattr(self, key)
            if name and not _looks_like_path(name) and not (BUILTIN_DIR / f"{name}.yaml").is_file():
                raise ValueError(f"{key}: no built-in codebook named '{name}' (built in: "
                                 f"{', '.join(builtin_codebooks())}; or give a path to a YAML file)")
        if self.chains and not _looks_like_path(self.codebook):
            cats = _builtin_categories(self.codebook)
            bad = [f"{c.id}: '{c.category}'" for c in self.chains if c.category not in cats]
            if bad:
                raise ValueError(f"chain categories not in the codebook '{self.codebook}' ({', '.join(cats)}): "
                                 + "; ".join(bad))
        return self


def _looks_like_path(name: str) -> bool:
    return Path(name).suffix.lower() in (".yaml", ".yml") or "/" in name or "\\" in name


@lru_cache(maxsize=8)
def _builtin_categories(name: str) -> tuple[str, ...]:
    import yaml

    raw = yaml.safe_load((BUILTIN_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or {}
    return tuple(raw.get("categories") or ())


def text_in(v: Text | None, lang: str) -> str:
    """A bilingual value ({zh, en} or plain str) in ``lang`` (falls back to the other language)."""
    if v is None:
        return ""
    if isinstance(v, dict):
        return str(v.get(lang) or next(iter(v.values()), ""))
    return str(v)


# =========================================================================== codebook
@dataclass
class Code:
    id: str
    category: str
    label: dict[str, str]
    keywords: dict[str, list[str]]
    regex: dict[str, list[re.Pattern]]
    #: a hit is dropped when its clause (text between punctuation) matches one of these (negation,
    #: praise, another sense of the word: 味道还行, "no delay")
    exclude: dict[str, list[re.Pattern]] = field(default_factory=lambda: {l: [] for l in LANGS})
    #: the code only counts when the whole text matches one of these (word sense by context:
    #: "gate" is a process step only when the text is about a flight)
    context: dict[str, list[re.Pattern]] = field(default_factory=lambda: {l: [] for l in LANGS})
    #: weight of each hit of this code in the primary-category score
    weight: float = 1.0


@dataclass
class Codebook:
    """A validated codebook: ordered categories, each with codes and their rules."""

    name: str
    source: str
    label: dict[str, str]
    categories: dict[str, dict[str, str]]          # category id -> label {zh, en}
    codes: list[Code] = field(default_factory=list)
    #: codebook-wide clause exclusions: a hit of any code in a clause matching one of these is dropped
    #: (praise such as 挺好 / "great service", which is not a complaint)
    exclude: dict[str, list[re.Pattern]] = field(default_factory=lambda: {l: [] for l in LANGS})
    description: str = ""

    def code(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def category_label(self, cat: str, lang: str) -> str:
        if cat == UNCODED:
            return {"zh": "未编码", "en": "Uncoded"}[lang]
        return self.categories[cat][lang]

    def code_label(self, code_id: str, lang: str) -> str:
        if code_id == UNCODED:
            return self.category_label(UNCODED, lang)
        return self.code(code_id).label[lang]

    def keyword_count(self) -> int:
        return sum(len(v) for c in self.codes for v in c.keywords.values())


def _label(raw: Any, file: str, where: str, problems: list[Problem]) -> dict[str, str]:
    if isinstance(raw, str) and raw.strip():
        return {"zh": raw, "en": raw}
    if not isinstance(raw, dict) or any(not isinstance(raw.get(l), str) or not raw.get(l).strip() for l in LANGS):
        problems.append(Problem(file, where, "needs a label with both zh and en text, e.g. {zh: 人员, en: People}"))
        return {"zh": where, "en": where}
    return {"zh": raw["zh"], "en": raw["en"]}


def _lang_lists(raw: Any, file: str, where: str, problems: list[Problem], lower: bool = True) -> dict[str, list[str]]:
    if raw is None:
        return {l: [] for l in LANGS}
    if not isinstance(raw, dict) or any(k not in LANGS for k in raw):
        problems.append(Problem(file, where, "expected a mapping {zh: [...], en: [...]}"))
        return {l: [] for l in LANGS}
    out = {}
    for l in LANGS:
        v = raw.get(l) or []
        if not isinstance(v, list) or any(not isinstance(x, (str, int, float)) or not str(x).strip() for x in v):
            problems.append(Problem(file, f"{where}.{l}", "expected a list of non-empty words"))
            v = []
        out[l] = [str(x).strip().lower() if lower else str(x).strip() for x in v]
    return out


def _lang_regex(raw: Any, file: str, where: str, problems: list[Problem]) -> dict[str, list[re.Pattern]]:
    """{zh: [regex], en: [regex]} compiled; an invalid pattern is reported with Python's explanation."""
    lists = _lang_lists(raw, file, where, problems, lower=False)   # \S is not \s: patterns keep their case
    out: dict[str, list[re.Pattern]] = {l: [] for l in LANGS}
    for l in LANGS:
        for i, pat in enumerate(lists[l]):
            try:
                out[l].append(re.compile(pat))
            except re.error as exc:
                problems.append(Problem(file, f"{where}.{l}[{i}]", f"invalid regular expression {pat!r}: {exc}"))
    return out


def resolve_codebook_path(name_or_path: str, base_dir: str | Path | None = None) -> Path:
    """A built-in codebook name (``service_fishbone``) or a path to a YAML codebook."""
    p = Path(name_or_path)
    if _looks_like_path(name_or_path):
        if not p.is_absolute() and base_dir is not None and (Path(base_dir) / p).is_file():
            p = Path(base_dir) / p
        if not p.is_file():
            raise ConfigError([Problem(str(p), "", "codebook file not found")],
                              hint=f"use a built-in codebook ({', '.join(builtin_codebooks())}) or a path to a YAML file")
        return p
    builtin = BUILTIN_DIR / f"{name_or_path}.yaml"
    if not builtin.is_file():
        raise ConfigError([Problem("engagement.yaml", "root_cause.codebook",
                                   f"no built-in codebook named '{name_or_path}'")],
                          hint=f"use one of {', '.join(builtin_codebooks())} or a path to a YAML codebook")
    return builtin


def builtin_codebooks() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def load_codebook(name_or_path: str | Path, base_dir: str | Path | None = None) -> Codebook:
    """Load and validate a codebook.

    Parameters
    ----------
    name_or_path : str or Path
        A built-in name (see :func:`builtin_codebooks`) or a YAML file.
    base_dir : path, optional
        Folder that relative paths are resolved against (the engagement folder).

    Returns
    -------
    Codebook

    Raises
    ------
    ConfigError
        Listing every problem with the file and the ``category.code`` it concerns:
        a code id used twice (also across categories), an invalid regular expression
        (with Python's explanation), a missing zh/en label, a code without any rule.

    Examples
    --------
    >>> cb = load_codebook("service_fishbone")
    >>> list(cb.categories)[:3]
    ['people', 'process', 'policy']
    """
    from .config import load_yaml

    path = resolve_codebook_path(str(name_or_path), base_dir)
    file = str(path)
    raw = load_yaml(path)   # refuses duplicate keys (a code twice in one category) with the line number
    problems: list[Problem] = []
    if not isinstance(raw, dict) or not isinstance(raw.get("categories"), dict) or not raw["categories"]:
        raise ConfigError([Problem(file, "categories", "a codebook needs 'categories:' mapping category -> "
                                                       "{label, codes}")])
    unknown_top = [k for k in raw if k not in ("name", "label", "categories", "description", "exclude")]
    if unknown_top:
        problems.append(Problem(file, "", f"unknown keys {unknown_top}; allowed: name, label, description, "
                                          "exclude, categories"))
    cb = Codebook(name=str(raw.get("name") or path.stem), source=file,
                  label=_label(raw.get("label", path.stem), file, "label", problems), categories={},
                  exclude=_lang_regex(raw.get("exclude"), file, "exclude", problems),
                  description=str(raw.get("description") or ""))
    seen: dict[str, str] = {}
    for cat, spec in raw["categories"].items():
        cat = str(cat)
        if cat == UNCODED:
            problems.append(Problem(file, f"categories.{cat}", f"'{UNCODED}' is reserved for verbatims no rule matched"))
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("codes"), dict) or not spec["codes"]:
            problems.append(Problem(file, f"categories.{cat}", "needs 'label' and a non-empty 'codes' mapping"))
            continue
        cb.categories[cat] = _label(spec.get("label"), file, f"categories.{cat}.label", problems)
        for code_id, cspec in spec["codes"].items():
            code_id = str(code_id)
            where = f"categories.{cat}.codes.{code_id}"
            if code_id in seen:
                problems.append(Problem(file, where, f"duplicate code '{code_id}': already defined under "
                                                     f"categories.{seen[code_id]}; code ids must be unique"))
                continue
            seen[code_id] = cat
            if not isinstance(cspec, dict):
                problems.append(Problem(file, where, "expected {label, keywords, regex}"))
                continue
            allowed = ("label", "keywords", "regex", "exclude", "context", "weight", "description")
            bad = [k for k in cspec if k not in allowed]
            if bad:
                problems.append(Problem(file, where, f"unknown keys {bad}; allowed: {', '.join(allowed)}"))
            kw = _lang_lists(cspec.get("keywords"), file, f"{where}.keywords", problems)
            rx = _lang_regex(cspec.get("regex"), file, f"{where}.regex", problems)
            if not any(kw[l] or rx[l] for l in LANGS):
                problems.append(Problem(file, where, "has no keywords and no regex: it can never match"))
            weight = cspec.get("weight", 1.0)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 10:
                problems.append(Problem(file, f"{where}.weight", f"must be a number in (0, 10], got {weight!r}"))
                weight = 1.0
            cb.codes.append(Code(code_id, cat, _label(cspec.get("label"), file, f"{where}.label", problems), kw, rx,
                                 exclude=_lang_regex(cspec.get("exclude"), file, f"{where}.exclude", problems),
                                 context=_lang_regex(cspec.get("context"), file, f"{where}.context", problems),
                                 weight=float(weight)))
    if problems:
        raise ConfigError(problems, hint=f"fix the codebook {path.name}")
    return cb


# =========================================================================== cleaning
def clean_verbatims(df, text_column: str, *, max_chars: int = 2000, file: str | None = None):
    """Drop missing/blank verbatims and cut very long ones; report what was done.

    Parameters
    ----------
    df : pandas.DataFrame
    text_column : str
    max_chars : int
        Texts longer than this are coded on their first ``max_chars`` characters.

    Returns
    -------
    (DataFrame, dict)
        The usable rows (original index kept, text as str) and a report:
        ``dropped_rows`` (1-based data rows, header = row 1), ``n_dropped``,
        ``long_rows``, ``n_long``.

    Raises
    ------
    DataError
        When the column is missing, or no verbatim is left.
    """
    import numpy as np

    if text_column not in df.columns:
        raise DataError(f"missing the text column '{text_column}'", file=file,
                        hint=f"set root_cause.text_column to one of: {', '.join(map(str, df.columns[:20]))}")
    s = df[text_column]
    txt = s.where(s.notna(), "").astype(str).str.strip()
    empty = (txt == "") | txt.str.lower().isin(["nan", "none", "null", "n/a", "-"])
    dropped = (np.flatnonzero(empty.to_numpy()) + 2).tolist()
    out = df.loc[~empty.to_numpy()].copy()
    out[text_column] = txt[~empty]
    if out.empty:
        raise DataError("no complaint has any text: every verbatim is empty or missing", file=file,
                        column=text_column)
    long = out[text_column].str.len() > max_chars
    pos = {ix: i for i, ix in enumerate(df.index)}
    long_rows = [pos[ix] + 2 for ix in out.index[long.to_numpy()]]
    out.loc[long, text_column] = out.loc[long, text_column].str.slice(0, max_chars)
    return out, {"dropped_rows": dropped, "n_dropped": len(dropped), "long_rows": long_rows, "n_long": len(long_rows)}


def detect_lang(text: str) -> str:
    """'zh' when the text holds any CJK character, else 'en'.

    >>> detect_lang("App 经常闪退"), detect_lang("The app keeps crashing")
    ('zh', 'en')
    """
    return "zh" if _CJK.search(text or "") else "en"


# =========================================================================== coding
_CLAUSE = re.compile(r"[，。！？；、,.!?;\n…~～]+|\s{2,}|\s[-–—]\s|(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])"
                     r"|(?:但是|但|可是|不过|就是|然而|只是|\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bexcept\b)")


class _Matcher:
    """Compiled rules of one codebook (built once per codebook, cached)."""

    def __init__(self, cb: Codebook):
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.cb = cb
        self.code_ids = [c.id for c in cb.codes]
        self.code_cat = {c.id: c.category for c in cb.codes}
        self.code_weight = {c.id: c.weight for c in cb.codes}
        self.code_order = {cid: i for i, cid in enumerate(self.code_ids)}
        self.cat_order = {cat: i for i, cat in enumerate(cb.categories)}
        self.exclude = {l: {c.id: c.exclude[l] + cb.exclude[l] for c in cb.codes if c.exclude[l] or cb.exclude[l]}
                        for l in LANGS}
        self.context = {l: {c.id: c.context[l] for c in cb.codes if c.context[l]} for l in LANGS}
        # zh: whole-token lookups; the keywords are added to a private jieba dictionary
        self.tok = _new_tokenizer()
        self.zh_token: dict[str, list[str]] = {}
        for c in cb.codes:
            for kw in c.keywords["zh"]:
                self.zh_token.setdefault(kw, []).append(c.id)
                if _CJK.search(kw):
                    self.tok.add_word(kw, freq=max(self.tok.FREQ.get(kw, 0), 2000))
        self.zh_max = max((len(k) for k in self.zh_token), default=2)
        # en: single words -> dict lookup; prefixes (word*) and phrases -> one regex per code
        self.en_word: dict[str, list[str]] = {}
        self.en_rx: list[tuple[str, re.Pattern]] = []
        for c in cb.codes:
            alts = []
            for kw in c.keywords["en"]:
                if kw.endswith("*"):
                    alts.append(re.escape(kw[:-1]) + r"[\w'-]*")
                elif re.fullmatch(r"[a-z0-9']+", kw):
                    self.en_word.setdefault(kw, []).append(c.id)
                else:
                    alts.append(re.escape(kw))
            if alts:
                self.en_rx.append((c.id, re.compile(r"(?<![\w])(?:" + "|".join(alts) + r")(?![\w])")))
        self.rx = {l: [(c.id, p) for c in cb.codes for p in c.regex[l]] for l in LANGS}
        # an English word keeps an inner apostrophe (won't, parcel's) but not a quote around it ('in transit')
        self._word = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
        self._latin = re.compile(r"[a-z]{3,}")

    def tokens(self, text: str, lang: str) -> list[str]:
        if lang == "zh":
            return [t for t in self.tok.lcut(text) if t.strip()]
        return self._word.findall(text)

    def raw_hits(self, low: str, lang: str) -> list[tuple[str, str, int]]:
        """Every rule match in the lower-cased text: (code id, matched term, position)."""
        out: list[tuple[str, str, int]] = []
        if lang == "zh":
            # a word that is a keyword counts as itself; a longer word that is not is also searched
            # for keyword sub-words (服务态度 -> 态度), like jieba's search mode, so that a compound
            # does not hide a keyword while a compound keyword (物流信息) is not double-counted.
            pos = 0
            zt, ew = self.zh_token, self.en_word
            for t in self.tok.lcut(low, HMM=False):   # keywords are in the dictionary: no HMM needed
                ids = zt.get(t)
                if ids is not None:
                    out.extend((cid, t, pos) for cid in ids)
                elif len(t) > 2 and not t.isascii():
                    for n in range(2, min(len(t), self.zh_max + 1)):
                        for i in range(len(t) - n + 1):
                            sub = t[i:i + n]
                            for cid in zt.get(sub, ()):
                                out.append((cid, sub, pos + i))
                else:
                    for cid in ew.get(t, ()):          # English words inside Chinese text ("app", "wifi")
                        out.append((cid, t, pos))
                pos += len(t)
            if self._latin.search(low):               # an English sentence inside a Chinese text
                for cid, p in self.en_rx:
                    out.extend((cid, m.group(), m.start()) for m in p.finditer(low))
        else:
            ew = self.en_word
            for m in self._word.finditer(low):
                w = m.group()
                ids = ew.get(w)
                if ids is None and w.endswith("'s"):          # possessive or "is": the parcel's been lost
                    w = w[:-2]
                    ids = ew.get(w)
                if ids:
                    out.extend((cid, w, m.start()) for cid in ids)
            for cid, p in self.en_rx:
                out.extend((cid, m.group(), m.start()) for m in p.finditer(low))
        for cid, p in self.rx[lang]:
            m = p.search(low)
            if m:
                out.append((cid, m.group(), m.start()))
        return out

    def hits(self, text: str, lang: str) -> list[tuple[str, str, int]]:
        """Rule matches that survive the context and exclusion rules, in text order."""
        low = text.lower().replace("\u2019", "'")          # typographic apostrophe: one character for another
        raw = self.raw_hits(low, lang)
        if not raw:
            return raw
        ctx, exc = self.context[lang], self.exclude[lang]
        if ctx or exc:
            bounds = None
            keep = []
            ctx_ok: dict[str, bool] = {}
            for h in raw:
                cid = h[0]
                pats = ctx.get(cid)
                if pats:
                    ok = ctx_ok.get(cid)
                    if ok is None:
                        ok = ctx_ok[cid] = any(p.search(low) for p in pats)
                    if not ok:
                        continue
                pats = exc.get(cid)
                if pats:
                    if bounds is None:
                        bounds = [0] + [x for m in _CLAUSE.finditer(low) for x in (m.start(), m.end())] + [len(low)]
                    clause = _clause_at(low, bounds, h[2])
                    if any(p.search(clause) for p in pats):
                        continue
                keep.append(h)
            raw = keep
        raw.sort(key=lambda h: h[2])
        return raw

    def code_one(self, text: str, lang: str) -> tuple:
        """(codes, categories, primary, primary_code, n_hits, terms) of one text.

        Primary category: the largest sum of hit weights; ties go to the category matched first
        in the text, then to codebook order. Primary code: the same rule among the primary
        category's codes."""
        h = self.hits(text, lang)
        if not h:
            return (), (), UNCODED, UNCODED, 0, ()
        score: dict[str, float] = {}
        first: dict[str, int] = {}
        for cid, _term, pos in h:
            score[cid] = score.get(cid, 0.0) + self.code_weight[cid]
            first.setdefault(cid, pos)
        cat_score: dict[str, float] = {}
        cat_first: dict[str, int] = {}
        for cid, v in score.items():
            cat = self.code_cat[cid]
            cat_score[cat] = cat_score.get(cat, 0.0) + v
            cat_first[cat] = min(cat_first.get(cat, first[cid]), first[cid])
        co, ko = self.code_order, self.cat_order
        primary = min(cat_score, key=lambda c: (-round(cat_score[c], 9), cat_first[c], ko[c]))
        pcode = min((c for c in score if self.code_cat[c] == primary),
                    key=lambda c: (-round(score[c], 9), first[c], co[c]))
        codes = tuple(sorted(score, key=co.__getitem__))
        cats = tuple(sorted(cat_score, key=ko.__getitem__))
        terms = tuple(dict.fromkeys(f"{cid}:{term}" for cid, term, _ in h))
        return codes, cats, primary, pcode, len(h), terms


def _clause_at(text: str, bounds: list[int], pos: int) -> str:
    """The clause of ``text`` holding position ``pos`` (``bounds``: 0, sep starts/ends, len)."""
    import bisect

    k = bisect.bisect_right(bounds, pos) - 1
    k -= k % 2                     # even index: a clause start (odd: inside a separator)
    return text[bounds[k]:bounds[min(k + 1, len(bounds) - 1)]]


@lru_cache(maxsize=1)
def _base_dictionary() -> tuple[dict, int]:
    """jieba's default dictionary, loaded once per process (loading it takes ~1 s)."""
    import jieba

    base = jieba.Tokenizer()
    base.initialize()
    return base.FREQ, base.total


def _new_tokenizer():
    """A private jieba tokenizer sharing a copy of the default dictionary (so keywords added
    for one codebook do not change how another codebook, or other code, tokenises)."""
    import jieba

    freq, total = _base_dictionary()
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = dict(freq), total, True
    return tok


def _fingerprint(cb: Codebook) -> tuple:
    def pats(d):
        return tuple(tuple(p.pattern for p in d[l]) for l in LANGS)

    return ((tuple(cb.categories), pats(cb.exclude))
            + tuple((c.id, c.category, tuple(c.keywords["zh"]), tuple(c.keywords["en"]), pats(c.regex),
                     pats(c.exclude), pats(c.context), c.weight) for c in cb.codes))


_MATCHERS: dict[tuple, _Matcher] = {}


def _matcher(cb: Codebook) -> _Matcher:
    """The compiled matcher of a codebook, cached by its rules (loading the same codebook
    twice reuses it)."""
    key = _fingerprint(cb)
    m = _MATCHERS.get(key)
    if m is None:
        if len(_MATCHERS) >= 8:
            _MATCHERS.pop(next(iter(_MATCHERS)))
        m = _Matcher(cb)
        _MATCHERS[key] = m
    return m


def auto_code(texts: Iterable[str], codebook: Codebook, langs: Iterable[str] | None = None):
    """Code verbatims with a codebook (multi-label).

    Parameters
    ----------
    texts : iterable of str
    codebook : Codebook
    langs : iterable of {"zh", "en"}, optional
        Language of each text; detected from the characters when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per text (same order, index 0..n-1): ``lang``, ``codes`` (tuple of code ids),
        ``categories`` (tuple of categories, codebook order), ``primary`` (one category per text,
        see the tie rule below; ``"uncoded"`` when nothing matched), ``primary_code`` (the code
        of the primary category that decided it), ``n_hits`` (rule matches kept) and ``terms``
        (tuple of ``"code:matched text"``, in text order).

    Notes
    -----
    A Chinese text is lower-cased and tokenised with jieba; a keyword matches a whole token
    (冷 does not match 冷淡). A token of 3+ characters that is not itself a keyword is also
    searched for keywords of 2+ characters inside it (服务态度 -> 态度), as jieba's search mode
    does. A match is dropped when the code's ``context`` rules do not match the text, or when
    the clause holding it (text between punctuation or a "but") matches one of the code's or the
    codebook's ``exclude`` rules (味道还行, "on time").

    **Primary category (the tie rule).** Each kept match adds the code's ``weight`` (default 1)
    to its category; the primary category is the one with the largest sum; a tie goes to the
    category matched *first in the text*, then to the codebook's order. Every count that ranks
    causes (Pareto, shares, summary) counts a complaint once, under its primary category.
    Identical texts are coded once (complaint exports repeat templates).

    Examples
    --------
    >>> cb = load_codebook("service_fishbone")
    >>> r = auto_code(["客服态度冷淡，问了三遍才有人理我", "The app keeps crashing", "嗯"], cb)
    >>> r["primary"].tolist()
    ['people', 'technology', 'uncoded']
    """
    import pandas as pd

    texts = ["" if t is None else str(t) for t in texts]
    langs = list(langs) if langs is not None else [detect_lang(t) for t in texts]
    if len(langs) != len(texts):
        raise DataError(f"{len(langs)} languages given for {len(texts)} texts")
    m = _matcher(codebook)
    cache: dict[tuple[str, str], tuple] = {}
    rows = []
    for t, lang in zip(texts, langs):
        lang = lang if lang in LANGS else detect_lang(t)
        key = (t, lang)
        r = cache.get(key)
        if r is None:
            codes, cats, primary, pcode, n, terms = m.code_one(t, lang)
            r = cache[key] = (lang, codes, cats, primary, pcode, n, terms)
        rows.append(r)
    return pd.DataFrame(rows, columns=["lang", "codes", "categories", "primary", "primary_code", "n_hits", "terms"])


def coded_share(coded) -> float:
    """Share of verbatims with at least one code."""
    return float((coded["primary"] != UNCODED).mean()) if len(coded) else float("nan")


_STOP_ZH = set("的 了 是 我 也 都 就 还 在 有 和 很 不 没 这 那 说 去 到 又 被 把 给 让 吧 啊 呢 吗 个 一个 我们 他们 你们 什么 没有 因为 所以 但是 可以 就是 而且 还是 一下 已经 自己 觉得 感觉 一般 比较 非常 真的 这个 那个 这样 如果 时候 还有 不是 酒店 宾馆 携程".split())
_STOP_EN = set("the a an and or but to of in on at for with from by is are was were be been being it its this that these those i me my we our you your he she they them their his her not no so just very too can could would should will do does did done have has had get got what when where who why how all any some more most there here than then also as if about up out into over again only really still even much many one two".split())


def uncoded_terms(texts: Sequence[str], coded, codebook: Codebook, top: int = 20):
    """Most frequent words of the verbatims no rule coded: candidates to grow the codebook.

    Returns a DataFrame ``term, lang, n`` (n = number of uncoded verbatims containing it),
    stop-words (theme discovery's too), numbers, numeral + measure word (一张, 三份) and one-character Chinese
    tokens left out.
    """
    import pandas as pd

    m = _matcher(codebook)
    counts: dict[tuple[str, str], int] = {}
    for t, lang, prim in zip(texts, coded["lang"], coded["primary"]):
        if prim != UNCODED:
            continue
        seen = set()
        for tok in m.tokens(_HANDLE.sub(" ", _URL.sub(" ", str(t).lower())), lang):   # no @handles, URLs
            tok = tok.strip()
            if _content_word(tok, lang):
                seen.add(tok)
        for tok in seen:
            counts[(tok, lang)] = counts.get((tok, lang), 0) + 1
    df = pd.DataFrame([(k[0], k[1], n) for k, n in counts.items()], columns=["term", "lang", "n"])
    return df.sort_values(["n", "term"], ascending=[False, True]).head(top).reset_index(drop=True)


def explode_codes(coded, level: str = "categories"):
    """One row per (verbatim, category or code); uncoded verbatims keep one 'uncoded' row."""
    col = level
    s = coded[col].map(lambda v: v if len(v) else (UNCODED,))
    return s.explode().rename(level[:-1] if level.endswith("s") else level)


def primary_counts(coded, codebook: Codebook, level: str = "categories", include_uncoded: bool = True):
    """Complaints per *primary* category (or primary code): each complaint counts exactly once.

    This is the count that ranks causes (Pareto, shares, summary). Returns a DataFrame
    ``item, n, share`` with share = n / number of complaints; with ``include_uncoded`` the
    shares sum to 1. All codebook items are listed (0 when unused).

    Examples
    --------
    >>> cb = load_codebook("service_fishbone")
    >>> c = auto_code(["客服电话一直打不通，客服态度也差", "App 闪退"], cb)
    >>> primary_counts(c, cb).set_index("item").loc[["people", "place", "technology"], "n"].tolist()
    [1, 0, 1]
    """
    import pandas as pd

    col = "primary" if level == "categories" else "primary_code"
    counts = coded[col].value_counts()
    items = list(codebook.categories) if level == "categories" else [c.id for c in codebook.codes]
    if include_uncoded:
        items = items + [UNCODED]
    out = pd.DataFrame({"item": items, "n": [int(counts.get(i, 0)) for i in items]})
    out["share"] = out["n"] / len(coded) if len(coded) else float("nan")
    return out


def codes_table(coded, ids: Sequence[Any] | None = None):
    """One row per verbatim for ``04_root_cause.codes.csv``: ``id, lang, primary, primary_code,
    categories, codes, terms`` (lists joined with ``|``; terms as ``code:matched text``)."""
    import pandas as pd

    ids = list(ids) if ids is not None else list(range(1, len(coded) + 1))
    return pd.DataFrame({"id": ids, "lang": coded["lang"], "primary": coded["primary"],
                         "primary_code": coded["primary_code"],
                         "categories": ["|".join(v) for v in coded["categories"]],
                         "codes": ["|".join(v) for v in coded["codes"]],
                         "terms": ["|".join(v) for v in coded["terms"]]})


def write_codes_csv(path: str | Path, table) -> Path:
    """Write :func:`codes_table` as UTF-8 CSV (with BOM, so Excel shows Chinese) atomically."""
    from .atomic import write_text_atomic

    return write_text_atomic(path, "\ufeff" + table.to_csv(index=False, lineterminator="\n"))


def category_counts(coded, codebook: Codebook, level: str = "categories", include_uncoded: bool = True):
    """Complaints *mentioning* each category (or code): a verbatim counts once for each of its labels.

    Returns a DataFrame ``item, n, share`` where share = n / number of verbatims (shares may
    sum to more than 1: multi-label). All codebook items are listed (0 when unused). Use it for
    "% of complaints mentioning"; rank causes with :func:`primary_counts`.
    """
    import pandas as pd

    n_units = len(coded)
    ex = explode_codes(coded, level)
    counts = ex.value_counts()
    items = list(codebook.categories) if level == "categories" else [c.id for c in codebook.codes]
    if include_uncoded:
        items = items + [UNCODED]
    out = pd.DataFrame({"item": items, "n": [int(counts.get(i, 0)) for i in items]})
    out["share"] = out["n"] / n_units if n_units else float("nan")
    return out


def cause_impact(coded, score, codebook: Codebook, *, min_n: int = 5, conf: float = 0.95):
    """Each cause's association with the complainants' satisfaction: mean score of the complaints mentioning
    the category minus that of the others, with a Welch interval.

    For category *c*: ``diff = mean(score | mentions c) - mean(score | does not)``; standard error
    ``se = sqrt(s1**2/n1 + s0**2/n0)``; Welch–Satterthwaite degrees of freedom
    ``df = se**4 / ((s1**2/n1)**2/(n1-1) + (s0**2/n0)**2/(n0-1))``; interval ``diff ± t(1-(1-conf)/2, df) · se``;
    two-sided p of ``diff/se`` on t(df) (Welch 1947), then Holm-adjusted over the categories tested. A category is
    tested only when both groups have at least ``min_n`` scored complaints. It is an association among
    complainants (who mentions a cause is not randomised), not an effect.

    Reference: statsmodels ``CompareMeans(...).tconfint_diff(usevar="unequal")`` and
    ``scipy.stats.ttest_ind(equal_var=False)`` (tests/test_rootcause_impact.py).

    Parameters
    ----------
    coded : DataFrame
        :func:`auto_code`'s output.
    score : sequence of float
        The complainant's score per complaint (NaN where unknown), aligned with ``coded``.

    Returns
    -------
    DataFrame
        ``item, n_with, mean_with, n_without, mean_without, diff, ci_low, ci_high, p, p_holm`` for every
        category mentioned at least once, largest negative difference first; untested rows have NaN statistics.

    Examples
    --------
    >>> cb = load_codebook("service_fishbone")
    >>> c = auto_code(["客服态度差"] * 6 + ["App 闪退"] * 6, cb)
    >>> t = cause_impact(c, [1, 2, 1, 2, 1, 2] + [4, 5, 4, 5, 4, 5], cb)
    >>> float(t.set_index("item").loc["people", "diff"])
    -3.0
    """
    import numpy as np
    import pandas as pd
    from scipy import stats

    from .tracking import holm

    y = pd.to_numeric(pd.Series(list(score), dtype="object"), errors="coerce").to_numpy(dtype=float)
    if len(y) != len(coded):
        raise ValueError(f"{len(y)} scores for {len(coded)} complaints")
    ok = ~np.isnan(y)
    rows = []
    for cat in codebook.categories:
        has = np.array([cat in v for v in coded["categories"]], dtype=bool)
        a, b = y[has & ok], y[~has & ok]
        if not has.any():
            continue
        r = {"item": cat, "n_with": int(len(a)), "mean_with": float(a.mean()) if len(a) else float("nan"),
             "n_without": int(len(b)), "mean_without": float(b.mean()) if len(b) else float("nan"),
             "diff": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "p": float("nan")}
        if len(a) >= max(min_n, 2) and len(b) >= max(min_n, 2):
            v1, v0 = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
            se = float(np.sqrt(v1 + v0))
            diff = float(a.mean() - b.mean())
            r["diff"] = diff
            if se > 0:
                df = (v1 + v0) ** 2 / (v1 ** 2 / (len(a) - 1) + v0 ** 2 / (len(b) - 1))
                q = stats.t.ppf(1 - (1 - conf) / 2, df)
                r.update(ci_low=diff - q * se, ci_high=diff + q * se, p=float(2 * stats.t.sf(abs(diff) / se, df)))
        rows.append(r)
    out = pd.DataFrame(rows, columns=["item", "n_with", "mean_with", "n_without", "mean_without", "diff",
                                      "ci_low", "ci_high", "p"])
    tested = out["p"].notna()
    out["p_holm"] = float("nan")
    if tested.any():
        out.loc[tested, "p_holm"] = holm(out.loc[tested, "p"].tolist())
    return out.sort_values(["diff", "item"], na_position="last").reset_index(drop=True)


# =========================================================================== human codes
def import_human_codes(source, *, id_column: str, code_column: str = "code", codebook: Codebook,
                       ids: Sequence[Any] | None = None, file: str | None = None):
    """Human codes for the verbatims, checked against the codebook.

    Parameters
    ----------
    source : pandas.DataFrame or path
        A table with ``id_column`` and ``code_column``; the code may be a category id or a
        code id of the codebook (a code id is mapped to its category), or "uncoded".
    ids : sequence, optional
        Verbatim ids to align to (the result follows this order; missing -> NaN).

    Returns
    -------
    pandas.Series
        Category per verbatim id.

    Raises
    ------
    DataError
        Unknown codes (listed with rows), duplicate ids, missing columns.
    """
    import pandas as pd

    if not hasattr(source, "columns"):
        from .io import read_table
        file = file or Path(source).name
        source, _ = read_table(source)
    for c in (id_column, code_column):
        if c not in source.columns:
            raise DataError(f"missing the column '{c}' in the human codes", file=file,
                            hint=f"columns found: {', '.join(map(str, source.columns[:20]))}")
    df = source[[id_column, code_column]].copy()
    dup = df[id_column].duplicated(keep=False)
    if dup.any():
        raise DataError("the same verbatim id is coded twice", file=file, column=id_column,
                        rows=[i + 2 for i in range(len(df)) if dup.iloc[i]],
                        hint="keep one human code per verbatim (the primary category)")
    code_to_cat = {c.id: c.category for c in codebook.codes}
    valid = set(codebook.categories) | {UNCODED}

    def to_cat(v):
        if pd.isna(v) or str(v).strip() == "":
            return None
        v = str(v).strip()
        return v if v in valid else code_to_cat.get(v, "?" + v)

    cats = df[code_column].map(to_cat)
    bad = cats.map(lambda v: isinstance(v, str) and v.startswith("?"))
    if bad.any():
        rows = [i + 2 for i in range(len(df)) if bad.iloc[i]]
        vals = sorted({str(v)[1:] for v in cats[bad]})
        raise DataError(f"codes not in the codebook '{codebook.name}': {', '.join(vals[:10])}", file=file,
                        column=code_column, rows=rows,
                        hint=f"use a category ({', '.join(codebook.categories)}), a code id, or '{UNCODED}'")
    s = pd.Series(cats.to_numpy(), index=df[id_column].to_numpy(), name="human")
    if ids is not None:
        s = s.reindex(list(ids))
    return s


# =========================================================================== pareto & cross-tabs
def pareto(counts, *, item: str = "item", n: str = "n", cutoff: float = 0.8):
    """Pareto table: items by count, cumulative share, the vital few up to the ``cutoff`` line.

    Parameters
    ----------
    counts : pandas.DataFrame
        With columns ``item`` and ``n`` (e.g. from :func:`category_counts`; drop 'uncoded'
        first if it should not compete).
    cutoff : float
        The line (0.8 for the 80/20 rule).

    Returns
    -------
    (DataFrame, dict)
        Table ``item, n, share, cum_share, vital`` (sorted, share of all labels) and a summary:
        ``n_items``, ``n_vital`` (items needed to reach the cutoff), ``vital`` (their names),
        ``top20_items`` (ceil(20% of items with n > 0)) and ``top20_share`` (the share they carry).

    Examples
    --------
    >>> import pandas as pd
    >>> t, s = pareto(pd.DataFrame({"item": list("abcde"), "n": [50, 30, 10, 6, 4]}))
    >>> s["vital"], s["top20_share"]
    (['a', 'b'], 0.5)
    """
    import math

    df = counts[[item, n]].rename(columns={item: "item", n: "n"})
    df = df[df["n"] > 0].sort_values(["n", "item"], ascending=[False, True]).reset_index(drop=True)
    total = df["n"].sum()
    if total <= 0:
        raise AnalysisError("nothing to rank: every count is zero")
    df["share"] = df["n"] / total
    df["cum_share"] = df["share"].cumsum()
    prev = df["cum_share"].shift(fill_value=0.0)
    df["vital"] = prev < cutoff - 1e-12
    k = max(1, math.ceil(0.2 * len(df)))
    summary = {"n_items": int(len(df)), "n_vital": int(df["vital"].sum()),
               "vital": df.loc[df["vital"], "item"].tolist(), "top20_items": int(k),
               "top20_share": float(df["share"].head(k).sum()), "cutoff": cutoff}
    return df, summary


def crosstab(coded, by, *, codebook: Codebook, normalize: bool = True):
    """Share of each category within each group (rows: categories, columns: groups).

    ``by`` is a Series aligned with ``coded`` (tier, touchpoint, region...).
    """
    import pandas as pd

    groups = list(by)
    pairs = [(c, g) for cats_, g in zip(coded["categories"], groups) for c in (cats_ or (UNCODED,))]
    t = pd.crosstab(pd.Series([p[0] for p in pairs], name="category"), pd.Series([p[1] for p in pairs], name="group"))
    cats = [c for c in list(codebook.categories) + [UNCODED] if c in t.index]
    t = t.reindex(cats)
    if normalize:
        sizes = pd.Series(groups).value_counts()
        t = t / sizes.reindex(t.columns).to_numpy()
    return t


def examples(texts: Sequence[str], coded, *, per_code: int = 3, seed: int = 0, max_len: int = 160):
    """A few example verbatims per code (random but reproducible), cut to ``max_len`` chars.

    Returns DataFrame ``code, text``. Texts are *not* redacted here: pass them through
    :func:`cxkit.privacy.redact` before showing them.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    by_code: dict[str, list[int]] = {}
    for i, codes in enumerate(coded["codes"]):
        for c in codes:
            by_code.setdefault(c, []).append(i)
    rows = []
    for c, idx in by_code.items():
        uniq = list(dict.fromkeys(idx, None))
        pick = rng.choice(len(uniq), size=min(per_code, len(uniq)), replace=False)
        for j in sorted(pick):
            t = str(texts[uniq[j]])
            rows.append((c, t if len(t) <= max_len else t[: max_len - 1] + "…"))
    return pd.DataFrame(rows, columns=["code", "text"])


# =========================================================================== 5-Why
def validate_chains(chains: Sequence[Any], codebook: Codebook, *, where: str = "root_cause.chains") -> list[dict]:
    """Check 5-Why chains: 3 to 7 non-empty whys, every field filled, category in the codebook.

    Accepts :class:`ChainSpec` objects or plain dicts (as they arrive in ``pb.params``).

    Raises
    ------
    ConfigError
        Every problem, named ``root_cause.chains[i] (id).field``.
    """
    from pydantic import ValidationError

    problems: list[Problem] = []
    out = []
    for i, ch in enumerate(chains):
        raw = ch.model_dump() if isinstance(ch, BaseModel) else dict(ch)
        cid = raw.get("id", f"#{i + 1}")
        try:
            spec = ChainSpec.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors():
                loc = ".".join(str(x) for x in e["loc"])
                problems.append(Problem("engagement.yaml", f"{where}[{i}] ({cid}).{loc}", e["msg"]))
            continue
        if spec.category not in codebook.categories:
            problems.append(Problem("engagement.yaml", f"{where}[{i}] ({cid}).category",
                                    f"'{spec.category}' is not a category of the codebook '{codebook.name}' "
                                    f"({', '.join(codebook.categories)})"))
            continue
        out.append(spec.model_dump())
    if problems:
        raise ConfigError(problems, hint="a 5-Why chain needs 3 to 7 whys, each filled in, and a fishbone category")
    return out


def chains_table(chains: Sequence[dict], codebook: Codebook, lang: str):
    """One row per chain: id, symptom, root cause, category, countermeasure, owner, due, KPI."""
    import pandas as pd

    return pd.DataFrame([{
        "id": c["id"], "symptom": text_in(c["symptom"], lang), "n_whys": len(c["whys"]),
        "root_cause": text_in(c["root_cause"], lang), "category": codebook.category_label(c["category"], lang),
        "countermeasure": text_in(c["countermeasure"], lang), "owner": text_in(c["owner"], lang),
        "due": c.get("due") or "", "kpi": text_in(c.get("kpi"), lang), "evidence": text_in(c.get("evidence"), lang),
    } for c in chains])


def plot_chain(chain: dict, lang: str, *, labels: dict[str, str] | None = None, wrap: int = 28):
    """Draw a 5-Why chain top to bottom: symptom, why 1..n, root cause, countermeasure."""
    import textwrap

    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    labels = labels or {"symptom": "Symptom", "why": "Why {i}", "root": "Root cause", "action": "Countermeasure"}
    width = 2 * wrap if lang == "en" else wrap + 6
    steps = [(labels["symptom"], text_in(chain["symptom"], lang), "#c2423f")]
    steps += [(labels["why"].format(i=i), text_in(w, lang), "#1f5f8b") for i, w in enumerate(chain["whys"], 1)]
    steps += [(labels["root"], text_in(chain["root_cause"], lang), "#7d5ba6"),
              (labels["action"], text_in(chain["countermeasure"], lang), "#3a9d5d")]
    h = 0.9
    fig, ax = plt.subplots(figsize=(7.5, 0.95 * len(steps) + 0.3))
    for k, (head, body, color) in enumerate(steps):
        y = (len(steps) - 1 - k) * 1.15
        ax.add_patch(FancyBboxPatch((0.0, y), 1.0, h, boxstyle="round,pad=0.02", fc=color, alpha=0.12, ec=color))
        ax.text(0.02, y + h / 2, head, va="center", ha="left", fontsize=9, fontweight="bold", color=color)
        ax.text(0.25, y + h / 2, "\n".join(textwrap.wrap(body, width)[:3]), va="center", ha="left", fontsize=9)
        if k < len(steps) - 1:
            ax.annotate("", xy=(0.5, y - 0.23), xytext=(0.5, y), arrowprops=dict(arrowstyle="->", color="#666"))
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.2, (len(steps) - 1) * 1.15 + h + 0.1)
    ax.axis("off")
    return fig


# =========================================================================== AHP & priority
def _parse_entry(v: Any, where: str) -> float:
    if isinstance(v, str):
        s = v.strip()
        try:
            if "/" in s:
                a, b = s.split("/", 1)
                return float(a) / float(b)
            return float(s)
        except (ValueError, ZeroDivisionError):
            raise ConfigError([Problem("engagement.yaml", where, f"not a number or fraction: {v!r}")]) from None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise ConfigError([Problem("engagement.yaml", where, f"not a number: {v!r}")]) from None


def ahp_weights(matrix, *, names: Sequence[str] | None = None, max_cr: float | None = 0.10,
                where: str = "root_cause.priority.ahp_matrix") -> dict[str, Any]:
    """AHP priority weights (principal right eigenvector) and consistency ratio.

    Parameters
    ----------
    matrix : n x n array-like
        Positive reciprocal pairwise-comparison matrix on Saaty's 1-9 scale:
        ``a_ij`` = how much more important i is than j, ``a_ji = 1 / a_ij``, ``a_ii = 1``.
        Entries may be strings such as ``"1/3"``.
    names : sequence of str, optional
    max_cr : float or None
        Reject the matrix (ConfigError naming ``where``) when CR exceeds it (Saaty: 0.10).

    Returns
    -------
    dict
        ``weights`` (name -> weight, sums to 1), ``lambda_max``, ``ci`` = (lambda_max - n)/(n - 1),
        ``ri`` (Saaty's random index for n), ``cr`` = ci / ri (0 for n <= 2).

    References
    ----------
    Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
    *Int. J. Services Sciences* 1(1), 83-98 (the drinks example reproduced in the tests:
    weights .177/.019/.042/.116/.190/.129/.327, CR 0.022).

    Examples
    --------
    >>> r = ahp_weights([[1, 3], ["1/3", 1]], names=["a", "b"])
    >>> {k: round(v, 3) for k, v in r["weights"].items()}, r["cr"]
    ({'a': 0.75, 'b': 0.25}, 0.0)
    """
    import numpy as np

    if not isinstance(matrix, (list, tuple)) and hasattr(matrix, "tolist"):
        matrix = matrix.tolist()
    rows = list(matrix)
    n = len(rows)
    if n < 2 or any(not isinstance(r, (list, tuple)) or len(r) != n for r in rows):
        raise ConfigError([Problem("engagement.yaml", where, f"must be a square n x n matrix (n >= 2); got {n} rows "
                                                             f"of lengths {[len(r) if isinstance(r, (list, tuple)) else '?' for r in rows]}")])
    if n > max(SAATY_RI):
        raise ConfigError([Problem("engagement.yaml", where, f"at most {max(SAATY_RI)} criteria (Saaty's RI table)")])
    a = np.array([[_parse_entry(v, f"{where}[{i}][{j}]") for j, v in enumerate(r)] for i, r in enumerate(rows)])
    names = list(names) if names is not None else [f"c{i + 1}" for i in range(n)]
    if len(names) != n:
        raise ConfigError([Problem("engagement.yaml", where, f"{n} rows but {len(names)} criteria {names}")])
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ConfigError([Problem("engagement.yaml", where, "every entry must be a positive number")])
    bad = [(i, j) for i in range(n) for j in range(n) if not np.isclose(a[i, j] * a[j, i], 1.0, rtol=1e-3)]
    if bad:
        i, j = bad[0]
        raise ConfigError([Problem("engagement.yaml", where,
                                   f"not reciprocal: entry [{i}][{j}] = {a[i, j]:g} but [{j}][{i}] = {a[j, i]:g} "
                                   f"(should be {1 / a[i, j]:g}); the diagonal must be 1")])
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = SAATY_RI[n]
    cr = ci / ri if ri > 0 else 0.0
    cr = max(cr, 0.0) if abs(cr) < 1e-9 else cr
    out = {"weights": dict(zip(names, map(float, w))), "lambda_max": lam, "ci": float(ci), "ri": ri, "cr": float(cr)}
    if max_cr is not None and cr > max_cr:
        raise ConfigError([Problem("engagement.yaml", where,
                                   f"inconsistent pairwise comparisons: consistency ratio {cr:.3f} > {max_cr:.2f} "
                                   f"(lambda_max {lam:.3f}, n {n})")],
                          hint="revise the judgements that contradict each other (if A > B and B > C, A should be > C)")
    return out


def triangular_memberships(x: float, lo: float = 1.0, hi: float = 5.0):
    """Membership of a score in three triangular fuzzy grades Low / Medium / High.

    Peaks at ``lo``, the midpoint and ``hi``; memberships sum to 1.

    >>> [round(v, 2) for v in triangular_memberships(4.0)]
    [0.0, 0.5, 0.5]
    """
    mid = (lo + hi) / 2
    x = min(max(float(x), lo), hi)
    if x <= mid:
        m = (x - lo) / (mid - lo)
        return [1 - m, m, 0.0]
    m = (x - mid) / (hi - mid)
    return [0.0, 1 - m, m]


def fuzzy_evaluation(weights: Sequence[float], membership) -> dict[str, Any]:
    """Fuzzy comprehensive evaluation ``B = W . R`` (weighted-average operator M(., +)).

    Parameters
    ----------
    weights : sequence of float
        Criterion weights (e.g. from :func:`ahp_weights`), summing to 1.
    membership : array-like, criteria x grades
        ``R[k, g]`` = membership of criterion k in grade g (rows summing to 1).

    Returns
    -------
    dict
        ``b`` (membership of the object in each grade, normalised), ``grade`` (index of the
        largest: maximum-membership principle).

    References
    ----------
    Wang, P. Z. (1983); the method as used for problem prioritisation in document 001.

    Examples
    --------
    >>> r = fuzzy_evaluation([0.5, 0.5], [[0, 0.5, 0.5], [0, 0, 1]])
    >>> [round(x, 2) for x in r["b"]], r["grade"]
    ([0.0, 0.25, 0.75], 2)
    """
    import numpy as np

    w = np.asarray(weights, dtype=float)
    r = np.asarray(membership, dtype=float)
    if r.ndim != 2 or r.shape[0] != len(w):
        raise AnalysisError(f"membership matrix must have one row per criterion ({len(w)}), got shape {r.shape}")
    b = w @ r
    s = b.sum()
    b = b / s if s > 0 else b
    return {"b": b.tolist(), "grade": int(np.argmax(b))}


def priority_table(counts, issues: dict[str, Any], weights: dict[str, float], *, codebook: Codebook,
                   thresholds: dict[str, float], lang: str, fuzzy: bool = False):
    """Rank fishbone categories by AHP-weighted severity, scope and frequency.

    Each criterion is on a 1-5 scale: severity and scope come from the engagement
    (``root_cause.priority.issues``); frequency = 1 + 4 x (category count / largest count).
    ``score = sum_k w_k x_k / 5`` (0.2..1). Level: High if score >= thresholds.high,
    Medium if >= thresholds.medium, else Low. With ``fuzzy=True`` the level also comes from
    the fuzzy comprehensive evaluation of the three scores (triangular grades).

    Returns
    -------
    pandas.DataFrame
        ``category, label, n, severity, scope, frequency, score, level, owner`` (+ ``fuzzy_level``,
        ``fuzzy_high``), sorted by score. Categories without a severity/scope in ``issues``
        are left out (listed in ``df.attrs['unrated']``).
    """
    import pandas as pd

    cnt = dict(zip(counts["item"], counts["n"]))
    cnt.pop(UNCODED, None)
    top = max([v for v in cnt.values()] + [1])
    rows, unrated = [], []
    grades = ["Low", "Medium", "High"]
    for cat in codebook.categories:
        spec = issues.get(cat)
        if spec is None:
            unrated.append(cat)
            continue
        spec = spec if isinstance(spec, dict) else spec.model_dump()
        x = {"severity": float(spec["severity"]), "scope": float(spec["scope"]),
             "frequency": 1 + 4 * cnt.get(cat, 0) / top}
        score = sum(weights[k] * x[k] for k in weights) / 5
        level = "High" if score >= thresholds["high"] else "Medium" if score >= thresholds["medium"] else "Low"
        row = {"category": cat, "label": codebook.category_label(cat, lang), "n": int(cnt.get(cat, 0)),
               **x, "score": score, "level": level, "owner": text_in(spec.get("owner"), lang)}
        if fuzzy:
            crit = list(weights)
            fe = fuzzy_evaluation([weights[k] for k in crit], [triangular_memberships(x[k]) for k in crit])
            row["fuzzy_level"] = grades[fe["grade"]]
            row["fuzzy_high"] = fe["b"][2]
        rows.append(row)
    df = pd.DataFrame(rows)
    if not df.empty:
        df = df.sort_values(["score", "n"], ascending=False).reset_index(drop=True)
    df.attrs["unrated"] = unrated
    return df


# =========================================================================== charts
def plot_pareto(table, *, labels: Sequence[str], title: str, ylabel: str, cum_label: str, cutoff: float = 0.8):
    """Bars of counts with the cumulative-share line and the cutoff (80%) line."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    x = range(len(table))
    colors = ["#c2423f" if v else "#8fa8bf" for v in table["vital"]]
    ax.bar(x, table["n"], color=colors)
    ax.set_xticks(list(x))
    ax.set_xticklabels(labels, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax2 = ax.twinx()
    ax2.plot(list(x), 100 * table["cum_share"], color="#1f5f8b", marker="o")
    ax2.axhline(100 * cutoff, color="#e07b39", ls="--", lw=1)
    ax2.set_ylim(0, 105)
    ax2.set_ylabel(cum_label)
    ax2.grid(False)
    fig.tight_layout()
    return fig


def plot_fishbone(counts: dict[str, int], labels: dict[str, str], *, effect: str, title: str = "",
                  code_lines: dict[str, list[str]] | None = None):
    """An Ishikawa diagram: the effect at the head, one bone per category with its count.

    Parameters
    ----------
    counts : dict
        Category -> number of verbatims (bones are drawn in this order, alternately above
        and below the spine).
    labels : dict
        Category -> label (already translated).
    effect : str
        Text of the head (the problem).
    code_lines : dict, optional
        Category -> a few "code (n)" strings written along the bone.
    """
    import matplotlib.pyplot as plt

    cats = list(counts)
    n_top = max((len(cats) + 1) // 2, 1)
    step = 3.0
    x_end = 1.8 + (n_top - 1) * step + 1.6
    fig, ax = plt.subplots(figsize=(12, 5.6))
    spine_y = 0.0
    ax.annotate("", xy=(x_end + 0.6, spine_y), xytext=(0.0, spine_y),
                arrowprops=dict(arrowstyle="-|>", lw=2.2, color="#333"))
    ax.text(x_end + 0.75, spine_y, effect, va="center", ha="left", fontsize=11, fontweight="bold",
            bbox=dict(boxstyle="round", fc="#fbe3e1", ec="#c2423f"))
    top = max(list(counts.values()) + [1])
    for i, cat in enumerate(cats):
        up = i % 2 == 0
        xb = 1.8 + (i // 2) * step
        y_end = 2.3 if up else -2.3
        lw = 1.2 + 3.0 * counts[cat] / top
        ax.plot([xb, xb + 1.6], [y_end, spine_y], color="#1f5f8b", lw=lw)
        ax.text(xb, y_end + (0.18 if up else -0.18), f"{labels[cat]} ({counts[cat]})", ha="center",
                va="bottom" if up else "top", fontsize=10, fontweight="bold")
        for j, line in enumerate((code_lines or {}).get(cat, [])[:3]):
            frac = 0.2 + 0.27 * j
            xx = xb + 1.6 * frac
            yy = y_end + (spine_y - y_end) * frac
            ax.text(xx - 0.12, yy, line if len(line) <= 26 else line[:25] + "…", ha="right", va="center",
                    fontsize=7.5, color="#444")
    ax.set_xlim(-1.6, x_end + 3.2)
    ax.set_ylim(-3.0, 3.0)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


# =========================================================================== one call for the notebook
def code_complaints(df, rc: dict[str, Any], *, file: str | None = None) -> dict[str, Any]:
    """Clean, code (fishbone + documents' categories) and import human codes in one call.

    Parameters
    ----------
    df : pandas.DataFrame
        The complaints (``pb.complaints()``).
    rc : dict
        The validated ``root_cause`` section (defaults filled).

    Returns
    -------
    dict
        ``data`` (usable rows, index reset), ``report`` (from :func:`clean_verbatims`),
        ``codebook``, ``coded``, and when configured ``doc_codebook``, ``doc_coded``,
        ``human`` / ``human_doc`` (Series aligned with ``data``, NaN where not coded).
    """
    data, report = clean_verbatims(df, rc["text_column"], max_chars=rc["max_chars"], file=file)
    data = data.reset_index(drop=True)
    base = Path(file).parent if file and Path(file).parent.exists() else None
    cb = load_codebook(rc["codebook"], base_dir=base.parent if base else None)
    lang_col = rc.get("language_column")
    langs = None
    if lang_col:
        if lang_col not in data.columns:
            raise DataError(f"missing the language column '{lang_col}'", file=file,
                            hint="set root_cause.language_column to a column holding zh/en, or remove it to detect the language")
        langs = [v if v in LANGS else detect_lang(t) for v, t in zip(data[lang_col], data[rc["text_column"]])]
    texts = data[rc["text_column"]].tolist()
    out: dict[str, Any] = {"data": data, "report": report, "codebook": cb, "coded": auto_code(texts, cb, langs)}
    if rc.get("doc_codebook"):
        dcb = load_codebook(rc["doc_codebook"], base_dir=base.parent if base else None)
        out["doc_codebook"], out["doc_coded"] = dcb, auto_code(texts, dcb, langs)
    id_col = rc.get("id_column")
    ids = data[id_col].tolist() if id_col and id_col in data.columns else list(range(len(data)))
    for key, col, book in (("human", rc.get("human_code_column"), cb),
                           ("human_doc", rc.get("human_doc_code_column"), out.get("doc_codebook"))):
        if col and book is not None:
            if col not in data.columns:
                raise DataError(f"missing the human code column '{col}'", file=file,
                                hint=f"set root_cause.{'human_code_column' if key == 'human' else 'human_doc_code_column'} "
                                     "to an existing column or remove it")
            tmp = data[[col]].assign(_id=range(len(data)))
            out[key] = import_human_codes(tmp, id_column="_id", code_column=col, codebook=book, file=file).reset_index(drop=True)
    if rc.get("human_codes_file") and "human" not in out:
        src = Path(rc["human_codes_file"])
        cands = [src] if src.is_absolute() else [Path.cwd() / src] + ([base.parent / src, base / src] if base else [])
        found = next((c for c in cands if c.is_file()), None)
        if found is None:
            raise DataError(f"human codes file not found: {src}", hint="set root_cause.human_codes_file relative to the engagement folder")
        if not id_col or id_col not in data.columns:
            raise DataError("root_cause.human_codes_file needs root_cause.id_column to match codes to complaints", file=file)
        out["human"] = import_human_codes(found, id_column=id_col, codebook=cb, ids=ids).reset_index(drop=True)
    return out


def agreement_summary(human, coded, codebook: Codebook) -> dict[str, Any] | None:
    """Cohen's kappa and Krippendorff's alpha (nominal) of human vs auto primary category,
    kappa per category (yes/no) and the confusion table; None when no unit has both codes."""
    import pandas as pd

    from . import agreement as ag

    mask = human.notna().to_numpy()
    if not mask.any():
        return None
    h = human[mask].astype(str).tolist()
    a = coded.loc[mask, "primary"].astype(str).tolist()
    k = ag.cohen_kappa(h, a)
    tidy = pd.DataFrame({"unit": list(range(len(h))) * 2, "coder": ["human"] * len(h) + ["auto"] * len(a),
                         "code": h + a})
    try:
        alpha = ag.krippendorff_alpha(tidy, "nominal")
    except AnalysisError:
        alpha = float("nan")
    per = ag.kappa_per_category([{x} for x in h], [set(c) for c in coded.loc[mask, "categories"]],
                                categories=list(codebook.categories))
    labels = [c for c in list(codebook.categories) + [UNCODED] if c in set(h) | set(a)]
    conf = ag.confusion_table(h, a, labels=labels, names=("human", "auto"))
    # the constant guess: always the human coders' most frequent category (kappa 0 by construction)
    mode = pd.Series(h).value_counts().index[0]
    base_po = float(sum(x == mode for x in h) / len(h))
    return {"kappa": k["kappa"], "po": k["po"], "pe": k["pe"], "n": k["n"], "alpha": alpha,
            "per_category": per, "confusion": conf, "baseline_code": mode, "baseline_po": base_po}


# =========================================================================== theme discovery
_URL = re.compile(r"https?://\S+|www\.\S+")
#: function words that carry no theme (on top of _STOP_ZH / _STOP_EN, which uncoded_terms also uses)
_THEME_STOP = set("那么 可能 根本 有点 不如 有些 很多 现在 为什么 今天 怎么 这么 东西 一点 完全 不怎么 不过 问题 "
                  "只有 没什么 一些 里面 希望 要是 只能 直接 然后 其实 虽然 这种 那种 这些 那些 之后 以后 以前 还是 "
                  "应该 知道 看到 出来 起来 一直 不会 不能 不要 需要 还要 可是 总是 确实 而且 或者 如何 这里 那里 "
                  "时间 一样 东东 一次 两个 几个 多少 真是 实在 简直 太多 一定 好像 似乎 而已 大家 朋友 就要 等于 最后 "
                  "im ive dont didnt cant wont thats its get got one would thanks thank please via amp "
                  "theres theyre youre were isnt wasnt arent doesnt havent hasnt id ill lets every".split())
_HANDLE = re.compile(r"[@＠][\w\u3400-\u9fff.\-]+|#\S+")
#: a numeral and a measure word (一张, 三份, 一句, 一堆, 两遍): grammar, not a theme; durations (三天, 两小时) stay
_NUM_CLASSIFIER = re.compile(r"[一二两三四五六七八九十几半每这那哪]+[个张份句堆点次遍趟条件位块本台部家种样些回下顿]")


def theme_tokens(text: str, lang: str, codebook: Codebook | None = None) -> list[str]:
    """Content words of a verbatim for theme discovery: @handles, #tags, URLs, numbers,
    stop-words, one-character Chinese tokens and 1-2 letter English words removed.

    >>> theme_tokens("@united flight delayed 3 hours http://t.co/x again", "en")
    ['flight', 'delayed', 'hours']
    """
    low = _HANDLE.sub(" ", _URL.sub(" ", str(text).lower()))
    if lang == "zh":
        toks = _matcher(codebook).tok.lcut(low) if codebook is not None else _new_tokenizer().lcut(low)
        return [t for t in (x.strip() for x in toks) if _content_word(t, "zh") and not re.fullmatch(r"[\W_a-z0-9]+", t)]
    return [t for t in (w.replace("'", "") for w in re.findall(r"[a-z][a-z']+", low)) if _content_word(t, "en")]


def _content_word(tok: str, lang: str) -> bool:
    """A word worth proposing to grow the codebook (uncoded words, themes): not a number, punctuation, stop-word,
    numeral + measure word (一张, 三份), one-character Chinese token or English word under 3 letters."""
    if not tok or tok.isdigit() or re.fullmatch(r"[\W_]+", tok):
        return False
    if lang == "zh":
        return len(tok) >= 2 and tok not in _STOP_ZH and tok not in _THEME_STOP and not _NUM_CLASSIFIER.fullmatch(tok)
    return len(tok) >= 3 and tok not in _STOP_EN and tok.replace("'", "") not in _THEME_STOP


def discover_themes(texts: Sequence[str], langs: Sequence[str] | None = None, *, n_themes: int = 6,
                    n_terms: int = 8, per_theme: int = 3, codebook: Codebook | None = None, seed: int = 0,
                    min_docs: int = 3):
    """Candidate codes for verbatims no rule coded: NMF topics over TF-IDF of their content words.

    Parameters
    ----------
    texts : sequence of str
        Usually the uncoded verbatims.
    langs : sequence of {"zh", "en"}, optional
        Detected when omitted. Chinese is tokenised with jieba (the codebook's keywords added
        when ``codebook`` is given); handles, URLs, numbers and stop-words are removed.
    n_themes : int
        Topics asked for (fewer when there is little text).

    Returns
    -------
    list of dict
        One per theme, largest first: ``theme`` (``theme_1``...), ``name`` (its top three
        terms), ``terms`` (top ``n_terms``), ``n`` (verbatims whose strongest topic it is),
        ``examples`` (up to ``per_theme`` of them, highest weight first), ``yaml`` (a codebook
        snippet with the terms as keywords, to paste under a category and edit).

    Notes
    -----
    scikit-learn's :class:`~sklearn.decomposition.NMF` (NNDSVD init, fixed ``seed``) on
    :class:`~sklearn.feature_extraction.text.TfidfVectorizer` (terms in >= ``min_docs``
    verbatims and in <= 50% of them). A theme is a proposal to read, not a code.
    """
    import warnings

    import numpy as np
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["" if t is None else str(t) for t in texts]
    langs = list(langs) if langs is not None else [detect_lang(t) for t in texts]
    docs = [theme_tokens(t, lang, codebook) for t, lang in zip(texts, langs)]
    keep = [i for i, d in enumerate(docs) if d]
    if len(keep) < max(2 * min_docs, 6):
        return []
    vec = TfidfVectorizer(analyzer=lambda d: d, min_df=min_docs, max_df=0.5, sublinear_tf=True)
    try:
        x = vec.fit_transform([docs[i] for i in keep])
    except ValueError:          # no term left after the document-frequency limits
        return []
    k = max(1, min(n_themes, x.shape[1] - 1, x.shape[0] // max(min_docs, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NMF(n_components=k, init="nndsvd", random_state=seed, max_iter=400)
        w = model.fit_transform(x)
    vocab = np.array(vec.get_feature_names_out())
    best = w.argmax(axis=1)
    strong = w.max(axis=1) > 0
    out = []
    for j in range(k):
        members = np.flatnonzero((best == j) & strong)
        if members.size == 0:
            continue
        terms = vocab[np.argsort(-model.components_[j])[:n_terms]].tolist()
        ex = [texts[keep[i]] for i in members[np.argsort(-w[members, j])][:per_theme]]
        zh = [t for t in terms if _CJK.search(t)]
        en = [t for t in terms if not _CJK.search(t)]
        out.append({"name": " / ".join(terms[:3]), "terms": terms, "n": int(members.size), "examples": ex,
                    "yaml": theme_yaml(f"theme_{j + 1}", " / ".join(terms[:3]), zh, en)})
    out.sort(key=lambda t: -t["n"])
    for i, t in enumerate(out, 1):
        t["theme"] = f"theme_{i}"
        t["yaml"] = theme_yaml(t["theme"], t["name"], [x for x in t["terms"] if _CJK.search(x)],
                               [x for x in t["terms"] if not _CJK.search(x)])
    return out


def write_themes_yaml(path: str | Path, themes: Sequence[dict]) -> Path:
    """The discovered themes as one YAML file of codebook snippets, each with its size and examples
    as comments (paste the ones worth keeping under a category's ``codes:``)."""
    from .atomic import write_text_atomic

    parts = ["# Candidate codes proposed by theme discovery (NMF over the uncoded complaints).",
             "# Read the examples, rename, move the keywords you keep under a category's codes:, rerun.", ""]
    for t in themes:
        parts.append(f"# {t['theme']}: {t['n']} uncoded complaints; e.g. "
                     + " | ".join(e.replace("\n", " ")[:80] for e in t["examples"]))
        parts.append(t["yaml"])
        parts.append("")
    return write_text_atomic(path, "\n".join(parts))


def theme_yaml(code_id: str, name: str, zh: Sequence[str], en: Sequence[str]) -> str:
    """A codebook snippet for a discovered theme (paste under a category's ``codes:`` and edit).

    >>> print(theme_yaml("theme_1", "物流 / 慢", ["物流", "慢"], []))
    theme_1:
      label: {zh: "物流 / 慢", en: "物流 / 慢"}
      keywords:
        zh: [物流, 慢]
        en: []
    """
    return (f"{code_id}:\n  label: {{zh: \"{name}\", en: \"{name}\"}}\n  keywords:\n"
            f"    zh: [{', '.join(zh)}]\n    en: [{', '.join(en)}]")
