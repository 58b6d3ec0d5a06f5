"""Section builders of notebook 01 (survey design): one call per section of the playbook.

Each builder takes the :class:`cxkit.report.Playbook` ``pb``, the typed ``design:`` params
(:class:`cxkit.survey.DesignParams` or one of its parts) and what earlier sections produced, writes
the section's headings, text, tables and figures through ``pb`` and records its ``.results.json`` keys
(docs/results.md, "01_survey_design"). The statistics are in :mod:`cxkit.sampling` and the
questionnaire logic in :mod:`cxkit.survey`; this module only lays them out (the topic modules stay
pure, and :mod:`cxkit.survey` stays light to import for :mod:`cxkit.config`).

The notebook reads::

    design = DesignParams.model_validate(pb.params["design"])
    q, cb = design_sections.questionnaire_section(pb, design.questionnaire)
    design_sections.printable_section(pb, q)
    design_sections.codebook_section(pb, cb)
    plan = design_sections.sample_section(pb, design.sampling)
    ...
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import sampling, survey
from .report import fmt_num, fmt_pct
from .survey import FieldworkParams, PowerParams, QuestionnaireParams, SamplingParams


def _yes(pb, values) -> list[str]:
    """"Yes" for True, "" for False (the reverse-keyed column of the questionnaire and codebook tables)."""
    return values.map({True: pb.t("survey.yes"), False: ""})


def _conf(sp: SamplingParams) -> str:
    """The confidence level as the text shows it: 0.95 → "95"."""
    return f"{100 * sp.confidence:g}"


def region_cells(cells, region: str):
    """The cells of a sampling plan (:func:`cxkit.sampling.plan_sample`) that belong to ``region``;
    none when the plan is not stratified by region.

    >>> import pandas as pd
    >>> cells = pd.DataFrame({"region": ["east", "west"], "n": [3, 4]})
    >>> region_cells(cells, "west")["n"].tolist(), len(region_cells(cells.drop(columns="region"), "west"))
    ([4], 0)
    """
    return cells[cells["region"] == region] if "region" in cells.columns else cells.iloc[0:0]


def questionnaire_section(pb, qp: QuestionnaireParams) -> tuple[dict[str, Any], Any]:
    """The questionnaire: key figures, the XLSForm and codebook files, and consistency notes.

    Builds the questionnaire (:func:`cxkit.survey.build_questionnaire`, in the playbook's language) and
    the codebook (:func:`cxkit.survey.codebook`), shows items / modules / skip rules / estimated minutes
    (:func:`cxkit.survey.estimated_minutes`: Σ seconds per item type / 60). With a results folder
    (``pb.results_dir``) it writes ``<notebook>.xlsform.xlsx`` (checked by converting it with pyxform)
    and ``<notebook>.codebook.csv`` there. Notes: dropped bank items, pyxform warnings, and the
    mismatches between the questionnaire and ``survey:`` (:func:`cxkit.survey.consistency_warnings`).

    Parameters
    ----------
    pb : Playbook
    qp : QuestionnaireParams
        ``design.questionnaire``.

    Returns
    -------
    (q, cb)
        The built questionnaire (dict) and the codebook (DataFrame) for the next sections.

    Notes
    -----
    Results keys: ``form_id``, ``n_items``, ``modules``, ``n_skip_rules``, ``minutes`` and, when files
    are written, ``files`` ({xlsform, codebook}) and ``xform_warnings`` (count).
    """
    q = survey.build_questionnaire(qp.model_dump(mode="json"), language=pb.lang)
    cb = survey.codebook(pb.params)
    n_skips = sum(1 for it in q["items"] if it.get("relevant"))
    pb.h2(pb.t("survey.sec_questionnaire"))
    pb.kpis([
        {"label": pb.t("survey.kpi_items"), "value": str(len(q["items"]))},
        {"label": pb.t("survey.kpi_modules"), "value": str(len(q["modules"]))},
        {"label": pb.t("survey.kpi_skips"), "value": str(n_skips)},
        {"label": pb.t("survey.kpi_minutes"), "value": f"{survey.estimated_minutes(q):.0f}"},
    ])
    if pb.results_dir:
        xlsform_name, codebook_name = f"{pb.notebook}.xlsform.xlsx", f"{pb.notebook}.codebook.csv"
        survey.write_xlsform(q, Path(pb.results_dir) / xlsform_name)
        xform = survey.xlsform_to_xform(Path(pb.results_dir) / xlsform_name)
        survey.write_codebook(cb, Path(pb.results_dir) / codebook_name)
        pb.note(pb.t("survey.files_written", xlsform=xlsform_name, codebook=codebook_name), "ok")
        if xform["warnings"]:
            pb.note(pb.t("survey.xform_warnings", n=len(xform["warnings"]), text=" · ".join(xform["warnings"][:3])),
                    "warn")
        pb.result("files", {"xlsform": xlsform_name, "codebook": codebook_name})
        pb.result("xform_warnings", len(xform["warnings"]))
    else:
        pb.note(pb.t("survey.files_not_written"), "info")
    if q["dropped"]:
        pb.note(pb.t("survey.dropped", items=", ".join(q["dropped"])), "warn")
    mismatches = survey.consistency_warnings(pb.params)
    for key, values in mismatches:
        pb.note(pb.t(key, **values), "warn")
    if not mismatches:
        pb.note(pb.t("survey.consistent"), "ok")
    pb.result("form_id", q["form_id"])
    pb.result("n_items", len(q["items"]))
    pb.result("modules", [m["name"] for m in q["modules"]])
    pb.result("n_skip_rules", n_skips)
    pb.result("minutes", round(survey.estimated_minutes(q), 1))
    return q, cb


def printable_section(pb, q: dict[str, Any]) -> None:
    """The questionnaire as a printable table (:func:`cxkit.survey.printable`): number, module, variable,
    question, answers, skip condition, reverse-keyed. Writes no results keys."""
    pb.h3(pb.t("survey.printable_title"))
    pr = survey.printable(q, pb.lang)
    pr["reverse"] = _yes(pb, pr["reverse"])
    pb.table(pr.rename(columns={"no": pb.t("survey.col_no"), "module": pb.t("survey.col_module"),
                                "variable": pb.t("survey.col_variable"), "question": pb.t("survey.col_question"),
                                "answers": pb.t("survey.col_answers"), "condition": pb.t("survey.col_condition"),
                                "reverse": pb.t("survey.col_reverse")}), digits=0)


def codebook_section(pb, cb) -> None:
    """The codebook (:func:`cxkit.survey.codebook`): variables with label, type, allowed values,
    reverse key and scale.

    Notes
    -----
    Results keys: ``codebook_variables`` (every variable) and ``reverse_items`` (reverse-keyed variables).
    """
    lang = pb.lang
    pb.h2(pb.t("survey.sec_codebook"))
    pb.p(pb.t("survey.codebook_text", n=len(cb), frame=int((cb["type"] == "frame").sum())))
    shown = cb[["variable", f"label_{lang}", "type", "allowed", "reverse", "scale"]].copy()
    shown["reverse"] = _yes(pb, shown["reverse"])
    pb.table(shown.rename(columns={"variable": pb.t("survey.col_variable"), f"label_{lang}": pb.t("survey.col_question"),
                                   "type": pb.t("survey.col_type"), "allowed": pb.t("survey.col_allowed"),
                                   "reverse": pb.t("survey.col_reverse"), "scale": pb.t("survey.col_scale")}))
    pb.result("codebook_variables", cb["variable"].tolist())
    pb.result("reverse_items", cb.loc[cb["reverse"], "variable"].tolist())


def sample_section(pb, sp: SamplingParams) -> dict[str, Any]:
    """The sample size: n for one estimate, the plan's total, invitations, and the sentence that explains them.

    The plan is :func:`cxkit.sampling.plan_sample`. For a proportion,
    ``n0 = z² p (1 − p) / e²`` (Cochran 1977, eq. 4.2); for a mean, ``n0 = z² σ² / e²``
    (:func:`cxkit.sampling.sample_size_proportion` / :func:`~cxkit.sampling.sample_size_mean`); the card "one
    estimate" is ``⌈n0⌉`` (infinite population), the plan takes ``n = ⌈n' / (1 + (n' − 1) / N)⌉`` with
    ``n' = n0 · design_effect`` (finite-population correction) and, with ``precision_for: <dimension>``, reaches
    it within each level and sums them. Invitations are ``⌈n_h / response_rate⌉`` per cell.

    Parameters
    ----------
    pb : Playbook
        Its ``region`` picks this region's cells for the "this region" card.
    sp : SamplingParams
        ``design.sampling``.

    Returns
    -------
    dict
        The plan of :func:`cxkit.sampling.plan_sample` (``cells``, ``dimensions``, ``n_total`` ...).

    Notes
    -----
    Results keys: ``n_one_estimate``, ``n_required``, ``n_total``, ``per_domain``, ``invitations_total``.
    """
    plan = sampling.plan_sample(sp.model_dump(mode="json"))
    cells = plan["cells"]
    conf = _conf(sp)
    pb.h2(pb.t("survey.sec_sample"))
    mine = region_cells(cells, pb.region)
    one = (sampling.sample_size_mean(sp.margin, sp.sd, sp.confidence)["n"] if sp.estimate == "mean"
           else sampling.sample_size_proportion(sp.margin, sp.confidence, sp.p)["n"])
    invites = int(cells["invitations"].sum())
    cards = [{"label": pb.t("survey.kpi_n0"), "value": f"{one:,}"},
             {"label": pb.t("survey.kpi_total"), "value": f"{plan['n_total']:,}"},
             {"label": pb.t("survey.kpi_invites"), "value": f"{invites:,}"}]
    if len(mine):
        cards.append({"label": pb.t("survey.kpi_region"), "value": f"{int(mine['n'].sum()):,}"})
    pb.kpis(cards)
    n = f"{plan['n_required']:,}"
    if sp.estimate == "mean":
        pb.p(pb.t("survey.sample_text_mean", conf=conf, moe=f"{sp.margin:g}", sd=f"{sp.sd:g}", n=n))
    elif sp.precision_for == "total":
        pb.p(pb.t("survey.sample_text_total", conf=conf, moe=f"{100 * sp.margin:g}", p=f"{sp.p:g}", n=n))
    else:
        dim_label = pb.label(f"survey.dim_{sp.precision_for}", sp.precision_for)
        pb.p(pb.t("survey.sample_text_domain", conf=conf, moe=f"{100 * sp.margin:g}", p=f"{sp.p:g}", dim=dim_label,
                  n_each=" / ".join(f"{v:,}" for v in dict.fromkeys(plan["per_domain"].values())), n=n))
    pb.p(pb.t("survey.invites_text", rr=f"{100 * sp.response_rate:g}", inv=f"{invites:,}"))
    pb.result("n_one_estimate", one)
    pb.result("n_required", plan["n_required"])
    pb.result("n_total", plan["n_total"])
    pb.result("per_domain", plan["per_domain"])
    pb.result("invitations_total", invites)
    return plan


def allocation_section(pb, sp: SamplingParams, plan: dict[str, Any], q: dict[str, Any]) -> None:
    """The allocation of the sample over the cells of the plan, and (for a region of the plan) the
    proportional / Neyman / equal allocations of its n side by side.

    Proportional ``n_h ∝ N_h``, Neyman ``n_h ∝ N_h S_h`` (Cochran 1977, §5.5), equal ``n_h = n / H``,
    each with ``min_per_cell`` and integer rounding that keeps the total
    (:func:`cxkit.sampling.allocate`, :func:`cxkit.sampling.compare_allocations`).

    Notes
    -----
    Results keys: ``allocation`` and ``invitations`` ({stratum: n}) and, when the plan has this region,
    ``region_allocation``.
    """
    cells = plan["cells"]
    dims = plan["dimensions"]
    pb.h2(pb.t("survey.sec_allocation"))
    pb.p(pb.t("survey.allocation_text", dims=" × ".join(pb.label(f"survey.dim_{d}", d) for d in dims) or "–",
              method=pb.t(f"survey.method_{sp.allocation}"), min=sp.min_per_cell))
    region_names = survey.choice_labels(q, "region", pb.lang)
    alloc = cells.copy()
    if "region" in alloc.columns:
        alloc["region"] = [region_names.get(r, r) for r in alloc["region"]]
    if "tier" in alloc.columns:
        alloc["tier"] = [pb.tier_label(t) for t in alloc["tier"]]
    alloc = alloc.drop(columns=["stratum", "S"]).rename(columns={
        "region": pb.t("survey.level_region"), "tier": pb.t("survey.level_tier"), "N": pb.t("survey.col_population"),
        "exact": pb.t("survey.col_exact"), "n": pb.t("survey.col_n"), "invitations": pb.t("survey.col_invites")})
    pb.table(alloc, digits={pb.t("survey.col_exact"): 1, pb.t("survey.col_population"): 0, pb.t("survey.col_n"): 0,
                            pb.t("survey.col_invites"): 0})
    pb.result("allocation", dict(zip(cells["stratum"], cells["n"].astype(int))))
    pb.result("invitations", dict(zip(cells["stratum"], cells["invitations"].astype(int))))
    mine = region_cells(cells, pb.region)
    if len(mine):
        pb.h3(pb.t("survey.compare_title"))
        cmp = sampling.compare_allocations(mine, int(mine["n"].sum()), sp.min_per_cell)
        cmp["stratum"] = [pb.tier_label(s.split(".")[-1]) for s in cmp["stratum"]]
        pb.table(cmp.rename(columns={"stratum": pb.t("survey.col_stratum"), "N": pb.t("survey.col_population"),
                                     "proportional": pb.t("survey.col_proportional"),
                                     "neyman": pb.t("survey.col_neyman"), "equal": pb.t("survey.col_equal")}), digits=0)
        pb.result("region_allocation", dict(zip(mine["stratum"], mine["n"].astype(int))))


def design_weights_section(pb, plan: dict[str, Any], q: dict[str, Any]) -> None:
    """The design weights of the plan and the shares they give back.

    A cell sampled with probability ``π_h = n_h / N_h`` carries the weight ``w_h = N_h / n_h``
    (Horvitz–Thompson; Cochran 1977, §5.2), so a disproportionate plan is weighted back to the population
    at analysis (03 ``weighting:``); see :func:`cxkit.sampling.design_weight_table`. Shows the range of the
    relative weights and the population / sample / weighted shares of each level.

    Notes
    -----
    Results key: ``design_weights`` ({stratum: {probability, weight}}).
    """
    cells, dims = plan["cells"], plan["dimensions"]
    dw = sampling.design_weight_table(cells, dims)
    pb.h3(pb.t("survey.sec_design_weights"))
    pb.p(pb.t("survey.design_weights_text", lo=fmt_num(dw["cells"]["weight_rel"].min(), 2),
              hi=fmt_num(dw["cells"]["weight_rel"].max(), 2)))
    region_names = survey.choice_labels(q, "region", pb.lang)
    levels = {"region": region_names, "tier": {t: pb.tier_label(t) for t in cells.get("tier", [])}}
    share_cols = ("dimension", "level", "population", "sample", "weighted")
    pb.table(sampling.design_shares_display(dw["shares"], {d: pb.label(f"survey.level_{d}", d) for d in dims}, levels,
                                            {c: pb.t(f"survey.col_{c}_share") for c in share_cols}),
             percent=[pb.t(f"survey.col_{c}_share") for c in ("population", "sample", "weighted")])
    pb.result("design_weights", {s: {"probability": p, "weight": w} for s, p, w in
                                 zip(dw["cells"]["stratum"], dw["cells"]["probability"], dw["cells"]["weight"])})


def precision_section(pb, sp: SamplingParams, pw: PowerParams, plan: dict[str, Any], q: dict[str, Any]) -> None:
    """Precision of the plan: margins of error and wave-to-wave minimum detectable effects by reporting level.

    For the total, each dimension of ``report_by`` and (for this region) each cell
    (:func:`cxkit.sampling.precision_table`): the margin of error of a stratified estimate
    ``z sqrt(Σ_h W_h² σ² / n_h · (N_h − n_h) / (N_h − 1))`` with ``W_h = N_h / N`` (Cochran 1977, §5.3), for the
    top-2-box share (``σ² = p (1 − p)``) and for NPS in points (``σ² = p₊ + p₋ − (p₊ − p₋)²``, the variance of
    the +1 / 0 / −1 score, :func:`cxkit.sampling.nps_variance`), and the minimum detectable change between two
    waves of the planned size at ``alpha`` / ``power``: Cohen's h for the share (statsmodels ``NormalIndPower``),
    the two-sample t test for NPS and for a 0–100 mean with ``sd_100`` (``TTestIndPower``; Cohen 1988). Cells
    whose NPS margin exceeds ``design.sampling.max_cell_moe_nps`` (default ±15 points) get a note: report
    them pooled.

    Notes
    -----
    Results keys: ``nps_variance`` and ``precision`` ({"<level>:<group>": {n, moe_top2, moe_nps, mde_top2,
    mde_nps, mde_100}}).
    """
    cells, region = plan["cells"], pb.region
    mix = sp.assumed_nps
    nps_shares = [mix.promoters, mix.passives, mix.detractors]
    prec = sampling.precision_table(cells, sp.report_by, sp.assumed_top2, nps_shares, pw.sd_100, sp.confidence,
                                    pw.alpha, pw.power)
    pb.h2(pb.t("survey.sec_precision"))
    pb.p(pb.t("survey.precision_text", conf=_conf(sp), top2=fmt_pct(sp.assumed_top2, 0),
              pp=f"{100 * mix.promoters:g}", pa=f"{100 * mix.passives:g}", pd=f"{100 * mix.detractors:g}",
              alpha=f"{pw.alpha:g}", power=f"{pw.power:g}"))
    nv = sampling.nps_variance(*nps_shares)
    pb.p(pb.t("survey.nps_check", nps=f"{100 * nv['nps']:.0f}", var=f"{nv['variance']:.3f}"))
    mine = region_cells(cells, region)
    show = prec[prec["level"] != "cell"].copy() if not len(mine) else \
        prec[(prec["level"] != "cell") | prec["group"].str.startswith(f"{region}.")].copy()
    region_names = survey.choice_labels(q, "region", pb.lang)
    show["group"] = [pb.tier_label(g.split(".")[-1]) if lv in ("tier", "cell") else pb.label(f"survey.level_{g}", g)
                     if lv == "total" else region_names.get(g, g) for lv, g in zip(show["level"], show["group"])]
    show["level"] = [pb.label(f"survey.level_{lv}", lv) for lv in show["level"]]
    cols = {c: pb.t(f"survey.col_{c}") for c in ("level", "group", "n", "moe_top2", "moe_nps", "mde_top2",
                                                  "mde_nps", "mde_100")}
    pb.table(show.rename(columns=cols), percent=[cols["moe_top2"]],
             digits={cols["n"]: 0, **{cols[c]: 1 for c in ("moe_nps", "mde_top2", "mde_nps", "mde_100")}})
    wide = prec[(prec["level"] == "cell") & (prec["moe_nps"] > sp.max_cell_moe_nps)]
    if len(wide):
        pb.note(pb.t("survey.warn_wide_cells", n=len(wide), limit=f"{sp.max_cell_moe_nps:g}"), "warn")
    pb.result("nps_variance", nv["variance"])
    pb.result("precision", {f"{lv}:{g}": {k: r[k] for k in ("n", "moe_top2", "moe_nps", "mde_top2", "mde_nps", "mde_100")}
                            for lv, g, r in zip(prec["level"], prec["group"], prec.to_dict("records"))})


def pilot_section(pb, pw: PowerParams) -> None:
    """Power of the pilot-vs-control (A/B) comparison within a tier, per target of ``design.power.pilot``.

    ``per_tier`` customers split ``treated_share`` vs the rest (:func:`cxkit.sampling.pilot_power`): a mean
    target is a two-sided two-sample t test (statsmodels ``TTestIndPower``, effect ``d = |Δ| / sd``), a
    proportion target the normal test of Cohen's ``h = 2 asin sqrt(p₂) − 2 asin sqrt(p₁)`` (``NormalIndPower``;
    Cohen 1988, ch. 2 and 6). Shows power, MDE and the customers per tier each target needs at the same split,
    with a note per target (below / reaching ``design.power.power``). Without targets: only the heading.

    Notes
    -----
    Results key: ``pilot`` (one record per target: tier, metric, baseline, target, n_treated, n_control,
    power, mde, needed_per_tier), only when there are targets.
    """
    pilot = pw.pilot
    pb.h2(pb.t("survey.sec_pilot"))
    if not pilot.targets:
        return
    pp = sampling.pilot_power(pilot.per_tier, pilot.treated_share, [t.model_dump(mode="json") for t in pilot.targets],
                              pw.alpha, pw.power)
    pb.p(pb.t("survey.pilot_text", per=pilot.per_tier, share=f"{100 * pilot.treated_share:g}",
              n1=int(pp["n_treated"].iloc[0]), n2=int(pp["n_control"].iloc[0]), power=f"{pw.power:g}"))
    view = sampling.pilot_display(pp, pb.lang, pb.tier_label)
    pb.table(view.rename(columns={c: pb.t(f"survey.col_{c}") for c in ("target", "baseline", "goal", "power", "mde",
                                                                         "needed")}),
             percent=[pb.t("survey.col_power")], digits=0)
    for name, r in zip(view["target"], pp.to_dict("records")):
        if r["power"] < pw.power:
            pb.note(pb.t("survey.warn_low_power", target=name, power=f"{100 * r['power']:.0f}",
                         goal=f"{100 * pw.power:.0f}", needed=f"{r['needed_per_tier']:,}"), "warn")
        else:
            pb.note(pb.t("survey.ok_power", target=name, power=f"{100 * r['power']:.0f}"), "ok")
    pb.result("pilot", [{k: r[k] for k in ("tier", "metric", "baseline", "target", "n_treated", "n_control", "power",
                                            "mde", "needed_per_tier")} for r in pp.to_dict("records")])


def fieldwork_section(pb, fw: FieldworkParams) -> None:
    """The fieldwork schedule (document 001's six steps over ``weeks``; :func:`cxkit.sampling.fieldwork_schedule`)
    as a Gantt chart and a table.

    Notes
    -----
    Results keys: ``fieldwork_weeks`` and ``fieldwork_steps`` ({step: [start, end]} in weeks).
    """
    pb.h2(pb.t("survey.sec_fieldwork"))
    sched = sampling.fieldwork_schedule([s.model_dump(mode="json") for s in fw.steps], fw.weeks)
    step_labels = [pb.label(f"survey.step_{s}", s) for s in sched["step"]]
    pb.figure(sampling.plot_gantt(sched, step_labels, title=pb.t("survey.gantt_title"), xlabel=pb.t("survey.gantt_x")),
              alt=pb.t("survey.gantt_title"))
    pb.table(sched.assign(step=step_labels).rename(columns={"step": pb.t("survey.col_step"),
                                                            "start": pb.t("survey.col_start"),
                                                            "end": pb.t("survey.col_end")}), digits=1)
    pb.result("fieldwork_weeks", fw.weeks)
    pb.result("fieldwork_steps", {s: [a, b] for s, a, b in zip(sched["step"], sched["start"], sched["end"])})


def interviews_section(pb, fw: FieldworkParams) -> None:
    """Qualitative fieldwork: in-depth interview quotas by tier × satisfaction level
    (:func:`cxkit.sampling.interview_quotas`, rounded so each tier keeps its total) and focus groups
    (groups per tier, participants ``groups × group_size``).

    Notes
    -----
    Results keys: ``interviews_total``, ``interview_quotas`` ({tier: {level: n}}) and ``focus_groups``
    ({groups, min_participants, max_participants}).
    """
    import pandas as pd

    iq = sampling.interview_quotas(fw.interviews, fw.interview_split)
    pb.h3(pb.t("survey.interviews_title"))
    pb.p(pb.t("survey.interviews_text", n=int(iq["n"].sum())))
    wide_iq = iq.pivot(index="tier", columns="level", values="n").reindex(list(fw.interviews))
    wide_iq[pb.t("survey.col_total")] = wide_iq.sum(axis=1)
    wide_iq = wide_iq.rename(columns={lv: pb.label(f"survey.level_{lv}", lv) for lv in fw.interview_split})
    wide_iq.index = [pb.tier_label(t) for t in wide_iq.index]
    pb.table(wide_iq.rename_axis(pb.t("survey.level_tier")), index=True, digits=0)
    lo, hi = fw.group_size
    g = sum(fw.focus_groups.values())
    pb.p(pb.t("survey.groups_text", g=g, lo=lo, hi=hi, plo=g * lo, phi=g * hi))
    pb.table(pd.DataFrame({pb.t("survey.level_tier"): [pb.tier_label(t) for t in fw.focus_groups],
                           pb.t("survey.col_groups"): list(fw.focus_groups.values()),
                           pb.t("survey.col_participants"): [f"{k * lo}–{k * hi}" for k in fw.focus_groups.values()]}),
             digits=0)
    pb.result("interviews_total", int(iq["n"].sum()))
    pb.result("interview_quotas", {t: dict(zip(grp["level"], grp["n"].astype(int)))
                                   for t, grp in iq.groupby("tier", sort=False)})
    pb.result("focus_groups", {"groups": g, "min_participants": g * lo, "max_participants": g * hi})
