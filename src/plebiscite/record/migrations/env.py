"""Alembic environment for the board schema: run only through ``plebiscite.record.schema``,
which passes an open connection (and so the transaction and the database) in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from plebiscite.record.schema import VERSION_TABLE


def run() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "the board migrations run through `plebiscite board init --db URL`, "
            "not the alembic command"
        )
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


run()
