"""Typed models of the notebooks' ``.results.json`` files (the contract in ``docs/results.md``).

Every notebook writes ``DIR/<region>/<notebook>.results.json``; later notebooks of the region
and the engagement summary read them. This module encodes the documented keys as pydantic (v2)
models, one per notebook, so that a file can be checked against the documentation:

* every top-level key is a field whose ``description`` is the doc's "meaning" text; a key the
  doc does not list is an error (``extra="forbid"``);
* a key the doc says may be absent ("absent when ...", "only with ...") has a default of
  ``None`` and rejects an explicit ``null``; a value the doc says may be ``null`` ("or null",
  NaN written as ``null``) is typed ``Optional``; the two are independent;
* numbers are checked without being converted: a float may arrive as an int (``0``, ``1``) and
  stays an int, a string or a boolean is an error (no ``"1.5"`` → ``1.5`` coercion);
* ``crosstab_<column>`` keys of ``04_root_cause`` are dynamic names: they are collected into the
  ``crosstabs`` field on validation and written back as top-level keys by :func:`dump`.

:func:`validate` checks a parsed file and raises :class:`cxkit.errors.DataError` naming the
notebook, each offending key path and what was expected; :func:`load` reads a file and picks
the model from its ``notebook`` key; :func:`dump` gives back the JSON-ready dict, so that
``dump(validate(nb, d)) == d`` (keys left out stay left out, ``null`` stays ``null``).

Examples
--------
>>> from cxkit import results
>>> data = {"notebook": "00_data_profile", "region": "east", "language": "en", "warnings": [],
...         "validation_policy": "error", "n_responses": 3, "n_items": 2,
...         "completion": {"complete_share": 1, "mean_completion": 1.0, "partial_n": 0, "empty_n": 0},
...         "missing_share": {"q1": 0.0, "q2": 0}, "straightliners": {"n": 0, "share": 0.0},
...         "out_of_range": {}}
>>> m = results.validate("00_data_profile", data)
>>> m.n_responses, m.completion.complete_share, m.segments is None
(3, 1, True)
>>> results.dump(m) == data
True
>>> try:
...     results.validate("00_data_profile", {**data, "n_items": "two", "extra": 1})
... except results.DataError as exc:
...     print(exc.message)
results of 00_data_profile do not match docs/results.md (2 problems):
  - n_items: expected an integer, got str "two"
  - extra: unknown key (not documented in docs/results.md)
>>> sorted(results.documented_keys("04_root_cause"))[:4]
['ahp_cr', 'ahp_weights', 'alpha_nominal', 'category_counts']
>>> "crosstab_*" in results.documented_keys("04_root_cause")
True
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .errors import DataError

__all__ = [
    "MODELS",
    "ActionPlanResults",
    "AllocationResults",
    "DataError",
    "DataProfileResults",
    "DiagnosticsResults",
    "NotebookResults",
    "PlaybookWarning",
    "ReliabilityResults",
    "RoiResults",
    "RootCauseResults",
    "SummaryAction",
    "SummaryFinding",
    "SummaryResults",
    "SurveyDesignResults",
    "documented_keys",
    "dump",
    "load",
    "validate",
]


# =========================================================================== value types
def _number(v: Any) -> Any:
    """A JSON number (int or float, not bool), returned unchanged so ints stay ints."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise PydanticCustomError("number_type", "Input should be a number")
    return v


def _integer(v: Any) -> Any:
    """A JSON integer (an integral float such as ``3.0``, as pandas writes counts, is accepted unchanged)."""
    if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
        raise PydanticCustomError("integer_type", "Input should be an integer")
    return v


#: a number: int or float (not bool, not a numeric string), kept as given
Float = Annotated[float, PlainValidator(_number, json_schema_input_type=float)]
#: an integer (or an integral float), kept as given
Int = Annotated[int, PlainValidator(_integer, json_schema_input_type=int)]
#: ``[low, high]``
Pair = Annotated[list[Float], Field(min_length=2, max_length=2)]
#: ``[low, high]`` whose ends may be null (NaN)
PairN = Annotated[list[Float | None], Field(min_length=2, max_length=2)]

Check = Literal["pass", "fail", "n/a"]
Quadrant = Literal["concentrate", "keep_up", "low_priority", "overkill"]

_ABSENT = "x-may-be-absent"
_NULLABLE = "x-nullable"


def _req(description: str, **kw: Any) -> Any:
    """A key present in every file (its type says whether it may be null)."""
    return Field(..., description=description, **kw)


def _absent(description: str, *, nullable: bool = False, **kw: Any) -> Any:
    """A key that may be left out of the file; an explicit null is an error unless ``nullable``."""
    return Field(default=None, description=description,
                 json_schema_extra={_ABSENT: True, _NULLABLE: nullable}, **kw)


class _Strict(BaseModel):
    """Base of every model here: unknown keys are errors, no type coercion (str stays str...)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_null_for_absent_keys(cls, v: Any, info: ValidationInfo) -> Any:
        if v is None and info.field_name is not None:
            extra = cls.model_fields[info.field_name].json_schema_extra
            if isinstance(extra, dict) and extra.get(_ABSENT) and not extra.get(_NULLABLE):
                raise PydanticCustomError("null_not_allowed",
                                          "Input should not be null (leave the key out instead)")
        return v


# =========================================================================== common keys
class PlaybookWarning(_Strict):
    """One warning or alert the playbook showed (an item of ``warnings``)."""

    level: str = _req("kind of note: `warn` or `alert`")
    message: str = _req("the text shown in the playbook (playbook language)")


class NotebookResults(_Strict):
    """Keys present in every ``.results.json`` (docs/results.md, first table).

    Subclasses (one per notebook) add the notebook's documented keys; unknown keys are errors.
    """

    notebook: str = _req("notebook name, e.g. `00_data_profile`")
    region: str = _req("region name (`_engagement` for the summary)")
    language: Literal["zh", "en"] = _req("playbook language: `zh` or `en`")
    warnings: list[PlaybookWarning] = _req("every warning or alert the playbook showed")


# =========================================================================== 00_data_profile
class Completion(_Strict):
    """Questionnaire completion over the scale items."""

    complete_share: Float | None = _req("share of respondents who answered every scale item (null without items)")
    mean_completion: Float | None = _req("mean share of scale items answered (null without items)")
    partial_n: Int = _req("respondents who left at least one scale item blank")
    empty_n: Int = _req("respondents who answered no scale item")


class Straightliners(_Strict):
    """Respondents with one identical answer to ≥ ``survey.straightline_min_items`` items."""

    n: Int = _req("number of straight-liners")
    share: Float = _req("share of respondents who straight-line")


class WeightsSummary(_Strict):
    """``weights`` of 03: the survey weights used for the headline KPIs (:mod:`cxkit.weighting`)."""

    method: str = _req("rake, poststratify, design or column (client weights used as given)")
    n: Int = _req("respondents weighted")
    effective_n: Float = _req("Kish effective sample size (Σw)² / Σw²")
    deff: Float = _req("Kish design effect n / effective_n")
    min: Float = _req("smallest weight (mean 1)")
    max: Float = _req("largest weight (mean 1)")
    converged: bool = _req("raking converged")
    iterations: Int = _req("raking sweeps")


class WeightDistribution(WeightsSummary):
    """``weights`` of 00: the survey weights and their distribution (:meth:`cxkit.weighting.Weights.distribution`)."""

    quantiles: dict[str, Float] = _req("weight quantiles p01, p05, p25, p50, p75, p95, p99 (mean weight 1)")
    share_extreme: Float = _req("share of weights outside 0.2–5 × the mean weight")


class DataProfileResults(NotebookResults):
    """``00_data_profile.results.json``: data quality of the region's responses."""

    notebook: Literal["00_data_profile"] = _req("notebook name")
    validation_policy: Literal["error", "warn"] = _req(
        "`error` or `warn` (engagement setting `validation.policy`)")
    n_responses: Int = _req("rows in the response file after validation")
    n_items: Int = _req("scale items declared in `survey.scales`")
    segments: dict[str, Int] | None = _absent(
        "respondents per value of `survey.segment_column` (absent without a segment column)")
    weights: WeightDistribution | None = _absent(
        "the survey weights 03 uses, with their quantiles (absent without weighting or when they cannot be computed)")
    completion: Completion = _req("questionnaire completion (scale items)")
    missing_share: dict[str, Float] = _req("share of respondents who left the item blank, per item")
    straightliners: Straightliners = _req(
        "respondents with one identical answer to ≥ `survey.straightline_min_items` items")
    out_of_range: dict[str, Int] = _req(
        "values outside the declared range per column (non-empty only under `validation.policy: warn`)")


