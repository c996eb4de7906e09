"""The verifier's on-disk per-voter state behaves as the in-memory mapping it replaces."""

from __future__ import annotations

import os

import pytest

from plebiscite.domain.roll import PublicEntry, roll_commitment
from plebiscite.record.scratch import ScratchCheckins, ScratchRoll
from plebiscite.verifier.voters import roll_commitment_of


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


def test_a_check_in_is_found_by_device_and_id_and_counts_its_cast_ballots() -> None:
    table = ScratchCheckins()
    assert table.add("d1", "aa", 4) is None
    assert table.add("d2", "aa", 5) is None
    assert table.add("d1", "aa", 9) == 4  # the same id again on the same device
    assert table.use("d1", "bb", True) is None
    assert table.use("d1", "aa", False) == (4, 0)  # a challenged ballot
    assert table.use("d1", "aa", True) == (4, 0)
    assert table.use("d1", "aa", True) == (4, 1)  # a second cast ballot on one check-in
    assert table.use("d2", "aa", True) == (5, 0)
    table.close()
