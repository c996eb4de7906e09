"""Witnesses: parties other than the board operator cosign its heads (``docs/board.md`` 8).

A board that shows one history to some and another to others (a *split view*) cannot be
caught by any one reader. Transparency logs answer with witnesses (C2SP tlog-witness and
tlog-cosignature, Sigsum, the Go checksum database): each witness keeps the last checkpoint it
signed and signs a newer one only after checking a consistency proof from it, so two witnesses
shown two histories cannot both cosign, and a record that needs their cosignatures shows it.

Our witnesses are the trustees, with the signing key they announced in the key ceremony, and
the observers the manifest names, with the key it gives them (witness ``n + 1``, ``n + 2``...
in manifest order): either way the keys are anchored in the record. A cosignature, its
signed bytes and whose key checks it are defined once, in :mod:`plebiscite.domain.cosignature`
(the verifier uses the same definitions). The manifest's
``trustees.head_cosignatures`` sets how many distinct witnesses the final checkpoint needs
(V35); after that checkpoint the log may hold nothing but cosignatures.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.ceremony import Transcript, new_transcript
from plebiscite.domain.cosignature import (
    COSIGNATURE_TAG,
    Cosignature,
    cosignature_message,
    witness_key,
)
from plebiscite.errors import InputError, RecordError
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import EMPTY_ROOT, ConsistencyProof, verify_consistency
from plebiscite.services.election.definition import Election

_EMPTY_HEX = EMPTY_ROOT.hex()


class SplitViewError(RecordError):
    """The board showed this witness a history that does not extend the one it cosigned."""

    title = "split view"


def cosign_head(
    key: SigningKey, board_key: str, head: SignedHead, witness: int, cosigned_at: int
) -> Cosignature:
    message = cosignature_message(board_key, head.tree_size, head.root_hash, witness, cosigned_at)
    return Cosignature(
        witness, head.tree_size, head.root_hash, cosigned_at, key.sign(COSIGNATURE_TAG, message)
    )


# --- the witness's side ---------------------------------------------------------------------


class BoardView(Protocol):
    """What a witness asks of a board (over HTTP, or in process)."""

    def manifest_event(self) -> dict[str, Any]: ...
    def latest_head(self) -> SignedHead: ...
    def consistency_proof(self, first: int, second: int) -> ConsistencyProof: ...
    def post_cosignature(self, body: dict[str, Any]) -> int: ...


@dataclass(frozen=True)
class WitnessState:
    """What a witness keeps between runs: the board it follows and the last checkpoint."""

    board_key: str
    tree_size: int = 0
    root_hash: str = _EMPTY_HEX

    def to_json(self) -> dict[str, Any]:
        return {
            "board_key": self.board_key,
            "root_hash": self.root_hash,
            "tree_size": self.tree_size,
        }

    @classmethod
    def from_json(cls, data: object) -> WitnessState:
        if not isinstance(data, dict) or set(data) != {"board_key", "root_hash", "tree_size"}:
            raise InputError("a witness state holds board_key, root_hash and tree_size")
        return cls(str(data["board_key"]), int(data["tree_size"]), str(data["root_hash"]))


def cosign(
    view: BoardView,
    state: WitnessState | None,
    key: SigningKey,
    witness: int,
    now_ms: int,
) -> tuple[WitnessState, Cosignature]:
    """Check the board's latest head against the last one cosigned, cosign it, post it.

    Raises :class:`SplitViewError` (and cosigns nothing) when the head does not extend the
    last checkpoint, is signed by another key, or the board anchors another key.
    """
    anchored = view.manifest_event().get("board_key")
    if not isinstance(anchored, str):
        raise SplitViewError("the board anchors no head key in its first entry")
    if state is None:
        state = WitnessState(anchored)
    elif state.board_key != anchored:
        raise SplitViewError(
            f"the board now anchors key {anchored[:16]}..., this witness follows "
            f"{state.board_key[:16]}..."
        )
    head = view.latest_head()
    head.verify(VerifyKey.from_hex(state.board_key))
    if head.tree_size < state.tree_size:
        raise SplitViewError(
            f"the board's head has {head.tree_size} entries, fewer than the {state.tree_size} "
            "this witness cosigned: the log was rolled back"
        )
    proof = view.consistency_proof(state.tree_size, head.tree_size)
    if (proof.first_size, proof.second_size) != (state.tree_size, head.tree_size):
        raise SplitViewError("the board answered a consistency proof for other sizes")
    try:
        verify_consistency(proof, bytes.fromhex(state.root_hash), head.root_hash)
    except RecordError as exc:
        raise SplitViewError(
            f"the head of {head.tree_size} entries does not extend the checkpoint of "
            f"{state.tree_size} this witness cosigned ({exc}): a split view"
        ) from exc
    cosignature = cosign_head(key, state.board_key, head, witness, now_ms)
    view.post_cosignature(cosignature.to_json())
    return WitnessState(state.board_key, head.tree_size, head.root_hash.hex()), cosignature


# --- the board's side ---------------------------------------------------------------------------


class CosignatureDesk:
    """Records witnesses' cosignatures on a board it follows (incrementally). Thread-safe."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self.election = Election()
        self.transcript: Transcript | None = None
        self._read = 0
        self._lock = threading.Lock()

    def catch_up(self) -> None:
        size = self.board.size()
        for entry in self.board.entries(self._read, size) if size > self._read else ():
            self.election.apply(entry)
            if self.transcript is None and self.election.manifest is not None:
                self.transcript = new_transcript(
                    self.election.manifest, self.election.manifest_hash, self.election.board_key
                )
            if self.transcript is not None and entry.event.type is EventType.CEREMONY_MESSAGE:
                self.transcript.apply(entry.index, entry.event.payload)
            self._read = entry.index + 1

    def record(self, body: object) -> int:
        """Check a cosignature (an announced trustee's, of this board's tree) and append it."""
        cosignature = Cosignature.from_json(body)
        with self._lock:
            self.catch_up()
            manifest = self.election.manifest
            if manifest is None:
                raise InputError("the board holds no manifest yet")
            key = witness_key(manifest, self.transcript, cosignature.witness)
            cosignature.verify(self.election.board_key, key)
            if not 0 < cosignature.tree_size <= self.board.size():
                raise InputError(f"the board has no tree of size {cosignature.tree_size}")
            if self.board.root(cosignature.tree_size) != cosignature.root_hash:
                raise InputError("the cosigned root is not this board's root at that size")
            index = self.board.append(
                Event.create(EventType.HEAD_COSIGNATURE, cosignature.to_json())
            )
            self.catch_up()
            return index


class LocalBoardView:
    """A :class:`BoardView` over a board in this process (the demo, tests)."""

    def __init__(self, board: Board, desk: CosignatureDesk | None = None) -> None:
        self.board = board
        self.desk = desk or CosignatureDesk(board)

    def manifest_event(self) -> dict[str, Any]:
        payload: dict[str, Any] = self.board.entry(0).event.payload
        return payload

    def latest_head(self) -> SignedHead:
        head = self.board.latest_head()
        if head is None:
            raise InputError("the board has signed no head yet")
        return head

    def consistency_proof(self, first: int, second: int) -> ConsistencyProof:
        return self.board.consistency_proof(first, second)

    def post_cosignature(self, body: dict[str, Any]) -> int:
        return self.desk.record(body)


__all__ = [
    "BoardView",
    "CosignatureDesk",
    "LocalBoardView",
    "SplitViewError",
    "WitnessState",
    "cosign",
    "cosign_head",
]
