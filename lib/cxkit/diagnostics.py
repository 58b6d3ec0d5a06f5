"""Parameters of notebook 03 (diagnostics): the ``diagnostics:`` section of ``engagement.yaml``.

Kept light to import (stdlib + pydantic): :mod:`cxkit.config` imports it to
validate the section before any kernel starts. The computations live in
:mod:`cxkit.metrics`, :mod:`cxkit.tiers` and :mod:`cxkit.drivers`.

Example
-------
>>> DiagnosticsParams.model_validate({}).driver_outcome is None     # the satisfaction outcome
True
>>> from pydantic import ValidationError
>>> try:
...     DiagnosticsParams.model_validate({"kpi_composite": {"weights": {"satisfaction": 0.5, "nps": 0.4}}})
... except ValidationError as exc:
...     print(exc.errors()[0]["msg"])
Value error, the weights sum to 0.9, they must sum to 1 (satisfaction 0.5, nps 0.4)
"""
from __future__ import annotations

from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _sum_to_one(v: dict[str, float], tol: float = 1e-6) -> dict[str, float]:
    neg = [k for k, w in v.items() if w < 0]
    if neg:
        raise ValueError(f"negative weight(s) for {', '.join(neg)}")
    s = sum(v.values())
    if abs(s - 1) > tol:
        raise ValueError(f"the weights sum to {s:.4g}, they must sum to 1 ("
                         + ", ".join(f"{k} {w:g}" for k, w in v.items()) + ")")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KpiCompositeParams(_Strict):
    """Weighted KPI composite (doc 002). ``values``: operational KPIs as 0–1 shares or 0–100 scores.

    ``satisfaction`` (CSAT 0–100) and ``nps`` ((NPS + 100) / 2) come from the survey
    unless given here. The composite is skipped (with a note) when a weighted KPI has no value.
    """

    weights: dict[str, float] = Field(default_factory=lambda: {
        "timeliness": 0.20, "flow_efficiency": 0.15, "compliance": 0.15,
        "satisfaction": 0.25, "fcr": 0.15, "nps": 0.10})
    values: dict[str, float] = Field(default_factory=dict)
    grades: tuple[float, float, float] = (80.0, 90.0, 95.0)

    @field_validator("weights")
    @classmethod
    def _w(cls, v):
        return _sum_to_one(v)

    @field_validator("values")
    @classmethod
    def _values_range(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, x in v.items() if not 0 <= x <= 100]
        if bad:
            raise ValueError(f"KPI values must be 0–1 shares or 0–100 scores; out of range: {', '.join(bad)}")
        return v

    @field_validator("grades")
    @classmethod
    def _grades_order(cls, v):
        if not v[0] < v[1] < v[2]:
            raise ValueError(f"grade lines must increase (pass < excellent < outstanding), got {list(v)}")
        return v


class TierScoreParams(_Strict):
    """Composite tier score (doc 003): component weights, data columns, need-profile scores."""

    enabled: bool = True
    weights: dict[str, float] = Field(default_factory=lambda: {
        "value": 0.40, "interaction": 0.25, "need": 0.20, "loyalty": 0.15})
    columns: dict[str, str | None] = Field(default_factory=dict)
    need_scores: dict[str, float] = Field(default_factory=lambda: {
        "experience": 100.0, "efficiency": 70.0, "price": 40.0})

    @field_validator("weights")
    @classmethod
    def _keys(cls, v):
        need = {"value", "interaction", "need", "loyalty"}
        if set(v) != need:
            raise ValueError(f"weights must be given for exactly {', '.join(sorted(need))}")
        return _sum_to_one(v)

    @field_validator("columns")
    @classmethod
    def _cols(cls, v):
        known = {"spend", "aov", "repurchase", "interactions", "need", "nps", "complaint", "churn"}
        bad = set(v) - known
        if bad:
            raise ValueError(f"unknown column role(s) {', '.join(sorted(bad))}; known: {', '.join(sorted(known))}")
        return v


class AlertRule(_Strict):
    """Raise an alert when ``metric`` (0–100) falls below ``below`` — overall, or for one tier."""

    metric: Literal["satisfaction", "csat_0_100", "top_box", "nps", "nps_0_100", "ces_ease_0_100", "overall"] = "csat_0_100"
    below: float
    tier: str | None = None


