"""The casting rules held by the board itself, on every backend (``record/guard.py``).

Plays a writer with direct access to the board's append (no casting service in between: a
second server with a bug, or a script) that tries to record what the rules forbid: a forked
chain, a copied ciphertext, a second ballot of a voter, a ballot from a revoked device or
after the close, a second enrolment or close. Each must be refused by the append itself, and
a refused append in a group of concurrent appends must leave the others committed.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from voting_support import Day, location, new_day

from plebiscite.domain.manifest import LocationKind
from plebiscite.errors import (
    ChainError,
    DeviceExistsError,
    DuplicateBallotError,
    ReplayError,
    RevokedDeviceError,
    VotingClosedError,
)
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard import AlreadyRecordedError
from plebiscite.services.booth import Booth, PreparedBallot


def _event(day: Day, prepared: PreparedBallot, supersedes: str | None = None) -> Event:
    payload: dict[str, Any] = {
        "ballot": prepared.ballot.to_json(),
        "signature": prepared.signature,
        "tracking_code": prepared.tracking_code,
        "received_at": day.clock.now().isoformat(),
        "supersedes": supersedes,
    }
    return Event.create(EventType.BALLOT_CAST, payload)


@pytest.fixture
def day(make_board: Callable[[], Board]) -> Day:
    return new_day(make_board(), voters=60)


def _booth(day: Day, name: str) -> Booth:
    return day.booth(location(LocationKind.MAKESHIFT_STATION), name)


def test_the_board_refuses_what_the_rules_forbid(day: Day) -> None:
    a, b = _booth(day, "guard-a"), _booth(day, "guard-b")
    voters = [v.pseudonym for v in day.voters()]
    first = a.prepare_vectors(voters[0], [[1, 0]])
    size = day.board.size()
    index = day.board.append(_event(day, first))
    a.accepted(first)
    with pytest.raises(AlreadyRecordedError) as seen:
        day.board.append(_event(day, first))
    assert seen.value.index == index
    fork = Booth(a.manifest, a.manifest_hash, a.election_key, "guard-a", a.location.id, a.key)
    with pytest.raises(ChainError):
        day.board.append(_event(day, fork.prepare_vectors(voters[1], [[1, 0]])))
    with pytest.raises(DuplicateBallotError):
        day.board.append(_event(day, b.prepare_vectors(voters[0], [[0, 1]])))
    copy = b.prepare_vectors(voters[2], [[1, 0]])
    copied = dataclasses.replace(copy.ballot, answers=first.ballot.answers)
    with pytest.raises(ReplayError):
        day.board.append(
            _event(day, PreparedBallot(copied, copied.sign(b.key), copied.tracking_code(), b"", ()))
        )
    # The same alpha written with bit 255 set is still the same ciphertext.
    flipped = _event(day, b.prepare_vectors(voters[2], [[1, 0]]))
    payload = flipped.payload
    payload["ballot"]["answers"] = first.ballot.to_json()["answers"]
    alpha = bytearray.fromhex(payload["ballot"]["answers"][0]["selections"][0][0])
    alpha[31] |= 0x80
    payload["ballot"]["answers"][0]["selections"][0][0] = alpha.hex()
    payload["tracking_code"] = "ab" * 32
    with pytest.raises(ReplayError):
        day.board.append(Event.create(EventType.BALLOT_CAST, payload))
    enrol = {"device": "guard-a", "location": a.location.id, "public_key": "22" * 32}
    with pytest.raises(DeviceExistsError):
        day.board.append(Event.create(EventType.DEVICE_ENROLMENT, {**enrol, "enrolled_at": "x"}))
    day.service.revoke_device("guard-b", "lost")
    with pytest.raises(RevokedDeviceError):
        day.board.append(_event(day, b.prepare_vectors(voters[3], [[1, 0]])))
    day.service.close_voting()
    with pytest.raises(VotingClosedError):
        day.board.append(_event(day, a.prepare_vectors(voters[4], [[1, 0]])))
    with pytest.raises(VotingClosedError):
        day.board.append(Event.create(EventType.VOTING_CLOSED, {"closed_at": "x"}))
    # Only the first ballot, the revocation and the close were appended.
    assert day.board.size() == size + 3


def test_a_refused_append_in_a_group_leaves_the_others_committed(day: Day) -> None:
    booths = [_booth(day, f"group-{i}") for i in range(6)]
    voters = [v.pseudonym for v in day.voters()]
    # Device 0 sends two ballots on one chain head: one of them must be refused.
    ballots = [b.prepare_vectors(voters[i], [[1, 0]]) for i, b in enumerate(booths)]
    ballots.append(booths[0].prepare_vectors(voters[10], [[0, 1]]))
    outcomes: list[object] = [None] * len(ballots)
    start = threading.Barrier(len(ballots))

    def send(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = day.board.append(_event(day, ballots[i]))
        except ChainError as error:
            outcomes[i] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(ballots))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [o for o in outcomes if isinstance(o, ChainError)]
    accepted = [o for o in outcomes if isinstance(o, int)]
    assert len(refused) == 1 and len(accepted) == len(ballots) - 1
    assert sorted(accepted) == list(range(min(accepted), min(accepted) + len(accepted)))
    assert day.board.check() == day.board.size()
