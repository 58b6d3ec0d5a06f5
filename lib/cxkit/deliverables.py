"""Stakeholder deliverables of a run (issue 17): a PowerPoint deck and an Excel workbook.

Both are built from the run folder alone, after the playbooks:

* the validated ``.results.json`` files (:func:`cxkit.results.load`; a file that does not match its model is
  left out and named in :attr:`RunData.problems`): ``_engagement/99_summary.results.json`` and each region's
  ``03_diagnostics`` … ``06_allocation``;
* ``manifest.json`` for the cover (client, engagement, wave, date) and the display labels the params carry
  (region, scale, lever labels, targets); without a manifest the labels come from the i18n strings.

:func:`build_deck` writes ``<out>/playbook.pptx``: a cover, the findings and the actions ("findings
first": the summary's ``findings`` / ``actions`` when it has them, else lines derived from the key figures),
four slides per region (KPIs vs targets; top drivers as a native bar chart; root-cause Pareto top 3 and ROI;
the allocation shift as a native bar chart) and an appendix linking the playbooks (relative links).
:func:`build_workbook` writes ``<out>/tables.xlsx`` with a README sheet and one sheet per topic:
numbers are numeric cells with number formats, text from the data is always stored as text (never a formula).

Every label is an i18n string (``cxkit/i18n/deliverables.yaml``) or a label the params carry; every text run
of the deck sets an East Asian typeface (``a:ea``) so that Chinese renders in PowerPoint and LibreOffice.

Examples
--------
>>> f = Formatter("zh")
>>> f.money(58312432.6, "CNY"), f.pct(0.83), f.ratio(6.29), f.num(-2.1)
('5,831.2 万元', '83.0%', '1:6.3', '−2.1')
>>> f = Formatter("en")
>>> f.money(58312432.6, "CNY"), f.money(125000, "USD"), f.months(8)
('CNY 58.3M', 'USD 125.0K', '8 months')
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence

from . import __version__, i18n, present
from . import results as contract
from .errors import DataError

DECK_NAME = "playbook.pptx"        # the names issue 17 gives: DIR/playbook.pptx and DIR/tables.xlsx
WORKBOOK_NAME = "tables.xlsx"
SUMMARY_NOTEBOOK = "99_summary"
ENGAGEMENT_DIR = "_engagement"
#: East Asian typeface set on every run of the deck (PowerPoint on Windows/macOS has it; LibreOffice maps it
#: to the installed CJK font); the Latin typeface of every run
CJK_FONT = "Microsoft YaHei"
LATIN_FONT = "Arial"
PALETTE = ["1F5F8B", "E07B39", "3A9D5D", "C2423F", "7D5BA6", "8C6D31"]
GOOD, BAD, MUTED, DARK = "3A9D5D", "C2423F", "6B7280", "1F2937"
KPI_KEYS = ("csat", "satisfaction", "top2", "nps", "ces")
LOWER_IS_BETTER = {"ces"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# =========================================================================== formatting
class Formatter:
    """Numbers for presentation in one language: money in 万/亿 (zh) or K/M/B (en) with the
    currency, shares as percents, ratios as 1:x; ``–`` for a missing value."""

    def __init__(self, lang: str):
        self.lang = lang

    @staticmethod
    def ok(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    def _signed(self, text: str) -> str:
        return "−" + text[1:] if text.startswith("-") else text

    def num(self, v: Any, digits: int = 1) -> str:
        return self._signed(f"{v:,.{digits}f}") if self.ok(v) else "–"

    def pct(self, v: Any, digits: int = 1) -> str:
        return self._signed(f"{100 * v:.{digits}f}%") if self.ok(v) else "–"

    def ratio(self, v: Any) -> str:
        return f"1:{v:.1f}" if self.ok(v) else "–"

    def months(self, v: Any) -> str:
        return i18n.t("deliv.months", self.lang, n=int(v)) if self.ok(v) else i18n.t("deliv.payback_never", self.lang)

    def currency(self, code: str) -> str:
        """``元`` for CNY in Chinese, else the code."""
        return present.currency_name(code, self.lang)

    def money(self, v: Any, code: str = "CNY") -> str:
        """One amount in 万/亿 (zh) or K/M/B (en) with the currency (:func:`cxkit.present.money`)."""
        return present.money(v, code, self.lang)

    def money_unit(self, code: str) -> tuple[float, str]:
        """Divisor and unit label for money in charts: 万 in Chinese, M in English."""
        u = present.money_unit(code, self.lang)
        return u.divisor, u.label

    def kpi(self, key: str, v: Any) -> str:
        """A KPI value: shares as percents, CES with 2 decimals, 0–100 scores and NPS with 1."""
        if key == "top2":
            return self.pct(v)
        return self.num(v, 2 if key == "ces" else 1)

    def gap(self, key: str, v: Any) -> str:
        if not self.ok(v):
            return "–"
        text = self.num(100 * v, 1) + (" pp" if self.lang == "en" else " 个百分点") if key == "top2" \
            else self.num(v, 2 if key == "ces" else 1)
        return text if text.startswith("−") else "+" + text

    def value(self, metric: str | None, v: Any, currency: str = "CNY", money_objective: bool = True) -> str:
        """A finding's value, formatted by its metric id (:mod:`cxkit.findings`: ``driver_weight:<driver>``,
        ``alert:<kpi>``, ``npv``, ``wave:<kpi>``, ``_all.<kpi>`` …): shares as percents, money with the currency,
        changes signed, alphas with 2 decimals, scores with 1.

        >>> f = Formatter("en")
        >>> f.value("driver_weight:responsiveness", 0.41), f.value("npv", 5.8e7), f.value("wave:overall", 2.79)
        ('41%', 'CNY 58.0M', '+2.8')
        >>> f.value("alert:csat_0_100", 77.16), f.value("_all.top2", 0.779), f.value("alpha:value", 0.6718)
        ('77.2', '77.9%', '0.67')
        """
        if isinstance(v, str):
            return v
        if not self.ok(v):
            return "–"
        m = (metric or "").lower()
        kind, _, sub = m.replace("_all.", "all:").partition(":")
        share = any(w in (sub or kind) for w in ("top2", "top_box", "share", "p_npv"))
        if kind == "wave":
            return self.gap("top2" if share else "csat", v)
        if kind in ("driver_weight", "category_share"):
            return self.pct(v, 0)
        if kind == "alpha" or "kappa" in m:
            return self.num(v, 2)
        if share and abs(v) <= 1:
            return self.pct(v)
        if kind in ("npv", "npv_total", "pv_benefit", "pv_cost", "budget") or (
                money_objective and kind in ("allocation.optimal_objective", "optimal_total", "optimal_value")):
            return self.money(v, currency)
        if "roi_ratio" in m:
            return self.ratio(v)
        if "payback" in m:
            return self.months(v)
        return self.num(v, 0 if float(v).is_integer() and abs(v) >= 10 else 1)


# =========================================================================== run data
@dataclass
class RunData:
    """What the deliverables show: the validated results of a run folder and the labels to show them with."""

    out: Path
    lang: str
    engagement: str
    client: str
    wave: str
    date: str
    regions: list[str]
    params: dict[str, dict[str, Any]]
    results: dict[str, dict[str, Any]]          # region -> notebook -> validated model
    summary: Any | None                         # SummaryResults or None
    playbooks: dict[str, list[str]]             # region (or _engagement) -> notebooks with an HTML playbook
    problems: list[str] = field(default_factory=list)

    def res(self, region: str, notebook: str) -> Any | None:
        return self.results.get(region, {}).get(notebook)

    # -------------------------------------------------------------- labels
    def t(self, key: str, **kw: Any) -> str:
        return i18n.t(key, self.lang, **kw)

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.lang)

    def region_label(self, region: str) -> str:
        if region == "_all":
            return self.t("deliv.whole")
        lab = (self.params.get(region) or {}).get("label")
        return _label_text(lab, self.lang) or region

    def tier_label(self, tier: str) -> str:
        if tier == "all":
            return self.t("deliv.tier_all")
        return i18n.t(f"tier.{tier}", self.lang) if i18n.has(f"tier.{tier}") else tier

    def driver_label(self, region: str, name: str) -> str:
        """The scale's own label in ``survey.scales`` (as the playbooks show it), else ``dim.<name>``."""
        spec = ((self.params.get(region) or {}).get("survey") or {}).get("scales", {}).get(name)
        lab = _label_text(spec.get("label") if isinstance(spec, dict) else None, self.lang)
        if lab:
            return lab
        return i18n.t(f"dim.{name}", self.lang) if i18n.has(f"dim.{name}") else name

    def category_label(self, region: str, cat: str) -> str:
        names = self._categories(region)
        return names.get(cat, cat)

    def _categories(self, region: str) -> dict[str, str]:
        cache = self.__dict__.setdefault("_cat_cache", {})
        if region not in cache:
            from .summary import category_names

            names = category_names(self.params.get(region) or {}, self.lang)
            if not names:
                names = category_names({}, self.lang)      # the built-in fishbone codebook
            cache[region] = {**names, "uncoded": "未编码" if self.lang == "zh" else "Uncoded"}
        return cache[region]

    def lever_label(self, region: str, name: str, lever: Any | None) -> str:
        """The lever's label in ``allocation.levers``, else "tier · dimension" from its results."""
        for spec in ((self.params.get(region) or {}).get("allocation") or {}).get("levers") or []:
            if isinstance(spec, dict) and spec.get("name") == name:
                lab = _label_text(spec.get("label"), self.lang)
                if lab:
                    return lab
        if lever is not None:
            dim = f"allocation.dim_{lever.dimension}"
            return f"{self.tier_label(lever.tier)} · {self.t(dim) if i18n.has(dim) else lever.dimension}"
        return name

    def dimension_label(self, dim: str) -> str:
        key = f"allocation.dim_{dim}"
        return i18n.t(key, self.lang) if i18n.has(key) else dim

    def notebook_label(self, nb: str) -> str:
        return i18n.t(f"nb.{nb}", self.lang) if i18n.has(f"nb.{nb}") else nb

    def currency(self, region: str | None = None) -> str:
        for r in ([region] if region in self.results else []) + self.regions:
            for nb in ("05_roi", "06_allocation"):
                x = self.res(r, nb)
                if x is not None:
                    return x.currency
        return "CNY"

    def money_objective(self, region: str | None = None) -> bool:
        for r in ([region] if region in self.results else []) + self.regions:
            a = self.res(r, "06_allocation")
            if a is not None:
                return a.objective == "money"
        return True

    def evidence_label(self, link: str) -> str:
        """``east/03_diagnostics.html#diag-sec_kpi`` → "华东 · 满意度诊断"; any other text as given."""
        m = re.fullmatch(r"([^/#]+)/(\d{2}_[a-z0-9_]+)\.html(?:#.*)?", link.strip())
        if not m:
            return link
        region = self.t("deliv.whole") if m.group(1) == ENGAGEMENT_DIR else self.region_label(m.group(1))
        return f"{region} · {self.notebook_label(m.group(2))}"

    def targets(self, region: str) -> dict[str, Any]:
        return dict((self.params.get(region) or {}).get("targets") or {})

    def file_stem(self) -> str:
        """The engagement name as a safe file name."""
        stem = re.sub(r"[^\w.-]+", "_", self.engagement, flags=re.UNICODE).strip("._")
        return stem or "cx"


