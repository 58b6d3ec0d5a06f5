"""Section builders of notebook 99 (engagement summary): findings first, then actions, then the regions' KPIs.

Presentation over :mod:`cxkit.findings` (the rules) and :mod:`cxkit.summary` (the figures); the notebook calls
one function per section.
"""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from .summary import kpi_display, plot_kpi_forest, significant_regions


def findings_section(pb, models: Mapping[str, Any], regions: Mapping[str, Mapping[str, Any]],
                     labels: Mapping[str, str], kpi_rows: Mapping[str, Any]):
    """99's first section: the findings of the engagement and of each region (:func:`cxkit.findings.build`, which
    refuses contradictory statements), one block per scope whose heading states its top finding, each finding a
    sentence with its number and a link to its evidence. Returns the :mod:`cxkit.findings` result (actions,
    notes, results) for the next sections."""
    from . import findings
    from .report import Link

    eng = findings.EngagementInputs({r: findings.RegionInputs(r, labels[r], models[r], regions[r], kpi_rows.get(r))
                                     for r in regions}, kpi_rows, pb.params)
    found = findings.build(eng, pb.lang)
    pb.h2(pb.t("summary.sec_findings"), anchor="summary.sec_findings")
    for r, fs in found.findings.items():
        who = labels.get(r, r) if r != "_engagement" else None
        first = next((f.headline for f in fs if f.headline), None)
        if first:
            title = (pb.t("summary.sec_findings_all", headline=first) if who is None else
                     pb.t("summary.sec_findings_region", region=who, headline=first))
        else:
            title = who or labels["_all"]
        pb.h3(title, anchor=f"summary.findings_{r}")
        if not fs:
            pb.p(pb.t("summary.findings_none"))
            continue
        pb.bullets([(f.text, " ", Link(pb.t("summary.evidence"), findings.page_href(f.evidence))) for f in fs],
                   ordered=True)
        if who is not None and len(fs) < findings.MIN_FINDINGS:
            pb.note(pb.t("summary.findings_few", region=who, n=len(fs)), "info")
    return found


def actions_section(pb, found, labels: Mapping[str, str]) -> None:
    """99's action list (what, owner, KPI, target, due, evidence link) and the results keys ``findings`` and
    ``actions``."""
    from . import findings
    from .report import Link

    pb.h2(pb.t("summary.sec_actions"), anchor="summary.sec_actions")
    acts = found.all_actions()
    if acts:
        pb.p(pb.t("summary.actions_text"))
        cols = {k: pb.t(f"summary.col_{k}") for k in ("scope", "what", "owner", "kpi", "target", "due", "evidence")}
        pb.table(pd.DataFrame([{cols["scope"]: labels["_all"] if a.region == "_engagement" else labels.get(a.region, a.region),
                                cols["what"]: a.what, cols["owner"]: a.owner, cols["kpi"]: a.kpi,
                                cols["target"]: a.target, cols["due"]: a.due,
                                cols["evidence"]: Link(pb.t("summary.evidence"), findings.page_href(a.evidence))}
                               for a in acts]))
    else:
        pb.p(pb.t("summary.actions_none"))
    found_results, action_results = found.results()
    pb.result("findings", found_results)
    pb.result("actions", action_results)


def kpi_section(pb, kpis: pd.DataFrame, labels: Mapping[str, str], *, headline: str | None,
                region_shares: Mapping[str, float] | None) -> None:
    """99's KPI comparison: the regions' CSAT, top box and NPS with intervals (weighted and rolled up by population
    when the engagement says so: :func:`engagement_kpis`), the regions significantly above / below the rest, and
    the forest plots. Result ``kpis``."""
    pb.h2(pb.t("summary.sec_kpi") + (f" · {headline}" if headline else ""), anchor="summary.sec_kpi")
    pb.table(kpi_display(kpis, labels, {k: pb.t(f"summary.col_{k}") for k in ("region", "n", "csat", "top2", "nps")}))
    if region_shares:
        pb.note(pb.t("summary.rollup_weighted", shares=pb.join(f"{labels.get(r, r)} {100 * v:.0f}%"
                                                               for r, v in region_shares.items())), "info")
    better, worse = significant_regions(kpis, "csat_0_100", "p_csat")
    if better:
        pb.note(pb.t("summary.better", regions=pb.join(labels[r] for r in better)), "ok")
    if worse:
        pb.note(pb.t("summary.worse", regions=pb.join(labels[r] for r in worse)), "warn")
    if not better and not worse:
        pb.p(pb.t("summary.no_diff"))
    for key, lo, hi, chart, col in (("csat_0_100", "csat_lo", "csat_hi", "csat_chart", "col_csat"),
                                    ("nps", "nps_lo", "nps_hi", "nps_chart", "col_nps")):
        if key in kpis:
            pb.figure(plot_kpi_forest(kpis, value=key, lo=lo, hi=hi, labels=labels, title=pb.t(f"summary.{chart}"),
                                      xlabel=pb.t(f"summary.{col}")))
    pb.result("kpis", kpis.set_index("region").to_dict(orient="index"))
