"""``plebiscite board``: create, inspect, sign, export and check a bulletin board."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from plebiscite.interfaces.cli.options import board_key_option, db_option, open_existing

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from plebiscite.record.export import RecordSummary


def _progress(console: Console, label: str) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _summary(console: Console, title: str, summary: RecordSummary) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_row("entries", str(summary.entries))
    table.add_row("signed heads", str(summary.heads))
    table.add_row("signed up to", f"tree size {summary.signed_size}")
    if summary.entries > summary.signed_size:
        table.add_row("not yet signed", f"{summary.entries - summary.signed_size} entries")
    table.add_row("board key", summary.key.hex() if summary.key else "(no head)")
    table.add_row("manifest", "yes" if summary.manifest else "no")
    console.print(table)


@click.group()
def board() -> None:
    """The bulletin board: an append-only, signed Merkle log of election events."""


@board.command()
@click.option("--db", required=True, envvar="PLEBISCITE_DB", help="the board to create: "
              "a SQLite file path or postgresql+psycopg://USER@HOST/DB")  # fmt: skip
def init(db: str) -> None:
    """Create a board in DB, or upgrade its schema to this version."""
    from rich.console import Console

    from plebiscite.record.sql import init_board

    before, after = init_board(db)
    console = Console()
    if before is None:
        console.print(f"[green]created[/] a board with schema {after}")
    elif before == after:
        console.print(f"the board is already at schema {after}")
    else:
        console.print(f"[green]upgraded[/] the board schema from {before} to {after}")


@board.command()
@db_option
@click.option("--check", is_flag=True, help="recompute the whole tree and every head")
def info(db: str, check: bool) -> None:
    """Size, root and latest head of the board in DB."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    with open_existing(db) as opened:
        size = opened.size()
        head = opened.latest_head()
        table = Table(title=f"board {opened.where}", show_header=False)
        table.add_row("entries", str(size))
        table.add_row("root", opened.root(size).hex())
        if head is None:
            table.add_row("latest head", "(none signed yet)")
        else:
            table.add_row("latest head", f"tree size {head.tree_size} at {head.timestamp} ms")
            table.add_row("board key", head.key.hex())
            if head.tree_size < size:
                table.add_row("not yet signed", f"{size - head.tree_size} entries")
        console.print(table)
        if check:
            with _progress(console, "checking") as bar:
                task = bar.add_task("check", total=size)
                checked = opened.check(lambda done: bar.update(task, completed=done))
            console.print(f"[green]ok[/]: {checked} entries and every stored head verify")


@board.command()
@db_option
@board_key_option
def sign(db: str, board_key: Path | None) -> None:
    """Sign and store a head over every entry, if the latest head does not cover them all.

    The authority's steps (``tally close``, ``tally run``, ``tally combine``) and a trustee's
    ``trustee decrypt`` with the board key at hand do this themselves; ``serve`` does it on a
    timer. Run it when a step was made without the key.
    """
    from plebiscite.interfaces.board_key import resolve, sign_if_moved

    with open_existing(db) as opened:
        key = resolve(db, opened, board_key, create=True)
        assert key is not None
        head = sign_if_moved(opened, key)
        size = opened.size()
    if head is None:
        click.echo(f"the latest head already covers all {size} entries")
    else:
        click.echo(f"signed head of tree size {head.tree_size} with key {head.key.hex()}")


@board.command(name="export")
@db_option
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="the record folder to create (must not exist, or be empty)",
)
def export_command(db: str, out: Path) -> None:
    """Write the board as a record folder: manifest.json, events.jsonl, heads.jsonl and, once
    the results are posted, results.json, results-nist.json, results-sidecar.json, charts/.

    The folder appears only when complete (it is written beside it and renamed into place).
    """
    from rich.console import Console

    from plebiscite.services.tally.publish import export_record

    console = Console()
    with open_existing(db) as opened, _progress(console, "exporting") as bar:
        task = bar.add_task("export", total=None)
        summary, results = export_record(
            opened, out, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    _summary(console, f"exported to {out}", summary)
    if results:
        console.print("with results.json, results-nist.json, results-sidecar.json and charts/")
    if summary.entries > summary.signed_size:
        console.print(
            f"[yellow]note[/]: the last {summary.entries - summary.signed_size} entries are not "
            "covered by a signed head; run `plebiscite board sign` and export again"
        )


@board.command(name="check-export")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_hex",
    help="the board public key every head must be signed with: hex, or a file holding it",
)
def check_export_command(directory: Path, key_hex: str | None) -> None:
    """Verify a record folder: every line canonical, every head signed and matching, and at
    least one signed head."""
    from rich.console import Console

    from plebiscite.crypto.signing import VerifyKey
    from plebiscite.errors import InputError
    from plebiscite.record.export import check_export

    console = Console()
    if key_hex and Path(key_hex).is_file():
        try:
            key_hex = Path(key_hex).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--key {key_hex}: cannot read a public key ({exc})") from exc
    key = VerifyKey.from_hex(key_hex) if key_hex else None
    with _progress(console, "checking") as bar:
        task = bar.add_task("check", total=None)
        summary = check_export(
            directory,
            key=key,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _summary(console, f"[green]ok[/]: {directory}", summary)