def _label_text(lab: Any, lang: str) -> str | None:
    if isinstance(lab, dict) and lab:
        return str(lab.get(lang) or next(iter(lab.values())))
    return str(lab) if isinstance(lab, str) and lab else None


def collect(out_dir: str | Path, language: str) -> RunData:
    """Read the run folder: manifest (when present) and every results file that validates against its model."""
    import json

    if language not in i18n.LANGUAGES:
        raise ValueError(f"language must be one of {i18n.LANGUAGES}, got {language!r}")
    out = Path(out_dir)
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        manifest = {}
    params: dict[str, dict] = {r: p for r, p in (manifest.get("params") or {}).items() if isinstance(p, dict)}
    # the engagement's order (the tasks are in plan order; the params keys are sorted in the file)
    regions = list(dict.fromkeys([t.get("region") for t in manifest.get("tasks") or []
                                  if isinstance(t, dict) and t.get("region") in params] + list(params)))
    if not regions:
        regions = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
                         and any(p.glob("*.results.json")))
    problems: list[str] = []
    res: dict[str, dict[str, Any]] = {}
    playbooks: dict[str, list[str]] = {}
    for r in regions + [ENGAGEMENT_DIR]:
        folder = out / r
        res[r], playbooks[r] = {}, []
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("*.results.json")):
            nb = p.name[: -len(".results.json")]
            if nb not in contract.MODELS:
                continue
            try:
                res[r][nb] = contract.load(p)
            except DataError as exc:
                lines = [x.strip() for x in exc.message.splitlines()]
                problems.append(f"{r}/{p.name}: " + " ".join(lines[1:3] or lines[:1]))
        playbooks[r] = sorted(p.stem for p in folder.glob("*.html"))
    finished = str(manifest.get("finished") or "")[:10] or date.today().isoformat()
    return RunData(out=out, lang=language, engagement=str(manifest.get("engagement") or out.name),
                   client=_label_text(manifest.get("client"), language) or "", wave=str(manifest.get("wave") or ""), date=finished,
                   regions=regions, params=params, results={r: res[r] for r in regions},
                   summary=res[ENGAGEMENT_DIR].get(SUMMARY_NOTEBOOK), playbooks=playbooks, problems=problems)


