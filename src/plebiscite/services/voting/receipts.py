"""A voter's receipt checked against the board (``docs/voting.md``, "Receipts").

Given a tracking code, :func:`check_receipt` finds the ballot on the board, proves its leaf is
in the tree of the latest signed head (an RFC 9162 inclusion proof checked against the head's
signed root), and says what the record lets anyone say of it, and no more: a booth ballot
counts; a door-to-door ballot counts unless the same voter cast a booth ballot, which the
count applies after the shuffle without showing whether it happened (``docs/privacy.md``), so
neither this check nor any page ever says that a ballot was overridden; a challenged ballot was
opened and never counts. Once the count has begun it also says that the ballot is in the
region's shuffle input (``docs/protocol.md`` 12). Given the receipt the
voter kept, it also checks the receipt's own inclusion proof against the receipt's head and that
the latest head extends that head (a consistency proof), so nothing before the ballot was
rewritten since the voter got her receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plebiscite.domain.manifest import Manifest
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
from plebiscite.services.election.definition import Election


@dataclass(frozen=True)
class ReceiptCheck:
    tracking_code: str
    leaf_index: int
    kind: str  # "cast" or "challenged"
    status: str  # "counted" (booth), "home" (door to door), "challenged"
    why: str
    head_size: int
    received_at: str
    location: str
    receipt_checked: bool
    in_count: bool = False  # the region's shuffle took it in (after the close)

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
    shuffled = False
    election = Election()  # the manifest says which locations are door to door
    for entry in board.entries(0, head.tree_size):
        event = entry.event
        if event.type is EventType.MANIFEST:
            election.apply(entry)
        if event.type is EventType.SHUFFLE:  # the count has begun (docs/protocol.md 12)
            shuffled = True
        if event.type not in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            continue
        if event.payload.get("tracking_code") == tracking_code:
            found = entry
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
    elif _door_to_door(election.manifest, payload):
        kind, status = "cast", "home"
        why = (
            "a door-to-door ballot: it counts unless you voted again in a booth; the count "
            "applies that without showing anyone whether you did"
        )
    else:
        kind, status, why = "cast", "counted", "a booth ballot: it counts"
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
        shuffled and kind == "cast",
    )


def _door_to_door(manifest: Manifest | None, payload: dict[str, Any]) -> bool:
    """Was the ballot cast by a mobile team (its location's kind, public in the manifest)?"""
    location = str(payload.get("ballot", {}).get("location"))
    found = None if manifest is None else manifest.location_by_id.get(location)
    return found is not None and not found.kind.is_booth


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
