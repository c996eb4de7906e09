"""Fixtures for the board tests: one behaviour suite runs on every backend.

PostgreSQL comes from the ``pg_url`` fixture of ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plebiscite.record.board import Board
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.sql import SqlBoard


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'board.sqlite'}"


BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def make_board(backend: str, request: pytest.FixtureRequest) -> Iterator[Callable[[], Board]]:
    """Opens (and on first call creates) the test's board; SQL boards reopen the same data."""
    opened: list[Board] = []
    if backend == "memory":
        shared = MemoryBoard()
        yield lambda: shared
        return
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")

    def open_board() -> Board:
        board = SqlBoard.open(url, create=not opened)
        opened.append(board)
        return board

    yield open_board
    for board in opened:
        board.close()


@pytest.fixture
def board(make_board: Callable[[], Board]) -> Board:
    return make_board()
