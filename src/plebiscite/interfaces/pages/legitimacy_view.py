"""The legitimacy report as a page and as a self-contained HTML file, in uk, ru or en
(``docs/legitimacy.md``, "Output" and "Languages").

Both render ``legitimacy_body.html``: the verdict first, then the conditions by tier, each with
its evidence, the keys that show it, where those facts come from and the sources of the rule
in a ``<details>`` element (one click away, no script). The verdict, tiers, statuses and each
condition's title come from the catalogs (the titles' English is the message id, extracted
from ``services/legitimacy/conditions.py``); the evidence is generated English.
"""

from __future__ import annotations

from typing import Any

from plebiscite.interfaces.pages.common import environment
from plebiscite.interfaces.pages.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, tr
from plebiscite.services.legitimacy import Report, Status, Tier

VERDICTS = {
    1: N_("Invalid whatever the procedure: a condition of the first tier fails."),
    2: N_(
        "Fundamentally flawed: the vote was not free, equal, universal or secret, or its count "
        "cannot be trusted."
    ),
    3: N_("Procedural defects: rules of good practice were broken."),
    4: N_("Only advisory points fail."),
    "open": N_("Not established: no condition fails, but graver ones are unknown."),
    "none": N_("No defect found in what the manifest and record show."),
}
TIERS = {
    1: N_("Void from the outset"),
    2: N_("Fundamental"),
    3: N_("Procedural"),
    4: N_("Advisory"),
}
STATUSES = {
    "pass": N_("pass"),
    "fail": N_("fail"),
    "unknown": N_("unknown"),
    "not_applicable": N_("not applicable"),
}


def verdict_text(report: Report, lang: str) -> str:
    """The report's verdict in ``lang``."""
    summary = report.summary
    if summary.tier is not None:
        return tr(lang, VERDICTS[int(summary.tier)])
    verdict = "open" if summary.failing else "none"
    return tr(lang, VERDICTS[verdict])


def report_context(report: Report, lang: str) -> dict[str, Any]:
    """What ``legitimacy_body.html`` needs, besides ``_`` and ``lang``."""
    summary = report.summary
    return {
        "report": report,
        "summary": summary,
        "verdict_text": verdict_text(report, lang),
        "tier_names": {int(tier): tr(lang, text) for tier, text in TIERS.items()},
        "status_names": {key: tr(lang, text) for key, text in STATUSES.items()},
        "tiers": [(int(tier), report.in_tier(tier)) for tier in Tier],
        "counts": [(s.value.replace(" ", "_"), len(report.ids(s))) for s in Status],
        "counted": sum(c.counted for c in report.conditions),
        "titles": {c.id: tr(lang, c.title) for c in report.conditions},
    }


def render_report(report: Report, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report as one self-contained page (inline CSS, no scripts, no external assets)."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    context = report_context(report, lang)
    return (
        environment(lang).get_template("legitimacy_report.html").render({"lang": lang, **context})
    )


__all__ = ["STATUSES", "TIERS", "VERDICTS", "render_report", "report_context", "verdict_text"]
