"""Engagement parameters: safe YAML loading, per-region overrides, typed validation.

An engagement folder holds ``engagement.yaml``. Shared settings sit at the top
level; each entry under ``regions:`` may override any of them (dicts are merged
key by key, lists and scalars replaced). The merged settings of each region are
validated with pydantic models; every problem is reported with the file, the
key path as the consultant wrote it (``regions.east.survey.scale_range``) and
what was expected, before any kernel starts.

Notebook-specific sections (``design``, ``reliability``, ``diagnostics``,
``root_cause``, ``roi``, ``allocation``, ``action_plan``) are validated by the model their module declares in
:data:`SECTION_MODELS`, so each topic owns its own schema.

Example
-------
>>> from cxkit.config import load_engagement  # doctest: +SKIP
>>> eng = load_engagement("params/demo")       # doctest: +SKIP
>>> eng.regions["east"].params["label"]        # doctest: +SKIP
'华东'
"""
from __future__ import annotations

import copy
import difflib
import hashlib
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from .errors import ConfigError, Problem

ENGAGEMENT_FILE = "engagement.yaml"
REGION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

#: section name -> "module:Class" of the pydantic model that validates it.
#: A section whose module does not define the class yet is accepted as a mapping.
SECTION_MODELS: dict[str, str] = {
    "design": "cxkit.survey:DesignParams",
    "reliability": "cxkit.reliability:ReliabilityParams",
    "diagnostics": "cxkit.diagnostics:DiagnosticsParams",
    "roi": "cxkit.roi:RoiParams",
    "allocation": "cxkit.allocation:AllocationParams",
    "weighting": "cxkit.weighting:WeightingParams",
    "root_cause": "cxkit.rootcause:RootCauseParams",
    "input": "cxkit.io:InputParams",
    "action_plan": "cxkit.action_plan:ActionPlanParams",
}


