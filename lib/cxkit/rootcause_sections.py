"""Section builders of notebook 04 (root cause): one call per section of the playbook.

:func:`coding_section` cleans and codes the region's complaint verbatims (:func:`cxkit.rootcause.code_complaints`)
and returns a :class:`CodedComplaints`: the typed :class:`cxkit.rootcause.RootCauseParams`, the coding, the
verbatims as the playbook may show them (masked by :mod:`cxkit.privacy` unless ``privacy.redact_pii`` is off)
and the counts every later section reads. Each other builder takes the :class:`cxkit.report.Playbook` ``pb``
and that object, writes the section's headings, text, tables and charts through ``pb`` and records its keys
of ``04_root_cause.results.json`` (docs/results.md). The coding, counting and charts are in
:mod:`cxkit.rootcause` (this module imports it, never the reverse); what decides a note or how much a table
shows are fields of :class:`~cxkit.rootcause.RootCauseParams` (``rows_listed``, ``codes_shown``,
``fishbone_codes``, ``theme_example_chars``, ``uncoded_warn_share``, ``kappa_warn_below``, ``kappa_ok_from``).

The notebook reads::

    rp = RootCauseParams.model_validate(pb.params.get("root_cause") or {})
    run = rootcause_sections.coding_section(pb, rp)
    rootcause_sections.overview_section(pb, run)
    rootcause_sections.pareto_section(pb, run)
    ...
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from . import privacy
from . import rootcause as rc
from .report import fmt_pct
from .rootcause import RootCauseParams


@dataclass
class CodedComplaints:
    """A region's complaints coded, and what the sections share.

    Attributes
    ----------
    params : RootCauseParams
        The ``root_cause:`` section, typed.
    rcp : dict
        The same as JSON-ready dict (what :func:`cxkit.rootcause.code_complaints`,
        :func:`~cxkit.rootcause.validate_chains` and the priority functions read).
    res : dict
        :func:`cxkit.rootcause.code_complaints`' output (``data``, ``report``, ``codebook``, ``coded``, and when
        configured ``doc_codebook`` / ``doc_coded`` / ``human`` / ``human_doc``).
    shown : list of str
        The verbatims as the playbook may show them (masked when privacy is on).
    n_pii : int
        Verbatims holding personal data (before masking).
    redacted : bool
        Whether personal data is masked.
    out_dir : str
        The folder of the results file ("" when there is none): the codes CSV and themes YAML go there.
    """

    params: RootCauseParams
    rcp: dict[str, Any]
    res: dict[str, Any]
    shown: list[str]
    n_pii: int
    redacted: bool
    out_dir: str

    @property
    def data(self):
        """The usable complaints (index reset)."""
        return self.res["data"]

    @property
    def coded(self):
        """The fishbone coding of every complaint (:func:`cxkit.rootcause.auto_code`)."""
        return self.res["coded"]

    @property
    def codebook(self) -> rc.Codebook:
        return self.res["codebook"]

    @cached_property
    def cats(self):
        """One primary category per complaint (ranks the causes): ``item``, ``n``, ``share``, uncoded included."""
        return rc.primary_counts(self.coded, self.codebook)

    @cached_property
    def mentions(self):
        """Multi-label category counts: the share of complaints mentioning each category."""
        return rc.category_counts(self.coded, self.codebook)

    @cached_property
    def pcode_counts(self):
        """Complaints per primary code (uncoded left out)."""
        return rc.primary_counts(self.coded, self.codebook, level="codes", include_uncoded=False)

    @cached_property
    def fish_counts(self) -> dict[str, int]:
        """Complaints per primary category, uncoded left out (the fishbone's bones, the chains' evidence)."""
        return {c: int(n) for c, n in zip(self.cats["item"], self.cats["n"]) if c != rc.UNCODED}


def _out_dir(pb) -> str:
    return pb.results_dir or (str(Path(pb.results_path).parent) if pb.results_path else "")


def coding_section(pb, rp: RootCauseParams) -> CodedComplaints:
    """Read, clean and code the region's complaints; write the page's introduction.

    Parameters
    ----------
    pb : Playbook
        Its params give ``complaints`` (the file, named in messages) and ``privacy``.
    rp : RootCauseParams
        The ``root_cause:`` section.

    Returns
    -------
    CodedComplaints
        What the other sections read. Writes no results keys.
    """
    rcp = rp.model_dump(mode="json")
    redact = privacy.enabled(pb.params)
    res = rc.code_complaints(pb.complaints(), rcp, file=pb.params.get("complaints"))
    texts = res["data"][rp.text_column].tolist()
    shown = [privacy.redact(t) for t in texts] if redact else texts
    n_pii = sum(1 for t in texts if privacy.find_pii(t))
    pb.p(pb.t("rootcause.intro"))
    return CodedComplaints(params=rp, rcp=rcp, res=res, shown=shown, n_pii=n_pii, redacted=redact, out_dir=_out_dir(pb))


def overview_section(pb, run: CodedComplaints) -> None:
    """Key figures (complaints, coded share, top cause, verbatims with personal data), notes on dropped and
    truncated verbatims (the first ``rows_listed`` data rows named) and on masking, the codebook in one
    sentence; the per-verbatim codes written to ``<notebook>.codes.csv`` beside the results.

    Results keys: ``n_complaints``, ``n_dropped``, ``n_truncated``, ``n_pii``, ``coded_share``,
    ``category_counts``, ``category_share``, ``primary_counts``, ``mention_counts``, ``mention_share``.
    """
    rp, lang, data, coded, cb = run.params, pb.lang, run.data, run.coded, run.codebook
    cats, mentions = run.cats, run.mentions
    rank = cats[cats["item"] != rc.UNCODED].sort_values(["n", "item"], ascending=[False, True])
    pb.h2(pb.t("rootcause.sec_overview"))
    pb.kpis([
        {"label": pb.t("rootcause.kpi_complaints"), "value": f"{len(data):,}"},
        {"label": pb.t("rootcause.kpi_coded"), "value": fmt_pct(rc.coded_share(coded))},
        {"label": pb.t("rootcause.kpi_top"), "value": cb.category_label(rank["item"].iloc[0], lang)},
        {"label": pb.t("rootcause.kpi_pii"), "value": str(run.n_pii)},
    ])
    rep = run.res["report"]
    k = rp.rows_listed
    if rep["n_dropped"]:
        pb.note(pb.t("rootcause.dropped", n=rep["n_dropped"], rows=", ".join(map(str, rep["dropped_rows"][:k]))), "warn")
    if rep["n_long"]:
        pb.note(pb.t("rootcause.long", n=rep["n_long"], max=rp.max_chars,
                     rows=", ".join(map(str, rep["long_rows"][:k]))), "warn")
    pb.note(pb.t("rootcause.pii_on") if run.redacted else pb.t("rootcause.pii_off"), "info" if run.redacted else "warn")
    pb.p(pb.t("rootcause.codebook_text", name=cb.label[lang], n_cat=len(cb.categories), n_code=len(cb.codes),
              n_kw=cb.keyword_count()))
    pb.result("n_complaints", len(data))
    pb.result("n_dropped", rep["n_dropped"])
    pb.result("n_truncated", rep["n_long"])
    pb.result("n_pii", run.n_pii)
    pb.result("coded_share", rc.coded_share(coded))
    pb.result("category_counts", dict(zip(cats["item"], cats["n"])))
    pb.result("category_share", dict(zip(cats["item"], cats["share"])))
    pb.result("primary_counts", coded["primary"].value_counts().to_dict())
    pb.result("mention_counts", dict(zip(mentions["item"], mentions["n"])))
    pb.result("mention_share", dict(zip(mentions["item"], mentions["share"])))
    if run.out_dir:              # per-verbatim codes beside the results: id, primary, all codes, matched terms
        id_col = rp.id_column
        ids = data[id_col].tolist() if id_col and id_col in data.columns else None
        codes_csv = Path(run.out_dir) / f"{pb.notebook}.codes.csv"
        rc.write_codes_csv(codes_csv, rc.codes_table(coded, ids))
        pb.p(pb.t("rootcause.codes_file", file=codes_csv.name))


def pareto_section(pb, run: CodedComplaints) -> None:
    """The Pareto analysis of primary categories (the vital few up to 80%, their cumulative share; the share of
    the top 20% of codes): the chart, the category table (with the multi-label "mentioned in" share) and the
    table of the ``codes_shown`` largest codes.

    Results keys: ``pareto_vital_categories``, ``pareto_vital_codes``, ``top20_code_share``, ``code_counts``,
    ``primary_code_counts``.
    """
    lang, coded, cb, cats, pcode_counts = pb.lang, run.coded, run.codebook, run.cats, run.pcode_counts
    pb.h2(pb.t("rootcause.sec_pareto"))
    ptab, psum = rc.pareto(cats[cats["item"] != rc.UNCODED])
    code_counts = rc.category_counts(coded, cb, level="codes", include_uncoded=False)
    ctab, csum = rc.pareto(pcode_counts)
    vital = [cb.category_label(c, lang) for c in psum["vital"]]
    pb.p(pb.t("rootcause.pareto_text", k=psum["n_vital"], vital=pb.join(vital) if lang == "zh" else ", ".join(vital),
              cum=f"{100 * ptab.loc[ptab['vital'], 'cum_share'].iloc[-1]:.1f}", top_k=csum["top20_items"],
              top20=f"{100 * csum['top20_share']:.1f}"))
    plabels = [cb.category_label(c, lang) for c in ptab["item"]]
    pb.figure(rc.plot_pareto(ptab, labels=plabels, title=pb.t("rootcause.pareto_title"),
                             ylabel=pb.t("rootcause.pareto_y"), cum_label=pb.t("rootcause.pareto_cum")),
              alt=pb.t("rootcause.pareto_title"))
    yes = {True: pb.t("rootcause.yes"), False: ""}
    mshare = dict(zip(run.mentions["item"], run.mentions["share"]))
    pb.table(ptab.assign(item=plabels, vital=ptab["vital"].map(yes), mention=[mshare[c] for c in ptab["item"]]).rename(
        columns={"item": pb.t("rootcause.col_category"), "n": pb.t("rootcause.col_n"),
                 "share": pb.t("rootcause.col_share"), "cum_share": pb.t("rootcause.col_cum"),
                 "vital": pb.t("rootcause.col_vital"), "mention": pb.t("rootcause.col_mention")}),
        percent=[pb.t("rootcause.col_share"), pb.t("rootcause.col_cum"), pb.t("rootcause.col_mention")], digits=0)
    pb.h3(pb.t("rootcause.sec_codes"))
    top = ctab.head(run.params.codes_shown)
    pb.table(top.assign(category=[cb.category_label(cb.code(c).category, lang) for c in top["item"]],
                        item=[cb.code_label(c, lang) for c in top["item"]], vital=top["vital"].map(yes))[
        ["category", "item", "n", "share", "cum_share", "vital"]].rename(columns={
            "category": pb.t("rootcause.col_category"), "item": pb.t("rootcause.col_code"),
            "n": pb.t("rootcause.col_n"), "share": pb.t("rootcause.col_share"),
            "cum_share": pb.t("rootcause.col_cum"), "vital": pb.t("rootcause.col_vital")}),
        percent=[pb.t("rootcause.col_share"), pb.t("rootcause.col_cum")], digits=0)
    pb.result("pareto_vital_categories", psum["vital"])
    pb.result("pareto_vital_codes", csum["vital"])
    pb.result("top20_code_share", csum["top20_share"])
    pb.result("code_counts", dict(zip(code_counts["item"], code_counts["n"])))
    pb.result("primary_code_counts", dict(zip(pcode_counts["item"], pcode_counts["n"])))


def fishbone_section(pb, run: CodedComplaints) -> None:
    """The fishbone (Ishikawa) chart: complaints per primary category, each bone labelled with its
    ``fishbone_codes`` most frequent primary codes. Writes no results keys."""
    lang, cb, pcode_counts, fish_counts = pb.lang, run.codebook, run.pcode_counts, run.fish_counts
    pb.h2(pb.t("rootcause.sec_fishbone"))
    lines = {}
    for c in cb.categories:
        top = pcode_counts[[cb.code(x).category == c for x in pcode_counts["item"]]].sort_values("n", ascending=False)
        lines[c] = [f"{cb.code_label(x, lang)} ({n})" for x, n in zip(top["item"], top["n"])
                    if n > 0][:run.params.fishbone_codes]
    labels = {c: cb.category_label(c, lang) for c in fish_counts}
    phone = [(f"{labels[c]} ({fish_counts[c]:,})", lines.get(c, [])) for c in
             sorted(fish_counts, key=lambda c: -fish_counts[c])]          # on a phone: the bones as a list
    pb.figure(rc.plot_fishbone(fish_counts, labels, effect=pb.t("rootcause.fishbone_effect"),
                               title=pb.t("rootcause.fishbone_title"), code_lines=lines),
              alt=pb.t("rootcause.fishbone_title"), phone=phone)


def _touchpoint_label(pb, value: Any) -> str:
    return pb.label(f"rootcause.tp_{value}", str(value))


def crosstab_section(pb, run: CodedComplaints) -> None:
    """Categories by customer tier and by touchpoint (``tier_column``, ``touchpoint_column``; column
    shares), a note when a configured column is missing, and a note that the page holds one region only.

    Results keys: ``crosstab_<column>`` for each column shown.
    """
    rp, lang, data, cb = run.params, pb.lang, run.data, run.codebook
    pb.h2(pb.t("rootcause.sec_cross"))
    pb.p(pb.t("rootcause.cross_text"))
    for key, col, tp in (("rootcause.cross_tier", rp.tier_column, False),
                         ("rootcause.cross_touchpoint", rp.touchpoint_column, True)):
        if not col:
            continue
        pb.h3(pb.t(key))
        if col not in data.columns:
            pb.note(pb.t("rootcause.no_column", col=col), "warn")
            continue
        xt = rc.crosstab(run.coded, data[col].astype(str), codebook=cb)
        xt.index = [cb.category_label(c, lang) for c in xt.index]
        xt.columns = [_touchpoint_label(pb, c) if tp else pb.tier_label(c) for c in xt.columns]
        pb.table(xt.rename_axis(pb.t("rootcause.col_category")), index=True, percent=list(xt.columns))
        pb.result(f"crosstab_{col}", xt.to_dict())
    pb.note(pb.t("rootcause.region_note"), "info")


def _impact_scores(pb, run: CodedComplaints):
    """The complainants' scores aligned with ``run.data`` and where they come from, or (None, message)."""
    import pandas as pd

    rp, data = run.params, run.data
    if rp.score_column:
        if rp.score_column not in data.columns:
            return None, pb.t("rootcause.impact_no_column", col=rp.score_column)
        return pd.to_numeric(data[rp.score_column], errors="coerce"), rp.score_column
    survey = pb.params.get("survey") or {}
    id_col = survey.get("id_column")
    outcome = (survey.get("outcomes") or {}).get(rp.impact_outcome)
    if isinstance(outcome, dict):
        outcome = outcome.get("column")
    if rp.respondent_column not in data.columns:
        return None, pb.t("rootcause.impact_no_column", col=rp.respondent_column)
    if not id_col or not outcome:
        return None, pb.t("rootcause.impact_no_link", outcome=rp.impact_outcome)
    resp = pb.responses()
    if id_col not in resp.columns or outcome not in resp.columns:
        return None, pb.t("rootcause.impact_no_link", outcome=rp.impact_outcome)
    by_id = (resp.drop_duplicates(id_col).assign(_k=lambda d: d[id_col].astype(str))
             .set_index("_k")[outcome])
    return pd.to_numeric(data[rp.respondent_column].astype(str).map(by_id), errors="coerce"), outcome


