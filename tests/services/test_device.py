"""An offline door-to-door device: a day without network, then sync (``docs/devices.md``).

Real parts: the FastAPI app over an in-memory board through httpx, the device's SQLite file,
libsodium. Each attack test plays the attacker and fails if the attack works.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from voting_support import MANIFEST, Day, location, new_day

from plebiscite.domain.manifest import LocationKind
from plebiscite.errors import BoardError, EligibilityError, SignatureError
from plebiscite.interfaces.api.client import HttpVotingServer
from plebiscite.interfaces.app import create_app
from plebiscite.record.events import EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.simulation.simulate import RefusedError
from plebiscite.services.voting.device import (
    DeviceReceipt,
    OfflineDevice,
    init_device,
    write_receipt,
)
from plebiscite.services.voting.device_sync import SyncStoppedError, sync

TOKEN = "device-test-token"
TEAM = location(LocationKind.MOBILE_TEAM)
DAY1 = MANIFEST.open_spans(TEAM)[0][0]  # 08:00 on the team's first day
CHOICE = {q.id: q.options[0].id for q in MANIFEST.region_by_id["donetsk"].questions}


def _setup(tmp_path: Path, backend: str = "memory") -> tuple[Day, HttpVotingServer, OfflineDevice]:
    from plebiscite.record.sql import SqlBoard

    where = backend if "://" in backend else str(tmp_path / "b.db")
    board = MemoryBoard() if backend == "memory" else SqlBoard.open(where, create=True)
    day = new_day(board, voters=120)
    day.clock.set(DAY1 - dt.timedelta(hours=1))  # enrol before the day starts, online
    client = TestClient(create_app(day.service, admin_token=TOKEN, demo_clock=day.clock))
    server = HttpVotingServer(client, TOKEN)
    device = init_device(server, tmp_path / "team.sqlite", "team-1", TEAM.id)
    return day, server, device


def _home_voters(day: Day) -> list[str]:
    return [e.pseudonym for e in day.voters() if e.home_voting]


def _vote_day(device: OfflineDevice, voters: list[str], start: dt.datetime) -> list[DeviceReceipt]:
    out = []
    for n, voter in enumerate(voters):
        at = start + dt.timedelta(minutes=20 * n)
        device.check_in(voter, at - dt.timedelta(minutes=1))  # signs when (checked_at)
        out.append(device.vote(voter, CHOICE, at))
    return out


def _ballots(day: Day) -> list[dict[str, object]]:
    return [e.event.payload for e in day.board.entries() if e.event.type is EventType.BALLOT_CAST]


def test_a_day_offline_then_sync_next_morning_loses_and_doubles_nothing(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    voters = _home_voters(day)[:5]
    receipts = _vote_day(device, voters, DAY1 + dt.timedelta(hours=1))
    assert not _ballots(day)  # nothing reached the board while offline
    assert device.status()["waiting"] == 10
    with pytest.raises(BoardError):  # a sync tried where there is no network changes nothing
        sync(device, HttpVotingServer("http://127.0.0.1:9", patience_s=0))
    assert device.status()["waiting"] == 10

    day.clock.set(MANIFEST.open_spans(TEAM)[1][0] + dt.timedelta(minutes=30))  # next morning
    report = sync(device, server)
    assert (report.ballots, report.check_ins) == (5, 5)
    on_board = _ballots(day)
    assert [p["tracking_code"] for p in on_board] == [r.tracking_code for r in receipts]
    for payload, receipt in zip(on_board, receipts, strict=True):
        assert payload["cast_at"] == receipt.cast_at  # the day it was cast, not the upload
        assert payload["received_at"] > receipt.cast_at
        assert "custody_late" not in payload
    size = day.board.size()

    again = sync(device, server)  # the same queue twice: nothing sent
    assert again.sent == 0 and day.board.size() == size
    device.close()

    copy = tmp_path / "copy.sqlite"  # a copy of the queue, with its synced marks cleared
    shutil.copy(tmp_path / "team.sqlite", copy)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE queue SET receipt = NULL")
    twin = OfflineDevice.open(copy)
    resent = sync(twin, server)
    assert resent.receipts == [r.tracking_code for r in receipts]  # the same receipts
    assert day.board.size() == size  # nothing doubled
    twin.close()


def test_an_edited_queue_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    _vote_day(device, [voter], DAY1 + dt.timedelta(hours=2))
    device.close()
    # The attacker flips the voter's choice in the stored ballot (another alpha).
    with sqlite3.connect(tmp_path / "team.sqlite") as db:
        seq, body = db.execute("SELECT seq, body FROM queue WHERE kind = 'cast'").fetchone()
        data = json.loads(body)
        answer = data["ballot"]["answers"][0]
        answer["selections"][0], answer["selections"][1] = (
            answer["selections"][1],
            answer["selections"][0],
        )
        db.execute("UPDATE queue SET body = ? WHERE seq = ?", (json.dumps(data), seq))
    size = day.board.size()
    edited = OfflineDevice.open(tmp_path / "team.sqlite")
    day.clock.set(DAY1 + dt.timedelta(hours=3))
    with pytest.raises(SignatureError):
        sync(edited, server)
    assert day.board.size() == size
    # Sent straight to the board, bypassing the device's own check: the board refuses it too.
    with pytest.raises(RefusedError) as refused:
        server.cast(data)
    assert refused.value.status in (403, 422)
    assert not _ballots(day)
    edited.close()


def test_clock_off_by_minutes_is_accepted_by_days_is_refused(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    early, late = _home_voters(day)[:2]
    (kept,) = _vote_day(device, [early], DAY1 - dt.timedelta(minutes=7))  # 7 min early
    _vote_day(device, [late], DAY1 - dt.timedelta(days=2))  # a clock two days behind
    day.clock.set(DAY1 + dt.timedelta(hours=4))
    with pytest.raises(SyncStoppedError, match="outside every open span"):
        sync(device, server)
    assert [p["tracking_code"] for p in _ballots(day)] == [kept.tracking_code]  # the window
    assert device.status()["waiting"] == 2  # the refused check-in and ballot, held, not lost
    # The device's signed chain end counts both: the board's chain has one, a visible gap.
    with pytest.raises(RefusedError) as gap:
        server.chain_end(device.device_id, device.chain_end())
    assert gap.value.status == 409
    device.close()


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgresql"])
def test_a_door_to_door_upload_after_the_voters_booth_ballot_is_recorded(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Cast at home on day 1 evening, the voter's booth ballot on day 2 morning, the team's
    sync after it (in the team's hours): the upload is recorded, not refused."""
    if backend == "postgresql":
        backend = request.getfixturevalue("pg_url")  # skipped without a server
    day, server, device = _setup(tmp_path, backend)
    voter = _home_voters(day)[0]
    _vote_day(device, [voter], DAY1 + dt.timedelta(hours=10))
    station = location(LocationKind.MAKESHIFT_STATION)
    booth = day.booth(station)
    day.clock.set(MANIFEST.open_spans(station)[1][0] + dt.timedelta(hours=1))
    server.check_in(booth.device_id, booth.check_in(voter))
    prepared = booth.prepare(voter, {q: None for q in CHOICE} | dict(CHOICE))
    booth_receipt = server.cast(prepared.cast_body())

    day.clock.set(day.clock.now() + dt.timedelta(hours=1))
    report = sync(device, server)  # not refused: the device gave its receipt already
    assert report.ballots == 1
    home = next(p for p in _ballots(day) if p["ballot"]["device"] == "team-1")
    booth_entry = next(p for p in _ballots(day) if p["ballot"]["device"] != "team-1")
    assert booth_entry["tracking_code"] == booth_receipt["tracking_code"]
    # Neither entry says which one counts (the tags decide after the close,
    # docs/protocol.md 12): nothing tells the team at the door that the voter went to a booth.
    for payload in (home, booth_entry):
        assert "overruled_by" not in payload and "supersedes" not in payload
    device.close()


