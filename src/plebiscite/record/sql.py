"""The board on SQL through SQLAlchemy Core: SQLite (embedded default) and PostgreSQL.

Durability (``docs/board.md`` section 7). An append is one transaction holding its entries,
the Merkle nodes they complete and the new tree size; :meth:`append_batch` returns only after
that transaction has committed.

- SQLite runs in WAL mode with ``synchronous=FULL``: the WAL is fsynced at every commit, so an
  acknowledged entry survives a process kill and a power cut. (``NORMAL`` would survive a kill
  but may lose the last commits on power loss, which would break the promise made by a
  receipt.) A write transaction starts with ``BEGIN IMMEDIATE``, taking the write lock before
  it reads the tree size.
- PostgreSQL must run with ``fsync`` and ``synchronous_commit`` on (checked on open); a write
  transaction first takes the board's sequencing lock, a transaction-level advisory lock
  (``pg_advisory_xact_lock``) keyed by the board's schema, then reads the size.

Several processes may open the same board; the sequencing lock (or SQLite's write lock)
sequences their appends (``docs/board.md`` 7). The lock belongs to the transaction: when the
process holding it dies, its connection closes, the server rolls the transaction back and the
next process takes the lock. Each process keeps the right edge of the tree in memory and
reloads it (O(log n) rows) when another process has appended since.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    event,
    exc,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, make_url

from plebiscite.crypto.signing import VerifyKey
from plebiscite.errors import BoardError, InputError
from plebiscite.record.board import (
    CHUNK,
    BoardBase,
    Committed,
    Entry,
    check_next_head,
    outcomes,
    plan,
)
from plebiscite.record.codec import decode_event
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard import DeviceRow, LocationRow, judge, keys_of
from plebiscite.record.guard_sql import (
    Lookup,
    all_devices,
    check_in_row,
    code_row,
    codes_page,
    device_row,
    read_view,
    roll_counts,
    roll_page,
    voters_without_ballot,
    write_changes,
)
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import Frontier, InclusionProof, NodeKey, inclusion_proof
from plebiscite.record.schema import (
    board_entries,
    board_heads,
    board_meta,
    board_nodes,
    board_state,
    check_schema,
    upgrade_schema,
)


def normalise_url(db: str) -> URL:
    """A SQLAlchemy URL from what a user typed: a URL, or a path meaning a SQLite file."""
    if "://" not in db:
        return URL.create("sqlite", database=str(Path(db).expanduser().resolve()))
    try:
        url = make_url(db)
    except exc.ArgumentError as error:
        raise InputError(f"not a database URL: {db!r}") from error
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise InputError("an in-memory SQLite board would vanish; use MemoryBoard or a file")
    elif backend != "postgresql":
        raise InputError(f"boards live in SQLite or PostgreSQL, not {backend} ({db!r})")
    return url


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def make_engine(db: str) -> Engine:
    """An engine with the board's durability settings (see the module docstring)."""
    url = normalise_url(db)
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by pysqlite
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("board_autocommit", False):
            return  # each statement its own transaction (see read_engine)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("board_write") else "BEGIN")

    return engine


