"""The verifier's checks of uploaded ballots (V70, V71).

The payloads are real uploads: a device casts offline and syncs to the FastAPI app.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from test_device import DAY1, TEAM, _ballots, _home_voters, _setup, _vote_day
from voting_support import MANIFEST

from plebiscite.services.voting.device_sync import sync
from plebiscite.verifier.offline import check_upload_record
from plebiscite.verifier.report import VerificationReport


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
