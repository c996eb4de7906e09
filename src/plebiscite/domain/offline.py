"""Ballots cast on an offline device and uploaded later (``docs/devices.md``).

A door-to-door team's device may work without a network. It signs, for every ballot it
accepts, a *device receipt*: Ed25519 under tag ``device-receipt`` over the canonical JSON
``{"election", "device", "tracking_code", "cast_at"}``. The voter keeps it; the board records
the same signature beside the ballot when the device syncs, so ``cast_at`` is the device's
own signed statement of when the ballot was cast, and ``received_at`` stays the server's time.

The rules here are pure: time is passed in. The window rule judges ``cast_at`` (not the
upload time) against the location's open spans, widened by :data:`CLOCK_TOLERANCE` on each
side, and refuses a ``cast_at`` later than the upload (by more than the tolerance): a device
whose clock is off by minutes is accepted, one off by days is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plebiscite.crypto.hashing import canonical_json
from plebiscite.domain.manifest import Location, Manifest
from plebiscite.errors import ScheduleError

#: The signature tag of a device receipt (and of the ``cast_at`` the board records).
RECEIPT_TAG = "device-receipt"
#: How far a device's clock may be off: ``cast_at`` may lie this far outside an open span.
CLOCK_TOLERANCE = dt.timedelta(minutes=10)
#: How long a team may hold ballots before syncing, where its location sets no custody hours.
DEFAULT_CUSTODY_HOURS = 36
#: The signature tag of the time an offline device checked a voter in (``checked_at``).
CHECK_IN_AT_TAG = "check-in-at"
#: Payload fields an uploaded (offline) cast ballot adds on the board.
OFFLINE_KEYS = frozenset({"cast_at", "cast_at_signature", "custody_late"})


def receipt_message(election: str, device: str, tracking_code: str, cast_at: str) -> bytes:
    """The bytes a device signs (tag ``device-receipt``) for one ballot it accepted."""
    return canonical_json(
        {"cast_at": cast_at, "device": device, "election": election, "tracking_code": tracking_code}
    )


def check_in_at_message(election: str, device: str, checkin: str, checked_at: str) -> bytes:
    """The bytes a device signs (tag ``check-in-at``) for when it checked a voter in offline:
    a check-in uploaded later is judged by this time, as a ballot by its ``cast_at``."""
    return canonical_json(
        {"checked_at": checked_at, "checkin": checkin, "device": device, "election": election}
    )


def parse_cast_at(text: object) -> dt.datetime:
    """An ISO-8601 time with an offset, or :class:`ScheduleError`."""
    if not isinstance(text, str):
        raise ScheduleError("cast_at must be an ISO-8601 time with an offset")
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ScheduleError(f"cast_at {text[:40]!r} is not an ISO-8601 time") from None
    if t.utcoffset() is None:
        raise ScheduleError(f"cast_at {text[:40]!r} has no UTC offset")
    return t


def ballot_time(payload: Mapping[str, Any]) -> str:
    """When a recorded ballot was cast: the device's ``cast_at`` if uploaded later, else the
    server's ``received_at`` (the tally's day and the one-voter order read this)."""
    cast_at = payload.get("cast_at")
    return cast_at if isinstance(cast_at, str) else str(payload["received_at"])


def check_cast_at(
    manifest: Manifest,
    location: Location,
    cast_at: dt.datetime,
    received_at: dt.datetime,
    what: str = "cast_at",
) -> None:
    """The window rule for an uploaded ballot (or, ``what="checked_at"``, check-in); raises
    :class:`ScheduleError` naming why."""
    if cast_at > received_at + CLOCK_TOLERANCE:
        raise ScheduleError(
            f"{what} {cast_at.isoformat()} is after the upload ({received_at.isoformat()}) "
            f"by more than the clock tolerance of {CLOCK_TOLERANCE}"
        )
    for start, end in manifest.open_spans(location):
        if start - CLOCK_TOLERANCE <= cast_at < end + CLOCK_TOLERANCE:
            return
    raise ScheduleError(
        f"{what} {cast_at.isoformat()} is outside every open span of {location.id!r} "
        f"(clock tolerance {CLOCK_TOLERANCE})"
    )


def custody_hours(location: Location) -> int:
    return location.custody_hours or DEFAULT_CUSTODY_HOURS


def custody_late(location: Location, cast_at: dt.datetime, received_at: dt.datetime) -> bool:
    """Was the ballot uploaded after its team's custody deadline?"""
    return received_at - cast_at > dt.timedelta(hours=custody_hours(location))


__all__ = [
    "CHECK_IN_AT_TAG",
    "CLOCK_TOLERANCE",
    "DEFAULT_CUSTODY_HOURS",
    "OFFLINE_KEYS",
    "RECEIPT_TAG",
    "ballot_time",
    "check_cast_at",
    "check_in_at_message",
    "custody_hours",
    "custody_late",
    "parse_cast_at",
    "receipt_message",
]
