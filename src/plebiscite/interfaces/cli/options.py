"""Options every command spells the same way, and opening a board that must already exist.

One spelling and one help text per concept: ``--db URL`` (a SQLite file path or
``postgresql+psycopg://USER@HOST/DB``), ``--board-key FILE`` (the board's head-signing key),
``--key FILE`` (a trustee's sealed key file), ``--json FILE`` (a machine-readable copy).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from plebiscite.interfaces.board_key import OPTION_HELP as BOARD_KEY_HELP

if TYPE_CHECKING:
    from plebiscite.record.sql import SqlBoard

DB_HELP = (
    "the board: a SQLite file path (or sqlite:///PATH) or postgresql+psycopg://USER@HOST/DB "
    "(env PLEBISCITE_DB)"
)

#: ``--db URL`` for a board that must already exist.
db_option = click.option("--db", required=True, envvar="PLEBISCITE_DB", help=DB_HELP)

#: ``--board-key FILE``: the board's head-signing key.
board_key_option = click.option(
    "--board-key", type=click.Path(dir_okay=False, path_type=Path), help=BOARD_KEY_HELP
)


def program() -> str:
    """How to run this very ``plebiscite`` from the current folder (``.venv/bin/plebiscite``
    when it lives there), for commands printed to be copied."""
    import shutil
    import sys

    mine = Path(sys.executable).parent / "plebiscite"
    if not mine.is_file():
        return "plebiscite"
    on_path = shutil.which("plebiscite")
    if on_path is not None and Path(on_path).resolve() == mine.resolve():
        return "plebiscite"
    try:
        return str(mine.relative_to(Path.cwd()))
    except ValueError:
        return str(mine)


def open_existing(db: str) -> SqlBoard:
    """Open the board in ``db``; a missing SQLite file is refused, never created."""
    from plebiscite.record.sql import SqlBoard

    return SqlBoard.open(db)


__all__ = ["BOARD_KEY_HELP", "DB_HELP", "board_key_option", "db_option", "open_existing", "program"]
