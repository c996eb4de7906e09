"""Uploading an offline device's queue (``docs/devices.md``, sync).

:func:`sync` sends the queue's unsynced rows in queue order: check-ins to
``POST /devices/{id}/check-ins``, cast ballots with their signed ``cast_at`` to
``POST /ballots``, ballots the voter challenged, with their opening and signed ``cast_at``, to
``POST /challenges``. Each row is first checked against the device's own signatures, so a
queue file edited by hand is refused before anything of it is sent (and the board would
refuse it anyway: the ballot's signature). The board's receipt of a ballot is checked (its
head's signature by the board key the device enrolled under, the inclusion proof) and kept
in the row. Every write to the board is idempotent: a row sent again (after a sync killed
half way, or from a copy of the queue file) gets the same receipt, and nothing is doubled.

A check-in carries the device-signed ``checked_at`` and the board judges it by the window
rule at that time, as it judges a ballot by its ``cast_at``. A check-in queued without one is
judged by the upload's time: a sync outside the team's hours stops at it, unmarked, and says
to sync again in the team's hours (a check-in an older version marked as refused is sent
again). Any refusal stops the sync at that row, named; the rows after it wait (they continue
its chain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from plebiscite.crypto.signing import VerifyKey
from plebiscite.errors import BoardError, InputError, PlebisciteError, RuleError
from plebiscite.services.voting.casting import Receipt
from plebiscite.services.voting.device import DeviceServer, OfflineDevice

#: The problem slug of a check-in uploaded outside the location's hours.
_LATE_CHECK_IN = "location-closed"


class SyncStoppedError(RuleError):
    """The board refused a queued ballot: the sync stopped there (the rest still waits)."""

    title = "sync stopped"


@dataclass
class SyncReport:
    sent: int = 0
    check_ins: int = 0
    ballots: int = 0
    already: int = 0  # rows that were synced before this run
    challenged: int = 0  # ballots the voter challenged on the device, published now
    receipts: list[str] = field(default_factory=list)  # tracking codes the board confirmed


def sync(
    device: OfflineDevice,
    server: DeviceServer,
    on_row: Callable[[int], None] | None = None,
) -> SyncReport:
    """Upload every unsynced row in order; raises :class:`SyncStoppedError` at a refusal."""
    report = SyncReport()
    rows = device.queue.rows()
    report.already = sum(r.receipt is not None for r in rows)
    board_key_hex = device.queue.meta("board_key")
    board_key = VerifyKey.from_hex(board_key_hex) if board_key_hex else None
    pending = [r for r in rows if r.receipt is None or "refused" in r.receipt]
    report.already -= len([r for r in pending if r.receipt is not None])
    for row in pending:  # check them all before sending any
        device.check_row(row.kind, row.body, row.code)
    for row in pending:
        if on_row is not None:
            on_row(row.seq)
        if row.kind == "check_in":
            try:
                index = server.check_in(device.device_id, row.body)
                device.queue.mark_synced(row.seq, {"leaf_index": index})
                report.check_ins += 1
            except BoardError:
                raise  # no network (yet): nothing changed, sync again later
            except PlebisciteError as exc:
                why = f"queue row {row.seq} (check-in): {exc}"
                late = getattr(exc, "slug", None) == _LATE_CHECK_IN
                if late and "checked_at" not in row.body:
                    why += "; the voter's ballot needs it: sync again in the team's hours"
                raise SyncStoppedError(why) from exc
        else:
            try:
                answer = (server.challenge if row.kind == "challenged" else server.cast)(row.body)
            except BoardError:
                raise
            except PlebisciteError as exc:
                raise SyncStoppedError(f"queue row {row.seq} (ballot {row.code}): {exc}") from exc
            receipt = Receipt.from_json(answer)
            if receipt.tracking_code != row.code:
                raise InputError(f"the board answered row {row.seq} with another ballot's code")
            receipt.verify(board_key)
            device.queue.mark_synced(row.seq, answer)
            report.ballots += row.kind == "cast"
            report.challenged += row.kind == "challenged"
            report.receipts.append(receipt.tracking_code)
        report.sent += 1
    return report


__all__ = ["SyncReport", "SyncStoppedError", "sync"]
