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
    binary_model: Literal["logistic", "linear"] = Field("logistic", description="key drivers of a yes/no outcome: "
                                                        "logistic relative weights (Tonidandel & LeBreton 2010) or the "
                                                        "linear-probability reading")
    driver_level: Literal["scales", "items"] = "scales"
    # banner tables (issue 21): KPIs and drivers by the levels of each column, with significance letters
    banners: list[str] = Field(default_factory=list, description="columns whose levels become banner columns")
    banner_alpha: float = Field(0.05, gt=0, lt=0.5, description="lower-case letter: corrected p below this")
    banner_upper_alpha: float = Field(0.01, gt=0, lt=0.5, description="upper-case letter: corrected p below this")
    banner_correction: Literal["holm", "bonferroni", "none"] = "holm"
    banner_min_base: int = Field(30, ge=2, description="columns with a smaller base are shown but not tested")
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
    spend_band_min_agreement: float = Field(0.9, ge=0, le=1, description="warn when the tiers agree with the "
                                            "spend bands for fewer respondents than this share")
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


def fit_key_drivers(X, y, *, outcome: str, binary_model: str = "logistic", n_boot: int = 0, conf: float = 0.95,
                    seed: int | None = None, weights: Any = None):
    """The key-driver table of 03 and its extra results keys: ``(table, extra)``.

    A yes/no outcome (values 0/1) with ``binary_model="logistic"`` gets logistic relative weights
    (:func:`cxkit.drivers.logistic_relative_weights`, Tonidandel & LeBreton 2010: raw weights sum to the
    pseudo-R², with the random-variable significance test when bootstrapped); any other outcome Johnson's relative
    weights and dominance (:func:`cxkit.drivers.key_drivers`). ``extra``: ``driver_model``, ``driver_weights_raw``,
    ``driver_vif``, ``driver_condition_number`` and, for the logistic model, ``r2_kind`` and ``driver_significant``.
    ``table`` has driver, raw, rescaled, rank (ci_low, ci_high, dominance, dominance_share where computed) and the
    attrs ``r2``, ``n``.
    """
    import numpy as np

    from . import drivers

    values = set(np.unique(y.dropna().to_numpy(float)))
    if values <= {0.0, 1.0} and len(values) == 2 and binary_model == "logistic":
        d = X.copy()
        ycol = outcome if outcome not in d.columns else f"{outcome} (outcome)"
        d[ycol] = y.to_numpy()
        r = drivers.logistic_relative_weights(d, ycol, list(X.columns), weights=weights, n_boot=n_boot, conf=conf,
                                              seed=seed)
        res = r.to_results()
        tab = r.table[[c for c in ("driver", "raw", "rescaled", "rank", "ci_low", "ci_high") if c in r.table]].copy()
        tab.attrs.update({"r2": r.r2, "n": r.n, "outcome": outcome})
        extra = {k: res[k] for k in ("driver_model", "driver_weights_raw", "driver_vif", "driver_condition_number",
                                     "r2_kind")}
        if "driver_significant" in res:
            extra["driver_significant"] = res["driver_significant"]
        return tab, extra
    tab = drivers.key_drivers(X, y, outcome=outcome, n_boot=n_boot, conf=conf, seed=seed, weights=weights)
    vif, cond = drivers.collinearity(X)
    return tab, {"driver_model": "linear", "driver_weights_raw": dict(zip(tab["driver"], tab["raw"])),
                 "driver_vif": vif, "driver_condition_number": cond}


