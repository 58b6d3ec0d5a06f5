# %% [markdown]
# # 02 · Reliability and validity
# Do the scales measure what they claim? Logic in `cxkit.reliability` (item analysis, alpha family as
# psych::alpha, omega, split-half, ICC, verdicts) and `cxkit.validity` (KMO, Bartlett, parallel analysis,
# EFA, CFA with lavaan's fit indices, CR, AVE, Fornell-Larcker, HTMT); text in `cxkit/i18n/reliability.yaml`.
# Every analysis has a minimum n (`reliability.min_n_*`); one that is skipped or cannot be computed on
# this region's data says so in a note, and the rest of the page goes on.

# %% [parameters]
params = {}
region = ""
notebook = "02_reliability"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from pathlib import Path

from cxkit import reliability as rel
from cxkit import validity as val
from cxkit.errors import CxError
from cxkit.report import start

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
survey = pb.params["survey"]
rp = rel.ReliabilityParams.model_validate(pb.params.get("reliability") or {})
th = rp.thresholds
lo, hi = survey["scale_range"]
df = pb.responses()
suite = rel.run_suite(df, survey, rp, seed=pb.params["seed"], file=Path(pb.params["responses"]).name,
                      require_scale=False)
ok = bool(suite["scales"])                  # False: no scale could be analysed (each reason is noted below)
skipped = suite["skipped"]
lab = {s: pb.scale_label(s) for s in survey["scales"]}
V = {v: pb.t(f"reliability.v_{v.replace('/', '')}") for v in ("pass", "fail", "caution", "n/a")}
FIG = {"omega": "ω", "ase": "ase", "raw_r": "raw.r", "std_r": "std.r", "r_cor": "r.cor",
       "r_drop": pb.t("reliability.col_r_drop"), "split_half": pb.t("reliability.col_split_sb")}
pb.p(pb.t("reliability.intro"))
pb.p(pb.t("reliability.settings", missing=pb.t(f"reliability.missing_{rp.missing}"), n=len(df),
          alpha=th.alpha, omega=th.omega, cr=th.cr, ave=th.ave, htmt=th.htmt, cfi=th.cfi, rmsea=th.rmsea,
          srmr=th.srmr, kmo=th.kmo))
pb.p(pb.t("reliability.min_n_settings", scale=rp.min_n_scale, efa=rp.min_n_efa, efa_item=f"{rp.min_n_efa_per_item:g}",
          cfa=rp.min_n_cfa, cfa_par=f"{rp.min_n_cfa_per_parameter:g}", icc=rp.min_n_icc))
for s, msg in suite["errors"].items():
    if s in skipped["scales"]:
        pb.note(pb.t("reliability.skip_scale", scale=lab[s], **skipped["scales"][s]), "warn")
    else:
        pb.note(pb.t("reliability.scale_error", scale=lab[s], message=msg), "alert")
for s, res in suite["scales"].items():
    for nt in res["notes"]:
        pb.note(pb.t(f"reliability.undefined_{nt['reason']}", scale=lab[s], figures=pb.join([FIG[f] for f in nt["figures"]])),
                "info" if nt["reason"] == "two_items" else "warn")
if not ok:
    pb.note(pb.t("reliability.no_scale"), "alert")
pb.result("missing_handling", rp.missing)
pb.result("thresholds", th.model_dump())

# %%
verd = suite["verdicts"]
if ok:
    pb.h2(pb.t("reliability.sec_verdict"))
    counts = verd["verdict"].value_counts()
    pb.kpis([
        {"label": pb.t("reliability.kpi_scales"), "value": str(len(verd))},
        {"label": V["pass"], "value": str(int(counts.get("pass", 0))), "kind": "ok"},
        {"label": V["caution"], "value": str(int(counts.get("caution", 0))), "kind": "warn"},
        {"label": V["fail"], "value": str(int(counts.get("fail", 0))), "kind": "alert"},
    ])
    vt = verd.assign(scale=[lab[s] for s in verd["scale"]],
                     verdict=[V[v] for v in verd["verdict"]],
                     ci=[f"{a:.2f}–{b:.2f}" for a, b in zip(verd["alpha_ci_low"], verd["alpha_ci_high"])])
    cols = {"scale": pb.t("reliability.col_scale"), "n_items": pb.t("reliability.col_items"),
            "alpha": "α", "ci": pb.t("reliability.col_ci"), "omega": "ω", "cr": "CR", "ave": "AVE",
            "htmt_max": pb.t("reliability.col_htmt_max"), "verdict": pb.t("reliability.col_verdict")}
    pb.table(vt[list(cols)].rename(columns=cols), digits={**{c: 2 for c in cols.values()},
                                                          pb.t("reliability.col_items"): 0})

