"""The verifier's checks of uploaded (offline) ballots: V70 and V71 (``docs/verifier.md``).

An offline device's cast ballot carries its device-signed ``cast_at`` (``docs/devices.md``).

- V70: the ``cast_at`` signature (the device receipt's, tag ``device-receipt``) verifies under
  the device's enrolled key; only a mobile team's ballot is uploaded; ``cast_at`` lies in the
  location's window within the clock tolerance and not after ``received_at``; ``custody_late``
  appears only on an upload. Whether the voter applied to vote at home is not checked here:
  ballots name no voter (``docs/privacy.md``); the casting service checks it privately.
  An offline check-in's signed ``checked_at`` (tag ``check-in-at``) is judged the same way.
- V71: custody: every upload reached the board within its team's custody deadline; a late one
  is flagged ``custody_late`` on the board, and reported here as a finding.

An upload's voting day is its ``cast_at`` (:func:`plebiscite.domain.offline.ballot_time`); an
upload is always a door-to-door ballot, counted through the shuffle (V45-V48).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.manifest import Location, LocationKind, Manifest
from plebiscite.domain.offline import (
    CHECK_IN_AT_TAG,
    RECEIPT_TAG,
    check_cast_at,
    check_in_at_message,
    custody_hours,
    custody_late,
    parse_cast_at,
    receipt_message,
)
from plebiscite.errors import PlebisciteError
from plebiscite.verifier.report import VerificationReport

if TYPE_CHECKING:  # the streaming pass's state; for types only (no import cycle)
    from plebiscite.verifier.verify import RecordState


def check_upload_record(
    payload: dict[str, Any],
    device_key: str | None,
    location: Location | None,
    manifest: Manifest,
    received: dt.datetime | None,
    report: VerificationReport,
    index: int,
    who: str,
) -> dt.datetime | None:
    """Check an uploaded ballot's ``cast_at``; return it (its order time), or None if the
    ballot is not an upload or its ``cast_at`` cannot be read."""
    report.count("V70")  # every cast ballot: an upload, or one that claims nothing of it
    report.count("V71")
    if "cast_at" not in payload:
        if "custody_late" in payload:
            report.fail("V70", f"{who}: flagged custody_late, but not an upload", index)
        return None
    try:
        cast_at = parse_cast_at(payload["cast_at"])
    except PlebisciteError as exc:
        report.fail("V70", f"{who}: {exc}", index)
        return None
    ballot = payload["ballot"]
    if device_key is not None:
        message = receipt_message(
            ballot["election"], ballot["device"], str(payload["tracking_code"]), payload["cast_at"]
        )
        try:
            VerifyKey.from_hex(device_key).verify(
                RECEIPT_TAG, message, bytes.fromhex(str(payload.get("cast_at_signature")))
            )
        except (PlebisciteError, ValueError):
            report.fail("V70", f"{who}: cast_at is not signed by the device", index)
    if location is None or received is None:
        return cast_at
    if location.kind is not LocationKind.MOBILE_TEAM:
        report.fail("V70", f"{who}: an upload from a {location.kind} device", index)
    try:
        check_cast_at(manifest, location, cast_at, received)
    except PlebisciteError as exc:
        report.fail("V70", f"{who}: {exc}", index)
    late = custody_late(location, cast_at, received)
    if late:
        held = (received - cast_at).total_seconds() / 3600
        report.fail(
            "V71",
            f"{who}: uploaded {held:.1f} h after it was cast; the team's custody deadline is "
            f"{custody_hours(location)} h",
            index,
        )
    if late != bool(payload.get("custody_late")):
        report.fail("V71", f"{who}: custody_late is {not late}, the times say {late}", index)
    return cast_at


def check_check_in_record(
    payload: dict[str, Any],
    device_key: str,
    location: Location | None,
    state: RecordState,
    report: VerificationReport,
    index: int,
) -> None:
    """V70 for a check-in an offline device uploaded with its signed ``checked_at``: the
    signature (tag ``check-in-at``), a mobile team's device, and the window rule at
    ``checked_at`` against the board's ``at``."""
    if "checked_at" not in payload and "checked_at_signature" not in payload:
        return
    report.count("V70")
    who = f"check-in {str(payload.get('checkin'))[:16]}"
    try:
        checked_at = parse_cast_at(payload.get("checked_at"))
        received = parse_cast_at(payload.get("at"))
    except PlebisciteError as exc:
        report.fail("V70", f"{who}: {exc}", index)
        return
    message = check_in_at_message(
        state.manifest_hash.hex(), str(payload["device"]), str(payload["checkin"]),
        str(payload["checked_at"]),
    )  # fmt: skip
    try:
        VerifyKey.from_hex(device_key).verify(
            CHECK_IN_AT_TAG, message, bytes.fromhex(str(payload.get("checked_at_signature")))
        )
    except (PlebisciteError, ValueError):
        report.fail("V70", f"{who}: checked_at is not signed by the device", index)
    if location is None or state.manifest is None:
        return
    if location.kind is not LocationKind.MOBILE_TEAM:
        report.fail("V70", f"{who}: an offline check-in from a {location.kind} device", index)
    try:
        check_cast_at(state.manifest, location, checked_at, received, "checked_at")
    except PlebisciteError as exc:
        report.fail("V70", f"{who}: {exc}", index)


__all__ = ["check_check_in_record", "check_upload_record"]
