"""The casting rules held by the board itself, on every backend (``record/guard.py``).

Plays a writer with direct access to the board's append (no casting service in between: a
second server with a bug, or a script) that tries to record what the rules forbid: a forked
chain, a copied ciphertext, a second ballot of a voter, a ballot from a revoked device or
after the close, a second enrolment or close, a ballot without its voter's check-in on the same
device. Each must be refused by the append itself, and a refused append in a group of
concurrent appends must leave the others committed.
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
    EligibilityError,
    ReplayError,
    RevokedDeviceError,
    VotingClosedError,
)
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.record.guard import AlreadyRecordedError
from plebiscite.services.voting.booth import Booth, PreparedBallot


def _event(day: Day, prepared: PreparedBallot, voter: str | None) -> Event:
    """The cast entry of ``prepared``, with ``voter`` beside it (what the casting service
    states as the voter its check-in checked in)."""
    payload: dict[str, Any] = {
        "ballot": prepared.ballot.to_json(),
        "signature": prepared.signature,
        "tracking_code": prepared.tracking_code,
        "received_at": day.clock.now().isoformat(),
    }
    private = None if voter is None else {"voter": voter}
    return Event.create(EventType.BALLOT_CAST, payload, private=private)


def _refused(day: Day, error: type[Exception], event: Event, match: str | None = None) -> None:
    size = day.board.size()
    with pytest.raises(error, match=match):
        day.board.append(event)
    assert day.board.size() == size


def _check_in(day: Day, booth: Booth, voter: str) -> str:
    """Check ``voter`` in on ``booth`` through the service; returns the id."""
    body = booth.check_in(voter)
    day.service.check_in(booth.device_id, voter, body["checkin"], body["signature"])
    return body["checkin"]


@pytest.fixture
def day(make_board: Callable[[], Board]) -> Day:
    return new_day(make_board(), voters=60)


def _booth(day: Day, name: str) -> Booth:
    return day.booth(location(LocationKind.MAKESHIFT_STATION), name)


def test_the_board_refuses_what_the_rules_forbid(day: Day) -> None:
    a, b = _booth(day, "guard-a"), _booth(day, "guard-b")
    voters = [v.pseudonym for v in day.voters()]
    first = a.prepare_vectors(voters[0], [[1, 0]])
    index = day.board.append(_event(day, first, voters[0]))
    a.accepted(first)
    with pytest.raises(AlreadyRecordedError) as seen:
        day.board.append(_event(day, first, voters[0]))
    assert seen.value.index == index
    fork = Booth(a.manifest, a.manifest_hash, a.election_key, "guard-a", a.location.id, a.key)
    _check_in(day, fork, voters[1])
    _refused(day, ChainError, _event(day, fork.prepare_vectors(voters[1], [[1, 0]]), voters[1]))
    second = b.prepare_vectors(voters[0], [[0, 1]])
    _refused(day, DuplicateBallotError, _event(day, second, voters[0]))
    copy = b.prepare_vectors(voters[2], [[1, 0]])
    copied = dataclasses.replace(copy.ballot, answers=first.ballot.answers)
    stolen = PreparedBallot(
        copied, copied.sign(b.key), copied.tracking_code(), b"", (), copy.tag_opening
    )
    _refused(day, ReplayError, _event(day, stolen, voters[2]))
    # The same alpha written with bit 255 set is still the same ciphertext.
    flipped = _event(day, b.prepare_vectors(voters[2], [[1, 0]]), voters[2])
    payload = flipped.payload
    payload["ballot"]["answers"] = first.ballot.to_json()["answers"]
    alpha = bytearray.fromhex(payload["ballot"]["answers"][0]["selections"][0][0])
    alpha[31] |= 0x80
    payload["ballot"]["answers"][0]["selections"][0][0] = alpha.hex()
    payload["tracking_code"] = "ab" * 32
    _refused(
        day, ReplayError, Event.create(EventType.BALLOT_CAST, payload, private={"voter": voters[2]})
    )
    # ... and so is a copied tag.
    tagged = dataclasses.replace(
        b.prepare_vectors(voters[2], [[1, 0]]).ballot, tag=first.ballot.tag
    )
    copied_tag = PreparedBallot(
        tagged, tagged.sign(b.key), tagged.tracking_code(), b"", (), copy.tag_opening
    )
    _refused(day, ReplayError, _event(day, copied_tag, voters[2]))
    enrol = {"device": "guard-a", "location": a.location.id, "public_key": "22" * 32}
    _refused(
        day,
        DeviceExistsError,
        Event.create(EventType.DEVICE_ENROLMENT, {**enrol, "enrolled_at": "x"}),
    )
    revoked = b.prepare_vectors(voters[3], [[1, 0]])  # checked in before the revocation
    late = a.prepare_vectors(voters[4], [[1, 0]])  # ... and before the close
    day.service.revoke_device("guard-b", "lost")
    _refused(day, RevokedDeviceError, _event(day, revoked, voters[3]))
    day.service.close_voting()
    _refused(day, VotingClosedError, _event(day, late, voters[4]))
    _refused(day, VotingClosedError, Event.create(EventType.VOTING_CLOSED, {"closed_at": "x"}))


def test_a_ballot_needs_its_voters_check_in_on_the_same_device(day: Day) -> None:
    """A writer appends a ballot whose check-in id the board never saw, one that another device
    checked in, one stating another voter than the one checked in, or one without the voter
    beside it: each is refused, so no ballot reaches the board without its voter's check-in on
    the device that made it (the one-voter rule reads the voter from there)."""
    a, b = _booth(day, "check-a"), _booth(day, "check-b")
    voters = [v.pseudonym for v in day.voters()]
    b.check_in(voters[0])  # drawn and signed on the device, never sent
    missing = b.prepare_vectors(voters[0], [[1, 0]])
    _refused(day, EligibilityError, _event(day, missing, voters[0]), "no check-in")
    theirs = _check_in(day, a, voters[1])
    b.check_in(voters[1], theirs)  # a's check-in id, on b's ballot
    borrowed = b.prepare_vectors(voters[1], [[1, 0]])
    _refused(day, EligibilityError, _event(day, borrowed, voters[1]), "no check-in")
    _check_in(day, a, voters[2])
    other = a.prepare_vectors(voters[2], [[1, 0]])
    _refused(day, EligibilityError, _event(day, other, voters[3]), "another voter")
    _refused(day, EligibilityError, _event(day, other, None), "check-in's voter")
    # A check-in without its voter, or the same id checking another voter in: refused too.
    body = a.check_in(voters[4])
    check_in = {
        "device": "check-a",
        "checkin": body["checkin"],
        "at": day.clock.now().isoformat(),
        "signature": body["signature"],
    }
    _refused(day, EligibilityError, Event.create(EventType.CHECK_IN, check_in), "the voter")
    again = {**check_in, "checkin": theirs}
    _refused(
        day,
        DuplicateBallotError,
        Event.create(EventType.CHECK_IN, again, private={"voter": voters[4]}),
        "another voter",
    )
    # The ballot with its own check-in and voter goes in; its entry shows the id, not the voter.
    index = day.board.append(_event(day, other, voters[2]))
    entry = day.board.entry(index).event
    assert entry.payload["ballot"]["checkin"] == a.checkins[voters[2]]
    assert voters[2] not in entry.data.decode()


def test_a_refused_append_in_a_group_leaves_the_others_committed(day: Day) -> None:
    booths = [_booth(day, f"group-{i}") for i in range(6)]
    voters = [v.pseudonym for v in day.voters()]
    # Device 0 sends two ballots on one chain head: one of them must be refused.
    ballots = [b.prepare_vectors(voters[i], [[1, 0]]) for i, b in enumerate(booths)]
    ballots.append(booths[0].prepare_vectors(voters[10], [[0, 1]]))
    owners = [*voters[: len(booths)], voters[10]]
    outcomes: list[object] = [None] * len(ballots)
    start = threading.Barrier(len(ballots))

    def send(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = day.board.append(_event(day, ballots[i], owners[i]))
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
