"""Device chain ends over HTTP (``docs/voting.md``, chain ends): a device signs where its
chain ends, the board refuses an end its chain does not reach, takes no ballot after it, and
names the devices that never reported once voting has closed."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from voting_support import location, new_day

from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.app import create_app
from plebiscite.record.events import EventType
from plebiscite.record.memory import MemoryBoard

TOKEN = "chain-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_chain_ends_over_http() -> None:
    board = MemoryBoard()
    day = new_day(board, voters=40)
    client = TestClient(create_app(day.service, admin_token=TOKEN, demo_clock=day.clock))
    station = day.booth(location(LocationKind.MAKESHIFT_STATION), "station")
    quiet = day.booth(location(LocationKind.MOBILE_TEAM), "quiet")
    voters = day.voters()
    for voter in voters[:2]:
        prepared = station.prepare(voter.pseudonym, {"dn-q1": "yes"})
        assert client.post("/ballots", json=prepared.cast_body()).status_code == 201
        station.accepted(prepared)
    last = station.prepare(voters[2].pseudonym, {"dn-q1": "no"})
    assert client.post("/challenges", json=last.challenge_body()).status_code == 201
    station.accepted(last)

    # A device (or someone with its key) claiming a shorter chain than the board holds.
    size = board.size()
    short = station.chain_end(count=2)
    r = client.post("/devices/station/chain-end", json=short)
    assert r.status_code == 409 and "the board holds 3" in r.json()["detail"]
    # A chain end not signed by the device.
    forged = {**station.chain_end(), "signature": "00" * 64}
    assert client.post("/devices/station/chain-end", json=forged).status_code == 403
    assert board.size() == size

    r = client.post("/devices/station/chain-end", json=station.chain_end())
    assert r.status_code == 201, r.text
    end = board.entry(r.json()["leaf_index"]).event
    assert end.type is EventType.DEVICE_CHAIN_END
    assert end.payload["count"] == 3 and end.payload["last_code"] == last.tracking_code
    assert client.post("/devices/station/chain-end", json=station.chain_end()).status_code == 409

    # After its end the device takes no check-in and no ballot.
    body = station.check_in(voters[3].pseudonym)  # signed on the device only
    assert client.post("/devices/station/check-ins", json=body).status_code == 403
    after = station.prepare(voters[3].pseudonym, {"dn-q1": "yes"})
    assert client.post("/ballots", json=after.cast_body()).status_code == 403

    # Unreported devices are named only after the close, and then every one of them.
    r = client.post("/authority/chain-ends/unreported", headers=AUTH)
    assert r.status_code == 409
    assert client.post("/authority/close", headers=AUTH).status_code == 201
    r = client.post("/authority/chain-ends/unreported", headers=AUTH)
    assert r.status_code == 201
    named = [board.entry(i).event.payload for i in r.json()["leaf_indices"]]
    assert [p["device"] for p in named] == [quiet.device_id]
    assert named[0]["unreported"] is True and named[0]["count"] == 0
