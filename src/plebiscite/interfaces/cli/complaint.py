"""``plebiscite complaint --receipt FILE``: a device receipt whose ballot is not on the board."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from plebiscite.errors import InputError
from plebiscite.interfaces.cli.options import DB_HELP
from plebiscite.record.sql import SqlBoard
from plebiscite.services.voting.receipt_complaint import file_receipt_complaint


@click.command()
@click.option(
    "--receipt",
    "receipt_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the device receipt the voter kept (JSON)",
)
@click.option("--db", required=True, envvar="PLEBISCITE_DB", help=DB_HELP)
def complaint(receipt_file: Path, db: str) -> None:
    """Check a device-signed receipt; if its ballot is not on the board, file the finding."""
    try:
        data = json.loads(receipt_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{receipt_file}: not a receipt (not JSON: {exc})") from None
    board = SqlBoard.open(db)
    try:
        outcome = file_receipt_complaint(board, data, dt.datetime.now(dt.UTC))
    finally:
        board.close()
    click.echo(outcome.describe())


__all__ = ["complaint"]