# %%
if ok:
    pb.h3(pb.t("reliability.sec_recommend"))
    plain = []
    for rec in rel.recommendations(suite):
        text = pb.t(f"reliability.rec_{rec['action']}", scale=lab[rec["scale"]], item=rec["item"], a=rec["a"],
                    a2=rec["a2"], r=rec["r"])
        if rec["failed"]:
            text += " " + pb.t("reliability.rec_failed",
                               checks=", ".join(pb.t(f"reliability.check_{k}") for k in rec["failed"]))
        if rec["highlight"]:
            pb.note(text, rec["kind"])
        else:
            plain.append(text)
    if plain:
        pb.bullets(plain)
pb.result("scales", rel.scale_results(suite))
pb.result("reliable_scales", [s for s, v in zip(verd["scale"], verd["verdict"]) if v != "fail"])
pb.result("scale_errors", suite["errors"])

# %%
if ok:
    pb.h2(pb.t("reliability.sec_alpha"))
    pb.p(pb.t("reliability.alpha_text"))
    fam = rel.alpha_family_table(suite)
    fcols = {"scale": pb.t("reliability.col_scale"), "raw_alpha": pb.t("reliability.col_raw_alpha"),
             "std_alpha": pb.t("reliability.col_std_alpha"), "ci": pb.t("reliability.col_ci"), "g6_smc": "G6 (smc)",
             "average_r": pb.t("reliability.col_average_r"), "s_n": "S/N", "ase": "ase", "omega": "ω",
             "split_half_sb": pb.t("reliability.col_split_sb"), "lambda4": "λ4 (max split)"}
    fam = fam.assign(scale=[lab[s] for s in fam["scale"]],
                     ci=[f"{a:.3f}–{b:.3f}" for a, b in zip(fam["ci_low"], fam["ci_high"])])
    pb.table(fam[list(fcols)].rename(columns=fcols), digits=3)
if suite["omega_h_error"]:
    pb.note(pb.t("reliability.omega_h_error", message=suite["omega_h_error"]), "warn")
if suite["omega_h"] is not None:
    om = suite["omega_h"]
    pb.p(pb.t("reliability.omega_h_text", oh=f"{om['omega_h']:.2f}", ot=f"{om['omega_t']:.2f}", k=om["n_factors"],
              share=f"{100 * om['omega_h'] / om['omega_t']:.0f}"))
    pb.result("omega_instrument", {k: om[k] for k in ("omega_h", "omega_t", "n_factors")})

# %%
flags = rel.item_flags(suite)
if ok:
    pb.h2(pb.t("reliability.sec_items"))
    pb.p(pb.t("reliability.items_text", item_rest=th.item_rest, fc=int(100 * th.floor_ceiling)))
    icols = {"item": pb.t("reliability.col_item"), "reverse": pb.t("reliability.col_reverse"), "n": "n",
             "missing": pb.t("reliability.col_missing"), "mean": pb.t("reliability.col_mean"), "sd": "sd",
             "skew": pb.t("reliability.col_skew"), "floor": pb.t("reliability.col_floor"),
             "ceiling": pb.t("reliability.col_ceiling"), "raw_r": "raw.r", "std_r": "std.r", "r_cor": "r.cor",
             "r_drop": pb.t("reliability.col_r_drop"), "alpha_if_dropped": pb.t("reliability.col_alpha_drop")}
for s, res in suite["scales"].items():
    pb.h3(pb.t("reliability.scale_heading", scale=lab[s], alpha=f"{res['alpha'].total['raw_alpha']:.2f}"))
    tab = res["items"].reset_index(names="item")
    tab["reverse"] = [pb.t("reliability.yes") if v else "" for v in tab["reverse"]]
    pb.table(tab[list(icols)].rename(columns=icols), digits=2, percent=[icols["missing"], icols["floor"], icols["ceiling"]])
for s, it, r in flags["miskeyed"]:
    pb.note(pb.t("reliability.miskeyed", item=it, scale=lab[s], r=f"{r:.2f}"), "alert")
for it, which, share in flags["floor_ceiling"]:
    pb.note(pb.t(f"reliability.{which}_effect", item=it, pct=f"{100 * share:.0f}"), "warn")
pb.result("flagged_items", flags["flagged"])

