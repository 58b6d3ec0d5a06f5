# %% [markdown]
# # 05 · ROI model
# Satisfaction → retention → money. All logic lives in `cxkit.roi`; text in `cxkit/i18n/roi.yaml`.
# Reads `03_diagnostics` results when present (tier satisfaction, driver weights × gap closed).

# %% [parameters]
params = {}
region = ""
notebook = "05_roi"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from cxkit import roi
from cxkit.report import start, fmt_num, fmt_pct

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
diag = pb.load_results("03_diagnostics")
model = roi.build_model(pb.params["roi"], diag)
cur = model.params.currency
M = 1e6
unit = pb.t("roi.unit_m", currency=cur)
pb.p(pb.t("roi.intro"))
if diag is None:
    pb.note(pb.t("roi.no_diagnostics"), "info")
else:
    pb.note(pb.t("roi.diag_used", n=roi.source_counts(model)["diagnostics"]), "info")
for key, values in model.notes:
    pb.note(pb.t(key, **roi.note_values(model, values, pb.lang)), "warn" if diag is not None and "fallback" in key else "info")

# %%
base = roi.summary(model)
pb.h2(pb.t("roi.sec_headline"))
pay = pb.t("roi.month_n", n=base["payback_month"]) if base["payback_month"] else pb.t("roi.never")
pb.kpis([
    {"label": pb.t("roi.kpi_npv"), "value": f"{fmt_num(base['npv'] / M, 1)} {unit}",
     "kind": "ok" if base["npv"] > 0 else "alert"},
    {"label": pb.t("roi.kpi_roi"), "value": f"1:{base['roi_ratio']:.1f}",
     "detail": pb.t("roi.roi_detail", pct=f"{100 * base['roi_pct']:.0f}")},
    {"label": pb.t("roi.kpi_irr"), "value": fmt_pct(base["irr"], 0) if base["irr"] is not None else pb.t("roi.undefined"),
     "detail": pb.t("roi.irr_monthly", pct=f"{100 * base['irr_monthly']:.1f}") if base["irr_monthly"] is not None else ""},
    {"label": pb.t("roi.kpi_payback"), "value": pay},
    {"label": pb.t("roi.kpi_investment"), "value": f"{fmt_num(base['total_cost'] / M, 1)} {unit}"},
])
words = dict(horizon=model.horizon, cost=f"{base['total_cost'] / M:,.1f} {unit}", npv=f"{base['npv'] / M:,.1f} {unit}",
             rate=f"{100 * model.base['discount_rate']:.1f}", ratio=f"{base['roi_ratio']:.1f}", payback=base["payback_month"])
pb.p(pb.t("roi.headline_text" if base["payback_month"] else "roi.headline_never", **words))
if base["irr"] is not None and base["irr"] > 1:
    pb.note(pb.t("roi.irr_high"), "info")

# %%
pb.h2(pb.t("roi.sec_assumptions"))
counts = roi.source_counts(model)
pb.p(pb.t("roi.assumptions_text", doc=counts["document"], client=counts["client"], diag=counts["diagnostics"],
          cons=counts["consultant"]))
asm = roi.assumptions(model)
asm["input"] = roi.label_inputs(model, asm["input"], pb.t, pb.tier_label, pb.lang)
asm["source"] = [pb.t(f"roi.source_{s}") for s in asm["source"]]
asm["value"] = [roi.fmt_value(v) for v in asm["value"]]
pb.table(asm.rename(columns={"input": pb.t("roi.col_input"), "value": pb.t("roi.col_value"),
                             "source": pb.t("roi.col_source"), "ref": pb.t("roi.col_ref"),
                             "distribution": pb.t("roi.col_dist")}), digits=4)

# %%
pb.h2(pb.t("roi.sec_cashflow"))
cf = roi.cash_flow_table(model)
pb.figure(roi.plot_cash_flow(cf, title=pb.t("roi.cf_title"), xlabel=pb.t("roi.cf_x"), ylabel=unit,
                             net_label=pb.t("roi.cf_net"), cum_label=pb.t("roi.cf_cum"), scale=M),
          alt=pb.t("roi.cf_title"))
