"""Findings and actions of the engagement summary (cxkit.findings): rules, consistency check, evidence links."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from cxkit import findings as F
from cxkit import results as R
from cxkit.report import Link, Playbook, anchor_id
from statsmodels.stats.proportion import proportion_confint

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "tests" / "data" / "results_examples"
NBS = ("02_reliability", "03_diagnostics", "04_root_cause", "05_roi", "06_allocation")
NUM = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


@pytest.fixture(scope="module")
def params():
    from cxkit.config import load_engagement

    return load_engagement(ROOT / "params" / "demo", check_files=False).regions["east"].params


def raw(nb: str) -> dict:
    return json.loads((EX / "east" / f"{nb}.results.json").read_text(encoding="utf-8"))


D3 = json.loads((EX / "east" / "03_diagnostics.results.json").read_text(encoding="utf-8"))
RC = json.loads((EX / "east" / "04_root_cause.results.json").read_text(encoding="utf-8"))
KPIS = json.loads((EX / "_engagement" / "99_summary.results.json").read_text(encoding="utf-8"))["kpis"]


def inputs(params, lang_params=None, **changes) -> F.RegionInputs:
    """The east example results, with ``changes`` = {notebook: function(dict) -> None} applied, validated."""
    models = {}
    for nb in NBS:
        d = raw(nb)
        if nb in changes:
            changes[nb](d)
        models[nb] = R.validate(nb, d)
    return F.RegionInputs("east", "East", models, lang_params if lang_params is not None else params, KPIS["east"])


def rule(items, name):
    return [x for x in items if x.rule == name]


def numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in NUM.findall(text)]


# --------------------------------------------------------------------------- region rules
def test_alert_states_value_interval_and_line(params):
    inp = inputs(params)
    (f, *_) = rule(F.region_findings(inp, "en", k=20), "alert")
    assert f.metric == "alert:csat_0_100" and f.value == pytest.approx(D3["csat_0_100"])
    assert f.evidence == "east/03_diagnostics.html#diag-sec_kpi"
    lo, hi = D3["csat_0_100_ci"]                                  # the interval 03 reports (weighted)
    assert {round(D3["csat_0_100"], 1), 80.0, round(lo, 1), round(hi, 1)} <= set(numbers(f.text))
    assert hi < 80 and "whole interval is below the line" in f.text


def test_alert_whose_interval_reaches_the_line_is_not_significant(params):
    inp = inputs(params)
    d3 = inp.nb("03_diagnostics")
    inp.kpis = {**KPIS["east"], "csat_hi": 80.4}
    inp.results["03_diagnostics"] = d3.model_copy(update={"csat_0_100_ci": [d3.csat_0_100_ci[0], 80.4]})
    (f,) = [x for x in rule(F.region_findings(inp, "en", k=20), "alert") if x.metric == "alert:csat_0_100"]
    assert "not significant" in f.text and "80.4" in f.text


def test_no_alert_no_alert_finding(params):
    inp = inputs(params, **{"03_diagnostics": lambda d: d.update(alerts=[])})
    fs = F.region_findings(inp, "en", k=20)
    assert not rule(fs, "alert")
    (c,) = rule(fs, "composite")
    assert "no KPI is below its alert line" in c.text and c.score < 50


def test_composite_pass_names_every_alert(params):
    """Contradiction seen in 03: "KPI composite 82.7 pass" beside "CSAT 77 below the alert line 80"."""
    inp = inputs(params)
    (c,) = rule(F.region_findings(inp, "en", k=20), "composite")
    assert c.claim == "pass" and "82.7" in c.text and "Pass" in c.text
    assert "77.2" in c.text and "80" in c.text and "83.7" in c.text and "85" in c.text
    assert F.check_consistency([c], [], {"east": inp}) == []
    bare = F.Finding(text="The KPI composite is 82.7 (Pass).", metric="kpi_composite", value=82.703125,
                     evidence=c.evidence, region="east", rule="composite", claim="pass",
                     cites={"kpi_composite": F.Cite(value=82.703125, shown="82.7")})
    problems = F.check_consistency([bare], [], {"east": inp})
    assert len(problems) == 2 and "csat_0_100 = 77.2" in problems[0] and "80" in problems[0]
    with pytest.raises(F.ContradictionError, match="alert line"):
        F.ensure_consistent([bare], [], {"east": inp})


def test_composite_below_pass(params):
    inp = inputs(params, **{"03_diagnostics": lambda d: d.update(kpi_composite={"score": 55.0, "grade": "below"})})
    (c,) = rule(F.region_findings(inp, "en", k=20), "composite")
    assert "below the pass line" in c.text and c.score == 85


def test_top_driver_keep_up_is_protect_and_improve(params):
    """Contradiction seen in 03: IPA "keep up the good work" for the #1 driver."""
    inp = inputs(params)
    assert inp.nb("03_diagnostics").ipa["responsiveness"] == "keep_up"
    (f,) = rule(F.region_findings(inp, "en", k=20), "top_driver")
    assert f.subject == "responsiveness" and f.claim == "protect_improve"
    assert "protect and improve" in f.text and "keep up" not in f.text
    w, (lo, hi) = D3["driver_weights"]["responsiveness"], D3["driver_weights_ci"]["responsiveness"]
    assert "Responsiveness" in f.text and all(f"{100 * x:.1f}%" in f.text for x in (w, lo, hi))
    assert "clearly ahead of #2 Reliability" in f.text           # the two bootstrap intervals do not overlap
    (a, *_) = rule(F.region_actions(inp, "en"), "driver")
    assert a.claim == "protect_improve" and "keep up" not in a.what
    kept = f.model_copy(update={"claim": "keep_up", "text": "Responsiveness: keep up the good work.", "cites": {}})
    (problem,) = F.check_consistency([kept], [], {"east": inp})
    assert "responsiveness" in problem and "protect and improve" in problem
    act = a.model_copy(update={"claim": "keep_up"})
    assert len(F.check_consistency([], [act], {"east": inp})) == 1
    other = kept.model_copy(update={"subject": "assurance"})       # keep up for a lesser driver is fine
    assert F.check_consistency([other], [], {"east": inp}) == []


