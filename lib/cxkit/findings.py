"""Findings and actions of the engagement summary (notebook 99), computed from the typed results.

Every statement is built by a rule from the validated results models of a region (00–06, whichever
exist: :func:`cxkit.summary.load_region_models`) or of the engagement (the 99 KPI table). A finding
is one sentence that cites its number with its interval or test, and links to the section of the
playbook that shows the evidence; an action says what, who (owner), the KPI, its target and when.
Rules never show a raw key: drivers, categories, tiers, levers and KPIs are named by their labels
(engagement params, then the i18n strings, then the item bank).

Evidence links are relative to the run folder: ``<region>/<notebook>.html#<anchor>``, where the
anchor is the stable id :func:`cxkit.report.anchor_id` gives the heading (from its i18n key, so it
does not depend on the language or on which optional sections a playbook shows). A rule links only
to a playbook whose results it read, and only to a heading that playbook always shows when the
results key the rule reads is present.

Region findings (3–6 per region, most important first; ``score`` in brackets)
--------------------------------------------------------------------------------
``alert`` [100 + shortfall]
    An alert rule of 03 fired (``alerts``): the KPI, its value with its 95% interval (03's
    ``csat_0_100_ci`` / the tier row of ``kpi_by_tier``, else the summary's exact interval) and the alert
    line; says whether the whole interval is below the line (significant) or reaches it. → 03 KPI scorecard.
``composite`` [95 when it must be read against alerts, 85 below pass, else 30]
    03 ``kpi_composite``: score and grade. A grade of pass or better is always stated together with
    every alert of the region (KPI, value, line): "pass" never stands alone beside a KPI below its
    alert line. → 03 KPI composite.
``top_driver`` [80]
    03 ``driver_weights``: the #1 driver with its share of the explained variance and bootstrap
    interval (``driver_weights_ci``), R², its performance (0–100) and IPA quadrant, and whether it is
    clearly ahead of #2 (intervals do not overlap). An IPA "keep up the good work" for the #1 driver is
    stated as "protect and improve": the most important driver is never only to be kept up. → 03 drivers.
``root_cause`` [70]
    04 ``category_share``: the largest fishbone category (uncoded left out) with its share of the
    complaints, the count and a 95% Wilson interval, and the Pareto vital few. → 04 Pareto.
``roi`` [88 when NPV < 0 or P(NPV<0) > 20%, else 60]
    05: NPV, ROI ratio 1:x and payback month, with the Monte Carlo P(NPV<0) and the P10–P90 of NPV
    (a point estimate said to be one without ``roi.uncertainty``). → 05 headline.
``allocation`` [65]
    06 ``scenarios``: the optimal split vs the current split at the same budget, with exactly the
    numbers of the scenario table (objective and points of both rows); when the current split gives
    more points than the optimum (a money objective buys points in tiers worth more per point) the
    sentence says so, so the optimum is never sold as "+x points" above a split that already gives
    more. → 06 scenarios.
``staffing`` [55]
    06 ``staffing.load_over``: inquiries per agent per day vs the standard, agents needed and to add,
    their annual cost. → 06 staffing.
``wave`` [50]
    03 ``wave_change``: only the changes with p < 0.05 (overall satisfaction, NPS, top-box), each with
    its p-value. → 03 wave comparison.
``tiers`` [45]
    03 ``difference_tests``: satisfaction differs by tier (Welch ANOVA p < 0.05 only), highest vs lowest
    tier. → 03 tests.
``reliability`` [40]
    02 ``scales``: scales whose verdict is ``fail``, the lowest alpha with its Feldt interval and the
    threshold. → 02 verdict.

Engagement findings
-------------------
``kpi`` [100, NPS 90]: all regions pooled: CSAT (and NPS) with the exact 95% interval, against the alert
line, and only the regions that differ significantly from the rest (Holm-adjusted p < 0.05). ``driver``
[80]: the driver that is #1 in most regions, how many, its weight range. ``cause`` [70]: the same for the
largest complaint category. ``roi`` [60]: total NPV and the region with the highest P(NPV<0). ``allocation``
[55]: optimal vs current splits summed over the regions (the same scenario rows as the regions' tables).
Each links to the section of the summary page that shows the regions side by side.

Actions (what, owner, KPI, target, due)
---------------------------------------
``driver``: improve the #1 driver (and #2 when IPA says "concentrate here"); KPI its performance; target
+ the minimum detectable change of a 0–100 mean at the region's sample size (01 ``precision``), so the
next wave can tell. ``chain``: each validated 5-Why chain of 04 with its countermeasure, owner, due and
target from ``root_cause.chains``; KPI the share of complaints in its category. ``root_cause``: the largest
category without a chain gets a 5-Why analysis. ``allocation``: move the money of the largest shifts between
the current and the optimal split; target the optimal objective. ``staffing``: add the agents 06 computes;
target the load standard. ``roi``: track payback (or pilot first when P(NPV<0) > 20%).

Owners: the 5-Why chain's ``owner`` and ``due``; else the owner of the matching fishbone category in
``root_cause.priority.issues`` (a lever's dimension people / process / technology is such a category);
else a role by lever type (``summary.owner_*`` strings). Due: the chain's ``due``; else the end of the
quarter after the survey wave (``wave: 2026Q3`` → 2026-12-31), i.e. before the next wave; else "next wave".

Consistency
-----------
:func:`check_consistency` lists contradictions between the statements and the results they cite;
:func:`ensure_consistent` raises :class:`ContradictionError` when there is any (the summary then stops:
rules build consistent statements, so a contradiction is a bug, never something to show a client).
It refuses: a composite "pass" (or better) that does not name every KPI of the region below its alert
line; "keep up the good work" for a region's #1 driver; an allocation statement whose numbers differ
from the scenario table (optimal objective and points) or that cites the optimum's points without the
current split's when the current split gives more; and any cited number not shown, rounded, in the text.
:func:`upstream_notes` names the same contradictions where an upstream playbook shows them side by side.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from . import i18n, present
from .errors import DataError
from .report import anchor_id
from .results import NotebookResults

__all__ = ["Action", "Cite", "ContradictionError", "EngagementInputs", "Finding", "RegionInputs",
           "build", "check_consistency", "ensure_consistent", "engagement_actions", "engagement_findings",
           "evidence_link", "next_due", "page_href", "region_actions", "region_findings", "upstream_notes"]

MIN_FINDINGS, MAX_FINDINGS, MAX_ACTIONS = 3, 6, 6
ALPHA = 0.05
RISKY_P_LOSS = 0.20
SUMMARY = "_engagement"
GOOD_GRADES = ("pass", "excellent", "outstanding")


# =========================================================================== models
class Cite(BaseModel):
    """A number a statement cites: its value in the results and the text shown (``shown`` × 10^-k …)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    shown: str
    scale: float = 1.0      # shown = value × scale, rounded to ``digits``
    digits: int = 1

    def matches(self) -> bool:
        """The shown text parses back to the value (within rounding)."""
        try:
            got = float(self.shown.replace(",", "").rstrip("%"))
        except ValueError:
            return False
        return abs(got - self.value * self.scale) <= 0.5 * 10 ** -self.digits + 1e-9 * abs(got)


class Finding(BaseModel):
    """One finding: ``text, metric, value, evidence`` (and ``region``) go to ``99_summary.results.json``;
    the other fields serve ranking and the consistency check."""

    model_config = ConfigDict(extra="forbid")

    text: str
    metric: str
    value: float | None
    evidence: str
    region: str
    rule: str = Field(exclude=True)
    score: float = Field(default=0.0, exclude=True)
    cites: dict[str, Cite] = Field(default_factory=dict, exclude=True)
    claim: str | None = Field(default=None, exclude=True)      # pass / keep_up / protect_improve / ...
    subject: str | None = Field(default=None, exclude=True)    # the driver / category / lever it is about
    headline: str | None = Field(default=None, exclude=True)   # the finding as a short title (section headings)