def test_check_in_and_home_application_are_required_and_refusals_recorded(
    tmp_path: Path,
) -> None:
    day, _server, device = _setup(tmp_path)
    applied = _home_voters(day)[0]
    never = next(e.pseudonym for e in day.voters() if not e.home_voting)
    with pytest.raises(EligibilityError, match="not checked in"):
        device.vote(applied, CHOICE, DAY1 + dt.timedelta(hours=1))
    device.check_in(never)
    with pytest.raises(EligibilityError, match="no application"):
        device.vote(never, CHOICE, DAY1 + dt.timedelta(hours=1))
    with pytest.raises(EligibilityError, match="not on the roll"):
        device.check_in("ab" * 32)
    assert [r[2] for r in device.queue.refusals()] == [
        "not checked in on this device",
        "no application to vote at home",
    ]
    assert device.status()["ballots"] == 0
    device.close()


def test_the_receipt_is_signed_by_the_device_and_printable(tmp_path: Path) -> None:
    day, _server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    (receipt,) = _vote_day(device, [voter], DAY1 + dt.timedelta(hours=1))
    path = write_receipt(receipt, tmp_path / "receipts")
    assert path.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    kept = DeviceReceipt.from_json(json.loads(path.read_text()))
    kept.verify(device.key.verify_key)
    forged = DeviceReceipt.from_json({**kept.to_json(), "cast_at": DAY1.isoformat()})
    with pytest.raises(SignatureError):
        forged.verify(device.key.verify_key)  # a receipt altered afterwards does not verify
    device.close()