def test_driver_intervals_that_overlap_are_said_to(params):
    def close(d):
        d["driver_weights_ci"]["reliability"] = [0.15, 0.40]
    (f,) = rule(F.region_findings(inputs(params, **{"03_diagnostics": close}), "en", k=20), "top_driver")
    assert "not separable from #2" in f.text


def test_no_driver_finding_without_a_driver_model(params):
    def none(d):
        d.update(r2=None, driver_weights={}, driver_performance={}, driver_weights_ci={}, ipa={})
    inp = inputs(params, **{"03_diagnostics": none})
    assert not rule(F.region_findings(inp, "en", k=20), "top_driver")
    assert not rule(F.region_actions(inp, "en", k=20), "driver")


def test_root_cause_share_with_wilson_interval(params):
    inp = inputs(params)
    (f,) = rule(F.region_findings(inp, "en", k=20), "root_cause")
    k, n = RC["category_counts"]["process"], RC["n_complaints"]
    lo, hi = proportion_confint(k, n, method="wilson")
    assert F.wilson(k, n) == pytest.approx((lo, hi))
    assert f.metric == "category_share:process" and f.value == pytest.approx(k / n)
    assert {round(100 * k / n, 1), n, k, round(100 * lo, 1), round(100 * hi, 1)} <= set(numbers(f.text))
    assert f.evidence == "east/04_root_cause.html#rootcause-sec_pareto"


def test_roi_with_monte_carlo_and_risk(params):
    inp = inputs(params)
    (f,) = rule(F.region_findings(inp, "en", k=20), "roi")
    assert f.claim is None and "P(NPV < 0) = 0.0%" in f.text and "NPV CNY 58.0M" in f.text and "1:6.29" in f.text
    risky = inputs(params, **{"05_roi": lambda d: d.update(p_npv_positive=0.7)})
    (g,) = rule(F.region_findings(risky, "en", k=20), "roi")
    assert g.claim == "risky" and g.score > 80 and "30.0%" in g.text
    (a,) = rule(F.region_actions(risky, "en", k=20), "roi")
    assert a.what.startswith("Pilot") and a.evidence.endswith("#roi-sec_mc")
    point = inputs(params, **{"05_roi": lambda d: d.update(p_npv_positive=None, mc_draws=0)})
    (h,) = rule(F.region_findings(point, "en", k=20), "roi")
    assert "point estimate" in h.text