def _score_label(pb, run: CodedComplaints, column: str) -> str:
    """How the page names the score: the engagement's column label, else the survey outcome the column is
    (or the linked ``impact_outcome``), else "the score" (never the raw column name)."""
    own = pb._client_label("column_labels", column)
    if own:
        return own
    outcomes = (pb.params.get("survey") or {}).get("outcomes") or {}
    role = next((r for r, c in outcomes.items() if c == column or (isinstance(c, dict) and c.get("column") == column)),
                None)
    if run.params.respondent_column:
        role = run.params.impact_outcome
    return pb.t(f"rootcause.score_{role}") if role in ("csat", "nps", "ces", "overall") else pb.t("rootcause.score")


def impact_section(pb, run: CodedComplaints) -> None:
    """Which causes go with lower satisfaction: for each category, the complainants' mean score when their
    complaint mentions it minus when it does not, with a 95% Welch interval and Holm-adjusted p
    (:func:`cxkit.rootcause.cause_impact`). The score comes from ``score_column`` (in the complaints file) or,
    through ``respondent_column``, from the survey's ``impact_outcome``. Nothing without either.

    Results keys: ``cause_impact`` (list of ``{category, n_with, mean_with, n_without, mean_without, diff, ci_low,
    ci_high, p, p_holm}``), ``cause_impact_score`` (the score's column).
    """
    rp, lang, cb = run.params, pb.lang, run.codebook
    if not (rp.score_column or rp.respondent_column):
        return
    pb.h2(pb.t("rootcause.sec_impact"))
    score, src = _impact_scores(pb, run)
    if score is None:
        pb.note(src, "warn")
        return
    n_scored = int(score.notna().sum())
    label = _score_label(pb, run, src)
    t = rc.cause_impact(run.coded, score.tolist(), cb, min_n=rp.impact_min_n)
    alpha = 0.05
    sig = t[(t["p_holm"] < alpha) & (t["diff"] < 0)]
    if n_scored == 0 or t["p"].notna().sum() == 0:
        pb.note(pb.t("rootcause.impact_too_few", n=n_scored, min_n=rp.impact_min_n), "warn")
    elif len(sig):
        r = sig.iloc[0]
        pb.p(pb.t("rootcause.impact_finding", cause=cb.category_label(r["item"], lang), col=label,
                  diff=f"{abs(r['diff']):.2f}", lo=f"{-r['ci_high']:.2f}", hi=f"{-r['ci_low']:.2f}",
                  with_=f"{r['mean_with']:.2f}", without=f"{r['mean_without']:.2f}", n=int(r["n_with"])))
    else:
        pb.p(pb.t("rootcause.impact_none", col=label, n=n_scored))
    pb.p(pb.t("rootcause.impact_method", col=label, n=n_scored))
    shown = t.assign(
        item=[cb.category_label(c, lang) for c in t["item"]],
        interval=[f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]" if d == d and lo == lo else "—"
                  for d, lo, hi in zip(t["diff"], t["ci_low"], t["ci_high"])],
        flag=[pb.t("rootcause.yes") if p < alpha else "" for p in t["p_holm"].fillna(1.0)])
    cols = {"item": pb.t("rootcause.col_category"), "n_with": pb.t("rootcause.col_impact_n"),
            "mean_with": pb.t("rootcause.col_impact_with"), "mean_without": pb.t("rootcause.col_impact_without"),
            "interval": pb.t("rootcause.col_impact_diff"), "flag": pb.t("rootcause.col_impact_sig")}
    with pb.details(pb.t("rootcause.impact_table"), open=bool(len(sig))):
        pb.table(shown[list(cols)].rename(columns=cols),
                 digits={cols["n_with"]: 0, cols["mean_with"]: 2, cols["mean_without"]: 2})
    recs = [{"category": r["item"], **{k: (None if v != v else v) for k, v in r.items() if k != "item"}}
            for r in t.to_dict("records")]
    pb.result("cause_impact", recs)
    pb.result("cause_impact_score", src)


