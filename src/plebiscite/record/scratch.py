"""The verifier's per-voter state on disk: a temporary SQLite database (``sqlite3``).

The verifier must remember, for every voter, the roll entry (to check each ballot's voter)
and every cast ballot (the one-voter rule is settled after the last one). In memory that is
about a kilobyte per voter; here it is a private temporary database that SQLite deletes when
it is closed, with a small page cache, so the verifier's memory stays flat in the number of
voters (``docs/verifier.md``, memory). Nothing here is part of the record or trusted: it is
scratch space filled from ``events.jsonl`` and read back once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, MutableMapping
from typing import Final

from plebiscite.domain.roll import PublicEntry

_CACHE_KIB: Final = 16_384

#: What the one-voter rule keeps of a cast ballot:
#: (entry, tracking code, location kind, order time ISO (cast_at of an upload, else
#: received_at), supersedes or None, overruled_by or None).
BallotRow = tuple[int, str, str, str, str | None, str | None]


def _connect() -> sqlite3.Connection:
    db = sqlite3.connect("", isolation_level=None)  # "": a private temporary file
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
    db.execute("PRAGMA temp_store = FILE")
    return db


class ScratchRoll(MutableMapping[str, PublicEntry]):
    """pseudonym -> :class:`PublicEntry`, on disk; iteration in pseudonym order."""

    def __init__(self) -> None:
        self._db = _connect()
        self._db.execute(
            "CREATE TABLE voter (pseudonym TEXT PRIMARY KEY, region TEXT NOT NULL, "
            "precinct TEXT NOT NULL, home INTEGER NOT NULL, added_by TEXT) WITHOUT ROWID"
        )
        self._db.execute("BEGIN")  # one open transaction: no commit per insert

    def __getitem__(self, pseudonym: str) -> PublicEntry:
        found = self.get(pseudonym)
        if found is None:
            raise KeyError(pseudonym)
        return found

    def get(self, pseudonym: str, default: PublicEntry | None = None) -> PublicEntry | None:  # type: ignore[override]
        row = self._db.execute(
            "SELECT region, precinct, home, added_by FROM voter WHERE pseudonym = ?", (pseudonym,)
        ).fetchone()
        if row is None:
            return default
        return PublicEntry(pseudonym, row[0], row[1], bool(row[2]), row[3])

    def __contains__(self, pseudonym: object) -> bool:
        if not isinstance(pseudonym, str):
            return False
        found = self._db.execute("SELECT 1 FROM voter WHERE pseudonym = ?", (pseudonym,))
        return found.fetchone() is not None

    def __setitem__(self, pseudonym: str, entry: PublicEntry) -> None:
        self._db.execute(
            "INSERT INTO voter VALUES (?, ?, ?, ?, ?) ON CONFLICT (pseudonym) DO UPDATE SET "
            "region = excluded.region, precinct = excluded.precinct, home = excluded.home, "
            "added_by = excluded.added_by",
            (pseudonym, entry.region_id, entry.precinct_id, int(entry.home_voting), entry.added_by),
        )

    def __delitem__(self, pseudonym: str) -> None:
        if self._db.execute("DELETE FROM voter WHERE pseudonym = ?", (pseudonym,)).rowcount == 0:
            raise KeyError(pseudonym)

    def __iter__(self) -> Iterator[str]:
        for (pseudonym,) in self._db.execute("SELECT pseudonym FROM voter ORDER BY pseudonym"):
            yield pseudonym

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM voter").fetchone()[0])

    def values(self) -> Iterator[PublicEntry]:  # type: ignore[override]
        """Every entry, streamed in pseudonym order (never all in memory)."""
        rows = self._db.execute(
            "SELECT pseudonym, region, precinct, home, added_by FROM voter ORDER BY pseudonym"
        )
        for pseudonym, region, precinct, home, added_by in rows:
            yield PublicEntry(pseudonym, region, precinct, bool(home), added_by)

    def original_pseudonyms(self, region: str) -> tuple[int, Iterator[str]]:
        """How many voters the published roll of ``region`` lists (no later additions), and
        their pseudonyms in text order, streamed."""
        where = "WHERE region = ? AND added_by IS NULL"
        (count,) = self._db.execute(f"SELECT count(*) FROM voter {where}", (region,)).fetchone()
        rows = self._db.execute(
            f"SELECT pseudonym FROM voter {where} ORDER BY pseudonym", (region,)
        )
        return int(count), (pseudonym for (pseudonym,) in rows)

    def close(self) -> None:
        self._db.close()


class ScratchBallots:
    """Cast ballots by (voter, region), on disk; read back grouped, in entry order."""

    def __init__(self) -> None:
        self._db = _connect()
        self._db.execute(
            "CREATE TABLE ballot (voter TEXT NOT NULL, region TEXT NOT NULL, entry INTEGER "
            "NOT NULL, code TEXT NOT NULL, kind TEXT NOT NULL, received_at TEXT NOT NULL, "
            "supersedes TEXT, overruled_by TEXT)"
        )
        self._db.execute("BEGIN")
        self._rows = 0

    def append(self, voter: str, region: str, row: BallotRow) -> None:
        self._db.execute(
            "INSERT INTO ballot VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (voter, region, *row)
        )
        self._rows += 1

    def __len__(self) -> int:
        return self._rows

    def groups(self) -> Iterator[tuple[str, str, list[BallotRow]]]:
        """(voter, region, that voter's ballots in entry order), voter by voter."""
        rows = self._db.execute(
            "SELECT voter, region, entry, code, kind, received_at, supersedes, overruled_by "
            "FROM ballot "
            "ORDER BY voter, region, entry"
        )
        current: tuple[str, str] | None = None
        group: list[BallotRow] = []
        for voter, region, entry, code, kind, received_at, supersedes, overruled in rows:
            if (voter, region) != current:
                if current is not None:
                    yield current[0], current[1], group
                current, group = (voter, region), []
            group.append((entry, code, kind, received_at, supersedes, overruled))
        if current is not None:
            yield current[0], current[1], group

    def close(self) -> None:
        self._db.close()


__all__ = ["BallotRow", "ScratchBallots", "ScratchRoll"]