# =========================================================================== 01_survey_design
class SurveyFiles(_Strict):
    """File names (in the same folder as the results file) written by 01_survey_design."""

    xlsform: str = _req("XLSForm file name")
    codebook: str = _req("codebook CSV file name")


class PrecisionRow(_Strict):
    """Precision of one total / dimension level / cell of the sampling plan."""

    n: Int = _req("planned completes")
    moe_top2: Float = _req("margin of error of top-2-box (share, ±)")
    moe_nps: Float = _req("margin of error of NPS (points, ±)")
    mde_top2: Float = _req("minimum detectable wave-to-wave change of top-2-box (points)")
    mde_nps: Float = _req("minimum detectable wave-to-wave change of NPS (points)")
    mde_100: Float = _req("minimum detectable change of a 0–100 mean (points, SD `power.sd_100`)")


class DesignWeightRow(_Strict):
    """Selection probability and design weight of one cell of the sampling plan."""

    probability: Float | None = _req("selection probability π = n/N (null for a cell planned with n = 0)")
    weight: Float | None = _req("design weight N/n (null for a cell planned with n = 0)")


class PilotRow(_Strict):
    """Pilot vs control for one target of ``power.pilot.targets``."""

    tier: str = _req("tier of the target")
    metric: Literal["mean", "proportion"] = _req("`mean` (t test) or `proportion` (Cohen's h)")
    baseline: Float = _req("baseline value")
    target: Float = _req("target value")
    n_treated: Int = _req("customers in the pilot group")
    n_control: Int = _req("customers in the control group")
    power: Float = _req("power at the planned split (two-sided)")
    mde: Float = _req("signed minimum detectable change (share or points)")
    needed_per_tier: Int = _req("customers per tier needed for the requested power at the same split")


class FocusGroups(_Strict):
    """Focus groups and the participants to recruit."""

    groups: Int = _req("number of focus groups")
    min_participants: Int = _req("participants to recruit, lower bound")
    max_participants: Int = _req("participants to recruit, upper bound")


class SurveyDesignResults(NotebookResults):
    """``01_survey_design.results.json``: the questionnaire and the (engagement-wide) sampling plan."""

    notebook: Literal["01_survey_design"] = _req("notebook name")
    form_id: str = _req("XLSForm `form_id` (`design.questionnaire.form_id`)")
    files: SurveyFiles | None = _absent(
        "file names of the XLSForm and the codebook; absent in interactive runs")
    xform_warnings: Int | None = _absent(
        "warnings pyxform reported when converting the XLSForm; absent in interactive runs")
    n_items: Int = _req("questions in the questionnaire")
    modules: list[str] = _req("modules in questionnaire order")
    n_skip_rules: Int = _req("questions with a skip condition (`relevant`)")
    minutes: Float = _req("estimated completion time (`cxkit.survey.SECONDS_PER_ITEM`)")
    codebook_variables: list[str] = _req("codebook variables: id column, frame variables, questions")
    reverse_items: list[str] = _req("reverse-keyed variables (from `survey.scales`, else the item bank)")
    n_one_estimate: Int = _req("completes for one share at `margin` / `confidence` / `p` (infinite population)")
    n_required: Int = _req("completes needed for the precision target (`precision_for`), finite-population corrected")
    n_total: Int = _req("planned completes (`n_total` when given, else the sum of the allocation)")
    per_domain: dict[str, Int] = _req("completes required per level of `precision_for` (`{\"total\": n}` when `total`)")
    invitations_total: Int = _req("invitations = Σ ⌈n_h / `response_rate`⌉")
    allocation: dict[str, Int] = _req("completes per cell (`region.tier`), integers summing to `n_total`")
    invitations: dict[str, Int] = _req("invitations per cell")
    region_allocation: dict[str, Int] | None = _absent(
        "the cells of this region (absent when `region` is not a stratification dimension)")
    design_weights: dict[str, DesignWeightRow] = _req(
        "per cell: selection probability π = n/N and design weight N/n of the plan")
    nps_variance: Float = _req("per-respondent variance of the trinomial NPS score at `assumed_nps`")
    precision: dict[str, PrecisionRow] = _req(
        "per \"level:group\" (total / dimension level / cell): margins of error and minimum detectable changes")
    pilot: list[PilotRow] | None = _absent(
        "pilot vs control per target of `power.pilot.targets` (absent without pilot targets)")
    fieldwork_weeks: Int = _req("length of the fieldwork plan")
    fieldwork_steps: dict[str, Pair] = _req("week range [start, end] of each of the six steps")
    interviews_total: Int = _req("in-depth interviews")
    interview_quotas: dict[str, dict[str, Int]] = _req("interviews per tier × satisfaction level")
    focus_groups: FocusGroups = _req("focus groups and the participants to recruit")


# =========================================================================== 02_reliability
class Thresholds(_Strict):
    """Thresholds applied (``reliability.thresholds``)."""

    alpha: Float = _req("Cronbach's alpha")
    omega: Float = _req("McDonald's omega total")
    cr: Float = _req("composite reliability")
    ave: Float = _req("average variance extracted")
    htmt: Float = _req("heterotrait-monotrait ratio (upper limit)")
    cfi: Float = _req("CFI (and TLI)")
    rmsea: Float = _req("RMSEA (upper limit)")
    srmr: Float = _req("SRMR (upper limit)")
    kmo: Float = _req("Kaiser-Meyer-Olkin")
    item_rest: Float = _req("item-rest correlation")
    floor_ceiling: Float = _req("floor / ceiling share")
    icc: Float = _req("test-retest ICC")


class ScaleChecks(_Strict):
    """Verdict of each check of a scale: `pass`, `fail` or `n/a`."""

    alpha: Check = _req("alpha vs `thresholds.alpha`")
    omega: Check = _req("omega total vs `thresholds.omega`")
    cr: Check = _req("composite reliability vs `thresholds.cr`")
    ave: Check = _req("AVE vs `thresholds.ave`")
    fornell_larcker: Check = _req("Fornell-Larcker criterion")
    htmt: Check = _req("largest HTMT vs `thresholds.htmt`")


class ScaleRecommendation(_Strict):
    """What to do with a scale."""

    action: Literal["keep", "drop", "revise", "check_keying"] = _req("`keep`, `drop`, `revise` or `check_keying`")
    item: str | None = _req("the item the action is about (null with `keep`)")
    alpha_if_dropped: Float | None = _req("alpha without that item (null with `keep`)")


class ScaleResult(_Strict):
    """Figures of one analysed scale."""

    n: Int = _req("respondents")
    n_items: Int = _req("items")
    alpha: Float = _req("raw Cronbach's alpha (psych::alpha)")
    alpha_std: Float = _req("standardised alpha")
    alpha_ci: Pair = _req("Feldt confidence interval of raw alpha [low, high]")
    g6: Float = _req("Guttman's lambda 6 (smc)")
    average_r: Float = _req("average inter-item correlation")
    omega_total: Float | None = _req("McDonald's omega total (null for a 2-item scale or when it cannot be computed)")
    split_half_sb: Float | None = _req("Spearman-Brown odd/even split-half (null when it cannot be computed)")
    cr: Float | None = _req("CFA composite reliability (null without CFA)")
    ave: Float | None = _req("CFA average variance extracted (null without CFA)")
    htmt_max: Float | None = _req("largest HTMT with another scale (null without CFA or with one scale)")
    verdict: Literal["pass", "caution", "fail"] = _req("`pass`, `caution` (only AVE fails while CR passes) or `fail`")
    checks: ScaleChecks = _req("each check `pass`/`fail`/`n/a`")
    recommendation: ScaleRecommendation = _req("`action` for `item`")


