"""``plebiscite tally``: close voting, post the encrypted tally, combine, show the results.

Each step signs a head over the board once it has posted (the authority holds the board key;
see :mod:`plebiscite.interfaces.board_key`), and each can be rerun after a crash: it finds
its own earlier event and finishes instead of posting a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from plebiscite.interfaces.cli.options import board_key_option, db_option, open_existing

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

    from plebiscite.record.sql import SqlBoard


def signed(db: str, board: SqlBoard, board_key: Path | None, *, required: bool = True) -> str:
    """Sign a head if the board moved; a line saying what happened. ``required=False`` (a
    trustee's step) never creates a key and only notes when none is at hand."""
    from plebiscite.interfaces.board_key import resolve, sign_if_moved

    key = resolve(db, board, board_key, create=required, required=required)
    if key is None:
        return (
            "no board key here: the authority signs a head with `plebiscite board sign` "
            "(or its server does, on a timer)"
        )
    head = sign_if_moved(board, key)
    if head is None:
        return f"the latest signed head covers all {board.size()} entries"
    return f"signed head of tree size {head.tree_size}"


@contextmanager
def progress_bar(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar per step; yields ``report(step, done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        yield report


@click.group()
def tally() -> None:
    """Close voting, mix, tally, decrypt and publish the results.

    In order: ``tally close``, ``tally mix``, each trustee's ``trustee convert``, k trustees'
    ``trustee decrypt`` (tag shares), ``tally run``, k trustees' ``trustee decrypt`` (tally
    shares), ``tally combine``, then ``board export`` and ``verify`` (``docs/runbook.md``).
    """


@tally.command()
@db_option
@board_key_option
@click.option("--at", "at", default=None, help="closing time, ISO-8601 with offset (default now)")
def close(db: str, board_key: Path | None, at: str | None) -> None:
    """Close voting: the board refuses ballots afterwards. Signs a head."""
    from plebiscite.errors import InputError
    from plebiscite.services.election.definition import load_election, publish_close
    from plebiscite.services.voting.casting import parse_time

    when = parse_time(at, "--at") if at else dt.datetime.now(dt.UTC)
    with open_existing(db) as board:
        election = load_election(board)
        if election.closed_at is not None:
            note = signed(db, board, board_key)
            raise InputError(
                f"voting was already closed at {election.closed_at.isoformat()} "
                f"(entry {election.closed_entry}); {note}"
            )
        signed(db, board, board_key)  # refuses a wrong key before anything is posted
        index = publish_close(board, when)
        note = signed(db, board, board_key)
    click.echo(f"voting closed at {when.isoformat()} (entry {index}); {note}")


@tally.command()
@db_option
@board_key_option
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="processes shuffling chunks at once",
)
@click.option(
    "--chunk-rows",
    default=None,
    type=click.IntRange(1, 100_000),
    help="rows per shuffled chunk (default: up to 4000, as many as fit one board event)",
)
def mix(db: str, board_key: Path | None, workers: int, chunk_rows: int | None) -> None:
    """After `tally close`: shuffle every region's booth and home ballots, with proofs.

    Posts one `shuffle` event per chunk of each region's two batches (docs/tally.md 2). Signs
    a head. Rerun after a crash, it shuffles only the chunks not on the board yet.
    """
    from rich.console import Console

    from plebiscite.crypto.randomness import SystemRng
    from plebiscite.services.tally.mixing import mix as mix_rows

    console = Console()
    with open_existing(db) as board:
        signed(db, board, board_key)  # refuses a wrong key before anything is posted
        with progress_bar(console) as report:
            posted = mix_rows(
                board, SystemRng(), workers=workers, chunk_rows=chunk_rows, progress=report
            )
        note = signed(db, board, board_key)
    if posted:
        console.print(f"{len(posted)} shuffles posted (entries {posted[0]}-{posted[-1]}); {note}")
    else:
        console.print(f"every chunk is already shuffled; {note}")


@tally.command()
@db_option
@board_key_option
@click.option("--workers", default=1, show_default=True, help="processes summing ranges")
@click.option("--scheduler", default=None, help="Dask scheduler address (e.g. tcp://host:8786)")
def run(db: str, board_key: Path | None, workers: int, scheduler: str | None) -> None:
    """Filter the tags, sum the counted ballots into the encrypted tally and post it.

    Booth ballots count in their cells; each region's door-to-door ballots whose voter has no
    booth ballot count in one door-to-door cell. Refuses (exit 5) while k trustees' tag shares
    are missing or a tag repeats. Signs a head. Rerun after a crash, it finds the tally it
    posted and posts no second one.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from plebiscite.errors import InputError
    from plebiscite.services.election.definition import load_election
    from plebiscite.services.tally.count import publish_tally

    console = Console()
    with open_existing(db) as board:
        closed = load_election(board).closed_entry
        if closed is None:
            raise InputError("voting is not closed: the authority must close it before the tally")
        signed(db, board, board_key)
        size = board.size()
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
        note = signed(db, board, board_key)
    if index < size:  # a rerun: the same tally was already on the board
        console.print(f"the encrypted tally is already posted (entry {index}); {note}")
    else:
        console.print(f"encrypted tally posted (entry {index}); {note}")


@tally.command("combine")
@db_option
@board_key_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="also write results.json, the NIST files and charts into this folder",
)
def combine_command(db: str, board_key: Path | None, out: Path | None) -> None:
    """Combine k trustees' shares; post and print the results. Signs a head.

    With fewer than k valid shares it says whom it waits for and exits with status 5.
    Rerun after the results are posted, it prints them and posts nothing new.
    """
    from rich.console import Console

    from plebiscite.errors import NotReadyError
    from plebiscite.services.election.definition import load_election
    from plebiscite.services.tally.count import Waiting, combine
    from plebiscite.services.tally.results import ballot_dispositions, write_results

    console = Console()
    with open_existing(db) as board:
        signed(db, board, board_key)
        results = combine(board)
        if isinstance(results, Waiting):
            for t, why in results.rejected.items():
                console.print(f"[red]rejected[/] trustee {t}: {why}")
            raise NotReadyError(f"{results} valid decryption shares")
        note = signed(db, board, board_key)
        election = load_election(board)
        dispositions = ballot_dispositions(board.entries())
    print_results(console, results)
    console.print(note)
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
    from rich.table import Table

    from plebiscite.domain.results import percent

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
