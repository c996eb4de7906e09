"""Booths carry no official power (``docs/pages.md``, ``docs/privacy.md``).

The attackers: a station official who tries to act outside their station or after their
credential was revoked; a voter at the booth terminal (the kiosk) who tries the officials'
pages, the station page, a check-in, or another voter's booth. Each attack works if a page
opens or the board moves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.app import create_app
from plebiscite.record.events import EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.testbed import publish_test_election
from plebiscite.services.voting.casting import CastingService, SimulatedClock
from plebiscite.services.voting.station_credentials import public_part

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
TOKEN = "kiosk-test-token"

Live = tuple[FastAPI, CastingService, str]


@pytest.fixture
def live() -> Live:
    """A board open for voting with two server-run station booths, A and B."""
    manifest = load_manifest(SEED)
    board = MemoryBoard()
    publish_test_election(board, manifest, 40)
    loc = next(x for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
    clock = SimulatedClock(manifest.open_spans(loc)[0][0].replace(hour=10))
    service = CastingService(board, SigningKey.generate(), clock)
    app = create_app(service, admin_token=TOKEN, demo_clock=clock)
    app.state.stations.create(service, "booth-a", loc.id)
    app.state.stations.create(service, "booth-b", loc.id)
    return app, service, loc.region_id


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found is not None
    return found.group(1)


def authority(app: FastAPI) -> TestClient:
    client = TestClient(app)
    client.post("/officials/login", data={"token": TOKEN, "next": "/officials"})
    client.headers["X-CSRF-Token"] = _csrf(client.get("/officials").text)
    return client


def issue(chief: TestClient, device: str) -> str:
    page = chief.post("/officials/credentials", data={"device": device})
    found = re.search(r"(st1_[A-Za-z0-9_-]+)", page.text)
    assert page.status_code == 200 and found is not None, page.text[-500:]
    return found.group(1)


def official(app: FastAPI, secret: str, device: str) -> TestClient:
    client = TestClient(app)
    signed = client.post("/station/login", data={"credential": secret})
    assert signed.status_code == 200 and str(signed.url).endswith(f"/station/{device}")
    client.headers["X-CSRF-Token"] = _csrf(signed.text)
    return client


def kiosk(app: FastAPI, station: TestClient, device: str) -> TestClient:
    code = re.search(
        r'id="pairing-code"[^>]*>([0-9a-f]{12})<', station.get(f"/station/{device}").text
    )
    assert code is not None
    terminal = TestClient(app)
    paired = terminal.post(f"/kiosk/{device}/pair", data={"code": code.group(1)})
    assert paired.status_code == 200 and 'id="kiosk-waiting"' in paired.text
    return terminal


def check_in(station: TestClient, device: str, voter: str) -> None:
    done = station.post(f"/station/{device}/check-in", data={"voter": voter, "lang": "en"})
    assert done.status_code == 200 and 'id="checked-in"' in done.text, done.text[-400:]


def vote(terminal: TestClient, device: str, option: str) -> tuple[str, str]:
    """The voter at the terminal casts ``option``; (session id, tracking code)."""
    shown = terminal.get(f"/kiosk/{device}")
    assert "/booth/" in str(shown.url), shown.text[-300:]
    sid = str(shown.url).split("/booth/")[1].split("?")[0]
    question = re.search(r'name="(q-[^"]+)"', shown.text)
    assert question is not None
    terminal.post(f"/booth/{sid}/review", data={question.group(1): option})
    sealed = terminal.post(f"/booth/{sid}/seal")
    code = "".join(re.findall(r"<span>([0-9a-f]{4})</span>", sealed.text))
    done = terminal.post(f"/booth/{sid}/cast")
    assert done.status_code == 200 and 'id="done"' in done.text
    return sid, code


def test_a_station_credential_is_on_the_board_and_opens_only_its_station(live: Live) -> None:
    app, service, region = live
    secret = issue(authority(app), "booth-a")
    events = [e.event for e in service.board.entries_of_type([EventType.STATION_CREDENTIAL])]
    assert [(e.payload["station"], e.payload["credential"]) for e in events] == [
        ("booth-a", public_part(secret))
    ]
    assert all(secret.encode() not in e.data for e in events)
    assert secret != TOKEN and TOKEN not in secret

    station_a = official(app, secret, "booth-a")
    size = service.board.size()
    # Not the officials' pages, not station B, not closing the vote.
    assert station_a.get("/officials").status_code == 401
    assert station_a.post("/officials/close", data={"confirm": "yes"}).status_code == 401
    assert station_a.post("/officials/credentials", data={"device": "booth-a"}).status_code == 401
    assert station_a.get("/station/booth-b").status_code == 401
    voter = service.voters_without_ballot(region, 1)[0]
    at_b = station_a.post("/station/booth-b/check-in", data={"voter": voter, "lang": "en"})
    assert at_b.status_code == 401
    assert service.board.size() == size and service.election.closed_at is None
    # At its own station it checks a voter in.
    check_in(station_a, "booth-a", voter)
    assert service.board.size() == size + 1


def test_a_revoked_station_credential_is_refused_at_once(live: Live) -> None:
    app, service, region = live
    chief = authority(app)
    secret = issue(chief, "booth-a")
    station_a = official(app, secret, "booth-a")
    revoked = chief.post("/officials/credentials/revoke", data={"credential": public_part(secret)})
    assert revoked.status_code == 200
    size = service.board.size()
    voter = service.voters_without_ballot(region, 1)[0]
    assert station_a.get("/station/booth-a").status_code == 401
    late = station_a.post("/station/booth-a/check-in", data={"voter": voter, "lang": "en"})
    assert late.status_code == 401 and service.board.size() == size
    again = TestClient(app).post("/station/login", data={"credential": secret})
    assert again.status_code == 401 and "revoked" in again.text
    # A second revocation, or an unknown credential, is a one-line refusal, not a 500.
    twice = chief.post("/officials/credentials/revoke", data={"credential": public_part(secret)})
    assert twice.status_code == 422 and "revoked at" in twice.text
    assert chief.post("/officials/credentials", data={"device": "nope"}).status_code == 422


def test_the_kiosk_shows_each_voter_in_turn_and_holds_no_official_power(live: Live) -> None:
    app, service, region = live
    chief = authority(app)
    station_a = official(app, issue(chief, "booth-a"), "booth-a")
    station_b = official(app, issue(chief, "booth-b"), "booth-b")
    terminal_a = kiosk(app, station_a, "booth-a")
    terminal_b = kiosk(app, station_b, "booth-b")
    first, second, third = service.voters_without_ballot(region, 3)

    check_in(station_a, "booth-a", first)
    sid, code = vote(terminal_a, "booth-a", "yes")
    assert service.ballots[code].kind == "cast"
    # Cast: the terminal waits for the next voter, and the finished session is refused.
    assert 'id="kiosk-waiting"' in terminal_a.get("/kiosk/booth-a").text
    assert terminal_a.post(f"/booth/{sid}/seal").status_code == 409
    check_in(station_a, "booth-a", second)
    assert terminal_a.get(f"/booth/{sid}").status_code == 404  # the last voter's is gone
    next_sid, _ = vote(terminal_a, "booth-a", "no")
    assert next_sid != sid

    # A voter at B's terminal with B's session open; the attacker is at A's terminal.
    check_in(station_b, "booth-b", third)
    shown = terminal_b.get("/kiosk/booth-b")
    other = str(shown.url).split("/booth/")[1].split("?")[0]
    size = service.board.size()
    assert terminal_a.get("/officials").status_code == 401
    assert terminal_a.get("/station/booth-a").status_code == 401
    assert terminal_a.get("/station/booth-b").status_code == 401
    fourth = service.voters_without_ballot(region, 4)[-1]
    for device in ("booth-a", "booth-b"):
        posted = terminal_a.post(f"/station/{device}/check-in", data={"voter": fourth})
        assert posted.status_code == 401
    assert terminal_a.get(f"/booth/{other}").status_code == 404
    assert terminal_a.post(f"/booth/{other}/seal").status_code == 404
    assert terminal_a.get("/kiosk/booth-b").status_code == 200  # only B's pairing form
    assert "/booth/" not in str(terminal_a.get("/kiosk/booth-b").url)
    # The officials' own browsers cannot open the voter's booth either.
    assert station_b.get(f"/booth/{other}").status_code == 404
    assert chief.get(f"/booth/{other}").status_code == 404
    assert service.board.size() == size
    # B's voter is unharmed and votes.
    vote(terminal_b, "booth-b", "yes")


def test_a_pairing_code_pairs_one_terminal_once(live: Live) -> None:
    app, service, _ = live
    station_a = official(app, issue(authority(app), "booth-a"), "booth-a")
    page = station_a.get("/station/booth-a").text
    found = re.search(r'id="pairing-code"[^>]*>([0-9a-f]{12})<', page)
    assert found is not None
    code = found.group(1)
    assert TestClient(app).post("/kiosk/booth-a/pair", data={"code": "0" * 12}).status_code == 403
    assert TestClient(app).post("/kiosk/booth-b/pair", data={"code": code}).status_code == 403
    first = TestClient(app)
    assert first.post("/kiosk/booth-a/pair", data={"code": code}).status_code == 200
    assert TestClient(app).post("/kiosk/booth-a/pair", data={"code": code}).status_code == 403


def test_a_browser_station_is_run_by_its_credential_and_enrolled_by_its_terminal(
    live: Live,
) -> None:
    app, service, region = live
    loc = service.devices["booth-a"].location
    app.state.stations.create_browser(service, "kiosk-b", loc)
    chief = authority(app)
    station = official(app, issue(chief, "kiosk-b"), "kiosk-b")
    assert "kiosk-b" not in service.devices
    page = station.get("/station/kiosk-b").text
    code = re.search(r'id="pairing-code"[^>]*>([0-9a-f]{12})<', page)
    assert code is not None
    key = SigningKey.generate().verify_key.hex()
    terminal = TestClient(app)
    bad = terminal.post("/kiosk/kiosk-b/pair", data={"code": code.group(1), "public_key": "xy"})
    assert bad.status_code == 422 and "kiosk-b" not in service.devices
    code = re.search(
        r'id="pairing-code"[^>]*>([0-9a-f]{12})<', station.get("/station/kiosk-b").text
    )
    assert code is not None
    paired = terminal.post("/kiosk/kiosk-b/pair", data={"code": code.group(1), "public_key": key})
    assert paired.status_code == 200 and 'id="kiosk-waiting"' in paired.text
    assert service.devices["kiosk-b"].public_key.hex() == key
    # The terminal gets the checked-in voter once, with nothing secret; no other browser does.
    voter = service.voters_without_ballot(region, 1)[0]
    assert terminal.get("/kiosk/kiosk-b/next").json() == {"waiting": True}
    check_in(station, "kiosk-b", voter)
    assert station.get("/kiosk/kiosk-b/next").status_code == 403
    sheet = terminal.get("/kiosk/kiosk-b/next").json()
    assert sheet["voter"] == voter and sheet["previous_code"] and "nonce" not in str(sheet)
    assert terminal.get("/kiosk/kiosk-b/next").json() == {"waiting": True}