def test_a_receipt_whose_ballot_never_reached_the_board_is_filed_a_forged_one_is_not(
    tmp_path: Path,
) -> None:
    from plebiscite.services.voting.receipt_complaint import file_receipt_complaint

    day, server, device = _setup(tmp_path)
    first, second = _home_voters(day)[:2]
    (synced,) = _vote_day(device, [first], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=2))
    sync(device, server)
    (lost,) = _vote_day(device, [second], DAY1 + dt.timedelta(hours=3))  # never synced
    now = DAY1 + dt.timedelta(days=1)
    on_board = file_receipt_complaint(day.board, synced.to_json(), now)
    assert on_board.on_board is not None and on_board.filed is None
    size = day.board.size()
    # The attacker alters a receipt (another cast time) to accuse the board: nothing is filed.
    forged = {**lost.to_json(), "cast_at": (DAY1 + dt.timedelta(hours=4)).isoformat()}
    with pytest.raises(SignatureError):
        file_receipt_complaint(day.board, forged, now)
    assert day.board.size() == size
    filed = file_receipt_complaint(day.board, lost.to_json(), now)
    assert filed.filed == size
    complaint = day.board.entry(size).event
    assert complaint.type is EventType.COMPLAINT
    assert lost.tracking_code in complaint.payload["grounds"]
    device.close()


def test_the_device_serves_its_booth_pages_offline(tmp_path: Path) -> None:
    """Check-in, choose, review, code, cast: the station booth's flow on the device's own
    pages; the receipt is shown only once the ballot is queued. The challenge step is in
    ``test_device_challenge.py``."""
    from plebiscite.interfaces.device_pages import create_device_app

    day, _server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    device.close()
    at = DAY1 + dt.timedelta(hours=1)
    pages = TestClient(create_device_app(tmp_path / "team.sqlite", clock=at))
    assert "team-1" in pages.get("/").text
    ballot = pages.post("/check-in", data={"voter": voter, "lang": "en"})
    assert ballot.status_code == 200 and 'type="radio"' in ballot.text
    sid = re.search(r'action="/booth/([0-9a-f]+)/review"', ballot.text)
    assert sid is not None
    booth = f"/booth/{sid.group(1)}"
    answers = {f"q-{q}": o for q, o in CHOICE.items()}
    assert pages.post(f"{booth}/review", data=answers).status_code == 200
    sealed = pages.post(f"{booth}/seal")
    assert sealed.status_code == 200 and f'action="{booth}/challenge"' in sealed.text
    shown = pages.post(f"{booth}/cast")
    assert shown.status_code == 200 and "<svg" in shown.text
    again = OfflineDevice.open(tmp_path / "team.sqlite")
    (row,) = [r for r in again.queue.rows() if r.kind == "cast"]
    assert row.code is not None and row.code[:4] in shown.text  # queued before it was shown
    again.close()
    assert pages.get(f"{booth}/receipt.json").json()["tracking_code"] == row.code
    assert pages.post(f"{booth}/cast").status_code == 409  # the session is over
    second = pages.post("/check-in", data={"voter": voter})
    other = re.search(r'action="/booth/([0-9a-f]+)/review"', second.text)
    assert other is not None
    pages.post(f"/booth/{other.group(1)}/review", data=answers)
    twice = pages.post(f"/booth/{other.group(1)}/seal")
    assert twice.status_code == 409 and "already voted" in twice.text


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_team_that_edits_its_roll_cannot_upload_a_ballot_without_an_application(
    tmp_path: Path, backend: str
) -> None:
    day, server, device = _setup(tmp_path, backend)
    never = next(e.pseudonym for e in day.voters() if not e.home_voting)
    device.close()
    with sqlite3.connect(tmp_path / "team.sqlite") as db:  # the attacker's edit
        db.execute("UPDATE roll SET home_voting = 1 WHERE voter = ?", (never,))
    edited = OfflineDevice.open(tmp_path / "team.sqlite")
    _vote_day(edited, [never], DAY1 + dt.timedelta(hours=1))  # the device is fooled
    day.clock.set(DAY1 + dt.timedelta(hours=2))
    with pytest.raises(SyncStoppedError, match="did not apply to vote at home"):
        sync(edited, server)
    assert not _ballots(day)  # the board is not
    edited.close()