def touchpoint_section(pb, run: CodedComplaints) -> None:
    """One sentence on the touchpoints' Pareto: the share of complaints carried by the top 20% of
    touchpoints, and which. Nothing without a ``touchpoint_column`` in the data.

    Results keys: ``top20_touchpoint_share``.
    """
    tp_col, data = run.params.touchpoint_column, run.data
    if not (tp_col and tp_col in data.columns):
        return
    tp = data[tp_col].astype(str).value_counts().rename_axis("item").reset_index(name="n")
    ttab, tsum = rc.pareto(tp)
    pb.p(pb.t("rootcause.touchpoint_pareto", k=tsum["top20_items"], n=tsum["n_items"],
              pct=f"{100 * tsum['top20_share']:.1f}",
              tps=", ".join(_touchpoint_label(pb, x) for x in ttab["item"].head(tsum["top20_items"]))))
    pb.result("top20_touchpoint_share", tsum["top20_share"])


def examples_section(pb, run: CodedComplaints) -> None:
    """Example verbatims per code (``examples_per_code``, drawn with the engagement's seed; masked when
    privacy is on). Writes no results keys."""
    lang, cb = pb.lang, run.codebook
    pb.h2(pb.t("rootcause.sec_examples"))
    ex = rc.examples(run.shown, run.coded, per_code=run.params.examples_per_code, seed=pb.params["seed"])
    if ex.empty:
        return
    ex = ex.assign(category=[cb.category_label(cb.code(c).category, lang) for c in ex["code"]],
                   code=[cb.code_label(c, lang) for c in ex["code"]])
    pb.table(ex[["category", "code", "text"]].rename(columns={"category": pb.t("rootcause.col_category"),
             "code": pb.t("rootcause.col_code"), "text": pb.t("rootcause.col_text")}))