def driver_sections(pb, df, survey: Mapping[str, Any], scales: Mapping[str, Any], P: Mapping[str, Any], *,
                    outcomes: Mapping[str, str], seg: str | None, order, conf: float, top_box: int,
                    weights: Any = None) -> None:
    """Notebook 03's key-driver sections: relative weights and dominance, the other outcomes, drivers per tier,
    importance–performance analysis (IPA) overall and per tier; results keys as docs/results.md says.

    Without two scales or two driver items the sections are not applicable: one note, empty driver keys and
    ``r2`` null, instead of a failed playbook (a survey with outcomes only still gets its KPIs and tiers).
    With ``weights`` (one per row of ``df``: the survey weights of 03) the drivers come from the weighted
    correlation matrix, the performance is the weighted mean and the tiers' drivers and IPA are weighted too.
    A yes/no outcome gets logistic relative weights (``binary_model``, :func:`fit_key_drivers`).
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
    kd, extra = fit_key_drivers(X, y, outcome=P["driver_outcome"], binary_model=P.get("binary_model", "logistic"),
                                n_boot=P["n_boot"], conf=conf, seed=pb.params["seed"], weights=weights)
    perf = drivers.performance_0_100(X, lo, hi, weights=weights)
    if extra["driver_model"] == "logistic":
        pb.note(T("drivers_logistic", r2=fmt_num(kd.attrs["r2"], 3)), "info")
    elif "dominance" not in kd:
        pb.note(T("no_dominance", p=X.shape[1]), "info")
    high_vif = [d for d, v in extra["driver_vif"].items() if v > 10]
    if high_vif:
        pb.note(T("warn_vif", drivers=pb.join(map(dlabel, high_vif)),
                  cond=fmt_num(extra["driver_condition_number"], 1)), "warn")
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
    for key, value in extra.items():
        pb.result(key, value)

    # the same drivers for the other outcomes (continuous and binary)
    others = [o for o in ["overall", "csat", "nps"] if o in outcomes and o != P["driver_outcome"]]
    if P["binary_outcome"] != "none":
        others.append(P["binary_outcome"])
    comp_rows = {}
    for o in others:
        try:
            t, _ = fit_key_drivers(X, drivers.outcome_series(df, survey, o, top_box=top_box), outcome=o,
                                   binary_model=P.get("binary_model", "logistic"), weights=weights)
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
                                                   outcome=P["driver_outcome"], weights=weights)
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
    top = kd.sort_values("rescaled", ascending=False)["driver"].iloc[0]
    if dict(zip(ipa["driver"], ipa["quadrant"])).get(top) == "keep_up":   # never "keep up the good work" for #1
        pb.note(T("ipa_top_keep_up", driver=dlabel(top)), "info")
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


def test_sections(pb, df, specs, columns, P: Mapping[str, Any], *, order, conf: float, weights: Any = None) -> None:
    """Notebook 03's tests of differences between tiers and segments (one sub-section per column of ``columns``).

    Per column: the omnibus tests of every KPI (:func:`cxkit.metrics.difference_tests`; design-based with
    ``weights``, a :class:`cxkit.weighting.Weights`), then the pairs that differ after the ``padjust`` correction
    (the full pairwise table follows for reference). Group and column names are display labels
    (:meth:`Playbook.column_label`, :meth:`Playbook.value_label`). Results ``difference_tests``:
    ``{column: {"kpi.test": p}}``.
    """
    from . import metrics

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    pb.p(T("tests_text_weighted" if weights is not None else "tests_text", padjust=P["padjust"],
           min_n=P["min_group_n"]))
    summary = {}
    for g in columns:
        if g not in df.columns:
            pb.note(T("warn_no_segment", column=g), "warn")
            continue
        tests = metrics.difference_tests(df, specs, g, min_n=P["min_group_n"], padjust=P["padjust"], order=order,
                                         weights=weights)
        glabel = pb.column_label(g)
        pb.h3(T("tests_by", column=glabel))
        for name, n in tests["skipped"].items():
            pb.note(T("warn_small_group", group=pb.value_label(g, name), n=n, min=P["min_group_n"], column=glabel),
                    "warn")
        for msg in tests["problems"]:
            pb.note(msg, "warn")
        om, pw = tests["omnibus"], tests["pairwise"]
        if len(om):
            sig_kpis = [T(f"metric_{m}") for m, p in zip(om["kpi"], om["p_value"]) if p < 1 - conf]
            pb.p(T("omnibus_sig", kpis=pb.join(dict.fromkeys(sig_kpis)), column=glabel) if sig_kpis
                 else T("omnibus_none", column=glabel))
            with pb.details(T("details_omnibus")):
                show_table(pb, om.assign(kpi=[T(f"metric_{m}") for m in om["kpi"]],
                                         test=[T(f"test_{t}") for t in om["test"]],
                                         effect=[T(f"eff_{e}") for e in om["effect"]]), digits=2, p_value=4, df=0)
        if len(pw):
            shown = pw.assign(kpi=[T(f"metric_{m}") for m in pw["kpi"]], a=[pb.value_label(g, v) for v in pw["a"]],
                              b=[pb.value_label(g, v) for v in pw["b"]],
                              effect=[T(f"eff_{e}") for e in pw["effect"]]).drop(columns=["padjust"])
            sig = pw["p_adj"] < 1 - conf
            pb.p(T("pairwise_text", n_sig=int(sig.sum()), n=len(pw), alpha=f"{1 - conf:.2f}"))
            if sig.any():
                show_table(pb, shown[sig.to_numpy()], digits=2, p_value=4, p_adj=4)
            with pb.details(T("details_pairwise", n=len(pw))):
                show_table(pb, shown, digits=2, p_value=4, p_adj=4)
        summary[g] = {f"{r['kpi']}.{r['test']}": r["p_value"] for _, r in om.iterrows()} if len(om) else {}
    pb.result("difference_tests", summary)


def refined_scales(pb, survey: Mapping[str, Any], P: Mapping[str, Any]) -> dict[str, Any]:
    """The scales 03 scores: ``survey.scales`` without the items 02 recommends dropping
    (:func:`cxkit.drivers.refine_scales`; ``diagnostics.drop_flagged_items: false`` keeps them), each dropped item
    named in a note; a note when 02 did not run. Result ``scale_items_dropped``."""
    from . import drivers

    rel = pb.load_results("02_reliability")
    scales, dropped = drivers.refine_scales(survey["scales"], rel if P["drop_flagged_items"] else None)
    if rel is None:
        pb.note(pb.t("diag.no_reliability"), "info")
    pb.result("scale_items_dropped", dropped)
    for sc, it in dropped.items():
        pb.note(pb.t("diag.dropped_item", item=pb.item_label(it), scale=pb.scale_label(sc)), "info")
    return scales


def wave_section(pb, df, outcomes: Mapping[str, str], ranges: Mapping[str, Any], *, top_box: int,
                 conf: float) -> None:
    """Notebook 03's comparison with the previous wave (``previous_responses``): each KPI's change with its test
    (:func:`cxkit.metrics.wave_table`), significant changes as notes. Result ``wave_change``."""
    from . import metrics
    from .report import fmt_num, fmt_pct
    from .validation import read_responses

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    pb.h2(T("sec_wave"))
    if not pb.params.get("previous_responses"):
        pb.note(T("wave_see_tracking" if pb.params.get("waves") else "no_wave"), "info")
        return
    prev, _ = read_responses({**pb.params, "responses": pb.params["previous_responses"]})
    wave = metrics.wave_table(df, prev, outcomes, ranges, top_box=top_box)
    shown = wave.assign(kpi=[T(f"metric_{m}") for m in wave["kpi"]],
                        better=[T("yes") if b else T("no") for b in wave["better"]])
    for col in [c for c in ("current", "previous", "change") if c in wave.columns]:
        # a share reads as a percent (its change in percentage points), a score with 2 decimals
        shown[col] = [(fmt_pct(v) if col != "change" else f"{100 * v:+.1f} pp") if m == "top_box" else
                      (fmt_num(v, 2) if col != "change" else f"{v:+.2f}") for m, v in zip(wave["kpi"], wave[col])]
    show_table(pb, shown, digits=2, p_value=4)
    for _, r in wave[wave["p_value"] < 1 - conf].iterrows():
        pb.note(T("wave_sig", kpi=T(f"metric_{r['kpi']}"), change=fmt_num(r["change"], 2)),
                "ok" if r["better"] else "warn")
    pb.result("wave_change", {r["kpi"]: {"change": r["change"], "p_value": r["p_value"]} for _, r in wave.iterrows()})


def gap_sections(pb, card, k: Mapping[str, Any], outcomes: Mapping[str, str], targets: Mapping[str, Any],
                 P: Mapping[str, Any]) -> None:
    """Notebook 03's gaps to benchmarks and alerts.

    Gap = (actual − benchmark) / benchmark (document 002's formula) for satisfaction and CSAT on 0–100 against
    ``diagnostics.benchmarks`` (default: ``targets.industry`` / ``targets.leader``); alerts from
    ``diagnostics.alerts`` (default :func:`cxkit.metrics.default_alert_rules` of ``targets``) checked on the
    headline and tier rows of the scorecard ``card``. Results ``gaps`` ({benchmark: gap of satisfaction}) and
    ``alerts``.
    """
    from . import metrics
    from .report import fmt_num

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    bench = P["benchmarks"] if P["benchmarks"] is not None else {
        key: v for key, v in targets.items() if key in ("industry", "leader")}
    tier_vals = {r["group"]: r.drop("group").to_dict() for _, r in card.iloc[1:].iterrows()}
    actual = {T("kpi_sat"): k["satisfaction"]}
    if "csat" in outcomes:
        actual[T("kpi_csat")] = k["csat_0_100"]
    if bench:
        gaps = metrics.gap_table(actual, bench)
        pb.p(T("gap_text"))
        show_table(pb, gaps.assign(benchmark=[pb.label(f"diag.bench_{b}", b) for b in gaps["benchmark"]]),
                   percent=["gap"])
        pb.result("gaps", {f"{r['benchmark']}": r["gap"] for _, r in gaps.iterrows() if r["metric"] == T("kpi_sat")})
    else:
        pb.note(T("no_benchmarks"), "info")
    rules = [dict(r) for r in P["alerts"]] if P["alerts"] is not None else metrics.default_alert_rules(targets)
    alerts = metrics.check_alerts([r for r in rules if r.get("tier") is None or r["tier"] in tier_vals],
                                  {m: v for m, v in card.iloc[0].drop("group").items()}, tier_vals)
    for r in rules:
        if r.get("tier") and r["tier"] not in tier_vals:
            pb.note(T("warn_alert_tier", tier=r["tier"]), "warn")
    for a in alerts:
        who = pb.t("common.all") if not a["tier"] else pb.tier_label(a["tier"])
        pb.note(T("alert", metric=T(f"metric_{a['metric']}"), who=who, value=fmt_num(a["value"], 1),
                  below=fmt_num(a["below"], 0)), "alert")
    if rules and not alerts:
        pb.note(T("no_alerts"), "ok")
    pb.result("alerts", alerts)


def tier_sections(pb, df, card, k: Mapping[str, Any], survey: Mapping[str, Any], scales: Mapping[str, Any],
                  P: Mapping[str, Any], *, seg: str | None, order) -> None:
    """Notebook 03's customer tiers: agreement of the tiers with spend bands and with the customer-value score
    (Cohen's κ), the tier profile, the tier × satisfaction matrix and the share-weighted overall check
    (document 003: 0.12·82 + 0.28·78 + 0.45·74 + 0.15·68 = 75.18 vs the stated 76).

    Results ``tier_satisfaction``, ``tier_share``, ``spend_band_agreement``, ``tier_score_agreement``,
    ``overall_check`` (as docs/results.md). Without a segment column: a note and empty tier keys.
    """
    from . import drivers, tiers
    from .errors import CxError
    from .report import fmt_num, fmt_pct

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    pb.h2(T("sec_tiers"))
    if not (seg and seg in df.columns):
        pb.note(T("no_tiers"), "info")
        pb.result("tier_satisfaction", {})
        pb.result("tier_share", {})
        return
    spend_col = P["spend_column"]
    if spend_col and spend_col in df.columns:
        band = tiers.spend_tier(df[spend_col], P["spend_bands"], column=spend_col)
        agree = tiers.agreement(df[seg].reset_index(drop=True), band)
        pb.p(T("spend_band_text", pct=fmt_pct(agree["agreement"]), kappa=fmt_num(agree["kappa"], 2)))
        if agree["agreement"] < P.get("spend_band_min_agreement", 0.9):
            pb.note(T("warn_spend_band", pct=fmt_pct(agree["agreement"])), "warn")
        pb.result("spend_band_agreement", agree)
    ts = P["tier_score"]
    if ts["enabled"]:
        try:
            score = tiers.tier_score(df, weights=ts["weights"], columns=ts["columns"], need_scores=ts["need_scores"])
        except CxError as exc:  # e.g. a missing column: the section becomes a note, not a failed playbook
            pb.note(T("warn_tier_score", reason=exc.message),
                    "warn" if tiers.has_value_columns(df.columns, ts["columns"]) else "info")
            score = None
        if score is not None:
            st = tiers.score_tiers(score["score"], P["tier_shares"] or tiers.TIER_SHARES)
            sa = tiers.agreement(df[seg], st)
            pb.h3(T("sec_tier_score"))
            pb.p(T("tier_score_text", pct=fmt_pct(sa["agreement"]), kappa=fmt_num(sa["kappa"], 2)))
            comp = score.groupby(df[seg].astype(str)).mean().reindex([t for t in order if t in set(df[seg])])
            show_table(pb, comp.rename(index=pb.tier_label).rename_axis("group").reset_index(), prefix="col_ts_")
            pb.result("tier_score_agreement", sa)
    # tier profile, tier x satisfaction matrix
    prof_cols = [c for c in ["annual_spend", "aov", "orders_12m", "repurchase_rate", "interactions_12m",
                             "complaint_30d"] if c in df.columns]
    prof = tiers.tier_profile(df, seg, prof_cols)
    pb.h3(T("sec_tier_profile"))
    show_table(pb, prof.assign(tier=[pb.tier_label(t) for t in prof["tier"]]),
               percent=["share", "repurchase_rate", "complaint_30d"], annual_spend=0, aov=0)
    tier_sat = {r["group"]: r["satisfaction"] for _, r in card.iloc[1:].iterrows()}
    tier_share = dict(zip(prof["tier"], prof["share"]))
    pb.result("tier_satisfaction", tier_sat)
    pb.result("tier_share", tier_share)
    scales_df = drivers.scale_scores(df, scales, *survey["scale_range"]) if scales else None
    mat = tiers.tier_matrix(card, scales_df, df[seg], *survey["scale_range"])
    pb.h3(T("sec_tier_matrix"))
    pb.p(T("tier_matrix_text"))
    show_table(pb, mat.rename(index=pb.tier_label).rename_axis("group").reset_index(), percent=["top_box"])
    # share-weighted overall vs the stated overall (doc 003: 75.18 vs 76)
    shares = P["tier_shares"] or tier_share
    stated = P["stated_overall"] if P["stated_overall"] is not None else k["satisfaction"]
    chk = tiers.share_weighted_check({t: tier_sat.get(t) for t in shares}, shares, stated, tol=P["overall_tolerance"])
    src = T("stated_param") if P["stated_overall"] is not None else T("stated_sample")
    pb.p(T("overall_check_text", weighted=fmt_num(chk["weighted"], 2), stated=fmt_num(chk["stated"], 2), source=src,
           shares=T("shares_param") if P["tier_shares"] else T("shares_sample")))
    if not chk["consistent"]:
        pb.note(T("warn_overall", weighted=fmt_num(chk["weighted"], 2), stated=fmt_num(chk["stated"], 2),
                  diff=fmt_num(chk["difference"], 2), tol=fmt_num(chk["tolerance"], 1)), "warn")
    pb.result("overall_check", chk)


def composite_section(pb, k: Mapping[str, Any], P: Mapping[str, Any]) -> None:
    """Notebook 03's weighted KPI composite (document 002: timeliness 20%, flow efficiency 15%, compliance 15%,
    satisfaction 25%, first-contact resolution 15%, NPS 10%; grade lines 80 / 90 / 95):
    :func:`cxkit.metrics.kpi_composite`. Results ``kpi_composite`` ({score, grade}, null when a weighted KPI has
    no value)."""
    import pandas as pd

    from . import metrics
    from .report import fmt_num

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    pb.h2(T("sec_composite"))
    kc = P["kpi_composite"]
    scores, missing = metrics.composite_inputs(kc["values"], kc["weights"], csat_0_100=k.get("csat_0_100"),
                                               nps=k.get("nps"))
    if missing:
        pb.note(T("composite_missing", kpis=", ".join(pb.label(f"diag.kpi_{m}", m) for m in missing)), "info")
        pb.result("kpi_composite", None)
        return
    comp = metrics.kpi_composite(scores, kc["weights"], lines=kc["grades"])
    tab = pd.DataFrame({"kpi": [pb.label(f"diag.kpi_{m}", m) for m in kc["weights"]],
                        "weight": list(kc["weights"].values()), "score": [scores[m] for m in kc["weights"]],
                        "contribution": [comp["contributions"][m] for m in kc["weights"]]})
    alerts = pb.results.get("alerts") or []       # written by gap_sections: a "pass" never hides an alert
    grade = T(f"grade_{comp['grade']}")
    detail = T("grade_with_alerts", grade=grade, n=len(alerts)) if alerts and comp["grade"] != "below" else grade
    pb.kpis([{"label": T("kpi_composite"), "value": fmt_num(comp["score"], 1), "detail": detail,
              "kind": "ok" if comp["grade"] != "below" and not alerts else "warn"}])
    pb.p(T("composite_text", lines=" / ".join(fmt_num(x, 0) for x in kc["grades"])))
    if alerts and comp["grade"] != "below":
        pb.note(T("composite_but_alerts", grade=grade, score=fmt_num(comp["score"], 1), alerts=pb.join(
            f"{T('metric_' + a['metric'])} {fmt_num(a['value'], 1)} < {fmt_num(a['below'], 0)}"
            + (f" ({pb.tier_label(a['tier'])})" if a.get("tier") else "") for a in alerts)), "warn")
    show_table(pb, tab, percent=["weight"])
    pb.result("kpi_composite", {"score": comp["score"], "grade": comp["grade"]})


def kano_section(pb, df, P: Mapping[str, Any]) -> None:
    """Notebook 03's Kano classification: the standard evaluation table of the functional/dysfunctional question
    pairs (columns ``kano_prefix``), Better = (A + O)/(A + O + M + I), Worse = −(O + M)/(A + O + M + I) and Fong's
    test of the leading category (:mod:`cxkit.drivers`). Results ``kano``."""
    from . import drivers

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    pb.h2(T("sec_kano"))
    kf = drivers.kano_features(list(df.columns), *P["kano_prefix"])
    if not kf:
        pb.note(T("no_kano"), "info")
        return
    kano = drivers.kano_table(df, kf)
    names = {f: pb.label(f"diag.feature_{f}", f) for f in kano["feature"]}
    pb.p(T("kano_text"))
    pb.figure(drivers.plot_kano(kano, labels=names, title=T("kano_title"), xlabel=T("kano_x"), ylabel=T("kano_y")),
              alt=T("kano_title"))
    kshow = kano.assign(feature=[names[f] for f in kano["feature"]],
                        category=["/".join(T(f"kano_{x}") for x in c.split("/")) for c in kano["category"]],
                        fong_significant=[T("yes") if b else T("no") for b in kano["fong_significant"]])
    show_table(pb, kshow.drop(columns=["dominant"]), prefix="col_kano_", ints=("n", *drivers.KANO_CATEGORIES),
               better=3, worse=3)
    pb.result("kano", {r["feature"]: {"category": r["category"], "better": r["better"], "worse": r["worse"],
                                      "counts": {c: r[c] for c in drivers.KANO_CATEGORIES}}
                       for _, r in kano.iterrows()})


def servqual_section(pb, df, survey: Mapping[str, Any], scales: Mapping[str, Any], P: Mapping[str, Any], *,
                     conf: float) -> None:
    """Notebook 03's SERVQUAL gaps: perception (scale score) − expectation (column ``<expectation_prefix><scale>``)
    per dimension with a paired t test (:func:`cxkit.drivers.servqual_gaps`; Parasuraman et al. 1988).
    Results ``servqual_gaps``."""
    import pandas as pd

    from . import drivers
    from .report import fmt_num

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    pb.h2(T("sec_servqual"))
    pre = P["expectation_prefix"]
    dims = [d for d in scales if f"{pre}{d}" in df.columns]
    if not dims:
        pb.note(T("no_servqual", prefix=pre), "info")
        return
    perc = drivers.scale_scores(df, {d: scales[d] for d in dims}, *survey["scale_range"])
    expc = pd.DataFrame({d: pd.to_numeric(df[f"{pre}{d}"], errors="coerce") for d in dims})
    sq = drivers.servqual_gaps(perc, expc, conf=conf)
    pb.p(T("servqual_text"))
    show_table(pb, sq.assign(dimension=[pb.scale_label(d) for d in sq["dimension"]]), prefix="col_sq_", digits=2,
               p_value=4)
    worst = sq.sort_values("gap").iloc[0]
    if worst["gap"] < 0:
        pb.note(T("servqual_worst", dim=pb.scale_label(worst["dimension"]), gap=fmt_num(worst["gap"], 2)), "info")
    pb.result("servqual_gaps", dict(zip(sq["dimension"], sq["gap"])))


def banner_metrics(df, survey: Mapping[str, Any], scales: Mapping[str, Any], outcomes: Mapping[str, str],
                   ranges: Mapping[str, Any], *, level: str | None, top_box: int):
    """The rows of 03's banner tables: ``(frame, metrics, labels)``.

    KPIs (CSAT mean and top box, NPS as the mean of its +100/0/−100 scores, CES mean, overall) and the key
    drivers at ``level`` (scale scores or items, as the driver sections), as :func:`cxkit.banners.banner_table`
    metric specs over ``frame`` (``df`` with the derived columns); ``labels`` maps each metric key to its i18n
    key (``diag.metric_*``) or a scale / item name.
    """
    import numpy as np

    from . import drivers

    frame = df.copy()
    metrics, labels = [], {}
    if outcomes.get("csat"):
        lo, hi = ranges.get("csat", (1, 5))
        box = max(1, min(int(top_box), int(round(hi - lo + 1)) // 2))
        metrics += [{"column": outcomes["csat"], "kind": "mean", "name": "csat"},
                    {"column": outcomes["csat"], "kind": "proportion", "threshold": hi - box + 1, "name": "top_box"}]
        labels.update(csat="diag.metric_csat", top_box="diag.metric_top_box")
    if outcomes.get("nps"):
        v = frame[outcomes["nps"]].astype(float)
        frame["__nps_score"] = np.where(v.isna(), np.nan, 100.0 * ((v >= 9).astype(float) - (v <= 6).astype(float)))
        metrics.append({"column": "__nps_score", "kind": "mean", "name": "nps"})
        labels["nps"] = "diag.metric_nps"
    for key in ("ces", "overall"):
        if outcomes.get(key):
            metrics.append({"column": outcomes[key], "kind": "mean", "name": key})
            labels[key] = f"diag.metric_{key}"
    if level is not None:
        X = drivers.driver_data(df, {**survey, "scales": scales}, level)
        for c in X.columns:
            frame[f"__drv_{c}"] = X[c].to_numpy()
            metrics.append({"column": f"__drv_{c}", "kind": "mean", "name": c})
            labels[c] = c
    return frame, metrics, labels


def banner_sections(pb, df, survey: Mapping[str, Any], scales: Mapping[str, Any], P: Mapping[str, Any], *,
                    outcomes: Mapping[str, str], ranges: Mapping[str, Any], top_box: int, weights: Any = None) -> None:
    """Notebook 03's banner tables (``diagnostics.banners``): per banner column one compact table, rows = KPIs and
    drivers, columns = the column's levels lettered A, B, C…, each cell "value letters" (the columns it is
    significantly above: upper-case at ``banner_upper_alpha``, lower-case at ``banner_alpha``, after the
    ``banner_correction`` within each row). Results ``banners: {banner: {metric: {level: {value, n, letters}}}}``.
    A banner column absent from the data is a warning, not a failure.
    """
    import pandas as pd

    from . import banners as bn
    from .errors import AnalysisError
    from .report import fmt_num, fmt_pct

    if not P.get("banners"):
        return
    level, _ = driver_level(survey, P["driver_level"], scales)
    frame, metrics, labels = banner_metrics(df, survey, scales, outcomes, ranges, level=level, top_box=top_box)
    pb.h2(pb.t("diag.sec_banners"))
    pb.p(pb.t("diag.banners_text", alpha=fmt_num(P["banner_alpha"], 2), upper=fmt_num(P["banner_upper_alpha"], 2),
              correction=pb.t(f"diag.correction_{P['banner_correction']}"), min=P["banner_min_base"]))
    out = {}
    for col in P["banners"]:
        if col not in frame.columns:
            pb.note(pb.t("diag.warn_no_segment", column=col), "warn")
            continue
        try:
            bt = bn.banner_table(frame, col, metrics, alpha=P["banner_alpha"], upper_alpha=P["banner_upper_alpha"],
                                 correction=P["banner_correction"], min_base=P["banner_min_base"], weights=weights)
        except AnalysisError as exc:
            pb.note(pb.t("diag.warn_banner", column=col, reason=exc.message), "warn")
            continue
        res = bt.to_results()
        out[col] = res
        heads = {lv: f"{pb.value_label(col, lv)} ({letter})" for lv, letter in bt.columns.items()}
        rows = []
        for key, cells in res.items():
            name = pb.t(labels[key]) if labels[key].startswith("diag.") else pb.scale_label(key)
            row = {pb.t("diag.col_metric"): name}
            for lv, cell in cells.items():
                v = cell["value"]
                txt = "–" if v is None else (fmt_pct(v) if key == "top_box" else fmt_num(v, 2))
                row[heads[lv]] = txt + (f" {cell['letters']}" if cell["letters"] else "")
            rows.append(row)
        base = {pb.t("diag.col_metric"): pb.t("diag.banner_base")}
        base.update({heads[lv]: f"{c['n']:,}" for lv, c in next(iter(res.values())).items()})
        pb.h3(pb.t("diag.banner_by", column=pb.column_label(col)))
        pb.table(pd.DataFrame([base, *rows]))
        if any(bt.low_base.values()):
            pb.note(pb.t("diag.banner_low_base", min=P["banner_min_base"]), "info")
    pb.result("banners", out)


HEADLINE = ("satisfaction", "csat", "csat_0_100", "top_box", "nps", "nps_0_100", "ces", "ces_ease_0_100", "overall")


def kpi_section(pb, df, outcomes: Mapping[str, str], ranges: Mapping[str, Any], *, seg: str | None, order,
                conf: float, top_box: int):
    """Notebook 03's KPI scorecard: headline cards, the table by tier, the results keys of the KPIs.

    Unweighted (:func:`cxkit.metrics.scorecard`) or, with a ``weighting:`` section, weighted
    (:func:`weighted_headline` for the headline with weighted vs unweighted side by side, then every tier row as a
    domain of the weighted design). Returns ``(k, card, weights)``: the headline KPIs (dict, with ``<kpi>_low`` /
    ``<kpi>_high``), the scorecard table (first row all respondents) and the :class:`cxkit.weighting.Weights`
    (``None`` unweighted) for the group tests, drivers and IPA.
    """
    from . import metrics
    from .report import fmt_num, fmt_pct

    def T(key: str, **kw: Any) -> str:
        return pb.t(f"diag.{key}", **kw)

    sat_key, _ = metrics.satisfaction_column(outcomes)
    card = metrics.scorecard(df, outcomes, ranges, group=seg, order=order, conf=conf, top_box=top_box)
    head, wts = weighted_headline(pb, df, pb.params, card.iloc[0].to_dict(), outcomes=outcomes, ranges=ranges,
                                             conf=conf, top_box=top_box)
    if wts is not None:   # every row weighted: the tiers are domains of the weighted design
        card = metrics.scorecard(df, outcomes, ranges, group=seg, order=order, conf=conf, top_box=top_box, weights=wts)
    k = {**card.iloc[0].to_dict(), **head}
    if k.get("csat_0_100_ci"):
        k["csat_low"], k["csat_high"] = k["csat_0_100_ci"]
    for key in ("top_box", "nps", "ces"):
        if k.get(f"{key}_ci"):
            k[f"{key}_low"], k[f"{key}_high"] = k[f"{key}_ci"]
    cards = [{"label": T("kpi_sat"), "value": fmt_num(k["satisfaction"], 1), "detail": T(f"sat_from_{sat_key}")}]
    if "csat" in outcomes:
        cards += [{"label": T("kpi_csat"), "value": fmt_num(k["csat_0_100"], 1),
                   "detail": T("ci", lo=fmt_num(k["csat_low"], 1), hi=fmt_num(k["csat_high"], 1))},
                  {"label": T("kpi_top_box", k=top_box), "value": fmt_pct(k["top_box"]),
                   "detail": T("ci", lo=fmt_pct(k["top_box_low"]), hi=fmt_pct(k["top_box_high"]))}]
    if "nps" in outcomes:
        cards.append({"label": T("kpi_nps"), "value": fmt_num(k["nps"], 1),
                      "detail": T("ci", lo=fmt_num(k["nps_low"], 1), hi=fmt_num(k["nps_high"], 1))})
    if "ces" in outcomes:
        cards.append({"label": T("kpi_ces"), "value": fmt_num(k["ces"], 2),
                      "detail": T("ci", lo=fmt_num(k["ces_low"], 2), hi=fmt_num(k["ces_high"], 2))})
    pb.kpis(cards)
    pb.p(T("rule_0_100"))
    cols = [c for c in ["group", "n", "satisfaction", "csat_0_100", "csat_low", "csat_high", "top_box", "nps", "nps_low",
                        "nps_high", "ces", "ces_ease_0_100"] if c in card.columns]
    show_table(pb, card[cols].assign(group=[pb.t("common.all") if g == "_all" else pb.value_label(seg, g)
                                         for g in card["group"]]), percent=["top_box"])
    pb.result("n", int(k["n"]))
    pb.result("satisfaction_0_100", k["satisfaction"])
    pb.result("csat_0_100", k.get("csat_0_100"))
    pb.result("csat_mean", k.get("csat"))
    pb.result("csat_top_box", {"share": k.get("top_box"), "low": k.get("top_box_low"), "high": k.get("top_box_high")})
    pb.result("nps", k.get("nps"))
    pb.result("nps_ci", [k.get("nps_low"), k.get("nps_high")])
    for key in ("satisfaction", "csat_0_100", "ces"):
        if k.get(f"{key}_ci"):
            pb.result(f"{'satisfaction_0_100' if key == 'satisfaction' else key}_ci", k[f"{key}_ci"])
    pb.result("ces", k.get("ces"))
    pb.result("ces_ease_0_100", k.get("ces_ease_0_100"))
    pb.result("kpi_by_tier", {r["group"]: r.drop("group").to_dict() for _, r in card.iloc[1:].iterrows()})
    return k, card, wts


def weighted_headline(pb, df, params: Mapping[str, Any], k: Mapping[str, Any], *, outcomes: Mapping[str, str],
                      ranges: Mapping[str, Any], conf: float, top_box: int) -> tuple[dict[str, Any], Any]:
    """Notebook 03's headline KPIs, weighted when the engagement has a ``weighting:`` section.

    Without weighting: ``k`` (the unweighted scorecard row) with its intervals as ``<kpi>_ci`` and
    ``weights: null`` in the results; returns ``(kpis, None)``. With weighting (:mod:`cxkit.weighting`: rake, post-stratify, design or client
    weights): every headline KPI takes its weighted value and linearised interval (``<kpi>_ci``), the weights'
    summary (method, n, effective n, design effect, min, max, convergence) goes to ``weights``, and a table shows
    weighted beside unweighted values with the weighting's warnings; returns ``(kpis, Weights)`` for the weighted group tests, drivers
    and IPA; the notebook then weights the tier rows too (``metrics.scorecard(weights=...)``).
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
        return out, None
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
    material = [r for r in rows if None not in (r["unweighted"], r["low"], r["high"])
                and not r["low"] <= r["unweighted"] <= r["high"]]
    if material:     # the unweighted figure lies outside the weighted interval: say so where it matters
        pb.note(T("weighting_material", kpis=pb.join(f"{r['kpi']} {fmt_num(r['unweighted'], 1)} → "
                                                     f"{fmt_num(r['weighted'], 1)}" for r in material)), "warn")
    for key in HEADLINE:
        if key in wk:
            out[key] = wk[key]
            if f"{key}_ci" in wk:
                out[f"{key}_ci"] = list(wk[f"{key}_ci"])
    pb.result("weights", s)
    return out, w

