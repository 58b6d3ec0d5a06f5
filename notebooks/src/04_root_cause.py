# %% [markdown]
# # 04 · Root cause
# Complaint verbatims → fishbone codes → Pareto → agreement → 5-Why chains → priorities.
# All logic lives in `cxkit.rootcause`, `cxkit.agreement`, `cxkit.privacy`; text in `cxkit/i18n/rootcause.yaml`.

# %% [parameters]
params = {}
region = ""
notebook = "04_root_cause"
results_path = ""
results_dir = ""
run_dir = ""

# %%
from pathlib import Path

from cxkit import privacy
from cxkit import rootcause as rc
from cxkit.report import start, fmt_pct

pb = start(params, region=region, notebook=notebook, results_path=results_path, results_dir=results_dir)
lang = pb.lang
rcp = pb.params["root_cause"]
redact = privacy.enabled(pb.params)
raw = pb.complaints()
res = rc.code_complaints(raw, rcp, file=pb.params.get("complaints"))
data, coded, cb = res["data"], res["coded"], res["codebook"]
texts = data[rcp["text_column"]].tolist()
shown = [privacy.redact(t) for t in texts] if redact else texts
n_pii = sum(1 for t in texts if privacy.find_pii(t))
pb.p(pb.t("rootcause.intro"))

# %%
cats = rc.primary_counts(coded, cb)                 # one primary category per complaint: ranks the causes
mentions = rc.category_counts(coded, cb)            # multi-label: "% of complaints mentioning"
rank = cats[cats["item"] != rc.UNCODED].sort_values(["n", "item"], ascending=[False, True])
pb.h2(pb.t("rootcause.sec_overview"))
pb.kpis([
    {"label": pb.t("rootcause.kpi_complaints"), "value": f"{len(data):,}"},
    {"label": pb.t("rootcause.kpi_coded"), "value": fmt_pct(rc.coded_share(coded))},
    {"label": pb.t("rootcause.kpi_top"), "value": cb.category_label(rank["item"].iloc[0], lang)},
    {"label": pb.t("rootcause.kpi_pii"), "value": str(n_pii)},
])
rep = res["report"]
if rep["n_dropped"]:
    pb.note(pb.t("rootcause.dropped", n=rep["n_dropped"], rows=", ".join(map(str, rep["dropped_rows"][:10]))), "warn")
if rep["n_long"]:
    pb.note(pb.t("rootcause.long", n=rep["n_long"], max=rcp["max_chars"],
                 rows=", ".join(map(str, rep["long_rows"][:10]))), "warn")
pb.note(pb.t("rootcause.pii_on") if redact else pb.t("rootcause.pii_off"), "info" if redact else "warn")
pb.p(pb.t("rootcause.codebook_text", name=cb.label[lang], n_cat=len(cb.categories), n_code=len(cb.codes),
          n_kw=cb.keyword_count()))
pb.result("n_complaints", len(data))
pb.result("n_dropped", rep["n_dropped"])
pb.result("n_truncated", rep["n_long"])
pb.result("n_pii", n_pii)
pb.result("coded_share", rc.coded_share(coded))
pb.result("category_counts", dict(zip(cats["item"], cats["n"])))
pb.result("category_share", dict(zip(cats["item"], cats["share"])))
pb.result("primary_counts", coded["primary"].value_counts().to_dict())
pb.result("mention_counts", dict(zip(mentions["item"], mentions["n"])))
pb.result("mention_share", dict(zip(mentions["item"], mentions["share"])))
out_dir = pb.results_dir or (str(Path(pb.results_path).parent) if pb.results_path else "")
if out_dir:              # per-verbatim codes beside the results: id, primary, all codes, matched terms
    id_col = rcp.get("id_column")
    ids = data[id_col].tolist() if id_col and id_col in data.columns else None
    codes_csv = Path(out_dir) / f"{notebook}.codes.csv"
    rc.write_codes_csv(codes_csv, rc.codes_table(coded, ids))
    pb.p(pb.t("rootcause.codes_file", file=codes_csv.name))

