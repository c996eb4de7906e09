"""``plebiscite verify RECORD_DIR``: the independent verifier (``docs/verifier.md``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from plebiscite.errors import InputError, VerificationError
from plebiscite.services.simulation.bench import arithmetic_note
from plebiscite.verifier.anchor import parse_key
from plebiscite.verifier.report import VerificationReport
from plebiscite.verifier.verify import verify_record

_STAGES = {"events": "checking the log and the ballots", "tally": "recounting the tally"}
_SHOWN = 10


def _table(report: VerificationReport) -> Table:
    table = Table(title=f"{report.record}: protocol {report.protocol}")
    table.add_column("check")
    table.add_column("what")
    table.add_column("result")
    table.add_column("checked", justify="right")
    table.add_column("failed", justify="right")
    for check in report.checks.values():
        if check.checked == 0 and check.passed:
            result = "[dim]n/a[/]"
        else:
            result = "[green]pass[/]" if check.passed else "[red]FAIL[/]"
        table.add_row(check.id, check.title, result, str(check.checked), str(check.failed))
    return table


@click.command()
@click.argument("record_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the report as JSON to this file",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="processes checking ballot proofs (default: every core)",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDR",
    help="check ballot proofs on this Dask cluster (tcp://HOST:PORT)",
)
@click.option(
    "--board-key",
    default=None,
    metavar="HEX",
    help="the board's head key obtained out of band: heads signed by any other key fail",
)
def verify(
    record_dir: Path,
    json_out: Path | None,
    workers: int | None,
    scheduler: str | None,
    board_key: str | None,
) -> None:
    """Verify an exported election record, trusting nothing but its files.

    Exits 0 when every check passes, 8 when one fails (V1 for a folder that is no record).
    """
    missing = [n for n in ("events.jsonl", "heads.jsonl") if not (record_dir / n).is_file()]
    if missing:
        raise VerificationError(
            "V1", f"{record_dir} has no {' or '.join(missing)}: not an election record"
        )
    if board_key is not None and parse_key(board_key) is None:
        raise InputError(f"--board-key {board_key[:80]!r} is not 32 bytes of lower-case hex")
    console = Console(stderr=False)
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        report = verify_record(
            record_dir,
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            board_key=board_key,
        )
    console.print(_table(report))
    console.print(
        f"{report.entries} entries, {report.ballots} ballots, verified in {report.seconds:.1f} s"
    )
    console.print(f"arithmetic: {arithmetic_note(report.arithmetic)}", highlight=False)
    if report.unreported_devices:
        shown = ", ".join(report.unreported_devices[:_SHOWN])
        more = len(report.unreported_devices) - _SHOWN
        console.print(
            f"{len(report.unreported_devices)} devices never signed their chain's end (their "
            f"chains rest on the board's word): {shown}"
            + (f" and {more} more" if more > 0 else ""),
            markup=False,
            highlight=False,
        )
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=1) + "\n", encoding="utf-8")
    findings = report.findings()
    if findings:
        console.print(f"[red]{len(findings)} findings[/] (first {min(_SHOWN, len(findings))}):")
        for finding in findings[:_SHOWN]:
            console.print(f"  {finding}", markup=False, highlight=False)
    else:
        console.print("[green]every check passed[/]")
    report.raise_for_failure()