# --------------------------------------------------------------------------- YAML
class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (YAML would keep the last silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first at line {seen[key] + 1})",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: str | Path) -> Any:
    """Load a YAML file safely (no Python objects), refusing duplicate keys.

    Raises :class:`ConfigError` naming the file, line and column on a syntax error.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(str(path), "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")],
                          hint="save the YAML file as UTF-8") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([Problem(str(path), where, f"YAML syntax error: {what}")]) from None


def deep_merge(base: dict, override: dict) -> dict:
    """Return ``base`` updated by ``override``: dicts merge recursively, anything else replaces.

    >>> deep_merge({"a": {"x": 1, "y": 2}, "b": [1]}, {"a": {"y": 3}, "b": [2]})
    {'a': {'x': 1, 'y': 3}, 'b': [2]}
    """
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


# --------------------------------------------------------------------------- models
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ScaleSpec(_Strict):
    """A multi-item scale: its items, and which of them are reverse-keyed."""

    items: list[str] = Field(min_length=2)
    reverse: list[str] = Field(default_factory=list)
    label: dict[str, str] | str | None = None

    @model_validator(mode="after")
    def _reverse_subset(self):
        unknown = [r for r in self.reverse if r not in self.items]
        if unknown:
            raise ValueError(f"reverse-keyed items {unknown} are not in this scale's items {self.items}")
        if len(set(self.items)) != len(self.items):
            raise ValueError("an item is listed twice")
        return self


OUTCOME_TYPE_RANGE = {"nps": (0, 10), "ces": (1, 7), "binary": (0, 1), "score_0_100": (0, 100)}


class OutcomeDetail(_Strict):
    """An outcome given in full: ``{column, type, labels, range}`` (only ``column`` is required).

    ``type``: ``likert`` (a rating on ``range``), ``nps`` (0–10), ``ces`` (1–7), ``binary`` (0/1: its top box is
    the share of 1), ``score_0_100``; ``labels``: this column's text answers → numbers (e.g. 是: 1, 否: 0).
    """

    column: str
    type: Literal["likert", "nps", "ces", "binary", "score_0_100"] | None = None
    labels: dict[str, float] = Field(default_factory=dict)
    range: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _range_order(self):
        if self.range is not None and self.range[0] >= self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high, got {list(self.range)}")
        return self


class OutcomeSpec(_Strict):
    """Outcomes by role: a column name, or ``{column, type, labels, range}`` (:class:`OutcomeDetail`)."""

    csat: str | OutcomeDetail | None = None
    nps: str | OutcomeDetail | None = None
    ces: str | OutcomeDetail | None = None
    overall: str | OutcomeDetail | None = None


def _check_label(v: Any) -> Any:
    if isinstance(v, dict):
        if not v or not set(v) <= {"zh", "en"} or not all(isinstance(x, str) and x.strip() for x in v.values()):
            raise ValueError(f"a label is text or {{zh: …, en: …}}, got {v!r}")
    elif not isinstance(v, str) or not v.strip():
        raise ValueError(f"a label is text or {{zh: …, en: …}}, got {v!r}")
    return v


#: a display label: one text, or one per language ``{zh: 华东, en: East China}``
DisplayLabel = Annotated[str | dict[str, str], AfterValidator(_check_label)]


class SurveyParams(_Strict):
    id_column: str | None = Field("respondent_id", description="null: the row number identifies a respondent")
    missing_codes: list[float] = Field(default_factory=list, description="answer codes that mean no answer "
                                       "(e.g. 0 = not applicable, 99 = refused) in every survey column")
    segment_column: str | None = "tier"
    scale_range: tuple[int, int] = (1, 5)
    scales: dict[str, ScaleSpec] = Field(default_factory=dict)
    outcomes: OutcomeSpec = Field(default_factory=OutcomeSpec)
    drivers: list[str] = Field(default_factory=list)
    outcome_ranges: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)})
    straightline_min_items: int = Field(default=8, ge=3)
    outcome_types: dict[str, str] = Field(default_factory=dict, description="filled from outcome details")
    outcome_labels: dict[str, dict[str, float]] = Field(default_factory=dict, description="column → its codebook, "
                                                        "filled from outcome details")
    column_labels: dict[str, DisplayLabel] = Field(
        default_factory=dict, description="display name of a data column (a segment or banner): text or {zh, en}")
    value_labels: dict[str, dict[str, DisplayLabel]] = Field(
        default_factory=dict, description="column → value → display name (text or {zh, en}), e.g. channel: "
        "{app: {zh: 手机应用, en: App}}; the segment column's values are the tiers")

    @field_validator("value_labels", mode="before")
    @classmethod
    def _value_keys_as_text(cls, v):
        """Values as the data shows them: YAML's ``1: 男`` is the value "1"."""
        if isinstance(v, dict):
            return {str(c): ({str(k): lab for k, lab in m.items()} if isinstance(m, dict) else m) for c, m in v.items()}
        return v

    @model_validator(mode="after")
    def _outcome_details(self):
        """``outcomes.<role>: {column, type, labels, range}`` → the column name in ``outcomes``, its range in
        ``outcome_ranges``, its type in ``outcome_types`` and its labels in ``outcome_labels`` (read by validation
        as that column's own codebook), so every reader downstream sees plain column names. (Written to the
        instance dict: an assignment would validate the model again.)"""
        ranges, types, labels = dict(self.outcome_ranges), dict(self.outcome_types), dict(self.outcome_labels)
        for role in ("csat", "nps", "ces", "overall"):
            d = getattr(self.outcomes, role)
            if not isinstance(d, OutcomeDetail):
                continue
            rng = d.range or OUTCOME_TYPE_RANGE.get(d.type or "")
            if rng is not None:
                ranges[role] = tuple(rng)
            if d.type:
                types[role] = d.type
            if d.labels:
                labels[d.column] = dict(d.labels)
            self.outcomes.__dict__[role] = d.column
        self.__dict__.update(outcome_ranges=ranges, outcome_types=types, outcome_labels=labels)
        return self

    @field_validator("scale_range")
    @classmethod
    def _range_order(cls, v):
        if v[0] >= v[1]:
            raise ValueError(f"scale_range must be [low, high] with low < high, got {list(v)}")
        return v


class PrivacyParams(_Strict):
    redact_pii: bool = True


class ValidationParams(_Strict):
    policy: Literal["error", "warn"] = "error"


#: a wave label in a period format whose order is known: 2024, 2024Q1, 2024H2, 2024-03 (2024M3)
_PERIOD = re.compile(r"^(\d{4})(?:\s*[-_/ ]?\s*([QqHhMm])?\s*(\d{1,2}))?$")
_PERIOD_MAX = {"Y": 0, "Q": 4, "H": 2, "M": 12}


def period_key(label: str) -> tuple[str, int, int] | None:
    """The sort key of a wave label in a known period format: ``(kind, year, number)``, else None.

    >>> period_key("2024Q3"), period_key("2024-03"), period_key("2025"), period_key("春季")
    (('Q', 2024, 3), ('M', 2024, 3), ('Y', 2025, 0), None)
    """
    m = _PERIOD.match(str(label).strip())
    if not m:
        return None
    year, kind, num = m.groups()
    if num is None:
        return ("Y", int(year), 0)
    kind = (kind or "M").upper()
    return (kind, int(year), int(num)) if 1 <= int(num) <= _PERIOD_MAX[kind] else None


