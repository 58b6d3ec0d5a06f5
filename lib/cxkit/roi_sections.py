"""The sections of notebook 05 (ROI): what the playbook shows of :mod:`cxkit.roi`, and its results keys.

Each section builder takes the :class:`~cxkit.report.Playbook` and the :class:`~cxkit.roi.RoiModel`
(plus what an earlier section computed), writes its heading, text, tables and charts through ``pb``
and records its keys of ``05_roi.results.json`` (docs/results.md). The maths stays in :mod:`cxkit.roi`
(this module imports it, never the reverse); the thresholds that decide a note are fields of
:class:`cxkit.roi.RoiParams` (``irr_note_above``, ``clip_warn_share``, ``p_positive_warn``).
Money is shown in one unit per page (万元 / 亿元 on Chinese pages, K / M on English ones:
:func:`cxkit.present.money_unit`); single amounts (cards) scale to their own size (:func:`cxkit.present.money`).

The charts (``plot_*``) return a matplotlib ``Figure``; their labels come in already translated.

Example
-------
>>> fmt_value(3430804.6), fmt_figure("roi_gold", 2.345)
('3,430,805', '1:2.3')
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from . import roi
from . import present


#: the Monte Carlo key figures recorded (None without uncertainty)
MC_KEYS = ("p_npv_positive", "npv_p10", "npv_p50", "npv_p90", "npv_mean", "payback_p10", "payback_p50",
           "payback_p90", "p_payback_in_horizon")


# ============================================================================ labels and formats
_finite = present.finite


def fmt_value(x: Any) -> str:
    """A readable input value: thousands separators for large amounts, 4 significant digits otherwise.

    >>> fmt_value(3430804.6), fmt_value(0.0125), fmt_value(500.0)
    ('3,430,805', '0.0125', '500')
    """
    f = _finite(x)
    if f is None:
        return "–"
    return f"{f:,.0f}" if abs(f) >= 1000 else f"{f:.4g}"


def fmt_figure(figure: str, value: Any) -> str:
    """Format a :func:`cxkit.roi.document_check` figure: ratios as "1:x", CLV change as %, months as integers.

    >>> fmt_figure("roi_gold", 2.345), fmt_figure("clv_per_point", 0.0833), fmt_figure("payback_month", 10)
    ('1:2.3', '8.3%', '10')
    """
    f = _finite(value)
    if f is None:
        return "–"
    if figure.startswith("roi"):
        return f"1:{f:.1f}"
    if figure == "clv_per_point":
        return f"{100 * f:.1f}%"
    return f"{f:.0f}"


def initiative_label(model: roi.RoiModel, name: str, lang: str) -> str:
    """The display name of an initiative in ``lang`` (its ``label``, else its name)."""
    for ini in model.params.initiatives:
        if ini.name == name:
            if isinstance(ini.label, dict):
                return ini.label.get(lang) or next(iter(ini.label.values()), name)
            return ini.label or name
    return name


def note_values(model: roi.RoiModel, values: Mapping[str, Any], lang: str, scale_label=None) -> dict[str, Any]:
    """Values of a ``model.notes`` entry with initiative names replaced by their display labels, and driver
    names by ``scale_label(name)`` (the playbook's :meth:`~cxkit.report.Playbook.scale_label`) when given."""
    out = dict(values)
    if "initiative" in out:
        out["initiative"] = initiative_label(model, out["initiative"], lang)
    if "driver" in out and scale_label is not None:
        out["driver"] = scale_label(out["driver"])
    return out


def input_labels(pb, model: roi.RoiModel, names: Sequence[str]) -> list[str]:
    """Display labels of input names (``tiers.gold.churn`` → "Gold · Annual churn"): tier names through
    :meth:`Playbook.tier_label`, initiatives through their label, the kind through ``roi.in_<kind>``."""
    out = []
    for name in names:
        parts = name.split(".")
        if parts[0] == "tiers":
            out.append(f"{pb.tier_label(parts[1])} · {pb.t(f'roi.in_{parts[2]}')}")
        elif parts[0] == "initiatives":
            out.append(f"{initiative_label(model, parts[1], pb.lang)} · {pb.t(f'roi.in_{parts[2]}')}")
        else:
            out.append(pb.t(f"roi.in_{name}"))
    return out


def _unit(pb, model: roi.RoiModel) -> present.MoneyUnit:
    """The page's one money unit (万元 / 亿元 in Chinese, CNY K / M in English), from the size of the
    programme's costs (:func:`cxkit.present.money_unit`)."""
    costs = [v for k, v in model.base.items() if _input_kind(k) == "money" and k.endswith(".cost")]
    return present.money_unit(model.params.currency, pb.lang, costs or None)


#: how an input of the model is shown: by the last part of its name (``initiatives.x.cost`` → ``cost``)
INPUT_KINDS = {"cost": "money", "revenue": "money", "complaint_cost": "money", "customers": "count",
               "uplift": "points"}


def _input_kind(name: str) -> str:
    """``money``, ``count``, ``points`` or ``share`` (rates, margins, churn, reductions) for an input name.

    >>> _input_kind("initiatives.crm.cost"), _input_kind("tiers.gold.customers"), _input_kind("discount_rate")
    ('money', 'count', 'share')
    """
    return INPUT_KINDS.get(name.split(".")[-1], "share")


def input_value(name: str, v: Any, currency: str, lang: str) -> str:
    """An input's value for presentation: money with its unit, counts as integers, shares as percents,
    points with up to 2 decimals.

    >>> input_value("initiatives.crm.cost", 6e6, "CNY", "zh"), input_value("tiers.gold.churn", 0.125, "CNY", "en")
    ('600.0 万元', '12.5%')
    >>> input_value("tiers.gold.customers", 12000.0, "CNY", "en"), input_value("initiatives.crm.uplift", 2.5, "CNY", "en")
    ('12,000', '2.5')
    """
    kind = _input_kind(name)
    f = _finite(v)
    if f is None:
        return "–"
    if kind == "money":
        return present.money(f, currency, lang)
    if kind == "count":
        return present.headcount(f)
    if kind == "points":
        return present.signed(f"{f:.2f}".rstrip("0").rstrip("."))
    return present.signed(f"{100 * f:.2f}".rstrip("0").rstrip(".") + "%")


def input_distribution(name: str, dist: Any, currency: str, lang: str) -> str:
    """An uncertain input's distribution in words, its parameters formatted like the input itself.

    >>> input_distribution("initiatives.crm.cost", {"dist": "normal", "mean": 6e6, "sd": 9e5}, "CNY", "en")
    'normal (mean CNY 6.0M, SD CNY 900.0K)'
    """
    return present.distribution(dist, lang, lambda x: input_value(name, x, currency, lang))


def _show(pb, frame, columns: Sequence[str], money: Sequence[str] = (), unit: str = "", **kw: Any) -> str:
    """``pb.table`` with the given columns renamed to their ``roi.col_<name>`` strings; the ``money`` columns
    carry the unit in their header ("净现值（万元）")."""
    names = {c: pb.t("roi.with_unit", label=pb.t(f"roi.col_{c}"), unit=unit) if c in money else pb.t(f"roi.col_{c}")
             for c in columns}
    if "digits" in kw and isinstance(kw["digits"], Mapping):
        kw["digits"] = {names.get(c, c): d for c, d in kw["digits"].items()}
    return pb.table(frame.rename(columns=names), **kw)


# ============================================================================ sections
def intro_section(pb, section: Mapping[str, Any] | roi.RoiParams, diag: Mapping[str, Any] | None) -> roi.RoiModel:
    """Notebook 05's opening: build the model, then say where its inputs came from.

    Shows the intro, whether 03's results were read (and how many inputs they gave), and the model's notes
    (fallbacks to the params, rescaled uncertainty ranges): a fallback is a warning when 03 ran but lacked the
    figure, else information.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    section : dict or cxkit.roi.RoiParams
        The ``roi:`` params (``pb.params["roi"]``).
    diag : dict or None
        ``03_diagnostics`` results (tier satisfaction, driver weights and performance), None when 03 did not run.

    Returns
    -------
    cxkit.roi.RoiModel
        The model every other section takes.

    Notes
    -----
    Writes no results key.
    """
    model = roi.build_model(section, diag)
    pb.p(pb.t("roi.intro"))
    if diag is None:
        pb.note(pb.t("roi.no_diagnostics"), "info")
    else:
        pb.note(pb.t("roi.diag_used", n=roi.source_counts(model)["diagnostics"]), "info")
    for key, values in model.notes:
        pb.note(pb.t(key, **note_values(model, values, pb.lang, pb.scale_label)),
                "warn" if diag is not None and "fallback" in key else "info")
    return model


def headline_section(pb, model: roi.RoiModel) -> dict[str, Any]:
    """The headline: NPV, ROI ratio, IRR, payback and investment as cards, and one sentence.

    A note follows when the annual IRR exceeds ``roi.irr_note_above`` (IRR flatters pay-as-you-go cash flows).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.

    Returns
    -------
    dict
        :func:`cxkit.roi.summary` at the base inputs (``base`` of the later sections).

    Notes
    -----
    Results keys: ``currency``, ``horizon_months``, ``npv``, ``irr``, ``payback_month``, ``roi_ratio``,
    ``roi_pct``, ``pv_benefit``, ``pv_cost``, ``total_investment``.
    """
    base = roi.summary(model)
    u = _unit(pb, model)
    unit, M = u.label, u.divisor
    pb.h2(pb.t("roi.sec_headline"))
    pay = pb.t("roi.month_n", n=base["payback_month"]) if base["payback_month"] else pb.t("roi.never")
    pb.kpis([
        {"label": pb.t("roi.kpi_npv"), "value": present.money(base["npv"], model.params.currency, pb.lang),
         "kind": "ok" if base["npv"] > 0 else "alert"},
        {"label": pb.t("roi.kpi_roi"), "value": f"1:{base['roi_ratio']:.1f}",
         "detail": pb.t("roi.roi_detail", pct=f"{100 * base['roi_pct']:.0f}")},
        {"label": pb.t("roi.kpi_irr"),
         "value": present.irr(base["irr"], lang=pb.lang) if base["irr"] is not None else pb.t("roi.undefined"),
         "detail": pb.t("roi.irr_monthly", pct=f"{100 * base['irr_monthly']:.1f}")
         if base["irr_monthly"] is not None else ""},
        {"label": pb.t("roi.kpi_payback"), "value": pay},
        {"label": pb.t("roi.kpi_investment"), "value": present.money(base["total_cost"], model.params.currency, pb.lang)},
    ])
    words = dict(horizon=model.horizon, cost=f"{base['total_cost'] / M:,.1f} {unit}",
                 npv=f"{base['npv'] / M:,.1f} {unit}", rate=f"{100 * model.base['discount_rate']:.1f}",
                 ratio=f"{base['roi_ratio']:.1f}", payback=base["payback_month"])
    pb.p(pb.t("roi.headline_text" if base["payback_month"] else "roi.headline_never", **words))
    if base["irr"] is not None and base["irr"] > model.params.irr_note_above:
        pb.note(pb.t("roi.irr_high"), "info")
    pb.result("currency", model.params.currency)
    pb.result("horizon_months", model.horizon)
    for key in ("npv", "irr", "payback_month", "roi_ratio", "roi_pct", "pv_benefit", "pv_cost"):
        pb.result(key, base[key])
    pb.result("total_investment", base["total_cost"])
    return base


def assumptions_section(pb, model: roi.RoiModel) -> None:
    """Every input with its value, source, reference and Monte Carlo distribution.

    A count of inputs per source (document / client / diagnostics / consultant), then the table of
    :func:`cxkit.roi.assumptions` with translated input names and sources.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.

    Notes
    -----
    Results key: ``sources`` (inputs per source).
    """
    pb.h2(pb.t("roi.sec_assumptions"))
    counts = roi.source_counts(model)
    pb.p(pb.t("roi.assumptions_text", doc=counts["document"], client=counts["client"], diag=counts["diagnostics"],
              cons=counts["consultant"]))
    asm = roi.assumptions(model)
    asm["name"] = asm["input"]
    asm["input"] = input_labels(pb, model, asm["input"])
    asm["source"] = [pb.t(f"roi.source_{s}") for s in asm["source"]]
    cur = model.params.currency
    asm["distribution"] = [input_distribution(n, model.uncertainty[n], cur, pb.lang) if n in model.uncertainty else ""
                           for n in asm["name"]]
    asm["value"] = [input_value(n, v, cur, pb.lang) for n, v in zip(asm["name"], asm["value"])]
    pb.table(asm.rename(columns={"input": pb.t("roi.col_input"), "value": pb.t("roi.col_value"),
                                 "source": pb.t("roi.col_source"), "ref": pb.t("roi.col_ref"),
                                 "distribution": pb.t("roi.col_dist")}).drop(columns="name"), digits=4)
    pb.result("sources", counts)


def cash_flow_section(pb, model: roi.RoiModel) -> None:
    """The monthly cash flow: net bars with the cumulative line, then the table by quarter.

    Chart :func:`plot_cash_flow`; table :func:`cxkit.roi.by_quarter` with money in millions.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.

    Notes
    -----
    Writes no results key.
    """
    u = _unit(pb, model)
    unit, M = u.label, u.divisor
    pb.h2(pb.t("roi.sec_cashflow"))
    cf = roi.cash_flow_table(model)
    pb.figure(plot_cash_flow(cf, title=pb.t("roi.cf_title"), xlabel=pb.t("roi.cf_x"), ylabel=unit,
                             net_label=pb.t("roi.cf_net"), cum_label=pb.t("roi.cf_cum"), scale=M),
              alt=pb.t("roi.cf_title"))
    pb.p(pb.t("roi.cf_text", unit=unit))
    cq = roi.by_quarter(cf)
    cq[cq.columns[2:]] = cq[cq.columns[2:]] / M
    cols = {"quarter": "quarter", "phase": "phase", "cost": "cost", "retention": "retention", "revenue": "revenue",
            "savings": "savings", "net": "net", "cumulative": "cum", "discounted_cumulative": "dcum"}
    pb.table(cq.rename(columns={c: pb.t(f"roi.col_{k}") for c, k in cols.items()}),
             digits={pb.t("roi.col_quarter"): 0, pb.t("roi.col_phase"): 0})


def waterfall_section(pb, model: roi.RoiModel, base: Mapping[str, Any]) -> None:
    """Where the value comes from: a waterfall of present values and each source's share of the benefit.

    Retention, revenue, savings (and terminal value), minus the investment, give the NPV
    (:func:`cxkit.roi.waterfall`, :func:`plot_waterfall`).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.
    base : dict
        The base-case key figures of :func:`headline_section` (:func:`cxkit.roi.summary`).

    Notes
    -----
    Results key: ``pv_by_source`` (retention, revenue, savings, terminal).
    """
    u = _unit(pb, model)
    unit, M = u.label, u.divisor
    pb.h2(pb.t("roi.sec_waterfall"))
    wf = roi.waterfall(model)
    pb.figure(plot_waterfall(wf, [pb.t(f"roi.wf_{c}") for c in wf["component"]], title=pb.t("roi.wf_title"),
                             ylabel=unit, scale=M), alt=pb.t("roi.wf_title"))
    shares = {k: 100 * base["pv"][k] / base["pv_benefit"] for k in ("retention", "revenue", "savings")}
    pb.p(pb.t("roi.wf_text", ret=f"{shares['retention']:.0f}", rev=f"{shares['revenue']:.0f}",
              sav=f"{shares['savings']:.0f}"))
    pb.result("pv_by_source", {k: base["pv"][k] for k in ("retention", "revenue", "savings", "terminal")})


def tier_section(pb, model: roi.RoiModel, base: Mapping[str, Any]):
    """ROI per tier: present cost, benefit, NPV and ratio of each tier (:func:`cxkit.roi.roi_by_tier`).

    A warning names each tier below 1:1 (its benefits do not repay the cost charged to it) while the programme
    as a whole pays back.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.
    base : dict
        The base-case key figures of :func:`headline_section` (:func:`cxkit.roi.summary`).

    Returns
    -------
    pandas.DataFrame
        The tier table (for :func:`document_section`).

    Notes
    -----
    Results key: ``roi_by_tier`` (``{tier: ratio}``, null for a tier charged nothing).
    """
    u = _unit(pb, model)
    M = u.divisor
    pb.h2(pb.t("roi.sec_tiers"))
    tiers = roi.roi_by_tier(model)
    pb.p(pb.t("roi.tiers_text"))
    tv = tiers.assign(tier=[pb.tier_label(t) for t in tiers["tier"]], pv_cost=tiers["pv_cost"] / M,
                      pv_benefit=tiers["pv_benefit"] / M, npv=tiers["npv"] / M).rename(columns={"roi_ratio": "ratio"})
    _show(pb, tv, ["tier", "pv_cost", "pv_benefit", "npv", "ratio"], money=["pv_cost", "pv_benefit", "npv"],
          unit=u.label, digits=1)
    for t, r in zip(tv["tier"], tiers["roi_ratio"]):
        if r is not None and r < 1 <= base["roi_ratio"]:      # 1:1 = the tier's benefits just repay its cost
            pb.note(pb.t("roi.tier_below_one", tier=t, ratio=f"{r:.2f}"), "warn")
    pb.result("roi_by_tier", {r.tier: None if _finite(r.roi_ratio) is None else float(r.roi_ratio)
                              for r in tiers.itertuples()})
    return tiers


def break_even_section(pb, model: roi.RoiModel) -> None:
    """The uplift the programme needs to break even, and the annual value of one satisfaction point.

    :func:`cxkit.roi.break_even_uplift` (ok note when savings alone pay back, alert when no uplift does) and
    :func:`cxkit.roi.value_per_point` (notebook 06 prices satisfaction points with it).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.

    Notes
    -----
    Results keys: ``break_even_scale``, ``break_even_uplift_points``, ``planned_uplift_points``,
    ``value_per_point``, ``value_per_point_by_tier``.
    """
    u = _unit(pb, model)
    pb.h2(pb.t("roi.sec_breakeven"))
    be = roi.break_even_uplift(model)
    if be["scale"] == 0:
        pb.note(pb.t("roi.breakeven_zero"), "ok")
    elif be["scale"] is None:
        pb.note(pb.t("roi.breakeven_none"), "alert")
    else:
        pb.p(pb.t("roi.breakeven_text", planned=f"{be['planned_points']:.2f}", share=f"{100 * be['scale']:.0f}",
                  points=f"{be['points']:.2f}"))
    vpp = roi.value_per_point(model)
    pb.p(pb.t("roi.vpp_text", value=f"{vpp['total'] / u.divisor:,.2f}", unit=u.label))
    pb.result("break_even_scale", be["scale"])
    pb.result("break_even_uplift_points", be["points"])
    pb.result("planned_uplift_points", be["planned_points"])
    pb.result("value_per_point", vpp["total"])
    pb.result("value_per_point_by_tier", vpp["by_tier"])


def document_section(pb, model: roi.RoiModel, base: Mapping[str, Any], tiers) -> None:
    """The model's figures beside the documents' (ROI, platinum vs gold, payback, CLV per point).

    Table of :func:`cxkit.roi.document_check`; a note names the figures more than a factor 2 away (the documents
    quote other companies' cases: a second look, not a fix).

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.
    base : dict
        The base-case key figures of :func:`headline_section` (:func:`cxkit.roi.summary`).
    tiers : pandas.DataFrame
        The tier table of :func:`tier_section`.

    Notes
    -----
    Results key: ``clv_change_per_point``.
    """
    pb.h2(pb.t("roi.sec_docs"))
    clv = roi.clv_table(model)
    pb.p(pb.t("roi.docs_text", clv=f"{100 * clv['change'].iloc[-1]:.1f}"))
    chk = roi.document_check(base, tiers, clv)
    shown = chk.assign(figure=[pb.t(f"roi.doc_{f}") for f in chk["figure"]],
                       model=[fmt_figure(f, v) for f, v in zip(chk["figure"], chk["model"])],
                       document=[fmt_figure(f, v) for f, v in zip(chk["figure"], chk["document"])])
    _show(pb, shown.drop(columns="close"), ["figure", "model", "document", "ref"])
    far = [pb.t(f"roi.doc_{f}") for f, c in zip(chk["figure"], chk["close"]) if c is False]
    if far:
        pb.note(pb.t("roi.docs_far", figures=", ".join(far)), "info")
    pb.result("clv_change_per_point", _finite(clv["change"].iloc[-1]))


def _month_or_none(m: Any) -> int | None:
    return None if m is None or (isinstance(m, float) and math.isnan(m)) else int(m)


def scenario_section(pb, model: roi.RoiModel) -> None:
    """The scenarios of ``roi.scenarios`` (conservative / base / aggressive …) side by side.

    NPV bars (:func:`plot_scenarios`) and the table of NPV, IRR, payback, ROI ratio and present values.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.

    Notes
    -----
    Results key: ``scenarios`` (``{name: {npv, irr, roi_ratio, payback_month}}``).
    """
    u = _unit(pb, model)
    unit, M = u.label, u.divisor
    pb.h2(pb.t("roi.sec_scenarios"))
    sc = roi.scenarios(model)
    sc_labels = [pb.label(f"roi.sc_{s}", s) for s in sc["scenario"]]
    pb.p(pb.t("roi.sc_text"))
    pb.figure(plot_scenarios(sc, sc_labels, title=pb.t("roi.sc_title"), ylabel=unit, scale=M),
              alt=pb.t("roi.sc_title"))
    sv = sc.assign(scenario=sc_labels, npv=sc["npv"] / M, pv_benefit=sc["pv_benefit"] / M, pv_cost=sc["pv_cost"] / M,
                   irr=[present.irr(v, lang=pb.lang) if _finite(v) is not None else pb.t("roi.undefined")
                        for v in sc["irr"]])
    _show(pb, sv.rename(columns={"payback_month": "payback", "roi_ratio": "ratio"}),
          ["scenario", "npv", "irr", "payback", "ratio", "pv_benefit", "pv_cost"],
          money=["npv", "pv_benefit", "pv_cost"], unit=u.label, digits={"payback": 0})
    pb.result("scenarios", {r.scenario: {"npv": r.npv, "irr": r.irr, "roi_ratio": r.roi_ratio,
                                         "payback_month": _month_or_none(r.payback_month)} for r in sc.itertuples()})


def monte_carlo_section(pb, model: roi.RoiModel, *, seed: int) -> None:
    """The Monte Carlo over ``roi.uncertainty``: NPV and payback percentiles and the NPV histogram.

    A warning per input with more than ``roi.clip_warn_share`` of its draws clipped to the allowed range, and
    one when P(NPV > 0) is below ``roi.p_positive_warn``. Without uncertainty: a warning, and null keys.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.
    seed : int
        Seed of the draws (:func:`cxkit.roi.monte_carlo`; the engagement's ``seed``).

    Notes
    -----
    Results keys: ``p_npv_positive``, ``npv_p10``, ``npv_p50``, ``npv_p90``, ``npv_mean``, ``payback_p10``,
    ``payback_p50``, ``payback_p90``, ``p_payback_in_horizon``, ``mc_draws`` (0 without uncertainty).
    """
    u, P = _unit(pb, model), model.params
    unit, M = u.label, u.divisor
    pb.h2(pb.t("roi.sec_mc"))
    mc = roi.monte_carlo(model, seed=seed) if model.uncertainty else None
    if mc is None:
        pb.note(pb.t("roi.mc_none"), "warn")
    else:
        never = pb.t("roi.never")
        pb.p(pb.t("roi.mc_text", k=len(mc["draws"]), n=f"{mc['n']:,}", seed=seed, p=f"{100 * mc['p_npv_positive']:.1f}",
                  p10=f"{mc['npv_p10'] / M:,.1f}", p50=f"{mc['npv_p50'] / M:,.1f}", p90=f"{mc['npv_p90'] / M:,.1f}",
                  unit=unit))
        pb.p(pb.t("roi.mc_payback", **{k: mc[f"payback_{k}"] or never for k in ("p10", "p50", "p90")}))
        pb.figure(plot_histogram(mc["npv"], mc, title=pb.t("roi.hist_title"), xlabel=unit,
                                 ylabel=pb.t("roi.hist_y"), scale=M), alt=pb.t("roi.hist_title"))
        for name, share in mc["clipped"].items():
            if share > P.clip_warn_share:
                pb.note(pb.t("roi.mc_clipped", input=input_labels(pb, model, [name])[0], pct=f"{100 * share:.1f}"),
                        "warn")
        if mc["p_npv_positive"] < P.p_positive_warn:
            pb.note(pb.t("roi.mc_risk", pct=f"{100 * (1 - mc['p_npv_positive']):.1f}"), "warn")
    for key in MC_KEYS:
        pb.result(key, (mc or {}).get(key))
    pb.result("mc_draws", (mc or {}).get("n", 0))


def tornado_section(pb, model: roi.RoiModel, base: Mapping[str, Any]) -> None:
    """One-at-a-time sensitivity: NPV with each uncertain input at its P10 and P90 (:func:`cxkit.roi.tornado`).

    Chart (:func:`plot_tornado`), the three widest swings in a sentence, the table. Shown only with
    ``roi.uncertainty``.

    Parameters
    ----------
    pb : cxkit.report.Playbook
        The playbook of the region (text, tables, charts and results go through it).
    model : cxkit.roi.RoiModel
        The model of :func:`intro_section`.
    base : dict
        The base-case key figures of :func:`headline_section` (:func:`cxkit.roi.summary`).

    Notes
    -----
    Results key: ``tornado`` (``[{input, swing}]``, widest first; empty without uncertainty).
    """
    u = _unit(pb, model)
    unit, M = u.label, u.divisor
    tor = roi.tornado(model) if model.uncertainty else None
    if tor is not None:
        pb.h2(pb.t("roi.sec_tornado"))
        tl = input_labels(pb, model, tor["input"])
        pb.figure(plot_tornado(tor, tl, base=base["npv"], title=pb.t("roi.tor_title"), xlabel=unit,
                               low_label=pb.t("roi.tor_low"), high_label=pb.t("roi.tor_high"), scale=M),
                  alt=pb.t("roi.tor_title"))
        pb.p(pb.t("roi.tor_text", top=", ".join(tl[:3])))
        cur = model.params.currency
        tt = tor.assign(input=tl, low=[input_value(n, v, cur, pb.lang) for n, v in zip(tor["input"], tor["low"])],
                        high=[input_value(n, v, cur, pb.lang) for n, v in zip(tor["input"], tor["high"])],
                        npv_low=tor["npv_low"] / M, npv_high=tor["npv_high"] / M, swing=tor["swing"] / M)
        _show(pb, tt, ["input", "low", "high", "npv_low", "npv_high", "swing"],
              money=["npv_low", "npv_high", "swing"], unit=unit, digits=1)
    pb.result("tornado", [{"input": r.input, "swing": r.swing} for r in tor.itertuples()] if tor is not None else [])


# ============================================================================ charts
def plot_cash_flow(cf, *, title: str, xlabel: str, ylabel: str, net_label: str, cum_label: str, scale: float = 1.0):
    """Monthly net cash flow (bars) and cumulative (line)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2))
    net = cf["net"].to_numpy() / scale
    colors = np.where(net >= 0, "#3a9d5d", "#c2423f")
    ax.bar(cf["month"], net, color=colors, label=net_label)
    ax.plot(cf["month"], cf["cumulative"].to_numpy() / scale, color="#1f5f8b", lw=2, marker="o", ms=3, label=cum_label)
    ax.axhline(0, color="#444", lw=0.8)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def plot_waterfall(wf, labels: Sequence[str], *, title: str, ylabel: str, scale: float = 1.0):
    """Waterfall of present values: each source adds, the investment subtracts, the last bar is NPV."""
    import matplotlib.pyplot as plt

    vals = wf["value"].to_numpy() / scale
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    run = 0.0
    for j, v in enumerate(vals):
        last = j == len(vals) - 1
        bottom = 0.0 if last else (run if v >= 0 else run + v)
        color = "#1f5f8b" if last else ("#3a9d5d" if v >= 0 else "#c2423f")
        ax.bar(j, abs(v) if not last else v, bottom=bottom, color=color)
        ax.annotate(f"{v:,.1f}", (j, (bottom + abs(v)) if not last else max(v, 0)), ha="center", va="bottom", fontsize=9)
        if not last:
            run += v
    ax.axhline(0, color="#444", lw=0.8)
    ax.set_xticks(range(len(vals)), labels, rotation=0)
    ax.set(title=title, ylabel=ylabel)
    fig.tight_layout()
    return fig


def plot_histogram(npvs: np.ndarray, mc: Mapping[str, Any], *, title: str, xlabel: str, ylabel: str,
                   scale: float = 1.0):
    """Histogram of Monte Carlo NPVs with P10 / P50 / P90 and zero marked."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.hist(np.asarray(npvs) / scale, bins=60, color="#5b8fa8", edgecolor="white")
    for key, style in (("npv_p10", ":"), ("npv_p50", "--"), ("npv_p90", ":")):
        ax.axvline(mc[key] / scale, color="#1f5f8b", ls=style, lw=1.5)
        ax.annotate(key[-3:].upper(), (mc[key] / scale, ax.get_ylim()[1] * 0.95), ha="center", fontsize=9)
    ax.axvline(0, color="#c2423f", lw=1.5)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    fig.tight_layout()
    return fig


def plot_tornado(tor, labels: Sequence[str], *, base: float, title: str, xlabel: str, low_label: str,
                 high_label: str, scale: float = 1.0, max_rows: int = 15):
    """Tornado chart: NPV at each input's low and high value, widest swing on top."""
    import matplotlib.pyplot as plt

    tor = tor.head(max_rows)
    labels = list(labels)[:len(tor)]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(tor) + 1.5))
    y = np.arange(len(tor))[::-1]
    b = base / scale
    lo = tor["npv_low"].to_numpy() / scale
    hi = tor["npv_high"].to_numpy() / scale
    ax.barh(y, lo - b, left=b, color="#e07b39", label=low_label)
    ax.barh(y, hi - b, left=b, color="#1f5f8b", label=high_label)
    ax.axvline(b, color="#444", lw=0.8)
    ax.axvline(0, color="#c2423f", lw=0.8, ls="--")
    ax.set_yticks(y, labels)
    ax.set(title=title, xlabel=xlabel)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.9 / (0.45 * len(tor) + 1.5)), ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def plot_scenarios(sc, labels: Sequence[str], *, title: str, ylabel: str, scale: float = 1.0):
    """NPV of each scenario as bars."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    vals = sc["npv"].to_numpy() / scale
    ax.bar(range(len(vals)), vals, color=["#e07b39", "#1f5f8b", "#3a9d5d"][:len(vals)] + ["#7d5ba6"] * (len(vals) - 3))
    for j, v in enumerate(vals):
        ax.annotate(f"{v:,.1f}", (j, max(v, 0)), ha="center", va="bottom", fontsize=9)
    ax.axhline(0, color="#444", lw=0.8)
    ax.set_xticks(range(len(vals)), labels)
    ax.set(title=title, ylabel=ylabel)
    fig.tight_layout()
    return fig
