"""An in-memory :class:`~plebiscite.record.board.Board` for tests and short-lived tools.

Nothing survives the process; "durable" here means "in this object". It follows exactly the
rules of the SQL boards (they share :class:`~plebiscite.record.board.BoardBase` and the casting
rules of :mod:`~plebiscite.record.guard`), which the behaviour suite in ``tests/record`` checks
by running the same tests on all of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from plebiscite.record.board import (
    BoardBase,
    Committed,
    Entry,
    check_next_head,
    outcomes,
    plan,
)
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard import (
    COMMITMENT_KEY,
    Changes,
    DeviceRow,
    Keys,
    LocationRow,
    View,
    VoterRow,
    judge,
    keys_of,
)
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import Frontier, NodeKey


class MemoryBoard(BoardBase):
    def __init__(self) -> None:
        super().__init__()
        self._data: list[bytes] = []
        self._types: list[str] = []
        self._levels: list[list[bytes]] = []  # _levels[level][index] = complete subtree hash
        self._heads: list[SignedHead] = []
        self._frontier = Frontier()
        self._meta: dict[str, str] = {}
        self._closed: int | None = None
        self._locations: dict[str, LocationRow] = {}
        self._roll: dict[str, tuple[str, str, bool, int]] = {}
        self._devices: dict[str, DeviceRow] = {}
        self._codes: dict[str, tuple[int, str]] = {}
        self._alphas: set[bytes] = set()
        self._voters: dict[tuple[str, str], VoterRow] = {}
        self._regions: dict[str, set[str]] = {}
        self._check_ins: dict[tuple[str, str], tuple[str, int]] = {}

    def size(self) -> int:
        return len(self._data)

    def _read_nodes(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        found = {}
        for level, index in keys:
            if level < len(self._levels) and index < len(self._levels[level]):
                found[(level, index)] = self._levels[level][index]
        return found

    def _view(self, keys: Keys) -> View:
        def copy(row: DeviceRow) -> DeviceRow:
            return dataclasses.replace(row)

        return View(
            closed_entry=self._closed,
            manifest_hash=self._meta.get("manifest_hash"),
            codes={c: self._codes[c] for c in keys.codes if c in self._codes},
            alphas={a for a in keys.alphas if a in self._alphas},
            devices={d: copy(self._devices[d]) for d in keys.devices if d in self._devices},
            roll={v: self._roll[v][0] for v in keys.voters if v in self._roll},
            home_voters={v for v in keys.voters if v in self._roll and self._roll[v][2]},
            voter_ballots={
                (v, r): self._voters[(v, r)] for v in keys.voters for r in self._regions.get(v, ())
            },
            locations={i: self._locations[i] for i in keys.locations if i in self._locations},
            check_ins={k: self._check_ins[k] for k in keys.check_ins if k in self._check_ins},
        )

    def _write(self, changes: Changes) -> None:
        if changes.manifest_hash is not None:
            self._meta["manifest_hash"] = changes.manifest_hash
        for region, commitment in changes.commitments.items():
            self._meta.setdefault(COMMITMENT_KEY.format(region), commitment)
        for location, row in changes.locations:
            self._locations[location] = row
        for voter, region, precinct, home, _decision, seq in changes.roll:
            self._roll[voter] = (region, precinct, home, seq)
        self._devices.update(changes.new_devices)
        self._devices.update(changes.changed_devices)
        self._codes.update({c: (i, k) for c, i, k in changes.codes})
        self._alphas.update(a for a, _ in changes.alphas)
        self._voters.update(changes.new_voters)
        for voter, region in changes.new_voters:
            self._regions.setdefault(voter, set()).add(region)
        self._voters.update(changes.changed_voters)
        self._check_ins.update({(d, c): (v, i) for d, c, v, i in changes.check_ins})
        if changes.closed_entry is not None:
            self._closed = changes.closed_entry

    def _append_locked(self, groups: Sequence[Sequence[Event]]) -> Committed:
        size = len(self._data)
        view = self._view(keys_of([e for events in groups for e in events]))
        view.replica = self.replica
        changes, refused = judge(view, size, groups)
        accepted, results = outcomes(size, groups, refused)
        work = plan(self._frontier, accepted)
        for level, index, value in work.nodes:
            while len(self._levels) <= level:
                self._levels.append([])
            assert len(self._levels[level]) == index, "nodes are completed left to right"
            self._levels[level].append(value)
        self._data.extend(data for _, _, data in work.entries)
        self._types.extend(kind for _, kind, _ in work.entries)
        self._write(changes)
        self._frontier = work.frontier
        return Committed(results, work.frontier.size, work.frontier.root(), work.known_nodes())

    def _read_entries(self, start: int, stop: int) -> list[tuple[int, bytes]]:
        return [(i, self._data[i]) for i in range(start, min(stop, len(self._data)))]

    def _store_head(self, head: SignedHead) -> None:
        with self._write_lock:
            check_next_head(self.latest_head(), head)
            self._heads.append(head)

    def latest_head(self) -> SignedHead | None:
        return self._heads[-1] if self._heads else None

    def heads(self) -> Iterator[SignedHead]:
        return iter(list(self._heads))

    def close(self) -> None:
        """Nothing to release."""

    # --- the casting index --------------------------------------------------------------------

    def device(self, device_id: str) -> DeviceRow | None:
        row = self._devices.get(device_id)
        return None if row is None else dataclasses.replace(row)

    def devices(self) -> dict[str, DeviceRow]:
        return {d: dataclasses.replace(r) for d, r in sorted(self._devices.items())}

    def ballot_code(self, code: str) -> tuple[int, str] | None:
        return self._codes.get(code)

    def check_in_voter(self, device_id: str, checkin: str) -> str | None:
        seen = self._check_ins.get((device_id, checkin))
        return None if seen is None else seen[0]

    def codes_page(
        self, prefix: str, after: str, limit: int
    ) -> tuple[list[tuple[str, int, str]], int]:
        matching = sorted(c for c in self._codes if c.startswith(prefix))
        chosen = [c for c in matching if c > after][:limit]
        return [(c, *self._codes[c]) for c in chosen], len(matching)

    def closed_entry(self) -> int | None:
        return self._closed

    def _roll_order(self) -> list[tuple[str, str, str, bool]]:
        rows = sorted(self._roll.items(), key=lambda item: item[1][3])
        return [(v, r, p, h) for v, (r, p, h, _) in rows]

    def roll_page(self, offset: int, limit: int) -> list[tuple[str, str, str, bool]]:
        return self._roll_order()[offset : offset + limit]

    def roll_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for region, _, _, _ in self._roll.values():
            counts[region] = counts.get(region, 0) + 1
        return counts

    def voters_without_ballot(self, region: str, limit: int) -> list[str]:
        voted = {v for v, r in self._voters if r == region}
        rows = [v for v, r, _, _ in self._roll_order() if r == region and v not in voted]
        return rows[:limit]

    def entries_of_type(self, types: Sequence[EventType], start: int = 0) -> Iterator[Entry]:
        names = {t.value for t in types}
        for index in range(start, len(self._data)):
            if self._types[index] in names:
                yield self.entry(index)

    def get_meta(self, key: str) -> str | None:
        return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self._meta[key] = value