class WaveSpec(_Strict):
    """An earlier wave of a tracking study (``waves:`` of a region or of the engagement): its label and its
    response file. Only the id column is required in the file; the outcome columns are checked where present."""

    wave: str
    responses: str

    @field_validator("wave", mode="before")
    @classmethod
    def _number_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


class ResolvedParams(_Strict):
    """The settings of one region after the engagement-level settings were merged in."""

    engagement: str
    client: str
    language: Literal["zh", "en"] = "zh"
    wave: str
    seed: int = 20261122
    date: str | None = None
    region: str
    label: str
    responses: str | None = None
    complaints: str | None = None
    previous_responses: str | None = None
    retest_responses: str | None = None
    pilot_responses: str | None = None   # notebook 07: respondent-level pilot data (cxkit.action_plan)
    # multi-wave tracking (03, cxkit.tracking): the earlier waves, oldest first; this wave is `responses` / `wave`
    waves: list[WaveSpec] = Field(default_factory=list)
    targets: dict[str, float] = Field(default_factory=dict)
    survey: SurveyParams = Field(default_factory=SurveyParams)
    root_cause: dict[str, Any] = Field(default_factory=lambda: {"text_column": "comment"})
    privacy: PrivacyParams = Field(default_factory=PrivacyParams)
    validation: ValidationParams = Field(default_factory=ValidationParams)
    notebooks: list[str] | None = None
    design: dict[str, Any] = Field(default_factory=dict)
    reliability: dict[str, Any] = Field(default_factory=dict)
    diagnostics: dict[str, Any] = Field(default_factory=dict)
    roi: dict[str, Any] = Field(default_factory=dict)
    allocation: dict[str, Any] = Field(default_factory=dict)
    weighting: dict[str, Any] = Field(default_factory=dict)
    input: dict[str, Any] = Field(default_factory=dict)
    action_plan: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _bilingual_names(cls, data: Any) -> Any:
        """``client`` and a region's ``label`` may be bilingual, ``{zh: 华东, en: East China}``: the playbooks show
        the one in the region's ``language`` (else the other one)."""
        if isinstance(data, dict):
            lang = data.get("language") if data.get("language") in ("zh", "en") else "zh"
            for key in ("client", "label"):
                v = data.get(key)
                if isinstance(v, dict) and v and set(v) <= {"zh", "en"}:
                    data = {**data, key: str(v.get(lang) or next(iter(v.values())))}
        return data

    @field_validator("wave", "client", mode="before")
    @classmethod
    def _number_as_text(cls, v: Any) -> Any:
        """``wave: 2024`` (a YAML number) is the wave "2024"."""
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    @field_validator("waves")
    @classmethod
    def _waves_order(cls, v: list[WaveSpec], info: ValidationInfo) -> list[WaveSpec]:
        """Wave labels are unique and none is this wave's; the list order is the time order (oldest first). When
        every label (this wave's too) has the same period format (2024, 2024Q1, 2024H1, 2024-03) the labels must
        also ascend in that order, ending before this wave, so a list written newest first is caught."""
        labels = [w.wave for w in v]
        dup = sorted({x for x in labels if labels.count(x) > 1})
        if dup:
            raise ValueError(f"wave label(s) {', '.join(map(repr, dup))} listed twice; each earlier wave once")
        current = info.data.get("wave")
        if current is not None and current in labels:
            raise ValueError(f"{current!r} is this wave's label (wave: {current}); waves lists the earlier waves "
                             "only (this wave's data is `responses`)")
        keys = [period_key(x) for x in labels + ([current] if current is not None else [])]
        if keys and None not in keys and len({k[0] for k in keys}) == 1:
            names = labels + [current]
            for a in range(len(keys) - 1):
                if keys[a] >= keys[a + 1]:
                    what = "this wave" if a + 1 == len(labels) else f"{names[a + 1]!r}"
                    raise ValueError(f"waves must be listed oldest first and end before this wave ({current}): "
                                     f"{names[a]!r} comes before {what} ({names[a + 1]})")
        return v

    @field_validator("engagement")
    @classmethod
    def _engagement_name(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", v):
            raise ValueError("must be a plain name of letters, digits, '-', '_' or '.' (it names output folders)")
        return v


DATA_KEYS = ("responses", "complaints", "previous_responses", "retest_responses", "pilot_responses")
#: ``Region.inputs`` key of an earlier wave's file: ``waves:<label>`` (the runner fingerprints it for "waves")
WAVE_INPUT = "waves:"
TOP_ONLY_KEYS = ("engagement", "regions")
REGION_ONLY_KEYS = ("label",)


# --------------------------------------------------------------------------- loading
@dataclass
class Region:
    name: str
    params: dict[str, Any]          # resolved, validated, JSON-serialisable; data paths absolute
    inputs: dict[str, Path] = field(default_factory=dict)  # key -> absolute path of each data file


@dataclass
class Engagement:
    root: Path
    file: Path
    raw: dict[str, Any]
    regions: dict[str, Region]

    @property
    def name(self) -> str:
        return self.raw["engagement"]

    def input_files(self) -> dict[str, Path]:
        """All input files (engagement.yaml + data), keyed by path relative to the engagement folder."""
        files = {ENGAGEMENT_FILE: self.file}
        for reg in self.regions.values():
            for p in reg.inputs.values():
                files[_rel(p, self.root)] = p
        return files


def _rel(p: Path, root: Path) -> str:
    try:
        return str(p.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(p)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _loc_in_source(loc: tuple, region: str, raw_region: dict) -> str:
    """Key path as written by the consultant: region override if the key came from there."""
    keys = [str(k) for k in loc]
    node: Any = raw_region
    for k in keys:
        if isinstance(node, dict) and k in node:
            node = node[k]
        else:
            return ".".join(keys)
    return ".".join(["regions", region, *keys])


def _pydantic_problems(exc: ValidationError, file: str, region: str, raw_region: dict,
                       model: type[BaseModel], prefix: tuple = ()) -> list[Problem]:
    problems = []
    errors = exc.errors()
    # a `str | Model` field (outcomes: a column name or {column, type, ...}) reports one error per branch: keep
    # the branch of the value's own kind, and drop pydantic's branch tags from the key path
    tag = re.compile(r"^(str|int|float|bool|dict\[.*\]|list\[.*\]|function-\w+\[.*\]|[A-Z]\w+)$")
    branched = {tuple(str(p) for p in e["loc"][:i]) for e in errors
                for i, p in enumerate(e["loc"]) if isinstance(p, str) and tag.match(p) and i}
    kept = []
    for err in errors:
        raw = tuple(err["loc"])
        head = next((raw[:i] for i, p in enumerate(raw) if isinstance(p, str) and tag.match(p) and i), None)
        if head is not None and tuple(map(str, head)) in branched:
            if raw[len(head)] == "str" and isinstance(err.get("input"), dict):
                continue                                   # a mapping was given: the str branch is beside the point
            err = {**err, "loc": head + raw[len(head) + 1:]}
        kept.append(err)
    for err in kept:
        loc = prefix + tuple(err["loc"])
        where = _loc_in_source(loc, region, raw_region)
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, tuple(err["loc"])[:-1])
            bad = str(loc[-1])
            close = difflib.get_close_matches(bad, allowed, n=1)
            msg = f"unknown key '{bad}'"
            msg += f" (did you mean '{close[0]}'?)" if close else ""
            msg += f"; allowed here: {', '.join(sorted(allowed))}" if allowed else ""
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] == "value_error":
            msg = err["msg"].removeprefix("Value error, ")
        else:
            got = err.get("input")
            got_s = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
            if len(got_s) > 60:
                got_s = got_s[:57] + "..."
            msg = f"{err['msg']} (got {got_s})"
        problems.append(Problem(file, where, msg))
    return problems


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    cur: Any = model
    for k in loc:
        if isinstance(cur, type) and issubclass(cur, BaseModel):
            f = cur.model_fields.get(str(k))
            if f is None:
                return []
            ann = f.annotation
            cur = _unwrap_model(ann)
        elif cur is None:
            return []
        else:
            # a dict[str, Model] level: the key itself is free, go one level down
            cur = cur
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return list(cur.model_fields)
    return []