# =========================================================================== figures shared by deck and workbook
def kpi_rows(data: RunData, region: str) -> list[dict[str, Any]]:
    """The region's headline KPIs: {key, label, value, lo, hi, target_kind, target, gap, p} (03_diagnostics,
    else the summary's recomputed KPIs; p against the other regions from the summary)."""
    d = data.res(region, "03_diagnostics")
    s = (data.summary.kpis.get(region) if data.summary is not None else None)
    tg = data.targets(region)
    alloc = data.res(region, "06_allocation")
    rows: list[dict[str, Any]] = []

    def pair(v: Any) -> tuple[Any, Any]:
        return (v[0], v[1]) if isinstance(v, list) and len(v) == 2 else (None, None)

    def add(key: str, value: Any, lo: Any, hi: Any, p: Any = None) -> None:
        if not Formatter.ok(value):
            return
        kind, target = None, None
        if key == "csat":
            if alloc is not None and alloc.target is not None:
                kind, target = "deliv.target_goal", alloc.target.csat
            elif Formatter.ok(tg.get("csat")):
                kind, target = "deliv.target_goal", tg["csat"]
            elif Formatter.ok(tg.get("csat_alert")):
                kind, target = "deliv.target_alert", tg["csat_alert"]
        elif key == "satisfaction":
            gaps = (d.gaps or {}) if d is not None else {}
            for bench in ("leader", "industry"):
                if Formatter.ok(tg.get(bench)):
                    kind, target = f"deliv.target_{bench}", tg[bench]
                    break
                if Formatter.ok(gaps.get(bench)) and gaps[bench] != -1:
                    kind, target = f"deliv.target_{bench}", value / (1 + gaps[bench])
                    break
        elif Formatter.ok(tg.get(key)):
            kind, target = "deliv.target_goal", tg[key]
        gap = value - target if target is not None else None
        rows.append({"key": key, "label": data.t(f"deliv.kpi_{key}"), "value": value, "lo": lo, "hi": hi,
                     "target_kind": data.t(kind) if kind else None, "target": target, "gap": gap,
                     "p": p if Formatter.ok(p) else None})

    if d is not None:
        csat_ci = pair(d.csat_0_100_ci) if d.csat_0_100_ci else (getattr(s, "csat_lo", None), getattr(s, "csat_hi", None))
        add("csat", d.csat_0_100, *csat_ci, getattr(s, "p_csat", None))
        add("satisfaction", d.satisfaction_0_100, *pair(d.satisfaction_0_100_ci))
        add("top2", d.csat_top_box.share, d.csat_top_box.low, d.csat_top_box.high, getattr(s, "p_top2", None))
        add("nps", d.nps, *pair(d.nps_ci), getattr(s, "p_nps", None))
        add("ces", d.ces, *pair(d.ces_ci))
    elif s is not None:
        add("csat", s.csat_0_100, s.csat_lo, s.csat_hi, s.p_csat)
        add("top2", s.top2, s.top2_lo, s.top2_hi, s.p_top2)
        add("nps", s.nps, s.nps_lo, s.nps_hi, s.p_nps)
    return rows


def driver_rows(data: RunData, region: str) -> list[dict[str, Any]]:
    """Drivers by relative weight, largest first: {rank, driver, label, weight, lo, hi, performance, ipa}."""
    d = data.res(region, "03_diagnostics")
    if d is None or not d.driver_weights:
        return []
    order = sorted(d.driver_weights, key=lambda k: (-d.driver_weights[k], k))
    out = []
    for i, k in enumerate(order, 1):
        lo, hi = (d.driver_weights_ci.get(k) or [None, None])
        q = d.ipa.get(k)
        out.append({"rank": i, "driver": k, "label": data.driver_label(region, k), "weight": d.driver_weights[k],
                    "lo": lo, "hi": hi, "performance": d.driver_performance.get(k),
                    "ipa": data.t(f"diag.quad_{q}") if q and i18n.has(f"diag.quad_{q}") else None})
    return out


def cause_rows(data: RunData, region: str) -> list[dict[str, Any]]:
    """Fishbone categories as the 04 Pareto table ranks them (count, then name; uncoded left out):
    {rank, label, n, share (of complaints), cum (cumulative share of the category labels)}."""
    rc = data.res(region, "04_root_cause")
    if rc is None:
        return []
    counts = {c: n for c, n in rc.category_counts.items() if c != "uncoded" and n > 0}
    total = sum(counts.values())
    out, cum = [], 0
    for i, c in enumerate(sorted(counts, key=lambda c: (-counts[c], c)), 1):
        cum += counts[c]
        out.append({"rank": i, "category": c, "label": data.category_label(region, c), "n": counts[c],
                    "share": rc.category_share.get(c), "cum": cum / total if total else None})
    return out


def allocation_rows(data: RunData, region: str) -> list[dict[str, Any]]:
    """Levers with current and optimal spend, largest increase first."""
    a = data.res(region, "06_allocation")
    if a is None:
        return []
    current = a.scenario_spend.get("current") or {}
    out = []
    for name, opt in a.optimal_spend.items():
        lever = a.levers.get(name)
        cur = current.get(name)
        status = a.lever_status.get(name)
        out.append({"lever": name, "label": data.lever_label(region, name, lever),
                    "dimension": data.dimension_label(lever.dimension) if lever else None,
                    "tier": data.tier_label(lever.tier) if lever else None,
                    "current": cur, "optimal": opt,
                    "change": opt - cur if Formatter.ok(cur) else None,
                    "status": data.t(f"deliv.status_{status}") if status else None})
    out.sort(key=lambda r: (-(r["change"] if r["change"] is not None else -math.inf), r["lever"]))
    return out


def _items(x: Any) -> list[dict[str, Any]]:
    """A list of pydantic models or dicts as dicts."""
    out = []
    for it in x or []:
        if hasattr(it, "model_dump"):
            out.append(it.model_dump(mode="python", by_alias=True))
        elif isinstance(it, dict):
            out.append(dict(it))
    return out


def findings(data: RunData) -> tuple[list[dict[str, Any]], bool]:
    """The summary's ``findings`` ({text, metric, value, evidence}) when it has them, else lines derived from
    the key figures; the flag says whether they were derived."""
    given = _items(getattr(data.summary, "findings", None)) if data.summary is not None else []
    if given:
        return given, False
    f = data.fmt
    lines: list[str] = []
    s = data.summary
    whole = s.kpis.get("_all") if s is not None else None
    if whole is not None and Formatter.ok(whole.csat_0_100):
        lines.append(data.t("deliv.f_overall", csat=f.num(whole.csat_0_100), lo=f.num(whole.csat_lo),
                            hi=f.num(whole.csat_hi), top2=f.pct(whole.top2), nps=f.num(whole.nps)))
    csat = {r: row["value"] for r in data.regions for row in kpi_rows(data, r) if row["key"] == "csat"}
    if len(csat) >= 2:
        best, worst = max(csat, key=csat.get), min(csat, key=csat.get)
        lines.append(data.t("deliv.f_range", best=data.region_label(best), best_v=f.num(csat[best]),
                            worst=data.region_label(worst), worst_v=f.num(csat[worst])))
    if s is not None and whole is not None and Formatter.ok(whole.csat_0_100):
        low = [r for r in data.regions if (k := s.kpis.get(r)) is not None and Formatter.ok(k.p_csat)
               and k.p_csat < 0.05 and Formatter.ok(k.csat_0_100) and k.csat_0_100 < whole.csat_0_100]
        if low:
            lines.append(data.t("deliv.f_sig_low", regions=i18n.join([data.region_label(r) for r in low], data.lang)))
    for r in data.regions:
        dr = driver_rows(data, r)
        if dr:
            lines.append(data.t("deliv.f_driver", region=data.region_label(r), driver=dr[0]["label"],
                                weight=f.pct(dr[0]["weight"], 0), perf=f.num(dr[0]["performance"])))
        cr = cause_rows(data, r)
        if cr:
            lines.append(data.t("deliv.f_cause", region=data.region_label(r), cause=cr[0]["label"],
                                share=f.pct(cr[0]["share"], 0)))
    rois = [data.res(r, "05_roi") for r in data.regions]
    rois = [x for x in rois if x is not None]
    if rois:
        lo, hi = min(x.roi_ratio for x in rois), max(x.roi_ratio for x in rois)
        key = "deliv.f_roi" if f.num(lo) != f.num(hi) else "deliv.f_roi_one"
        lines.append(data.t(key, npv=f.money(sum(x.npv for x in rois), rois[0].currency), lo=f.num(lo), hi=f.num(hi)))
    return [{"text": t, "metric": None, "value": None, "evidence": None} for t in lines], True