def test_allocation_uses_the_scenario_table(params):
    """Contradiction seen in 06: the headline's "+5.5 points" while the current split gives 8.52 points."""
    inp = inputs(params)
    a = inp.nb("06_allocation")
    opt, cur = a.scenarios["optimal"], a.scenarios["current"]
    (f,) = rule(F.region_findings(inp, "en", k=20), "allocation")
    assert f.value == opt.objective and f.cites["optimal_points"].value == opt.points == a.optimal_points
    assert f.cites["current_points"].value == cur.points and cur.points > opt.points
    assert "CNY 26.2M" in f.text and "CNY 20.6M" in f.text and "(8.5 against 5.5)" in f.text
    assert F.check_consistency([f], [], {"east": inp}) == []
    promise = F.Finding(text="The optimal plan lifts satisfaction by +5.5 points.", metric="allocation.optimal_objective",
                        value=opt.objective, evidence=f.evidence, region="east", rule="allocation",
                        cites={"optimal_points": F.Cite(value=opt.points, shown="5.5")})
    (p,) = F.check_consistency([promise], [], {"east": inp})
    assert "current split gives 8.52" in p
    wrong = promise.model_copy(update={"text": "The optimal plan gives +5.3 points; the current split 8.5.",
                                       "cites": {"optimal_points": F.Cite(value=5.3, shown="5.3"),
                                                 "current_points": F.Cite(value=cur.points, shown="8.5")}})
    assert any("scenario table says" in p for p in F.check_consistency([wrong], [], {"east": inp}))
    off = promise.model_copy(update={"value": 25e6, "cites": {}})
    assert any("is not the scenario table's optimal objective" in p for p in F.check_consistency([off], [], {"east": inp}))


def test_allocation_when_the_optimum_also_wins_on_points(params):
    def better(d):
        d["scenarios"]["current"]["points"] = 3.0
    (f,) = rule(F.region_findings(inputs(params, **{"06_allocation": better}), "en", k=20), "allocation")
    assert "Satisfaction uplift: 5.5 points against 3.0" in f.text


def test_wave_and_tier_rules_only_state_significant_contrasts(params):
    inp = inputs(params)
    fs = F.region_findings(inp, "en", k=20)
    (w,) = rule(fs, "wave")
    assert "+2.8" in w.text and "+10.0" in w.text and "+5.3 pp" in w.text and "p < 0.001" in w.text
    (t,) = rule(fs, "tiers")
    assert "Platinum 83.7" in t.text and "Potential 70.9" in t.text

    def flat(d):
        for k in d["wave_change"].values():
            k["p_value"] = 0.2
        d["difference_tests"]["tier"]["overall.welch_anova"] = 0.3
    fs = F.region_findings(inputs(params, **{"03_diagnostics": flat}), "en", k=20)
    assert not rule(fs, "wave") and not rule(fs, "tiers")


def test_reliability_and_staffing(params):
    fs = F.region_findings(inputs(params), "en", k=20)
    (r,) = rule(fs, "reliability")
    assert "2 of 6 scales" in r.text and "Reliability" in r.text and "0.67" in r.text
    (s,) = rule(fs, "staffing")
    assert "60 inquiries" in s.text and "standard of 40" in s.text and "300 agents" in s.text and "100 more" in s.text
    ok = inputs(params, **{"06_allocation": lambda d: d["staffing"].update(load_over=False)})
    assert not rule(F.region_findings(ok, "en", k=20), "staffing")


def test_findings_are_ranked_and_three_to_six(params):
    fs = F.region_findings(inputs(params), "en")
    assert F.MIN_FINDINGS <= len(fs) <= F.MAX_FINDINGS
    assert [f.score for f in fs] == sorted((f.score for f in fs), reverse=True)
    assert fs[0].rule == "alert"


def test_numbers_in_the_text_parse_back_to_the_values_cited(params):
    inp = inputs(params)
    eng = F.EngagementInputs({"east": inp}, KPIS, params)
    out = F.build(eng, "en")
    for f in out.all_findings():
        assert f.cites, f.text
        for name, c in f.cites.items():
            assert c.shown in f.text, (name, f.text)
            assert c.matches(), (name, c)
        assert f.value is None or any(c.value == f.value for c in f.cites.values()), f
    # and against the results the numbers come from
    src = {"alert:csat_0_100": raw("03_diagnostics")["alerts"][0]["value"],
           "kpi_composite": raw("03_diagnostics")["kpi_composite"]["score"],
           "npv": raw("05_roi")["npv"], "allocation.optimal_objective": raw("06_allocation")["scenarios"]["optimal"]["objective"]}
    by_metric = {f.metric: f for f in out.findings["east"]}
    for metric, value in src.items():
        if metric in by_metric:
            assert by_metric[metric].value == value
    roi = rule(F.region_findings(inp, "en", k=20), "roi")[0]
    assert round(raw("05_roi")["npv"] / 1e6, 1) in numbers(roi.text)


def test_a_number_not_shown_or_misrounded_is_refused(params):
    inp = inputs(params)
    f = rule(F.region_findings(inp, "en", k=20), "root_cause")[0]
    bad = f.model_copy(update={"cites": {**f.cites, "category_share:process": F.Cite(value=0.5143, shown="52.0%",
                                                                                      scale=100.0)}})
    assert any("does not round" in p for p in F.check_consistency([bad], [], {"east": inp}))


