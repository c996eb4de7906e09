"""The officials' sessions against an attacker: cross-site forms, forged or stale cookies, and
numbers no paper protocol holds.

The attacker of the first tests is a page on another origin (another port of the same host)
that the signed-in official's browser visits: it posts a form to the officials' pages, and the
browser attaches the session cookie. The attack works if the board moves.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.app import create_app
from plebiscite.interfaces.pages.common import AUTH_COOKIE
from plebiscite.interfaces.pages.sessions import SESSION_SECONDS, new_session
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.testbed import publish_test_election
from plebiscite.services.voting.casting import CastingService, SimulatedClock

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
TOKEN = "officials-test-token"
OWN = "http://testserver"


@pytest.fixture
def live() -> tuple[TestClient, CastingService]:
    manifest = load_manifest(SEED)
    board = MemoryBoard()
    publish_test_election(board, manifest, 20)
    loc = next(x for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
    clock = SimulatedClock(manifest.open_spans(loc)[0][0].replace(hour=10))
    service = CastingService(board, SigningKey.generate(), clock)
    app = create_app(service, admin_token=TOKEN, demo_clock=clock)
    return TestClient(app), service


def sign_in(client: TestClient) -> str:
    """Sign in; return the CSRF token the officials' page carries in its forms."""
    client.post("/officials/login", data={"token": TOKEN, "next": "/officials"})
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/officials").text)
    assert found is not None
    return found.group(1)


def test_a_cross_origin_post_with_the_cookie_is_refused(
    live: tuple[TestClient, CastingService],
) -> None:
    client, service = live
    token = sign_in(client)
    before = service.board.size()
    evil = {"origin": "http://testserver:8001"}  # another port of the same host
    closed = client.post("/officials/close", data={"confirm": "yes", "csrf": token}, headers=evil)
    assert closed.status_code == 403
    booth = client.post(
        "/officials/booths",
        data={"device": "evil", "location": "x", "csrf": token},
        headers={"referer": "http://evil.example/page"},
    )
    assert booth.status_code == 403
    # A page with Referrer-Policy no-referrer (or a sandboxed frame) sends "Origin: null".
    hidden = client.post(
        "/officials/close", data={"confirm": "yes", "csrf": token}, headers={"origin": "null"}
    )
    assert hidden.status_code == 403
    # Without the token (what a cross-site form cannot know), even from the right origin.
    for headers in ({}, {"origin": OWN}):
        refused = client.post("/officials/close", data={"confirm": "yes"}, headers=headers)
        assert refused.status_code == 403
        wrong = client.post(
            "/officials/close", data={"confirm": "yes", "csrf": "0" * 64}, headers=headers
        )
        assert wrong.status_code == 403
    assert service.board.size() == before and service.election.closed_at is None
    # The real form, from the real page, works.
    done = client.post(
        "/officials/close", data={"confirm": "yes", "csrf": token}, headers={"origin": OWN}
    )
    assert done.status_code == 200 and service.election.closed_at is not None


def test_login_from_another_origin_is_refused(live: tuple[TestClient, CastingService]) -> None:
    client, _ = live
    answer = client.post(
        "/officials/login",
        data={"token": TOKEN, "next": "/officials"},
        headers={"origin": "http://127.0.0.1:9"},
        follow_redirects=False,
    )
    assert answer.status_code == 403 and AUTH_COOKIE not in answer.cookies


