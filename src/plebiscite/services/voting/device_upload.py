"""The server's side of an offline device's upload (``docs/devices.md``, sync).

An uploaded cast ballot carries the device's signed ``cast_at`` (its device receipt's
signature). :func:`check_upload` decides, before any database work, whether the board may
take it: only a mobile team's device casts offline; the device receipt's signature verifies
under the enrolled key; ``cast_at`` lies in the location's window, within the clock
tolerance, and not after the upload. The closing is the board's to decide, in the append.
What it returns is added to the ballot's payload: ``cast_at``, its signature, and
``custody_late: true`` for an upload after the team's custody deadline (accepted and
flagged; the verifier reports it, V71).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.ballot import Ballot
from plebiscite.domain.manifest import Location, LocationKind, Manifest
from plebiscite.domain.offline import (
    CHECK_IN_AT_TAG,
    RECEIPT_TAG,
    check_cast_at,
    check_in_at_message,
    custody_late,
    parse_cast_at,
    receipt_message,
)
from plebiscite.errors import EncodingError, InputError


def check_upload(
    manifest: Manifest,
    location: Location,
    device_key: VerifyKey,
    ballot: Ballot,
    code: str,
    now: dt.datetime,
    offline: tuple[object, object],
) -> dict[str, Any]:
    """The payload fields of an accepted upload; raises naming what is wrong."""
    cast_at_text, signature_hex = offline
    if location.kind is not LocationKind.MOBILE_TEAM:
        raise InputError("only a mobile team's device casts offline (cast_at is for uploads)")
    cast_at = parse_cast_at(cast_at_text)
    assert isinstance(cast_at_text, str)
    if not isinstance(signature_hex, str):
        raise EncodingError("an upload needs cast_at_signature, the device receipt's signature")
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError as exc:
        raise EncodingError("cast_at_signature is not hexadecimal") from exc
    device_key.verify(
        RECEIPT_TAG, receipt_message(ballot.election, ballot.device, code, cast_at_text), signature
    )
    check_cast_at(manifest, location, cast_at, now)
    out: dict[str, Any] = {"cast_at": cast_at_text, "cast_at_signature": signature_hex}
    if custody_late(location, cast_at, now):
        out["custody_late"] = True
    return out


def check_check_in_upload(
    manifest: Manifest,
    location: Location,
    device_key: VerifyKey,
    election: str,
    device: str,
    checkin: str,
    now: dt.datetime,
    offline: tuple[object, object],
) -> dict[str, Any]:
    """The payload fields of a check-in an offline device uploads with its signed
    ``checked_at``: judged by the window rule at that time, not at the upload's."""
    checked_at_text, signature_hex = offline
    if location.kind is not LocationKind.MOBILE_TEAM:
        raise InputError("only a mobile team's device checks voters in offline (checked_at)")
    if not isinstance(checked_at_text, str):
        raise EncodingError("checked_at must be an ISO-8601 time with an offset")
    checked_at = parse_cast_at(checked_at_text)
    if not isinstance(signature_hex, str):
        raise EncodingError("an offline check-in needs checked_at_signature")
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError as exc:
        raise EncodingError("checked_at_signature is not hexadecimal") from exc
    message = check_in_at_message(election, device, checkin, checked_at_text)
    device_key.verify(CHECK_IN_AT_TAG, message, signature)
    check_cast_at(manifest, location, checked_at, now, "checked_at")
    return {"checked_at": checked_at_text, "checked_at_signature": signature_hex}


__all__ = ["check_check_in_upload", "check_upload"]
