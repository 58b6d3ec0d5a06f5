"""What each notebook reads: params sections, region input files and upstream results.

The runner uses these declarations for three things (issue 14, "declared dependencies"):

- the **fingerprint** of a task covers exactly what the notebook reads, so ``--resume`` after a change
  re-runs only the notebooks it touches (``allocation.frontier_points`` → 06 and the summary);
- the **task graph**: a notebook waits only for the notebooks whose results it reads, so the others of a
  region run side by side;
- **applicability**: a notebook whose required inputs or sections are absent is *not applicable* (shown
  with the reason on the index, ``not_applicable`` in the manifest, exit 0), not failed.

Every notebook also reads the presentation keys in :data:`COMMON` (language, labels, privacy, seed…).
A notebook without a declaration reads everything and depends on every earlier notebook (the safe default).

>>> spec = SPECS["06_allocation"]
>>> spec.upstream, "allocation" in spec.sections
(('03_diagnostics', '05_roi'), True)
>>> SPECS["04_root_cause"].missing({"complaints": None, "root_cause": {}})
['complaints']
>>> SPECS["05_roi"].missing({"roi": {"horizon_months": 36}, "provided": ["survey"]})   # filled by defaults only
['roi']
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

#: keys every playbook reads (header, language, redaction, random seed, region identity)
COMMON = ("engagement", "client", "language", "wave", "date", "label", "region", "privacy", "seed")
#: region input files (params keys that name a data file)
#: (``waves``: the earlier waves of a tracking study, each file an input keyed ``waves:<label>``)
INPUT_KEYS = ("responses", "previous_responses", "retest_responses", "complaints", "pilot_responses", "waves")


@dataclass(frozen=True)
class NotebookSpec:
    """The declaration of one notebook.

    ``sections``: params sections read (beyond :data:`COMMON`); ``inputs``: region files read when present;
    ``requires``: inputs or sections that must be present and non-empty, else the notebook is not
    applicable; ``upstream``: notebooks whose ``.results.json`` it reads (when they ran).
    """

    name: str
    sections: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    upstream: tuple[str, ...] = ()
    reason: Mapping[str, str] = field(default_factory=dict)

    def missing(self, params: Mapping[str, Any]) -> list[str]:
        """The required inputs/sections absent from a region's params (empty list: applicable)."""
        out = []
        provided = params.get("provided")            # sections written in engagement.yaml (config fills defaults)
        for key in self.requires:
            head, _, sub = key.partition(".")
            v = params.get(head)
            if sub and isinstance(v, Mapping):
                v = v.get(sub)
            absent = v in (None, "", [], {})
            if key == "survey.outcomes" and isinstance(v, Mapping):
                absent = not any(v.values())       # every role unset
            if not absent and not sub and head not in INPUT_KEYS and provided is not None:
                absent = head not in provided
            if absent:
                out.append(key)
        return out

    def fingerprint_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The part of a region's params this notebook reads."""
        keys = COMMON + self.sections
        return {k: params.get(k) for k in keys}


_READ = ("input", "validation")          # every notebook that reads a data file reads it through these
SPECS: dict[str, NotebookSpec] = {s.name: s for s in (
    NotebookSpec("00_data_profile", sections=("survey", "targets", "weighting") + _READ,
                 inputs=("responses", "previous_responses", "retest_responses"), requires=("responses",)),
    NotebookSpec("01_survey_design", sections=("design", "survey", "targets"), requires=("design",)),
    NotebookSpec("02_reliability", sections=("survey", "reliability") + _READ,
                 inputs=("responses", "retest_responses"), requires=("responses", "survey.scales")),
    NotebookSpec("03_diagnostics", sections=("survey", "diagnostics", "targets", "reliability", "weighting") + _READ,
                 inputs=("responses", "previous_responses", "waves"), requires=("responses", "survey.outcomes"),
                 upstream=("02_reliability",)),
    NotebookSpec("04_root_cause", sections=("root_cause",) + _READ, inputs=("complaints",),
                 requires=("complaints",)),
    NotebookSpec("05_roi", sections=("roi", "targets"), requires=("roi",), upstream=("03_diagnostics",)),
    NotebookSpec("06_allocation", sections=("survey", "allocation"), requires=("allocation",),
                 upstream=("03_diagnostics", "05_roi")),
    NotebookSpec("07_action_plan", sections=("action_plan", "targets", "survey", "roi", "root_cause"),
                 inputs=("pilot_responses",), requires=("action_plan",),
                 upstream=("03_diagnostics", "04_root_cause", "05_roi", "06_allocation")),
)}


def spec(notebook: str) -> NotebookSpec | None:
    """The declaration of ``notebook`` (``None``: undeclared, so it reads everything)."""
    return SPECS.get(notebook)