class DiagnosticsParams(_Strict):
    """Settings of notebook 03. Every field has a default, so ``diagnostics: {}`` is valid."""

    confidence: float = Field(0.95, gt=0.5, lt=1)
    top_box: int = Field(2, ge=1, le=3)
    min_group_n: int = Field(30, ge=5)
    padjust: Literal["holm", "bonferroni", "fdr_bh", "sidak", "hommel"] = "holm"
    segments: list[str] = Field(default_factory=list)   # extra segment columns (besides survey.segment_column)
    # key drivers
    driver_outcome: str | None = Field(None, description="outcome of the key-driver model (default: the "
                                       "satisfaction outcome: overall, else csat, else nps, else ces)")
    binary_outcome: Literal["promoter", "satisfied", "none"] = "promoter"
    driver_level: Literal["scales", "items"] = "scales"
    drop_flagged_items: bool = Field(True, description="leave out of the scale scores the items 02 recommends "
                                     "dropping (each is named in a note); false keeps the scales as declared")
    n_boot: int = Field(300, ge=0, le=5000)
    min_driver_n: int = Field(150, ge=20)        # per tier
    min_driver_n_total: int = Field(50, ge=10, description="key drivers need at least this many complete "
                                    "respondents, and 10 per driver (Harrell 2015's events-per-variable rule)")
    ipa_cross: Literal["mean", "median"] = "mean"
    ipa_min_spread: float = Field(2.0, ge=0)   # warn when driver performance spans fewer 0-100 points
    # tiers
    spend_column: str | None = "annual_spend"
    spend_bands: dict[str, float] = Field(default_factory=lambda: {
        "platinum": 50_000.01, "gold": 10_000.0, "ordinary": 1_000.0, "potential": 0.0})
    tier_score: TierScoreParams = Field(default_factory=TierScoreParams)
    tier_shares: dict[str, float] | None = None
    stated_overall: float | None = Field(None, ge=0, le=100)
    overall_tolerance: float = Field(0.5, ge=0)
    # alerts, benchmarks, composite
    alerts: list[AlertRule] | None = None
    benchmarks: dict[str, float] | None = None
    kpi_composite: KpiCompositeParams = Field(default_factory=KpiCompositeParams)
    # Kano / SERVQUAL
    kano_prefix: tuple[str, str] = ("kano_f_", "kano_d_")
    expectation_prefix: str = "exp_"

    @field_validator("tier_shares")
    @classmethod
    def _shares(cls, v):
        if v is None:
            return v
        s = sum(v.values())
        if any(x < 0 for x in v.values()) or abs(s - 1) > 0.01:
            raise ValueError(f"tier shares must be ≥ 0 and sum to 1, they sum to {s:.4g}")
        return v

    @model_validator(mode="after")
    def _bands(self):
        if self.spend_bands and min(self.spend_bands.values()) != 0:
            raise ValueError("spend_bands: the lowest tier must start at 0 so that every customer gets a band")
        return self


def show_table(pb, frame, *, prefix: str = "col_", percent=(), ints=("n",), digits: int = 1, **per_col: int) -> str:
    """Display ``frame`` through ``pb.table`` with translated headers and per-column decimals.

    A header is the first i18n string found among ``diag.<prefix><column>``,
    ``diag.col_<column>`` and ``dim.<column>`` (else the column name). Columns in
    ``ints`` get 0 decimals, columns named in ``per_col`` their own, others ``digits``.
    """
    from . import i18n

    names = {c: next((pb.t(key) for key in (f"diag.{prefix}{c}", f"diag.col_{c}", f"dim.{c}")
                      if i18n.has(key)), str(c)) for c in frame.columns}
    dg = {names[c]: per_col.get(str(c), 0 if c in ints else digits) for c in frame.columns}
    return pb.table(frame.rename(columns=names), percent=[names[c] for c in percent if c in names], digits=dg)


