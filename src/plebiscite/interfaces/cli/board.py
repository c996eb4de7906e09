"""``plebiscite board``: create, inspect, export and check a bulletin board."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from plebiscite.crypto.signing import VerifyKey
from plebiscite.record.export import RecordSummary, check_export, export_board
from plebiscite.record.sql import SqlBoard, init_board

_DB_HELP = "board database: sqlite:///PATH, a file path, or postgresql+psycopg://USER@HOST/DB"


def _progress(console: Console, label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _summary(console: Console, title: str, summary: RecordSummary) -> None:
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
@click.option("--db", required=True, help=_DB_HELP)
def init(db: str) -> None:
    """Create a board in DB, or upgrade its schema to this version."""
    before, after = init_board(db)
    console = Console()
    if before is None:
        console.print(f"[green]created[/] a board with schema {after}")
    elif before == after:
        console.print(f"the board is already at schema {after}")
    else:
        console.print(f"[green]upgraded[/] the board schema from {before} to {after}")


@board.command()
@click.option("--db", required=True, help=_DB_HELP)
@click.option("--check", is_flag=True, help="recompute the whole tree and every head")
def info(db: str, check: bool) -> None:
    """Size, root and latest head of the board in DB."""
    console = Console()
    with SqlBoard.open(db) as opened:
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
        console.print(table)
        if check:
            with _progress(console, "checking") as bar:
                task = bar.add_task("check", total=size)
                checked = opened.check(lambda done: bar.update(task, completed=done))
            console.print(f"[green]ok[/]: {checked} entries and every stored head verify")


@board.command(name="export")
@click.option("--db", required=True, help=_DB_HELP)
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
def export_command(db: str, out: Path) -> None:
    """Write the board as a record directory (manifest.json, events.jsonl, heads.jsonl)."""
    console = Console()
    with SqlBoard.open(db) as opened, _progress(console, "exporting") as bar:
        task = bar.add_task("export", total=None)
        summary = export_board(
            opened, out, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    _summary(console, f"exported to {out}", summary)


@board.command(name="check-export")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--key", "key_hex", help="board public key (hex) every head must be signed with")
def check_export_command(directory: Path, key_hex: str | None) -> None:
    """Verify a record directory: every line canonical, every head signed and matching."""
    console = Console()
    key = VerifyKey.from_hex(key_hex) if key_hex else None
    with _progress(console, "checking") as bar:
        task = bar.add_task("check", total=None)
        summary = check_export(
            directory,
            key=key,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _summary(console, f"[green]ok[/]: {directory}", summary)
