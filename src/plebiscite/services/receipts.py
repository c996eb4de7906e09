"""A voter's receipt checked against the board (``docs/voting.md``, "Receipts").

Given a tracking code, :func:`check_receipt` finds the ballot on the board, proves its leaf is
in the tree of the latest signed head (an RFC 9162 inclusion proof checked against the head's
signed root), and says whether it counts: cast and counted, superseded by a later booth ballot
of the same voter (and by which), or challenged (opened, never counted). Given the receipt the
voter kept, it also checks the receipt's own inclusion proof against the receipt's head and that
the latest head extends that head (a consistency proof), so nothing before the ballot was
rewritten since the voter got her receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plebiscite.errors import InputError, RecordError
from plebiscite.record.board import Board
from plebiscite.record.events import EventType
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import (
    InclusionProof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)


@dataclass(frozen=True)
class ReceiptCheck:
    tracking_code: str
    leaf_index: int
    kind: str  # "cast" or "challenged"
    status: str  # "counted", "superseded", "challenged"
    why: str
    head_size: int
    received_at: str
    location: str
    receipt_checked: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def check_receipt(
    board: Board, tracking_code: str, receipt: dict[str, Any] | None = None
) -> ReceiptCheck:
    """Find, prove and classify the ballot with ``tracking_code`` (raises if anything fails)."""
    head = board.latest_head()
    if head is None:
        raise InputError("the board has no signed head yet: nothing can be proven")
    found = None
    superseded_by = None
    for entry in board.entries(0, head.tree_size):
        event = entry.event
        if event.type not in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            continue
        payload = event.payload
        if payload.get("tracking_code") == tracking_code:
            found = entry
        elif event.type is EventType.BALLOT_CAST and payload.get("supersedes") == tracking_code:
            superseded_by = payload["tracking_code"]
    if found is None:
        raise InputError(
            f"no ballot with tracking code {tracking_code[:16]}... in the {head.tree_size} "
            "entries covered by the latest signed head"
        )
    head.verify()
    proof = board.inclusion_proof(found.index, head.tree_size)
    verify_inclusion(proof, leaf_hash(found.event.data), head.root_hash)
    payload = found.event.payload
    if found.event.type is EventType.BALLOT_CHALLENGED:
        kind, status, why = (
            "challenged",
            "challenged",
            "opened at the voter's request; never counted",
        )
    elif superseded_by:
        kind, status = "cast", "superseded"
        why = f"the same voter later voted in a booth (ballot {superseded_by[:16]}...)"
    elif found.event.payload.get("overruled_by"):  # an upload after the booth ballot
        kind, status = "cast", "superseded"
        booth = str(found.event.payload["overruled_by"])
        why = f"uploaded after the same voter's booth ballot ({booth[:16]}...), which counts"
    else:
        kind, status, why = "cast", "counted", "the voter's counted ballot"
    checked = False
    if receipt is not None:
        _check_kept_receipt(board, receipt, found.index, found.event.data, head)
        checked = True
    return ReceiptCheck(
        tracking_code,
        found.index,
        kind,
        status,
        why,
        head.tree_size,
        str(payload.get("received_at")),
        str(payload.get("ballot", {}).get("location")),
        checked,
    )


def _check_kept_receipt(
    board: Board, receipt: dict[str, Any], index: int, data: bytes, latest: SignedHead
) -> None:
    try:
        kept_head = SignedHead.from_json(receipt["head"])
        kept_proof = InclusionProof.from_json(receipt["inclusion_proof"])
        kept_index = int(receipt["leaf_index"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"the receipt file is not a plebiscite receipt: {exc}") from exc
    if kept_index != index:
        raise RecordError(f"the receipt says leaf {kept_index}, the board has it at {index}")
    kept_head.verify(latest.key)
    verify_inclusion(kept_proof, leaf_hash(data), kept_head.root_hash)
    if kept_head.tree_size < latest.tree_size:
        consistency = board.consistency_proof(kept_head.tree_size, latest.tree_size)
        verify_consistency(consistency, kept_head.root_hash, latest.root_hash)