def uncoded_section(pb, run: CodedComplaints) -> None:
    """The complaints no rule coded: their share, their most frequent terms (``top_uncoded_terms``), candidate
    themes from a topic model (:func:`cxkit.rootcause.discover_themes`; their codebook snippets written to
    ``<notebook>.themes.yaml`` beside the results) and a warning above ``uncoded_warn_share``.

    Results keys: ``uncoded_share``; when some are uncoded ``uncoded_terms``, and ``themes`` when themes were found.
    """
    import pandas as pd

    rp, coded, shown = run.params, run.coded, run.shown
    pb.h2(pb.t("rootcause.sec_uncoded"))
    n_unc = int((coded["primary"] == rc.UNCODED).sum())
    share_unc = n_unc / len(coded)
    if not n_unc:
        pb.note(pb.t("rootcause.uncoded_none"), "ok")
        pb.result("uncoded_share", share_unc)
        return
    pb.p(pb.t("rootcause.uncoded_text", n=n_unc, pct=f"{100 * share_unc:.1f}"))
    terms = rc.uncoded_terms(shown, coded, run.codebook, top=rp.top_uncoded_terms)
    pb.table(terms.rename(columns={"term": pb.t("rootcause.col_term"), "lang": pb.t("rootcause.col_lang"),
                                   "n": pb.t("rootcause.col_docs")}), digits=0)
    pb.result("uncoded_terms", dict(zip(terms["term"], terms["n"])))
    unc = [i for i, v in enumerate(coded["primary"]) if v == rc.UNCODED]
    themes = rc.discover_themes([shown[i] for i in unc], [coded["lang"][i] for i in unc], codebook=run.codebook,
                                seed=pb.params["seed"])
    if themes:
        pb.h3(pb.t("rootcause.themes_title"))
        snippet = ""
        if run.out_dir:
            snippet = f"{pb.notebook}.themes.yaml"
            rc.write_themes_yaml(Path(run.out_dir) / snippet, themes)
        pb.p(pb.t("rootcause.themes_text", n=len(themes), file=snippet or "–"))
        pb.table(pd.DataFrame([{"theme": t["name"], "n": t["n"], "terms": ", ".join(t["terms"]),
                                "example": t["examples"][0][:rp.theme_example_chars]} for t in themes]).rename(columns={
            "theme": pb.t("rootcause.col_theme"), "n": pb.t("rootcause.col_docs"), "terms": pb.t("rootcause.col_terms"),
            "example": pb.t("rootcause.col_text")}), digits=0)
        pb.result("themes", [{"theme": t["theme"], "name": t["name"], "n": t["n"], "terms": t["terms"]} for t in themes])
    if share_unc > rp.uncoded_warn_share:
        pb.note(pb.t("rootcause.uncoded_warn", pct=f"{100 * share_unc:.1f}", limit=f"{100 * rp.uncoded_warn_share:g}"),
                "warn")
    pb.result("uncoded_share", share_unc)