def test_the_cookie_is_a_session_not_the_token(live: tuple[TestClient, CastingService]) -> None:
    client, _ = live
    answer = client.post(
        "/officials/login", data={"token": TOKEN, "next": "/officials"}, follow_redirects=False
    )
    cookie = answer.cookies[AUTH_COOKIE]
    assert TOKEN not in cookie and cookie.startswith("v1.")
    header = answer.headers["set-cookie"].lower()
    assert f"max-age={SESSION_SECONDS}" in header and "httponly" in header
    assert "samesite=strict" in header and "secure" not in header

    fresh = TestClient(client.app)
    fresh.cookies.set(AUTH_COOKIE, TOKEN)  # the raw token is no longer a session
    assert fresh.get("/officials").status_code == 401
    version, sid, expiry, mac = cookie.split(".")
    forged = f"{version}.{sid}.{int(expiry) + 10**6}.{mac}"  # a longer life, same MAC
    fresh.cookies.set(AUTH_COOKIE, forged)
    assert fresh.get("/officials").status_code == 401
    stale = new_session(TOKEN, now=time.time() - SESSION_SECONDS - 1)
    fresh.cookies.set(AUTH_COOKIE, stale)
    assert fresh.get("/officials").status_code == 401
    fresh.cookies.set(AUTH_COOKIE, new_session(TOKEN))
    assert fresh.get("/officials").status_code == 200
    other = new_session("another server's token")
    fresh.cookies.set(AUTH_COOKIE, other)
    assert fresh.get("/officials").status_code == 401


def test_the_cookie_is_secure_behind_tls(live: tuple[TestClient, CastingService]) -> None:
    client, _ = live
    tls = TestClient(client.app, base_url="https://testserver")
    answer = tls.post(
        "/officials/login", data={"token": TOKEN, "next": "/officials"}, follow_redirects=False
    )
    assert "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize("typed", ["²", "١٢", "12x", "-3", "３"])
def test_protocol_form_refuses_digits_that_are_not_0_to_9(
    live: tuple[TestClient, CastingService], typed: str
) -> None:
    client, service = live
    client.headers["X-CSRF-Token"] = sign_in(client)
    fields = {"pair": "dn-0101|dn-q1", "line-voters_on_list": typed, "signed_by": "A"}
    before = service.board.size()
    stored = client.post("/officials/protocol", data=fields)
    assert stored.status_code == 422 and "line-voters_on_list" in stored.text
    checked = client.post("/officials/protocol/check", json=fields)
    assert checked.status_code == 422 and "digits 0-9" in checked.json()["detail"]
    assert service.board.size() == before


FORMS = [
    "/officials/devices",
    "/officials/booths",
    "/officials/close",
    "/officials/clock",
    "/officials/protocol",
    "/officials/protocol/check",
    "/station/booth-1/check-in",
]
BODIES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "application/x-www-form-urlencoded"),
    ("binary", bytes(range(256)) * 4, "application/x-www-form-urlencoded"),
    ("utf16", "device=x&location=y".encode("utf-16"), "application/x-www-form-urlencoded"),
    (
        "digits",
        b"line-voters_on_list=%C2%B2&pair=dn-0101%7Cdn-q1&now=%C2%B2",
        "application/x-www-form-urlencoded",
    ),  # fmt: skip
    ("huge", b"device=" + b"x" * 70_000, "application/x-www-form-urlencoded"),
    ("json", b'{"device": ["not", "a", "string"]}', "application/json"),
    ("truncated", b"device=booth&location=dn-01", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize("body", BODIES, ids=[b[0] for b in BODIES])
@pytest.mark.parametrize("path", FORMS)
def test_officials_forms_answer_bad_input_without_a_500(
    live: tuple[TestClient, CastingService], path: str, body: tuple[str, bytes, str]
) -> None:
    client, service = live
    client.app.state.stations.create(service, "booth-1", _makeshift(service))
    client.headers["X-CSRF-Token"] = sign_in(client)
    before = service.board.size()
    _, data, kind = body
    answer = client.post(path, content=data, headers={"content-type": kind})
    assert answer.status_code < 500, (path, answer.status_code, answer.text[:300])
    if path in ("/officials/close", "/officials/protocol"):
        assert service.board.size() == before  # nothing posted from junk


def _makeshift(service: CastingService) -> str:
    manifest = service.election.require_manifest()
    return next(x.id for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
