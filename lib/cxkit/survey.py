"""Survey design (notebook 01): item bank, questionnaire, XLSForm, codebook, and the ``design:`` params.

The *item bank* ships with the package (``cxkit/itembank/*.yaml``): bilingual
wording, answer type, scale range, answer list, reverse flag and the dimension
of every standard item (CSAT, NPS, CES, SERVQUAL expectation and perception,
drivers, Kano pairs, scenario items, the complaint module, open questions,
profile items). An engagement picks modules and items in
``design.questionnaire``; :func:`build_questionnaire` assembles them (with skip
logic), :func:`write_xlsform` writes the XLSForm (ODK / KoboToolbox standard,
checked with pyxform) and :func:`codebook` returns the variable list that
``cx validate`` and the later notebooks use to check response files.

The sampling part (sample size, allocation, margins, power) is in
:mod:`cxkit.sampling`; this module stays light to import (stdlib + pydantic),
because :mod:`cxkit.config` imports it to validate ``design:``.

Example
-------
>>> q = build_questionnaire({"modules": ["outcomes"]})
>>> [it["id"] for it in q["items"]]
['csat', 'nps', 'ces', 'overall']
"""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import ConfigError, CxError, Problem

PARAMS_FILE = "engagement.yaml"
ITEM_TYPES = ("likert", "integer", "select_one", "select_multiple", "yes_no", "text")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
LANG_COLUMNS = {"zh": "Chinese (zh)", "en": "English (en)"}
DEFAULT_MODULES = ["profile", "outcomes", "servqual_expectation", "servqual", "drivers", "scenario",
                   "complaint", "open"]
CUSTOM_MODULE_LABEL = {"zh": "补充问题", "en": "Additional questions"}


def _problem(where: str, message: str) -> ConfigError:
    return ConfigError([Problem(PARAMS_FILE, where, message)])


# --------------------------------------------------------------------------- item bank
@lru_cache(maxsize=1)
def item_bank() -> dict[str, Any]:
    """The shipped item bank: ``{"modules": {name: {label, items, templates}}, "choices": {list: [...]}}``.

    Every file of ``cxkit/itembank`` is merged; an item id or answer list defined
    twice is an error.
    """
    from importlib import resources

    import yaml

    modules: dict[str, Any] = {}
    choices: dict[str, list[dict[str, str]]] = {}
    seen: dict[str, str] = {}
    folder = resources.files("cxkit") / "itembank"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for name, opts in (data.get("choices") or {}).items():
            if name in choices:
                raise ValueError(f"item bank: answer list {name!r} defined twice ({entry.name})")
            choices[name] = [{"name": str(o["name"]), "zh": str(o["zh"]), "en": str(o["en"])} for o in opts or []]
        if "module" in data:
            mod = data["module"]
            items = []
            for it in data.get("items") or []:
                if it["id"] in seen:
                    raise ValueError(f"item bank: item {it['id']!r} in {entry.name} and {seen[it['id']]}")
                seen[it["id"]] = entry.name
                items.append(_normalise(it, mod))
            modules[mod] = {"label": data["label"], "items": items,
                            "templates": [_normalise(t, mod) for t in data.get("templates") or []]}
    return {"modules": modules, "choices": choices}


def _normalise(it: Mapping[str, Any], module: str) -> dict[str, Any]:
    out = {"id": str(it["id"]), "module": it.get("module", module), "type": it["type"],
           "label": dict(it["label"]), "hint": dict(it["hint"]) if it.get("hint") else None,
           "choices": it.get("choices"), "range": list(it["range"]) if it.get("range") else None,
           "reverse": bool(it.get("reverse", False)), "dimension": it.get("dimension"),
           "construct": it.get("construct"), "form": it.get("form"), "relevant": it.get("relevant"),
           "required": bool(it.get("required", False))}
    if out["type"] not in ITEM_TYPES:
        raise ValueError(f"item {out['id']!r}: unknown type {out['type']!r}")
    return out


def bank_items() -> dict[str, dict[str, Any]]:
    """All fixed items of the bank by id (Kano templates excluded)."""
    return {it["id"]: it for m in item_bank()["modules"].values() for it in m["items"]}


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------- params
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bilingual(_Strict):
    zh: str
    en: str


class ChoiceSpec(_Strict):
    name: str | int
    zh: str
    en: str


class CustomItem(_Strict):
    """An engagement-specific question added to the bank's items."""

    id: str
    module: str = "custom"
    type: Literal["likert", "integer", "select_one", "select_multiple", "yes_no", "text"]
    label: Bilingual
    hint: Bilingual | None = None
    range: tuple[int, int] | None = None
    choices: str | None = None
    reverse: bool = False
    dimension: str | None = None
    relevant: str | None = None
    required: bool = False

    @field_validator("id")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError("an item id must start with a letter or '_' and hold only letters, digits and '_' "
                             "(max 40 characters): it becomes a column name")
        return v


