"""An offline device's durable local store: its enrolment, its region's roll and its queue.

One SQLite file per device (``docs/devices.md``). Every write is its own transaction with
``synchronous=FULL`` (rollback journal): when :meth:`DeviceQueue.append` returns, the row
survives a power cut or a ``kill -9``; the device shows a receipt only after that. The queue
holds the device's check-ins and cast ballots in the order it made them (``seq``); a row is
marked synced with the board's receipt once the board took it, so a sync killed half way
resumes where it stopped, and a row sent twice gets the same receipt from the board.

The file holds the device's signing key: it is the device's secret, as a booth's key is.
Nothing here checks a signature; :mod:`plebiscite.services.voting.device` signs and checks.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plebiscite.errors import InputError, NotFoundError

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS roll (voter TEXT PRIMARY KEY, home_voting INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS queue (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
    "voter TEXT NOT NULL, body TEXT NOT NULL, code TEXT, receipt TEXT)",
    "CREATE TABLE IF NOT EXISTS refusal (seq INTEGER PRIMARY KEY, voter TEXT NOT NULL, "
    "at TEXT NOT NULL, reason TEXT NOT NULL)",
)


@dataclass(frozen=True)
class QueueRow:
    seq: int
    kind: str  # "check_in" or "cast"
    voter: str
    body: dict[str, Any]
    code: str | None
    receipt: dict[str, Any] | None  # the board's, once synced


class DeviceQueue:
    """The device's SQLite file (created by :meth:`create`, opened by :meth:`open`)."""

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self.path = path
        self._db = db

    @classmethod
    def create(cls, path: Path) -> DeviceQueue:
        if path.exists():
            raise InputError(f"{path} exists already: a device's queue is never overwritten")
        return cls._connect(path)

    @classmethod
    def open(cls, path: Path) -> DeviceQueue:
        if not path.is_file():
            raise InputError(f"no device queue at {path} (run `plebiscite device init`)")
        queue = cls._connect(path)
        try:
            queue.meta("device")
        except (NotFoundError, sqlite3.DatabaseError) as exc:
            queue.close()
            raise InputError(f"{path} is not an enrolled device's queue") from exc
        return queue

    @classmethod
    def _connect(cls, path: Path) -> DeviceQueue:
        try:
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("PRAGMA journal_mode=DELETE")
            db.execute("PRAGMA synchronous=FULL")
            for statement in _SCHEMA:
                db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path} is not a device queue: {exc}") from exc
        return cls(path, db)

    def close(self) -> None:
        self._db.close()

    # --- enrolment and roll -------------------------------------------------------------------

    def set_meta(self, values: dict[str, str]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)", sorted(values.items())
            )

    def meta(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise NotFoundError(f"the device queue has no {key!r}")
        return str(row[0])

    def store_roll(self, voters: list[tuple[str, bool]]) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM roll")
            self._db.executemany("INSERT INTO roll VALUES (?, ?)", [(v, int(h)) for v, h in voters])

    def roll_entry(self, voter: str) -> bool | None:
        """The voter's home-voting application (True/False), or None if not on the roll."""
        row = self._db.execute("SELECT home_voting FROM roll WHERE voter = ?", (voter,)).fetchone()
        return None if row is None else bool(row[0])

    def roll_size(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM roll").fetchone()[0])

    # --- the queue ----------------------------------------------------------------------------

    def append(self, kind: str, voter: str, body: dict[str, Any], code: str | None,
               chain_head: str | None = None) -> int:  # fmt: skip
        """Write one row durably (and the chain head it leaves, in the same transaction)."""
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO queue (kind, voter, body, code) VALUES (?, ?, ?, ?)",
                (kind, voter, json.dumps(body, sort_keys=True), code),
            )
            if chain_head is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('chain_head', ?)", (chain_head,)
                )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def refuse(self, voter: str, at: str, reason: str) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT INTO refusal (voter, at, reason) VALUES (?, ?, ?)", (voter, at, reason)
            )

    def refusals(self) -> list[tuple[str, str, str]]:
        rows = self._db.execute("SELECT voter, at, reason FROM refusal ORDER BY seq")
        return [(str(v), str(a), str(r)) for v, a, r in rows]

    def mark_synced(self, seq: int, receipt: dict[str, Any]) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE queue SET receipt = ? WHERE seq = ?",
                (json.dumps(receipt, sort_keys=True), seq),
            )

    def rows(self, unsynced_only: bool = False) -> list[QueueRow]:
        sql = "SELECT seq, kind, voter, body, code, receipt FROM queue"
        if unsynced_only:
            sql += " WHERE receipt IS NULL"
        out = []
        for seq, kind, voter, body, code, receipt in self._db.execute(sql + " ORDER BY seq"):
            try:
                parsed = json.loads(body)
                synced = None if receipt is None else json.loads(receipt)
            except ValueError as exc:
                raise InputError(f"queue row {seq} is not JSON: the file was edited") from exc
            out.append(QueueRow(int(seq), str(kind), str(voter), parsed, code, synced))
        return out

    def checked_in(self, voter: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM queue WHERE kind = 'check_in' AND voter = ?", (voter,)
        ).fetchone()
        return row is not None

    def has_cast(self, voter: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM queue WHERE kind = 'cast' AND voter = ?", (voter,)
        ).fetchone()
        return row is not None

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


__all__ = ["DeviceQueue", "QueueRow"]