class OmegaInstrument(_Strict):
    """Whole instrument: general factor over one group factor per scale (Schmid-Leiman, psych::omega)."""

    omega_h: Float = _req("omega hierarchical")
    omega_t: Float = _req("omega total")
    n_factors: Int = _req("group factors")


class Kmo(_Strict):
    """Kaiser-Meyer-Olkin sampling adequacy (psych::KMO), whole instrument."""

    overall: Float = _req("overall MSA")
    items: dict[str, Float] = _req("MSA per item")


class Bartlett(_Strict):
    """Bartlett's sphericity test."""

    chisq: Float = _req("chi-square")
    df: Int = _req("degrees of freedom")
    p: Float = _req("p-value")
    n: Int = _req("complete cases")


class Efa(_Strict):
    """EFA (minres + rotation) flags."""

    n_factors: Int = _req("factors extracted")
    rotation: str = _req("rotation (`reliability.rotation`)")
    cross_loading_items: list[str] = _req("items loading on more than one factor")
    no_home_items: list[str] = _req("items loading on no factor")


class CfaVerdicts(_Strict):
    """Fit verdicts of the CFA."""

    cfi: Check = _req("CFI vs `thresholds.cfi`")
    tli: Check = _req("TLI vs `thresholds.cfi`")
    rmsea: Check = _req("RMSEA vs `thresholds.rmsea`")
    srmr: Check = _req("SRMR vs `thresholds.srmr`")


class Cfa(_Strict):
    """CFA of the declared structure (lavaan conventions), figures rounded to 6 decimals."""

    chisq: Float = _req("chi-square")
    df: Int = _req("degrees of freedom")
    pvalue: Float = _req("p-value of the chi-square test")
    cfi: Float = _req("comparative fit index")
    tli: Float = _req("Tucker-Lewis index")
    rmsea: Float = _req("RMSEA")
    rmsea_ci: Pair = _req("90% interval of RMSEA [low, high]")
    srmr: Float = _req("SRMR")
    n: Int = _req("respondents")
    verdicts: CfaVerdicts = _req("fit verdicts")
    std_loadings: dict[str, Float] = _req("standardised loading per item")


class ReliabilityResults(NotebookResults):
    """``02_reliability.results.json``: per-scale verdicts and the instrument's structure."""

    notebook: Literal["02_reliability"] = _req("notebook name")
    missing_handling: Literal["pairwise", "listwise"] = _req("`pairwise` or `listwise` (`reliability.missing`)")
    thresholds: Thresholds = _req("thresholds applied (`reliability.thresholds`)")
    scales: dict[str, ScaleResult] = _req("per analysed scale: alpha family, omega, split-half, CR/AVE, HTMT, verdict")
    reliable_scales: list[str] = _req("scales whose verdict is `pass` or `caution`")
    scale_errors: dict[str, str] = _req("scales that could not be analysed and why")
    flagged_items: dict[str, Literal["weak", "miskeyed"]] = _req(
        "`weak` (item-rest r below `thresholds.item_rest`) or `miskeyed` (negative item-rest r)")
    omega_instrument: OmegaInstrument | None = _absent(
        "whole instrument omega (Schmid-Leiman); absent with fewer than 2 scales")
    kmo: Kmo | None = _absent(
        "Kaiser-Meyer-Olkin sampling adequacy, whole instrument (absent when the item correlation matrix fails)")
    bartlett: Bartlett | None = _absent(
        "Bartlett's sphericity test, n = complete cases (absent when the item correlation matrix fails)")
    parallel_components: Int | None = _absent(
        "components suggested by Horn's parallel analysis (absent when the item correlation matrix fails)")
    parallel_rule: Literal["quantile", "mean"] | None = _absent(
        "`quantile` (psych's default) or `mean` (Horn 1965) (absent when the item correlation matrix fails)")
    efa: Efa | None = _absent("EFA (minres + rotation) flags (absent when EFA is off or fails)")
    cfa: Cfa | None = _req(
        "CFA of the declared structure; null when switched off (`reliability.cfa: false`) or not estimable")
    retest_icc: dict[str, Float | None] | None = _req(
        "test-retest ICC per scale (`reliability.icc_type`); null without `retest_responses`")


# =========================================================================== 03_diagnostics
class TopBox(_Strict):
    """Top-`top_box` share with its Wilson interval (all null without a CSAT outcome)."""

    share: Float | None = _req("top-box share")
    low: Float | None = _req("Wilson interval, low")
    high: Float | None = _req("Wilson interval, high")


class TierKpis(_Strict):
    """The scorecard row of one tier; KPI keys exist only for the outcomes the survey has."""

    n: Int = _req("respondents of the tier")
    csat: Float | None = _absent("CSAT mean (own scale)", nullable=True)
    csat_0_100: Float | None = _absent("CSAT on 0–100", nullable=True)
    csat_low: Float | None = _absent("CSAT 0–100 interval, low", nullable=True)
    csat_high: Float | None = _absent("CSAT 0–100 interval, high", nullable=True)
    top_box: Float | None = _absent("top-box share", nullable=True)
    top_box_low: Float | None = _absent("top-box Wilson interval, low", nullable=True)
    top_box_high: Float | None = _absent("top-box Wilson interval, high", nullable=True)
    nps: Float | None = _absent("NPS (−100..100)", nullable=True)
    nps_low: Float | None = _absent("NPS interval, low", nullable=True)
    nps_high: Float | None = _absent("NPS interval, high", nullable=True)
    nps_0_100: Float | None = _absent("NPS on 0–100", nullable=True)
    promoters: Float | None = _absent("share of promoters", nullable=True)
    detractors: Float | None = _absent("share of detractors", nullable=True)
    ces: Float | None = _absent("CES mean (1–7)", nullable=True)
    ces_low: Float | None = _absent("CES interval, low", nullable=True)
    ces_high: Float | None = _absent("CES interval, high", nullable=True)
    ces_ease_0_100: Float | None = _absent("CES as ease on 0–100", nullable=True)
    overall: Float | None = _absent("overall satisfaction (0–100)", nullable=True)
    overall_low: Float | None = _absent("overall satisfaction interval, low", nullable=True)
    overall_high: Float | None = _absent("overall satisfaction interval, high", nullable=True)
    satisfaction: Float | None = _req("satisfaction on 0–100 (overall, else CSAT rescaled)")


class Alert(_Strict):
    """An alert rule that fired."""

    metric: str = _req("KPI of the rule")
    tier: str | None = _req("tier of the rule (null = all respondents)")
    below: Float = _req("alert line")
    value: Float = _req("the KPI's value")


class WaveChange(_Strict):
    """Change of one KPI since the previous wave."""

    change: Float | None = _req("change since `previous_responses`")
    p_value: Float | None = _req("p-value of the change")


class TrackingPoint(_Strict):
    """One wave's estimate of a tracked KPI (cxkit.tracking)."""

    wave: str = _req("wave label")
    value: Float = _req("estimate in the KPI's units")
    low: Float | None = _req("interval, low")
    high: Float | None = _req("interval, high")
    n: Int = _req("respondents with an answer")


class TrackingChange(_Strict):
    """The test of a KPI's change between two waves."""

    from_: str = Field(..., alias="from", description="earlier wave")
    to: str = _req("later wave")
    diff: Float = _req("later − earlier, in the KPI's units")
    statistic: Float | None = _req("t or z statistic (null when undefined)")
    p: Float | None = _req("two-sided p-value (null when undefined)")
    p_adj: Float | None = _absent("Holm-corrected over the consecutive pairs (wave_over_wave only)", nullable=True)


class TrackingTests(_Strict):
    """Wave-over-wave and first-to-last tests of one KPI."""

    test: Literal["welch_t", "two_proportion_z", "nps_z", "weighted_z"] = _req("test used")
    wave_over_wave: list[TrackingChange] = _req("each consecutive pair of waves")
    first_to_last: TrackingChange = _req("the first wave against the last (this) wave")


