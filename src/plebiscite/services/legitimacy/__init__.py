"""The legitimacy report: the conditions of a legitimate referendum, checked against a manifest
and, where there is one, the paper record on the board (``docs/legitimacy.md``).

Modules: :mod:`.sources` (the documents cited), :mod:`.conditions` (ids, tiers, titles,
citations), :mod:`.evidence` (statuses and what evaluators read), :mod:`.rules_context` and
:mod:`.rules_voting` (the evaluators), :mod:`.report` (the verdict; one fact counts once),
:mod:`.output` (reading the subject, the JSON document).

Each condition is ``pass``, ``fail``, ``unknown`` or ``not applicable``, with the evidence, the
manifest key paths or board entries that show it, where those facts come from, and the sources
of the rule. ``unknown`` means the manifest and the record do not hold what the condition
needs; it is never a pass.
"""

from plebiscite.services.legitimacy.conditions import SPECS, Spec, Tier
from plebiscite.services.legitimacy.evidence import Status
from plebiscite.services.legitimacy.output import REPORT_FORMAT, evaluate_path, report_document
from plebiscite.services.legitimacy.report import Condition, Report, Summary, evaluate
from plebiscite.services.legitimacy.sources import NOT_GIVEN, Citation, Document

__all__ = [
    "NOT_GIVEN",
    "REPORT_FORMAT",
    "SPECS",
    "Citation",
    "Condition",
    "Document",
    "Report",
    "Spec",
    "Status",
    "Summary",
    "Tier",
    "evaluate",
    "evaluate_path",
    "report_document",
]
