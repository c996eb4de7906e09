"""The key ceremony against a minority that tries to steer it (``docs/ceremony.md``).

Each test plays an attacker: colluding trustees filing baseless complaints and finishing at
once, a late complaint after the key, a second election key, a transport key nothing can be
sealed to, a trustee's announcement swapped by someone else.
"""

from __future__ import annotations

import datetime as dt

import pytest
from test_verify_support import DIGEST, HEAD_KEY, MANIFEST

from plebiscite.crypto.group import Point
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ceremony import SIGNATURE_TAG, check_box_key, unsigned
from plebiscite.errors import InputError
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.ceremony.steps import (
    TrusteeState,
    announce,
    answer_complaints,
    check_shares,
    confirm_key_share,
    deal_shares,
    election_transcript,
    finish,
    post_signed,
    run_local_ceremony,
    transcript_from,
)
from plebiscite.services.election.definition import (
    load_election,
    publish_election_key,
    publish_manifest,
)
from plebiscite.services.voting.casting import CastingService, SimulatedClock

T0 = dt.datetime(2022, 9, 1, 9, tzinfo=dt.UTC)
WINDOW = dt.timedelta(minutes=MANIFEST.trustees.complaint_window_minutes)


def _at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _dealt_board() -> tuple[MemoryBoard, list[TrusteeState]]:
    """Five trustees who announced, dealt honestly and checked their shares."""
    board = MemoryBoard()
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    states = [TrusteeState.create(i, DIGEST) for i in range(1, 6)]
    rng = SeededRng(b"minority")
    for i, state in enumerate(states):
        announce(board, state, _at(i))
    for i, state in enumerate(states):
        deal_shares(board, state, rng, now=_at(10 + i))
    for i, state in enumerate(states):
        assert check_shares(board, state, _at(20 + i)) == []
    return board, states


def _complain(board: MemoryBoard, by: TrusteeState, against: int, at: dt.datetime) -> None:
    """A complaint posted by hand: the complainer's shares were fine (a baseless one)."""
    _, transcript = election_transcript(board)
    post_signed(
        board,
        by,
        {"step": "complaint", "against": against, "reason": "the share does not match"},
        context=transcript.context,
        at=at,
    )


def test_two_colluders_cannot_exclude_an_honest_dealer_by_finishing_at_once() -> None:
    board, states = _dealt_board()
    _complain(board, states[0], 3, _at(30))
    _complain(board, states[1], 3, _at(31))
    with pytest.raises(InputError, match="trustee 3 may answer the complaint of trustee 1"):
        finish(board, _at(32))
    with pytest.raises(InputError, match="may answer"):
        finish(board, _at(30) + WINDOW - dt.timedelta(seconds=1))
    assert answer_complaints(board, states[2], _at(60)) == [1, 2]
    summary = finish(board, _at(61))  # every complaint answered: no need to wait
    assert summary["qualified"] == [1, 2, 3, 4, 5]
    assert summary["unanswered_complaints"] == []


def test_an_honest_dealer_answering_a_false_complaint_stays_qualified() -> None:
    board, states = _dealt_board()
    _complain(board, states[0], 3, _at(30))
    answer_complaints(board, states[2], _at(40))
    _, transcript = election_transcript(board)
    assert (3, 1) in transcript.answers
    assert 3 not in transcript.disqualified()
    summary = finish(board, _at(50))
    assert 3 in summary["qualified"]
    # The complainer's key share, with the revealed share, matches its public share.
    for i, state in enumerate(states):
        confirm_key_share(board, state, _at(60 + i))
    election = load_election(board)
    assert election.public_shares[1] == Point.base_mul(states[0].secret_share or 0)  # type: ignore[arg-type]


def test_a_silent_accused_dealer_is_disqualified_once_the_window_passed() -> None:
    board, states = _dealt_board()
    _complain(board, states[0], 3, _at(30))
    summary = finish(board, _at(30) + WINDOW)
    assert 3 not in summary["qualified"]
    assert summary["unanswered_complaints"] == [[3, 1]]