# %%
x_all = suite["instrument"]
if ok:
    pb.h2(pb.t("reliability.sec_dist"))
    dist = rel.response_distribution(x_all, (lo, hi))
    pb.figure(rel.plot_distribution(dist, title=pb.t("reliability.dist_title"), xlabel=pb.t("reliability.dist_x"),
                                    legend_title=pb.t("reliability.dist_legend")), alt=pb.t("reliability.dist_title"))
    pb.p(pb.t("reliability.dist_note"))

# %%
if ok:
    pb.h2(pb.t("reliability.sec_efa"))
if skipped["efa"]:
    pb.note(pb.t("reliability.skip_efa", **skipped["efa"]), "warn")
elif suite["efa_error"]:
    pb.note(pb.t("reliability.efa_error", message=suite["efa_error"]), "warn")
if suite["kmo"] is not None:
    kmo_all, kmo_items = suite["kmo"]
    bart = suite["bartlett"]
    tabp, ncomp = suite["parallel"]
    pb.kpis([
        {"label": "KMO", "value": f"{kmo_all:.2f}", "kind": "ok" if kmo_all >= th.kmo else "alert",
         "detail": pb.t("reliability.kmo_detail", t=th.kmo)},
        {"label": pb.t("reliability.kpi_bartlett"), "value": f"χ² = {bart['chisq']:,.0f}",
         "detail": f"df = {bart['df']}, " + rel.fmt_p(bart["p"]) + ", " + pb.t("reliability.bartlett_n", n=bart["n"])},
        {"label": pb.t("reliability.kpi_parallel"), "value": str(ncomp),
         "detail": pb.t("reliability.parallel_detail", k=len(suite["scales"]))
         + pb.t(f"reliability.parallel_rule_{suite['params'].parallel_rule}")},
    ])
    low = [it for it, v in zip(x_all.columns, kmo_items) if v < th.kmo]
    if kmo_all < th.kmo:
        pb.note(pb.t("reliability.kmo_low", kmo=f"{kmo_all:.2f}", t=th.kmo), "alert")
    if low:
        pb.note(pb.t("reliability.kmo_items_low", items=", ".join(low), t=th.kmo), "warn")
    if ncomp != len(suite["scales"]):
        pb.note(pb.t("reliability.parallel_mismatch", n=ncomp, k=len(suite["scales"])), "warn")
    pb.figure(val.plot_parallel(tabp, title=pb.t("reliability.parallel_title"), xlabel=pb.t("reliability.parallel_x"),
                                ylabel=pb.t("reliability.parallel_y"), observed=pb.t("reliability.parallel_obs"),
                                random=pb.t("reliability.parallel_rand")), alt=pb.t("reliability.parallel_title"))
    pb.result("kmo", {"overall": kmo_all, "items": dict(zip(x_all.columns, kmo_items))})
    pb.result("bartlett", bart)
    pb.result("parallel_components", ncomp)
    pb.result("parallel_rule", suite["params"].parallel_rule)

# %%
if suite["efa"] is not None:
    load, phi = suite["efa"]
    pb.h3(pb.t("reliability.sec_loadings", k=load.shape[1] - 4, rotation=rp.rotation))
    fcols_ = [c for c in load.columns if c.startswith("F")]
    show = load.reset_index(names="item")
    show["flag"] = [pb.t("reliability.flag_cross") if c else (pb.t("reliability.flag_nohome") if nh else "")
                    for c, nh in zip(show["cross_loading"], show["no_home"])]
    pb.table(show[["item", *fcols_, "h2", "flag"]].rename(columns={"item": pb.t("reliability.col_item"),
                                                                  "flag": pb.t("reliability.col_flag")}), digits=2)
    cross = list(load.index[load["cross_loading"]])
    nohome = list(load.index[load["no_home"]])
    if cross:
        pb.note(pb.t("reliability.cross_items", items=", ".join(cross), t=rp.cross_loading), "warn")
    if nohome:
        pb.note(pb.t("reliability.nohome_items", items=", ".join(nohome), t=rp.cross_loading), "warn")
    pb.result("efa", {"n_factors": len(fcols_), "rotation": rp.rotation, "cross_loading_items": cross,
                      "no_home_items": nohome})

# %%
cf = suite["cfa"]
if ok:
    pb.h2(pb.t("reliability.sec_cfa"))
if not ok:
    pb.result("cfa", None)
elif not rp.cfa:
    pb.note(pb.t("reliability.cfa_off"), "info")
    pb.result("cfa", None)
elif cf is None:
    if skipped["cfa"]:
        pb.note(pb.t("reliability.skip_cfa", **skipped["cfa"]), "warn")
    else:
        pb.note(pb.t("reliability.cfa_error", message=suite["cfa_error"]), "warn")
    pb.result("cfa", None)
