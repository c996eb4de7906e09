"""Witnesses cosigning a board's heads (``docs/board.md`` section 8), against a board operator
who shows two witnesses two histories (a split view), rolls the log back, or changes key."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_verify_support import HEAD_KEY, MANIFEST

from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.errors import InputError
from plebiscite.interfaces.api.witness_client import HttpBoardView
from plebiscite.interfaces.app import create_app
from plebiscite.record.events import Event, EventType
from plebiscite.record.export import export_board
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import publish_manifest
from plebiscite.services.election.witness import LocalBoardView, SplitViewError, cosign, cosign_head
from plebiscite.services.voting.casting import CastingService, SimulatedClock
from plebiscite.verifier.verify import verify_record

# The seed referendum, asking for two cosignatures of the final head.
WITNESSED = dataclasses.replace(
    MANIFEST, trustees=dataclasses.replace(MANIFEST.trustees, head_cosignatures=2)
)
DIGEST = manifest_hash(WITNESSED)
T0 = dt.datetime(2022, 9, 1, 9, tzinfo=dt.UTC)


def _note(text: str) -> Event:
    return Event.create(EventType.OBSERVER_REPORT, {"note": text})


@pytest.fixture(scope="module")
def ceremony() -> tuple[list[Event], list[TrusteeState]]:
    """The first entries of a board: the manifest and a finished key ceremony."""
    board = MemoryBoard()
    publish_manifest(board, WITNESSED, HEAD_KEY.verify_key)
    trustees = [TrusteeState.create(i, DIGEST) for i in range(1, 6)]
    run_local_ceremony(board, trustees, SeededRng(b"witness"), start=T0)
    return [e.event for e in board.entries()], trustees


def _board(events: list[Event], *more: Event) -> MemoryBoard:
    board = MemoryBoard()
    board.append_batch([*events, *more])
    board.sign_head(HEAD_KEY, 1_000)
    return board


def test_a_split_view_is_refused_by_the_witness_and_caught_by_the_verifier(
    ceremony: tuple[list[Event], list[TrusteeState]], tmp_path: Path
) -> None:
    events, trustees = ceremony
    one, two = trustees[0], trustees[2]
    honest = _board(events, _note("the history shown to witness 1"))
    forked = _board(events, _note("the history shown to witness 2"), _note("and more"))
    state_one, cosigned = cosign(LocalBoardView(honest), None, one.signing_key, 1, 5)
    # The operator now shows witness 1 the other history, which is longer: it must not sign.
    with pytest.raises(SplitViewError, match="split view"):
        cosign(LocalBoardView(forked), state_one, one.signing_key, 1, 6)
    cosign(LocalBoardView(forked), None, two.signing_key, 3, 7)  # witness 2 sees only that one
    forked.sign_head(HEAD_KEY, 2_000)
    export_board(forked, tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=1)
    text = " | ".join(str(f) for f in report.checks["V35"].findings)
    assert "carries 2 cosignatures" in text and "has 1" in text
    # Even if the operator copies witness 1's cosignature into the forked log, it names a
    # checkpoint the forked record does not have.
    forked.append(Event.create(EventType.HEAD_COSIGNATURE, cosigned.to_json()))
    forked.sign_head(HEAD_KEY, 3_000)
    export_board(forked, tmp_path / "record2")
    report = verify_record(tmp_path / "record2", workers=1)
    text = " | ".join(str(f) for f in report.checks["V35"].findings)
    assert "shown another history" in text


def test_two_witnesses_of_one_history_satisfy_the_manifest(
    ceremony: tuple[list[Event], list[TrusteeState]], tmp_path: Path
) -> None:
    events, trustees = ceremony
    board = _board(events, _note("first"))
    view = LocalBoardView(board)
    state, _ = cosign(view, None, trustees[0].signing_key, 1, 5)
    board.append(_note("second"))
    board.sign_head(HEAD_KEY, 2_000)
    state, _ = cosign(view, state, trustees[0].signing_key, 1, 6)  # a consistency proof
    cosign(view, None, trustees[1].signing_key, 2, 7)
    assert state.tree_size == board.size() - 2
    board.sign_head(HEAD_KEY, 3_000)
    export_board(board, tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=1)
    assert report.checks["V35"].passed, [str(f) for f in report.checks["V35"].findings]
    assert report.checks["V35"].checked == 4


def test_content_after_the_cosigned_checkpoint_fails(
    ceremony: tuple[list[Event], list[TrusteeState]], tmp_path: Path
) -> None:
    events, trustees = ceremony
    board = _board(events)
    view = LocalBoardView(board)
    cosign(view, None, trustees[0].signing_key, 1, 5)
    cosign(view, None, trustees[1].signing_key, 2, 6)
    board.append(_note("slipped in after the witnesses signed"))
    board.sign_head(HEAD_KEY, 2_000)
    export_board(board, tmp_path / "record")
    text = str(verify_record(tmp_path / "record", workers=1).checks["V35"].findings[0])
    assert "no checkpoint covering entry" in text


def test_a_foreign_cosignature_first_leaves_the_later_ones_counted(
    ceremony: tuple[list[Event], list[TrusteeState]], tmp_path: Path
) -> None:
    """A cosignature of another history lands first; the two honest ones after it still count:
    one finding, the foreign cosignature, at its entry."""
    events, trustees = ceremony
    other = _board(events, _note("another history"))
    _, foreign = cosign(LocalBoardView(other), None, trustees[4].signing_key, 5, 4)
    board = _board(events)
    board.append(Event.create(EventType.HEAD_COSIGNATURE, foreign.to_json()))
    at = board.size() - 1
    board.sign_head(HEAD_KEY, 2_000)
    view = LocalBoardView(board)
    cosign(view, None, trustees[0].signing_key, 1, 5)
    cosign(view, None, trustees[1].signing_key, 2, 6)
    board.sign_head(HEAD_KEY, 3_000)
    export_board(board, tmp_path / "record")
    (finding,) = verify_record(tmp_path / "record", workers=1).checks["V35"].findings
    assert finding.entry == at and "shown another history" in finding.message


def test_an_entry_right_after_the_cosigned_checkpoint_is_not_covered(
    ceremony: tuple[list[Event], list[TrusteeState]], tmp_path: Path
) -> None:
    """The witnesses cosign the head of n entries after entry n was appended: entry n is the
    first one the checkpoint does not cover."""
    events, trustees = ceremony
    board = _board(events)
    board.append(_note("appended before the witnesses came, after the head"))
    view = LocalBoardView(board)
    cosign(view, None, trustees[0].signing_key, 1, 5)
    cosign(view, None, trustees[1].signing_key, 2, 6)
    board.sign_head(HEAD_KEY, 2_000)
    export_board(board, tmp_path / "record")
    (finding,) = verify_record(tmp_path / "record", workers=1).checks["V35"].findings
    assert finding.message == (
        f"no checkpoint covering entry {len(events)} carries 2 cosignatures "
        "(the manifest's trustees.head_cosignatures; the best checkpoint has 2)"
    )


def test_a_rolled_back_log_or_another_key_is_refused(
    ceremony: tuple[list[Event], list[TrusteeState]],
) -> None:
    events, trustees = ceremony
    longer = _board(events, _note("a"), _note("b"))
    state, _ = cosign(LocalBoardView(longer), None, trustees[0].signing_key, 1, 5)
    shorter = _board(events)
    with pytest.raises(SplitViewError, match="rolled back"):
        cosign(LocalBoardView(shorter), state, trustees[0].signing_key, 1, 6)
    other = MemoryBoard()
    other.append_batch([*events, _note("a"), _note("b"), _note("c")])
    other.sign_head(SigningKey(b"\x03" * 32), 1_000)
    with pytest.raises(Exception, match="expected|signed by key"):
        cosign(LocalBoardView(other), state, trustees[0].signing_key, 1, 7)


def test_the_board_refuses_a_cosignature_it_cannot_check(
    ceremony: tuple[list[Event], list[TrusteeState]],
) -> None:
    events, trustees = ceremony
    board = _board(events)
    view = LocalBoardView(board)
    head = view.latest_head()
    stranger = SigningKey(b"\x04" * 32)
    with pytest.raises(Exception, match="invalid cosignature signature"):
        view.post_cosignature(
            cosign_head(stranger, HEAD_KEY.verify_key.hex(), head, 1, 5).to_json()
        )
    forged = dataclasses.replace(head, root_hash=b"\x01" * 32)
    body = cosign_head(trustees[0].signing_key, HEAD_KEY.verify_key.hex(), forged, 1, 5)
    with pytest.raises(InputError, match="not this board's root"):
        view.post_cosignature(body.to_json())
    assert board.size() == len(events)


def test_a_witness_over_http(ceremony: tuple[list[Event], list[TrusteeState]]) -> None:
    events, trustees = ceremony
    board = _board(events, _note("served"))
    service = CastingService(board, HEAD_KEY, SimulatedClock(T0))
    app = create_app(service, admin_token="t")
    with TestClient(app) as client:
        view = HttpBoardView(client)
        state, cosignature = cosign(view, None, trustees[3].signing_key, 4, 9)
    assert state.tree_size == cosignature.tree_size == len(events) + 1
    last = board.entry(board.size() - 1).event
    assert last.type is EventType.HEAD_COSIGNATURE and last.payload["witness"] == 4
