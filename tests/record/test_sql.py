"""SQL-only behaviour: schema creation and version checks, stored-node tampering, crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from plebiscite.errors import InputError, NotABoardError, RecordError, SchemaVersionError
from plebiscite.record.events import Event
from plebiscite.record.schema import (
    MIGRATIONS,
    SCHEMA_REVISION,
    VERSION_TABLE,
    alembic_config,
    metadata,
)
from plebiscite.record.sql import SqlBoard, init_board, make_engine

SQL = ["sqlite_url", pytest.param("pg_url", marks=pytest.mark.postgres)]


@pytest.fixture(params=SQL)
def url(request: pytest.FixtureRequest) -> str:
    value: str = request.getfixturevalue(request.param)
    return value


def test_schema_revision_is_the_migrations_head() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    with make_engine("sqlite:////tmp/unused-board.sqlite").connect() as connection:
        script = ScriptDirectory.from_config(alembic_config(connection))
    assert script.get_current_head() == SCHEMA_REVISION


def test_migrations_build_exactly_the_tables_the_code_uses(url: str) -> None:
    assert init_board(url) == (None, SCHEMA_REVISION)
    assert init_board(url) == (SCHEMA_REVISION, SCHEMA_REVISION)
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_opening_an_empty_database_says_it_is_not_a_board(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).touch()  # an empty file, not a missing one
    with pytest.raises(NotABoardError, match="is empty, not a plebiscite board"):
        SqlBoard.open(url)


def test_opening_a_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    """A mistyped path for a read must not leave an empty database behind."""
    for db in (str(tmp_path / "missing.sqlite"), f"sqlite:///{tmp_path}/missing.sqlite"):
        with pytest.raises(InputError, match="no board at .*missing.sqlite"):
            SqlBoard.open(db)
    with pytest.raises(InputError, match="is a directory"):
        SqlBoard.open(str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_opening_another_applications_database_is_refused(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(NotABoardError, match="not a plebiscite board .*invoices"):
        SqlBoard.open(url)


@pytest.mark.parametrize(
    ("revision", "message"),
    [("0000", "'0000', which this plebiscite does not know"), ("9999", "newer version")],
)
def test_another_schema_version_is_refused(url: str, revision: str, message: str) -> None:
    init_board(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '{revision}'")
    engine.dispose()
    with pytest.raises(SchemaVersionError, match=message):
        SqlBoard.open(url)


def test_unreachable_or_foreign_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not mysql"):
        SqlBoard.open("mysql://localhost/x")
    with pytest.raises(InputError, match="in-memory SQLite"):
        SqlBoard.open("sqlite://")


def test_check_finds_a_tampered_stored_node(url: str) -> None:
    with SqlBoard.open(url, create=True) as board:
        board.append_batch([Event.create("check_in", {"i": i}) for i in range(20)])
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE board_nodes SET hash = :h WHERE node_id = 3 * 64 + 2"),
                {"h": b"\x00" * 32},
            )
        engine.dispose()
        with pytest.raises(RecordError, match=r"node \(level 2, index 3\) .* entries 12 .. 15"):
            board.check()


WRITER = textwrap.dedent(
    """
    import sys
    from plebiscite.record.events import Event
    from plebiscite.record.sql import SqlBoard
    board = SqlBoard.open(sys.argv[1])
    n = 0
    while True:
        size = 1 + n % 7  # single appends and batches, interleaved
        batch = [Event.create("ballot_cast", {"n": n + i, "pad": "x" * (n % 300)})
                 for i in range(size)]
        for index in board.append_batch(batch):
            print(index, flush=True)
        n += size
    """
)


def test_a_killed_writer_loses_no_acknowledged_entry(url: str, tmp_path: Path) -> None:
    SqlBoard.open(url, create=True).close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    child = subprocess.Popen(
        [sys.executable, str(script), url], stdout=subprocess.PIPE, text=True, env=os.environ
    )
    assert child.stdout is not None
    acknowledged = []
    try:
        for line in child.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) >= 400:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert acknowledged == list(range(len(acknowledged)))
    with SqlBoard.open(url) as board:
        assert board.size() >= len(acknowledged)
        for entry in board.entries(0, len(acknowledged)):
            assert entry.event.payload["n"] == entry.index
        assert board.check() == board.size()
        # The board takes appends again after the crash.
        next_index = board.size()
        assert board.append(Event.create("voting_closed", {})) == next_index


def test_sqlite_runs_in_wal_with_full_sync(sqlite_url: str) -> None:
    with SqlBoard.open(sqlite_url, create=True) as board:
        assert board.dialect == "sqlite"
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()
    assert sa.__version__.startswith("2.")