# %%
pb.h2(pb.t("rootcause.sec_pareto"))
ptab, psum = rc.pareto(cats[cats["item"] != rc.UNCODED])
code_counts = rc.category_counts(coded, cb, level="codes", include_uncoded=False)
pcode_counts = rc.primary_counts(coded, cb, level="codes", include_uncoded=False)
ctab, csum = rc.pareto(pcode_counts)
pb.p(pb.t("rootcause.pareto_text", k=psum["n_vital"], vital=pb.join(cb.category_label(c, lang) for c in psum["vital"])
          if lang == "zh" else ", ".join(cb.category_label(c, lang) for c in psum["vital"]),
          cum=f"{100 * ptab.loc[ptab['vital'], 'cum_share'].iloc[-1]:.1f}", top_k=csum["top20_items"],
          top20=f"{100 * csum['top20_share']:.1f}"))
plabels = [cb.category_label(c, lang) for c in ptab["item"]]
pb.figure(rc.plot_pareto(ptab, labels=plabels, title=pb.t("rootcause.pareto_title"), ylabel=pb.t("rootcause.pareto_y"),
                         cum_label=pb.t("rootcause.pareto_cum")), alt=pb.t("rootcause.pareto_title"))
yes = {True: pb.t("rootcause.yes"), False: ""}
mshare = dict(zip(mentions["item"], mentions["share"]))
pb.table(ptab.assign(item=plabels, vital=ptab["vital"].map(yes), mention=[mshare[c] for c in ptab["item"]]).rename(columns={
    "item": pb.t("rootcause.col_category"), "n": pb.t("rootcause.col_n"), "share": pb.t("rootcause.col_share"),
    "cum_share": pb.t("rootcause.col_cum"), "vital": pb.t("rootcause.col_vital"), "mention": pb.t("rootcause.col_mention")}),
    percent=[pb.t("rootcause.col_share"), pb.t("rootcause.col_cum"), pb.t("rootcause.col_mention")], digits=0)
pb.h3(pb.t("rootcause.sec_codes"))
pb.table(ctab.head(15).assign(
    category=[cb.category_label(cb.code(c).category, lang) for c in ctab["item"].head(15)],
    item=[cb.code_label(c, lang) for c in ctab["item"].head(15)], vital=ctab["vital"].head(15).map(yes))[
    ["category", "item", "n", "share", "cum_share", "vital"]].rename(columns={
        "category": pb.t("rootcause.col_category"), "item": pb.t("rootcause.col_code"), "n": pb.t("rootcause.col_n"),
        "share": pb.t("rootcause.col_share"), "cum_share": pb.t("rootcause.col_cum"), "vital": pb.t("rootcause.col_vital")}),
    percent=[pb.t("rootcause.col_share"), pb.t("rootcause.col_cum")], digits=0)
pb.result("pareto_vital_categories", psum["vital"])
pb.result("pareto_vital_codes", csum["vital"])
pb.result("top20_code_share", csum["top20_share"])
pb.result("code_counts", dict(zip(code_counts["item"], code_counts["n"])))
pb.result("primary_code_counts", dict(zip(pcode_counts["item"], pcode_counts["n"])))

# %%
pb.h2(pb.t("rootcause.sec_fishbone"))
fish_counts = {c: int(n) for c, n in zip(cats["item"], cats["n"]) if c != rc.UNCODED}
lines = {}
for c in cb.categories:
    top = pcode_counts[[cb.code(x).category == c for x in pcode_counts["item"]]].sort_values("n", ascending=False)
    lines[c] = [f"{cb.code_label(x, lang)} ({n})" for x, n in zip(top["item"], top["n"]) if n > 0][:3]
pb.figure(rc.plot_fishbone(fish_counts, {c: cb.category_label(c, lang) for c in fish_counts},
                           effect=pb.t("rootcause.fishbone_effect"), title=pb.t("rootcause.fishbone_title"),
                           code_lines=lines), alt=pb.t("rootcause.fishbone_title"))

# %%
pb.h2(pb.t("rootcause.sec_cross"))
pb.p(pb.t("rootcause.cross_text"))
for key, col, labeler in (("rootcause.cross_tier", rcp.get("tier_column"), pb.tier_label),
                          ("rootcause.cross_touchpoint", rcp.get("touchpoint_column"), lambda v: pb.label(f"rootcause.tp_{v}", str(v)))):
    if not col:
        continue
    pb.h3(pb.t(key))
    if col not in data.columns:
        pb.note(pb.t("rootcause.no_column", col=col), "warn")
        continue
    xt = rc.crosstab(coded, data[col].astype(str), codebook=cb)
    xt.index = [cb.category_label(c, lang) for c in xt.index]
    xt.columns = [labeler(c) for c in xt.columns]
    pb.table(xt.rename_axis(pb.t("rootcause.col_category")), index=True, percent=list(xt.columns))
    pb.result(f"crosstab_{col}", xt.to_dict())