class Action(BaseModel):
    """One action: ``what, owner, kpi, target, due, evidence`` (and ``region``) go to the results file."""

    model_config = ConfigDict(extra="forbid")

    what: str
    owner: str
    kpi: str
    target: str
    due: str
    evidence: str
    region: str
    rule: str = Field(exclude=True)
    score: float = Field(default=0.0, exclude=True)
    claim: str | None = Field(default=None, exclude=True)
    subject: str | None = Field(default=None, exclude=True)


class ContradictionError(DataError):
    """Statements of the summary contradict each other or the results they cite."""


@dataclass
class RegionInputs:
    """What the rules read for one region: its typed results by notebook, its params, its summary KPI row."""

    region: str
    label: str
    results: Mapping[str, NotebookResults]
    params: Mapping[str, Any] = field(default_factory=dict)
    kpis: Mapping[str, Any] | None = None

    def nb(self, name: str) -> Any:
        return self.results.get(name)


@dataclass
class EngagementInputs:
    """The engagement: every region's inputs, the summary's KPI table ({region or ``_all``: row}), params."""

    regions: Mapping[str, RegionInputs]
    kpis: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


# =========================================================================== text helpers
class _Say:
    """Translation and number formatting for one statement; every number formatted is recorded as a cite."""

    def __init__(self, lang: str, params: Mapping[str, Any] | None = None):
        self.lang = lang
        self.params = params or {}
        self.cites: dict[str, Cite] = {}

    def t(self, key: str, **kw: Any) -> str:
        s = i18n.t(f"summary.{key}", self.lang, **kw)
        if key.startswith(("f_", "a_", "h_")) and self.lang == "en":
            s = s[:1].upper() + s[1:]     # a sentence may start with a label ("overall satisfaction ...")
        return s

    def join(self, items: Iterable[str]) -> str:
        return i18n.join(list(items), self.lang)

    def num(self, name: str, v: float, d: int = 1) -> str:
        s = f"{v:,.{d}f}"
        self.cites[name] = Cite(value=float(v), shown=s, scale=1.0, digits=d)
        return s

    def pct(self, name: str, v: float, d: int = 1) -> str:
        s = f"{100 * v:.{d}f}%"
        self.cites[name] = Cite(value=float(v), shown=s, scale=100.0, digits=d)
        return s

    def money(self, name: str, v: float, currency: str, d: int | None = None) -> str:
        """An amount in 万/亿 (zh) or K/M/B (en) with its currency (:func:`cxkit.present.money_parts`)."""
        m = present.money_parts(v, currency, self.lang, d)
        if m is None:
            return "–"
        self.cites[name] = Cite(value=float(v), shown=m.number.replace("−", "-"), scale=1 / m.divisor, digits=m.digits)
        return m.text

    def p(self, name: str, p: float) -> str:
        if p < 0.001:
            return "p < 0.001"
        return f"p = {self.num(name, p, 3)}"

    def take(self) -> dict[str, Cite]:
        out, self.cites = self.cites, {}
        return out


def _label(lbl: Any, lang: str, default: str) -> str:
    """A display label from ``{zh, en}`` or a plain string, else ``default``."""
    if isinstance(lbl, Mapping):
        return str(lbl.get(lang) or next(iter(lbl.values()), default) or default)
    return str(lbl) if lbl else default


def _humanise(key: str) -> str:
    """Last resort for a name without any label: no underscores, first letter capitalised."""
    s = str(key).replace("_", " ").strip()
    return s[:1].upper() + s[1:]


class Labels:
    """Display names for one region's keys (never the raw key when a label exists anywhere)."""

    def __init__(self, params: Mapping[str, Any], lang: str):
        self.params, self.lang = params or {}, lang
        self._cats: dict[str, str] | None = None

    def _i18n(self, key: str) -> str | None:
        return i18n.t(key, self.lang) if i18n.has(key) else None

    def driver(self, name: str) -> str:
        spec = ((self.params.get("survey") or {}).get("scales") or {}).get(name)
        if isinstance(spec, Mapping) and spec.get("label"):
            return _label(spec["label"], self.lang, name)
        got = self._i18n(f"dim.{name}")
        if got:
            return got
        from .survey import bank_items

        item = bank_items().get(name)
        if item and item.get("label"):
            return _label(item["label"], self.lang, name)
        return _humanise(name)

    def category(self, cat: str) -> str:
        if self._cats is None:
            from .summary import category_names

            self._cats = category_names(self.params, self.lang)
        return self._cats.get(cat) or _humanise(cat)

    def tier(self, tier: str | None) -> str:
        if tier is None:
            return i18n.t("common.all", self.lang)
        survey = self.params.get("survey") or {}
        own = ((survey.get("value_labels") or {}).get(survey.get("segment_column")) or {}).get(str(tier))
        if own:
            return _label(own, self.lang, str(tier))
        return self._i18n(f"tier.{tier}") or _humanise(tier)

    def metric(self, metric: str) -> str:
        return self._i18n(f"diag.metric_{metric}") or _humanise(metric)

    def lever(self, name: str) -> str:
        lv = self.lever_spec(name)
        if lv and lv.get("label"):
            return _label(lv["label"], self.lang, name)
        if lv and lv.get("dimension"):
            dim = self._i18n(f"allocation.dim_{lv['dimension']}") or _humanise(lv["dimension"])
            return f"{dim} · {self.tier(lv.get('tier'))}"
        return _humanise(name)

    def lever_spec(self, name: str) -> Mapping[str, Any] | None:
        levers = (self.params.get("allocation") or {}).get("levers") or []
        if isinstance(levers, Mapping):
            spec = levers.get(name)
            return {**spec, "name": name} if isinstance(spec, Mapping) else None
        return next((lv for lv in levers if isinstance(lv, Mapping) and lv.get("name") == name), None)

    def owner(self, kind: str) -> str:
        """Owner of a lever dimension or fishbone category: ``root_cause.priority.issues[kind].owner``, else the
        role string ``summary.owner_<kind>``, else the CX programme office."""
        issues = (((self.params.get("root_cause") or {}).get("priority") or {}).get("issues") or {})
        spec = issues.get(kind) if isinstance(issues, Mapping) else None
        if isinstance(spec, Mapping) and spec.get("owner"):
            return _label(spec["owner"], self.lang, kind)
        return self._i18n(f"summary.owner_{kind}") or i18n.t("summary.owner_cx", self.lang)


def evidence_link(region: str, notebook: str, key: str) -> str:
    """``<region>/<notebook>.html#<anchor>`` for the heading made from i18n key ``key`` (relative to the run folder).

    >>> evidence_link("east", "03_diagnostics", "diag.sec_kpi")
    'east/03_diagnostics.html#diag-sec_kpi'
    """
    return f"{region}/{notebook}.html#{anchor_id(key)}"


def page_href(evidence: str, here: str = SUMMARY, page: str = "99_summary") -> str:
    """An evidence link as an ``href`` on the page ``<here>/<page>.html``: ``#anchor`` on the page itself, else
    ``../<region>/<notebook>.html#anchor``.

    >>> page_href("east/03_diagnostics.html#diag-sec_kpi"), page_href("_engagement/99_summary.html#summary-sec_kpi")
    ('../east/03_diagnostics.html#diag-sec_kpi', '#summary-sec_kpi')
    """
    own = f"{here}/{page}.html#"
    return "#" + evidence[len(own):] if evidence.startswith(own) else "../" + evidence


def next_due(params: Mapping[str, Any], lang: str) -> str:
    """Default due date: the end of the quarter after the survey wave (``2026Q3`` → ``2026-12-31``), i.e. before
    the next wave; "next wave" when the wave is not a quarter.

    >>> next_due({"wave": "2026Q3"}, "en"), next_due({"wave": "2026Q4"}, "en"), next_due({}, "en")
    ('2026-12-31', '2027-03-31', 'next wave')
    """
    m = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", str(params.get("wave") or ""))
    if not m:
        return i18n.t("summary.due_next_wave", lang)
    y, q = int(m.group(1)), int(m.group(2)) + 1
    if q == 5:
        y, q = y + 1, 1
    return f"{y}-{3 * q:02d}-{ {1: 31, 2: 30, 3: 30, 4: 31}[q]:02d}"