pb.p(pb.t("roi.cf_text", unit=unit))
cq = roi.by_quarter(cf)
cq[cq.columns[2:]] = cq[cq.columns[2:]] / M
pb.table(cq.rename(columns={"quarter": pb.t("roi.col_quarter"), "phase": pb.t("roi.col_phase"),
                            "cost": pb.t("roi.col_cost"), "retention": pb.t("roi.col_retention"),
                            "revenue": pb.t("roi.col_revenue"), "savings": pb.t("roi.col_savings"),
                            "net": pb.t("roi.col_net"), "cumulative": pb.t("roi.col_cum"),
                            "discounted_cumulative": pb.t("roi.col_dcum")}),
         digits={pb.t("roi.col_quarter"): 0, pb.t("roi.col_phase"): 0})

# %%
pb.h2(pb.t("roi.sec_waterfall"))
wf = roi.waterfall(model)
pb.figure(roi.plot_waterfall(wf, [pb.t(f"roi.wf_{c}") for c in wf["component"]], title=pb.t("roi.wf_title"),
                             ylabel=unit, scale=M), alt=pb.t("roi.wf_title"))
shares = {k: 100 * base["pv"][k] / base["pv_benefit"] for k in ("retention", "revenue", "savings")}
pb.p(pb.t("roi.wf_text", ret=f"{shares['retention']:.0f}", rev=f"{shares['revenue']:.0f}",
          sav=f"{shares['savings']:.0f}"))

# %%
pb.h2(pb.t("roi.sec_tiers"))
tiers = roi.roi_by_tier(model)
pb.p(pb.t("roi.tiers_text"))
tv = tiers.assign(tier=[pb.tier_label(t) for t in tiers["tier"]], pv_cost=tiers["pv_cost"] / M,
                  pv_benefit=tiers["pv_benefit"] / M, npv=tiers["npv"] / M)
pb.table(tv.rename(columns={"tier": pb.t("roi.col_tier"), "pv_cost": pb.t("roi.col_pv_cost"),
                            "pv_benefit": pb.t("roi.col_pv_benefit"), "npv": pb.t("roi.col_npv"),
                            "roi_ratio": pb.t("roi.col_ratio")}), digits=2)
for t, r in zip(tv["tier"], tiers["roi_ratio"]):
    if r is not None and r < 1 <= base["roi_ratio"]:
        pb.note(pb.t("roi.tier_below_one", tier=t, ratio=f"{r:.2f}"), "warn")

# %%
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
pb.p(pb.t("roi.vpp_text", value=f"{vpp['total'] / M:,.2f}", unit=unit))

# %%
pb.h2(pb.t("roi.sec_docs"))
clv = roi.clv_table(model)
pb.p(pb.t("roi.docs_text", clv=f"{100 * clv['change'].iloc[-1]:.1f}"))
chk = roi.document_check(base, tiers, clv)
pb.table(chk.assign(figure=[pb.t(f"roi.doc_{f}") for f in chk["figure"]],
                    model=[roi.fmt_figure(f, v) for f, v in zip(chk["figure"], chk["model"])],
                    document=[roi.fmt_figure(f, v) for f, v in zip(chk["figure"], chk["document"])])
         .drop(columns="close").rename(columns={"figure": pb.t("roi.col_figure"), "model": pb.t("roi.col_model"),
                                                "document": pb.t("roi.col_document"), "ref": pb.t("roi.col_ref")}))
far = [pb.t(f"roi.doc_{f}") for f, c in zip(chk["figure"], chk["close"]) if c is False]
if far:
    pb.note(pb.t("roi.docs_far", figures=", ".join(far)), "info")

