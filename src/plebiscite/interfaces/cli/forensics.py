"""``plebiscite forensics INPUT``: statistical forensics of published precinct results.

Reads the results (``--format auto|ru-cec|nist-err|csv``), runs every method of
:mod:`plebiscite.services.forensics`, prints a summary, and writes ``--json`` (every number,
under ``tests.<method>``) and ``--html`` (a self-contained report with pictures).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics import (
    FORMATS,
    LINE_NAMES,
    ColumnMapping,
    analyse,
    read_results,
    render_html,
)

#: Files above this size get a progress bar while they are read.
PROGRESS_BYTES = 2_000_000


def _mapping(
    mapping_file: Path | None,
    options: str | None,
    lines: tuple[str, ...],
    unit_column: str | None,
) -> ColumnMapping | None:
    if mapping_file is not None:
        mapping = ColumnMapping.from_file(mapping_file)
    elif options or lines:
        mapping = ColumnMapping(options=())
    else:
        return None
    parsed = dict(mapping.lines)
    for item in lines:
        name, sep, column = item.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise click.BadParameter(f"{item!r} is not LINE=COLUMN", param_hint="--line")
        parsed[name.strip()] = column.strip()
    opts = tuple(o.strip() for o in options.split(",") if o.strip()) if options else mapping.options
    return ColumnMapping(
        options=opts, lines=parsed, unit=unit_column or mapping.unit, region=mapping.region
    )


@click.command("forensics")
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="auto",
    show_default=True,
    help="Input format; auto looks at the file.",
)
@click.option(
    "--region-column",
    help="Column (csv, ru-cec; default 'region') or GpUnit Type (nist-err) naming regions.",
)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write every number.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), help="Write the report.")
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(path_type=Path),
    help="csv: JSON or TOML file {unit, region, lines: {line: column}, options: [columns]}.",
)
@click.option("--options", help="csv: comma-separated columns of votes per option.")
@click.option(
    "--line",
    "lines",
    multiple=True,
    metavar="LINE=COLUMN",
    help=f"csv: a protocol line's column; lines: {', '.join(LINE_NAMES)}.",
)
@click.option("--unit-column", help="csv: column of unit ids.")
@click.option("--contest", help="nist-err: the contest @id (default: the first ballot measure).")
@click.option(
    "--strict", is_flag=True, help="Refuse units with more ballots than voters on the list."
)
@click.option(
    "--clean-turnout",
    type=click.IntRange(0, 100),
    help="Shpilkin: force the clean turnout bin, in percent (default: the others' peak).",
)
@click.option("--regions", "n_regions", default=10, show_default=True, help="Regions to print.")
def forensics(
    input_path: Path,
    fmt: str,
    region_column: str | None,
    json_path: Path | None,
    html_path: Path | None,
    mapping_file: Path | None,
    options: str | None,
    lines: tuple[str, ...],
    unit_column: str | None,
    contest: str | None,
    strict: bool,
    clean_turnout: int | None,
    n_regions: int,
) -> None:
    """Statistical forensics of the polling-station results in INPUT."""
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    mapping = _mapping(mapping_file, options, lines, unit_column)
    if not input_path.is_file():
        raise DataFormatError(f"{input_path}: no such file")
    size = input_path.stat().st_size
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=size < PROGRESS_BYTES or not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"reading {input_path.name}", total=None)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        table, used = read_results(
            input_path,
            fmt,
            region_column=region_column,
            mapping=mapping,
            contest=contest,
            progress=on_progress,
            strict=strict,
        )
        bar.update(task, description="analysing", completed=0, total=None)
        report = analyse(
            table,
            input_format=used,
            clean_turnout=clean_turnout,
            step=lambda name: bar.update(task, description=name),
        )
    _print_summary(console, report, n_regions)
    if json_path is not None:
        json_path.write_text(
            json.dumps(report, ensure_ascii=False, indent=1, allow_nan=False), encoding="utf-8"
        )
        console.print(f"JSON written to {json_path}")
    if html_path is not None:
        html_path.write_text(render_html(table, report), encoding="utf-8")
        console.print(f"HTML report written to {html_path}")


def _print_summary(console: Console, report: dict[str, Any], n_regions: int) -> None:
    inp = report["input"]
    console.print(
        f"[bold]{inp['source']}[/bold] ({inp['format']}): {inp['n_units']:,} units, "
        f"{inp['n_regions']:,} regions, leader {inp['leader']}"
    )
    tests = report["tests"]
    grid = Table(title="Findings", show_lines=False)
    grid.add_column("method")
    grid.add_column("statistic", justify="right")
    grid.add_column("p-value / estimate", justify="right")
    cr = tests["control_relations"]
    grid.add_row("control relations", f"{cr['failed']:,} of {cr['checked']:,} units fail", "")
    if "integer_percentages" in tests:
        t = tests["integer_percentages"]
        grid.add_row(
            "integer percentages",
            f"{t['observed']:,} vs {t['expected']:,.1f} expected (excess {t['excess']:,.1f}, "
            f"z {t['z']:.1f})",
            f"p {t['p_value']:.3g}",
        )
    if "fingerprint" in tests:
        t = tests["fingerprint"]
        grid.add_row(
            "fingerprint corner >= 95/95",
            f"{t['corner_units']:,} units, {100 * t['corner_leader_vote_share']:.2f} % of "
            "leader votes",
            f"f_i {t['f_incremental']}, f_e {t['f_extreme']}",
        )
    if "shpilkin" in tests and tests["shpilkin"]["excess_votes"] is not None:
        t = tests["shpilkin"]
        grid.add_row(
            "Shpilkin",
            f"clean peak at {t['clean_turnout']:.0f} % turnout",
            f"{t['excess_votes']:,.0f} excess votes ({100 * t['excess_share']:.1f} %)",
        )
    if "sobyanin" in tests:
        t = tests["sobyanin"]
        grid.add_row("Sobyanin slope", f"{t['slope']:.3f} (others {t['others_slope']:+.3f})", "")
    for name in ("second_digit", "last_digit"):
        t = tests[name]
        if t["n_counts"]:
            grid.add_row(
                name.replace("_", " "),
                f"mean {t['mean']:.4f}, chi2 {t['chi2']:.1f}",
                f"p {t['p_value']:.3g}",
            )
    for c in tests["channels"]["channels"]:
        grid.add_row(
            f"channel {c['channel'].removeprefix('issued_')}",
            f"{100 * c['total_share']:.1f} % of ballots",
            f"{c['outliers']:,} outlying units",
        )
    console.print(grid)
    for name, text in report["readings"].items():
        console.print(f"[bold]{name.replace('_', ' ')}[/bold]: {text}")
    for name, reason in report["skipped"].items():
        console.print(f"[dim]{name.replace('_', ' ')}: not run, {reason}[/dim]")
    if report["regions"] and n_regions > 0:
        regions = Table(title=f"Most anomalous regions (of {len(report['regions'])})")
        for col in ("region", "units", "integer z", "corner %", "slope", "score"):
            regions.add_column(col, justify="left" if col == "region" else "right")
        for r in report["regions"][:n_regions]:
            regions.add_row(
                r["region"],
                f"{r['n_units']:,}",
                "" if r["integer_z"] is None else f"{r['integer_z']:.1f}",
                f"{100 * r['corner_unit_share']:.1f}",
                "" if r["sobyanin_slope"] is None else f"{r['sobyanin_slope']:.2f}",
                f"{r['score']:.1f}",
            )
        console.print(regions)