def actions(data: RunData) -> tuple[list[dict[str, Any]], bool]:
    """The summary's ``actions`` ({what, owner, kpi, target, due, evidence}) when it has them, else one line
    per region from the top driver, the main complaint cause and the largest budget shift."""
    given = _items(getattr(data.summary, "actions", None)) if data.summary is not None else []
    if given:
        return given, False
    f = data.fmt
    rows: list[dict[str, Any]] = []
    for r in data.regions:
        dr = driver_rows(data, r)
        if dr:
            rows.append({"region": r, "what": data.t("deliv.a_driver", driver=dr[0]["label"]), "owner": None,
                         "kpi": data.t("deliv.a_driver_kpi", driver=dr[0]["label"]),
                         "target": None, "due": None, "evidence": f.pct(dr[0]["weight"], 0)})
        cr = cause_rows(data, r)
        if cr:
            issue = (((data.params.get(r) or {}).get("root_cause") or {}).get("priority") or {}).get("issues") or {}
            owner = _label_text((issue.get(cr[0]["category"]) or {}).get("owner"), data.lang)
            rows.append({"region": r, "what": data.t("deliv.a_cause", cause=cr[0]["label"]), "owner": owner,
                         "kpi": data.t("deliv.a_cause_kpi", cause=cr[0]["label"]), "target": None, "due": None,
                         "evidence": f.pct(cr[0]["share"], 0)})
        ar = allocation_rows(data, r)
        a = data.res(r, "06_allocation")
        if ar and ar[0]["change"] and ar[0]["change"] > 0:
            rows.append({"region": r, "what": data.t("deliv.a_alloc", lever=ar[0]["label"],
                                        from_=f.money(ar[0]["current"], a.currency), to=f.money(ar[0]["optimal"], a.currency)),
                         "owner": None, "kpi": data.t("deliv.kpi_csat"),
                         "target": data.t("deliv.a_alloc_target", points=f.num(a.optimal_points)), "due": None,
                         "evidence": None})
    return rows, True


# =========================================================================== deck
def _set_ea(font: Any, typeface: str = CJK_FONT) -> None:
    """Set the East Asian typeface (``a:ea``) of a python-pptx Font: python-pptx sets only ``a:latin``."""
    from pptx.oxml.ns import qn

    rpr = font._rPr if hasattr(font, "_rPr") else font._element
    ea = rpr.find(qn("a:ea"))
    if ea is None:
        ea = rpr.makeelement(qn("a:ea"), {})
        anchor = next((rpr.find(qn(t)) for t in ("a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl",
                                                  "a:extLst") if rpr.find(qn(t)) is not None), None)
        if anchor is not None:
            anchor.addprevious(ea)
        else:
            rpr.append(ea)
    ea.set("typeface", typeface)


def _style(font: Any, size: float | None = None, bold: bool | None = None, color: str | None = None) -> None:
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    font.name = LATIN_FONT
    _set_ea(font)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = RGBColor.from_string(color)