def test_a_sync_after_the_teams_last_hours_brings_everything_by_its_signed_times(
    tmp_path: Path,
) -> None:
    """The team's last voting day, synced the next day when its location is closed for good:
    each check-in is judged by its device-signed ``checked_at`` and each ballot by its
    ``cast_at``, so everything reaches the board."""
    day, server, device = _setup(tmp_path)
    last_day = MANIFEST.open_spans(TEAM)[-1][0]
    receipts = _vote_day(device, _home_voters(day)[:2], last_day + dt.timedelta(hours=2))
    day.clock.set(last_day + dt.timedelta(days=1, hours=2))  # the team never opens again
    report = sync(device, server)
    assert (report.check_ins, report.ballots) == (2, 2)
    assert [p["tracking_code"] for p in _ballots(day)] == [r.tracking_code for r in receipts]
    check_ins = [e.event.payload for e in day.board.entries() if e.event.type is EventType.CHECK_IN]
    assert all("checked_at" in c and c["checked_at"] < c["at"] for c in check_ins)
    device.close()


def test_a_check_in_without_a_signed_time_waits_for_the_teams_hours(tmp_path: Path) -> None:
    """A check-in queued without ``checked_at`` (an older device) is judged by its upload
    time: a sync at night stops at it, marks nothing, and the morning's sync brings all."""
    day, server, device = _setup(tmp_path)
    voters = _home_voters(day)[:2]
    for n, voter in enumerate(voters):
        device.check_in(voter)  # no time signed
        device.vote(voter, CHOICE, DAY1 + dt.timedelta(hours=1, minutes=n))
    day.clock.set(DAY1 + dt.timedelta(hours=20))  # 04:00, the team's location is closed
    with pytest.raises(SyncStoppedError, match="sync again in the team's hours"):
        sync(device, server)
    assert not _ballots(day) and device.status()["waiting"] == 4
    day.clock.set(MANIFEST.open_spans(TEAM)[1][0] + dt.timedelta(minutes=5))
    report = sync(device, server)
    assert (report.check_ins, report.ballots) == (2, 2)
    device.close()


def test_a_moved_or_unsigned_checked_at_is_refused_and_flagged(tmp_path: Path) -> None:
    from plebiscite.verifier.offline import check_check_in_record
    from plebiscite.verifier.report import VerificationReport
    from plebiscite.verifier.verify import RecordState

    day, server, device = _setup(tmp_path)
    voter = _home_voters(day)[0]
    device.check_in(voter, DAY1 + dt.timedelta(hours=1))
    device.close()
    with sqlite3.connect(tmp_path / "team.sqlite") as db:  # the attacker moves the time
        seq, body = db.execute("SELECT seq, body FROM queue WHERE kind = 'check_in'").fetchone()
        honest = json.loads(body)
        moved = {**honest, "checked_at": (DAY1 + dt.timedelta(days=1)).isoformat()}
        db.execute("UPDATE queue SET body = ? WHERE seq = ?", (json.dumps(moved), seq))
    edited = OfflineDevice.open(tmp_path / "team.sqlite")
    day.clock.set(DAY1 + dt.timedelta(days=4))
    with pytest.raises(SignatureError):  # the device's own check refuses the edited row
        sync(edited, server)
    edited.close()
    with pytest.raises(RefusedError, match="does not verify|signature"):  # and so does the board
        server.check_in("team-1", moved)
    day.clock.set(DAY1 + dt.timedelta(hours=2))
    index = server.check_in("team-1", honest)
    payload = day.board.entry(index).event.payload

    state = RecordState()
    state.manifest, state.manifest_hash = MANIFEST, bytes.fromhex(device.booth.election)
    key = device.key.verify_key.hex()
    report = VerificationReport("test")
    check_check_in_record(payload, key, TEAM, state, report, index)
    assert report.failed_checks() == []
    check_check_in_record(
        {**payload, "checked_at": moved["checked_at"]}, key, TEAM, state, report, index
    )
    assert report.failed_checks() == ["V70"]
