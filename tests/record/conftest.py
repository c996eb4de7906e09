"""Fixtures for the board tests: one behaviour suite runs on every backend.

PostgreSQL comes from ``PLEBISCITE_TEST_PG`` (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets a fresh schema, put
first on the search path through the URL, and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from plebiscite.record.board import Board
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.sql import SqlBoard

PG_ENV = "PLEBISCITE_TEST_PG"


@cache
def _pg_base() -> tuple[str | None, str]:
    url = os.environ.get(PG_ENV)
    if not url:
        return None, f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return None, f"PostgreSQL at {PG_ENV} is unreachable: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return url, ""


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search path is a fresh, empty schema (skips without a server)."""
    base, reason = _pg_base()
    if base is None:
        pytest.skip(reason)
    schema = f"board_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


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