def read_engine(engine: Engine) -> Engine:
    """``engine`` for reads outside a transaction: each statement sees the latest commit, and
    no BEGIN and ROLLBACK go with it (two statements, or round trips, per read). The board
    only ever reads what commits left complete (a tree size with its nodes, index rows with
    their entries), and sizes only grow, so a read that takes two statements is consistent."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine.execution_options(board_autocommit=True)


def _database_error(where: str, error: exc.SQLAlchemyError) -> BoardError:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return BoardError(f"{where}: {reason}")


def _require_sqlite_file(db: str) -> None:
    """A read must not create an empty SQLite file where the user mistyped a path."""
    url = normalise_url(db)
    if url.get_backend_name() != "sqlite" or url.database is None:
        return
    path = Path(url.database)
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a board")
    if not path.exists():
        raise InputError(f"no board at {path} (no such file)")


def init_board(db: str) -> tuple[str | None, str]:
    """Create the board schema in ``db``, or upgrade it; return (revision before, after)."""
    engine = make_engine(db)
    where = _shown(engine.url)
    try:
        with engine.connect() as connection:
            connection.execution_options(board_write=True)
            with connection.begin():
                return upgrade_schema(connection, where)
    except exc.SQLAlchemyError as error:
        raise _database_error(where, error) from error
    finally:
        engine.dispose()


class SqlBoard(BoardBase):
    """A board in a SQLite file or a PostgreSQL database. Open it with :meth:`open`."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._reads = read_engine(engine)
        self.where = _shown(engine.url)
        self._frontier: Frontier | None = None
        self._locations: dict[str, LocationRow] = {}  # fixed by the manifest: kept once read
        self._sequencing_key: int | None = None  # PostgreSQL: the advisory lock's key

    @classmethod
    def open(cls, db: str, *, create: bool = False) -> SqlBoard:
        """Open the board in ``db`` (a URL or a SQLite path), creating it if ``create``.

        Raises :class:`NotABoardError` or :class:`SchemaVersionError` for a database that is
        not a board of this schema version, :class:`BoardError` if it cannot be reached.
        """
        if create:
            init_board(db)
        else:
            _require_sqlite_file(db)
        engine = make_engine(db)
        board = cls(engine)
        try:
            with engine.connect() as connection:
                check_schema(connection, board.where)
                if engine.dialect.name == "postgresql":
                    _check_postgres_durability(connection, board.where)
                    board._sequencing_key = sequencing_key(
                        str(connection.exec_driver_sql("SELECT current_schema()").scalar())
                    )
        except exc.SQLAlchemyError as error:
            engine.dispose()
            raise _database_error(board.where, error) from error
        except BaseException:
            engine.dispose()
            raise
        return board

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    # --- primitives -----------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for reads; a database failure at any point (opening it, or a query
        while the server restarts) is a :class:`BoardError`, never a raw driver error."""
        try:
            with self._reads.connect() as connection:
                yield connection
        except exc.SQLAlchemyError as error:
            raise _database_error(self.where, error) from error

    def size(self) -> int:
        with self._reading() as connection:
            return _size(connection)

    def _read_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        with self._reading() as connection:
            return _nodes(connection, keys)

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> InclusionProof:
        # One connection for the size and the nodes: a proof is two queries, one round trip each.
        with self._reading() as connection:
            size = self._check_size(tree_size, _size(connection))
            return inclusion_proof(index, size, lambda keys: _nodes(connection, keys))

    def _append_locked(self, groups: Sequence[Sequence[Event]]) -> Committed:
        try:
            with self._engine.connect() as connection:
                connection.execution_options(board_write=True)
                with connection.begin():
                    state = self._sequence(connection)
                    size = int(state.tree_size)
                    if self._frontier is None or self._frontier.size != size:
                        self._frontier = Frontier.load(size, lambda keys: _nodes(connection, keys))
                    everything = [e for events in groups for e in events]
                    view = read_view(
                        connection, keys_of(everything), state.closed_entry, self._locations
                    )
                    view.replica = self.replica
                    changes, refused = judge(view, size, groups)
                    accepted, results = outcomes(size, groups, refused)
                    work = plan(self._frontier, accepted)
                    if accepted:
                        connection.execute(
                            _INSERT_ENTRIES,
                            [{"idx": i, "event_type": t, "data": d} for i, t, d in work.entries],
                        )
                        if work.nodes:
                            connection.execute(
                                _INSERT_NODES,
                                [{"node_id": node_id(lv, i), "hash": h} for lv, i, h in work.nodes],
                            )
                        values: dict[str, int] = {"tree_size": work.frontier.size}
                        if changes.closed_entry is not None:
                            values["closed_entry"] = changes.closed_entry
                        connection.execute(
                            update(board_state).where(board_state.c.id == 1).values(**values)
                        )
                        write_changes(connection, changes)
                # The commit returned: the entries are durable; only now acknowledge them.
        except exc.SQLAlchemyError as error:
            self._frontier = None  # unknown state after a failure: reload on the next append
            raise _database_error(self.where, error) from error
        self._frontier = work.frontier
        return Committed(results, work.frontier.size, work.frontier.root(), work.known_nodes())

    def _sequence(self, connection: Connection) -> Any:
        """Take the sequencing lock for the rest of this write transaction and read the board's
        state (tree size, closing entry) as the last holder left it."""
        if self._sequencing_key is not None:
            # Its own statement: under READ COMMITTED the next statement's snapshot is taken
            # after the lock is granted, so it sees the previous holder's commit.
            connection.execute(_SEQUENCING_LOCK, {"key": self._sequencing_key})
        return connection.execute(_STATE).one()  # SQLite: BEGIN IMMEDIATE holds the lock

    # --- the casting index ------------------------------------------------------------------

    def device(self, device_id: str) -> DeviceRow | None:
        with self._reading() as connection:
            return device_row(connection, device_id)

    def devices(self) -> dict[str, DeviceRow]:
        with self._reading() as connection:
            return all_devices(connection)

    def ballot_code(self, code: str) -> tuple[int, str] | None:
        with self._reading() as connection:
            return code_row(connection, code)

    def check_in_voter(self, device_id: str, checkin: str) -> str | None:
        with self._reading() as connection:
            return check_in_row(connection, device_id, checkin)

    def codes_page(
        self, prefix: str, after: str, limit: int
    ) -> tuple[list[tuple[str, int, str]], int]:
        with self._reading() as connection:
            return codes_page(connection, prefix, after, limit)

    def closed_entry(self) -> int | None:
        with self._reading() as connection:
            value: int | None = connection.execute(_CLOSED).scalar_one()
        return None if value is None else int(value)

    def roll_page(self, offset: int, limit: int) -> list[tuple[str, str, str, bool]]:
        with self._reading() as connection:
            return roll_page(connection, offset, limit)

    def roll_counts(self) -> dict[str, int]:
        with self._reading() as connection:
            return roll_counts(connection)

    def voters_without_ballot(self, region: str, limit: int) -> list[str]:
        with self._reading() as connection:
            return voters_without_ballot(connection, region, limit)

    def entries_of_type(self, types: Sequence[EventType], start: int = 0) -> Iterator[Entry]:
        position = start
        names = [t.value for t in types]
        while True:
            with self._reading() as connection:
                rows: Sequence[Any] = connection.execute(
                    select(board_entries.c.idx, board_entries.c.data)
                    .where(board_entries.c.event_type.in_(names), board_entries.c.idx >= position)
                    .order_by(board_entries.c.idx)
                    .limit(CHUNK)
                ).all()
            for index, data in rows:
                yield Entry(int(index), decode_event(bytes(data), where=f"board entry {index}"))
            if len(rows) < CHUNK:
                return
            position = int(rows[-1][0]) + 1

    def get_meta(self, key: str) -> str | None:
        with self._reading() as connection:
            value = connection.execute(_META, {"key": key}).scalar_one_or_none()
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        if key in ("kind", "manifest_hash"):
            raise InputError(f"board meta {key!r} is not settable")
        try:
            with self._engine.connect() as connection:
                connection.execution_options(board_write=True)
                with connection.begin():
                    done = connection.execute(
                        update(board_meta).where(board_meta.c.key == key).values(value=value)
                    ).rowcount
                    if not done:
                        connection.execute(insert(board_meta).values(key=key, value=value))
        except exc.SQLAlchemyError as error:
            raise _database_error(self.where, error) from error

    def _read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        with self._reading() as connection:
            rows: Sequence[Any] = connection.execute(
                select(board_entries.c.idx, board_entries.c.data)
                .where(board_entries.c.idx >= start, board_entries.c.idx < stop)
                .order_by(board_entries.c.idx)
            ).all()
        return [(int(index), bytes(data)) for index, data in rows]

    def _store_head(self, head: SignedHead) -> None:
        try:
            with self._engine.connect() as connection:
                connection.execution_options(board_write=True)
                with connection.begin():
                    self._sequence(connection)  # head writers are sequenced with appends
                    check_next_head(_latest_head(connection), head)
                    connection.execute(
                        insert(board_heads).values(
                            tree_size=head.tree_size,
                            root_hash=head.root_hash,
                            timestamp=head.timestamp,
                            key=head.key.raw,
                            signature=head.signature,
                        )
                    )
        except exc.SQLAlchemyError as error:
            raise _database_error(self.where, error) from error

    def latest_head(self) -> SignedHead | None:
        with self._reading() as connection:
            return _latest_head(connection)

    def heads(self) -> Iterator[SignedHead]:
        last_id = 0
        while True:
            with self._reading() as connection:
                rows = connection.execute(
                    select(board_heads)
                    .where(board_heads.c.id > last_id)
                    .order_by(board_heads.c.id)
                    .limit(1000)
                ).all()
            if not rows:
                return
            for row in rows:
                yield _head(row)
            last_id = rows[-1].id


def _size(connection: Connection) -> int:
    return int(connection.execute(_SIZE).scalar_one())


def node_id(level: int, index: int) -> int:
    """The single integer key of a stored subtree: one primary key, one ``IN`` list per proof."""
    return (index << 6) | level


_SIZE = select(board_state.c.tree_size).where(board_state.c.id == 1)
_CLOSED = select(board_state.c.closed_entry).where(board_state.c.id == 1)
_META = select(board_meta.c.value).where(board_meta.c.key == bindparam("key"))
_STATE = select(board_state.c.tree_size, board_state.c.closed_entry).where(board_state.c.id == 1)
_SEQUENCING_LOCK = select(func.pg_advisory_xact_lock(bindparam("key")))


def sequencing_key(schema: str) -> int:
    """The advisory lock key of the board in ``schema``: boards in two schemas of one database
    have two locks (advisory locks are per database, so other databases never share one)."""
    digest = hashlib.sha256(b"plebiscite board sequencing\x00" + schema.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_INSERT_ENTRIES = insert(board_entries)
_INSERT_NODES = insert(board_nodes)
_NODES = Lookup([board_nodes.c.node_id, board_nodes.c.hash], [board_nodes.c.node_id])


def _nodes(connection: Connection, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
    found: dict[NodeKey, bytes] = {}
    for key, value in _NODES.rows(connection, {node_id(level, index) for level, index in keys}):
        found[(key & 63, key >> 6)] = bytes(value)
    return found


def _head(row: Any) -> SignedHead:
    return SignedHead(
        tree_size=int(row.tree_size),
        root_hash=bytes(row.root_hash),
        timestamp=int(row.timestamp),
        key=VerifyKey(bytes(row.key)),
        signature=bytes(row.signature),
    )


def _latest_head(connection: Connection) -> SignedHead | None:
    row = connection.execute(select(board_heads).order_by(board_heads.c.id.desc()).limit(1)).first()
    return None if row is None else _head(row)


def _check_postgres_durability(connection: Connection, where: str) -> None:
    for setting in ("fsync", "synchronous_commit"):
        value = connection.exec_driver_sql(f"SHOW {setting}").scalar()
        if value == "off":
            raise BoardError(
                f"{where}: PostgreSQL runs with {setting}=off, so acknowledged entries could be "
                "lost; the board refuses to run on it"
            )
