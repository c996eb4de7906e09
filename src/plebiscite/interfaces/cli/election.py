"""``plebiscite election``: publish a referendum's definition on a board, and show its state."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from plebiscite.errors import InputError
from plebiscite.interfaces.cli.options import DB_HELP, db_option, open_existing
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election.definition import load_election, publish_manifest, publish_roll
from plebiscite.services.election.setup import load_manifest, load_roll

_PATH = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def election() -> None:
    """A referendum's public definition on the board: manifest, roll, key, closing."""


@election.command()
@click.option(
    "--db", required=True, envvar="PLEBISCITE_DB", help=DB_HELP + "; created, must be new"
)
@click.option(
    "--manifest",
    "manifest_path",
    required=True,
    type=_PATH,
    help="the referendum manifest (TOML, or its JSON form)",
)
@click.option("--roll", "roll_path", required=True, type=_PATH, help="the roll CSV")
@click.option("--roll-key", "key_path", required=True, type=_PATH, help="the pseudonym key file")
@click.option(
    "--board-key",
    "board_key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="the board's head-signing key file, created if missing (default: beside a SQLite "
    "board); its public key is anchored in the first entry",
)
def publish(
    db: str, manifest_path: Path, roll_path: Path, key_path: Path, board_key_path: Path | None
) -> None:
    """Publish the manifest (with the board's public key) and the roll on a new board."""
    from plebiscite.interfaces.app import default_board_key_path, load_board_key

    manifest = load_manifest(manifest_path)
    roll = load_roll(manifest, roll_path, key_path)
    key_file = board_key_path or default_board_key_path(db)
    if key_file is None:
        raise InputError("a PostgreSQL board needs --board-key FILE (the head-signing key)")
    board = SqlBoard.open(db, create=True)
    try:
        if board.size():
            raise InputError(f"the board already holds {board.size()} entries: use a new one")
        publish_manifest(board, manifest, load_board_key(key_file, create=True).verify_key)
        publish_roll(board, roll)
        size = board.size()
    finally:
        board.close()
    Console().print(
        f"published {manifest.id}: manifest and {len(roll.public_entries):,} voters "
        f"in {size - 1} roll entries"
    )


@election.command()
@db_option
def show(db: str) -> None:
    """What the board says the referendum is."""
    board = open_existing(db)
    try:
        state = load_election(board)
    finally:
        board.close()
    manifest = state.require_manifest()
    table = Table(title=manifest.title, show_header=False)
    table.add_row("manifest hash", state.manifest_hash.hex())
    table.add_row("voters on the roll", f"{len(state.voters):,}")
    table.add_row(
        "election key", state.election_key.hex() if state.election_key else "(ceremony not over)"
    )
    if state.election_key:
        table.add_row("trustees", f"{state.threshold} of qualified {list(state.qualified)}")
    table.add_row("voting", f"closed at {state.closed_at}" if state.closed_at else "open")
    console = Console()
    console.print(table)
    # On a line of its own, never cut: compare it with the key you obtained out of band.
    anchored = state.board_key or "(none anchored: its heads prove nothing)"
    console.print(f"board key {anchored}", soft_wrap=True, markup=False, highlight=False)