# --------------------------------------------------------------------------- actions, owners, due dates
def test_actions_from_chains_drivers_allocation_staffing(params):
    inp = inputs(params)
    acts = F.region_actions(inp, "en", k=20)
    chains = rule(acts, "chain")
    assert [a.owner for a in chains][:1] == ["Store operations"] and chains[0].due == "2026-12-31"
    share = RC["category_counts"]["process"] / RC["n_complaints"]
    assert chains[0].target == "Serving time −15%" and f"{100 * share:.1f}%" in chains[0].kpi
    (d, *_) = rule(acts, "driver")
    assert d.owner == "Customer service centre"        # responsiveness levers are people levers → issues.people.owner
    assert d.due == "2026-12-31"                        # wave 2026Q3 → end of the next quarter
    (al,) = rule(acts, "allocation")
    assert "Platinum real-time alerts" in al.what and "CNY 26.2M" in al.target
    (st,) = rule(acts, "staffing")
    assert "100 agents" in st.what and st.target == "≤ 40"
    for a in acts:
        assert all(getattr(a, k) for k in ("what", "owner", "kpi", "target", "due", "evidence"))


def test_default_owners_and_due_without_params(params):
    bare = {"language": "en"}
    inp = inputs(params, lang_params=bare)
    acts = F.region_actions(inp, "en", k=20)
    (d, *_) = rule(acts, "driver")
    assert d.owner == "CX programme office" and d.due == "next wave"
    chain = rule(acts, "chain")[0]
    assert chain.owner == "Operations" and chain.due == "2026-12-31"     # the chain's own due date
    assert F.next_due({"wave": "2026Q4"}, "zh") == "2027-03-31" and F.next_due({"wave": "W3"}, "zh") == "下一轮调研前"


def test_no_raw_keys_in_chinese_text(params):
    inp = inputs(params)
    out = F.build(F.EngagementInputs({"east": inp}, {"_all": KPIS["_all"], "east": KPIS["east"]}, params), "zh")
    texts = [f.text for f in out.all_findings()] + [x for a in out.all_actions()
                                                    for x in (a.what, a.owner, a.kpi, a.target, a.due)]
    keys = {"responsiveness", "reliability", "assurance", "empathy", "tangibles", "process", "technology", "people",
            "slow_serving", "channel", "tier", "platinum", "keep_up", "csat_0_100", "plat_tech", "mass_people"}
    for t in texts:
        assert not re.search(r"[A-Za-z]+_[A-Za-z_]+", t), t
        assert not {w.lower() for w in re.findall(r"[A-Za-z_]+", t)} & keys, t


def test_engagement_findings_only_significant_contrasts(params):
    inp = inputs(params)
    kp = copy.deepcopy(KPIS)
    eng = F.EngagementInputs({"east": inp}, kp, params)
    (csat, nps) = rule(F.engagement_findings(eng, "en"), "kpi")
    assert "East 77.2 (above the rest, Holm-adjusted p < 0.001)" in csat.text
    assert "entirely below the alert line 80" in csat.text
    assert csat.evidence == "_engagement/99_summary.html#summary-sec_kpi"
    for r in kp:
        if r != "_all":
            kp[r].update(p_csat=0.3, p_nps=0.3)
    (csat, _) = rule(F.engagement_findings(F.EngagementInputs({"east": inp}, kp, params), "en"), "kpi")
    assert "no region differs significantly" in csat.text and "East" not in csat.text
    assert not F.engagement_actions(F.EngagementInputs({"east": inp}, kp, params), "en")


def test_upstream_notes_name_the_three_contradictions(params):
    notes = F.upstream_notes(inputs(params), "en")
    assert len(notes) == 3
    assert "Pass" in notes[0] and "Responsiveness" in notes[1] and "+5.5" in notes[2] and "8.5" in notes[2]


def test_summary_results_validate(params):
    out = F.build(F.EngagementInputs({"east": inputs(params)}, KPIS, params), "en")
    fs, acts = out.results()
    assert set(fs[0]) == {"text", "metric", "value", "evidence", "region"}
    assert set(acts[0]) == {"what", "owner", "kpi", "target", "due", "evidence", "region"}
    data = json.loads((EX / "_engagement" / "99_summary.results.json").read_text(encoding="utf-8"))
    R.validate("99_summary", {**data, "findings": fs, "actions": acts})
    with pytest.raises(R.DataError, match="findings"):
        R.validate("99_summary", {**data, "findings": [{**fs[0], "extra": 1}]})


