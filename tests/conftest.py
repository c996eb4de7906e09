"""Fixtures shared by every test package.

``pg_url``: PostgreSQL from ``PLEBISCITE_TEST_PG`` (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets a fresh schema, put
first on the search path through the URL, and dropped afterwards. Without the variable or a
reachable server the test is skipped, saying why, unless ``PLEBISCITE_REQUIRE_PG`` is set: then
it fails. CI (``.ci/run``) sets both, and stops first if the server does not answer.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from functools import cache
from urllib.parse import quote

import pytest
import sqlalchemy as sa

PG_ENV = "PLEBISCITE_TEST_PG"
REQUIRE_ENV = "PLEBISCITE_REQUIRE_PG"


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
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{REQUIRE_ENV} is set but {reason}")
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
