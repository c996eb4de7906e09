"""A voter's device receipt whose ballot is not on the board (``docs/devices.md``).

An offline device gives each voter a receipt it signs (tag ``device-receipt``). If the
device never syncs, or its upload is refused, the ballot is missing from the board while the
voter holds the device's signed word for it. :func:`file_receipt_complaint` checks that word
(the device is enrolled on this board, the signature verifies under its enrolled key, the
receipt names this election) and, if the ballot is not on the board, files the finding on
the board as a complaint about the device's precinct (``docs/paper.md``, complaints), so the
gap is named in the record. A forged or altered receipt files nothing, and neither does a
receipt whose ballot is on the board (anyone can rebuild such a receipt from the board's
``cast_at_signature``). The complaint carries the receipt and the board size it was checked
against, so the verifier judges the finding again from the record alone (V72,
``verifier/receipts.py``). Filing the same receipt twice returns the first filing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from plebiscite.crypto.signing import VerifyKey
from plebiscite.errors import InputError, UnknownDeviceError, WrongElectionError
from plebiscite.record.board import Board
from plebiscite.record.events import EventType
from plebiscite.services.election.definition import Election
from plebiscite.services.paper.filing import submit_complaint
from plebiscite.services.voting.device import DeviceReceipt


@dataclass(frozen=True)
class ComplaintOutcome:
    tracking_code: str
    on_board: int | None  # the ballot's entry, if it is on the board
    filed: int | None  # the complaint's entry, if one was filed
    again: bool = False  # the same receipt was filed before: ``filed`` is that entry

    def describe(self) -> str:
        if self.on_board is not None:
            return f"the ballot is on the board at entry {self.on_board}: nothing to file"
        if self.again:
            return f"this receipt was filed before, at entry {self.filed}: nothing new to file"
        return f"the device's signature holds and the ballot is missing: filed at {self.filed}"


def complaint_id(tracking_code: str) -> str:
    """The id of the complaint a receipt's filing gets (one per tracking code)."""
    return f"receipt-{tracking_code[:16]}"


def file_receipt_complaint(board: Board, data: object, now: dt.datetime) -> ComplaintOutcome:
    """Check a device receipt against the board; file the finding if its ballot is missing."""
    receipt = DeviceReceipt.from_json(data)
    election = Election()
    for entry in board.entries_of_type((EventType.MANIFEST,), 0):
        election.apply(entry)
    manifest = election.require_manifest()
    if receipt.election != election.manifest_hash.hex():
        raise WrongElectionError("the receipt is for another election than this board's")
    row = board.device(receipt.device)
    if row is None:
        raise UnknownDeviceError(f"no device {receipt.device[:64]!r} is enrolled on this board")
    receipt.verify(VerifyKey.from_hex(row.public_key))  # SignatureError: a forged receipt
    if receipt.location != row.location:  # not signed, but a receipt that lies is not filed
        raise InputError(
            f"the receipt names location {receipt.location[:64]!r}; device {receipt.device!r} "
            f"is enrolled at {row.location!r}"
        )
    seen = board.ballot_code(receipt.tracking_code)
    if seen is not None:
        return ComplaintOutcome(receipt.tracking_code, seen[0], None)
    for entry in board.entries_of_type((EventType.COMPLAINT,), 0):
        kept = entry.event.payload.get("receipt")
        if isinstance(kept, dict) and kept.get("tracking_code") == receipt.tracking_code:
            return ComplaintOutcome(receipt.tracking_code, None, entry.index, again=True)
    location = manifest.location_by_id[row.location]
    size = board.size()
    complaint = {
        "complaint": complaint_id(receipt.tracking_code),
        "precinct": location.precinct_id,
        "filed_by": "a voter holding a device receipt",
        "filed_at": now.isoformat(),
        "grounds": (
            f"device {receipt.device} signed a receipt for ballot {receipt.tracking_code} "
            f"cast at {receipt.cast_at} (signature verified under its enrolled key); the "
            f"ballot is not on the board of {size} entries"
        ),
        "receipt": receipt.to_json(),
        "board_size": size,
    }
    filed = submit_complaint(board, complaint, manifest=manifest)
    return ComplaintOutcome(receipt.tracking_code, None, filed.index)


__all__ = ["ComplaintOutcome", "complaint_id", "file_receipt_complaint"]
