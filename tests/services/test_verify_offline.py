"""The verifier's checks of uploaded ballots (V70, V71).

The payloads are real uploads: a device casts offline and syncs to the FastAPI app.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from test_device import DAY1, TEAM, _ballots, _home_voters, _setup, _vote_day
from voting_support import MANIFEST, location

from plebiscite.domain.manifest import LocationKind
from plebiscite.record.events import EventType
from plebiscite.services.voting.device_sync import sync
from plebiscite.verifier.offline import check_check_in_record, check_upload_record
from plebiscite.verifier.report import VerificationReport
from plebiscite.verifier.verify import RecordState


def _check(payload: dict[str, Any], key: str) -> VerificationReport:
    report = VerificationReport("test")
    received = dt.datetime.fromisoformat(payload["received_at"])
    check_upload_record(payload, key, TEAM, MANIFEST, received, report, 7, "ballot")
    return report


def _upload(tmp_path: Path, sync_after: dt.timedelta) -> tuple[dict[str, Any], str]:
    day, server, device = _setup(tmp_path)
    _vote_day(device, _home_voters(day)[:1], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=1) + sync_after)
    sync(device, server)
    key = device.key.verify_key.hex()
    device.close()
    (payload,) = _ballots(day)
    return dict(payload), key


def test_an_honest_upload_passes_and_a_moved_cast_at_fails_v70(tmp_path: Path) -> None:
    payload, key = _upload(tmp_path, dt.timedelta(hours=24))  # the next day, in its hours
    assert _check(payload, key).ok
    # The board (or anyone editing the record) moves cast_at to another day: not the device's.
    moved = copy.deepcopy(payload)
    moved["cast_at"] = (DAY1 + dt.timedelta(days=1, hours=2)).isoformat()
    report = _check(moved, key)
    assert report.failed_checks() == ["V70"]
    # A flag on a ballot that was never uploaded.
    online = {k: v for k, v in payload.items() if k not in ("cast_at", "cast_at_signature")}
    assert _check({**online, "custody_late": True}, key).failed_checks() == ["V70"]


def test_an_upload_after_the_custody_deadline_is_accepted_flagged_and_reported(
    tmp_path: Path,
) -> None:
    payload, key = _upload(tmp_path, dt.timedelta(hours=50))  # default custody: 36 h
    assert payload["custody_late"] is True  # accepted, and flagged by the service
    report = _check(payload, key)
    assert report.failed_checks() == ["V71"]
    assert "custody deadline is 36 h" in str(report.checks["V71"].findings[0])
    hidden = {k: v for k, v in payload.items() if k != "custody_late"}  # the flag removed
    assert len(_check(hidden, key).checks["V71"].findings) == 2


def _findings(report: VerificationReport, check: str) -> list[str]:
    assert all(f.entry == 7 for f in report.checks[check].findings)
    return [f.message for f in report.checks[check].findings]


def test_each_lie_about_an_upload_is_named(tmp_path: Path) -> None:
    """An unreadable ``cast_at``, a forged signature, an upload from a station's device and a
    ``custody_late`` flag the times contradict: each a finding of its own check, at its entry."""
    payload, key = _upload(tmp_path, dt.timedelta(hours=2))
    assert _check(payload, key).ok
    assert "custody_late" not in payload  # not late: no flag

    report = _check({**payload, "cast_at": "yesterday"}, key)
    assert report.failed_checks() == ["V70"]
    assert _findings(report, "V70")[0].startswith("ballot: ")

    report = _check({**payload, "cast_at_signature": "00" * 64}, key)
    assert _findings(report, "V70") == ["ballot: cast_at is not signed by the device"]

    station = location(LocationKind.REGULAR_STATION)
    report = VerificationReport("test")
    received = dt.datetime.fromisoformat(payload["received_at"])
    check_upload_record(payload, key, station, MANIFEST, received, report, 7, "ballot")
    assert f"ballot: an upload from a {station.kind} device" in _findings(report, "V70")

    report = _check({**payload, "custody_late": True}, key)
    assert report.failed_checks() == ["V71"]
    assert _findings(report, "V71") == ["ballot: custody_late is True, the times say False"]


def test_each_lie_about_an_offline_check_in_is_named(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    device.check_in(_home_voters(day)[0], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=2))
    sync(device, server)
    key = device.key.verify_key.hex()
    state = RecordState()
    state.manifest, state.manifest_hash = MANIFEST, bytes.fromhex(device.booth.election)
    device.close()
    (payload,) = [
        e.event.payload for e in day.board.entries() if e.event.type is EventType.CHECK_IN
    ]
    assert "checked_at" in payload

    def check(body: dict[str, Any], loc: Any = TEAM) -> VerificationReport:
        report = VerificationReport("test")
        check_check_in_record(body, key, loc, state, report, 7)
        return report

    assert check(payload).ok and check(payload).checks["V70"].checked == 1
    online = {k: v for k, v in payload.items() if k not in ("checked_at", "checked_at_signature")}
    assert check(online).checks["V70"].checked == 0  # an online check-in claims nothing
    who = f"check-in {payload['checkin'][:16]}"
    assert _findings(check({**payload, "checked_at_signature": "00" * 64}), "V70") == [
        f"{who}: checked_at is not signed by the device"
    ]
    station = location(LocationKind.REGULAR_STATION)
    assert f"{who}: an offline check-in from a {station.kind} device" in _findings(
        check(payload, station), "V70"
    )
    unreadable = _findings(check({**payload, "checked_at": "soon"}), "V70")
    assert len(unreadable) == 1 and unreadable[0].startswith(f"{who}: ")
    stripped = {k: v for k, v in payload.items() if k != "checked_at_signature"}
    assert _findings(check(stripped), "V70") == [f"{who}: checked_at is not signed by the device"]
    unsigned_time = {k: v for k, v in payload.items() if k != "checked_at"}
    assert len(_findings(check(unsigned_time), "V70")) == 1  # a signature with no time
    assert check(payload, None).ok  # a device the manifest does not place: V13 says so
    late = dt.datetime.fromisoformat(payload["at"]) + dt.timedelta(days=2)
    moved = check({**payload, "checked_at": late.isoformat()})
    assert len(_findings(moved, "V70")) == 2  # not signed, and after the board's time