def _unwrap_model(ann: Any) -> Any:
    from typing import get_args
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in get_args(ann):
        m = _unwrap_model(a)
        if m is not None:
            return m
    return None


def _section_model(name: str) -> type[BaseModel] | None:
    target = SECTION_MODELS.get(name)
    if not target:
        return None
    mod, _, cls = target.partition(":")
    try:
        module = importlib.import_module(mod)
    except ModuleNotFoundError as exc:
        if exc.name == mod:
            return None
        raise
    return getattr(module, cls, None)


def validate_region(name: str, merged: dict, raw_region: dict, file: str) -> dict:
    """Validate one region's merged settings; return the JSON-ready dict or raise ConfigError."""
    problems: list[Problem] = []
    try:
        model = ResolvedParams.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_pydantic_problems(exc, file, name, raw_region, ResolvedParams)) from None
    out = model.model_dump(mode="json")
    for section in SECTION_MODELS:
        sm = _section_model(section)
        if sm is None:
            continue
        try:
            out[section] = sm.model_validate(out.get(section) or {}).model_dump(mode="json")
        except ValidationError as exc:
            problems += _pydantic_problems(exc, file, name, raw_region, sm, prefix=(section,))
    if problems:
        raise ConfigError(problems)
    # sections the engagement wrote (defaults fill the others): what makes a notebook applicable (cxkit.contracts)
    out["provided"] = sorted(k for k, v in merged.items() if v not in (None, "", [], {}))
    return out