class ChangePoint(_Strict):
    """A significant step in a KPI's series of wave estimates."""

    after_wave: str = _req("the step happens between this wave and the next")
    before_mean: Float = _req("mean of the wave estimates up to after_wave")
    after_mean: Float = _req("mean of the wave estimates after it")
    step: Float = _req("level shift net of the common linear trend")
    p: Float = _req("Bonferroni-corrected p-value of the step")


class Agreement(_Strict):
    """Agreement of two tier assignments."""

    n: Int = _req("respondents compared")
    agreement: Float = _req("share of identical tiers")
    kappa: Float = _req("Cohen's kappa")


class OverallCheck(_Strict):
    """Share-weighted tier satisfaction vs `stated_overall` (else the sample mean)."""

    weighted: Float = _req("share-weighted tier satisfaction")
    stated: Float = _req("`stated_overall`, else the sample mean")
    difference: Float = _req("stated − weighted")
    tolerance: Float = _req("tolerance")
    consistent: bool = _req("within the tolerance (`false` also produced a warning)")


class KpiComposite(_Strict):
    """doc 002 weighted KPI composite."""

    score: Float = _req("composite score (0–100)")
    grade: Literal["below", "pass", "excellent", "outstanding"] = _req("`below`, `pass`, `excellent` or `outstanding`")


class KanoCounts(_Strict):
    """Respondents per Kano category."""

    M: Int = _req("must-be")
    O: Int = _req("one-dimensional")
    A: Int = _req("attractive")
    I: Int = _req("indifferent")
    R: Int = _req("reverse")
    Q: Int = _req("questionable")


class KanoFeature(_Strict):
    """Kano result of one feature."""

    category: str = _req("`M`, `O`, `A`, `I`, `R`, `Q`, or `X/Y` when Fong's test finds no clear leader")
    better: Float = _req("Better coefficient")
    worse: Float = _req("Worse coefficient")
    counts: KanoCounts = _req("respondents per category")


class BannerCellModel(_Strict):
    """One cell of a banner table."""

    value: Float | None = _req("mean, or share 0–1 (null when the column has no answer)")
    n: Int = _req("unweighted base: respondents of the column with an answer")
    letters: str | None = _req("letters of the columns this value is significantly above; null = not tested")


class DiagnosticsResults(NotebookResults):
    """``03_diagnostics.results.json``: KPIs, tiers, gaps, alerts and key drivers.

    Fields whose description starts with "C:" are contract keys (relied on by 04/05/06 and the summary).
    """

    notebook: Literal["03_diagnostics"] = _req("notebook name")
    csat_0_100: Float | None = _req("C: CSAT mean rescaled to 0–100 (null without a CSAT outcome)")
    nps: Float | None = _req("C: Net Promoter Score, −100..100 (null without an NPS outcome)")
    ces: Float | None = _req("C: mean Customer Effort Score on its 1–7 scale (null without a CES outcome)")
    tier_satisfaction: dict[str, Float] = _req("C: mean satisfaction (0–100) per tier")
    tier_share: dict[str, Float] = _req("C: share of respondents per tier (sums to 1)")
    driver_weights: dict[str, Float] = _req("C: Johnson relative weights rescaled to sum to 1")
    banners: dict[str, dict[str, dict[str, BannerCellModel]]] | None = _absent(
        "per banner column of `diagnostics.banners`: {metric: {level: {value, n, letters}}} "
        "(absent without banners)")
    driver_model: Literal["linear", "logistic"] | None = _absent(
        "`linear` (Johnson's relative weights) or `logistic` (Tonidandel & LeBreton 2010, a yes/no outcome); "
        "absent when the driver sections do not run")
    driver_weights_raw: dict[str, Float] | None = _absent("raw relative weights (summing to `r2`)")
    driver_vif: dict[str, Float] | None = _absent("variance inflation factor of each driver")
    driver_condition_number: Float | None = _absent("condition number √(λmax/λmin) of the drivers' correlation matrix")
    r2_kind: Literal["menard", "mckelvey_zavoina"] | None = _absent(
        "logistic model only: the pseudo-R² behind `r2` (R²_O, squared correlation of outcome and fitted probability)")
    driver_significant: dict[str, bool] | None = _absent(
        "logistic model with a bootstrap only: the driver's raw weight beats a random variable's "
        "(Tonidandel et al. 2009: bootstrap interval of the difference above 0)")
    driver_performance: dict[str, Float] = _req("C: mean of each driver on 0–100")
    r2: Float | None = _req("C: R² of the driver model (null when the key-driver sections are not applicable)")
    n: Int = _req("respondents in the response file")
    satisfaction_0_100: Float = _req("overall satisfaction on 0–100")
    csat_mean: Float | None = _req("CSAT mean on its own scale (null without a CSAT outcome)")
    csat_top_box: TopBox = _req("top-`top_box` share with its Wilson interval (`confidence`)")
    nps_ci: PairN = _req("NPS interval [low, high] (normal, trinomial variance)")
    satisfaction_0_100_ci: PairN | None = _absent("interval of satisfaction_0_100 (weighted when weighting is on)")
    csat_0_100_ci: PairN | None = _absent("interval of csat_0_100 (weighted when weighting is on)")
    ces_ci: PairN | None = _absent("interval of ces on its own scale (weighted when weighting is on)")
    weights: WeightsSummary | None = _absent("survey weights behind the headline KPIs; null without weighting",
                                             nullable=True)
    ces_ease_0_100: Float | None = _req("CES as ease on 0–100 (null without a CES outcome)")
    kpi_by_tier: dict[str, TierKpis] = _req("the scorecard row of each tier")
    difference_tests: dict[str, dict[str, Float | None]] = _req(
        "per segment column, omnibus p-values keyed \"kpi.test\"")
    gaps: dict[str, Float] | None = _absent(
        "(satisfaction − benchmark) / benchmark per benchmark (absent without benchmarks)")
    alerts: list[Alert] = _req("alert rules that fired (`diagnostics.alerts`)")
    wave_change: dict[str, WaveChange] | None = _absent(
        "change per KPI since `previous_responses` (absent when no previous wave)")
    tracking: dict[str, list[TrackingPoint]] | None = _absent(
        "per KPI, the estimate of each wave oldest first (absent without `waves`)")
    tracking_tests: dict[str, TrackingTests] | None = _absent(
        "per KPI, wave-over-wave and first-to-last tests (absent without `waves`)")
    change_points: dict[str, ChangePoint] | None = _absent(
        "per KPI with a significant step, the change point (absent without `waves`)")
    spend_band_agreement: Agreement | None = _absent(
        "tiers in the data vs the 12-month spend bands (absent without tiers or spend column)")
    tier_score_agreement: Agreement | None = _absent(
        "tiers in the data vs tiers cut from the composite tier score (absent when off or not computable)")
    overall_check: OverallCheck | None = _absent(
        "share-weighted tier satisfaction vs `stated_overall` (absent without tiers)")
    kpi_composite: KpiComposite | None = _req(
        "doc 002 weighted KPI composite and grade; null when a weighted KPI has no value")
    driver_weights_ci: dict[str, Pair] = _req("percentile bootstrap interval of each rescaled weight")
    driver_dominance: dict[str, Float] = _req("general dominance (Shapley) as a share of R²")
    driver_outcome: str = _req("outcome used for the driver weights")
    driver_level: Literal["scales", "items"] = _req("driver level used for the driver weights")
    tier_driver_weights: dict[str, dict[str, Float]] = _req("rescaled relative weights per tier")
    ipa: dict[str, Quadrant] = _req("IPA quadrant per driver")
    tier_ipa: dict[str, dict[str, Quadrant]] | None = _absent(
        "IPA quadrants per tier (absent without tier driver weights)")
    kano: dict[str, KanoFeature] | None = _absent(
        "Kano category and Better/Worse per feature (absent without Kano questions)")
    servqual_gaps: dict[str, Float] | None = _absent(
        "mean perception − expectation per dimension (absent without expectation items)")
    scale_items_dropped: dict[str, str] = _req(
        "items left out of the scale scores because 02_reliability recommends dropping them")


# =========================================================================== 04_root_cause
class Chain(_Strict):
    """A validated 5-Why chain."""

    id: str = _req("chain id")
    category: str = _req("fishbone category")
    n_whys: Int = _req("number of whys")
    due: str | None = _req("due date (ISO), null when not set")