class _Deck:
    """A 16:9 deck with blank slides, a title bar and a footer on every content slide."""

    W, H = 13.333, 7.5

    def __init__(self, data: RunData):
        from pptx import Presentation
        from pptx.util import Inches

        self.data = data
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(self.W), Inches(self.H)
        self.blank = self.prs.slide_layouts[6]
        self.n = 0

    # -------------------------------------------------------------- primitives
    def text(self, slide, x, y, w, h, lines: Sequence[Any], *, size=14, bold=False, color=DARK, name=None,
             align=None, bullet=False):
        """A text box; ``lines`` are strings or (text, {size, bold, color, link}) pairs, one paragraph each."""
        from pptx.enum.text import MSO_ANCHOR
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        if name:
            box.name = name
        tf = box.text_frame
        tf.word_wrap = True
        tf.vertical_anchor = MSO_ANCHOR.TOP
        for i, line in enumerate(lines):
            text, opt = (line if isinstance(line, tuple) else (line, {}))
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            if align is not None:
                p.alignment = align
            if bullet or opt.get("bullet"):
                text = "• " + text
                p.space_after = Pt(6)
            run = p.add_run()
            run.text = _clean(text)
            _style(run.font, opt.get("size", size), opt.get("bold", bold), opt.get("color", color))
            if opt.get("link"):
                run.hyperlink.address = opt["link"]
        return box

    def rect(self, slide, x, y, w, h, fill: str, name=None):
        from pptx.dml.color import RGBColor
        from pptx.enum.shapes import MSO_SHAPE
        from pptx.util import Inches

        shp = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(h))
        shp.fill.solid()
        shp.fill.fore_color.rgb = RGBColor.from_string(fill)
        shp.line.fill.background()
        shp.shadow.inherit = False
        if name:
            shp.name = name
        return shp

    def table(self, slide, x, y, w, rows: list[list[Any]], widths: Sequence[float], *, size=12, name=None,
              row_h=0.4):
        """A table: first row is the header; a cell is text or (text, link)."""
        from pptx.dml.color import RGBColor
        from pptx.util import Inches

        shape = slide.shapes.add_table(len(rows), len(widths), Inches(x), Inches(y), Inches(w),
                                       Inches(row_h * len(rows)))
        if name:
            shape.name = name
        tbl = shape.table
        for j, cw in enumerate(widths):
            tbl.columns[j].width = Inches(cw)
        for i, row in enumerate(rows):
            for j, val in enumerate(row):
                text, link = (val if isinstance(val, tuple) else (val, None))
                cell = tbl.cell(i, j)
                cell.text = ""
                p = cell.text_frame.paragraphs[0]
                run = p.add_run()
                run.text = _clean("" if text is None else str(text))
                _style(run.font, size, i == 0, "FFFFFF" if i == 0 else DARK)
                if link:
                    run.hyperlink.address = link
                if i == 0:
                    cell.fill.solid()
                    cell.fill.fore_color.rgb = RGBColor.from_string(PALETTE[0])
        return shape

    def slide(self, title: str, name: str, subtitle: str | None = None):
        self.n += 1
        s = self.prs.slides.add_slide(self.blank)
        s.name = name
        self.text(s, 0.5, 0.3, 12.3, 0.8, [title], size=26, bold=True, color=PALETTE[0], name="title")
        self.rect(s, 0.5, 1.1, 12.3, 0.04, PALETTE[1])
        if subtitle:
            self.text(s, 0.5, 1.2, 12.3, 0.5, [subtitle], size=13, color=MUTED, name="subtitle")
        d = self.data
        foot = " · ".join(x for x in (d.client, d.engagement, d.wave) if x)
        self.text(s, 0.5, 7.0, 10, 0.35, [foot], size=10, color=MUTED, name="footer")
        self.text(s, 11.8, 7.0, 1.0, 0.35, [str(self.n + 1)], size=10, color=MUTED, name="page")
        return s

    def no_data(self, slide, y=2.0):
        self.text(slide, 0.8, y, 11.5, 0.6, [self.data.t("deliv.no_data")], size=16, color=MUTED, name="no_data")

    def bar_chart(self, slide, x, y, w, h, categories: list[str], series: list[tuple[str, list[float]]], *,
                  number_format: str, name: str, legend: bool = False):
        """A native clustered bar chart (values editable in PowerPoint), largest category on top."""
        from pptx.chart.data import CategoryChartData
        from pptx.dml.color import RGBColor
        from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
        from pptx.util import Inches, Pt

        cd = CategoryChartData(number_format=number_format)
        cd.categories = [_clean(c) for c in categories]
        for label, values in series:
            cd.add_series(_clean(label), [v if Formatter.ok(v) else None for v in values])
        gf = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(x), Inches(y), Inches(w), Inches(h), cd)
        gf.name = name
        ch = gf.chart
        _style(ch.font, 12, False, DARK)
        ch.has_legend = legend
        if legend:
            ch.legend.position = XL_LEGEND_POSITION.BOTTOM
            ch.legend.include_in_layout = False
        cat_ax = ch.category_axis
        cat_ax.reverse_order = True
        cat_ax.tick_labels.font.size = Pt(12)
        val_ax = ch.value_axis
        val_ax.has_major_gridlines = False
        val_ax.visible = False
        plot = ch.plots[0]
        plot.gap_width = 60
        plot.has_data_labels = True
        dl = plot.data_labels
        dl.number_format = number_format
        dl.number_format_is_linked = False
        _style(dl.font, 11, False, DARK)
        for i, s in enumerate(plot.series):
            s.format.fill.solid()
            s.format.fill.fore_color.rgb = RGBColor.from_string(PALETTE[i % len(PALETTE)] if len(series) > 1
                                                                else PALETTE[0])
        return gf

    # -------------------------------------------------------------- slides
    def cover(self) -> None:
        d = self.data
        s = self.prs.slides.add_slide(self.blank)
        s.name = "title"
        self.rect(s, 0, 0, self.W, self.H, PALETTE[0])
        self.rect(s, 0.8, 3.55, 5.0, 0.06, PALETTE[1])
        self.text(s, 0.8, 1.4, 11.5, 1.0, [d.client or d.engagement], size=22, color="DCE6EE", name="client")
        self.text(s, 0.8, 2.2, 11.5, 1.3, [d.t("deliv.deck_title")], size=38, bold=True, color="FFFFFF",
                  name="deck_title")
        meta = [d.t("deliv.label_value", label=d.t("deliv.engagement"), value=d.engagement)]
        if d.wave:
            meta.append(d.t("deliv.label_value", label=d.t("deliv.wave"), value=d.wave))
        meta.append(d.t("deliv.label_value", label=d.t("deliv.date"), value=d.date))
        self.text(s, 0.8, 3.8, 11.5, 1.6, meta, size=18, color="FFFFFF", name="meta")
        self.text(s, 0.8, 6.7, 11.5, 0.4, [f"cx-playbooks · cxkit {__version__}"], size=11, color="DCE6EE",
                  name="tool")

    def _more_note(self, s, shown: int, total: int, sheet_key: str) -> None:
        d = self.data
        if total > shown:
            self.text(s, 0.5, 6.62, 12.3, 0.35, [d.t("deliv.more_in_workbook", n=total - shown,
                                                    sheet=d.t(f"deliv.sheet_{sheet_key}"))],
                      size=11, color=MUTED, name="more")

    def findings(self) -> None:
        """One slide: the engagement's findings, then the first (most important) finding of each region."""
        d, f = self.data, self.data.fmt
        rows, derived = findings(d)
        s = self.slide(d.t("deliv.findings_title"), "findings", d.t("deliv.derived_note") if derived else None)
        if not rows:
            self.no_data(s)
            return
        if derived:
            self.text(s, 0.8, 1.9, 11.8, 5.0, [r["text"] for r in rows[:MAX_ROWS]], size=16, bullet=True,
                      name="findings")
            return
        top = headline(rows)
        table = [[d.t("deliv.col_finding"), d.t("deliv.col_value"), d.t("deliv.col_evidence")]]
        for r in top:
            ev = str(r.get("evidence") or "")
            table.append([r.get("text"), f.value(r.get("metric"), r.get("value"), d.currency(r.get("region")),
                                                 d.money_objective(r.get("region"))),
                          (d.evidence_label(ev), ev) if ev else "–"])
        self.table(s, 0.5, 1.6, 12.3, table, [8.2, 1.7, 2.4], size=11, name="findings", row_h=0.5)
        self._more_note(s, len(top), len(rows), "findings")

    def actions(self) -> None:
        """One slide: the engagement's actions, then the first action of each region."""
        d = self.data
        rows, derived = actions(d)
        s = self.slide(d.t("deliv.actions_title"), "actions", d.t("deliv.derived_note") if derived else None)
        if not rows:
            self.no_data(s)
            return
        top = headline(rows, MAX_ACTIONS) if not derived else rows[:MAX_ACTIONS]
        table = [[d.t("deliv.col_for"), d.t("deliv.col_what"), d.t("deliv.col_owner"), d.t("deliv.col_kpi"),
                  d.t("deliv.col_target"), d.t("deliv.col_due")]]
        for r in top:
            table.append([_scope(d, r.get("region")) or "–", r.get("what"), r.get("owner") or "–",
                          _metric_label(d, r.get("kpi")) or "–", _plain(r.get("target"), d) or "–", r.get("due") or "–"])
        self.table(s, 0.5, 1.6, 12.3, table, [1.0, 4.0, 1.7, 2.0, 2.5, 1.1], size=11, name="actions", row_h=0.5)
        self._more_note(s, len(top), len(rows), "actions")

    def region_kpis(self, region: str) -> None:
        d, f = self.data, self.data.fmt
        s = self.slide(d.t("deliv.kpis_title", region=d.region_label(region)), f"region:{region}:kpis")
        rows = kpi_rows(d, region)
        if not rows:
            self.no_data(s)
            return
        n = len(rows)
        gap_w = 0.25
        w = (12.3 - gap_w * (n - 1)) / n
        for i, r in enumerate(rows):
            x = 0.5 + i * (w + gap_w)
            self.rect(s, x, 1.9, w, 3.6, "F3F6F9", name=f"card:{r['key']}")
            self.rect(s, x, 1.9, w, 0.08, PALETTE[0])
            self.text(s, x + 0.15, 2.1, w - 0.3, 0.8, [r["label"]], size=14, bold=True, color=MUTED,
                      name=f"label:{r['key']}")
            self.text(s, x + 0.15, 2.85, w - 0.3, 1.0, [f.kpi(r["key"], r["value"])], size=36, bold=True,
                      color=PALETTE[0], name=f"value:{r['key']}")
            lines = []
            if Formatter.ok(r["lo"]) and Formatter.ok(r["hi"]):
                lines.append((d.t("deliv.ci", lo=f.kpi(r["key"], r["lo"]), hi=f.kpi(r["key"], r["hi"])),
                              {"size": 11, "color": MUTED}))
            if r["target"] is not None:
                good = (r["gap"] <= 0) if r["key"] in LOWER_IS_BETTER else (r["gap"] >= 0)
                lines.append((d.t("deliv.vs_target", kind=r["target_kind"], target=f.kpi(r["key"], r["target"]),
                                  gap=f.gap(r["key"], r["gap"])), {"size": 12, "bold": True, "color": GOOD if good else BAD}))
            else:
                lines.append((d.t("deliv.no_target"), {"size": 12, "color": MUTED}))
            self.text(s, x + 0.15, 4.0, w - 0.3, 1.4, lines, name=f"detail:{r['key']}")
        dx = d.res(region, "03_diagnostics")
        if dx is not None:
            self.text(s, 0.5, 5.8, 12.3, 0.5, [d.t("deliv.label_value", label=d.t("deliv.kpi_n"), value=f"{dx.n:,}")],
                      size=12, color=MUTED, name="n")

    def region_drivers(self, region: str) -> None:
        d, f = self.data, self.data.fmt
        dx = d.res(region, "03_diagnostics")
        rows = driver_rows(d, region)
        sub = d.t("deliv.drivers_note", r2=f.num(dx.r2, 2)) if rows and dx is not None else None
        s = self.slide(d.t("deliv.drivers_title", region=d.region_label(region)), f"region:{region}:drivers", sub)
        if not rows:
            self.no_data(s)
            return
        top = rows[:8]
        self.bar_chart(s, 0.5, 1.8, 7.2, 5.0, [r["label"] for r in top],
                       [(d.t("deliv.driver_weight"), [r["weight"] for r in top])], number_format="0%",
                       name="drivers_chart")
        table = [[d.t("deliv.col_driver"), d.t("deliv.col_weight"), d.t("deliv.col_performance"), d.t("deliv.col_ipa")]]
        for r in rows[:3]:
            table.append([r["label"], f.pct(r["weight"], 0), f.num(r["performance"]), r["ipa"] or "–"])
        self.table(s, 8.0, 2.0, 4.8, table, [1.4, 1.0, 1.1, 1.3], size=12, name="drivers_top3", row_h=0.55)

    def region_causes_roi(self, region: str) -> None:
        d, f = self.data, self.data.fmt
        s = self.slide(d.t("deliv.causes_roi_title", region=d.region_label(region)), f"region:{region}:causes_roi")
        self.text(s, 0.5, 1.4, 6.0, 0.5, [d.t("deliv.pareto_title")], size=16, bold=True, color=PALETTE[0])
        causes = cause_rows(d, region)[:3]
        if causes:
            table = [["#", d.t("deliv.col_category"), d.t("deliv.col_count"), d.t("deliv.col_share"), d.t("deliv.col_cum")]]
            for r in causes:
                table.append([str(r["rank"]), r["label"], f"{r['n']:,}", f.pct(r["share"], 0), f.pct(r["cum"], 0)])
            self.table(s, 0.5, 2.0, 6.0, table, [0.5, 1.9, 1.1, 1.2, 1.3], size=13, name="pareto", row_h=0.55)
        else:
            self.no_data(s, 2.0)
        self.text(s, 7.0, 1.4, 5.8, 0.5, [d.t("deliv.roi_title")], size=16, bold=True, color=PALETTE[0])
        roi = d.res(region, "05_roi")
        if roi is None:
            self.no_data(s, 2.0)
            return
        cards = [("npv", d.t("deliv.roi_npv"), f.money(roi.npv, roi.currency)),
                 ("roi_ratio", d.t("deliv.roi_ratio"), f.ratio(roi.roi_ratio)),
                 ("payback", d.t("deliv.roi_payback"), f.months(roi.payback_month))]
        for i, (key, label, value) in enumerate(cards):
            y = 2.0 + i * 1.35
            self.rect(s, 7.0, y, 5.8, 1.2, "F3F6F9")
            self.text(s, 7.2, y + 0.1, 5.4, 0.4, [label], size=13, bold=True, color=MUTED, name=f"label:{key}")
            self.text(s, 7.2, y + 0.45, 5.4, 0.7, [value], size=26, bold=True, color=PALETTE[0], name=f"value:{key}")
        if Formatter.ok(roi.p_npv_positive):
            self.text(s, 7.0, 6.1, 5.8, 0.5, [d.t("deliv.label_value", label=d.t("deliv.roi_p_npv"),
                                                 value=f.pct(roi.p_npv_positive, 0))],
                      size=12, color=MUTED, name="p_npv")

    def region_allocation(self, region: str) -> None:
        d, f = self.data, self.data.fmt
        a = d.res(region, "06_allocation")
        sub = None
        if a is not None:
            value = (d.t("deliv.alloc_value", value=f.money(a.optimal_value, a.currency))
                     if Formatter.ok(a.optimal_value) else "")
            sub = d.t("deliv.alloc_summary", budget=f.money(a.budget, a.currency), points=f.num(a.optimal_points),
                      value=value)
        s = self.slide(d.t("deliv.allocation_title", region=d.region_label(region)), f"region:{region}:allocation", sub)
        rows = allocation_rows(d, region)
        if not rows:
            self.no_data(s)
            return
        div, unit = f.money_unit(a.currency)
        self.bar_chart(s, 0.5, 1.8, 8.2, 5.1, [r["label"] for r in rows],
                       [(d.t("deliv.alloc_current"), [round((r["current"] or 0) / div, 2) for r in rows]),
                        (d.t("deliv.alloc_optimal"), [round(r["optimal"] / div, 2) for r in rows])],
                       number_format="#,##0", name="allocation_chart", legend=True)
        self.text(s, 0.5, 6.55, 8.2, 0.35, [d.t("deliv.alloc_chart", unit=unit)], size=10, color=MUTED)
        table = [[d.t("deliv.col_lever"), d.t("deliv.alloc_change")]]
        moved = [r for r in rows if r["change"] is not None]
        top = moved[:3] + [r for r in moved[::-1][:3] if r not in moved[:3]]
        for r in top:
            sign = "+" if r["change"] > 0 else ""
            table.append([r["label"], sign + f.money(r["change"], a.currency)])
        self.table(s, 9.0, 2.0, 3.8, table, [2.2, 1.6], size=11, name="allocation_shift", row_h=0.5)

    def appendix(self) -> None:
        d = self.data
        s = self.slide(d.t("deliv.appendix_title"), "appendix", d.t("deliv.appendix_note"))
        nbs = sorted({nb for r in d.regions for nb in d.playbooks.get(r, [])})
        lines: list[Any] = []
        if SUMMARY_NOTEBOOK in d.playbooks.get(ENGAGEMENT_DIR, []):
            lines.append((d.notebook_label(SUMMARY_NOTEBOOK),
                          {"link": f"{ENGAGEMENT_DIR}/{SUMMARY_NOTEBOOK}.html", "bold": True, "color": PALETTE[0]}))
        if lines:
            self.text(s, 0.5, 1.75, 12.3, 0.45, lines, size=14, name="summary_link")
        if not nbs:
            if not lines:
                self.no_data(s)
            return
        table = [[d.t("deliv.col_region")] + [d.notebook_label(nb) for nb in nbs]]
        for r in d.regions:
            row: list[Any] = [d.region_label(r)]
            for nb in nbs:
                row.append((d.notebook_label(nb), f"{r}/{nb}.html") if nb in d.playbooks.get(r, []) else "–")
            table.append(row)
        w = 12.3
        first = 1.3
        rest = (w - first) / len(nbs)
        self.table(s, 0.5, 2.3, w, table, [first] + [rest] * len(nbs), size=10, name="playbooks", row_h=0.5)

    def save(self, path: Path) -> Path:
        from .report import atomic_path

        with atomic_path(path) as tmp:
            self.prs.save(str(tmp))
        return path