pb.note(pb.t("rootcause.region_note"), "info")

# %%
tp_col = rcp.get("touchpoint_column")
if tp_col and tp_col in data.columns:
    tp = data[tp_col].astype(str).value_counts().rename_axis("item").reset_index(name="n")
    ttab, tsum = rc.pareto(tp)
    pb.p(pb.t("rootcause.touchpoint_pareto", k=tsum["top20_items"], n=tsum["n_items"],
              pct=f"{100 * tsum['top20_share']:.1f}",
              tps=", ".join(pb.label(f"rootcause.tp_{x}", x) for x in ttab["item"].head(tsum["top20_items"]))))
    pb.result("top20_touchpoint_share", tsum["top20_share"])

# %%
pb.h2(pb.t("rootcause.sec_examples"))
ex = rc.examples(shown, coded, per_code=rcp["examples_per_code"], seed=pb.params["seed"])
if not ex.empty:
    ex = ex.assign(category=[cb.category_label(cb.code(c).category, lang) for c in ex["code"]],
                   code=[cb.code_label(c, lang) for c in ex["code"]])
    pb.table(ex[["category", "code", "text"]].rename(columns={"category": pb.t("rootcause.col_category"),
             "code": pb.t("rootcause.col_code"), "text": pb.t("rootcause.col_text")}))

# %%
pb.h2(pb.t("rootcause.sec_uncoded"))
n_unc = int((coded["primary"] == rc.UNCODED).sum())
share_unc = n_unc / len(coded)
if n_unc:
    pb.p(pb.t("rootcause.uncoded_text", n=n_unc, pct=f"{100 * share_unc:.1f}"))
    terms = rc.uncoded_terms(shown, coded, cb, top=rcp["top_uncoded_terms"])
    pb.table(terms.rename(columns={"term": pb.t("rootcause.col_term"), "lang": pb.t("rootcause.col_lang"),
                                   "n": pb.t("rootcause.col_docs")}), digits=0)
    pb.result("uncoded_terms", dict(zip(terms["term"], terms["n"])))
    if share_unc > 0.2:
        pb.note(pb.t("rootcause.uncoded_warn", pct=f"{100 * share_unc:.1f}"), "warn")
else:
    pb.note(pb.t("rootcause.uncoded_none"), "ok")
pb.result("uncoded_share", share_unc)

# %%
if "doc_coded" in res:
    dcb, dcoded = res["doc_codebook"], res["doc_coded"]
    pb.h2(pb.t("rootcause.sec_doc"))
    pb.p(pb.t("rootcause.doc_text"))
    dc = rc.category_counts(dcoded, dcb)
    pb.table(dc.assign(item=[dcb.category_label(c, lang) for c in dc["item"]]).rename(columns={
        "item": pb.t("rootcause.col_category"), "n": pb.t("rootcause.col_n"), "share": pb.t("rootcause.col_share")}),
        percent=[pb.t("rootcause.col_share")], digits=0)
    pb.result("doc_category_counts", dict(zip(dc["item"], dc["n"])))

# %%
pb.h2(pb.t("rootcause.sec_agreement"))
agr = rc.agreement_summary(res["human"], coded, cb) if "human" in res else None
if agr is None:
    pb.note(pb.t("rootcause.agreement_none"), "info")
