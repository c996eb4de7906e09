"""The verifier's per-voter state, kept on disk (:mod:`plebiscite.record.scratch`).

The one-voter rule (V21) can only be settled once every ballot is read, so the verifier keeps
what the rule needs of every cast ballot, grouped by voter; and it keeps the roll to check
each ballot's voter (V16). Both live in a temporary SQLite database rather than in Python
objects (about a kilobyte per voter), so verifying a million ballots needs no more memory
than verifying ten thousand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from plebiscite.crypto.hashing import PROTOCOL, encode
from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.roll import COMMITMENT_TAG, roll_commitment
from plebiscite.record.scratch import ScratchBallots, ScratchRoll


@dataclass
class VoterBallot:
    """What the one-voter rule needs of a cast ballot (kept per voter, never per device)."""

    code: str
    kind: LocationKind
    received_at: dt.datetime
    supersedes: str | None
    entry: int
    overruled_by: str | None = None  # an upload recorded after the voter's booth ballot


def roll_commitment_of(roll: ScratchRoll, manifest_hash: bytes, region: str) -> bytes:
    """:func:`plebiscite.domain.roll.roll_commitment` of the region's published roll, hashed
    as the pseudonyms stream out of the on-disk roll (never all in memory).

    The hash input is ``encode(PROTOCOL, tag, manifest_hash, region, [p_1, ..., p_n])`` with the
    pseudonyms' bytes sorted; SQLite's text order is that order when every pseudonym is 64
    lowercase hex digits, the form the roll promises. Anything else is hashed the slow way.
    """
    count, pseudonyms = roll.original_pseudonyms(region)
    digest = hashlib.sha512(encode(PROTOCOL, COMMITMENT_TAG, manifest_hash, region))
    digest.update(b"L" + count.to_bytes(8, "big"))
    head = b"B" + (32).to_bytes(8, "big")
    for p in pseudonyms:
        if not _HEX64.fullmatch(p):
            _, again = roll.original_pseudonyms(region)
            return roll_commitment(manifest_hash, region, again)
        digest.update(head + bytes.fromhex(p))
    return digest.digest()


_HEX64 = re.compile("[0-9a-f]{64}")


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
            ballot.overruled_by,
        )
        self._table.append(key[0], key[1], row)

    def __len__(self) -> int:
        return len(self._table)

    def items(self) -> Iterator[tuple[tuple[str, str], list[VoterBallot]]]:
        for voter, region, rows in self._table.groups():
            yield (
                (voter, region),
                [
                    VoterBallot(
                        code, LocationKind(kind), dt.datetime.fromisoformat(at), sup, entry, over
                    )
                    for entry, code, kind, at, sup, over in rows
                ],
            )

    def close(self) -> None:
        self._table.close()


__all__ = ["VoterBallot", "VoterBallots", "roll_commitment_of"]
