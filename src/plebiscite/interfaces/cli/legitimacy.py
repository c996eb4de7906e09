"""``plebiscite legitimacy``: the conditions of a legitimate referendum, checked
(``docs/legitimacy.md``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from plebiscite.interfaces.pages.i18n import LANGUAGES
from plebiscite.interfaces.pages.legitimacy_view import render_report
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
    default="en",
    show_default=True,
    help="language of the HTML report",
)
def legitimacy(subject: Path, json_out: Path | None, html_out: Path | None, lang: str) -> None:
    """Check SUBJECT (a manifest TOML/JSON, an exported record directory or a board file)
    against the conditions of a legitimate referendum; lead with the verdict."""
    report = evaluate_path(subject)
    console = Console()
    summary = report.summary
    tier = f"tier {int(summary.tier)}, {summary.tier.label}: " if summary.tier else ""
    console.print(f"[bold]verdict[/]: {tier}{summary.headline}", soft_wrap=True)
    if summary.failing:
        console.print(f"  conditions: {', '.join(summary.failing)}", soft_wrap=True)
    for level in Tier:
        table = Table(title=f"tier {int(level)}: {level.label}")
        table.add_column("id")
        table.add_column("status")
        table.add_column("condition")
        table.add_column("evidence")
        for c in report.in_tier(level):
            status = f"[{_STYLE[c.status]}]{c.status.value}[/]"
            if c.repeats:
                status += f" (same fact as {c.repeats})"
            table.add_row(c.id, status, c.title, c.evidence)
        console.print(table)
    for status in Status:
        ids = report.ids(status)
        line = f"[{_STYLE[status]}]{status.value}[/] ({len(ids)}): {', '.join(ids) or '-'}"
        console.print(line, soft_wrap=True)
    counted = [c.id for c in report.conditions if c.counted]
    console.print(
        f"failures counted once each ({len(counted)}): {', '.join(counted) or '-'}", soft_wrap=True
    )
    repeats = [f"{c.id} (same fact as {c.repeats})" for c in report.conditions if c.repeats]
    console.print(f"not counted again: {', '.join(repeats) or '-'}", soft_wrap=True)
    if json_out is not None:
        text = json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"
        json_out.write_text(text, encoding="utf-8")
        console.print(f"wrote {json_out}")
    if html_out is not None:
        html_out.write_text(render_report(report, lang), encoding="utf-8")
        console.print(f"wrote {html_out}")
