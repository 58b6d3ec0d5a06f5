# %% [markdown]
# # 03 · Diagnostics
# Where the client stands (KPIs with intervals, tiers, gaps, alerts) and what drives satisfaction
# (relative weights, dominance, IPA, Kano, SERVQUAL). Logic: `cxkit.metrics`, `cxkit.tiers`,
# `cxkit.drivers`; parameters: `cxkit.diagnostics.DiagnosticsParams`; text: `cxkit/i18n/diagnostics.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "03_diagnostics"
results_path = ""
results_dir = ""
run_dir = ""

# %%
import pandas as pd

from cxkit import diagnostics, drivers, metrics, tiers
from cxkit.diagnostics import show_table
from cxkit.errors import CxError
from cxkit.report import start, fmt_num, fmt_pct

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
survey, P, targets = pb.params["survey"], pb.params["diagnostics"], pb.params.get("targets", {})
df = pb.responses()
outcomes = {k: v for k, v in survey["outcomes"].items() if v}
ranges = survey["outcome_ranges"]
seg = survey.get("segment_column")
order = list(tiers.TIER_ORDER)
conf, top_box = P["confidence"], P["top_box"]
sat_key, sat_col = metrics.satisfaction_column(outcomes)
rel = pb.load_results("02_reliability")
# items 02 recommends dropping are left out of the scale scores (diagnostics.drop_flagged_items: false keeps them)
scales, dropped = drivers.refine_scales(survey["scales"], rel if P["drop_flagged_items"] else None)
T = lambda key, **kw: pb.t(f"diag.{key}", **kw)  # noqa: E731
group_label = lambda g: pb.t("common.all") if g == "_all" else pb.tier_label(g)  # noqa: E731

show = lambda frame, **kw: show_table(pb, frame, **kw)  # noqa: E731
pb.p(T("intro", conf=f"{100 * conf:.0f}"))
if rel is None:
    pb.note(T("no_reliability"), "info")
pb.result("scale_items_dropped", dropped)
for sc, it in dropped.items():
    pb.note(T("dropped_item", item=it, scale=pb.scale_label(sc)), "info")

# %% [markdown]
# ## KPI scorecard

# %%
card = metrics.scorecard(df, outcomes, ranges, group=seg, order=order, conf=conf, top_box=top_box)
pb.h2(T("sec_kpi"))
# headline KPIs: weighted (with <kpi>_ci) when the engagement has a weighting section
k = {**card.iloc[0].to_dict(), **diagnostics.weighted_headline(pb, df, pb.params, card.iloc[0].to_dict(),
                                                               outcomes=outcomes, ranges=ranges, conf=conf, top_box=top_box)}
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
show(card[cols].assign(group=card["group"].map(group_label)), percent=["top_box"])
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

# %% [markdown]
# ## Tests of differences between tiers and segments

# %%
specs = metrics.kpi_test_specs(outcomes, ranges, top_box)
pb.h2(T("sec_tests"))
pb.p(T("tests_text", padjust=P["padjust"], min_n=P["min_group_n"]))
test_summary = {}
for g in [c for c in [seg, *P["segments"]] if c]:
    if g not in df.columns:
        pb.note(T("warn_no_segment", column=g), "warn")
        continue
    tests = metrics.difference_tests(df, specs, g, min_n=P["min_group_n"], padjust=P["padjust"], order=order)
    glabel = pb.t("common.tier") if g == seg else g
    pb.h3(T("tests_by", column=glabel))
    for name, n in tests["skipped"].items():
        pb.note(T("warn_small_group", group=group_label(name), n=n, min=P["min_group_n"], column=glabel), "warn")
    for msg in tests["problems"]:
        pb.note(msg, "warn")
    om, pw = tests["omnibus"], tests["pairwise"]
    if len(om):
        show(om.assign(kpi=om["kpi"].map(lambda m: T(f"metric_{m}")), test=om["test"].map(lambda t: T(f"test_{t}")),
                       effect=om["effect"].map(lambda e: T(f"eff_{e}"))), digits=2, p_value=4, df=0)
    if len(pw):
        sig = pw[pw["p_adj"] < 1 - conf]
        pb.p(T("pairwise_text", n_sig=len(sig), n=len(pw), alpha=f"{1 - conf:.2f}"))
        pw_show = pw.assign(kpi=pw["kpi"].map(lambda m: T(f"metric_{m}")), a=pw["a"].map(group_label),
                            b=pw["b"].map(group_label),
                            effect=pw["effect"].map(lambda e: T(f"eff_{e}"))).drop(columns=["padjust"])
        show(pw_show, digits=2, p_value=4, p_adj=4)
    test_summary[g] = {f"{r['kpi']}.{r['test']}": r["p_value"] for _, r in om.iterrows()} if len(om) else {}