def test_messages_after_the_election_key_are_refused_and_do_not_count() -> None:
    board = MemoryBoard()
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    states = [TrusteeState.create(i, DIGEST) for i in range(1, 6)]
    summary = run_local_ceremony(board, states, SeededRng(b"late"), start=T0)
    key_before = load_election(board).election_key
    later = T0 + dt.timedelta(days=1)
    with pytest.raises(InputError, match="election key is published"):
        answer_complaints(board, states[0], later)
    # A colluder appends a complaint anyway, by hand: it changes nothing.
    _complain(board, states[1], 3, later)
    election, transcript = election_transcript(board)
    assert transcript.qualified() == summary["qualified"]
    assert transcript.ignored == [board.size() - 1]
    assert election.election_key == key_before


def test_a_second_election_key_is_refused_and_never_adopted() -> None:
    board = MemoryBoard()
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    states = [TrusteeState.create(i, DIGEST) for i in range(1, 6)]
    run_local_ceremony(board, states, SeededRng(b"second"), start=T0)
    first = load_election(board).election_key
    assert first is not None
    with pytest.raises(InputError, match="never changes"):
        finish(board, T0 + dt.timedelta(days=1))
    rogue = Point.base_mul(SeededRng(b"rogue").scalar())
    publish_election_key(board, rogue, 1, [1], {1: rogue})  # written straight to the board
    assert load_election(board).election_key == first
    service = CastingService(board, HEAD_KEY, SimulatedClock(T0))
    assert service.election.election_key == first


def test_a_transport_key_that_cannot_seal_is_refused() -> None:
    with pytest.raises(InputError, match="cannot receive shares"):
        check_box_key(bytes(32))
    board = MemoryBoard()
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    state = TrusteeState.create(1, DIGEST)
    _, transcript = election_transcript(board)
    payload = {
        "step": "announce",
        "sign_key": state.signing_key.verify_key.hex(),
        "box_key": "00" * 32,
        "trustee": 1,
        "context": transcript.context.hex(),
        "at": T0.isoformat(),
    }
    payload["signature"] = state.signing_key.sign(SIGNATURE_TAG, unsigned(payload)).hex()
    board.append(Event.create(EventType.CEREMONY_MESSAGE, payload))
    _, transcript = election_transcript(board)
    assert 1 not in transcript.keys
    assert "cannot receive shares" in transcript.problems[0]
    announce(board, state, _at(1))  # the trustee can still announce a working key
    _, transcript = election_transcript(board)
    assert transcript.keys[1][1] == state.box_keys[0]


def test_a_trustee_replaces_its_announcement_until_dealing_begins() -> None:
    board = MemoryBoard()
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    states = [TrusteeState.create(i, DIGEST) for i in range(1, 6)]
    for i, state in enumerate(states):
        announce(board, state, _at(i))
    states[2].rekey()
    announce(board, states[2], _at(10))
    _, transcript = election_transcript(board)
    assert transcript.keys[3] == (states[2].signing_key.verify_key, states[2].box_keys[0])
    deal_shares(board, states[0], SeededRng(b"d"), now=_at(11))
    with pytest.raises(InputError, match="dealing has begun"):
        announce(board, states[2], _at(12))


def test_nobody_else_can_replace_a_trustees_announcement() -> None:
    board = MemoryBoard()
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    honest = TrusteeState.create(2, DIGEST)
    announce(board, honest, _at(0))
    squatter = TrusteeState.create(2, DIGEST)  # signs with its own key, not the announced one
    announce(board, squatter, _at(1))
    _, transcript = election_transcript(board)
    assert transcript.keys[2][0] == honest.signing_key.verify_key
    assert any("invalid ceremony signature" in p for p in transcript.problems)


def test_every_ceremony_signature_covers_the_board_key() -> None:
    board, _ = _dealt_board()
    manifest = MANIFEST
    entries = list(board.entries())
    good = transcript_from(manifest, DIGEST, entries, HEAD_KEY.verify_key.hex())
    assert good.problems == [] and len(good.deals) == 5
    other = SigningKey(bytes(32)).verify_key.hex()
    moved = transcript_from(manifest, DIGEST, entries, other)
    assert moved.keys == {} and moved.deals == {}
    assert all("another ceremony context" in p for p in moved.problems)


def test_a_message_dated_before_the_previous_one_does_not_count() -> None:
    board, states = _dealt_board()
    with pytest.raises(InputError, match="set the clock right"):
        answer_complaints(board, states[0], T0)
    _complain(board, states[0], 3, T0)  # backdated by hand, to open an early window
    _, transcript = election_transcript(board)
    assert transcript.complaints == {}
    assert "before the previous message" in transcript.problems[-1]
