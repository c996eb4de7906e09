"""``plebiscite receipt CODE``: is my ballot on the board, proven, and does it count?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from plebiscite.errors import InputError
from plebiscite.interfaces.cli.options import DB_HELP
from plebiscite.record.board import Board
from plebiscite.record.export import import_export
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.sql import SqlBoard
from plebiscite.services.voting.codes import expand_on_board, grouped
from plebiscite.services.voting.receipts import check_receipt


def _kept_receipt(path: Path, code: str) -> dict[str, Any]:
    """The receipt for ``code`` in a receipt file (one JSON object, or JSON lines)."""
    try:
        text = path.read_text(encoding="utf-8")
        candidates = [json.loads(line) for line in text.splitlines() if line.strip()]
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a receipt file (not UTF-8 text: {exc.reason})") from None
    except ValueError as exc:
        raise InputError(f"{path}: not a receipt file (not JSON lines: {exc})") from None
    for item in candidates:
        if isinstance(item, dict) and item.get("tracking_code") == code:
            return item
    raise InputError(f"{path} holds no receipt for tracking code {grouped(code)}")


@click.command()
@click.argument("code")
@click.option(
    "--record",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="an exported record directory",
)
@click.option("--db", default=None, help="or the board itself: " + DB_HELP)
@click.option(
    "--receipt",
    "receipt_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the receipt you kept (JSON, or JSON lines with several receipts)",
)
def receipt(code: str, record: Path | None, db: str | None, receipt_file: Path | None) -> None:
    """Find the ballot with tracking CODE, prove it is in the board, say whether it counts.

    CODE is the whole code or any prefix of at least 8 digits that only one ballot has;
    spaces, dashes and case are ignored ("3F2A 9C01" finds 3f2a9c01...).
    """
    if (record is None) == (db is None):
        raise click.UsageError("give exactly one of --record DIR and --db URL")
    board: Board
    if record is not None:
        board = MemoryBoard()
        import_export(record, board)
    else:
        assert db is not None
        board = SqlBoard.open(db)
    try:
        code = expand_on_board(board, code)
        kept = _kept_receipt(receipt_file, code) if receipt_file else None
        result = check_receipt(board, code, kept)
    finally:
        board.close()
    table = Table(title=f"ballot {grouped(code)}", show_header=False)
    table.add_row("on the board", f"yes, entry {result.leaf_index}")
    table.add_row(
        "proof", f"inclusion proven against the signed head of {result.head_size} entries"
    )
    if result.receipt_checked:
        table.add_row("your receipt", "its proof and head check, and the board still extends it")
    table.add_row("received", f"{result.received_at} at {result.location}")
    colour = {"counted": "green", "home": "green", "challenged": "yellow"}[result.status]
    table.add_row("counts?", f"[{colour}]{result.status}[/]: {result.why}")
    if result.in_count:
        table.add_row("count", "in the input of its region's shuffle (docs/protocol.md 12)")
    Console().print(table)