# --------------------------------------------------------------------------- stable anchors and links
def test_headings_get_stable_anchors_from_their_i18n_key():
    pb = Playbook({"language": "en"}, display=False)
    pb.h2(pb.t("diag.sec_kpi"))
    pb.h2("plain text")
    pb.h3(pb.t("diag.sec_kpi"))
    pb.h2("Anything", anchor="summary.findings_east")
    html = "".join(pb.fragments)
    assert 'id="diag-sec_kpi"' in html and 'id="diag-sec_kpi-2"' in html and 'id="summary-findings_east"' in html
    assert [f'id="sec-{i}"' in html for i in (1, 2, 3, 4)] == [True] * 4        # the table of contents keeps its ids
    assert anchor_id("diag.sec_kpi") == "diag-sec_kpi" and F.evidence_link("e", "03_x", "diag.sec_kpi").endswith("#diag-sec_kpi")
    zh = Playbook({"language": "zh"}, display=False)
    zh.h2(zh.t("diag.sec_kpi"))
    assert 'id="diag-sec_kpi"' in zh.fragments[0]                                 # the same anchor in every language


def test_links_are_escaped_and_relative_only():
    pb = Playbook({"language": "en"}, display=False)
    pb.bullets([("a < b ", Link("evidence", "../east/03_diagnostics.html#diag-sec_kpi"))])
    assert '<a href="../east/03_diagnostics.html#diag-sec_kpi">evidence</a>' in pb.fragments[0] and "a &lt; b" in pb.fragments[0]
    with pytest.raises(ValueError, match="relative"):
        pb.bullets([Link("x", "javascript:alert(1)")])
    import pandas as pd
    pb.table(pd.DataFrame({"e": [Link("go", "#summary-sec_kpi")]}))
    assert '<td><a href="#summary-sec_kpi">go</a></td>' in pb.fragments[-1]
    assert F.page_href("east/05_roi.html#roi-sec_mc") == "../east/05_roi.html#roi-sec_mc"


# --------------------------------------------------------------------------- the demo run
def test_demo_evidence_links_resolve(demo_run):
    """Every evidence link of a real demo run points to an existing playbook and an anchor in it; the 99 page
    shows the findings and actions before any other table."""
    res = demo_run.results("_engagement", "99_summary")
    assert res["findings"] and res["actions"]
    pages: dict[str, str] = {}
    for item in res["findings"] + res["actions"]:
        page, anchor = item["evidence"].split("#")
        path = demo_run.out / page
        assert path.is_file(), item
        html = pages.setdefault(page, path.read_text(encoding="utf-8"))
        assert f'id="{anchor}"' in html, item
    by_region: dict[str, int] = {}
    for f in res["findings"]:
        by_region[f["region"]] = by_region.get(f["region"], 0) + 1
    assert set(by_region) == {"_engagement", "east", "south", "west", "north"}
    assert all(F.MIN_FINDINGS <= n <= F.MAX_FINDINGS for n in by_region.values()), by_region
    page = demo_run.html("_engagement", "99_summary")
    first_table = page.index('class="cx-table"')
    assert page.index('id="summary-sec_findings"') < page.index('id="summary-sec_actions"') < first_table
    assert page.index('id="summary-sec_notes"') > first_table > page.index('id="summary-sec_actions"')
    for href in re.findall(r'<a href="(\.\./[^"#]+)#([^"]+)"', page):
        target = (demo_run.out / "_engagement" / href[0]).resolve()
        assert target.is_file() and f'id="{href[1]}"' in target.read_text(encoding="utf-8"), href
    for anchor in re.findall(r'<a href="#([^"]+)"', page):
        assert f'id="{anchor}"' in page, anchor


def test_every_summary_string_the_rules_use_exists_in_both_languages():
    from cxkit import i18n

    src = (ROOT / "lib" / "cxkit" / "findings.py").read_text(encoding="utf-8")
    keys = set(re.findall(r"""say\.t\(\s*f?["']([a-z0-9_]+)["']""", src))
    keys |= {f"quad_{q}" for q in ("concentrate", "protect_improve", "keep_up", "low_priority", "overkill")}
    keys |= {f"h_common_{k}" for k in ("driver", "cause")} | {f"f_common_{k}" for k in ("driver", "cause")}
    keys |= {f"f_all_{k}" for k in ("csat", "nps")}
    missing = [k for k in keys if not i18n.has(f"summary.{k}")]
    assert not missing, missing
    for k in keys:
        for lang in ("zh", "en"):
            assert i18n.catalog()[f"summary.{k}"][lang]