class AhpWeights(_Strict):
    """AHP principal-eigenvector weights of ``root_cause.priority.ahp_matrix``."""

    severity: Float = _req("weight of severity")
    scope: Float = _req("weight of scope")
    frequency: Float = _req("weight of frequency")


class Priority(_Strict):
    """A ranked category."""

    category: str = _req("fishbone category")
    score: Float = _req("Σ w·criterion/5")
    level: Literal["High", "Medium", "Low"] = _req("level from `thresholds`")
    fuzzy_level: Literal["High", "Medium", "Low"] | None = _absent("fuzzy grade (only with `priority.fuzzy`)")


Crosstab = dict[str, dict[str, Float | None]]
_CROSSTAB = "crosstab_"
#: alias of the field that holds every crosstab_<column> key (the pattern docs/results.md uses)
_CROSSTAB_KEYS = "crosstab_*"


class CauseImpact(_Strict):
    """One category of ``cause_impact`` (:func:`cxkit.rootcause.cause_impact`); statistics null when untested."""

    category: str = _req("fishbone category")
    n_with: Int = _req("scored complaints mentioning it")
    mean_with: Float | None = _req("their mean score")
    n_without: Int = _req("scored complaints not mentioning it")
    mean_without: Float | None = _req("their mean score")
    diff: Float | None = _req("`mean_with` − `mean_without` (null when a group has fewer than `impact_min_n`)")
    ci_low: Float | None = _req("95% Welch interval, lower bound")
    ci_high: Float | None = _req("upper bound")
    p: Float | None = _req("Welch two-sided p")
    p_holm: Float | None = _req("Holm-adjusted over the categories tested")