# %%
pb.h2(pb.t("roi.sec_scenarios"))
sc = roi.scenarios(model)
sc_labels = [pb.label(f"roi.sc_{s}", s) for s in sc["scenario"]]
pb.p(pb.t("roi.sc_text"))
pb.figure(roi.plot_scenarios(sc, sc_labels, title=pb.t("roi.sc_title"), ylabel=unit, scale=M),
          alt=pb.t("roi.sc_title"))
sv = sc.assign(scenario=sc_labels, npv=sc["npv"] / M, pv_benefit=sc["pv_benefit"] / M, pv_cost=sc["pv_cost"] / M)
pb.table(sv.rename(columns={"scenario": pb.t("roi.col_scenario"), "npv": pb.t("roi.col_npv"),
                            "irr": pb.t("roi.col_irr"), "payback_month": pb.t("roi.col_payback"),
                            "roi_ratio": pb.t("roi.col_ratio"), "pv_benefit": pb.t("roi.col_pv_benefit"),
                            "pv_cost": pb.t("roi.col_pv_cost")}), percent=[pb.t("roi.col_irr")],
         digits={pb.t("roi.col_payback"): 0})

# %%
pb.h2(pb.t("roi.sec_mc"))
seed = int(pb.params.get("seed", 0))
mc = roi.monte_carlo(model, seed=seed) if model.uncertainty else None
if mc is None:
    pb.note(pb.t("roi.mc_none"), "warn")
else:
    never = pb.t("roi.never")
    pb.p(pb.t("roi.mc_text", k=len(mc["draws"]), n=f"{mc['n']:,}", seed=seed, p=f"{100 * mc['p_npv_positive']:.1f}",
              p10=f"{mc['npv_p10'] / M:,.1f}", p50=f"{mc['npv_p50'] / M:,.1f}", p90=f"{mc['npv_p90'] / M:,.1f}", unit=unit))
    pb.p(pb.t("roi.mc_payback", **{k: mc[f"payback_{k}"] or never for k in ("p10", "p50", "p90")}))
    pb.figure(roi.plot_histogram(mc["npv"], mc, title=pb.t("roi.hist_title"), xlabel=unit,
                                 ylabel=pb.t("roi.hist_y"), scale=M), alt=pb.t("roi.hist_title"))
    for name, share in mc["clipped"].items():
        if share > 0.01:
            pb.note(pb.t("roi.mc_clipped", input=roi.label_inputs(model, [name], pb.t, pb.tier_label, pb.lang)[0],
                         pct=f"{100 * share:.1f}"), "warn")
    if mc["p_npv_positive"] < 0.9:
        pb.note(pb.t("roi.mc_risk", pct=f"{100 * (1 - mc['p_npv_positive']):.1f}"), "warn")

# %%
tor = roi.tornado(model) if model.uncertainty else None
if tor is not None:
    pb.h2(pb.t("roi.sec_tornado"))
    tl = roi.label_inputs(model, tor["input"], pb.t, pb.tier_label, pb.lang)
    pb.figure(roi.plot_tornado(tor, tl, base=base["npv"], title=pb.t("roi.tor_title"), xlabel=unit,
                               low_label=pb.t("roi.tor_low"), high_label=pb.t("roi.tor_high"), scale=M),
              alt=pb.t("roi.tor_title"))
    pb.p(pb.t("roi.tor_text", top=", ".join(tl[:3])))
    tt = tor.assign(input=tl, low=[roi.fmt_value(v) for v in tor["low"]], high=[roi.fmt_value(v) for v in tor["high"]],
                    npv_low=tor["npv_low"] / M, npv_high=tor["npv_high"] / M, swing=tor["swing"] / M)
    pb.table(tt.rename(columns={"input": pb.t("roi.col_input"), "low": pb.t("roi.col_low"), "high": pb.t("roi.col_high"),
                                "npv_low": pb.t("roi.col_npv_low"), "npv_high": pb.t("roi.col_npv_high"),
                                "swing": pb.t("roi.col_swing")}), digits=3)

# %%
for key, value in roi.results_summary(model, base, tiers, mc, vpp, be, sc, tor, clv).items():
    pb.result(key, value)
pb.save();