def driver_level(survey: Mapping[str, Any], requested: str, scales: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The driver level notebook 03 can use: ``(level, note key)``.

    ``scales`` needs ≥ 2 scales, ``items`` ≥ 2 items in ``survey.drivers``. When the requested level is not
    possible and the other is, the other is used (note ``driver_level_switched``); when neither is, the key
    driver sections are not applicable (``(None, "no_drivers")``).

    >>> driver_level({"drivers": ["a", "b"]}, "scales", {})
    ('items', 'driver_level_switched')
    >>> driver_level({}, "scales", {"s": {}})
    (None, 'no_drivers')
    """
    ok = {"scales": len(scales) >= 2, "items": len(survey.get("drivers") or []) >= 2}
    if ok.get(requested):
        return requested, None
    other = "items" if requested == "scales" else "scales"
    if ok[other]:
        return other, "driver_level_switched"
    return None, "no_drivers"


def _no_driver_results(pb, outcome: str, level: str) -> None:
    """The driver keys of docs/results.md when the key-driver sections do not run: empty, with ``r2`` null."""
    for key in ("driver_weights", "driver_weights_ci", "driver_performance", "driver_dominance",
                "tier_driver_weights", "ipa"):
        pb.result(key, {})
    pb.result("driver_outcome", outcome)
    pb.result("driver_level", level)
    pb.result("r2", None)


def driver_sections(pb, df, survey: Mapping[str, Any], scales: Mapping[str, Any], P: Mapping[str, Any], *,
                    outcomes: Mapping[str, str], seg: str | None, order, conf: float, top_box: int) -> None:
    """Notebook 03's key-driver sections: relative weights and dominance, the other outcomes, drivers per tier,
    importance–performance analysis (IPA) overall and per tier; results keys as docs/results.md says.

    Without two scales or two driver items the sections are not applicable: one note, empty driver keys and
    ``r2`` null, instead of a failed playbook (a survey with outcomes only still gets its KPIs and tiers).
    """
    import pandas as pd

    from . import drivers
    from .errors import AnalysisError
    from .report import fmt_num, fmt_pct

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    def show(frame, **kw):
        return show_table(pb, frame, **kw)

    def dlabel(d: str) -> str:
        return pb.scale_label(d)

    from .metrics import satisfaction_column

    pb.h2(T("sec_drivers"))
    P = {**P, "driver_outcome": P.get("driver_outcome") or satisfaction_column(outcomes)[0]}
    level, why = driver_level(survey, P["driver_level"], scales)
    if level is None:
        pb.note(T("no_drivers"), "info")
        _no_driver_results(pb, P["driver_outcome"], P["driver_level"])
        return
    if why:
        pb.note(T(why, requested=T(f"level_{P['driver_level']}"), used=T(f"level_{level}")), "info")
    X = drivers.driver_data(df, {**survey, "scales": scales}, level)
    lo, hi = survey["scale_range"]
    y = drivers.outcome_series(df, survey, P["driver_outcome"], top_box=top_box)
    n_ok = int((X.notna().all(axis=1) & y.notna()).sum())
    need = max(int(P.get("min_driver_n_total", 50)), 10 * X.shape[1])
    if n_ok < need:     # n = 5 must not get a driver ranking (R² 0.94 of noise) nor an IPA recommendation
        pb.note(T("drivers_small_n", n=n_ok, need=need, k=X.shape[1]), "warn")
        _no_driver_results(pb, P["driver_outcome"], level)
        return
    kd = drivers.key_drivers(X, y, outcome=P["driver_outcome"], n_boot=P["n_boot"], conf=conf, seed=pb.params["seed"])
    perf = drivers.performance_0_100(X, lo, hi)
    if "dominance" not in kd:
        pb.note(T("no_dominance", p=X.shape[1]), "info")
    pb.p(T("drivers_text", outcome=pb.label(f"diag.outcome_{P['driver_outcome']}", P["driver_outcome"]),
           r2=fmt_num(kd.attrs["r2"], 3), n=f"{kd.attrs['n']:,}", level=T(f"level_{level}"), boot=P["n_boot"]))
    pb.figure(drivers.plot_weights(kd, labels=[dlabel(d) for d in kd["driver"]], title=T("weights_title"),
                                   xlabel=T("weights_x")), alt=T("weights_title"))
    show(kd.drop(columns=["raw"]).assign(driver=kd["driver"].map(dlabel), performance=kd["driver"].map(perf)),
         percent=["rescaled", "ci_low", "ci_high", "dominance_share"], ints=("rank",), dominance=3)
    pb.result("driver_weights", dict(zip(kd["driver"], kd["rescaled"])))
    pb.result("driver_weights_ci", {d: [lo_, hi_] for d, lo_, hi_ in zip(kd["driver"], kd.get("ci_low", kd["rescaled"]),
                                                                          kd.get("ci_high", kd["rescaled"]))})
    pb.result("driver_performance", perf)
    pb.result("driver_dominance", dict(zip(kd["driver"], kd["dominance_share"])) if "dominance_share" in kd else {})
    pb.result("driver_outcome", P["driver_outcome"])
    pb.result("driver_level", level)
    pb.result("r2", kd.attrs["r2"])

    # the same drivers for the other outcomes (continuous and binary)
    others = [o for o in ["overall", "csat", "nps"] if o in outcomes and o != P["driver_outcome"]]
    if P["binary_outcome"] != "none":
        others.append(P["binary_outcome"])
    comp_rows = {}
    for o in others:
        try:
            t = drivers.key_drivers(X, drivers.outcome_series(df, survey, o, top_box=top_box), outcome=o)
            comp_rows[pb.label(f"diag.outcome_{o}", o) + f" (R² {t.attrs['r2']:.2f})"] = dict(zip(t["driver"], t["rescaled"]))
        except AnalysisError as exc:
            pb.note(T("warn_outcome", outcome=o, reason=exc.message), "warn")
    if comp_rows:
        pb.h3(T("sec_outcomes"))
        pb.p(T("outcomes_text"))
        ct = pd.DataFrame(comp_rows)
        ct.insert(0, pb.label(f"diag.outcome_{P['driver_outcome']}", P["driver_outcome"])
                  + f" (R² {kd.attrs['r2']:.2f})", kd.set_index("driver")["rescaled"])
        show(ct.rename(index=dlabel).rename_axis("driver").reset_index(), percent=list(ct.columns))

    # per tier, when the sample allows
    tier_w = {}
    if seg and seg in df.columns:
        pb.h3(T("sec_tier_drivers"))
        tier_w, skipped = drivers.drivers_by_group(X, y, df[seg], order=order, min_n=P["min_driver_n"], lo=lo, hi=hi,
                                                   outcome=P["driver_outcome"])
        for t, reason in skipped.items():
            pb.note(T("warn_tier_drivers", tier=pb.tier_label(t), reason=reason, min=P["min_driver_n"]), "info")
        if tier_w:
            tw = pd.DataFrame({pb.tier_label(t): v["weights"] for t, v in tier_w.items()})
            show(tw.rename(index=dlabel).rename_axis("driver").reset_index(), percent=list(tw.columns))
    pb.result("tier_driver_weights", {t: v["weights"] for t, v in tier_w.items()})

    # importance-performance analysis
    pb.h2(T("sec_ipa"))
    ipa = drivers.ipa(dict(zip(kd["driver"], kd["rescaled"])), perf, cross=P["ipa_cross"])
    qlabels = {q: T(f"quad_{q}") for q in drivers.IPA_QUADRANTS}
    pb.p(T("ipa_text", cross=T(f"cross_{P['ipa_cross']}"), imp=fmt_pct(ipa.attrs["importance_cross"]),
           perf=fmt_num(ipa.attrs["performance_cross"], 1)))
    pb.figure(drivers.plot_ipa(ipa, labels={d: dlabel(d) for d in ipa["driver"]}, quadrant_labels=qlabels,
                               title=T("ipa_title"), xlabel=T("ipa_x"), ylabel=T("ipa_y")), alt=T("ipa_title"))
    show(ipa.assign(driver=ipa["driver"].map(dlabel), quadrant=ipa["quadrant"].map(qlabels)), percent=["importance"],
         priority=3)
    spread = float(ipa["performance"].max() - ipa["performance"].min())
    if spread < P["ipa_min_spread"]:
        pb.note(T("warn_ipa_spread", spread=fmt_num(spread, 1), min=fmt_num(P["ipa_min_spread"], 1)), "warn")
    focus = ipa[ipa["quadrant"] == "concentrate"]
    if len(focus):
        pb.note(T("ipa_focus", drivers=pb.join(map(dlabel, focus["driver"]))), "info")
    pb.result("ipa", dict(zip(ipa["driver"], ipa["quadrant"])))
    if tier_w:
        tq = {t: drivers.ipa(v["weights"], v["performance"], cross=P["ipa_cross"]).set_index("driver")["quadrant"]
              for t, v in tier_w.items()}
        tqd = pd.DataFrame(tq)
        pb.h3(T("sec_ipa_tier"))
        show(tqd.apply(lambda c: c.map(qlabels)).rename(columns=pb.tier_label, index=dlabel).rename_axis("driver")
             .reset_index())
        pb.result("tier_ipa", {t: s.to_dict() for t, s in tq.items()})


HEADLINE = ("satisfaction", "csat", "csat_0_100", "top_box", "nps", "nps_0_100", "ces", "ces_ease_0_100", "overall")


def weighted_headline(pb, df, params: Mapping[str, Any], k: Mapping[str, Any], *, outcomes: Mapping[str, str],
                      ranges: Mapping[str, Any], conf: float, top_box: int) -> dict[str, Any]:
    """Notebook 03's headline KPIs, weighted when the engagement has a ``weighting:`` section.

    Without weighting: ``k`` (the unweighted scorecard row) with its intervals as ``<kpi>_ci`` and
    ``weights: null`` in the results. With weighting (:mod:`cxkit.weighting`: rake, post-stratify, design or client
    weights): every headline KPI takes its weighted value and linearised interval (``<kpi>_ci``), the weights'
    summary (method, n, effective n, design effect, min, max, convergence) goes to ``weights``, and a table shows
    weighted beside unweighted values with the weighting's warnings. Tier rows stay unweighted within each tier.
    """
    import pandas as pd

    from . import weighting
    from .report import fmt_num

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    from .metrics import satisfaction_column

    out = {key: k.get(key) for key in HEADLINE if key in k}
    sat_key = satisfaction_column(outcomes)[0]
    clo, chi = ranges.get("ces", (1, 7))
    sat_ci = {"overall": (k.get("overall_low"), k.get("overall_high")), "csat": (k.get("csat_low"), k.get("csat_high")),
              "nps": tuple(None if v is None else (v + 100) / 2 for v in (k.get("nps_low"), k.get("nps_high"))),
              "ces": tuple(None if v is None else 100 * (chi - v) / (chi - clo)
                           for v in (k.get("ces_high"), k.get("ces_low")))}[sat_key]
    pairs = {"satisfaction": sat_ci,
             "csat_0_100": (k.get("csat_low"), k.get("csat_high")), "nps": (k.get("nps_low"), k.get("nps_high")),
             "ces": (k.get("ces_low"), k.get("ces_high")), "top_box": (k.get("top_box_low"), k.get("top_box_high"))}
    for key, (lo, hi) in pairs.items():
        if key in out:
            out[f"{key}_ci"] = [lo, hi]
    wp = weighting.WeightingParams.model_validate(params.get("weighting") or {})
    if not wp.enabled:
        pb.result("weights", None)
        return out
    w = weighting.weight(df, wp)
    wk = weighting.weighted_kpis(df, w, outcomes, ranges, conf=conf, top_box=top_box)
    pb.h3(T("sec_weighting"))
    s = w.summary()
    pb.p(T("weighting_text", method=T(f"weight_{s['method']}") if s["method"] in ("rake", "poststratify", "design")
           else s["method"], n=f"{s['n']:,}", neff=f"{s['effective_n']:,.0f}", deff=fmt_num(s["deff"], 2),
           lo=fmt_num(s["min"], 2), hi=fmt_num(s["max"], 2)))
    for warning in w.warnings:
        pb.note(warning, "warn")
    rows = [{"kpi": T(f"wkpi_{key}"), "unweighted": out.get(key), "weighted": wk.get(key),
             "low": (wk.get(f"{key}_ci") or [None, None])[0], "high": (wk.get(f"{key}_ci") or [None, None])[1]}
            for key in ("satisfaction", "csat_0_100", "top_box", "nps", "ces") if key in wk and key in out]
    show_table(pb, pd.DataFrame(rows), prefix="col_w_", digits=2)
    for key in HEADLINE:
        if key in wk:
            out[key] = wk[key]
            if f"{key}_ci" in wk:
                out[f"{key}_ci"] = list(wk[f"{key}_ci"])
    pb.result("weights", s)
    return out

