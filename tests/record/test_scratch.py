"""The verifier's on-disk per-voter state behaves as the in-memory mapping it replaces."""

from __future__ import annotations

import os

import pytest

from plebiscite.domain.roll import PublicEntry, roll_commitment
from plebiscite.record.scratch import ScratchBallots, ScratchRoll
from plebiscite.services.verify_voters import roll_commitment_of


def test_the_roll_is_a_mapping_on_disk() -> None:
    roll = ScratchRoll()
    a, b = os.urandom(32).hex(), os.urandom(32).hex()
    roll[a] = PublicEntry(a, "r1", "p1", True)
    roll[b] = PublicEntry(b, "r2", "p9", False, "decision-7")
    assert a in roll and "00" * 32 not in roll and 5 not in roll
    assert roll.get(a) == PublicEntry(a, "r1", "p1", True)
    assert roll[b].added_by == "decision-7"
    assert roll.get("nobody") is None
    with pytest.raises(KeyError):
        roll["nobody"]
    roll[a] = PublicEntry(a, "r1", "p2", False)  # replaced, not duplicated
    assert len(roll) == 2 and roll[a].precinct_id == "p2"
    assert sorted(roll) == sorted([a, b]) and [e.pseudonym for e in roll.values()] == sorted([a, b])
    del roll[b]
    assert list(roll) == [a]
    roll.close()


@pytest.mark.parametrize("odd", [None, "ABCDEF", "ff" * 31 + "0"])
def test_the_streamed_roll_commitment_is_the_roll_commitment(odd: str | None) -> None:
    roll = ScratchRoll()
    mine = [os.urandom(32).hex() for _ in range(50)] + ([odd] if odd else [])
    for p in mine:
        roll[p] = PublicEntry(p, "r1", "p1", False)
    late = os.urandom(32).hex()
    roll[late] = PublicEntry(late, "r1", "p1", False, "added later")
    other = os.urandom(32).hex()
    roll[other] = PublicEntry(other, "r2", "p1", False)
    if odd == "ff" * 31 + "0":  # not hex bytes: both ways refuse it alike
        with pytest.raises(ValueError):
            roll_commitment(b"m" * 64, "r1", mine)
        with pytest.raises(ValueError):
            roll_commitment_of(roll, b"m" * 64, "r1")
        return
    assert roll_commitment_of(roll, b"m" * 64, "r1") == roll_commitment(b"m" * 64, "r1", mine)


def test_ballots_come_back_grouped_by_voter_in_entry_order() -> None:
    table = ScratchBallots()
    table.append("v2", "r", (5, "c5", "booth", "2022-09-23T10:00:00+00:00", None, None))
    table.append("v1", "r", (9, "c9", "mobile", "2022-09-24T10:00:00+00:00", "c3", None))
    table.append("v1", "r", (3, "c3", "mobile", "2022-09-23T10:00:00+00:00", None, None))
    assert len(table) == 3
    groups = [(v, r, [row[0] for row in rows]) for v, r, rows in table.groups()]
    assert groups == [("v1", "r", [3, 9]), ("v2", "r", [5])]
    table.close()