else:
    fit = cf["fit"]
    fv = rel.fit_verdicts(fit, th)
    pb.p(pb.t("reliability.cfa_text", n=fit["n"]))
    pb.kpis([
        {"label": "χ² (df)", "value": f"{fit['chisq']:.1f} ({fit['df']})",
         "detail": rel.fmt_p(fit["pvalue"])},
        {"label": "CFI / TLI", "value": f"{fit['cfi']:.3f} / {fit['tli']:.3f}", "kind": "ok" if fv["cfi"] == "pass" else "alert",
         "detail": f"≥ {th.cfi}"},
        {"label": "RMSEA [90% CI]", "value": f"{fit['rmsea']:.3f}", "kind": "ok" if fv["rmsea"] == "pass" else "alert",
         "detail": f"[{fit['rmsea_ci_low']:.3f}, {fit['rmsea_ci_high']:.3f}] ≤ {th.rmsea}"},
        {"label": "SRMR", "value": f"{fit['srmr']:.3f}", "kind": "ok" if fv["srmr"] == "pass" else "alert",
         "detail": f"≤ {th.srmr}"},
    ])
    if "fail" in fv.values():
        pb.note(pb.t("reliability.fit_poor"), "warn")
    pb.h3(pb.t("reliability.sec_std_loadings"))
    ld = cf["loadings"].assign(factor=lambda d: [lab[f] for f in d["factor"]])
    pb.table(ld[["factor", "item", "estimate", "std"]].rename(columns={
        "factor": pb.t("reliability.col_scale"), "item": pb.t("reliability.col_item"),
        "estimate": pb.t("reliability.col_estimate"), "std": pb.t("reliability.col_std_loading")}), digits=3)
    weak = list(cf["loadings"].loc[cf["loadings"]["std"] < 0.5, "item"])
    if weak:
        pb.note(pb.t("reliability.weak_loadings", items=", ".join(weak)), "warn")

# %%
if cf is not None:
    pb.h3(pb.t("reliability.sec_discriminant"))
    pb.p(pb.t("reliability.fl_text"))
    fl_tab, fl_ok = cf["fornell_larcker"]
    pb.table(fl_tab.rename(index=lab, columns=lab), index=True, digits=2)
    if "htmt" in cf:
        pb.p(pb.t("reliability.htmt_text", t=th.htmt))
        pb.table(cf["htmt"].rename(index=lab, columns=lab), index=True, digits=2)
    pb.result("cfa", rel.round_floats({**{k: fit[k] for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "n")},
                                       "rmsea_ci": [fit["rmsea_ci_low"], fit["rmsea_ci_high"]], "verdicts": fv,
                                       "std_loadings": dict(zip(cf["loadings"]["item"], cf["loadings"]["std"]))}))

# %%
pb.h2(pb.t("reliability.sec_retest"))
retest, retest_error = None, None
try:
    retest = rel.load_retest(pb.params, df, survey, rp)
except CxError as exc:                      # a retest file that cannot be read or matched: the rest stands
    retest_error = str(exc)
if retest_error:
    pb.note(pb.t("reliability.retest_error", message=retest_error), "alert")
elif retest is None:
    pb.note(pb.t("reliability.retest_none"), "info")
if retest is None:
    pb.result("retest_icc", None)
else:
    icc = retest.assign(scale=[lab.get(s, s) for s in retest["scale"]],
                        ci=[f"{a:.2f}–{b:.2f}" for a, b in zip(retest["ci_low"], retest["ci_high"])])
    pb.p(pb.t("reliability.retest_text", kind=rp.icc_type, t=th.icc))
    pb.table(icc[["scale", "n", "icc", "ci"]].rename(columns={"scale": pb.t("reliability.col_scale"),
                                                            "icc": "ICC", "ci": pb.t("reliability.col_ci95")}),
             digits={"n": 0, "ICC": 2})
    for _, row in retest.iterrows():
        name = lab.get(row["scale"], row["scale"])
        if row["skipped"] == "too_few":
            pb.note(pb.t("reliability.skip_icc", scale=name, n=row["n"], min=row["min_n"]), "warn")
        elif row["skipped"] == "no_variance":
            pb.note(pb.t("reliability.retest_no_variance", scale=name), "warn")
        elif row["skipped"]:
            pb.note(pb.t("reliability.retest_failed", scale=name, message=row["error"]), "warn")
        elif row["icc"] < th.icc:
            pb.note(pb.t("reliability.retest_low", scale=name, icc=f"{row['icc']:.2f}", t=th.icc), "warn")
    pb.result("retest_icc", dict(zip(retest["scale"], retest["icc"])))
pb.save();