else:
    src = rcp.get("human_code_column") or Path(rcp.get("human_codes_file") or "").name
    pb.p(pb.t("rootcause.agreement_text", col=src, kappa=f"{agr['kappa']:.3f}", po=f"{100 * agr['po']:.1f}",
              pe=f"{100 * agr['pe']:.1f}", alpha=f"{agr['alpha']:.3f}", n=agr["n"]))
    if agr["kappa"] < 0.6:
        pb.note(pb.t("rootcause.agreement_low", kappa=f"{agr['kappa']:.2f}"), "warn")
    elif agr["kappa"] >= 0.8:
        pb.note(pb.t("rootcause.agreement_ok"), "ok")
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
    pb.result("alpha_nominal", agr["alpha"])
    pb.result("kappa_per_category", dict(zip(per["category"], per["kappa"])))
    if "human_doc" in res:
        dagr = rc.agreement_summary(res["human_doc"], res["doc_coded"], res["doc_codebook"])
        if dagr is not None:
            pb.p(pb.t("rootcause.doc_agreement", kappa=f"{dagr['kappa']:.3f}", alpha=f"{dagr['alpha']:.3f}"))
            pb.result("doc_kappa", dagr["kappa"])
            pb.result("doc_alpha_nominal", dagr["alpha"])

# %%
pb.h2(pb.t("rootcause.sec_chains"))
chains = rc.validate_chains(rcp["chains"], cb)
if not chains:
    pb.note(pb.t("rootcause.chains_none"), "info")
else:
    pb.p(pb.t("rootcause.chains_text"))
    ct = rc.chains_table(chains, cb, lang)
    pb.table(ct[["id", "symptom", "n_whys", "root_cause", "category", "countermeasure", "owner", "due", "kpi"]].rename(
        columns={"id": pb.t("rootcause.col_id"), "symptom": pb.t("rootcause.col_symptom"),
                 "n_whys": pb.t("rootcause.col_whys"), "root_cause": pb.t("rootcause.col_root"),
                 "category": pb.t("rootcause.col_category"), "countermeasure": pb.t("rootcause.col_action"),
                 "owner": pb.t("rootcause.col_owner"), "due": pb.t("rootcause.col_due"), "kpi": pb.t("rootcause.col_kpi")}),
        digits=0)
    chain_labels = {"symptom": pb.t("rootcause.chain_symptom"), "why": pb.t("rootcause.chain_why"),
                    "root": pb.t("rootcause.chain_root"), "action": pb.t("rootcause.chain_action")}
    for ch in chains:
        pb.h3(f"{ch['id']} · {rc.text_in(ch['symptom'], lang)}")
        n_cat = fish_counts.get(ch["category"], 0)
        pb.p(pb.t("rootcause.chain_evidence", id=ch["id"], cat=cb.category_label(ch["category"], lang), n=n_cat,
                  pct=f"{100 * n_cat / len(data):.1f}"))
        pb.figure(rc.plot_chain(ch, lang, labels=chain_labels), alt=rc.text_in(ch["root_cause"], lang))
pb.result("chains", [{"id": c["id"], "category": c["category"], "n_whys": len(c["whys"]), "due": c.get("due")}
                     for c in chains])

# %%
pb.h2(pb.t("rootcause.sec_priority"))
pr = rcp["priority"]
ahp = rc.ahp_weights(pr["ahp_matrix"], names=pr["criteria"], max_cr=pr["max_cr"])
w = ahp["weights"]
pb.p(pb.t("rootcause.ahp_text", w_sev=f"{100 * w['severity']:.1f}", w_scope=f"{100 * w['scope']:.1f}",
          w_freq=f"{100 * w['frequency']:.1f}", lam=f"{ahp['lambda_max']:.3f}", cr=f"{ahp['cr']:.3f}"))
pb.result("ahp_weights", w)
pb.result("ahp_cr", ahp["cr"])
prio = rc.priority_table(cats, pr["issues"], w, codebook=cb, thresholds=pr["thresholds"], lang=lang, fuzzy=pr["fuzzy"])
if prio.empty:
    pb.note(pb.t("rootcause.priority_none"), "info")
else:
    pb.p(pb.t("rootcause.priority_text", high=pr["thresholds"]["high"], medium=pr["thresholds"]["medium"]))
    if pr["fuzzy"]:
        pb.p(pb.t("rootcause.fuzzy_text"))
    cols = ["label", "n", "severity", "scope", "frequency", "score", "level"] + (["fuzzy_level"] if pr["fuzzy"] else []) + ["owner"]
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
        pb.note(pb.t("rootcause.unrated", cats=", ".join(cb.category_label(c, lang) for c in prio.attrs["unrated"])), "info")
    pb.result("priorities", [{"category": r.category, "score": r.score, "level": r.level,
                              **({"fuzzy_level": r.fuzzy_level} if pr["fuzzy"] else {})} for r in prio.itertuples()])
pb.save();