def documents_section(pb, run: CodedComplaints) -> None:
    """Complaints per category of the documents' codebook (``doc_codebook``, multi-label). Nothing when no
    documents' codebook is configured.

    Results keys: ``doc_category_counts``.
    """
    if "doc_coded" not in run.res:
        return
    dcb, dcoded = run.res["doc_codebook"], run.res["doc_coded"]
    pb.h2(pb.t("rootcause.sec_doc"))
    pb.p(pb.t("rootcause.doc_text"))
    dc = rc.category_counts(dcoded, dcb)
    pb.table(dc.assign(item=[dcb.category_label(c, pb.lang) for c in dc["item"]]).rename(columns={
        "item": pb.t("rootcause.col_category"), "n": pb.t("rootcause.col_n"), "share": pb.t("rootcause.col_share")}),
        percent=[pb.t("rootcause.col_share")], digits=0)
    pb.result("doc_category_counts", dict(zip(dc["item"], dc["n"])))


def agreement_section(pb, run: CodedComplaints) -> None:
    """Agreement of the automatic coding with human codes (``human_code_column`` or ``human_codes_file``):
    Cohen's kappa, observed and chance agreement, Krippendorff's alpha, the constant-guess baseline, a note
    below ``kappa_warn_below`` or from ``kappa_ok_from``, kappa per category and the confusion table; the
    same kappa and alpha for the documents' codebook when it has human codes. A note when there are none.

    Results keys (with human codes): ``kappa``, ``kappa_po``, ``kappa_baseline_po``, ``kappa_baseline_code``,
    ``alpha_nominal``, ``kappa_per_category``; ``doc_kappa``, ``doc_alpha_nominal``.
    """
    rp, lang, cb, res = run.params, pb.lang, run.codebook, run.res
    pb.h2(pb.t("rootcause.sec_agreement"))
    agr = rc.agreement_summary(res["human"], run.coded, cb) if "human" in res else None
    if agr is None:
        pb.note(pb.t("rootcause.agreement_none"), "info")
        return
    pb.p(pb.t("rootcause.agreement_text", kappa=f"{agr['kappa']:.3f}", po=f"{100 * agr['po']:.1f}",
              pe=f"{100 * agr['pe']:.1f}", alpha=f"{agr['alpha']:.3f}", n=agr["n"]))
    src = rp.human_code_column or Path(rp.human_codes_file or "").name
    with pb.details(pb.t("rootcause.agreement_source_title")):   # the data column is analyst detail, folded
        pb.p(pb.t("rootcause.agreement_source", col=src))
    pb.p(pb.t("rootcause.agreement_baseline", code=cb.category_label(agr["baseline_code"], lang),
              po=f"{100 * agr['baseline_po']:.1f}", auto=f"{100 * agr['po']:.1f}"))
    if agr["kappa"] < rp.kappa_warn_below:
        pb.note(pb.t("rootcause.agreement_low", kappa=f"{agr['kappa']:.2f}", limit=f"{rp.kappa_warn_below:g}"), "warn")
    elif agr["kappa"] >= rp.kappa_ok_from:
        pb.note(pb.t("rootcause.agreement_ok", limit=f"{rp.kappa_ok_from:g}"), "ok")
    per = agr["per_category"]
    pb.h3(pb.t("rootcause.kappa_table"))
    pb.table(per.assign(category=[cb.category_label(c, lang) for c in per["category"]]).rename(columns={
        "category": pb.t("rootcause.col_category"), "n_a": pb.t("rootcause.col_n_human"),
        "n_b": pb.t("rootcause.col_n_auto"), "both": pb.t("rootcause.col_both"), "po": pb.t("rootcause.col_po"),
        "kappa": pb.t("rootcause.col_kappa")}), percent=[pb.t("rootcause.col_po")],
        digits={pb.t("rootcause.col_kappa"): 3, pb.t("rootcause.col_n_human"): 0, pb.t("rootcause.col_n_auto"): 0,
                pb.t("rootcause.col_both"): 0})
    conf = agr["confusion"]
    conf.index = [cb.category_label(c, lang) if c != "Σ" else c for c in conf.index]
    conf.columns = [cb.category_label(c, lang) if c != "Σ" else c for c in conf.columns]
    pb.h3(pb.t("rootcause.confusion"))
    pb.table(conf.rename_axis(pb.t("rootcause.col_category")), index=True, digits=0)
    pb.result("kappa", agr["kappa"])
    pb.result("kappa_po", agr["po"])
    pb.result("kappa_baseline_po", agr["baseline_po"])
    pb.result("kappa_baseline_code", agr["baseline_code"])
    pb.result("alpha_nominal", agr["alpha"])
    pb.result("kappa_per_category", dict(zip(per["category"], per["kappa"])))
    if "human_doc" in res:
        dagr = rc.agreement_summary(res["human_doc"], res["doc_coded"], res["doc_codebook"])
        if dagr is not None:
            pb.p(pb.t("rootcause.doc_agreement", kappa=f"{dagr['kappa']:.3f}", alpha=f"{dagr['alpha']:.3f}"))
            pb.result("doc_kappa", dagr["kappa"])
            pb.result("doc_alpha_nominal", dagr["alpha"])


