"""Section builders of notebook 02 (reliability and validity): one call per section of the playbook.

Each builder takes the :class:`cxkit.report.Playbook` ``pb`` and the suite of figures computed by
:func:`cxkit.reliability.run_suite` (which carries its typed :class:`cxkit.reliability.ReliabilityParams`
as ``suite["params"]``: thresholds, minimum n, rotation ...), writes the section's headings, text,
tables and figures through ``pb`` and records its ``.results.json`` keys (docs/results.md,
"02_reliability"). The statistics are in :mod:`cxkit.reliability` and :mod:`cxkit.validity`; this
module only lays them out (both topic modules stay pure, and :mod:`cxkit.reliability` light to import
for :mod:`cxkit.config`).

Every section degrades on its own: an analysis that was skipped for its sample size or failed on this
region's data says so in a note and the rest of the page goes on.

The notebook reads::

    rp = ReliabilityParams.model_validate(pb.params.get("reliability") or {})
    df = pb.responses()
    suite = reliability_sections.suite_section(pb, df, rp)
    reliability_sections.verdict_section(pb, suite)
    ...
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import reliability as rel
from . import validity as val
from .errors import CxError
from .reliability import ReliabilityParams

#: labels of the figures named in the "undefined for this scale" notes
_FIGURE_NAMES = {"omega": "ω", "ase": "ase", "raw_r": "raw.r", "std_r": "std.r", "r_cor": "r.cor"}


def scale_labels(pb) -> dict[str, str]:
    """Display name of every scale of ``survey.scales`` (:meth:`cxkit.report.Playbook.scale_label`)."""
    return {s: pb.scale_label(s) for s in pb.params["survey"]["scales"]}


def _verdict_labels(pb) -> dict[str, str]:
    return {v: pb.t(f"reliability.v_{v.replace('/', '')}") for v in ("pass", "fail", "caution", "n/a")}


def suite_section(pb, df, rp: ReliabilityParams) -> dict[str, Any]:
    """Run every reliability and validity analysis of the region; write the introduction, the settings
    (missing-data handling, thresholds, minimum n) and a note per scale that was skipped or failed, or
    whose figures are undefined.

    Parameters
    ----------
    pb : Playbook
        Its params give ``survey`` (scales, scale range), ``seed`` (parallel analysis) and ``responses``
        (the file name quoted in messages).
    df : DataFrame
        The region's responses (``pb.responses()``).
    rp : ReliabilityParams
        The ``reliability:`` section.

    Returns
    -------
    dict
        The suite of :func:`cxkit.reliability.run_suite` (``require_scale=False``: with no analysable scale
        ``scales`` is empty and an alert says so) for the other sections.

    Notes
    -----
    Results keys: ``missing_handling`` and ``thresholds`` (the verdict thresholds in force).
    """
    survey = pb.params["survey"]
    th = rp.thresholds
    suite = rel.run_suite(df, survey, rp, seed=pb.params["seed"], file=Path(pb.params["responses"]).name,
                          require_scale=False)
    skipped = suite["skipped"]
    lab = scale_labels(pb)
    fig = {**_FIGURE_NAMES, "r_drop": pb.t("reliability.col_r_drop"), "split_half": pb.t("reliability.col_split_sb")}
    pb.p(pb.t("reliability.intro"))
    pb.p(pb.t("reliability.settings", missing=pb.t(f"reliability.missing_{rp.missing}"), n=len(df),
              alpha=th.alpha, omega=th.omega, cr=th.cr, ave=th.ave, htmt=th.htmt, cfi=th.cfi, rmsea=th.rmsea,
              srmr=th.srmr, kmo=th.kmo))
    pb.p(pb.t("reliability.min_n_settings", scale=rp.min_n_scale, efa=rp.min_n_efa,
              efa_item=f"{rp.min_n_efa_per_item:g}", cfa=rp.min_n_cfa, cfa_par=f"{rp.min_n_cfa_per_parameter:g}",
              icc=rp.min_n_icc))
    for s, msg in suite["errors"].items():
        if s in skipped["scales"]:
            pb.note(pb.t("reliability.skip_scale", scale=lab[s], **skipped["scales"][s]), "warn")
        else:
            pb.note(pb.t("reliability.scale_error", scale=lab[s], message=msg), "alert")
    for s, res in suite["scales"].items():
        for nt in res["notes"]:
            pb.note(pb.t(f"reliability.undefined_{nt['reason']}", scale=lab[s],
                         figures=pb.join([fig[f] for f in nt["figures"]])),
                    "info" if nt["reason"] == "two_items" else "warn")
    if not suite["scales"]:
        pb.note(pb.t("reliability.no_scale"), "alert")
    pb.result("missing_handling", rp.missing)
    pb.result("thresholds", th.model_dump())
    return suite


def verdict_section(pb, suite: dict[str, Any]) -> None:
    """The verdict per scale: counts of pass / caution / fail and the table of alpha (Feldt CI), omega, CR,
    AVE, max HTMT and the overall verdict (:func:`cxkit.reliability.verdict_table`,
    :func:`cxkit.reliability.overall_verdict`: caution when only AVE fails while CR passes, Fornell &
    Larcker 1981; Lam 2012). Nothing when no scale could be analysed; writes no results keys."""
    if not suite["scales"]:
        return
    verd, lab, V = suite["verdicts"], scale_labels(pb), _verdict_labels(pb)
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


def recommend_section(pb, suite: dict[str, Any]) -> None:
    """What to do with each scale (:func:`cxkit.reliability.recommendations`): keep, drop an item (alpha if
    dropped), revise or check the keying, with the failed checks; scales that pass with nothing to change
    are listed plainly, the others highlighted.

    Notes
    -----
    Results keys (always written): ``scales`` (per-scale figures, :func:`cxkit.reliability.scale_results`),
    ``reliable_scales`` (scales whose verdict is not "fail") and ``scale_errors`` ({scale: message}).
    """
    verd = suite["verdicts"]
    if suite["scales"]:
        lab = scale_labels(pb)
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


def alpha_section(pb, suite: dict[str, Any]) -> None:
    """The alpha family per scale as ``psych::alpha`` reports it (raw and standardized alpha with the Feldt
    interval, G6(smc), average r, S/N, ase), McDonald's omega total, the Spearman-Brown odd-even split half
    and lambda 4 (:func:`cxkit.reliability.alpha_family_table`), then omega hierarchical of the whole
    instrument (Schmid-Leiman, :func:`cxkit.reliability.omega_hierarchical`) with the share of the total
    reliable variance that is general, ``ω_h / ω_t``.

    ``α = k / (k − 1) · (1 − Σ σ²_i / σ²_X)`` (Cronbach 1951); Feldt, Woodruff & Salih (1987) for its interval;
    ``ω_t`` and ``ω_h`` after McDonald (1999), Zinbarg et al. (2005), Revelle & Zinbarg (2009).

    Notes
    -----
    Results key: ``omega_instrument`` ({omega_h, omega_t, n_factors}) when omega hierarchical was computed.
    """
    if suite["scales"]:
        lab = scale_labels(pb)
        pb.h2(pb.t("reliability.sec_alpha"))
        pb.p(pb.t("reliability.alpha_text"))
        fam = rel.alpha_family_table(suite)
        fcols = {"scale": pb.t("reliability.col_scale"), "raw_alpha": pb.t("reliability.col_raw_alpha"),
                 "std_alpha": pb.t("reliability.col_std_alpha"), "ci": pb.t("reliability.col_ci"),
                 "g6_smc": "G6 (smc)", "average_r": pb.t("reliability.col_average_r"), "s_n": "S/N", "ase": "ase",
                 "omega": "ω", "split_half_sb": pb.t("reliability.col_split_sb"), "lambda4": "λ4 (max split)"}
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


def items_section(pb, suite: dict[str, Any]) -> None:
    """Item analysis per scale (:func:`cxkit.reliability.item_analysis`, psych::alpha's item statistics):
    missing share, mean, sd, skew, floor and ceiling shares, raw.r, std.r, r.cor, r.drop (item-rest r) and
    alpha if the item is dropped; notes for miskeyed items and for floor / ceiling effects above
    ``thresholds.floor_ceiling`` (Terwee et al. 2007) (:func:`cxkit.reliability.item_flags`).

    Notes
    -----
    Results key: ``flagged_items`` ({item: "miskeyed" | "weak"}; weak: item-rest r below
    ``thresholds.item_rest``, Nunnally 1978).
    """
    th = suite["params"].thresholds
    flags = rel.item_flags(suite)
    lab = scale_labels(pb)
    if suite["scales"]:
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
            pb.table(tab[list(icols)].rename(columns=icols), digits=2,
                     percent=[icols["missing"], icols["floor"], icols["ceiling"]])
    for s, it, r in flags["miskeyed"]:
        pb.note(pb.t("reliability.miskeyed", item=it, scale=lab[s], r=f"{r:.2f}"), "alert")
    for it, which, share in flags["floor_ceiling"]:
        pb.note(pb.t(f"reliability.{which}_effect", item=it, pct=f"{100 * share:.0f}"), "warn")
    pb.result("flagged_items", flags["flagged"])


def distribution_section(pb, suite: dict[str, Any]) -> None:
    """The distribution of the answers of every analysed item over the scale's points
    (:func:`cxkit.reliability.response_distribution`) as a stacked bar chart. Writes no results keys."""
    if not suite["scales"]:
        return
    lo, hi = pb.params["survey"]["scale_range"]
    pb.h2(pb.t("reliability.sec_dist"))
    dist = rel.response_distribution(suite["instrument"], (lo, hi))
    pb.figure(rel.plot_distribution(dist, title=pb.t("reliability.dist_title"), xlabel=pb.t("reliability.dist_x"),
                                    legend_title=pb.t("reliability.dist_legend")), alt=pb.t("reliability.dist_title"))
    pb.p(pb.t("reliability.dist_note"))


def efa_section(pb, suite: dict[str, Any]) -> None:
    """Factorability and the number of factors of the whole instrument: KMO (Kaiser 1974; overall and per
    item against ``thresholds.kmo``), Bartlett's test of sphericity
    (``χ² = −(n − 1 − (2p + 5) / 6) ln|R|``, ``df = p (p − 1) / 2``) and Horn's (1965) parallel analysis
    (components above the 95th percentile or the mean of random eigenvalues, ``parallel_rule``) with its
    scree plot (:func:`cxkit.validity.kmo`, :func:`~cxkit.validity.bartlett`,
    :func:`~cxkit.validity.parallel_analysis`). A note when the EFA was skipped (minimum n) or failed, when
    KMO is low, and when the number of components differs from the number of scales.

    Notes
    -----
    Results keys, when KMO could be computed: ``kmo`` ({overall, items}), ``bartlett`` ({chisq, df, p, n}),
    ``parallel_components`` and ``parallel_rule``.
    """
    th = suite["params"].thresholds
    skipped = suite["skipped"]
    if suite["scales"]:
        pb.h2(pb.t("reliability.sec_efa"))
    if skipped["efa"]:
        pb.note(pb.t("reliability.skip_efa", **skipped["efa"]), "warn")
    elif suite["efa_error"]:
        pb.note(pb.t("reliability.efa_error", message=suite["efa_error"]), "warn")
    if suite["kmo"] is None:
        return
    x_all = suite["instrument"]
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


def loadings_section(pb, suite: dict[str, Any]) -> None:
    """The EFA pattern loadings (minres with ``rotation``, :func:`cxkit.validity.efa`) with communalities
    ``h²``; items that load ``|λ| ≥ cross_loading`` on more than one factor (cross-loading) or on none
    (no home) are flagged in the table and in a note. Nothing when no EFA was fitted.

    Notes
    -----
    Results key: ``efa`` ({n_factors, rotation, cross_loading_items, no_home_items}).
    """
    if suite["efa"] is None:
        return
    rp = suite["params"]
    load, _phi = suite["efa"]
    pb.h3(pb.t("reliability.sec_loadings", k=load.shape[1] - 4, rotation=rp.rotation))
    fcols = [c for c in load.columns if c.startswith("F")]
    show = load.reset_index(names="item")
    show["flag"] = [pb.t("reliability.flag_cross") if c else (pb.t("reliability.flag_nohome") if nh else "")
                    for c, nh in zip(show["cross_loading"], show["no_home"])]
    pb.table(show[["item", *fcols, "h2", "flag"]].rename(columns={"item": pb.t("reliability.col_item"),
                                                                 "flag": pb.t("reliability.col_flag")}), digits=2)
    cross = list(load.index[load["cross_loading"]])
    nohome = list(load.index[load["no_home"]])
    if cross:
        pb.note(pb.t("reliability.cross_items", items=", ".join(cross), t=rp.cross_loading), "warn")
    if nohome:
        pb.note(pb.t("reliability.nohome_items", items=", ".join(nohome), t=rp.cross_loading), "warn")
    pb.result("efa", {"n_factors": len(fcols), "rotation": rp.rotation, "cross_loading_items": cross,
                      "no_home_items": nohome})


def cfa_section(pb, suite: dict[str, Any]) -> None:
    """Confirmatory factor analysis of the declared scales (:func:`cxkit.validity.cfa`, lavaan's fit
    indices): χ² (df, p), CFI / TLI, RMSEA with its 90% interval and SRMR against their thresholds
    (Hu & Bentler 1999; :func:`cxkit.reliability.fit_verdicts`), then the standardized loadings, with a
    note for items whose standardized loading is below ``weak_loading`` (default 0.50; Hair, Black, Babin &
    Anderson 2010). Says so in a note when the CFA is switched off, was skipped (minimum n) or failed.

    Notes
    -----
    Results key: ``cfa`` is ``null`` here unless the CFA was fitted; the figures are written by
    :func:`discriminant_section`.
    """
    rp, cf = suite["params"], suite["cfa"]
    th = rp.thresholds
    if not suite["scales"]:
        pb.result("cfa", None)
        return
    pb.h2(pb.t("reliability.sec_cfa"))
    if not rp.cfa:
        pb.note(pb.t("reliability.cfa_off"), "info")
    elif cf is None and suite["skipped"]["cfa"]:
        pb.note(pb.t("reliability.skip_cfa", **suite["skipped"]["cfa"]), "warn")
    elif cf is None:
        pb.note(pb.t("reliability.cfa_error", message=suite["cfa_error"]), "warn")
    if not rp.cfa or cf is None:
        pb.result("cfa", None)
        return
    fit = cf["fit"]
    fv = rel.fit_verdicts(fit, th)
    pb.p(pb.t("reliability.cfa_text", n=fit["n"]))
    pb.kpis([
        {"label": "χ² (df)", "value": f"{fit['chisq']:.1f} ({fit['df']})",
         "detail": rel.fmt_p(fit["pvalue"])},
        {"label": "CFI / TLI", "value": f"{fit['cfi']:.3f} / {fit['tli']:.3f}",
         "kind": "ok" if fv["cfi"] == "pass" else "alert", "detail": f"≥ {th.cfi}"},
        {"label": "RMSEA [90% CI]", "value": f"{fit['rmsea']:.3f}", "kind": "ok" if fv["rmsea"] == "pass" else "alert",
         "detail": f"[{fit['rmsea_ci_low']:.3f}, {fit['rmsea_ci_high']:.3f}] ≤ {th.rmsea}"},
        {"label": "SRMR", "value": f"{fit['srmr']:.3f}", "kind": "ok" if fv["srmr"] == "pass" else "alert",
         "detail": f"≤ {th.srmr}"},
    ])
    if "fail" in fv.values():
        pb.note(pb.t("reliability.fit_poor"), "warn")
    pb.h3(pb.t("reliability.sec_std_loadings"))
    lab = scale_labels(pb)
    ld = cf["loadings"].assign(factor=[lab[f] for f in cf["loadings"]["factor"]])
    pb.table(ld[["factor", "item", "estimate", "std"]].rename(columns={
        "factor": pb.t("reliability.col_scale"), "item": pb.t("reliability.col_item"),
        "estimate": pb.t("reliability.col_estimate"), "std": pb.t("reliability.col_std_loading")}), digits=3)
    weak = list(cf["loadings"].loc[cf["loadings"]["std"] < rp.weak_loading, "item"])
    if weak:
        pb.note(pb.t("reliability.weak_loadings", items=", ".join(weak), t=f"{rp.weak_loading:g}"), "warn")


def discriminant_section(pb, suite: dict[str, Any]) -> None:
    """Discriminant validity of the fitted CFA: the Fornell-Larcker table (``sqrt(AVE)`` on the diagonal
    must exceed the factor correlations; Fornell & Larcker 1981, :func:`cxkit.validity.fornell_larcker`)
    and the heterotrait-monotrait ratios against ``thresholds.htmt`` (Henseler, Ringle & Sarstedt 2015,
    :func:`cxkit.validity.htmt`). Nothing when no CFA was fitted.

    Notes
    -----
    Results key: ``cfa`` ({chisq, df, pvalue, cfi, tli, rmsea, srmr, n, rmsea_ci, verdicts, std_loadings},
    rounded to 6 decimals by :func:`cxkit.reliability.round_floats` so the file is reproducible).
    """
    cf = suite["cfa"]
    if cf is None:
        return
    th = suite["params"].thresholds
    lab = scale_labels(pb)
    fit = cf["fit"]
    fv = rel.fit_verdicts(fit, th)
    pb.h3(pb.t("reliability.sec_discriminant"))
    pb.p(pb.t("reliability.fl_text"))
    fl_tab, _fl_ok = cf["fornell_larcker"]
    pb.table(fl_tab.rename(index=lab, columns=lab), index=True, digits=2)
    if "htmt" in cf:
        pb.p(pb.t("reliability.htmt_text", t=th.htmt))
        pb.table(cf["htmt"].rename(index=lab, columns=lab), index=True, digits=2)
    pb.result("cfa", rel.round_floats({**{k: fit[k] for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "n")},
                                       "rmsea_ci": [fit["rmsea_ci_low"], fit["rmsea_ci_high"]], "verdicts": fv,
                                       "std_loadings": dict(zip(cf["loadings"]["item"], cf["loadings"]["std"]))}))


def retest_section(pb, df, rp: ReliabilityParams) -> None:
    """Test-retest reliability when the region sets ``retest_responses``: the ICC of each scale's score
    between the two waves (``icc_type``, default ICC(2,1) = ICC(A,1), absolute agreement; Shrout & Fleiss
    1979, McGraw & Wong 1996; :func:`cxkit.reliability.load_retest`) with its 95% interval, judged against
    ``thresholds.icc`` (Koo & Li 2016). A retest file that cannot be read or matched gives an alert and the
    rest of the page stands; a scale with fewer than ``min_n_icc`` matched respondents, no variance or a
    failed fit gives a note.

    Notes
    -----
    Results key: ``retest_icc`` ({scale: ICC} or ``null`` without a retest).
    """
    survey = pb.params["survey"]
    th = rp.thresholds
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
        return
    lab = scale_labels(pb)
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
