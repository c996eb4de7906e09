"""The board's SQL schema, its version, and the check made on every open.

``docs/board.md`` section 6. Alembic migrations in ``migrations/`` create and upgrade the
schema on SQLite and PostgreSQL; the table definitions below are what queries use and must
equal what the migrations build (a test compares them). Alembic's version row lives in
``board_alembic_version`` so a board can share a database with another Alembic-managed
application.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    false,
    inspect,
    select,
)

from plebiscite.errors import NotABoardError, SchemaVersionError

if TYPE_CHECKING:  # Alembic is imported only to create or upgrade a board (it is slow to load)
    from alembic.config import Config

#: The Alembic revision this code reads and writes. Bump it with every migration.
SCHEMA_REVISION: Final = "0003"
#: Every revision this code can upgrade from, oldest first.
KNOWN_REVISIONS: Final = ("0001", "0002", "0003")
VERSION_TABLE: Final = "board_alembic_version"
BOARD_KIND: Final = "plebiscite-board"
MIGRATIONS: Final = Path(__file__).parent / "migrations"

# SQLite makes only a column declared exactly INTEGER an alias of its rowid (the fast path).
Index64 = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

board_meta = Table(
    "board_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text(), nullable=False),
)

board_state = Table(
    "board_state",
    metadata,
    Column("id", Integer(), primary_key=True, autoincrement=False),
    Column("tree_size", BigInteger(), nullable=False),
    CheckConstraint("id = 1", name="board_state_single_row"),
    Column("closed_entry", BigInteger(), nullable=True),
)

board_entries = Table(
    "board_entries",
    metadata,
    Column("idx", Index64, primary_key=True, autoincrement=False),
    Column("event_type", String(40), nullable=False),
    Column("data", LargeBinary(), nullable=False),
    Index("board_entries_by_type", "event_type", "idx"),
)

board_nodes = Table(
    "board_nodes",
    metadata,
    # node_id = index * 64 + level for the complete subtree (level, index); see sql.node_id.
    Column("node_id", Index64, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

board_heads = Table(
    "board_heads",
    metadata,
    Column("id", Index64, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger(), nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("timestamp", BigInteger(), nullable=False),
    Column("key", LargeBinary(32), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)


# --- the casting rules' index tables (``record/guard.py``; schema 0002) --------------------------

cast_locations = Table(
    "cast_locations",
    metadata,
    Column("location", Text(), primary_key=True),
    Column("region", Text(), nullable=False),
    Column("booth", Boolean(), nullable=False),
    #: a door-to-door location that takes ballots only from voters who applied to vote at home
    Column("by_application", Boolean(), nullable=False, server_default=false()),
)

cast_roll = Table(
    "cast_roll",
    metadata,
    Column("voter", Text(), primary_key=True),
    Column("region", Text(), nullable=False),
    Column("precinct", Text(), nullable=False),
    Column("home_voting", Boolean(), nullable=False),
    Column("decision", Text(), nullable=True),
    Column("seq", BigInteger(), nullable=False),
    Index("cast_roll_by_seq", "seq"),
)

cast_devices = Table(
    "cast_devices",
    metadata,
    Column("device", Text(), primary_key=True),
    Column("location", Text(), nullable=False),
    Column("region", Text(), nullable=False),
    Column("public_key", Text(), nullable=False),
    Column("enrolled_at", Text(), nullable=False),
    Column("chain_head", Text(), nullable=False),
    Column("revoked", Boolean(), nullable=False),
    #: ballots (cast and challenged) in the device's chain, and whether its chain has ended
    Column("chain_count", BigInteger(), nullable=False, server_default="0"),
    Column("ended", Boolean(), nullable=False, server_default=false()),
)

cast_voters = Table(
    "cast_voters",
    metadata,
    Column("voter", Text(), primary_key=True),
    Column("region", Text(), primary_key=True),
    Column("home_code", Text(), nullable=True),
    Column("home_at", Text(), nullable=True),
    Column("booth_code", Text(), nullable=True),
    Column("booth_at", Text(), nullable=True),
)

cast_codes = Table(
    "cast_codes",
    metadata,
    Column("code", Text(), primary_key=True),
    Column("idx", BigInteger(), nullable=False),
    Column("kind", Text(), nullable=False),
)

cast_alphas = Table(
    "cast_alphas",
    metadata,
    Column("alpha", LargeBinary(32), primary_key=True),
    Column("idx", BigInteger(), nullable=False),
)

#: A device's check-in (its opaque id) and the voter it checked in: the one place the board's
#: database links a ballot's check-in to a pseudonym; never exported (``docs/privacy.md``).
cast_check_ins = Table(
    "cast_check_ins",
    metadata,
    Column("device", Text(), primary_key=True),
    Column("checkin", Text(), primary_key=True),
    Column("voter", Text(), nullable=False),
    Column("idx", BigInteger(), nullable=False),
)


def alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def stored_revision(connection: Connection, where: str) -> str | None:
    """The board schema revision of the database, or ``None`` if it has no board yet.

    Raises :class:`NotABoardError` for a database whose ``board_meta`` says something else.
    """
    tables = set(inspect(connection).get_table_names())
    if "board_meta" not in tables:
        return None
    kind = connection.execute(
        select(board_meta.c.value).where(board_meta.c.key == "kind")
    ).scalar_one_or_none()
    if kind != BOARD_KIND:
        raise NotABoardError(f"{where}: board_meta kind is {kind!r}, not {BOARD_KIND!r}")
    if VERSION_TABLE not in tables:
        raise NotABoardError(f"{where}: board tables without a {VERSION_TABLE} table")
    versions = connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all()
    if len(versions) != 1:
        raise SchemaVersionError(f"{where}: {len(versions)} schema versions recorded, not one")
    return str(versions[0][0])


def check_schema(connection: Connection, where: str) -> None:
    """Refuse a database that is not a board, or a board of another schema version."""
    revision = stored_revision(connection, where)
    if revision is None:
        tables = sorted(inspect(connection).get_table_names())
        if not tables:
            raise NotABoardError(
                f"{where} is empty, not a plebiscite board (create one with "
                "`plebiscite board init --db URL`)"
            )
        shown = ", ".join(tables[:8]) + (", ..." if len(tables) > 8 else "")
        raise NotABoardError(f"{where} is not a plebiscite board (it has tables {shown})")
    if revision == SCHEMA_REVISION:
        return
    if revision in KNOWN_REVISIONS:
        raise SchemaVersionError(
            f"{where} has board schema {revision}, this plebiscite needs {SCHEMA_REVISION}: "
            "upgrade it with `plebiscite board init --db URL`"
        )
    raise SchemaVersionError(
        f"{where} has board schema {revision!r}, which this plebiscite does not know "
        f"(it reads {SCHEMA_REVISION}); was it written by a newer version?"
    )


def upgrade_schema(connection: Connection, where: str) -> tuple[str | None, str]:
    """Create or upgrade the board schema in ``connection``'s transaction.

    Returns ``(revision before, revision after)``; ``None`` before means it was created.
    """
    before = stored_revision(connection, where)
    if before is not None and before not in KNOWN_REVISIONS:
        check_schema(connection, where)  # raises the "unknown revision" error
    if before == "0001":
        size: int = connection.execute(select(board_state.c.tree_size)).scalar_one()
        if size:
            # 0002 indexes every entry for the casting rules; a board from before them would
            # need every entry re-judged, which this version does not do.
            raise SchemaVersionError(
                f"{where} has board schema 0001 with {size} entries; schema {SCHEMA_REVISION} "
                "cannot take them over: export the record and start a new board"
            )
    if before != SCHEMA_REVISION:
        from alembic import command

        command.upgrade(alembic_config(connection), SCHEMA_REVISION)
    return before, SCHEMA_REVISION