def _clean(text: Any) -> str:
    """Text safe for XML (control characters other than tab/newline removed)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", str(text))


MAX_ROWS = 7      # rows of the findings slide (one sentence each, up to three lines)
MAX_ACTIONS = 6   # rows of the actions slide (six columns: more lines per row)


def headline(rows: list[dict[str, Any]], k: int = MAX_ROWS) -> list[dict[str, Any]]:
    """What one slide shows of the summary's findings or actions (most important first within each part): every
    engagement-wide row, then the first row of each region, then the regions' next rows, up to ``k``."""
    eng = [r for r in rows if r.get("region") in (None, ENGAGEMENT_DIR)]
    firsts: dict[str, dict] = {}
    for r in rows:
        if r.get("region") not in (None, ENGAGEMENT_DIR):
            firsts.setdefault(r["region"], r)
    picked = eng[:k]
    picked += list(firsts.values())[: k - len(picked)]
    picked += [r for r in rows if r not in picked][: k - len(picked)]
    return sorted(picked, key=lambda r: next(i for i, x in enumerate(rows) if x is r))


def _scope(data: RunData, region: str | None) -> str | None:
    """The region a finding or action is for, as a label (the engagement: "All regions")."""
    if not region:
        return None
    return data.region_label("_all" if region == ENGAGEMENT_DIR else region)