pb.result("difference_tests", test_summary)

# %% [markdown]
# ## Gaps to targets and benchmarks, alerts

# %%
pb.h2(T("sec_gaps"))
bench = P["benchmarks"] if P["benchmarks"] is not None else {k: v for k, v in targets.items()
                                                             if k in ("industry", "leader")}
tier_vals = {r["group"]: r.drop("group").to_dict() for _, r in card.iloc[1:].iterrows()}
actual = {T("kpi_sat"): k["satisfaction"]}
if "csat" in outcomes:
    actual[T("kpi_csat")] = k["csat_0_100"]
if bench:
    gaps = metrics.gap_table(actual, bench)
    pb.p(T("gap_text"))
    show(gaps, percent=["gap"])
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
    pb.note(T("alert", metric=T(f"metric_{a['metric']}"), who=group_label(a["tier"] or "_all"),
              value=fmt_num(a["value"], 1), below=fmt_num(a["below"], 0)), "alert")
if rules and not alerts:
    pb.note(T("no_alerts"), "ok")
pb.result("alerts", alerts)

# %% [markdown]
# ## Wave over wave (when a previous wave is given)

# %%
pb.h2(T("sec_wave"))
if pb.params.get("previous_responses"):
    from cxkit import validation as cxio
    prev, _ = cxio.read_responses({**pb.params, "responses": pb.params["previous_responses"]})
    wave = metrics.wave_table(df, prev, outcomes, ranges, top_box=top_box)
    show(wave.assign(kpi=wave["kpi"].map(lambda m: T(f"metric_{m}")),
                     better=wave["better"].map(lambda b: T("yes") if b else T("no"))), digits=2, p_value=4)
    for _, r in wave[wave["p_value"] < 1 - conf].iterrows():
        pb.note(T("wave_sig", kpi=T(f"metric_{r['kpi']}"), change=fmt_num(r["change"], 2)),
                "ok" if r["better"] else "warn")
    pb.result("wave_change", {r["kpi"]: {"change": r["change"], "p_value": r["p_value"]} for _, r in wave.iterrows()})
else:
    pb.note(T("no_wave"), "info")

# %% [markdown]
# ## Customer tiers

# %%
pb.h2(T("sec_tiers"))
if not (seg and seg in df.columns):
    pb.note(T("no_tiers"), "info")
    pb.result("tier_satisfaction", {})
    pb.result("tier_share", {})
else:
    spend_col = P["spend_column"]
    if spend_col and spend_col in df.columns:
        band = tiers.spend_tier(df[spend_col], P["spend_bands"], column=spend_col)
        agree = tiers.agreement(df[seg].reset_index(drop=True), band)
        pb.p(T("spend_band_text", pct=fmt_pct(agree["agreement"]), kappa=fmt_num(agree["kappa"], 2)))
        if agree["agreement"] < 0.9:
            pb.note(T("warn_spend_band", pct=fmt_pct(agree["agreement"])), "warn")
        pb.result("spend_band_agreement", agree)
    if P["tier_score"]["enabled"]:
        try:
            score = tiers.tier_score(df, weights=P["tier_score"]["weights"], columns=P["tier_score"]["columns"],
                                     need_scores=P["tier_score"]["need_scores"])
        except CxError as exc:  # e.g. a missing column: the section becomes a note, not a failed playbook
            pb.note(T("warn_tier_score", reason=exc.message),
                    "warn" if tiers.has_value_columns(df.columns, P["tier_score"]["columns"]) else "info")
            score = None
        if score is not None:
            shares = P["tier_shares"] or tiers.TIER_SHARES
            st = tiers.score_tiers(score["score"], shares)
            sa = tiers.agreement(df[seg], st)
            pb.h3(T("sec_tier_score"))
            pb.p(T("tier_score_text", pct=fmt_pct(sa["agreement"]), kappa=fmt_num(sa["kappa"], 2)))
            comp = score.groupby(df[seg].astype(str)).mean().reindex([t for t in order if t in set(df[seg])])
            show(comp.rename(index=pb.tier_label).rename_axis("group").reset_index(), prefix="col_ts_")
            pb.result("tier_score_agreement", sa)

# %%
# tier profile, tier x satisfaction matrix
if seg and seg in df.columns:
    prof_cols = [c for c in ["annual_spend", "aov", "orders_12m", "repurchase_rate", "interactions_12m",
                             "complaint_30d"] if c in df.columns]
    prof = tiers.tier_profile(df, seg, prof_cols)
    pb.h3(T("sec_tier_profile"))
    show(prof.assign(tier=prof["tier"].map(pb.tier_label)), percent=["share", "repurchase_rate", "complaint_30d"],
         annual_spend=0, aov=0)
    tier_sat = {r["group"]: r["satisfaction"] for _, r in card.iloc[1:].iterrows()}
    tier_share = dict(zip(prof["tier"], prof["share"]))
    pb.result("tier_satisfaction", tier_sat)
    pb.result("tier_share", tier_share)
    scales_df = drivers.scale_scores(df, scales, *survey["scale_range"]) if scales else None
    mat = tiers.tier_matrix(card, scales_df, df[seg], *survey["scale_range"])
    pb.h3(T("sec_tier_matrix"))
    pb.p(T("tier_matrix_text"))
    show(mat.rename(index=pb.tier_label).rename_axis("group").reset_index(), percent=["top_box"])

