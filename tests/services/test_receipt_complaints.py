"""Receipt complaints judged by the verifier (V72, ``docs/verifier.md``) and filed by the
checker (``services/voting/receipt_complaint.py``).

Real parts: an offline device over the FastAPI app and an in-memory board, the exported record
and the whole verifier. Each attack test plays the attacker: a forged receipt, and a receipt
for a ballot that is on the board, forced onto the board past the checker.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from test_device import DAY1, _home_voters, _setup, _vote_day

from plebiscite.errors import InputError, SignatureError
from plebiscite.record.events import EventType
from plebiscite.record.export import export_board
from plebiscite.services.paper.filing import submit_complaint
from plebiscite.services.voting.device import DeviceReceipt
from plebiscite.services.voting.device_sync import sync
from plebiscite.services.voting.receipt_complaint import complaint_id, file_receipt_complaint
from plebiscite.verifier.verify import verify_record

NOW = DAY1 + dt.timedelta(hours=6)


def _forced(receipt: dict[str, str], precinct: str, size: int) -> dict[str, Any]:
    """A complaint as the checker would file it, appended without the checker."""
    return {
        "complaint": complaint_id(receipt["tracking_code"]),
        "precinct": precinct,
        "filed_by": "an attacker",
        "filed_at": NOW.isoformat(),
        "grounds": "forced past the checker",
        "decision": None,
        "receipt": receipt,
        "board_size": size,
    }


def _v72(tmp_path: Path, board: Any) -> list[str]:
    export_board(board, tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=1)
    assert report.checks["V40"].passed, report.checks[
        "V40"
    ].findings  # the receipt field is part of a well-formed complaint
    assert report.checks["V72"].checked > 0
    return [f.message for f in report.checks["V72"].findings]


def test_a_well_founded_complaint_is_filed_once_and_reported_by_the_verifier(
    tmp_path: Path,
) -> None:
    day, server, device = _setup(tmp_path)
    first, second, third = _home_voters(day)[:3]
    (synced,) = _vote_day(device, [first], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=2))
    sync(device, server)
    (lost,) = _vote_day(device, [second], DAY1 + dt.timedelta(hours=3))  # never synced
    on_board = file_receipt_complaint(day.board, synced.to_json(), NOW)
    assert (on_board.on_board, on_board.filed) != (None, None) and on_board.filed is None
    filed = file_receipt_complaint(day.board, lost.to_json(), NOW)
    assert filed.filed is not None and not filed.again
    payload = day.board.entry(filed.filed).event.payload
    assert payload["receipt"] == lost.to_json() and payload["board_size"] == filed.filed
    size = day.board.size()
    again = file_receipt_complaint(day.board, lost.to_json(), NOW)
    assert again.again and again.filed == filed.filed and day.board.size() == size
    day.service.flush_head()
    findings = _v72(tmp_path, day.board)
    assert (
        len(findings) == 1 and "well founded" in findings[0] and lost.tracking_code in findings[0]
    )

    # The team syncs later (before the close): the complaint was right, and is now settled.
    (late,) = _vote_day(device, [third], DAY1 + dt.timedelta(hours=4))
    day.clock.set(DAY1 + dt.timedelta(hours=5))
    sync(device, server)
    assert day.board.ballot_code(lost.tracking_code) is not None
    day.service.flush_head()
    assert _v72(tmp_path / "later", day.board) == []
    assert file_receipt_complaint(day.board, late.to_json(), NOW).on_board is not None
    device.close()


def test_a_forged_receipt_is_refused_and_flagged_if_forced_in(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    (lost,) = _vote_day(device, _home_voters(day)[:1], DAY1 + dt.timedelta(hours=1))
    moved = {**lost.to_json(), "cast_at": (DAY1 + dt.timedelta(hours=2)).isoformat()}
    size = day.board.size()
    with pytest.raises(SignatureError):
        file_receipt_complaint(day.board, moved, NOW)
    elsewhere = {**lost.to_json(), "location": "somewhere-else"}  # unsigned, but a lie
    with pytest.raises(InputError, match="enrolled at"):
        file_receipt_complaint(day.board, elsewhere, NOW)
    assert day.board.size() == size  # nothing filed
    manifest = day.service.election.require_manifest()
    precinct = manifest.location_by_id[lost.location].precinct_id
    submit_complaint(day.board, _forced(moved, precinct, size), manifest=manifest)
    day.service.flush_head()
    (finding,) = _v72(tmp_path, day.board)
    assert "forged or altered" in finding
    device.close()


def test_a_complaint_for_a_ballot_on_the_board_is_a_wrong_finding(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    (synced,) = _vote_day(device, _home_voters(day)[:1], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=2))
    sync(device, server)
    entry = day.board.ballot_code(synced.tracking_code)
    assert entry is not None
    # Anyone can rebuild this receipt from the board (cast_at_signature): the checker files
    # nothing for it; a board operator who files it anyway is caught.
    on_board = file_receipt_complaint(day.board, synced.to_json(), NOW)
    assert on_board.on_board == entry[0] and on_board.filed is None
    manifest = day.service.election.require_manifest()
    precinct = manifest.location_by_id[synced.location].precinct_id
    submit_complaint(
        day.board, _forced(synced.to_json(), precinct, day.board.size()), manifest=manifest
    )
    day.service.flush_head()
    (finding,) = _v72(tmp_path, day.board)
    assert f"on the board at entry {entry[0]}" in finding
    device.close()


def test_a_receipt_complaint_about_another_precinct_or_a_future_board_fails(
    tmp_path: Path,
) -> None:
    day, _server, device = _setup(tmp_path)
    (lost,) = _vote_day(device, _home_voters(day)[:1], DAY1 + dt.timedelta(hours=1))
    manifest = day.service.election.require_manifest()
    own = manifest.location_by_id[lost.location].precinct_id
    other = next(p.id for p in manifest.precincts if p.id != own)
    receipt = DeviceReceipt.from_json(lost.to_json()).to_json()
    submit_complaint(day.board, _forced(receipt, other, day.board.size()), manifest=manifest)
    size = day.board.size()
    forward = {**_forced(receipt, own, size + 50), "complaint": "receipt-forward"}
    submit_complaint(day.board, forward, manifest=manifest)
    day.service.flush_head()
    findings = _v72(tmp_path, day.board)
    assert any(f"not the device's {own!r}" in f for f in findings)
    assert any(f"claims a board of {size + 50}" in f for f in findings)
    assert day.board.entry(size).event.type is EventType.COMPLAINT
    device.close()


def test_receipts_naming_another_election_device_or_location_are_flagged(
    tmp_path: Path,
) -> None:
    """Complaints forced onto the board past the checker, one per lie in the receipt: each is a
    V72 finding at its own entry, and a receipt filed twice is named."""
    day, _server, device = _setup(tmp_path)
    (lost,) = _vote_day(device, _home_voters(day)[:1], DAY1 + dt.timedelta(hours=1))
    manifest = day.service.election.require_manifest()
    precinct = manifest.location_by_id[lost.location].precinct_id
    receipt = lost.to_json()
    lies = {
        "another election": {**receipt, "election": "00" * 64},
        "'ghost-device', not enrolled before it": {**receipt, "device": "ghost-device"},
        "names location 'somewhere-else', not the device's": {
            **receipt,
            "location": "somewhere-else",
        },
    }
    at: dict[str, int] = {}
    for n, (words, lie) in enumerate(lies.items()):
        at[words] = day.board.size()
        forced = {**_forced(lie, precinct, day.board.size()), "complaint": f"receipt-lie-{n}"}
        submit_complaint(day.board, forced, manifest=manifest)
    for n in range(2):  # the honest receipt, filed twice under two ids
        at[f"again-{n}"] = day.board.size()
        forced = {**_forced(receipt, precinct, day.board.size()), "complaint": f"twice-{n}"}
        submit_complaint(day.board, forced, manifest=manifest)
    day.service.flush_head()
    export_board(day.board, tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=1)
    findings = report.checks["V72"].findings
    for words in lies:
        (hit,) = [f for f in findings if words in f.message]
        assert hit.entry == at[words], (words, str(hit))
    (twice,) = [f for f in findings if "the same receipt filed again" in f.message]
    assert twice.entry == at["again-1"]
    (founded,) = [f for f in findings if "well founded" in f.message]
    assert founded.entry == at["again-0"]
    device.close()


def test_the_complaint_page_files_a_lost_receipt_and_refuses_a_forged_one(
    tmp_path: Path,
) -> None:
    from fastapi.testclient import TestClient

    from plebiscite.interfaces.app import create_app

    day, server, device = _setup(tmp_path)
    first, second = _home_voters(day)[:2]
    (synced,) = _vote_day(device, [first], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=2))
    sync(device, server)
    (lost,) = _vote_day(device, [second], DAY1 + dt.timedelta(hours=3))
    pages = TestClient(create_app(day.service, admin_token=None, demo_clock=day.clock))
    assert 'name="receipt"' in pages.get("/complaint").text
    assert 'href="/complaint"' in pages.get("/").text
    size = day.board.size()

    forged = {**lost.to_json(), "tracking_code": "ab" * 32}  # a receipt for a ballot never cast
    refused = pages.post("/complaint", data={"receipt": json.dumps(forged)})
    assert refused.status_code == 422 and "signature does not verify" in refused.text
    garbled = pages.post("/complaint", data={"receipt": "{not json"})
    assert garbled.status_code == 422 and "not JSON" in garbled.text
    shaped = pages.post("/complaint", data={"receipt": "[1, 2]"})
    assert shaped.status_code == 422 and "a device receipt is an object" in shaped.text
    there = pages.post("/complaint", data={"receipt": json.dumps(synced.to_json())})
    assert there.status_code == 200 and f"/receipt?code={synced.tracking_code}" in there.text
    assert day.board.size() == size  # nothing filed for any of these

    filed = pages.post("/complaint", data={"receipt": json.dumps(lost.to_json())})
    assert filed.status_code == 200 and lost.tracking_code in filed.text
    assert day.board.entry(size).event.payload["receipt"] == lost.to_json()
    again = pages.post("/complaint", data={"receipt": json.dumps(lost.to_json())})
    assert again.status_code == 200 and day.board.size() == size + 1
    device.close()