def _metric_label(data: RunData, metric: Any) -> str:
    """A metric named by a KPI key gets its label; any other text is shown as given."""
    if metric is None:
        return ""
    m = str(metric)
    alias = {"csat_0_100": "csat", "satisfaction_0_100": "satisfaction", "top2": "top2", "top_box": "top2",
             "nps": "nps", "ces": "ces", "npv": "roi_npv", "roi_ratio": "roi_ratio", "payback_month": "roi_payback",
             "p_npv_positive": "roi_p_npv", "irr": "roi_irr"}
    base = m.split(".")[-1]
    if base in alias:
        key = f"deliv.kpi_{alias[base]}" if not alias[base].startswith("roi_") else f"deliv.{alias[base]}"
        return data.t(key)
    return m


def _plain(v: Any, data: RunData) -> str:
    if v is None:
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return data.fmt.num(v, 0 if float(v).is_integer() else 1)
    return str(v)


def _join_evidence(ev: Any) -> str:
    if ev is None:
        return ""
    if isinstance(ev, (list, tuple)):
        return "; ".join(str(e) for e in ev if e is not None)
    if isinstance(ev, dict):
        return "; ".join(f"{v}" for v in ev.values() if v is not None)
    return str(ev)


def build_deck(out_dir: str | Path, language: str, *, data: RunData | None = None) -> Path:
    """Write ``<out>/playbook.pptx`` from the run folder's validated results; return its path."""
    data = data or collect(out_dir, language)
    deck = _Deck(data)
    deck.cover()
    deck.findings()
    deck.actions()
    for r in data.regions:
        deck.region_kpis(r)
        deck.region_drivers(r)
        deck.region_causes_roi(r)
        deck.region_allocation(r)
    deck.appendix()
    return deck.save(Path(out_dir) / DECK_NAME)


# =========================================================================== workbook
FMT_PCT, FMT_MONEY, FMT_PTS, FMT_P, FMT_INT, FMT_RATIO = "0.0%", "#,##0", "#,##0.0", "0.000", "#,##0", '"1:"0.00'
KPI_FMT = {"csat": FMT_PTS, "satisfaction": FMT_PTS, "top2": FMT_PCT, "nps": FMT_PTS, "ces": "0.00"}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: an evidence link of the summary: relative, inside the run folder (no scheme, no absolute path, no "..")
_RELATIVE_LINK = re.compile(r"(?!.*\.\.)[A-Za-z0-9_][\w./-]*\.html(#[\w.-]*)?")


def value_format(metric: str | None, money_objective: bool = True) -> str:
    """Number format of a finding's value from its metric id (as :meth:`Formatter.value` formats it).

    >>> value_format("driver_weight:value"), value_format("npv"), value_format("_all.nps"), value_format("alpha:x")
    ('0.0%', '#,##0', '#,##0.0', '0.00')
    """
    m = (metric or "").lower()
    kind, _, sub = m.replace("_all.", "all:").partition(":")
    if kind in ("driver_weight", "category_share") or any(w in (sub or kind) for w in ("top2", "top_box", "share",
                                                                                         "p_npv")):
        return FMT_PCT
    if kind == "alpha" or "kappa" in m:
        return "0.00"
    if kind in ("npv", "npv_total", "pv_benefit", "pv_cost", "budget") or (
            money_objective and kind in ("allocation.optimal_objective", "optimal_total", "optimal_value")):
        return FMT_MONEY
    return FMT_PTS


def put(ws: Any, row: int, col: int, value: Any, number_format: str | None = None) -> Any:
    """Write one cell: a number with its number format, text always as text.

    Text from the data is never a formula: openpyxl would write a string starting with ``=`` as one, so the
    cell type is forced to string, and text starting with ``=``, ``+``, ``-``, ``@`` gets Excel's quote prefix
    (shown and edited as text, also after a copy into another sheet). NaN/inf become empty cells.
    """
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        cell.value = None
        return cell
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)):
        cell.value = value
        if number_format:
            cell.number_format = number_format
        return cell
    text = _ILLEGAL.sub("", str(value))
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


class _Book:
    def __init__(self, data: RunData):
        from openpyxl import Workbook

        self.data = data
        self.wb = Workbook()
        self.sheets: list[tuple[str, str]] = []     # (sheet title, description)

    def sheet(self, key: str, headers: list[str], rows: Iterable[list[tuple[Any, str | None]]]) -> Any:
        """A data sheet: styled, frozen header row, auto filter, column widths from the content."""
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter

        d = self.data
        ws = self.wb.create_sheet(_sheet_title(d.t(f"deliv.sheet_{key}")))
        self.sheets.append((ws.title, d.t(f"deliv.about_{key}")))
        head_font = Font(bold=True, color="FFFFFF")
        fill = PatternFill("solid", fgColor=PALETTE[0])
        widths = [_width(h) for h in headers]
        for j, h in enumerate(headers, 1):
            c = put(ws, 1, j, h)
            c.font, c.fill = head_font, fill
            c.alignment = Alignment(vertical="center", wrap_text=True)
        n = 1
        for i, row in enumerate(rows, 2):
            n = i
            for j, (v, fmt, *link) in enumerate(row, 1):
                c = put(ws, i, j, v, fmt)
                if isinstance(v, str) and _width(v) > 60:
                    c.alignment = Alignment(wrap_text=True, vertical="top")
                if link and link[0]:
                    c.hyperlink = link[0]          # relative to the workbook, which sits in the run folder
                    c.font = Font(color=PALETTE[0], underline="single")
                widths[j - 1] = max(widths[j - 1], _width(v, fmt))
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = min(60, w + 2)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(n, 1)}"
        return ws

    def readme(self) -> None:
        from openpyxl.styles import Alignment, Font

        d = self.data
        ws = self.wb.active
        ws.title = _sheet_title(d.t("deliv.sheet_readme"))
        put(ws, 1, 1, d.t("deliv.workbook_title")).font = Font(bold=True, size=16, color=PALETTE[0])
        meta = [("deliv.client", d.client), ("deliv.engagement", d.engagement), ("deliv.wave", d.wave),
                ("deliv.date", d.date), ("deliv.language", d.t("deliv.language_name")),
                ("deliv.tool", f"cxkit {__version__}")]
        for i, (k, v) in enumerate(meta, 3):
            put(ws, i, 1, d.t(k)).font = Font(bold=True)
            put(ws, i, 2, v)
        r = 3 + len(meta) + 1
        put(ws, r, 1, d.t("deliv.readme_intro")).alignment = Alignment(wrap_text=False)
        r += 2
        put(ws, r, 1, d.t("deliv.readme_contents")).font = Font(bold=True)
        put(ws, r, 2, d.t("deliv.readme_what")).font = Font(bold=True)
        for title, about in self.sheets:
            r += 1
            c = put(ws, r, 1, title)
            c.hyperlink = f"#'{title}'!A1"
            c.font = Font(color=PALETTE[0], underline="single")
            put(ws, r, 2, about)
        ws.column_dimensions["A"].width = 24
        ws.column_dimensions["B"].width = 70

    def save(self, path: Path) -> Path:
        from .report import atomic_path

        with atomic_path(path) as tmp:
            self.wb.save(str(tmp))
        return path


