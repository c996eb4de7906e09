"""The legitimacy report as a page and as a self-contained HTML file, in uk, ru or en
(``docs/legitimacy.md``, "Output" and "Languages").

Both render ``legitimacy_body.html``: the verdict first, then the conditions by tier, each with
its evidence, the keys that show it, where those facts come from and the sources of the rule
in a ``<details>`` element (one click away, no script).
"""

from __future__ import annotations

from typing import Any

from plebiscite.interfaces.pages.common import _ENV
from plebiscite.interfaces.pages.i18n import DEFAULT_LANGUAGE, LANGUAGES, keys, translate
from plebiscite.services.legitimacy import Report, Status, Tier


def report_context(report: Report, lang: str) -> dict[str, Any]:
    """What ``legitimacy_body.html`` needs, besides ``t`` and ``lang``."""
    summary = report.summary
    if summary.tier is not None:
        verdict_key = f"verdict_{int(summary.tier)}"
    else:
        verdict_key = "verdict_open" if summary.failing else "verdict_none"
    known = keys()
    titles = {
        c.id: translate(lang, f"c_{c.id}") if f"c_{c.id}" in known else c.title
        for c in report.conditions
    }
    return {
        "report": report,
        "summary": summary,
        "verdict_key": verdict_key,
        "tiers": [(int(tier), report.in_tier(tier)) for tier in Tier],
        "counts": [(s.value.replace(" ", "_"), len(report.ids(s))) for s in Status],
        "counted": sum(c.counted for c in report.conditions),
        "titles": titles,
    }


def render_report(report: Report, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report as one self-contained page (inline CSS, no scripts, no external assets)."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    context = report_context(report, lang)
    return _ENV.get_template("legitimacy_report.html").render({"lang": lang, "t": t, **context})


__all__ = ["render_report", "report_context"]