def load_engagement(path: str | Path, *, check_files: bool = True,
                    regions: list[str] | None = None) -> Engagement:
    """Load and validate ``engagement.yaml`` (or the folder holding it).

    Every problem found in every region is collected and raised together as one
    :class:`ConfigError`, so a consultant fixes a file in one pass.
    """
    path = Path(path)
    root = path if path.is_dir() else path.parent
    file = root / ENGAGEMENT_FILE if path.is_dir() else path
    fname = str(file)
    raw = load_yaml(file)
    if not isinstance(raw, dict):
        raise ConfigError([Problem(fname, "", "the file must hold a mapping of settings (key: value)")])
    problems: list[Problem] = []
    for key in ("engagement", "client", "wave", "regions"):
        if key not in raw:
            problems.append(Problem(fname, key, "required key is missing"))
    raw_regions = raw.get("regions") or {}
    if "regions" in raw and (not isinstance(raw_regions, dict) or not raw_regions):
        problems.append(Problem(fname, "regions", "expected a mapping of region name -> settings with at least one region"))
        raw_regions = {}
    if problems:
        raise ConfigError(problems)

    base = {k: v for k, v in raw.items() if k != "regions"}
    wanted = list(raw_regions) if regions is None else regions
    unknown = [r for r in wanted if r not in raw_regions]
    if unknown:
        raise ConfigError([Problem(fname, "regions", f"no region named {', '.join(map(repr, unknown))}; "
                                   f"the engagement has {', '.join(raw_regions)}")])
    out: dict[str, Region] = {}
    for name in wanted:
        spec = raw_regions[name]
        if not isinstance(name, str) or not REGION_NAME.match(name):
            problems.append(Problem(fname, f"regions.{name}",
                                    "region name must be a plain identifier: lower-case letters, digits and '_', "
                                    "starting with a letter (it names folders and files); put the display name in 'label'"))
            continue
        if not isinstance(spec, dict):
            problems.append(Problem(fname, f"regions.{name}", f"expected a mapping of settings, got {type(spec).__name__}"))
            continue
        for k in TOP_ONLY_KEYS:
            if k in spec:
                problems.append(Problem(fname, f"regions.{name}.{k}", "can only be set once for the whole engagement"))
        spec = {k: v for k, v in spec.items() if k not in TOP_ONLY_KEYS}
        merged = deep_merge(base, spec)
        merged["region"] = name
        merged.setdefault("label", name)
        try:
            params = validate_region(name, merged, spec, fname)
        except ConfigError as exc:
            problems += exc.problems
            params = None
        inputs: dict[str, Path] = {}
        for key in DATA_KEYS:
            rel = (params or merged).get(key)
            if not isinstance(rel, str):
                continue
            p = (root / rel).resolve() if not Path(rel).is_absolute() else Path(rel)
            where = f"regions.{name}.{key}" if key in spec else key
            if check_files and not p.is_file():
                problems.append(Problem(fname, where, f"data file not found: {rel} (looked for {p})",))
                continue
            if params is not None:
                params[key] = str(p)
                inputs[key] = p
        for i, wv in enumerate((params or {}).get("waves") or []):      # tracking: each earlier wave's file
            rel = wv["responses"]
            p = (root / rel).resolve() if not Path(rel).is_absolute() else Path(rel)
            where = f"{'regions.' + name + '.' if 'waves' in spec else ''}waves.{i}.responses"
            if check_files and not p.is_file():
                problems.append(Problem(fname, where, f"data file of wave {wv['wave']} not found: {rel} (looked for {p})"))
                continue
            wv["responses"] = str(p)
            inputs[f"{WAVE_INPUT}{wv['wave']}"] = p
        if params is not None:
            out[name] = Region(name=name, params=params, inputs=inputs)
    if problems:
        unique = list({(p.file, p.where, p.message): p for p in problems}.values())  # a shared key fails in every region
        raise ConfigError(unique, hint=f"fix {file.name} and run `cx validate {root}` again")
    return Engagement(root=root, file=file, raw=raw, regions=out)
