"""The verifier's per-voter state, kept on disk (:mod:`plebiscite.record.scratch`).

The one-voter rule (V21) can only be settled once every ballot is read, so the verifier keeps
what the rule needs of every cast ballot, grouped by voter; and it keeps the roll to check
each ballot's voter (V16). Both live in a temporary SQLite database rather than in Python
objects (about a kilobyte per voter), so verifying a million ballots needs no more memory
than verifying ten thousand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from plebiscite.domain.manifest import LocationKind
from plebiscite.record.scratch import ScratchBallots


@dataclass
class VoterBallot:
    """What the one-voter rule needs of a cast ballot (kept per voter, never per device)."""

    code: str
    kind: LocationKind
    received_at: dt.datetime
    supersedes: str | None
    entry: int


class VoterBallots:
    """(voter, region) -> that voter's cast ballots, in entry order, on disk."""

    def __init__(self) -> None:
        self._table = ScratchBallots()

    def append(self, key: tuple[str, str], ballot: VoterBallot) -> None:
        row = (
            ballot.entry,
            ballot.code,
            ballot.kind.value,
            ballot.received_at.isoformat(),
            None if ballot.supersedes is None else str(ballot.supersedes),
        )
        self._table.append(key[0], key[1], row)

    def __len__(self) -> int:
        return len(self._table)

    def items(self) -> Iterator[tuple[tuple[str, str], list[VoterBallot]]]:
        for voter, region, rows in self._table.groups():
            yield (
                (voter, region),
                [
                    VoterBallot(code, LocationKind(kind), dt.datetime.fromisoformat(at), sup, entry)
                    for entry, code, kind, at, sup in rows
                ],
            )

    def close(self) -> None:
        self._table.close()


__all__ = ["VoterBallot", "VoterBallots"]
