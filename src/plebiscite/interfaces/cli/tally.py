"""``plebiscite tally``: close voting, post the encrypted tally, combine, show the results."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from plebiscite.errors import InputError
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election import load_election, publish_close
from plebiscite.services.results import ballot_dispositions, percent, write_results
from plebiscite.services.tally import Waiting, combine, publish_tally

_DB = click.option("--db", required=True, help="board database URL or SQLite path")


@click.group()
def tally() -> None:
    """Close voting, tally, decrypt and publish the results."""


@tally.command()
@_DB
@click.option("--at", "at", default=None, help="closing time, ISO-8601 with offset (default now)")
def close(db: str, at: str | None) -> None:
    """Close voting: the board refuses ballots afterwards."""
    when = dt.datetime.fromisoformat(at) if at else dt.datetime.now(dt.UTC)
    board = SqlBoard.open(db)
    try:
        election = load_election(board)
        if election.closed_at is not None:
            raise InputError(f"voting was already closed at {election.closed_at.isoformat()}")
        index = publish_close(board, when)
    finally:
        board.close()
    Console().print(f"voting closed at {when.isoformat()} (entry {index})")


@tally.command()
@_DB
@click.option("--workers", default=1, show_default=True, help="processes summing ranges")
@click.option("--scheduler", default=None, help="Dask scheduler address (e.g. tcp://host:8786)")
def run(db: str, workers: int, scheduler: str | None) -> None:
    """Sum the counted ballots into the encrypted tally and post it."""
    board = SqlBoard.open(db)
    console = Console()
    try:
        with Progress(
            TextColumn("aggregating"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            task = bar.add_task("aggregate", total=None)
            index = publish_tally(
                board,
                db=db,
                workers=workers,
                scheduler=scheduler,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        board.close()
    console.print(f"encrypted tally posted (entry {index})")


@tally.command("combine")
@_DB
@click.option("--out", type=click.Path(path_type=Path), default=None, help="write results here")
def combine_command(db: str, out: Path | None) -> None:
    """Combine k trustees' shares; post and print the results."""
    board = SqlBoard.open(db)
    console = Console()
    try:
        results = combine(board)
        if isinstance(results, Waiting):
            console.print(str(results))
            for t, why in results.rejected.items():
                console.print(f"[red]rejected[/] trustee {t}: {why}")
            return
        election = load_election(board)
        dispositions = ballot_dispositions(board.entries())
    finally:
        board.close()
    print_results(console, results)
    if out is not None:
        paths = write_results(
            out,
            election.require_manifest(),
            results,
            dispositions,
            generated=dt.datetime.now(dt.UTC),
            is_test=False,
        )
        console.print("written: " + ", ".join(str(p) for p in paths.values()))


def print_results(console: Console, results: dict[str, object]) -> None:
    """A table per region: options with counts and shares, ballots, turnout."""
    regions = results["regions"]
    assert isinstance(regions, list)
    for region in regions:
        table = Table(title=f"{region['name']}: {region['ballots']} ballots")
        table.add_column("question")
        table.add_column("option")
        table.add_column("votes", justify="right")
        table.add_column("share", justify="right")
        for q in region["questions"]:
            valid = sum(q["options"].values())
            for option, n in q["options"].items():
                table.add_row(q["question"], option, f"{n:,}", f"{percent(n, valid)}%")
            if q["blank"]:
                table.add_row(q["question"], "(blank)", f"{q['blank']:,}", "")
        turnout = percent(region["ballots"], region["registered"])
        table.caption = f"turnout {turnout}% of {region['registered']:,} on the roll"
        console.print(table)