# %%
# share-weighted overall vs the stated overall (doc 003: 75.18 vs 76)
if seg and seg in df.columns:
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

# %% [markdown]
# ## KPI composite (document 002)

# %%
pb.h2(T("sec_composite"))
kc = P["kpi_composite"]
scores, missing = metrics.composite_inputs(kc["values"], kc["weights"], csat_0_100=k.get("csat_0_100"),
                                           nps=k.get("nps"))
if missing:
    pb.note(T("composite_missing", kpis=", ".join(pb.label(f"diag.kpi_{m}", m) for m in missing)), "info")
    pb.result("kpi_composite", None)
else:
    comp = metrics.kpi_composite(scores, kc["weights"], lines=kc["grades"])
    tab = pd.DataFrame({"kpi": [pb.label(f"diag.kpi_{m}", m) for m in kc["weights"]],
                        "weight": list(kc["weights"].values()), "score": [scores[m] for m in kc["weights"]],
                        "contribution": [comp["contributions"][m] for m in kc["weights"]]})
    pb.kpis([{"label": T("kpi_composite"), "value": fmt_num(comp["score"], 1), "detail": T(f"grade_{comp['grade']}"),
              "kind": "ok" if comp["grade"] != "below" else "warn"}])
    pb.p(T("composite_text", lines=" / ".join(fmt_num(x, 0) for x in kc["grades"])))
    show(tab, percent=["weight"])
    pb.result("kpi_composite", {"score": comp["score"], "grade": comp["grade"]})

# %% [markdown]
# ## Key drivers

# %%
diagnostics.driver_sections(pb, df, survey, scales, P, outcomes=outcomes, seg=seg, order=order, conf=conf,
                            top_box=top_box)

# %% [markdown]
# ## Kano

# %%
pb.h2(T("sec_kano"))
kf = drivers.kano_features(list(df.columns), *P["kano_prefix"])
if kf:
    kano = drivers.kano_table(df, kf)
    flabel = lambda f: pb.label(f"diag.feature_{f}", f)  # noqa: E731
    pb.p(T("kano_text"))
    pb.figure(drivers.plot_kano(kano, labels={f: flabel(f) for f in kano["feature"]}, title=T("kano_title"),
                                xlabel=T("kano_x"), ylabel=T("kano_y")), alt=T("kano_title"))
    kshow = kano.assign(feature=kano["feature"].map(flabel),
                        category=kano["category"].map(lambda c: "/".join(T(f"kano_{x}") for x in c.split("/"))),
                        fong_significant=kano["fong_significant"].map(lambda b: T("yes") if b else T("no")))
    kshow = kshow.drop(columns=["dominant"])
    show(kshow, prefix="col_kano_", ints=("n", *drivers.KANO_CATEGORIES), better=3, worse=3)
    pb.result("kano", {r["feature"]: {"category": r["category"], "better": r["better"], "worse": r["worse"],
                                      "counts": {c: r[c] for c in drivers.KANO_CATEGORIES}}
                       for _, r in kano.iterrows()})
else:
    pb.note(T("no_kano"), "info")

# %% [markdown]
# ## SERVQUAL gaps

# %%
pb.h2(T("sec_servqual"))
pre = P["expectation_prefix"]
dims = [d for d in scales if f"{pre}{d}" in df.columns]
if dims:
    perc = drivers.scale_scores(df, {d: scales[d] for d in dims}, *survey["scale_range"])
    expc = pd.DataFrame({d: pd.to_numeric(df[f"{pre}{d}"], errors="coerce") for d in dims})
    sq = drivers.servqual_gaps(perc, expc, conf=conf)
    pb.p(T("servqual_text"))
    show(sq.assign(dimension=sq["dimension"].map(pb.scale_label)), prefix="col_sq_", digits=2, p_value=4)
    worst = sq.sort_values("gap").iloc[0]
    if worst["gap"] < 0:
        pb.note(T("servqual_worst", dim=pb.scale_label(worst["dimension"]), gap=fmt_num(worst["gap"], 2)), "info")
    pb.result("servqual_gaps", dict(zip(sq["dimension"], sq["gap"])))
else:
    pb.note(T("no_servqual", prefix=pre), "info")
pb.save();
