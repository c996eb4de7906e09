"""The behaviour every board must have, run on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from plebiscite.crypto.signing import SigningKey
from plebiscite.errors import InputError, RecordError, SignatureError
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.record.heads import SignedHead, sign_head
from plebiscite.record.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

KEY = SigningKey(bytes(range(32)))


def ballots(n: int, start: int = 0) -> list[Event]:
    return [Event.create(EventType.BALLOT_CAST, {"n": i}) for i in range(start, start + n)]


def test_a_new_board_is_empty(board: Board) -> None:
    assert isinstance(board, Board)
    assert board.size() == 0
    assert board.root() == EMPTY_ROOT
    assert list(board.entries()) == []
    assert board.latest_head() is None


def test_appends_return_consecutive_indices_and_read_back(board: Board) -> None:
    assert board.append(Event.create("manifest", {"title": "seed"})) == 0
    assert board.append_batch(ballots(5)) == [1, 2, 3, 4, 5]
    assert board.append_batch([]) == []
    assert board.size() == 6
    assert board.entry(0).event.payload == {"title": "seed"}
    assert [e.event.payload["n"] for e in board.entries(2, 4)] == [1, 2]
    assert [e.index for e in board.entries()] == list(range(6))
    leaves = [leaf_hash(e.event.data) for e in board.entries()]
    assert board.root() == root_of(leaves)
    assert board.root(3) == root_of(leaves[:3])


def test_streaming_crosses_chunk_boundaries(board: Board) -> None:
    board.append_batch(ballots(2500))
    seen = [entry.event.payload["n"] for entry in board.entries(995, 2010)]
    assert seen == list(range(995, 2010))


def test_every_proof_verifies_against_roots(board: Board) -> None:
    board.append_batch(ballots(37))
    roots = {n: board.root(n) for n in range(38)}
    for index in range(37):
        for size in (index + 1, 20, 37):
            if size > index:
                proof = board.inclusion_proof(index, size)
                verify_inclusion(proof, board.entry(index).leaf_hash, roots[size])
    for first in range(38):
        verify_consistency(board.consistency_proof(first), roots[first], roots[37])


def test_bad_requests_name_what_is_wrong(board: Board) -> None:
    board.append_batch(ballots(3))
    with pytest.raises(InputError, match="no entry 3: the board has 3 entries"):
        board.entry(3)
    with pytest.raises(InputError, match="leaf index 3 is not in a tree of size 3"):
        board.inclusion_proof(3)
    with pytest.raises(InputError, match="tree size 4 is not between 0 and the board's 3"):
        board.consistency_proof(1, 4)
    with pytest.raises(InputError, match="tree size 9"):
        board.root(9)


def test_a_failed_append_changes_nothing(board: Board) -> None:
    board.append_batch(ballots(4))
    root = board.root()
    with pytest.raises(InputError, match="item 1 of the batch is a dict, not an Event"):
        board.append_batch([ballots(1)[0], {"type": "ballot_cast"}])  # type: ignore[list-item]
    assert board.size() == 4
    assert board.root() == root
    assert board.append(ballots(1, 4)[0]) == 4


def test_heads_are_signed_stored_and_checked(board: Board) -> None:
    board.append_batch(ballots(5))
    first = board.sign_head(KEY, timestamp=1_000)
    assert (first.tree_size, first.root_hash, first.timestamp) == (5, board.root(), 1_000)
    first.verify(KEY.verify_key)
    board.append_batch(ballots(3, 5))
    second = board.sign_head(KEY, timestamp=2_000)
    assert list(board.heads()) == [first, second]
    assert board.latest_head() == second
    verify_consistency(
        board.consistency_proof(first.tree_size, second.tree_size),
        first.root_hash,
        second.root_hash,
    )
    assert SignedHead.decode(second.encode()) == second
    assert board.check() == 8


def test_heads_from_elsewhere_must_match(board: Board) -> None:
    board.append_batch(ballots(4))
    with pytest.raises(RecordError, match="head of tree size 2: its root does not match"):
        board.add_head(sign_head(KEY, 2, b"\x00" * 32, 5))
    with pytest.raises(InputError, match="the board has only 4 entries"):
        board.add_head(sign_head(KEY, 6, b"\x00" * 32, 5))
    forged = sign_head(KEY, 4, board.root(), 5)
    forged = SignedHead(4, forged.root_hash, 6, forged.key, forged.signature)
    with pytest.raises(SignatureError):
        board.add_head(forged)
    board.add_head(sign_head(KEY, 3, board.root(3), 5))
    with pytest.raises(InputError, match="older than the latest stored head"):
        board.add_head(sign_head(KEY, 2, board.root(2), 6))
    with pytest.raises(InputError, match="signed by key"):
        board.sign_head(SigningKey(bytes(32)))
    assert [h.tree_size for h in board.heads()] == [3]


def test_reopening_keeps_everything(make_board: Callable[[], Board]) -> None:
    board = make_board()
    board.append_batch(ballots(10))
    head = board.sign_head(KEY, timestamp=7)
    again = make_board()
    assert again.size() == 10
    assert again.root() == head.root_hash
    assert again.latest_head() == head
    assert again.append(ballots(1, 10)[0]) == 10
    assert board.append(ballots(1, 11)[0]) == 11  # the first handle sees the other's append
    assert again.check() == 12


def test_concurrent_appends_are_each_acknowledged_once(board: Board) -> None:
    got: list[int] = []
    lock = threading.Lock()

    def writer(t: int) -> None:
        for i in range(25):
            index = board.append(Event.create(EventType.CHECK_IN, {"t": t, "i": i}))
            with lock:
                got.append(index)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(got) == list(range(200))
    payloads = {(e.event.payload["t"], e.event.payload["i"]) for e in board.entries()}
    assert len(payloads) == 200
    assert board.check() == 200


def test_an_append_proves_its_entry_in_the_tree_its_commit_left(board: Board) -> None:
    """``append_entry``'s proof comes from the commit's nodes in memory: it must be the proof
    the board gives from its stored nodes, for appends grouped into shared commits too."""
    board.append_batch(ballots(37))  # an uneven tree before the concurrent appends
    appended = []
    lock = threading.Lock()

    def writer(t: int) -> None:
        for i in range(12):
            event = Event.create(EventType.CHECK_IN, {"t": t, "i": i})
            done = board.append_entry(event)
            with lock:
                appended.append((event, done))

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(appended) == 72
    for event, done in appended:
        proof = done.proof()
        assert proof == board.inclusion_proof(done.index, done.tree_size)
        assert done.root == board.root(done.tree_size)
        verify_inclusion(proof, leaf_hash(event.data), done.root)
