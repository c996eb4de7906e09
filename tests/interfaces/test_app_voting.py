"""The board service over HTTP: the whole day through TestClient (memory and SQLite, and
PostgreSQL when PLEBISCITE_TEST_PG is set), every refusal with its problem type and the board
unchanged, simulate end to end, and once through a real uvicorn server on loopback."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from voting_support import MANIFEST, Day, location, new_day, open_at

from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.api.client import HttpVotingServer
from plebiscite.interfaces.app import create_app
from plebiscite.record.board import Board
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.sql import SqlBoard
from plebiscite.services.simulation.simulate import simulate
from plebiscite.services.voting.casting import Receipt

TOKEN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MS = LocationKind.MAKESHIFT_STATION
RS = LocationKind.REGULAR_STATION


def _boards(tmp_path: Path) -> Iterator[Board]:
    yield MemoryBoard()


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def board(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Board]:
    if request.param == "memory":
        yield MemoryBoard()
    elif request.param == "sqlite":
        b = SqlBoard.open(str(tmp_path / "board.db"), create=True)
        yield b
        b.close()
    else:
        # A fresh schema on the local server (tests/conftest.py), skipped without one.
        b = SqlBoard.open(request.getfixturevalue("pg_url"), create=True)
        yield b
        b.close()


def _client(day: Day) -> TestClient:
    return TestClient(create_app(day.service, admin_token=TOKEN, demo_clock=day.clock))


def _problem(response: httpx.Response, slug: str, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"urn:plebiscite:problem:{slug}"
    assert body["status"] == status and body["title"] and "detail" in body


def _enrol(client: TestClient, day: Day, kind: LocationKind, name: str) -> Any:
    booth = day.booth(location(kind), name, enrol=False)
    r = client.post("/authority/devices", json=booth.enrolment(), headers=AUTH)
    assert r.status_code == 201, r.text
    return booth


def test_the_whole_day_over_http(board: Board) -> None:
    day = new_day(board, voters=80)
    client = _client(day)
    voters = day.voters()
    station = _enrol(client, day, MS, "station")
    home = _enrol(client, day, LocationKind.MOBILE_TEAM, "home")

    def refused(slug: str, status: int, method: str, path: str, **kw: Any) -> None:
        size = board.size()
        _problem(client.request(method, path, **kw), slug, status)
        assert board.size() == size, f"{slug} changed the board"

    def ready(booth: Any, voter: str, choice: str, post: bool = True) -> Any:
        """The device checks the voter in (``post``: through the board, else only on the
        device, for a check-in the board would refuse), then prepares the ballot."""
        body = booth.check_in(voter)
        if post:
            r = client.post(f"/devices/{booth.device_id}/check-ins", json=body)
            assert r.status_code == 201, r.text
        return booth.prepare(voter, {"dn-q1": choice})

    # check-in and cast, retries
    assert (
        client.post(
            "/devices/station/check-ins", json=station.check_in(voters[0].pseudonym)
        ).status_code
        == 201
    )
    first = station.prepare(voters[0].pseudonym, {"dn-q1": "yes"})
    r = client.post("/ballots", json=first.cast_body())
    assert r.status_code == 201, r.text
    station.accepted(first)
    receipt = Receipt.from_json(r.json())
    receipt.verify(day.head_key.verify_key)
    assert (
        client.post("/ballots", json=first.cast_body()).json()
        == client.get(f"/receipts/{first.tracking_code}").json()
    )

    # challenge then cast
    c = ready(station, voters[1].pseudonym, "no")
    r = client.post("/challenges", json=c.challenge_body())
    assert r.status_code == 201 and r.json()["kind"] == "challenged"
    station.accepted(c)
    again = station.prepare(voters[1].pseudonym, {"dn-q1": "no"})
    assert client.post("/ballots", json=again.cast_body()).status_code == 201
    station.accepted(again)

    # door to door, then a booth ballot on day 5: both recorded, neither says which counts
    applicant = next(v.pseudonym for v in voters[10:] if v.home_voting)  # teams take applicants
    h = ready(home, applicant, "yes")
    r = client.post("/ballots", json=h.cast_body())
    assert r.status_code == 201 and "supersedes" not in r.json()
    home.accepted(h)
    regular = _enrol(client, day, RS, "regular")
    client.put("/authority/clock", json={"now": open_at(location(RS)).isoformat()}, headers=AUTH)
    o = ready(regular, applicant, "no")
    r = client.post("/ballots", json=o.cast_body())
    assert r.status_code == 201 and "supersedes" not in r.json()
    regular.accepted(o)
    checks = [client.get(f"/receipts/{p.tracking_code}") for p in (h, o)]
    assert all(c.status_code == 200 and "supersedes" not in c.json() for c in checks)

    # refusals, each with its type, none changing the board
    dup = ready(regular, voters[0].pseudonym, "no")
    refused("already-voted", 409, "POST", "/ballots", json=dup.cast_body())
    refused(
        "already-voted",
        409,
        "POST",
        "/ballots",
        json=ready(regular, applicant, "no").cast_body(),
    )
    other_region = day.voters("luhansk")[0].pseudonym
    refused(
        "not-eligible",
        403,
        "POST",
        "/devices/regular/check-ins",
        json=regular.check_in(other_region),
    )
    refused(
        "not-eligible",
        403,
        "POST",
        "/ballots",
        json=ready(regular, other_region, "no", post=False).cast_body(),
    )
    refused(
        "location-closed",
        409,
        "POST",
        "/devices/station/check-ins",
        json=station.check_in(voters[5].pseudonym),
    )
    refused(
        "location-closed",
        409,
        "POST",
        "/ballots",
        json=ready(station, voters[5].pseudonym, "no", post=False).cast_body(),
    )
    no_opening = ready(regular, voters[6].pseudonym, "no").cast_body()
    del no_opening["tag_opening"]
    refused("malformed-body", 422, "POST", "/ballots", json=no_opening)
    bad = ready(regular, voters[6].pseudonym, "no").cast_body()
    bad["signature"] = "00" * 64
    refused("bad-signature", 403, "POST", "/ballots", json=bad)
    stranger = day.booth(location(RS), "stranger", enrol=False)
    refused(
        "unknown-device",
        403,
        "POST",
        "/ballots",
        json=ready(stranger, voters[6].pseudonym, "no", post=False).cast_body(),
    )
    tampered = ready(regular, voters[6].pseudonym, "no").cast_body()
    tampered["ballot"]["answers"][0]["selections"][0][0] = "ff" * 32
    refused("malformed-body", 422, "POST", "/ballots", json=tampered)
    refused(
        "malformed-body",
        422,
        "POST",
        "/ballots",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    refused("malformed-body", 422, "POST", "/ballots", json={"ballot": 1})
    refused(
        "body-too-large",
        413,
        "POST",
        "/ballots",
        content=b"x" * 300_000,
        headers={"content-type": "application/json"},
    )
    refused("unauthorized", 401, "POST", "/authority/devices", json=stranger.enrolment())
    refused(
        "unauthorized",
        401,
        "POST",
        "/authority/devices",
        json=stranger.enrolment(),
        headers={"Authorization": "Bearer wrong"},
    )
    assert (
        client.post(
            "/authority/devices/station/revoke", json={"reason": "lost"}, headers=AUTH
        ).status_code
        == 201
    )
    client.put("/authority/clock", json={"now": open_at(location(MS), 1).isoformat()}, headers=AUTH)
    refused(
        "revoked-device",
        403,
        "POST",
        "/ballots",
        json=ready(station, voters[7].pseudonym, "no", post=False).cast_body(),
    )
    refused("not-found", 404, "GET", "/receipts/" + "00" * 32)

    # public reads
    head = client.get("/board/heads/latest").json()
    assert head["tree_size"] <= board.size()
    entries = client.get("/board/entries", params={"start": 0, "stop": 3}).json()
    assert [e["index"] for e in entries["entries"]] == [0, 1, 2]
    assert entries["entries"][0]["event"]["type"] == "manifest"
    proof = client.get(
        "/board/proofs/consistency",
        params={"first": receipt.head.tree_size, "second": head["tree_size"]},
    )
    assert proof.status_code == 200
    assert client.get("/manifest").json()["hash"] == day.bed.manifest_hash.hex()
    assert set(client.get("/roll").json()["commitments"]) == {r.id for r in MANIFEST.regions}

    assert client.post("/authority/close", headers=AUTH).status_code == 201
    refused(
        "voting-closed",
        409,
        "POST",
        "/ballots",
        json=ready(home, voters[8].pseudonym, "no", post=False).cast_body(),
    )


def test_clock_cannot_be_set_outside_demo_mode() -> None:
    day = new_day(MemoryBoard(), voters=20)
    client = TestClient(create_app(day.service, admin_token=TOKEN))
    r = client.put("/authority/clock", json={"now": "2022-09-23T10:00:00+03:00"}, headers=AUTH)
    assert r.status_code in (404, 405)
    assert "/authority/clock" not in client.get("/openapi.json").json()["paths"]


def test_simulate_through_test_client() -> None:
    day = new_day(MemoryBoard(), voters=150)
    client = _client(day)
    result = simulate(HttpVotingServer(client, TOKEN), 30, seed=3, concurrency=1, refusals=4)
    assert not result.unexpected, result.refusals
    assert {r["got"] for r in result.refusals} == {"already-voted", "location-closed"}
    counted = sum(sum(opts.values()) for q in result.truth.values() for opts in q.values())
    # An override adds a booth ballot to the voter's door-to-door one: both are recorded, and
    # no entry says which counts.
    assert counted == 30 and result.cast == 30 + result.superseded
    casts = [e for e in day.board.entries() if e.event.type.value == "ballot_cast"]
    assert len(casts) == result.cast
    assert not any({"supersedes", "overruled_by"} & set(e.event.payload) for e in casts)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_uvicorn_server_on_loopback(tmp_path: Path) -> None:
    import uvicorn

    board = SqlBoard.open(str(tmp_path / "b.db"), create=True)
    day = new_day(board, voters=150)
    app = create_app(day.service, admin_token=TOKEN, demo_clock=day.clock)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        client = HttpVotingServer(url, TOKEN, connections=6)
        receipts = tmp_path / "receipts.jsonl"
        result = simulate(client, 40, seed=5, concurrency=4, receipts_path=receipts, close=True)
        assert not result.unexpected
        lines = receipts.read_text().splitlines()
        assert len(lines) == result.cast + result.challenged
        later = httpx.get(f"{url}/board/heads/latest").json()
        for line in lines[:5]:
            r = Receipt.from_json(__import__("json").loads(line))
            r.verify(day.head_key.verify_key)
            proof = httpx.get(
                f"{url}/board/proofs/inclusion",
                params={"index": r.leaf_index, "tree_size": later["tree_size"]},
            ).json()
            from plebiscite.record.merkle import InclusionProof, verify_inclusion

            verify_inclusion(
                InclusionProof.from_json(proof), r.leaf_hash, bytes.fromhex(later["root_hash"])
            )
        assert client.election()["closed_at"] is not None
        client.close_client()
    finally:
        server.should_exit = True
        thread.join(10)
        board.close()


def test_simulate_double_votes_and_retries_leave_one_ballot_per_voter() -> None:
    """Plays a voter (or a team) sending one ballot from two devices at once and a retry."""
    day = new_day(MemoryBoard(), voters=150)
    client = _client(day)
    result = simulate(
        HttpVotingServer(client, TOKEN), 30, seed=4, concurrency=2, refusals=0, duplicates=0.6
    )
    assert not result.unexpected
    assert result.duplicates > 0 and result.duplicates_refused == result.duplicates
    counted = sum(sum(opts.values()) for q in result.truth.values() for opts in q.values())
    assert counted == 30
    casts = [e for e in day.board.entries() if e.event.type.value == "ballot_cast"]
    assert len(casts) == result.cast
    # The voter of each ballot, by the board's private check-in index (no entry names one).
    booth_voters = [
        day.board.check_in_voter(
            e.event.payload["ballot"]["device"], e.event.payload["ballot"]["checkin"]
        )
        for e in casts
        if MANIFEST.location_by_id[e.event.payload["ballot"]["location"]].kind.is_booth
    ]
    assert None not in booth_voters and len(set(booth_voters)) == len(booth_voters)