def _ok(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of k/n (95% by default): statsmodels ``proportion_confint(method="wilson")``.

    >>> [round(x, 4) for x in wilson(216, 420)]
    [0.4666, 0.5617]
    """
    from scipy import stats
    from statsmodels.stats.proportion import proportion_confint

    if n <= 0:
        return (math.nan, math.nan)
    lo, hi = proportion_confint(k, n, alpha=2 * stats.norm.sf(z), method="wilson")
    return (max(0.0, float(lo)), min(1.0, float(hi)))


def _ranked(weights: Mapping[str, float]) -> list[tuple[str, float]]:
    return sorted(((k, float(v)) for k, v in weights.items() if _ok(v)), key=lambda kv: (-kv[1], kv[0]))


def top_driver(inp: RegionInputs) -> str | None:
    """The region's #1 driver (largest rescaled relative weight), or None without driver results."""
    d = inp.nb("03_diagnostics")
    if d is None or d.r2 is None or not d.driver_weights:
        return None
    return _ranked(d.driver_weights)[0][0]


def _conf(params: Mapping[str, Any]) -> str:
    c = (params.get("diagnostics") or {}).get("confidence", 0.95)
    return f"{100 * float(c):g}"


# =========================================================================== region findings
def _alert_interval(inp: RegionInputs, metric: str, tier: str | None) -> tuple[float, float] | None:
    d = inp.nb("03_diagnostics")
    if tier is None:
        ci = {"csat_0_100": d.csat_0_100_ci, "satisfaction": d.satisfaction_0_100_ci}.get(metric)
        if ci and all(_ok(x) for x in ci):
            return (ci[0], ci[1])
        if metric == "csat_0_100" and inp.kpis and _ok(inp.kpis.get("csat_lo")) and _ok(inp.kpis.get("csat_hi")):
            return (inp.kpis["csat_lo"], inp.kpis["csat_hi"])
        return None
    row = d.kpi_by_tier.get(tier)
    if row is None:
        return None
    cols = {"csat_0_100": ("csat_low", "csat_high"), "overall": ("overall_low", "overall_high"),
            "nps": ("nps_low", "nps_high"),
            "satisfaction": (("overall_low", "overall_high") if _ok(row.overall) else ("csat_low", "csat_high"))}
    lo_hi = cols.get(metric)
    if not lo_hi:
        return None
    lo, hi = getattr(row, lo_hi[0]), getattr(row, lo_hi[1])
    return (lo, hi) if _ok(lo) and _ok(hi) else None


def _alert_findings(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    d = inp.nb("03_diagnostics")
    out = []
    if d is None:
        return out
    for i, a in enumerate(sorted(d.alerts, key=lambda a: (a.tier is not None, a.value - a.below))):
        mid = _alert_id(a.metric, a.tier)
        kpi = lab.metric(a.metric) if a.tier is None else say.t("kpi_of_tier", kpi=lab.metric(a.metric),
                                                                   tier=lab.tier(a.tier))
        value = say.num(mid, a.value)
        line = say.num(f"{mid}.line", a.below, 0)
        ci = _alert_interval(inp, a.metric, a.tier)
        if ci:
            lo, hi = say.num(f"{mid}.lo", ci[0]), say.num(f"{mid}.hi", ci[1])
            sig = say.t("f_alert_sig") if ci[1] < a.below else say.t("f_alert_nsig")
            text = say.t("f_alert", kpi=kpi, value=value, conf=_conf(inp.params), lo=lo, hi=hi, line=line, sig=sig)
        else:
            text = say.t("f_alert_noci", kpi=kpi, value=value, line=line)
        significant = bool(ci and ci[1] < a.below)
        out.append(Finding(text=text, metric=mid, value=a.value, region=inp.region, rule="alert",
                           evidence=evidence_link(inp.region, "03_diagnostics", "diag.sec_kpi"),
                           # the composite finding names every alert: past the first, an alert ranks below the
                           # driver, cause, allocation and ROI findings so that they keep their place
                           score=(100 + (a.below - a.value) + (5 if significant else 0)) if i == 0 else
                           50 + (5 if significant else 0), cites=say.take(),
                           claim="below_alert", subject=a.metric, headline=say.t("h_alert", kpi=kpi)))
    return out


def _alert_id(metric: str, tier: str | None) -> str:
    return f"alert:{metric}" + (f":{tier}" if tier else "")


def _composite_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    d = inp.nb("03_diagnostics")
    if d is None or d.kpi_composite is None:
        return []
    c = d.kpi_composite
    score = say.num("kpi_composite", c.score)
    grade = i18n.t(f"diag.grade_{c.grade}", say.lang)
    if c.grade in GOOD_GRADES and d.alerts:
        below = say.join(say.t("alert_item", kpi=(lab.metric(a.metric) if a.tier is None else
                                                  say.t("kpi_of_tier", kpi=lab.metric(a.metric), tier=lab.tier(a.tier))),
                                value=say.num(_alert_id(a.metric, a.tier), a.value),
                                line=say.num(f"{_alert_id(a.metric, a.tier)}.line", a.below, 0)) for a in d.alerts)
        text, rank = say.t("f_composite_but", score=score, grade=grade, alerts=below, n=len(d.alerts)), 95.0
    elif c.grade == "below":
        text, rank = say.t("f_composite_below", score=score, grade=grade), 85.0
    else:
        text, rank = say.t("f_composite", score=score, grade=grade), 30.0
    return [Finding(text=text, metric="kpi_composite", value=c.score, region=inp.region, rule="composite",
                    evidence=evidence_link(inp.region, "03_diagnostics", "diag.sec_composite"), score=rank,
                    cites=say.take(), claim=c.grade, headline=say.t("h_composite") if c.grade == "below" else None)]


def _driver_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    d = inp.nb("03_diagnostics")
    top = top_driver(inp)
    if top is None:
        return []
    ranked = _ranked(d.driver_weights)
    w = ranked[0][1]
    quad = d.ipa.get(top)
    shown_quad = "protect_improve" if quad == "keep_up" else quad
    parts = {"driver": lab.driver(top), "w": say.pct(f"driver_weight:{top}", w), "r2": say.num("r2", d.r2, 2)}
    ci = d.driver_weights_ci.get(top)
    parts["ci"] = (say.t("ci_part", conf=_conf(inp.params), lo=say.pct(f"driver_weight:{top}.lo", ci[0]),
                         hi=say.pct(f"driver_weight:{top}.hi", ci[1])) if ci else "")
    perf = d.driver_performance.get(top)
    parts["perf"] = say.num(f"driver_performance:{top}", perf) if _ok(perf) else "–"
    parts["quad"] = say.t(f"quad_{shown_quad}") if shown_quad else "–"
    if len(ranked) > 1:
        second, w2 = ranked[1]
        ci2 = d.driver_weights_ci.get(second)
        clear = bool(ci and ci2 and ci[0] > ci2[1])
        parts["vs"] = say.t("f_driver_clear" if clear else "f_driver_overlap", second=lab.driver(second),
                            w2=say.pct(f"driver_weight:{second}", w2))
    else:
        parts["vs"] = ""
    return [Finding(text=say.t("f_driver", **parts), metric=f"driver_weight:{top}", value=w, region=inp.region,
                    rule="top_driver", evidence=evidence_link(inp.region, "03_diagnostics", "diag.sec_drivers"),
                    score=80.0, cites=say.take(), claim=shown_quad, subject=top,
                    headline=say.t("h_driver", driver=lab.driver(top)))]


def _root_cause_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    rc = inp.nb("04_root_cause")
    if rc is None or rc.n_complaints <= 0:
        return []
    ranked = [(c, s) for c, s in _ranked(rc.category_share) if c != "uncoded"]
    if not ranked or ranked[0][1] <= 0:
        return []
    cat, share = ranked[0]
    k = int(rc.category_counts.get(cat, round(share * rc.n_complaints)))
    lo, hi = wilson(k, rc.n_complaints)
    vital = [lab.category(c) for c in rc.pareto_vital_categories if c != "uncoded"]
    text = say.t("f_cause", cat=lab.category(cat), share=say.pct(f"category_share:{cat}", share),
                 n=say.num("n_complaints", rc.n_complaints, 0), k=say.num(f"category_count:{cat}", k, 0),
                 lo=say.pct(f"category_share:{cat}.lo", lo), hi=say.pct(f"category_share:{cat}.hi", hi),
                 vital=say.join(vital) if vital else "–")
    return [Finding(text=text, metric=f"category_share:{cat}", value=share, region=inp.region, rule="root_cause",
                    evidence=evidence_link(inp.region, "04_root_cause", "rootcause.sec_pareto"), score=70.0,
                    cites=say.take(), subject=cat, headline=say.t("h_cause", cat=lab.category(cat)))]


def _roi_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    r = inp.nb("05_roi")
    if r is None:
        return []
    npv = say.money("npv", r.npv, r.currency)
    ratio = say.num("roi_ratio", r.roi_ratio, 2)
    payback = (say.t("payback_in", m=say.num("payback_month", r.payback_month, 0)) if r.payback_month is not None
               else say.t("payback_none", h=r.horizon_months))
    risky = r.npv < 0
    if r.p_npv_positive is not None and r.mc_draws > 0:
        p_loss = 1 - r.p_npv_positive
        risky = risky or p_loss > RISKY_P_LOSS
        mc = say.t("f_roi_mc", p=say.pct("p_npv_negative", p_loss), draws=f"{r.mc_draws:,}",
                   p10=say.money("npv_p10", r.npv_p10, r.currency) if _ok(r.npv_p10) else "–",
                   p90=say.money("npv_p90", r.npv_p90, r.currency) if _ok(r.npv_p90) else "–")
    else:
        mc = say.t("roi_point")
    text = say.t("f_roi", npv=npv, h=r.horizon_months, ratio=ratio, payback=payback, mc=mc)
    return [Finding(text=text, metric="npv", value=r.npv, region=inp.region, rule="roi",
                    evidence=evidence_link(inp.region, "05_roi", "roi.sec_headline"),
                    score=88.0 if risky else 60.0, cites=say.take(), claim="risky" if risky else None,
                    headline=say.t("h_roi") if risky else say.t("h_roi_ok", ratio=f"{r.roi_ratio:.2f}"))]


def _allocation_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    a = inp.nb("06_allocation")
    if a is None or "optimal" not in a.scenarios:
        return []
    opt, cur = a.scenarios["optimal"], a.scenarios.get("current")
    money = a.objective == "money"

    def obj(name: str, v: float) -> str:
        return say.money(name, v, a.currency) if money else say.t("points", x=say.num(name, v))

    budget = say.money("budget", a.budget, a.currency)
    o_pts = say.num("optimal_points", opt.points)
    if cur is None:
        text = say.t("f_alloc_nocur", budget=budget, opt=obj("optimal_objective", opt.objective), opt_pts=o_pts)
    else:
        gain = opt.objective - cur.objective
        lead = say.t("f_alloc_money" if money else "f_alloc_points", budget=budget,
                     opt=obj("optimal_objective", opt.objective), cur=obj("current_objective", cur.objective),
                     gain=obj("gain", gain))
        if money:
            c_pts = say.num("current_points", cur.points)
            if cur.points > opt.points:
                pts = say.t("f_alloc_more_points", opt_pts=o_pts, cur_pts=c_pts,
                            viol=say.t("f_alloc_violates") if cur.violations else "")
            else:
                pts = say.t("f_alloc_pts", opt_pts=o_pts, cur_pts=c_pts)
        else:
            pts = ""
        waste = (say.t("f_alloc_waste", waste=say.money("waste", cur.waste, a.currency))
                 if _ok(cur.waste) and cur.waste > 0 else "")
        text = lead + pts + waste
    return [Finding(text=text, metric="allocation.optimal_objective", value=opt.objective, region=inp.region,
                    rule="allocation", evidence=evidence_link(inp.region, "06_allocation", "allocation.sec_scenarios"),
                    score=65.0, cites=say.take(), headline=say.t("h_allocation"))]


def _staffing_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    a = inp.nb("06_allocation")
    s = a.staffing if a is not None else None
    if s is None or not s.load_over or not _ok(s.load) or s.recommended is None:
        return []
    std = ((inp.params.get("allocation") or {}).get("staffing") or {}).get("load_standard", 40)
    text = say.t("f_staffing", load=say.num("staffing.load", s.load, 0), std=say.num("staffing.standard", std, 0),
                 rec=say.num("staffing.recommended", s.recommended, 0),
                 extra=say.num("staffing.extra_agents", s.extra_agents or 0, 0),
                 cost=say.money("staffing.extra_cost", s.extra_cost, a.currency) if _ok(s.extra_cost) else "–")
    return [Finding(text=text, metric="staffing.load", value=s.load, region=inp.region, rule="staffing",
                    evidence=evidence_link(inp.region, "06_allocation", "allocation.sec_staffing"), score=55.0,
                    cites=say.take(), headline=say.t("h_staffing"))]


_WAVE_KPIS = (("overall", "num"), ("nps", "num"), ("top_box", "pp"))


def _wave_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    d = inp.nb("03_diagnostics")
    if d is None or not d.wave_change:
        return []
    items, first = [], None
    for kpi, kind in _WAVE_KPIS:
        w = d.wave_change.get(kpi)
        if w is None or not _ok(w.change) or not _ok(w.p_value) or w.p_value >= ALPHA:
            continue          # only significant changes are stated
        ch = (say.num(f"wave:{kpi}", w.change) if kind == "num" else
              say.t("pp", x=say.num(f"wave:{kpi}", 100 * w.change)))
        if kind == "pp":      # the cite is the results value (a share): store it with its scale
            say.cites[f"wave:{kpi}"] = Cite(value=w.change, shown=f"{100 * w.change:,.1f}", scale=100.0, digits=1)
        sign = "+" if w.change > 0 else ""
        items.append(say.t("wave_item", kpi=lab.metric(kpi), change=f"{sign}{ch}", p=say.p(f"wave:{kpi}.p", w.p_value)))
        first = first or (kpi, w.change)
    if not items:
        return []
    return [Finding(text=say.t("f_wave", items=say.join(items)), metric=f"wave:{first[0]}", value=first[1],
                    region=inp.region, rule="wave", evidence=evidence_link(inp.region, "03_diagnostics", "diag.sec_wave"),
                    score=50.0, cites=say.take(), headline=say.t("h_wave"))]


def _tier_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    d = inp.nb("03_diagnostics")
    seg = (inp.params.get("survey") or {}).get("segment_column")
    if d is None or not seg or len(d.tier_satisfaction) < 2:
        return []
    tests = d.difference_tests.get(seg) or {}
    # unweighted: Welch ANOVA; weighted (weighting:): the design-based Wald F of 03
    key, p = next(((k, tests.get(k)) for k in ("overall.welch_anova", "csat.welch_anova", "overall.wald_f",
                                                "csat.wald_f") if _ok(tests.get(k))), (None, None))
    if p is None or p >= ALPHA:
        return []         # only significant contrasts
    ranked = _ranked(d.tier_satisfaction)
    (hi_t, hi_v), (lo_t, lo_v) = ranked[0], ranked[-1]
    text = say.t("f_tiers_weighted" if key.endswith("wald_f") else "f_tiers", p=say.p("tiers.p", p), hi=lab.tier(hi_t), hi_v=say.num(f"tier_satisfaction:{hi_t}", hi_v),
                 lo=lab.tier(lo_t), lo_v=say.num(f"tier_satisfaction:{lo_t}", lo_v))
    return [Finding(text=text, metric=f"tier_satisfaction:{lo_t}", value=lo_v, region=inp.region, rule="tiers",
                    evidence=evidence_link(inp.region, "03_diagnostics", "diag.sec_tests"), score=45.0,
                    cites=say.take(), subject=lo_t, headline=say.t("h_tiers"))]


def _pilot_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    """07's pilot targets judged against their stated targets (document 003 calls +9 against +10 a success: this
    says "not met" and by how much); the first target missed leads, else the first met."""
    a = inp.nb("07_action_plan")
    if a is None or not a.pilot:
        return []
    missed = [r for r in a.pilot if not r.met]
    r = (missed or a.pilot)[0]
    share = r.metric == "proportion"
    fmt = say.pct if share else say.num
    key = f"pilot:{r.tier}.{r.column}"
    vals = {"tier": lab.tier(r.tier), "base": fmt(f"{key}.baseline", r.baseline),
            "result": fmt(f"{key}.result", r.result), "target": fmt(f"{key}.target_change", r.target_change)}
    if not r.met:
        vals["short"] = fmt(f"{key}.shortfall", r.shortfall)
    text = say.t("f_pilot_missed" if not r.met else "f_pilot_met", **vals)
    return [Finding(text=text, metric=key, value=r.change, region=inp.region, rule="pilot",
                    evidence=evidence_link(inp.region, "07_action_plan", "action_plan.sec_pilot"),
                    score=58.0 if not r.met else 30.0, cites=say.take(),
                    headline=say.t("h_pilot_missed" if not r.met else "h_pilot_met"))]


def _reliability_finding(inp: RegionInputs, say: _Say, lab: Labels) -> list[Finding]:
    r = inp.nb("02_reliability")
    if r is None:
        return []
    failed = sorted((s for s, v in r.scales.items() if v.verdict == "fail"), key=lambda s: r.scales[s].alpha)
    if not failed:
        return []
    worst = r.scales[failed[0]]
    text = say.t("f_reliability", n=len(failed), k=len(r.scales), scales=say.join(lab.driver(s) for s in failed),
                 scale=lab.driver(failed[0]), alpha=say.num(f"alpha:{failed[0]}", worst.alpha, 2),
                 lo=say.num(f"alpha:{failed[0]}.lo", worst.alpha_ci[0], 2),
                 hi=say.num(f"alpha:{failed[0]}.hi", worst.alpha_ci[1], 2),
                 thr=say.num("alpha.threshold", r.thresholds.alpha, 2))
    return [Finding(text=text, metric=f"alpha:{failed[0]}", value=worst.alpha, region=inp.region, rule="reliability",
                    evidence=evidence_link(inp.region, "02_reliability", "reliability.sec_verdict"), score=40.0,
                    cites=say.take(), subject=failed[0], headline=say.t("h_reliability"))]


REGION_RULES: tuple[Callable[[RegionInputs, _Say, Labels], list[Finding]], ...] = (
    _alert_findings, _composite_finding, _driver_finding, _root_cause_finding, _roi_finding, _allocation_finding,
    _staffing_finding, _wave_finding, _tier_finding, _pilot_finding, _reliability_finding)


def _top(items: list, k: int) -> list:
    return sorted(items, key=lambda x: -x.score)[:k]


def region_findings(inp: RegionInputs, lang: str, *, k: int = MAX_FINDINGS) -> list[Finding]:
    """The region's findings, most important first (at most ``k``; every rule that applies contributes)."""
    say, lab = _Say(lang, inp.params), Labels(inp.params, lang)
    out: list[Finding] = []
    for rule in REGION_RULES:
        out += rule(inp, say, lab)
    return _top(out, k)


# =========================================================================== region actions
def _mde(inp: RegionInputs) -> float | None:
    s = inp.nb("01_survey_design")
    row = s.precision.get(f"region:{inp.region}") if s is not None else None
    row = row or (s.precision.get("total:total") if s is not None else None)
    return row.mde_100 if row is not None and _ok(row.mde_100) else None


def _driver_owner(inp: RegionInputs, driver: str, lab: Labels) -> str:
    """Owner of the lever type that moves the driver: the dimension of the levers calibrated on it (most
    optimal spend), else the CX programme office."""
    a = inp.nb("06_allocation")
    levers = (inp.params.get("allocation") or {}).get("levers") or []
    levers = [lv for lv in (levers.values() if isinstance(levers, Mapping) else levers)
              if isinstance(lv, Mapping) and lv.get("driver") == driver and lv.get("dimension")]
    if not levers:
        return i18n.t("summary.owner_cx", lab.lang)
    spend: dict[str, float] = {}
    for lv in levers:
        spend[lv["dimension"]] = spend.get(lv["dimension"], 0.0) + float(
            (a.optimal_spend.get(lv.get("name"), 0.0) if a is not None else 0.0) or 0.0)
    dim = sorted(spend, key=lambda d: (-spend[d], d))[0]
    return lab.owner(dim)


def _driver_actions(inp: RegionInputs, say: _Say, lab: Labels, due: str) -> list[Action]:
    d = inp.nb("03_diagnostics")
    top = top_driver(inp)
    if top is None:
        return []
    ranked = _ranked(d.driver_weights)
    picks = [ranked[0]] + [dw for dw in ranked[1:2] if d.ipa.get(dw[0]) == "concentrate"]
    mde = _mde(inp)
    out = []
    for i, (drv, w) in enumerate(picks):
        perf = d.driver_performance.get(drv)
        quad = d.ipa.get(drv)
        shown_quad = "protect_improve" if (quad == "keep_up" and drv == top) else quad
        what = say.t("a_driver", driver=lab.driver(drv), rank=i + 1, w=say.pct("w", w),
                     quad=say.t(f"quad_{shown_quad}") if shown_quad else "–")
        if _ok(perf) and mde:
            target = say.t("target_mde", target=say.num("t", perf + mde), now=say.num("p", perf), mde=say.num("m", mde))
        elif _ok(perf):
            target = say.t("target_up", now=say.num("p", perf))
        else:
            target = say.t("target_next_wave")
        say.take()
        out.append(Action(what=what, owner=_driver_owner(inp, drv, lab),
                          kpi=say.t("kpi_driver_perf", driver=lab.driver(drv)), target=target, due=due,
                          evidence=evidence_link(inp.region, "03_diagnostics", "diag.sec_ipa"), region=inp.region,
                          rule="driver", score=90.0 - i, claim=shown_quad, subject=drv))
    return out


def _chain_spec(params: Mapping[str, Any], chain_id: str) -> Mapping[str, Any]:
    chains = (params.get("root_cause") or {}).get("chains") or []
    return next((c for c in chains if isinstance(c, Mapping) and c.get("id") == chain_id), {})


def _cause_actions(inp: RegionInputs, say: _Say, lab: Labels, due: str) -> list[Action]:
    rc = inp.nb("04_root_cause")
    if rc is None:
        return []
    out = []
    lang = say.lang
    for ch in rc.chains:
        spec = _chain_spec(inp.params, ch.id)
        share = rc.category_share.get(ch.category)
        kpi = say.t("kpi_cause_share", cat=lab.category(ch.category),
                    now=say.pct("s", share) if _ok(share) else "–")
        what = _label(spec.get("countermeasure"), lang, "") or say.t("a_chain_default", cat=lab.category(ch.category))
        out.append(Action(what=what, owner=_label(spec.get("owner"), lang, "") or lab.owner(ch.category), kpi=kpi,
                          target=_label(spec.get("kpi"), lang, "") or say.t("target_share_down"),
                          due=ch.due or _label(spec.get("due"), lang, "") or due,
                          evidence=evidence_link(inp.region, "04_root_cause", "rootcause.sec_chains"),
                          region=inp.region, rule="chain", score=70.0 + 10 * (share or 0.0), subject=ch.category))
    ranked = [(c, s) for c, s in _ranked(rc.category_share) if c != "uncoded" and s > 0]
    chained = {ch.category for ch in rc.chains}
    if ranked and ranked[0][0] not in chained:
        cat, share = ranked[0]
        out.append(Action(what=say.t("a_root_cause", cat=lab.category(cat), share=say.pct("s", share)),
                          owner=lab.owner(cat), kpi=say.t("kpi_cause_share", cat=lab.category(cat), now=say.pct("s", share)),
                          target=say.t("target_chain"), due=due,
                          evidence=evidence_link(inp.region, "04_root_cause", "rootcause.sec_pareto"),
                          region=inp.region, rule="root_cause", score=75.0 + 10 * share, subject=cat))
    say.take()
    return out


def _allocation_action(inp: RegionInputs, say: _Say, lab: Labels, due: str) -> list[Action]:
    a = inp.nb("06_allocation")
    if a is None or "current" not in a.scenario_spend or "optimal" not in a.scenarios:
        return []
    cur = a.scenario_spend["current"]
    delta = {k: a.optimal_spend.get(k, 0.0) - cur.get(k, 0.0) for k in a.optimal_spend}
    up = max(delta, key=lambda k: (delta[k], k))
    down = min(delta, key=lambda k: (delta[k], k))
    if delta[up] <= 0.01 * a.budget and -delta[down] <= 0.01 * a.budget:
        return []            # the current split is (nearly) optimal
    c = a.currency
    what = say.t("a_alloc", up=lab.lever(up), up_amt=say.money("u", delta[up], c),
                 up_from=say.money("uf", cur.get(up, 0.0), c), up_to=say.money("ut", a.optimal_spend[up], c),
                 down=lab.lever(down), down_amt=say.money("d", -delta[down], c),
                 down_from=say.money("df", cur.get(down, 0.0), c), down_to=say.money("dt", a.optimal_spend[down], c))
    opt = a.scenarios["optimal"]
    money = a.objective == "money"
    target = (say.t("target_alloc_money", x=say.money("o", opt.objective, c)) if money else
              say.t("target_alloc_points", x=say.num("o", opt.points)))
    say.take()
    return [Action(what=what, owner=i18n.t("summary.owner_budget", say.lang),
                   kpi=say.t("kpi_alloc_money" if money else "kpi_alloc_points"), target=target, due=due,
                   evidence=evidence_link(inp.region, "06_allocation", "allocation.sec_optimal"), region=inp.region,
                   rule="allocation", score=65.0)]


def _staffing_action(inp: RegionInputs, say: _Say, lab: Labels, due: str) -> list[Action]:
    a = inp.nb("06_allocation")
    s = a.staffing if a is not None else None
    if s is None or not s.load_over or not s.extra_agents:
        return []
    std = ((inp.params.get("allocation") or {}).get("staffing") or {}).get("load_standard", 40)
    what = say.t("a_staffing", extra=s.extra_agents,
                 cost=say.money("c", s.extra_cost, a.currency) if _ok(s.extra_cost) else "–")
    kpi = say.t("kpi_load", now=say.num("l", s.load, 0) if _ok(s.load) else "–")
    target = say.t("target_load", std=say.num("s", std, 0))
    say.take()
    return [Action(what=what, owner=lab.owner("people"), kpi=kpi, target=target, due=due,
                   evidence=evidence_link(inp.region, "06_allocation", "allocation.sec_staffing"), region=inp.region,
                   rule="staffing", score=60.0)]


def _roi_action(inp: RegionInputs, say: _Say, lab: Labels, due: str) -> list[Action]:
    r = inp.nb("05_roi")
    if r is None:
        return []
    p_loss = (1 - r.p_npv_positive) if r.p_npv_positive is not None and r.mc_draws > 0 else None
    risky = r.npv < 0 or (p_loss is not None and p_loss > RISKY_P_LOSS)
    ev = evidence_link(inp.region, "05_roi", "roi.sec_mc" if p_loss is not None else "roi.sec_headline")
    if risky:
        what = say.t("a_roi_pilot", p=say.pct("p", p_loss) if p_loss is not None else "–")
        target, rank = say.t("target_roi_pilot"), 85.0
    else:
        what = say.t("a_roi_track", ratio=say.num("r", r.roi_ratio, 2))
        m = r.payback_p90 if r.payback_p90 is not None else r.payback_month
        target = say.t("target_payback", m=m) if m is not None else say.t("target_npv_positive")
        rank = 40.0
    say.take()
    return [Action(what=what, owner=i18n.t("summary.owner_finance", say.lang), kpi=say.t("kpi_cashflow"),
                   target=target, due=due, evidence=ev, region=inp.region, rule="roi", score=rank,
                   claim="risky" if risky else None)]


def region_actions(inp: RegionInputs, lang: str, *, k: int = MAX_ACTIONS) -> list[Action]:
    """The region's actions, most important first (at most ``k``)."""
    say, lab = _Say(lang, inp.params), Labels(inp.params, lang)
    due = next_due(inp.params, lang)
    out: list[Action] = []
    for rule in (_driver_actions, _cause_actions, _allocation_action, _staffing_action, _roi_action):
        out += rule(inp, say, lab, due)
    return _top(out, k)


# =========================================================================== engagement
def _kpi_engagement(eng: EngagementInputs, say: _Say, lang: str) -> list[Finding]:
    whole = eng.kpis.get("_all") or {}
    labels = {r: inp.label for r, inp in eng.regions.items()}
    line = (eng.params.get("targets") or {}).get("csat_alert")
    out = []
    specs = (("csat_0_100", "csat_lo", "csat_hi", "p_csat", "csat", 100.0),
             ("nps", "nps_lo", "nps_hi", "p_nps", "nps", 90.0))
    for key, lo, hi, pcol, name, rank in specs:
        if not _ok(whole.get(key)):
            continue
        v = whole[key]
        value = say.num(f"_all.{key}", v)
        ci = say.t("ci_range", lo=say.num(f"_all.{lo}", whole[lo]), hi=say.num(f"_all.{hi}", whole[hi])) \
            if _ok(whole.get(lo)) and _ok(whole.get(hi)) else ""
        contrasts = []
        for r, row in eng.kpis.items():
            if r == "_all" or not _ok(row.get(pcol)) or row[pcol] >= ALPHA or not _ok(row.get(key)):
                continue
            contrasts.append(say.t("region_contrast", region=labels.get(r, r), value=say.num(f"{r}.{key}", row[key]),
                                   dir=say.t("above" if row[key] > v else "below"), p=say.p(f"{r}.{pcol}", row[pcol])))
        sig = say.t("kpi_sig", items=say.join(contrasts)) if contrasts else say.t("kpi_nsig")
        alert = ""
        if key == "csat_0_100" and _ok(line) and _ok(whole.get(hi)) and whole[hi] < line:
            alert = say.t("kpi_alert", line=say.num("alert_line", line, 0))
        text = say.t(f"f_all_{name}", value=value, ci=ci, n=f"{int(whole.get('n', 0)):,}", alert=alert, sig=sig)
        out.append(Finding(text=text, metric=f"_all.{key}", value=v, region=SUMMARY, rule="kpi",
                           evidence=evidence_link(SUMMARY, "99_summary", "summary.sec_kpi"), score=rank,
                           cites=say.take(), headline=(say.t("h_nps", value=f"{v:.1f}") if name == "nps" else
                                                       say.t("h_kpi_sig" if contrasts else "h_kpi_nsig", value=f"{v:.1f}"))))
    return out


def _common(eng: EngagementInputs, say: _Say, lang: str, kind: str) -> list[Finding]:
    """The driver (or complaint category) that is #1 in most regions."""
    firsts: dict[str, list[tuple[str, float]]] = {}
    n = 0
    for r, inp in eng.regions.items():
        if kind == "driver":
            d = inp.nb("03_diagnostics")
            top = top_driver(inp)
            val = d.driver_weights[top] if top else None
        else:
            rc = inp.nb("04_root_cause")
            ranked = [(c, s) for c, s in _ranked(rc.category_share) if c != "uncoded"] if rc is not None else []
            top, val = ranked[0] if ranked and ranked[0][1] > 0 else (None, None)
        if top is None:
            continue
        n += 1
        firsts.setdefault(top, []).append((r, val))
    if not firsts:
        return []
    top = sorted(firsts, key=lambda k: (-len(firsts[k]), k))[0]
    vals = sorted(v for _, v in firsts[top])
    first_region = firsts[top][0][0]
    lab = Labels(eng.regions[first_region].params, lang)
    name = lab.driver(top) if kind == "driver" else lab.category(top)
    rng = (say.pct(f"{kind}:{top}.min", vals[0]) if len(vals) == 1 else
           say.t("range", lo=say.pct(f"{kind}:{top}.min", vals[0]), hi=say.pct(f"{kind}:{top}.max", vals[-1])))
    regions = say.join(eng.regions[r].label for r, _ in firsts[top])
    text = say.t(f"f_common_{kind}", name=name, k=len(firsts[top]), n=n, range=rng, regions=regions)
    sec = "summary.sec_drivers" if kind == "driver" else "summary.sec_rootcause"
    return [Finding(text=text, metric=f"{'driver_weight' if kind == 'driver' else 'category_share'}:{top}",
                    value=vals[-1], region=SUMMARY, rule=f"common_{kind}", evidence=evidence_link(SUMMARY, "99_summary", sec),
                    score=80.0 if kind == "driver" else 70.0, cites=say.take(), subject=top,
                    headline=say.t(f"h_common_{kind}", name=name))]


def _roi_engagement(eng: EngagementInputs, say: _Say, lang: str) -> list[Finding]:
    rois = {r: inp.nb("05_roi") for r, inp in eng.regions.items() if inp.nb("05_roi") is not None}
    if not rois or len({x.currency for x in rois.values()}) != 1:
        return []
    cur = next(iter(rois.values())).currency
    total = sum(x.npv for x in rois.values())
    text = say.t("f_all_roi", total=say.money("npv_total", total, cur), n=len(rois))
    risk = {r: 1 - x.p_npv_positive for r, x in rois.items() if x.p_npv_positive is not None and x.mc_draws > 0}
    if risk:
        worst = sorted(risk, key=lambda r: (-risk[r], r))[0]
        text += say.t("f_all_roi_risk", region=eng.regions[worst].label, p=say.pct(f"{worst}.p_npv_negative", risk[worst]))
    return [Finding(text=text, metric="npv_total", value=total, region=SUMMARY, rule="roi",
                    evidence=evidence_link(SUMMARY, "99_summary", "summary.sec_roi"), score=60.0, cites=say.take(),
                    headline=say.t("h_all_roi", total=present.money(total, cur, say.lang)))]


def _allocation_engagement(eng: EngagementInputs, say: _Say, lang: str) -> list[Finding]:
    al = {r: inp.nb("06_allocation") for r, inp in eng.regions.items()}
    al = {r: a for r, a in al.items() if a is not None and {"optimal", "current"} <= set(a.scenarios)}
    # money adds up over regions; satisfaction points of different regions do not
    if not al or len({a.currency for a in al.values()}) != 1 or any(a.objective != "money" for a in al.values()):
        return []
    a0 = next(iter(al.values()))
    opt = sum(a.scenarios["optimal"].objective for a in al.values())
    cur = sum(a.scenarios["current"].objective for a in al.values())
    text = say.t("f_all_alloc_money", n=len(al), opt=say.money("optimal_total", opt, a0.currency),
                 cur=say.money("current_total", cur, a0.currency), gain=say.money("gain_total", opt - cur, a0.currency))
    return [Finding(text=text, metric="optimal_total", value=opt, region=SUMMARY, rule="allocation",
                    evidence=evidence_link(SUMMARY, "99_summary", "summary.sec_allocation"), score=55.0,
                    cites=say.take(), headline=say.t("h_all_alloc"))]


def engagement_findings(eng: EngagementInputs, lang: str, *, k: int = MAX_FINDINGS) -> list[Finding]:
    """Findings of the whole engagement, most important first."""
    say = _Say(lang, eng.params)
    out = (_kpi_engagement(eng, say, lang) + _common(eng, say, lang, "driver") + _common(eng, say, lang, "cause")
           + _roi_engagement(eng, say, lang) + _allocation_engagement(eng, say, lang))
    return _top(out, k)


def engagement_actions(eng: EngagementInputs, lang: str, *, k: int = MAX_ACTIONS) -> list[Action]:
    """Engagement-wide actions: a programme on the driver that is #1 in at least two regions; a recovery plan
    for the regions significantly below the rest on CSAT."""
    say = _Say(lang, eng.params)
    due = next_due(eng.params, lang)
    out: list[Action] = []
    firsts: dict[str, list[str]] = {}
    for r, inp in eng.regions.items():
        top = top_driver(inp)
        if top:
            firsts.setdefault(top, []).append(r)
    if firsts:
        top = sorted(firsts, key=lambda d: (-len(firsts[d]), d))[0]
        if len(firsts[top]) >= 2:
            lab = Labels(eng.regions[firsts[top][0]].params, lang)
            out.append(Action(what=say.t("a_all_driver", driver=lab.driver(top), k=len(firsts[top]), n=len(eng.regions)),
                              owner=i18n.t("summary.owner_cx", lang), kpi=say.t("kpi_driver_perf", driver=lab.driver(top)),
                              target=say.t("target_all_driver"), due=due,
                              evidence=evidence_link(SUMMARY, "99_summary", "summary.sec_drivers"), region=SUMMARY,
                              rule="driver", score=90.0, claim="protect_improve", subject=top))
    whole = eng.kpis.get("_all") or {}
    below = [r for r, row in eng.kpis.items()
             if r != "_all" and _ok(row.get("p_csat")) and row["p_csat"] < ALPHA and _ok(row.get("csat_0_100"))
             and _ok(whole.get("csat_0_100")) and row["csat_0_100"] < whole["csat_0_100"]]
    if below:
        out.append(Action(what=say.t("a_all_recovery", regions=say.join(eng.regions[r].label if r in eng.regions else r
                                                                        for r in below)),
                          owner=i18n.t("summary.owner_region", lang), kpi=i18n.t("diag.metric_csat_0_100", lang),
                          target=say.t("target_all_recovery", x=say.num("x", whole["csat_0_100"])), due=due,
                          evidence=evidence_link(SUMMARY, "99_summary", "summary.sec_kpi"), region=SUMMARY,
                          rule="recovery", score=95.0))
    say.take()
    return _top(out, k)


# =========================================================================== consistency
def check_consistency(findings: Sequence[Finding], actions: Sequence[Action],
                      regions: Mapping[str, RegionInputs]) -> list[str]:
    """Contradictions between the statements and the results they rest on (empty when consistent).

    1. A KPI composite stated as pass (or better) must name every alert of its region (KPI and line).
    2. No statement may call a region's #1 driver "keep up the good work" (it is "protect and improve").
    3. An allocation statement must use the scenario table's numbers (optimal objective and points, equal to
       the ``optimal_points`` headline), and must cite the current split's points when they exceed the optimum's.
    4. Every cited number is shown in the text and parses back to the value it cites (within rounding).
    """
    problems: list[str] = []
    for f in findings:
        inp = regions.get(f.region)
        d = inp.nb("03_diagnostics") if inp else None
        if f.rule == "composite" and f.claim in GOOD_GRADES and d is not None:
            for a in d.alerts:
                mid = _alert_id(a.metric, a.tier)
                if mid not in f.cites or f"{mid}.line" not in f.cites:
                    problems.append(f"{f.region}: the KPI composite is stated as '{f.claim}' without naming "
                                    f"{a.metric}{' (' + a.tier + ')' if a.tier else ''} = {a.value:.1f}, below its alert "
                                    f"line {a.below:g}: «{f.text}»")
        if f.rule == "allocation" and inp is not None and inp.nb("06_allocation") is not None:
            problems += _allocation_problems(f, inp.nb("06_allocation"))
        for name, c in f.cites.items():
            if not c.matches():
                problems.append(f"{f.region}: '{name}' shown as {c.shown!r} does not round from {c.value!r}: «{f.text}»")
            elif c.shown not in f.text:
                problems.append(f"{f.region}: '{name}' ({c.shown}) is cited but not shown in «{f.text}»")
    for s in [*findings, *actions]:
        inp = regions.get(s.region)
        top = top_driver(inp) if inp else None
        if s.claim == "keep_up" and s.subject is not None and s.subject == top:
            text = s.text if isinstance(s, Finding) else s.what
            problems.append(f"{s.region}: the #1 driver '{top}' is told to 'keep up the good work' "
                            f"(state 'protect and improve'): «{text}»")
    return problems


def _allocation_problems(f: Finding, a: Any) -> list[str]:
    out = []
    opt, cur = a.scenarios.get("optimal"), a.scenarios.get("current")
    if opt is None:
        return out
    if f.value is None or not math.isclose(f.value, opt.objective, rel_tol=1e-9, abs_tol=1e-9):
        out.append(f"{f.region}: the allocation statement's value {f.value!r} is not the scenario table's optimal "
                   f"objective {opt.objective!r}: «{f.text}»")
    checks = {"optimal_objective": opt.objective, "optimal_points": opt.points}
    if cur is not None:
        checks.update(current_objective=cur.objective, current_points=cur.points)
    for name, v in checks.items():
        c = f.cites.get(name)
        if c is not None and not math.isclose(c.value, v, rel_tol=1e-9, abs_tol=1e-9):
            out.append(f"{f.region}: the allocation statement cites {name} = {c.value!r}, the scenario table "
                       f"says {v!r}: «{f.text}»")
    if "optimal_points" in f.cites and not math.isclose(opt.points, a.optimal_points, rel_tol=1e-9, abs_tol=1e-9):
        out.append(f"{f.region}: the headline's optimal_points {a.optimal_points!r} differs from the scenario "
                   f"table's {opt.points!r}")
    if cur is not None and cur.points > opt.points and "optimal_points" in f.cites and "current_points" not in f.cites:
        out.append(f"{f.region}: the statement cites the optimum's +{opt.points:.1f} points without saying that the "
                   f"current split gives {cur.points:.2f}: «{f.text}»")
    return out


def ensure_consistent(findings: Sequence[Finding], actions: Sequence[Action],
                      regions: Mapping[str, RegionInputs]) -> None:
    """Raise :class:`ContradictionError` listing every contradiction :func:`check_consistency` finds."""
    problems = check_consistency(findings, actions, regions)
    if problems:
        raise ContradictionError("the summary's findings contradict each other or their results "
                                 f"({len(problems)}):\n" + "\n".join(f"  - {p}" for p in problems),
                                 hint="a rule of cxkit.findings built an inconsistent statement: report it")


def upstream_notes(inp: RegionInputs, lang: str) -> list[str]:
    """Notes for the reader where an upstream playbook shows contradicting figures side by side (03's
    composite "pass" beside an alert; 06's headline uplift below the current split's; IPA "keep up" for the #1
    driver): the summary's statements above already read them together."""
    lab = Labels(inp.params, lang)
    say = _Say(lang, inp.params)
    out = []
    d = inp.nb("03_diagnostics")
    if d is not None and d.kpi_composite is not None and d.kpi_composite.grade in GOOD_GRADES and d.alerts:
        out.append(say.t("n_composite", region=inp.label, grade=i18n.t(f"diag.grade_{d.kpi_composite.grade}", lang),
                         n=len(d.alerts)))
    top = top_driver(inp)
    if top and d.ipa.get(top) == "keep_up":
        out.append(say.t("n_ipa", region=inp.label, driver=lab.driver(top)))
    a = inp.nb("06_allocation")
    if a is not None and {"optimal", "current"} <= set(a.scenarios) and \
            a.scenarios["current"].points > a.scenarios["optimal"].points:
        out.append(say.t("n_alloc", region=inp.label, opt=f"{a.scenarios['optimal'].points:.1f}",
                         cur=f"{a.scenarios['current'].points:.1f}"))
    return out


# =========================================================================== all together
def merge_shared_actions(actions: dict[str, list[Action]], eng: EngagementInputs, lang: str) -> dict[str, list[Action]]:
    """A 5-Why chain action that every region of two or more repeats (the chains are engagement params) is listed
    once for the engagement: its KPI gives the range of the category's share over those regions."""
    regions = [r for r in actions if r != SUMMARY]
    if len(regions) < 2:
        return actions
    key = lambda a: (a.what, a.owner, a.target, a.due, a.subject)  # noqa: E731
    seen: dict[tuple, list[Action]] = {}
    for r in regions:
        for a in actions[r]:
            if a.rule == "chain":
                seen.setdefault(key(a), []).append(a)
    shared = {k for k, acts in seen.items() if len(acts) == len(regions)}
    if not shared:
        return actions
    say = _Say(lang)
    out = {r: [a for a in acts if not (a.rule == "chain" and key(a) in shared)] for r, acts in actions.items()}
    merged = []
    for k in sorted(shared, key=lambda k: -max(x.score for x in seen[k])):
        acts = seen[k]
        cat = acts[0].subject
        shares = sorted(s for s in (_share(eng.regions.get(a.region), cat) for a in acts) if s is not None)
        lab = Labels(eng.regions[acts[0].region].params if acts[0].region in eng.regions else {}, lang)
        now = (say.t("range", lo=say.pct("lo", shares[0]), hi=say.pct("hi", shares[-1])) if shares else "–")
        merged.append(acts[0].model_copy(update={
            "region": SUMMARY, "score": max(x.score for x in acts),
            "kpi": say.t("kpi_cause_share_all", cat=lab.category(cat), now=now, n=len(acts))}))
    say.take()
    out[SUMMARY] = out.get(SUMMARY, []) + merged
    return out


def _share(inp: RegionInputs | None, cat: str | None) -> float | None:
    rc = inp.nb("04_root_cause") if inp is not None else None
    v = rc.category_share.get(cat) if rc is not None and cat else None
    return v if _ok(v) else None


@dataclass
class Summary:
    """Everything the summary page and ``99_summary.results.json`` show."""

    findings: dict[str, list[Finding]]      # by region, ``_engagement`` first
    actions: dict[str, list[Action]]
    notes: dict[str, list[str]]

    def all_findings(self) -> list[Finding]:
        return [f for fs in self.findings.values() for f in fs]

    def all_actions(self) -> list[Action]:
        return [a for acts in self.actions.values() for a in acts]

    def results(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``(findings, actions)`` as written to the results file (engagement first, then each region)."""
        return ([f.model_dump() for f in self.all_findings()], [a.model_dump() for a in self.all_actions()])


def build(eng: EngagementInputs, lang: str) -> Summary:
    """Findings, actions and upstream notes of the engagement and of every region, checked for consistency
    (:func:`ensure_consistent` raises on a contradiction)."""
    findings = {SUMMARY: engagement_findings(eng, lang)}
    actions = {SUMMARY: engagement_actions(eng, lang)}
    notes = {}
    for r, inp in eng.regions.items():
        findings[r] = region_findings(inp, lang)
        actions[r] = region_actions(inp, lang, k=100)     # cut to MAX_ACTIONS after the shared chains moved out
        notes[r] = upstream_notes(inp, lang)
    merged = merge_shared_actions(actions, eng, lang)
    out = Summary(findings, {r: _top(acts, MAX_ACTIONS) for r, acts in merged.items()}, notes)
    ensure_consistent(out.all_findings(), out.all_actions(), eng.regions)
    return out
