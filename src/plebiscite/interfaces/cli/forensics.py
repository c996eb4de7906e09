"""``plebiscite forensics INPUT``: statistical forensics of published precinct results.

Reads the results (``--format auto|ru-cec|nist-err|csv|record``), runs every method of
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
from plebiscite.services.forensics.limits import p_text

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
@click.argument("input_path", metavar="INPUT|RECORD_DIR", type=click.Path(path_type=Path))
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
    if not input_path.exists():
        raise DataFormatError(f"{input_path}: no such file")
    size = input_path.stat().st_size if input_path.is_file() else 0
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


def _ok(tests: dict[str, Any], name: str) -> dict[str, Any] | None:
    t = tests.get(name)
    return t if t is not None and t.get("status") == "ok" else None


def _num(x: float | None, spec: str = ",.1f") -> str:
    return "n/a" if x is None else format(x, spec)


def _print_summary(console: Console, report: dict[str, Any], n_regions: int) -> None:
    inp = report["input"]
    console.print(
        f"[bold]{inp['source']}[/bold] ({inp['format']}): {inp['n_units']:,} units with "
        f"figures, {inp['n_regions']:,} regions, leader {inp['leader']}"
    )
    if inp.get("contests") and len(inp["contests"]) > 1:
        console.print(f"contests read together: {', '.join(inp['contests'])}")
    if inp.get("contests_left_out"):
        left = inp["contests_left_out"]
        console.print(
            f"[dim]contests not read ({len(left)}): "
            + ", ".join(f"{c['contest']} ({c['reason']})" for c in left[:5])
            + (", ..." if len(left) > 5 else "")
            + "[/dim]"
        )
    _print_national(console, report)
    _print_left_out(console, report)
    tests = report["tests"]
    grid = Table(title="Findings", show_lines=False)
    grid.add_column("method")
    grid.add_column("statistic", justify="right")
    grid.add_column("p-value / estimate", justify="right")
    cr = tests["control_relations"]
    grid.add_row("control relations", f"{cr['failed']:,} of {cr['checked']:,} units fail", "")
    too_few = "too few units"
    for name in ("integer_percentages", "fingerprint", "shpilkin", "sobyanin"):
        if name in tests and not _ok(tests, name):
            t = tests[name]
            grid.add_row(
                name.replace("_", " "), f"{too_few} ({t['n_units']:,} < {t['min_units']:,})", ""
            )
    if t := _ok(tests, "integer_percentages"):
        grid.add_row(
            "integer percentages",
            f"{t['observed']:,} vs {t['expected']:,.1f} expected (excess {t['excess']:,.1f}, "
            f"z {t['z']:.1f})",
            p_text(t["p_value"]),
        )
    if t := _ok(tests, "fingerprint"):
        fit = (
            f"f_i {t['f_incremental']}, f_e {t['f_extreme']}"
            if t.get("fit_status") == "ok"
            else f"fit: {too_few} ({t['fit_units']:,} < {t['fit_min_units']:,})"
        )
        grid.add_row(
            "fingerprint corner >= 95/95",
            f"{t['corner_units']:,} units, {_pct(t['corner_leader_vote_share'])} of leader votes",
            fit,
        )
    if (t := _ok(tests, "shpilkin")) and t["excess_votes"] is not None:
        grid.add_row(
            "Shpilkin",
            f"clean peak at {t['clean_turnout']:.0f} % turnout",
            f"{t['excess_votes']:,.0f} excess votes ({_pct(t['excess_share'], 1)})",
        )
    if (t := _ok(tests, "sobyanin")) and t["slope"] is not None:
        grid.add_row(
            "Sobyanin slope",
            f"{t['slope']:.3f} (others {_num(t['others_slope'], '+.3f')}, t {_num(t['t'])})",
            p_text(t["p_value"]),
        )
    for name in ("second_digit", "last_digit"):
        if t := _ok(tests, name):
            grid.add_row(
                name.replace("_", " "),
                f"mean {t['mean']:.4f}, chi2 {t['chi2']:.1f}",
                p_text(t["p_value"]),
            )
        else:
            t = tests[name]
            grid.add_row(
                name.replace("_", " "), f"{too_few} ({t['n_units']:,} < {t['min_units']:,})", ""
            )
    for c in (tests.get("channels") or {}).get("channels", []):
        grid.add_row(
            f"channel {c['channel'].removeprefix('issued_')}",
            f"{_pct(c['total_share'], 1)} of ballots at home",
            f"{c['outliers']:,} outlying units (z > 5)",
        )
    console.print(grid)
    console.print(
        f"[dim]p-values below {report['p_floor']:.0e} are shown as < {report['p_floor']:.0e}; "
        "z is in standard deviations under each method's null.[/dim]"
    )
    for name, text in report["readings"].items():
        console.print(f"[bold]{name.replace('_', ' ')}[/bold]: {text}")
    for name, reason in report["skipped"].items():
        console.print(f"[dim]{name.replace('_', ' ')}: not run, {reason}[/dim]")
    _print_breakdown(console, report)
    if report["regions"] and n_regions > 0:
        regions = Table(title=f"Most anomalous regions (of {len(report['regions'])})")
        for col in (
            "region",
            "units",
            "integer z",
            "corner %",
            "slope",
            "Shpilkin excess",
            "score",
        ):
            regions.add_column(col, justify="left" if col == "region" else "right")
        for r in report["regions"][:n_regions]:
            regions.add_row(
                r["region"],
                f"{r['n_units']:,}",
                _num(r["integer_z"]),
                _pct(r["corner_unit_share"], 1).removesuffix(" %"),
                _num(r["sobyanin_slope"], ".2f"),
                _num(r["shpilkin_excess_votes"], ",.0f"),
                f"{r['score']:.1f}",
            )
        console.print(regions)
        console.print(f"[dim]{report['score']}; n/a: too few units for that figure.[/dim]")


def _pct(x: float | None, digits: int = 2) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def _print_national(console: Console, report: dict[str, Any]) -> None:
    nat = report["national"]
    grid = Table(title="National summary")
    grid.add_column("")
    grid.add_column("count", justify="right")
    grid.add_column("share", justify="right")
    grid.add_row("units with figures", f"{nat['units']:,}", "")
    if nat["registered"] is not None:
        grid.add_row("voters on the list", f"{nat['registered']:,}", "")
    if nat["issued"] is not None:
        grid.add_row("ballots issued", f"{nat['issued']:,}", f"turnout {_pct(nat['turnout'])}")
    elif nat["turnout"] is not None:
        grid.add_row("turnout (ballots found)", "", _pct(nat["turnout"]))
    grid.add_row("ballots found", f"{nat['found']:,}", "")
    for o in nat["options"]:
        grid.add_row(o["option"], f"{o['votes']:,}", f"{_pct(o['share_of_valid'])} of valid")
    console.print(grid)


def _print_left_out(console: Console, report: dict[str, Any]) -> None:
    unp, part = report["unpublished"], report["partial"]
    if unp["units"]:
        grid = Table(title=f"Stations without published figures ({unp['units']:,}, left out)")
        grid.add_column("region")
        grid.add_column("stations", justify="right")
        grid.add_column("voters on the list", justify="right")
        for r in unp["by_region"]:
            reg = "not published" if r["registered"] is None else f"{r['registered']:,}"
            grid.add_row(r["region"], f"{r['units']:,}", reg)
        console.print(grid)
    if part["units"]:
        console.print(f"[bold]{part['units']:,} partly filled rows left out[/bold]:")
        for r in part["rows"][:10]:
            console.print(
                f"  row {r['row']}: {r['unit']} ({r['region']}), empty: {', '.join(r['empty'])}"
            )
        if part["units"] > 10:
            console.print(f"  ... {part['units'] - 10:,} more in the JSON")


def _print_breakdown(console: Console, report: dict[str, Any]) -> None:
    rows = report["breakdown"]
    if not rows:
        return
    grid = Table(title="Votes by channel and day (as published)")
    for col in ("unit", "channel or day", "votes", "leader share", "z vs rest"):
        grid.add_column(col, justify="left" if col in ("unit", "channel or day") else "right")
    for b in rows[:60]:
        grid.add_row(
            b["unit"],
            b["channel"],
            f"{sum(b['votes'].values()):,}",
            _pct(b["leader_share"], 1),
            _num(b.get("z_vs_rest"), "+.1f"),
        )
    console.print(grid)
    console.print(
        "[dim]z vs rest: the leader's share in the cell against the unit's other cells of the "
        "same level, in standard deviations; n/a below 30 votes on either side.[/dim]"
    )