def chains_section(pb, run: CodedComplaints) -> None:
    """The 5-Why chains of ``root_cause.chains`` (checked against the codebook): their table, then per chain
    its symptom as heading (never the chain's id, a key of the parameters), the complaints of its category
    as evidence and the chain's chart. A note when there are none.

    Results keys: ``chains`` (id, category, number of whys, due date of each).
    """
    lang, cb = pb.lang, run.codebook
    pb.h2(pb.t("rootcause.sec_chains"))
    chains = rc.validate_chains(run.rcp["chains"], cb)
    if not chains:
        pb.note(pb.t("rootcause.chains_none"), "info")
    else:
        pb.p(pb.t("rootcause.chains_text"))
        ct = rc.chains_table(chains, cb, lang)
        pb.table(ct[["symptom", "n_whys", "root_cause", "category", "countermeasure", "owner", "due", "kpi"]].rename(
            columns={"symptom": pb.t("rootcause.col_symptom"),
                     "n_whys": pb.t("rootcause.col_whys"), "root_cause": pb.t("rootcause.col_root"),
                     "category": pb.t("rootcause.col_category"), "countermeasure": pb.t("rootcause.col_action"),
                     "owner": pb.t("rootcause.col_owner"), "due": pb.t("rootcause.col_due"),
                     "kpi": pb.t("rootcause.col_kpi")}),
            digits=0)
        chain_labels = {"symptom": pb.t("rootcause.chain_symptom"), "why": pb.t("rootcause.chain_why"),
                        "root": pb.t("rootcause.chain_root"), "action": pb.t("rootcause.chain_action")}
        for ch in chains:
            pb.h3(rc.text_in(ch["symptom"], lang))
            n_cat = run.fish_counts.get(ch["category"], 0)
            pb.p(pb.t("rootcause.chain_evidence", cat=cb.category_label(ch["category"], lang), n=n_cat,
                      pct=f"{100 * n_cat / len(run.data):.1f}"))
            pb.figure(rc.plot_chain(ch, lang, labels=chain_labels), alt=rc.text_in(ch["root_cause"], lang))
    pb.result("chains", [{"id": c["id"], "category": c["category"], "n_whys": len(c["whys"]), "due": c.get("due")}
                         for c in chains])


