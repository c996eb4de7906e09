"""``plebiscite legitimacy``: the conditions of a legitimate referendum, checked
(``docs/legitimacy.md``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from plebiscite.interfaces.i18n import LANGUAGES, cli_language, tr
from plebiscite.interfaces.pages.legitimacy_view import (
    STATUSES,
    TIERS,
    render_report,
    verdict_text,
)
from plebiscite.services.legitimacy import Status, Tier, evaluate_path, report_document

_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.UNKNOWN: "yellow",
    Status.NOT_APPLICABLE: "dim",
}


@click.command()
@click.argument("subject", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the whole report (verdict, every condition and field) to this file",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write a self-contained HTML report to this file",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="language of the HTML report (default: PLEBISCITE_LANG or the locale's, else en)",
)
def legitimacy(
    subject: Path, json_out: Path | None, html_out: Path | None, lang: str | None
) -> None:
    """Check SUBJECT (a manifest TOML/JSON, an exported record directory or a board file)
    against the conditions of a legitimate referendum; lead with the verdict."""
    report = evaluate_path(subject)
    console = Console()
    words = cli_language()  # the tables' words; --lang is the HTML report's language
    lang = lang or words

    summary = report.summary
    # the words first: `make i18n` finds tr() calls, not those inside f-strings
    w_tier, w_verdict, w_conditions = (
        tr(words, "tier"),
        tr(words, "verdict"),
        tr(words, "conditions"),
    )
    headline = summary.headline if words == "en" else verdict_text(report, words)
    tier = ""
    if summary.tier:
        tier = f"{w_tier} {int(summary.tier)}, {tr(words, TIERS[int(summary.tier)]).lower()}: "
    console.print(f"[bold]{w_verdict}[/]: {tier}{headline}", soft_wrap=True)
    if summary.failing:
        console.print(f"  {w_conditions}: {', '.join(summary.failing)}", soft_wrap=True)

    def same_fact(cid: str) -> str:
        return tr(words, "same fact as %(id)s", id=cid)

    for level in Tier:
        table = Table(title=f"{w_tier} {int(level)}: {tr(words, TIERS[int(level)]).lower()}")
        table.add_column("id")
        table.add_column(tr(words, "status"))
        table.add_column(tr(words, "condition"))
        table.add_column(tr(words, "evidence"))
        for c in report.in_tier(level):
            name = tr(words, STATUSES[c.status.value.replace(" ", "_")])
            status = f"[{_STYLE[c.status]}]{name}[/]"
            if c.repeats:
                status += f" ({same_fact(c.repeats)})"
            table.add_row(c.id, status, tr(words, c.title), c.evidence)
        console.print(table)
    for status in Status:
        ids = report.ids(status)
        name = tr(words, STATUSES[status.value.replace(" ", "_")])
        line = f"[{_STYLE[status]}]{name}[/] ({len(ids)}): {', '.join(ids) or '-'}"
        console.print(line, soft_wrap=True)
    counted = [c.id for c in report.conditions if c.counted]
    once = tr(words, "failures counted once each")
    console.print(f"{once} ({len(counted)}): {', '.join(counted) or '-'}", soft_wrap=True)
    repeats = [f"{c.id} ({same_fact(c.repeats)})" for c in report.conditions if c.repeats]
    again = tr(words, "not counted again")
    console.print(f"{again}: {', '.join(repeats) or '-'}", soft_wrap=True)
    if json_out is not None:
        text = json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"
        json_out.write_text(text, encoding="utf-8")
        console.print(tr(words, "wrote %(path)s", path=json_out))
    if html_out is not None:
        html_out.write_text(render_report(report, lang), encoding="utf-8")
        console.print(tr(words, "wrote %(path)s", path=html_out))
