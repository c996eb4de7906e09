"""The verifier's per-voter state on disk: a temporary SQLite database (``sqlite3``).

The verifier must remember every voter's roll entry (to recompute the roll commitments and
count the registered voters) and every check-in (a ballot names the check-in it was cast
under). In memory that is hundreds of bytes per voter; here it is a private temporary
database that SQLite deletes when it is closed, with a small page cache, so the verifier's
memory stays flat in the number of voters (``docs/verifier.md``, memory). Nothing here is
part of the record or trusted: it is scratch space filled from ``events.jsonl``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, MutableMapping
from typing import Final

from plebiscite.domain.roll import PublicEntry

_CACHE_KIB: Final = 16_384


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


class ScratchCheckins:
    """Check-ins by (device, check-in id), on disk: where each was posted and how many cast
    ballots named it so far."""

    def __init__(self) -> None:
        self._db = _connect()
        self._db.execute(
            "CREATE TABLE checkin (device TEXT NOT NULL, checkin TEXT NOT NULL, entry INTEGER "
            "NOT NULL, casts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (device, checkin)) "
            "WITHOUT ROWID"
        )
        self._db.execute("BEGIN")

    def add(self, device: str, checkin: str, entry: int) -> int | None:
        """Record a check-in; returns the entry of an earlier one with the same id, if any."""
        row = self._db.execute(
            "SELECT entry FROM checkin WHERE device = ? AND checkin = ?", (device, checkin)
        ).fetchone()
        if row is not None:
            return int(row[0])
        self._db.execute(
            "INSERT INTO checkin (device, checkin, entry) VALUES (?, ?, ?)",
            (device, checkin, entry),
        )
        return None

    def use(self, device: str, checkin: str, cast: bool) -> tuple[int, int] | None:
        """A ballot names the check-in: (its entry, cast ballots that named it before), or
        None if the device never posted it; a cast ballot is counted."""
        row = self._db.execute(
            "SELECT entry, casts FROM checkin WHERE device = ? AND checkin = ?", (device, checkin)
        ).fetchone()
        if row is None:
            return None
        if cast:
            self._db.execute(
                "UPDATE checkin SET casts = casts + 1 WHERE device = ? AND checkin = ?",
                (device, checkin),
            )
        return int(row[0]), int(row[1])

    def close(self) -> None:
        self._db.close()
