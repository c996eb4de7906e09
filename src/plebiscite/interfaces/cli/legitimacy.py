"""``plebiscite legitimacy``: the conditions of a legitimate referendum, checked
(``docs/legitimacy.md``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from plebiscite.services.legitimacy import Status, evaluate_path, render_html, report_document

_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.UNKNOWN: "yellow"}


@click.command()
@click.argument("subject", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write {'conditions': [...]} to this file",
)
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write a self-contained HTML report to this file",
)
def legitimacy(subject: Path, json_out: Path | None, html_out: Path | None) -> None:
    """Check SUBJECT (a manifest TOML/JSON, an exported record directory or a board file)
    against the Venice Commission / ODIHR conditions; each passes, fails or is unknown."""
    report = evaluate_path(subject)
    console = Console()
    table = Table(title=f"Legitimacy: {report.referendum_id} ({report.subject})")
    table.add_column("id")
    table.add_column("status")
    table.add_column("condition")
    table.add_column("evidence")
    theme = None
    for c in report.conditions:
        if theme is not None and c.theme != theme:
            table.add_section()
        theme = c.theme
        style = _STYLE[c.status]
        table.add_row(c.id, f"[{style}]{c.status.value}[/]", c.title, c.evidence)
    console.print(table)
    for status in Status:
        ids = report.ids(status)
        console.print(f"[{_STYLE[status]}]{status.value}[/] ({len(ids)}): {', '.join(ids) or '-'}")
    if json_out is not None:
        text = json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"
        json_out.write_text(text, encoding="utf-8")
        console.print(f"wrote {json_out}")
    if html_out is not None:
        html_out.write_text(render_html(report), encoding="utf-8")
        console.print(f"wrote {html_out}")