class RootCauseResults(NotebookResults):
    """``04_root_cause.results.json``: coded complaint verbatims, Pareto, agreement, 5 Whys, priorities.

    The ``crosstab_<column>`` keys are collected into :attr:`crosstabs` (alias ``crosstab_*``,
    keyed by the full key name) and written back as top-level keys by :func:`dump`.
    """

    notebook: Literal["04_root_cause"] = _req("notebook name")
    n_complaints: Int = _req("complaints with text (coded)")
    n_dropped: Int = _req("complaints without text (blank/missing), not coded")
    n_truncated: Int = _req("complaints longer than `root_cause.max_chars`, coded on their first characters")
    n_pii: Int = _req("complaints containing personal data (masked when `privacy.redact_pii`)")
    coded_share: Float = _req("share of complaints with at least one code")
    uncoded_share: Float = _req("1 − `coded_share`")
    uncoded_terms: dict[str, Int] | None = _absent(
        "most frequent words of uncoded complaints; absent when none is uncoded")
    themes: list[dict[str, Any]] | None = _absent(
        "candidate codes from theme discovery on the uncoded complaints: [{theme, name, n, terms}]; "
        "absent when too little uncoded text")
    category_counts: dict[str, Int] = _req(
        "complaints per primary category (each complaint once), incl. `uncoded`; sums to `n_complaints`")
    category_share: dict[str, Float] = _req("`category_counts` / `n_complaints` (sums to 1)")
    primary_counts: dict[str, Int] = _req("complaints per primary category (sums to `n_complaints`)")
    mention_counts: dict[str, Int] | None = _absent(
        "complaints mentioning each category (multi-label), incl. `uncoded`")
    mention_share: dict[str, Float] | None = _absent(
        "`mention_counts` / `n_complaints`: % of complaints mentioning (may sum to more than 1)")
    code_counts: dict[str, Int] = _req("complaints mentioning each code (multi-label)")
    primary_code_counts: dict[str, Int] | None = _absent("complaints per primary code (each complaint once)")
    pareto_vital_categories: list[str] = _req("categories up to the 80% line of the Pareto table")
    pareto_vital_codes: list[str] = _req("codes up to the 80% line")
    top20_code_share: Float = _req("share of code occurrences carried by the top 20% of codes")
    top20_touchpoint_share: Float | None = _absent(
        "share of complaints from the top 20% of touchpoints; only with `root_cause.touchpoint_column`")
    cause_impact: list[CauseImpact] | None = _absent(
        "each category's association with the complainants' score: [{category, n_with, mean_with, n_without, "
        "mean_without, diff, ci_low, ci_high, p, p_holm}], most negative first; only with "
        "`root_cause.score_column` or `root_cause.respondent_column`")
    cause_impact_score: str | None = _absent("the score column `cause_impact` compares")
    crosstabs: dict[str, Crosstab] = Field(
        default_factory=dict, alias=_CROSSTAB_KEYS,
        description="`crosstab_<tier_column>`, `crosstab_<touchpoint_column>`: {group label: {category label: "
                    "share}} of the group's complaints mentioning each category (labels in the playbook language)",
        json_schema_extra={_ABSENT: True})
    doc_category_counts: dict[str, Int] | None = _absent(
        "complaints per documents' category (absent without `root_cause.doc_codebook`)")
    kappa: Float | None = _absent("Cohen's kappa, human code vs auto primary category (only with human codes)")
    kappa_po: Float | None = _absent("observed agreement, human vs auto (only with human codes)")
    kappa_baseline_po: Float | None = _absent(
        "observed agreement of always guessing the human codes' most frequent category (only with human codes)")
    kappa_baseline_code: str | None = _absent("that most frequent human category (only with human codes)")
    alpha_nominal: Float | None = _absent("Krippendorff's alpha (nominal), human vs auto (only with human codes)")
    kappa_per_category: dict[str, Float | None] | None = _absent(
        "kappa of the yes/no coding of each category, null when undefined (only with human codes)")
    doc_kappa: Float | None = _absent(
        "Cohen's kappa for the documents' categories (with `root_cause.human_doc_code_column`)")
    doc_alpha_nominal: Float | None = _absent(
        "Krippendorff's alpha for the documents' categories (with `root_cause.human_doc_code_column`)")
    chains: list[Chain] = _req("the validated 5-Why chains")
    ahp_weights: AhpWeights = _req("AHP principal-eigenvector weights of `root_cause.priority.ahp_matrix`")
    ahp_cr: Float = _req("consistency ratio (Saaty RI)")
    priorities: list[Priority] | None = _absent(
        "ranked categories with score, level and fuzzy grade (absent when no category is rated)")

    @model_validator(mode="before")
    @classmethod
    def _collect_crosstabs(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(isinstance(k, str) and k.startswith(_CROSSTAB) for k in data):
            data = dict(data)
            data[_CROSSTAB_KEYS] = {k: data.pop(k) for k in list(data)
                                    if isinstance(k, str) and k.startswith(_CROSSTAB)}
        return data

    @model_serializer(mode="wrap")
    def _spread_crosstabs(self, handler: Any) -> dict[str, Any]:
        out = handler(self)
        out.update({**(out.pop("crosstabs", None) or {}), **(out.pop(_CROSSTAB_KEYS, None) or {})})
        return out


# =========================================================================== 05_roi
class PvBySource(_Strict):
    """Present value of each value source."""

    retention: Float = _req("retention")
    revenue: Float = _req("revenue")
    savings: Float = _req("savings")
    terminal: Float = _req("terminal value (0 unless `roi.terminal_value`)")


class RoiScenario(_Strict):
    """One scenario of ``roi.scenarios``."""

    npv: Float = _req("net present value")
    irr: Float | None = _req("annualised IRR (null when undefined)")
    roi_ratio: Float = _req("x of \"1:x\"")
    payback_month: Int | None = _req("payback month (null if never within the horizon)")


class RoiSources(_Strict):
    """How many model inputs come from each source."""

    document: Int = _req("inputs from the documents")
    client: Int = _req("inputs from the client")
    consultant: Int = _req("inputs from the consultant")
    diagnostics: Int = _req("inputs from 03_diagnostics")


class TornadoRow(_Strict):
    """An uncertain input with its NPV swing."""

    input: str = _req("input name")
    swing: Float = _req("NPV swing between its P10 and P90")


class RoiResults(NotebookResults):
    """``05_roi.results.json``: NPV, IRR, payback and value per satisfaction point."""

    notebook: Literal["05_roi"] = _req("notebook name")
    currency: str = _req("currency of every amount")
    horizon_months: Int = _req("months modelled (default 36)")
    npv: Float = _req("net present value of the programme")
    irr: Float | None = _req("annualised IRR; null when undefined")
    payback_month: Int | None = _req(
        "first month from which the cumulative net cash flow stays ≥ 0; null if never within the horizon")
    roi_ratio: Float = _req("x of \"1:x\" = PV(benefits) / PV(investment)")
    roi_pct: Float = _req("`roi_ratio` − 1 (0.5 = 50 %)")
    pv_benefit: Float = _req("present value of the benefits")
    pv_cost: Float = _req("present value of the investment")
    total_investment: Float = _req("undiscounted sum of the initiatives' costs")
    pv_by_source: PvBySource = _req("present value of each value source")
    roi_by_tier: dict[str, Float | None] = _req("\"1:x\" per tier; null when no cost is charged")
    value_per_point: Float = _req("annual money value of +1 satisfaction point (0–100) in every tier")
    value_per_point_by_tier: dict[str, Float] = _req("the same per tier (sums to `value_per_point`)")
    break_even_scale: Float | None = _req("share of the planned uplift at which NPV = 0 (null = not reached)")
    break_even_uplift_points: Float | None = _req("`break_even_scale` × `planned_uplift_points`")
    planned_uplift_points: Float = _req("customer-weighted planned satisfaction uplift at full effect, points")
    scenarios: dict[str, RoiScenario] = _req("each scenario of `roi.scenarios`")
    sources: RoiSources = _req("how many model inputs come from each source")
    clv_change_per_point: Float | None = _req(
        "customer-weighted relative change of customer lifetime value (Gupta-Lehmann) from +1 satisfaction "
        "point, to compare with doc 002's +12 %; null when not computed")
    p_npv_positive: Float | None = _req("mc: share of draws with NPV > 0 (null without `roi.uncertainty`)")
    npv_p10: Float | None = _req("mc: 10th percentile of NPV")
    npv_p50: Float | None = _req("mc: 50th percentile of NPV")
    npv_p90: Float | None = _req("mc: 90th percentile of NPV")
    npv_mean: Float | None = _req("mc: mean NPV")
    payback_p10: Int | None = _req("mc: 10th percentile of the payback month (null = beyond the horizon)")
    payback_p50: Int | None = _req("mc: 50th percentile of the payback month (null = beyond the horizon)")
    payback_p90: Int | None = _req("mc: 90th percentile of the payback month (null = beyond the horizon)")
    p_payback_in_horizon: Float | None = _req("mc: share of draws that pay back within the horizon")
    mc_draws: Int = _req("number of Monte Carlo draws (0 = none)")
    tornado: list[TornadoRow] = _req("uncertain inputs by NPV swing, largest first")


# =========================================================================== 06_allocation
class AllocationTarget(_Strict):
    """Least budget whose points-optimal allocation reaches ``target_csat``."""

    csat: Float = _req("target satisfaction (0–100)")
    points: Float = _req("points needed from the baseline")
    budget: Float | None = _req("least budget (null when unreachable)")
    reason: str | None = _absent("why the target is unreachable (only when `budget` is null)")


class Lever(_Strict):
    """A lever's curve after calibration."""

    dimension: Literal["people", "technology", "process", "culture"] = _req("dimension of the lever")
    tier: str = _req("tier the lever covers (`all` for every tier)")
    calibration: Literal["direct", "driver", "consultant", "history"] = _req(
        "`direct` / `driver` / `consultant` / `history`")
    max_uplift: Float = _req("saturation uplift (points)")
    half_saturation: Float = _req("spend giving half the maximum uplift")


class LeverFit(_Strict):
    """Least-squares fit of a lever calibrated from history."""

    r2: Float = _req("R² of the fit")
    rmse: Float = _req("root mean squared error")
    n: Int = _req("history points")
    max_uplift: Float = _req("fitted saturation uplift")
    half_saturation: Float = _req("fitted half-saturation spend")


class Binding(_Strict):
    """A binding lever bound or group share at the optimum."""

    constraint: str = _req("lever or group name")
    type: str = _req("`lever lower bound`, `lever upper bound`, `group min share` or `group max share`")
    limit: Float = _req("the bound (money) or share limit")
    value: Float = _req("value at the optimum")
    multiplier: Float = _req("KKT multiplier")
    gain_per_point: Float | None = _absent(
        "what relaxing the group's share by 1 percentage point adds (groups only)")


class Kkt(_Strict):
    """Optimality check of the allocation."""

    lambda_: Float = Field(..., alias="lambda", description="marginal value of budget")
    stationarity_residual: Float = _req("largest stationarity residual")
    equal_marginal_spread: Float = _req("relative spread of the marginal returns of the free levers (0 with fewer than 2)")
    n_interior: Int = _req("levers strictly inside their bounds")
    sign_violations: list[str] = _req("multipliers with the wrong sign")
    ok: bool = _req("the optimum passes the check")


class AllocationScenario(_Strict):
    """One allocation scenario compared with the optimum."""

    objective: Float = _req("objective (money or points)")
    points: Float = _req("overall satisfaction uplift (points)")
    gap: Float = _req("optimal objective − this objective")
    budget_equivalent: Float | None = _req("least budget for which the optimum does as well (null if none)")
    waste: Float | None = _req("budget − `budget_equivalent`")
    violations: str = _req("constraints the scenario breaks (empty when none)")


class Phased(_Strict):
    """Phased path."""

    cumulative_share: list[Float] = _req("cumulative budget share after each phase")
    objective: list[Float] = _req("objective after each phase")


class Frontier(_Strict):
    """Efficient frontier."""

    budget: list[Float] = _req("budgets")
    objective: list[Float | None] = _req("optimal objective per budget (null where constraints cannot hold)")


class TierRoi(_Strict):
    """Model ROI of one tier."""

    spend: Float = _req("spend on the tier's levers")
    value: Float = _req("objective value of that spend")
    average: Float | None = _req("value / spend (null when spend is 0)")
    marginal: Float = _req("value per extra unit of money")


class Staffing(_Strict):
    """Staffing rules (null where the inputs are absent)."""

    agents_peak: Int | None = _req("agents for the peak (peak/8)")
    headcount_with_flex: Int | None = _req("peak agents + 15% flex")
    agents_for_load: Int | None = _req("agents for the load standard (40 per agent per day)")
    load: Float | None = _req("inquiries per staffed agent per day")
    load_over: bool | None = _req("load above the standard")
    recommended: Int | None = _req("recommended agents")
    experts_min: Int | None = _req("experts (≥ 30%)")
    labour_cost: Float | None = _req("annual labour cost")
    training_budget: Float | None = _req("training budget (20% of labour)")
    training_hours_total: Float | None = _req("training hours")
    extra_agents: Int | None = _req("agents to add")
    extra_cost: Float | None = _req("annual cost of the extra agents incl. training")


class AllocationResults(NotebookResults):
    """``06_allocation.results.json``: optimal budget allocation over the levers and staffing."""

    notebook: Literal["06_allocation"] = _req("notebook name")
    budget: Float = _req("`allocation.budget`")
    currency: str = _req("currency of every amount")
    objective: Literal["money", "uplift"] = _req("`money` or `uplift`")
    optimal_spend: dict[str, Float] = _req("optimal spend per lever")
    optimal_points: Float = _req("overall satisfaction uplift (points) of the optimal allocation")
    optimal_value: Float | None = _req(
        "annual money value of the optimal allocation (null with `objective: uplift`)")
    baseline_csat: Float | None = _req("0–100 satisfaction the target is measured from")
    target: AllocationTarget | None = _req(
        "least budget reaching `target_csat` (null without a target, without a baseline or when already met)")
    levers: dict[str, Lever] = _req("each lever's curve after calibration")
    fits: dict[str, LeverFit] = _req("least-squares fits of levers calibrated from history")
    marginal_return: dict[str, Float] = _req("w·u′(x) at the optimum per unit of money")
    lever_status: dict[str, Literal["interior", "lower", "upper"]] = _req("`interior`, `lower` or `upper`")
    binding: list[Binding] = _req("binding lever bounds and group shares at the optimum with KKT multipliers")
    kkt: Kkt = _req("optimality check")
    scenarios: dict[str, AllocationScenario] = _req("each scenario compared with the optimum")
    scenario_spend: dict[str, dict[str, Float]] = _req("spend per lever in each scenario")
    phased: Phased | None = _absent("phased path (absent without a phased scenario)")
    frontier: Frontier = _req("efficient frontier")
    reallocation: dict[str, dict[str, Float]] = _req("quarterly reallocation of tier shares (quarter: {tier: share})")
    tier_roi_model: dict[str, TierRoi] = _req("model ROI per tier at the start allocation of the reallocation")
    staffing: Staffing = _req("staffing rules")


# =========================================================================== 07_action_plan
class PilotResult(_Strict):
    """One pilot target of one region: observed change vs target, difference-in-differences, power."""

    region: str = _req("region name")
    tier: str = _req("tier of the target")
    metric: Literal["mean", "proportion"] = _req("`mean` (0–100 points) or `proportion` (0–1 share)")
    column: str = _req("measure (column of the pilot file)")
    relative: bool = _req("the target change is a share of the baseline")
    source: Literal["file", "summary"] = _req("`file` (customer-level data) or `summary` (figures in the params)")
    baseline: Float = _req("pilot group before")
    result: Float = _req("pilot group after")
    change: Float = _req("result − baseline")
    relative_change: Float | None = _req("change / baseline (null when the baseline is 0)")
    target_change: Float = _req("target in the measure's units (relative targets × baseline)")
    met: bool = _req("change reaches the target (direction-aware)")
    attainment: Float = _req("change / target_change")
    shortfall: Float = _req("target_change − change (0 when met)")
    control_baseline: Float | None = _req("control group before (null without a control)")
    control_result: Float | None = _req("control group after (null without a control)")
    effect: Float | None = _req("difference-in-differences (null without a control)")
    se: Float | None = _req("standard error of the effect (null for summary figures)")
    ci: Pair | None = _req("interval of the effect (null for summary figures)")
    p: Float | None = _req("two-sided p of the effect (null for summary figures)")
    met_effect: bool | None = _req("the effect reaches the target (null without a control)")
    n_pilot: Int | None = _req("pilot rows (customer × period) or customers of summary figures")
    n_control: Int | None = _req("control rows or customers")
    clusters: Int | None = _req("clusters of the cluster-robust error (null: classical OLS error)")
    power: Float | None = _req("power of the pilot as run to detect the target change (null when not computable)")


class Rollout(_Strict):
    """Rollout decision from the pilot rows."""

    decision: Literal["go", "extend", "stop"] | None = _req("`go`, `extend` or `stop` (null without pilot rows)")
    min_attainment: Float | None = _req("lowest attainment over the targets on the rule's basis")
    basis: Literal["effect", "change"] = _req("`effect` (DiD) or `change` (observed change)")
    go_share: Float = _req("attainment needed to go")
    extend_share: Float = _req("attainment needed to extend")


class AbTest(_Strict):
    """A/B conversion lift."""

    p_treated: Float = _req("conversion of the treated group")
    p_control: Float = _req("conversion of the control group")
    diff: Float = _req("p_treated − p_control")
    diff_ci: Pair = _req("Wald interval of the difference")
    lift: Float | None = _req("p_treated / p_control − 1 (null without conversions)")
    lift_ci: PairN = _req("Katz log interval of the lift")
    p: Float = _req("pooled two-proportion z test, two-sided")
    n_treated: Int = _req("treated customers")
    n_control: Int = _req("control customers")
    target_lift: Float | None = _req("`ab_test.target_lift` (null when not set)")
    met: bool | None = _req("lift ≥ target_lift (null without a target)")


class RiskRow(_Strict):
    """A risk of the register."""

    name: str = _req("risk id")
    category: str = _req("`market`, `technology`, `operations`, `compliance` (or the params' own)")
    probability: Float = _req("probability it happens (0–1)")
    impact: Float = _req("impact as given (money, or satisfaction points)")
    unit: Literal["money", "points"] = _req("`money` or `points`")
    impact_money: Float | None = _req("impact in money (points × 05's value per point × years; null without 05)")
    score: Float | None = _req("probability × impact_money (expected loss)")
    month: Int = _req("programme month the loss falls")
    owner: str = _req("owner (playbook language)")
    mitigation: str = _req("mitigation (playbook language)")
    trigger: str = _req("early-warning trigger (playbook language)")


class RiskAdjusted(_Strict):
    """05's Monte Carlo NPV with the risk events."""

    npv_mean: Float = _req("mean risk-adjusted NPV")
    npv_p10: Float = _req("10th percentile")
    npv_p50: Float = _req("50th percentile")
    npv_p90: Float = _req("90th percentile")
    p_npv_positive: Float = _req("share of draws with risk-adjusted NPV > 0")
    npv_mean_before: Float = _req("mean NPV before the risks (05's draws)")
    p_npv_positive_before: Float = _req("share of draws with NPV > 0 before the risks")
    expected_loss: Float = _req("mean present value of the risk losses")
    draws: Int = _req("draws")


class RoadmapPhase(_Strict):
    """A phase of the roadmap."""

    name: str = _req("phase id")
    start_month: Int = _req("first month")
    end_month: Int = _req("last month")
    budget_share: Float = _req("share of the budget")
    budget: Float | None = _req("budget × share (null without a budget)")
    splits: dict[str, Float] = _req("sub-split of the phase budget")
    splits_sum: Float | None = _req("sum of the sub-splits (null without sub-splits)")
    splits_ok: bool = _req("sub-splits sum to 100% (true without sub-splits)")
    kpi_target: Float | None = _req("KPI composite target at the phase end")
    items: list[str] = _req("actions placed in the phase (playbook language)")


class Milestone(_Strict):
    """A phase-end milestone."""

    phase: str = _req("phase id")
    month: Int = _req("programme month")
    date: str | None = _req("ISO date (null without a start date)")
    kpi_target: Float = _req("KPI composite target")
    grade: Literal["below", "pass", "excellent", "outstanding"] = _req("grade of the target")
    gap: Float | None = _req("target − current composite (null without 03's composite)")


class Review(_Strict):
    """A review date."""

    month: Int = _req("programme month")
    date: str | None = _req("ISO date (null without a start date)")
    kind: Literal["quarterly", "annual"] = _req("`quarterly` or `annual`")


class Roadmap(_Strict):
    """The phased roadmap."""

    start: str | None = _req("ISO date of month 1 (null: months only)")
    budget: Float | None = _req("programme budget (params, else 06's budget, else 05's total investment)")
    currency: str = _req("currency of the amounts")
    phases: list[RoadmapPhase] = _req("phases in order")
    milestones: list[Milestone] = _req("phase-end KPI targets")
    reviews: list[Review] = _req("review dates")


class ActionPlanResults(NotebookResults):
    """``07_action_plan.results.json``: pilot evaluation, risk register, phased roadmap."""

    notebook: Literal["07_action_plan"] = _req("notebook name")
    pilot: list[PilotResult] = _req("per target: observed change vs target, DiD, power")
    rollout: Rollout = _req("go / extend / stop")
    ab_test: AbTest | None = _absent("A/B conversion lift (absent without `action_plan.ab_test`)")
    risks: list[RiskRow] = _req("the risk register, highest expected loss first")
    risk_adjusted: RiskAdjusted | None = _req("risk-adjusted NPV on 05's Monte Carlo (null without 05 or risks)")
    roadmap: Roadmap = _req("phases, milestones and reviews")


# =========================================================================== 99_summary
class RegionKpis(_Strict):
    """KPIs of one region (or ``_all``) with 95% intervals; keys exist only for outcomes the survey has."""

    n: Int = _req("respondents")
    csat_0_100: Float | None = _absent("CSAT on 0–100", nullable=True)
    csat_lo: Float | None = _absent("CSAT interval, low", nullable=True)
    csat_hi: Float | None = _absent("CSAT interval, high", nullable=True)
    top2: Float | None = _absent("top-2-box share", nullable=True)
    top2_lo: Float | None = _absent("top-2-box interval, low", nullable=True)
    top2_hi: Float | None = _absent("top-2-box interval, high", nullable=True)
    nps: Float | None = _absent("NPS", nullable=True)
    nps_lo: Float | None = _absent("NPS interval, low", nullable=True)
    nps_hi: Float | None = _absent("NPS interval, high", nullable=True)
    p_csat: Float | None = _absent("Holm-adjusted p vs the other regions (Welch t); null for `_all`", nullable=True)
    p_top2: Float | None = _absent("Holm-adjusted p (two-proportion z); null for `_all`", nullable=True)
    p_nps: Float | None = _absent("Holm-adjusted p (NPS trinomial z); null for `_all`", nullable=True)


class SummaryFinding(_Strict):
    """A finding of the summary (:mod:`cxkit.findings`): one sentence with its number and a link to the evidence."""

    text: str = _req("the finding as one sentence (playbook language): the number with its interval or test")
    metric: str = _req("stable id of the number cited, e.g. `alert:csat_0_100`, `driver_weight:<driver>`, `npv`")
    value: Float | None = _req("the number, as in the results file it comes from (shares as 0–1)")
    evidence: str = _req("relative link `<region>/<notebook>.html#<anchor>` (from the run folder) to the evidence")
    region: str | None = _absent("region the finding is about (`_engagement` for the whole engagement)")


class SummaryAction(_Strict):
    """An action of the summary (:mod:`cxkit.findings`)."""

    what: str = _req("what to do (playbook language)")
    owner: str = _req("who: from the engagement params (5-Why chain, issue owner), else a role by lever type")
    kpi: str = _req("the KPI that measures it")
    target: str = _req("the KPI's target")
    due: str = _req("due date (ISO) or `next wave`")
    evidence: str = _req("relative link `<region>/<notebook>.html#<anchor>` to the evidence")
    region: str | None = _absent("region the action is for (`_engagement` for the whole engagement)")


class SummaryResults(NotebookResults):
    """``_engagement/99_summary.results.json``: the regions side by side.

    Inner keys are stable ids: scale names in ``alpha``; ``npv, roi_ratio, payback_month, p_npv_positive`` in
    ``roi``; ``budget, optimal_points, optimal_value, agents`` in ``allocation`` (display labels only in the page).
    """

    notebook: Literal["99_summary"] = _req("notebook name")
    region: Literal["_engagement"] = _req("always `_engagement`")
    kpis: dict[str, RegionKpis] = _req("per region or `_all`: KPIs with 95% intervals and Holm-adjusted p")
    alpha: dict[str, dict[str, Float | None]] = _req("per region: {scale: raw Cronbach's alpha}")
    top_drivers: dict[str, dict[str, str | None]] = _req(
        "per region: {\"#1\"..\"#3\": \"label (share)\"}, largest rescaled relative weights")
    top_causes: dict[str, dict[str, str | None]] = _req(
        "per region: {\"#1\"..\"#3\": \"label (share)\"}, largest fishbone category shares (uncoded excluded)")
    roi: dict[str, dict[str, Float | None]] = _req(
        "per region: {npv, roi_ratio, payback_month, p_npv_positive} from 05_roi")
    allocation: dict[str, dict[str, Float | None]] = _req(
        "per region: {budget, optimal_points, optimal_value, agents} from 06_allocation")
    findings: list[SummaryFinding] = _req(
        "findings of the engagement then of each region, most important first: {text, metric, value, evidence, region}")
    actions: list[SummaryAction] = _req(
        "actions of the engagement then of each region: {what, owner, kpi, target, due, evidence, region}")


# =========================================================================== registry & API
MODELS: dict[str, type[NotebookResults]] = {
    "00_data_profile": DataProfileResults,
    "01_survey_design": SurveyDesignResults,
    "02_reliability": ReliabilityResults,
    "03_diagnostics": DiagnosticsResults,
    "04_root_cause": RootCauseResults,
    "05_roi": RoiResults,
    "06_allocation": AllocationResults,
    "07_action_plan": ActionPlanResults,
    "99_summary": SummaryResults,
}


def _model(notebook: str) -> type[NotebookResults]:
    try:
        return MODELS[notebook]
    except (KeyError, TypeError):
        raise DataError(f"no results model for notebook {notebook!r}; known: {', '.join(MODELS)}") from None


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _path(loc: tuple[Any, ...]) -> str:
    """``('scales', 'value', 'alpha_ci', 0)`` → ``scales.value.alpha_ci[0]``; odd keys are quoted."""
    if loc[:1] == (_CROSSTAB_KEYS,):   # the crosstab_<column> keys live at the top level of the file
        loc = loc[1:]
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(str(part)):
            out += ("." if out else "") + str(part)
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out or "(top level)"


def _got(value: Any) -> str:
    if value is None:
        return "got null"
    text = json.dumps(value, ensure_ascii=False, default=str)
    kind = {dict: "an object", list: "a list"}.get(type(value), type(value).__name__)
    return f"got {kind}" if len(text) > 40 or isinstance(value, (dict, list)) else f"got {kind} {text}"


def _problem(err: Any) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "missing":
        return "missing (a required key)"
    if kind == "extra_forbidden":
        return "unknown key (not documented in docs/results.md)"
    if kind == "null_not_allowed":
        return "null is not allowed (the key may only be left out)"
    if msg.startswith("Input should be "):
        expected = msg[len("Input should be "):]
        expected = {"a number": "a number (int or float)"}.get(expected, expected)
        return f"expected {expected}, {_got(err.get('input'))}"
    return msg[0].lower() + msg[1:] if msg else kind


def _validate(notebook: str, data: Any, *, file: str | None = None) -> NotebookResults:
    model = _model(notebook)
    if not isinstance(data, dict):
        raise DataError(f"results of {notebook} must be a JSON object, got {type(data).__name__}", file=file)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors(include_url=False)
        lines = [f"  - {_path(tuple(e['loc']))}: {_problem(e)}" for e in errs]
        n = len(lines)
        head = f"results of {notebook} do not match docs/results.md ({n} problem{'s' if n != 1 else ''}):"
        raise DataError(head + "\n" + "\n".join(lines), file=file,
                        hint=f"compare with the '{notebook}' table of docs/results.md") from None


def validate(notebook: str, data: dict[str, Any]) -> NotebookResults:
    """Check a parsed ``.results.json`` against the model of ``notebook``.

    Parameters
    ----------
    notebook : str
        Notebook name, a key of :data:`MODELS` (e.g. ``"03_diagnostics"``).
    data : dict
        The parsed file.

    Returns
    -------
    NotebookResults
        An instance of the notebook's model.

    Raises
    ------
    DataError
        Naming the notebook and every offending key path with what was expected.
    """
    return _validate(notebook, data)


def load(path: str | Path) -> NotebookResults:
    """Read and check a ``.results.json`` file, choosing the model from its ``notebook`` key.

    Raises
    ------
    DataError
        When the file is missing, is not JSON, names no known notebook or does not match its model.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read the results file ({exc.strerror or exc})", file=str(p)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", file=str(p)) from None
    nb = data.get("notebook") if isinstance(data, dict) else None
    if not isinstance(nb, str) or nb not in MODELS:
        raise DataError(f"key 'notebook' should name a notebook ({', '.join(MODELS)}), got {nb!r}", file=str(p))
    return _validate(nb, data, file=str(p))


def dump(model: NotebookResults) -> dict[str, Any]:
    """The JSON-ready dict of a validated model: keys absent from the input stay absent, nulls stay null.

    ``dump(validate(nb, d)) == d`` for every file that validates.
    """
    return model.model_dump(mode="python", by_alias=True, exclude_unset=True)


def documented_keys(notebook: str) -> set[str]:
    """Top-level keys of the notebook's model (aliases; ``crosstab_*`` for the dynamic crosstab keys),
    common keys included: the set docs/results.md must list for the notebook."""
    model = _model(notebook)
    return {f.alias or name for name, f in model.model_fields.items()}