def _sheet_title(name: str) -> str:
    """An Excel sheet name: no []:*?/\\, at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"


def _width(v: Any, fmt: str | None = None) -> int:
    """Display width of a cell: CJK characters count twice, numbers by their formatted length."""
    if v is None:
        return 4
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return 14 if fmt in (FMT_MONEY,) else 10
    s = str(v)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def build_workbook(out_dir: str | Path, language: str, *, data: RunData | None = None) -> Path:
    """Write ``<out>/tables.xlsx`` from the run folder's validated results; return its path."""
    data = data or collect(out_dir, language)
    d = data
    book = _Book(d)
    regs = d.regions
    rl = d.region_label

    def kpis():
        for r in regs:
            for k in kpi_rows(d, r):
                fmt = KPI_FMT[k["key"]]
                yield [(rl(r), None), (k["label"], None), (k["value"], fmt), (k["lo"], fmt), (k["hi"], fmt),
                       (k["target_kind"], None), (k["target"], fmt), (k["gap"], fmt), (k["p"], FMT_P)]
        whole = d.summary.kpis.get("_all") if d.summary is not None else None
        if whole is not None:
            for key, v, lo, hi in (("csat", whole.csat_0_100, whole.csat_lo, whole.csat_hi),
                                   ("top2", whole.top2, whole.top2_lo, whole.top2_hi),
                                   ("nps", whole.nps, whole.nps_lo, whole.nps_hi)):
                if Formatter.ok(v):
                    fmt = KPI_FMT[key]
                    yield [(rl("_all"), None), (d.t(f"deliv.kpi_{key}"), None), (v, fmt), (lo, fmt), (hi, fmt),
                           (None, None), (None, None), (None, None), (None, None)]

    book.sheet("kpis", [d.t("deliv.col_region"), d.t("deliv.col_kpi_name"), d.t("deliv.col_value"),
                        d.t("deliv.col_ci_low"), d.t("deliv.col_ci_high"), d.t("deliv.col_target_kind"),
                        d.t("deliv.col_target"), d.t("deliv.col_gap"), d.t("deliv.col_p")], kpis())
    book.sheet("drivers", [d.t("deliv.col_region"), d.t("deliv.col_rank"), d.t("deliv.col_driver"),
                           d.t("deliv.col_weight"), d.t("deliv.col_ci_low"), d.t("deliv.col_ci_high"),
                           d.t("deliv.col_performance"), d.t("deliv.col_ipa")],
               ([(rl(r), None), (x["rank"], FMT_INT), (x["label"], None), (x["weight"], FMT_PCT), (x["lo"], FMT_PCT),
                 (x["hi"], FMT_PCT), (x["performance"], FMT_PTS), (x["ipa"], None)]
                for r in regs for x in driver_rows(d, r)))
    book.sheet("causes", [d.t("deliv.col_region"), d.t("deliv.col_rank"), d.t("deliv.col_category"),
                          d.t("deliv.col_count"), d.t("deliv.col_share"), d.t("deliv.col_cum")],
               ([(rl(r), None), (x["rank"], FMT_INT), (x["label"], None), (x["n"], FMT_INT), (x["share"], FMT_PCT),
                 (x["cum"], FMT_PCT)] for r in regs for x in cause_rows(d, r)))

    def roi():
        for r in regs:
            x = d.res(r, "05_roi")
            if x is not None:
                yield [(rl(r), None), (x.currency, None), (x.npv, FMT_MONEY), (x.roi_ratio, FMT_RATIO),
                       (x.irr, FMT_PCT), (x.payback_month, FMT_INT), (x.p_npv_positive, FMT_PCT),
                       (x.pv_benefit, FMT_MONEY), (x.pv_cost, FMT_MONEY), (x.total_investment, FMT_MONEY),
                       (x.npv_p10, FMT_MONEY), (x.npv_p90, FMT_MONEY), (x.horizon_months, FMT_INT)]

    book.sheet("roi", [d.t("deliv.col_region"), d.t("deliv.col_currency"), d.t("deliv.roi_npv"), d.t("deliv.roi_ratio"),
                       d.t("deliv.roi_irr"), d.t("deliv.col_payback_months"),
                       d.t("deliv.roi_p_npv"), d.t("deliv.roi_pv_benefit"), d.t("deliv.roi_pv_cost"),
                       d.t("deliv.roi_investment"), d.t("deliv.roi_npv_p10"), d.t("deliv.roi_npv_p90"),
                       d.t("deliv.roi_horizon")], roi())

    def alloc():
        for r in regs:
            a = d.res(r, "06_allocation")
            for x in allocation_rows(d, r):
                yield [(rl(r), None), (x["label"], None), (x["dimension"], None), (x["tier"], None),
                       (a.currency, None), (x["current"], FMT_MONEY), (x["optimal"], FMT_MONEY),
                       (x["change"], FMT_MONEY), (x["status"], None)]

    book.sheet("allocation", [d.t("deliv.col_region"), d.t("deliv.col_lever"), d.t("deliv.col_dimension"),
                              d.t("deliv.col_tier"), d.t("deliv.col_currency"), d.t("deliv.alloc_current"),
                              d.t("deliv.alloc_optimal"), d.t("deliv.alloc_change"), d.t("deliv.col_status")], alloc())
    def evidence(x: dict) -> tuple[str | None, None, str | None]:
        ev = _join_evidence(x.get("evidence"))
        link = ev if _RELATIVE_LINK.fullmatch(ev) else None
        return (d.evidence_label(ev) if ev else None), None, link

    fs, derived_f = findings(d)
    if not derived_f:
        book.sheet("findings", ["#", d.t("deliv.col_for"), d.t("deliv.col_finding"), d.t("deliv.col_value"),
                                d.t("deliv.col_metric_id"), d.t("deliv.col_evidence")],
                   ([(i, FMT_INT), (_scope(d, x.get("region")), None), (x.get("text"), None),
                     (x.get("value"), value_format(x.get("metric"), d.money_objective(x.get("region")))),
                     (x.get("metric"), None), evidence(x)] for i, x in enumerate(fs, 1)))
    acts, derived_a = actions(d)
    if not derived_a:
        book.sheet("actions", ["#", d.t("deliv.col_for"), d.t("deliv.col_what"), d.t("deliv.col_owner"),
                               d.t("deliv.col_kpi"), d.t("deliv.col_target"), d.t("deliv.col_due"),
                               d.t("deliv.col_evidence")],
                   ([(i, FMT_INT), (_scope(d, x.get("region")), None), (x.get("what"), None), (x.get("owner"), None),
                     (_metric_label(d, x.get("kpi")), None), (_plain(x.get("target"), d), None), (x.get("due"), None),
                     evidence(x)] for i, x in enumerate(acts, 1)))
    book.readme()
    return book.save(Path(out_dir) / WORKBOOK_NAME)


def build_all(out_dir: str | Path, language: str) -> tuple[dict[str, str], list[str]]:
    """Build the deck and the workbook; return ({"deck": name, "workbook": name} of those built, warnings).

    Never raises: a deliverable that cannot be built is left out and its error is one of the warnings (the run's
    playbooks stand on their own); results files that do not match their model are warnings too.
    """
    out = Path(out_dir)
    built: dict[str, str] = {}
    warnings: list[str] = []
    try:
        data = collect(out, language)
    except Exception as exc:  # noqa: BLE001 - reported in the manifest, never fails the run
        return built, [f"deliverables: cannot read the run folder ({type(exc).__name__}: {exc})"]
    warnings += [f"deliverables: left out a results file that does not match its model: {p}" for p in data.problems]
    for key, fn, name in (("deck", build_deck, DECK_NAME), ("workbook", build_workbook, WORKBOOK_NAME)):
        try:
            built[key] = fn(out, language, data=data).name
        except Exception as exc:  # noqa: BLE001
            (out / name).unlink(missing_ok=True)     # an older run's copy would mislead
            warnings.append(f"deliverables: the {key} could not be built ({type(exc).__name__}: {exc})")
    return built, warnings