def priority_section(pb, run: CodedComplaints) -> None:
    """Priorities: AHP weights of severity, scope and frequency (``priority.ahp_matrix``; stops with a
    :class:`~cxkit.errors.ConfigError` above ``priority.max_cr``), then the categories rated in
    ``priority.issues`` scored and ranked High / Medium / Low at ``priority.thresholds`` (and by fuzzy
    comprehensive evaluation when ``priority.fuzzy``), with a note on the categories left unrated.

    Results keys: ``ahp_weights``, ``ahp_cr``, ``priorities`` (when some category is rated).
    """
    lang, cb = pb.lang, run.codebook
    pb.h2(pb.t("rootcause.sec_priority"))
    pr = run.rcp["priority"]
    ahp = rc.ahp_weights(pr["ahp_matrix"], names=pr["criteria"], max_cr=pr["max_cr"])
    w = ahp["weights"]
    pb.p(pb.t("rootcause.ahp_text", w_sev=f"{100 * w['severity']:.1f}", w_scope=f"{100 * w['scope']:.1f}",
              w_freq=f"{100 * w['frequency']:.1f}", lam=f"{ahp['lambda_max']:.3f}", cr=f"{ahp['cr']:.3f}"))
    pb.result("ahp_weights", w)
    pb.result("ahp_cr", ahp["cr"])
    prio = rc.priority_table(run.cats, pr["issues"], w, codebook=cb, thresholds=pr["thresholds"], lang=lang,
                             fuzzy=pr["fuzzy"])
    if prio.empty:
        pb.note(pb.t("rootcause.priority_none"), "info")
        return
    pb.p(pb.t("rootcause.priority_text", high=pr["thresholds"]["high"], medium=pr["thresholds"]["medium"]))
    if pr["fuzzy"]:
        pb.p(pb.t("rootcause.fuzzy_text"))
    cols = (["label", "n", "severity", "scope", "frequency", "score", "level"] + (["fuzzy_level"] if pr["fuzzy"] else [])
            + ["owner"])
    show = prio[cols].assign(level=[pb.t(f"rootcause.level_{v}") for v in prio["level"]])
    if pr["fuzzy"]:
        show = show.assign(fuzzy_level=[pb.t(f"rootcause.level_{v}") for v in prio["fuzzy_level"]])
    pb.table(show.rename(columns={"label": pb.t("rootcause.col_category"), "n": pb.t("rootcause.col_n"),
                                  "severity": pb.t("rootcause.col_severity"), "scope": pb.t("rootcause.col_scope"),
                                  "frequency": pb.t("rootcause.col_frequency"), "score": pb.t("rootcause.col_score"),
                                  "level": pb.t("rootcause.col_level"), "fuzzy_level": pb.t("rootcause.col_fuzzy"),
                                  "owner": pb.t("rootcause.col_owner")}),
             digits={pb.t("rootcause.col_n"): 0, pb.t("rootcause.col_severity"): 0, pb.t("rootcause.col_scope"): 0,
                     pb.t("rootcause.col_frequency"): 2, pb.t("rootcause.col_score"): 3})
    if prio.attrs.get("unrated"):
        pb.note(pb.t("rootcause.unrated", cats=", ".join(cb.category_label(c, lang) for c in prio.attrs["unrated"])),
                "info")
    pb.result("priorities", [{"category": r.category, "score": r.score, "level": r.level,
                              **({"fuzzy_level": r.fuzzy_level} if pr["fuzzy"] else {})} for r in prio.itertuples()])