class QuestionnaireParams(_Strict):
    """``design.questionnaire``: which modules and items, in which order, plus custom items."""

    form_id: str = "cx_survey"
    title: Bilingual = Field(default_factory=lambda: Bilingual(zh="客户满意度调研", en="Customer satisfaction survey"))
    version: str | None = None
    default_language: Literal["zh", "en"] | None = None
    modules: list[str] = Field(default_factory=lambda: list(DEFAULT_MODULES))
    items: dict[str, list[str]] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    custom_items: list[CustomItem] = Field(default_factory=list)
    choices: dict[str, list[ChoiceSpec]] = Field(default_factory=dict)
    kano_features: dict[str, Bilingual] = Field(default_factory=dict)
    frame_variables: dict[str, Bilingual] = Field(default_factory=dict)

    @field_validator("form_id")
    @classmethod
    def _form_id(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError("form_id must be letters, digits and '_' (starting with a letter)")
        return v

    @model_validator(mode="after")
    def _resolvable(self):
        try:
            build_questionnaire(self.model_dump())
        except ConfigError as exc:
            raise ValueError("; ".join(
                (p.where.removeprefix("design.questionnaire").lstrip(".") + ": " if p.where != "design.questionnaire"
                 else "") + p.message for p in exc.problems)) from None
        return self


class PilotTarget(_Strict):
    tier: str = ""
    label: Bilingual | None = None
    metric: Literal["mean", "proportion"] = "mean"
    baseline: float
    target: float
    sd: float | None = None


class PilotParams(_Strict):
    per_tier: int = Field(default=500, ge=4)
    treated_share: float = Field(default=0.10, gt=0, lt=1)
    targets: list[PilotTarget] = Field(default_factory=list)


class PowerParams(_Strict):
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    power: float = Field(default=0.80, gt=0, lt=1)
    sd_100: float = Field(default=12.0, gt=0)
    compare_by: list[str] = Field(default_factory=list)
    pilot: PilotParams = Field(default_factory=PilotParams)


class NpsMix(_Strict):
    promoters: float = Field(default=0.40, ge=0, le=1)
    passives: float = Field(default=0.35, ge=0, le=1)
    detractors: float = Field(default=0.25, ge=0, le=1)

    @model_validator(mode="after")
    def _sum(self):
        s = self.promoters + self.passives + self.detractors
        if abs(s - 1) > 1e-6:
            raise ValueError(f"promoters + passives + detractors must sum to 1, got {s:.4f}")
        return self


class SamplingParams(_Strict):
    """``design.sampling``: precision target, strata, allocation and response rate."""

    estimate: Literal["proportion", "mean"] = "proportion"
    margin: float = 0.05
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    p: float = Field(default=0.5, gt=0, lt=1)
    sd: float | None = Field(default=None, gt=0)
    design_effect: float = Field(default=1.0, gt=0)
    population: float | None = Field(default=None, gt=0)
    strata: dict[str, dict[str, float]] = Field(default_factory=dict)
    cells: dict[str, float] = Field(default_factory=dict)
    precision_for: str = "total"
    n_total: int | None = Field(default=None, gt=0)
    allocation: Literal["proportional", "neyman", "equal"] = "proportional"
    stratum_sd: dict[str, float] = Field(default_factory=dict)
    sd_dimension: str | None = None
    min_per_cell: int = Field(default=0, ge=0)
    response_rate: float = Field(default=1.0, gt=0, le=1)
    assumed_top2: float = Field(default=0.70, gt=0, lt=1)
    assumed_nps: NpsMix = Field(default_factory=NpsMix)
    report_by: list[str] = Field(default_factory=list)
    max_cell_moe_nps: float = Field(
        default=15.0, gt=0, description="NPS margin of error (± NPS points) above which a cell of the plan is "
                                        "flagged in 01's precision table: such cells are reported pooled, not "
                                        "compared one by one")

    @field_validator("margin")
    @classmethod
    def _margin(cls, v: float, info):
        if info.data.get("estimate", "proportion") == "proportion" and not 0 < v < 0.5:
            raise ValueError(f"a margin of error for a proportion must be in (0, 0.5), e.g. 0.05 for ±5 points; got {v!r}")
        if v <= 0:
            raise ValueError(f"must be > 0, got {v!r}")
        return v

    @field_validator("strata")
    @classmethod
    def _strata(cls, v: dict[str, dict[str, float]]):
        for dim, shares in v.items():
            if not shares:
                raise ValueError(f"{dim}: list at least one level with its share")
            s = sum(shares.values())
            if any(x <= 0 for x in shares.values()) or abs(s - 1) > 1e-3:
                raise ValueError(f"{dim}: shares must be > 0 and sum to 1, got sum {s:.4f}")
        return v

    @field_validator("precision_for")
    @classmethod
    def _precision_for(cls, v: str, info):
        strata = info.data.get("strata") or {}
        if v != "total" and v not in strata:
            raise ValueError(f"'{v}' is not a stratification dimension; use 'total' or one of {list(strata)}")
        return v

    @field_validator("min_per_cell")
    @classmethod
    def _min_cell(cls, v: int, info):
        n_cells = 1
        for shares in (info.data.get("strata") or {}).values():
            n_cells *= len(shares)
        n_total = info.data.get("n_total")
        if n_total and v * n_cells > n_total:
            raise ValueError(f"infeasible allocation: {v} per cell × {n_cells} cells = {v * n_cells} > n_total {n_total}; "
                             f"lower min_per_cell to ≤ {n_total // n_cells} or raise n_total")
        return v

    @field_validator("report_by")
    @classmethod
    def _report_by(cls, v: list[str], info):
        strata = info.data.get("strata") or {}
        bad = [d for d in v if d not in strata]
        if bad:
            raise ValueError(f"{bad} are not stratification dimensions {list(strata)}")
        return v

    @model_validator(mode="after")
    def _check(self):
        if self.estimate == "mean" and not self.sd:
            raise ValueError("sd: estimate 'mean' needs the expected standard deviation (sd > 0)")
        return self


class FieldStep(_Strict):
    key: str
    start: float = Field(ge=0)
    end: float = Field(gt=0)


class FieldworkParams(_Strict):
    weeks: int = Field(default=12, ge=1, le=52)
    steps: list[FieldStep] = Field(default_factory=list)
    interviews: dict[str, int] = Field(default_factory=lambda: {"platinum": 40, "gold": 40, "ordinary": 30,
                                                                "potential": 10})
    interview_split: dict[str, float] = Field(default_factory=lambda: {"high": 0.5, "low": 0.5})
    focus_groups: dict[str, int] = Field(default_factory=lambda: {"platinum": 2, "gold": 2, "ordinary": 1,
                                                                  "potential": 1})
    group_size: tuple[int, int] = (8, 10)

    @field_validator("group_size")
    @classmethod
    def _size(cls, v):
        if v[0] < 2 or v[0] > v[1]:
            raise ValueError(f"group_size must be [min, max] with 2 ≤ min ≤ max, got {list(v)}")
        return v


class DesignParams(_Strict):
    """The ``design:`` section of engagement.yaml (notebook 01). ``{}`` validates (all defaults)."""

    questionnaire: QuestionnaireParams = Field(default_factory=QuestionnaireParams)
    sampling: SamplingParams = Field(default_factory=SamplingParams)
    power: PowerParams = Field(default_factory=PowerParams)
    fieldwork: FieldworkParams = Field(default_factory=FieldworkParams)


# --------------------------------------------------------------------------- questionnaire
def _q_params(q: Mapping[str, Any] | None) -> dict[str, Any]:
    """Questionnaire params with defaults filled (a plain dict)."""
    base = {"form_id": "cx_survey", "title": {"zh": "客户满意度调研", "en": "Customer satisfaction survey"},
            "version": None, "default_language": None, "modules": list(DEFAULT_MODULES), "items": {},
            "exclude": [], "custom_items": [], "choices": {}, "kano_features": {}, "frame_variables": {}}
    base.update({k: v for k, v in dict(q or {}).items() if v is not None or k == "version"})
    return base


def build_questionnaire(q: Mapping[str, Any] | None, language: str = "zh") -> dict[str, Any]:
    """Assemble the questionnaire from ``design.questionnaire`` params and the item bank.

    Modules come in the order of ``modules``; inside a module, the items listed in
    ``items[module]`` (in that order) or else all the module's bank items; ``exclude``
    removes items; Kano pairs are generated for each of ``kano_features``;
    ``custom_items`` join their module (a module not in the bank is appended at the end).
    ``language`` is the form's default language when ``default_language`` is not set
    (the notebook passes the engagement's language).

    Returns ``{"form_id", "title", "version", "default_language", "modules": [{name, label}],
    "items": [item dicts], "choices": {list: options}, "dropped": [ids], "frame_variables"}``.
    ``dropped`` lists bank items left out because their answer list is engagement-specific and
    was not given (e.g. ``region`` without ``choices.region``); an item named in ``items`` is
    never dropped (a missing list is then an error).

    Raises :class:`ConfigError` naming the parameter for an unknown module or item,
    a duplicate id, a missing answer list, or a skip condition that refers to an item
    not in the questionnaire.

    >>> build_questionnaire({"modules": ["outcomes"], "items": {"outcomes": ["nps", "csat9"]}})
    Traceback (most recent call last):
    ...
    cxkit.errors.ConfigError: engagement.yaml: design.questionnaire.items.outcomes: unknown item 'csat9' in module 'outcomes' (did you mean 'csat'?); the module's items: csat, nps, ces, overall
    """
    q = _q_params(q)
    bank = item_bank()
    bmods = bank["modules"]
    problems: list[Problem] = []
    where = "design.questionnaire"
    custom = [dict(c) for c in q["custom_items"]]
    custom_mods = [c.get("module", "custom") for c in custom]
    for m in q["modules"]:
        if m not in bmods and m not in custom_mods:
            problems.append(Problem(PARAMS_FILE, f"{where}.modules",
                                    f"unknown module '{m}'{_suggest(m, list(bmods))}; modules: {', '.join(bmods)}"))
    for m, ids in q["items"].items():
        if m not in q["modules"]:
            problems.append(Problem(PARAMS_FILE, f"{where}.items.{m}",
                                    f"module '{m}' is not listed in design.questionnaire.modules"))
            continue
        if m == "kano":
            problems.append(Problem(PARAMS_FILE, f"{where}.items.kano",
                                    "Kano items come from design.questionnaire.kano_features, not items"))
            continue
        known = [it["id"] for it in bmods.get(m, {}).get("items", [])] + \
                [c["id"] for c in custom if c.get("module", "custom") == m]
        for i in ids:
            if i not in known:
                problems.append(Problem(PARAMS_FILE, f"{where}.items.{m}",
                                        f"unknown item '{i}' in module '{m}'{_suggest(i, known)}; "
                                        f"the module's items: {', '.join(known)}"))
    if "kano" in q["modules"] and not q["kano_features"]:
        problems.append(Problem(PARAMS_FILE, f"{where}.kano_features",
                                "module 'kano' needs at least one feature: kano_features: {key: {zh: ..., en: ...}}"))
    for f in q["kano_features"]:
        if not NAME_RE.match(f"kano_f_{f}"):
            problems.append(Problem(PARAMS_FILE, f"{where}.kano_features.{f}",
                                    "a feature key must be letters, digits and '_' (it names columns kano_f_<key>)"))
    if problems:
        raise ConfigError(problems)

    order = list(q["modules"]) + [m for m in dict.fromkeys(custom_mods) if m not in q["modules"]]
    items: list[dict[str, Any]] = []
    modules: list[dict[str, Any]] = []
    for m in order:
        if m in q["items"]:
            chosen = q["items"][m]
            pool = {it["id"]: it for it in bmods.get(m, {}).get("items", [])}
            mod_items = [dict(pool[i]) for i in chosen if i in pool]
        elif m == "kano":
            mod_items = []
            for fkey, fl in q["kano_features"].items():
                fl = dict(fl)
                for tpl in bmods["kano"]["templates"]:
                    it = dict(tpl)
                    it["id"] = tpl["id"].format(feature=fkey)
                    it["label"] = {lang: tpl["label"][lang].format(feature=fl[lang]) for lang in ("zh", "en")}
                    it["dimension"] = fkey
                    mod_items.append(it)
        else:
            mod_items = [dict(it) for it in bmods.get(m, {}).get("items", [])]
        for c in custom:
            if c.get("module", "custom") == m and (m not in q["items"] or c["id"] in q["items"][m]):
                mod_items.append(_custom_item(c, m))
        if m in q["items"]:  # keep the listed order, custom items included
            pos = {i: k for k, i in enumerate(q["items"][m])}
            mod_items.sort(key=lambda it: pos.get(it["id"], len(pos)))
        mod_items = [it for it in mod_items if it["id"] not in set(q["exclude"])]
        if not mod_items:
            continue
        label = bmods[m]["label"] if m in bmods else CUSTOM_MODULE_LABEL
        modules.append({"name": m, "label": dict(label)})
        items += mod_items

    ids = [it["id"] for it in items]
    all_known = set(bank_items()) | {c["id"] for c in custom}
    for x in q["exclude"]:
        if x not in all_known and not x.startswith("kano_"):
            problems.append(Problem(PARAMS_FILE, f"{where}.exclude", f"unknown item '{x}'{_suggest(x, sorted(all_known))}"))
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(Problem(PARAMS_FILE, f"{where}.custom_items",
                                f"item id(s) {', '.join(dupes)} used twice; give custom items their own ids"))
    frame = [v for v in q["frame_variables"] if v in ids]
    if frame:
        problems.append(Problem(PARAMS_FILE, f"{where}.frame_variables", f"{frame} are also questionnaire items"))
    choices = {k: list(v) for k, v in bank["choices"].items()}
    for name, opts in q["choices"].items():
        choices[name] = [{"name": str(dict(o)["name"]), "zh": dict(o)["zh"], "en": dict(o)["en"]} for o in opts]
    # a bank item whose answer list is engagement-specific (region) and was not given is left out,
    # unless the item was asked for by name
    named = {i for ids_ in q["items"].values() for i in ids_}
    dropped = [it["id"] for it in items if it.get("choices") in choices and not choices[it["choices"]]
               and it["id"] not in named and it["id"] in bank_items()]
    items = [it for it in items if it["id"] not in dropped]
    modules = [m for m in modules if any(it["module"] == m["name"] for it in items)]
    ids = [it["id"] for it in items]
    for it in items:
        if it["type"] in ("likert", "select_one", "select_multiple", "yes_no"):
            lst = it.get("choices") or ("yes_no" if it["type"] == "yes_no" else None)
            it["choices"] = lst
            if not lst or lst not in choices:
                problems.append(Problem(PARAMS_FILE, f"{where}.choices",
                                        f"item '{it['id']}' needs the answer list '{lst}': define it under "
                                        f"design.questionnaire.choices.{lst}"))
            elif not choices[lst]:
                problems.append(Problem(PARAMS_FILE, f"{where}.choices.{lst}",
                                        f"item '{it['id']}' uses the answer list '{lst}', which is empty here; "
                                        f"list its options as {{name, zh, en}}"))
        for ref in re.findall(r"\$\{([^}]+)\}", it.get("relevant") or ""):
            if ref not in ids:
                problems.append(Problem(PARAMS_FILE, where,
                                        f"item '{it['id']}' is asked only if '{ref}' is answered, but '{ref}' is not "
                                        f"in the questionnaire: include '{ref}' or exclude '{it['id']}'"))
            elif ids.index(ref) > ids.index(it["id"]):
                problems.append(Problem(PARAMS_FILE, where, f"item '{it['id']}' depends on '{ref}', which comes after it"))
    if problems:
        raise ConfigError(problems)
    used = list(dict.fromkeys(it["choices"] for it in items if it.get("choices")))
    return {"form_id": q["form_id"], "title": dict(q["title"]), "version": q["version"],
            "default_language": q["default_language"] or language, "modules": modules, "items": items,
            "choices": {k: choices[k] for k in used}, "dropped": dropped, "frame_variables": {k: dict(v) for k, v in q["frame_variables"].items()}}


def _custom_item(c: Mapping[str, Any], module: str) -> dict[str, Any]:
    it = _normalise({**c, "label": dict(c["label"]), "hint": dict(c["hint"]) if c.get("hint") else None}, module)
    if it["type"] == "likert" and not it["range"] and it["choices"] is None:
        raise _problem(f"design.questionnaire.custom_items.{c['id']}", "a likert item needs choices (an answer list)")
    return it


# --------------------------------------------------------------------------- codebook
def _allowed(it: Mapping[str, Any], choices: Mapping[str, list]) -> tuple[str, float | None, float | None, str]:
    """Human-readable allowed values, numeric min/max, and the '|'-joined choice names."""
    if it["type"] == "text":
        return "text", None, None, ""
    if it["type"] == "integer":
        lo, hi = (it.get("range") or (None, None))
        return (f"{lo}–{hi}" if lo is not None else "integer"), lo, hi, ""
    names = [o["name"] for o in choices.get(it.get("choices") or "", [])]
    nums = [float(n) for n in names if re.fullmatch(r"-?\d+(\.\d+)?", n)]
    lo, hi = (min(nums), max(nums)) if len(nums) == len(names) and nums else (None, None)
    if it["type"] == "likert" and it.get("range"):
        lo, hi = it["range"]
    shown = f"{lo:g}–{hi:g}" if lo is not None and it["type"] == "likert" else "|".join(names)
    return shown, lo, hi, "|".join(names)


def codebook(params: Mapping[str, Any]):
    """The codebook of an engagement's questionnaire as a DataFrame.

    Parameters
    ----------
    params : a region's resolved params (``pb.params``): uses ``design.questionnaire``
        and ``survey`` (``id_column``, ``scales`` for scale membership and reverse keys,
        ``outcomes``).

    Returns
    -------
    DataFrame with one row per variable: ``variable, module, label_zh, label_en, type,
    allowed`` (readable: ``1–5``, ``1|0``, ``text``), ``min, max`` (numeric bounds or NaN),
    ``values`` (``|``-joined answer codes, empty when free), ``reverse`` (bool),
    ``scale`` (scale of ``survey.scales`` holding it, else the outcome name or the
    bank dimension), ``relevant`` (skip condition). The id column (type ``id``) and the
    ``frame_variables`` (type ``frame``, from the sample frame, not asked) come first.

    Reverse keys come from ``survey.scales`` when the item is in a declared scale,
    else from the item bank.

    >>> cb = codebook({"design": {"questionnaire": {"modules": ["outcomes"]}}})
    >>> cb[["variable", "type", "allowed"]].values.tolist()[:3]
    [['respondent_id', 'id', 'text'], ['csat', 'likert', '1–5'], ['nps', 'likert', '0–10']]
    """
    import pandas as pd

    design = dict(params.get("design") or {})
    q = build_questionnaire(design.get("questionnaire"))
    survey = dict(params.get("survey") or {})
    scale_of: dict[str, str] = {}
    reverse_of: dict[str, bool] = {}
    for sname, spec in (survey.get("scales") or {}).items():
        for it in spec.get("items", []):
            scale_of.setdefault(it, sname)
            reverse_of[it] = it in (spec.get("reverse") or [])
    for oname, col in (survey.get("outcomes") or {}).items():
        if col:
            scale_of.setdefault(col, oname)
    rows = [{"variable": survey.get("id_column") or "respondent_id", "module": "", "label_zh": "受访者编号",
             "label_en": "Respondent ID", "type": "id", "allowed": "text", "min": None, "max": None,
             "values": "", "reverse": False, "scale": "", "dimension": "", "form": "", "relevant": ""}]
    for v, lab in q["frame_variables"].items():
        rows.append({"variable": v, "module": "frame", "label_zh": lab["zh"], "label_en": lab["en"], "type": "frame",
                     "allowed": "any", "min": None, "max": None, "values": "", "reverse": False, "scale": "",
                     "dimension": "", "form": "", "relevant": ""})
    for it in q["items"]:
        shown, lo, hi, values = _allowed(it, q["choices"])
        rows.append({"variable": it["id"], "module": it["module"], "label_zh": it["label"]["zh"],
                     "label_en": it["label"]["en"], "type": it["type"], "allowed": shown, "min": lo, "max": hi,
                     "values": values, "reverse": bool(reverse_of.get(it["id"], it["reverse"])),
                     "scale": scale_of.get(it["id"]) or "", "dimension": it.get("dimension") or it.get("construct") or "",
                     "form": it.get("form") or "", "relevant": it.get("relevant") or ""})
    df = pd.DataFrame(rows)
    df["min"] = pd.to_numeric(df["min"], errors="coerce")
    df["max"] = pd.to_numeric(df["max"], errors="coerce")
    return df


def consistency_warnings(params: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Mismatches between the questionnaire and ``survey`` as (i18n key, values) pairs.

    - a scale or driver item of ``survey`` that the questionnaire does not ask;
    - an item reverse-keyed in the bank (negatively worded) but not listed in the
      scale's ``reverse``, or the other way round.
    """
    q = build_questionnaire(dict(params.get("design") or {}).get("questionnaire"))
    asked = {it["id"]: it for it in q["items"]}
    survey = dict(params.get("survey") or {})
    out: list[tuple[str, dict[str, Any]]] = []
    wanted = [it for spec in (survey.get("scales") or {}).values() for it in spec.get("items", [])]
    wanted += list(survey.get("drivers") or []) + [c for c in (survey.get("outcomes") or {}).values() if c]
    missing = [w for w in dict.fromkeys(wanted) if w not in asked]
    if missing:
        out.append(("survey.warn_not_asked", {"items": ", ".join(missing)}))
    for sname, spec in (survey.get("scales") or {}).items():
        rev = set(spec.get("reverse") or [])
        for it in spec.get("items", []):
            if it in asked and asked[it]["reverse"] != (it in rev):
                out.append(("survey.warn_reverse", {"item": it, "scale": sname,
                                                    "bank": "reverse" if asked[it]["reverse"] else "normal"}))
    return out


# --------------------------------------------------------------------------- XLSForm
def _xls_relevant(expr: str | None) -> str:
    return expr or ""


def xlsform_sheets(q: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The three XLSForm sheets (survey, choices, settings) as lists of row dicts."""
    lc = {lang: f"label::{name}" for lang, name in LANG_COLUMNS.items()}
    hc = {lang: f"hint::{name}" for lang, name in LANG_COLUMNS.items()}
    survey: list[dict[str, Any]] = []
    by_module: dict[str, list] = {}
    for it in q["items"]:
        by_module.setdefault(it["module"], []).append(it)
    for mod in q["modules"]:
        survey.append({"type": "begin_group", "name": mod["name"], lc["zh"]: mod["label"]["zh"],
                       lc["en"]: mod["label"]["en"], "appearance": "field-list" if mod["name"] != "open" else ""})
        for it in by_module.get(mod["name"], []):
            row: dict[str, Any] = {"name": it["id"], lc["zh"]: it["label"]["zh"], lc["en"]: it["label"]["en"],
                                   "required": "yes" if it.get("required") else "",
                                   "relevant": _xls_relevant(it.get("relevant"))}
            if it.get("hint"):
                row[hc["zh"]], row[hc["en"]] = it["hint"]["zh"], it["hint"]["en"]
            t = it["type"]
            if t in ("likert", "select_one", "yes_no"):
                row["type"] = f"select_one {it['choices']}"
                if t == "likert" and len(q["choices"][it["choices"]]) <= 7:
                    row["appearance"] = "likert"
            elif t == "select_multiple":
                row["type"] = f"select_multiple {it['choices']}"
            elif t == "integer":
                row["type"] = "integer"
                if it.get("range"):
                    lo, hi = it["range"]
                    row["constraint"] = f". >= {lo} and . <= {hi}"
                    row["constraint_message::Chinese (zh)"] = f"请输入 {lo}–{hi} 之间的整数"
                    row["constraint_message::English (en)"] = f"Enter a whole number from {lo} to {hi}"
            else:
                row["type"] = "text"
            survey.append(row)
        survey.append({"type": "end_group", "name": ""})
    choices = [{"list_name": name, "name": o["name"], lc["zh"]: o["zh"], lc["en"]: o["en"]}
               for name, opts in q["choices"].items() for o in opts]
    settings = [{"form_title": q["title"][q["default_language"]], "form_id": q["form_id"],
                 "version": q.get("version") or "1", "default_language": LANG_COLUMNS[q["default_language"]]}]
    return {"survey": survey, "choices": choices, "settings": settings}


def write_xlsform(q: Mapping[str, Any], path: str | Path) -> Path:
    """Write the questionnaire as an XLSForm workbook (written to a temporary file, then renamed).

    The workbook has the sheets ``survey``, ``choices`` and ``settings`` with
    ``label::Chinese (zh)`` / ``label::English (en)`` columns, so ODK Collect and
    KoboToolbox show both languages.
    """
    import pandas as pd

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheets = xlsform_sheets(q)
    order = ["type", "name", "label::Chinese (zh)", "label::English (en)", "hint::Chinese (zh)", "hint::English (en)",
             "required", "relevant", "constraint", "constraint_message::Chinese (zh)",
             "constraint_message::English (en)", "appearance"]
    from .atomic import atomic_path

    with atomic_path(path, suffix=".tmp.xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            sdf = pd.DataFrame(sheets["survey"])
            sdf = sdf[[c for c in order if c in sdf.columns]].fillna("")
            sdf.to_excel(xw, sheet_name="survey", index=False)
            pd.DataFrame(sheets["choices"]).to_excel(xw, sheet_name="choices", index=False)
            pd.DataFrame(sheets["settings"]).to_excel(xw, sheet_name="settings", index=False)
    return path


def xlsform_to_xform(path: str | Path) -> dict[str, Any]:
    """Convert an XLSForm with pyxform; return ``{"xml": str, "warnings": [str]}``.

    Raises :class:`CxError` with pyxform's message when the form does not convert.
    """
    from pyxform.xls2xform import convert

    warnings: list[str] = []
    try:
        res = convert(xlsform=str(path), warnings=warnings, validate=False, pretty_print=True)
    except Exception as exc:  # pyxform raises PyXFormError and a few others
        raise CxError(f"{path}: the XLSForm does not convert with pyxform: {exc}",
                      hint="check design.questionnaire (item ids, answer lists, skip conditions)") from None
    return {"xml": res.xform, "warnings": list(res.warnings or warnings)}


def write_codebook(cb, path: str | Path) -> Path:
    """Write the codebook as UTF-8 CSV with BOM (opens correctly in Excel), atomically."""
    from .atomic import write_text_atomic

    return write_text_atomic(path, "\ufeff" + cb.to_csv(index=False, lineterminator="\n"), newline="")


def printable(q: Mapping[str, Any], lang: str):
    """The questionnaire as a table for the playbook: no., module, variable, question, answers, condition."""
    import pandas as pd

    labels = {m["name"]: m["label"][lang] for m in q["modules"]}
    rows = []
    for k, it in enumerate(q["items"], start=1):
        if it.get("choices"):
            opts = q["choices"][it["choices"]]
            if it["type"] == "likert" and len(opts) > 5:
                answers = f"{opts[0][lang]} … {opts[-1][lang]}"
            else:
                answers = " / ".join(f"{o['name']}={o[lang]}" if it["type"] == "likert" else o[lang] for o in opts)
        elif it["type"] == "integer":
            lo, hi = it.get("range") or ("", "")
            answers = f"{lo}–{hi}" if lo != "" else "#"
        else:
            answers = "…"
        cond = re.sub(r"\$\{([^}]+)\}", r"\1", it.get("relevant") or "").replace("'", "")
        rows.append({"no": k, "module": labels.get(it["module"], it["module"]), "variable": it["id"],
                     "question": it["label"][lang], "answers": answers, "condition": cond,
                     "reverse": bool(it.get("reverse"))})
    return pd.DataFrame(rows)


#: seconds per answer by item type (rule of thumb for self-completion on a phone)
SECONDS_PER_ITEM = {"likert": 6, "select_one": 6, "yes_no": 4, "select_multiple": 10, "integer": 10, "text": 45}


def estimated_minutes(q: Mapping[str, Any]) -> float:
    """Rough completion time: Σ seconds per item type (:data:`SECONDS_PER_ITEM`) / 60, every item counted.

    >>> round(estimated_minutes({"items": [{"type": "likert"}] * 10 + [{"type": "text"}]}), 2)
    1.75
    """
    return sum(SECONDS_PER_ITEM.get(it["type"], 6) for it in q["items"]) / 60


@lru_cache(maxsize=64)
def _bank_choice_labels(item_id: str, lang: str) -> tuple[tuple[str, str], ...]:
    it = bank_items().get(item_id)
    if not it or not it.get("choices"):
        return ()
    opts = item_bank()["choices"].get(it["choices"], [])
    return tuple((str(o["name"]), str(o.get(lang) or o.get("en") or o["name"])) for o in opts)


def bank_choice_labels(item_id: str, lang: str) -> dict[str, str]:
    """``{code: label}`` of the answer list of the item bank's question ``item_id`` (empty for another column).

    >>> bank_choice_labels("channel", "en")["hotline"], bank_choice_labels("not_an_item", "en")
    ('Hotline', {})
    """
    return dict(_bank_choice_labels(str(item_id), lang))


def choice_labels(q: Mapping[str, Any], list_name: str, lang: str) -> dict[str, str]:
    """``{code: label}`` of one answer list of a built questionnaire (empty when the list is not used).

    >>> choice_labels(build_questionnaire({"modules": ["profile"], "items": {"profile": ["tier"]}}), "tier", "en")["gold"]
    'Gold'
    """
    return {o["name"]: o[lang] for o in q.get("choices", {}).get(list_name, [])}


def check_against_codebook(df, cb) -> list[dict[str, Any]]:
    """Check a response DataFrame against a codebook (:func:`codebook`); return the problems found.

    Each problem is ``{"column", "kind", "message", "n", "rows"}`` where ``kind`` is
    ``unknown_column`` (not in the codebook), ``out_of_range`` (numeric value outside
    ``min``–``max``), ``not_a_code`` (value not among the answer codes), ``not_numeric``,
    and ``rows`` are the first spreadsheet rows (header = row 1). Questions of the codebook
    missing from the file are not reported (a file may hold a subset).

    >>> import pandas as pd
    >>> cb = codebook({"design": {"questionnaire": {"modules": ["outcomes"]}}})
    >>> [p["kind"] for p in check_against_codebook(pd.DataFrame({"csat": [5, 6], "x": [1, 1]}), cb)]
    ['out_of_range', 'unknown_column']
    """
    import numpy as np
    import pandas as pd

    rules = cb.set_index("variable")
    out: list[dict[str, Any]] = []

    def add(col: str, kind: str, message: str, mask) -> None:
        pos = np.flatnonzero(np.asarray(mask))
        out.append({"column": col, "kind": kind, "message": message, "n": int(len(pos)),
                    "rows": [int(p) + 2 for p in pos[:5]]})

    for col in df.columns:
        if col not in rules.index:
            add(col, "unknown_column", "column not in the codebook", np.zeros(len(df), bool))
            continue
        r = rules.loc[col]
        s = df[col]
        present = s.notna() & (s.astype(str).str.strip() != "")
        if pd.notna(r["min"]) and r["type"] in ("likert", "integer"):
            v = pd.to_numeric(s, errors="coerce")
            bad_num = present & v.isna()
            if bad_num.any():
                add(col, "not_numeric", "non-numeric answers", bad_num)
            oor = v.notna() & ((v < r["min"]) | (v > r["max"]) | (v != np.round(v)))
            if oor.any():
                add(col, "out_of_range", f"values outside {r['min']:g}–{r['max']:g} (whole numbers)", oor)
        elif r["values"]:
            codes = set(r["values"].split("|"))
            as_text = s.map(lambda x: str(int(x)) if isinstance(x, float) and float(x).is_integer() else str(x))
            if r["type"] == "select_multiple":
                bad = present & as_text.map(lambda x, codes=codes: not set(x.split()) <= codes)
            else:
                bad = present & ~as_text.isin(codes)
            if bad.any():
                add(col, "not_a_code", f"values not among the codes {r['values']}", bad)
    return out
