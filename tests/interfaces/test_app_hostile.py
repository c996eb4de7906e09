"""Hostile clients against ``plebiscite serve`` in a subprocess (issue 15, item 8).

Each test plays a client that wants to tie the server up or slip something past its
parser: half-sent requests left hanging, Content-Length values the HTTP parser chokes on,
JSON in other encodings or under other media types, identifiers carrying control
characters, and more requests at once than the server takes. Passing: each gets a problem
document (or a closed connection) at once, and the board does not change.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench" / "load"))
from harness import TOKEN, Server, make_fleet, setup_election

TIMEOUT_S = 2
IN_FLIGHT = 4
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("hostile")
    election = setup_election(str(tmp / "board.db"), tmp / "board.key", voters=80)
    fleet = make_fleet(election, 1, 2, "hostile", workers=1)
    extra = ["--request-timeout", str(TIMEOUT_S), "--max-in-flight", str(IN_FLIGHT)]
    server = Server(election.db, election.key_file, election.start, extra=extra)
    server.start()
    server.enrol(fleet)
    try:
        yield {"server": server, "device": fleet[0]}
    finally:
        server.stop()


def _size(server: Server) -> int:
    return int(httpx.get(f"{server.url}/election", timeout=10).json()["board_size"])


def _connect(server: Server, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    if data:
        sock.sendall(data)
    return sock


def _read_all(sock: socket.socket, wait: float) -> bytes:
    sock.settimeout(wait)
    out = b""
    try:
        while chunk := sock.recv(4096):
            out += chunk
    except TimeoutError:
        out += b"<still open>"
    sock.close()
    return out


def _is_problem(raw: bytes, status: int) -> bool:
    head, _, body = raw.partition(b"\r\n\r\n")
    return (
        head.startswith(b"HTTP/1.1 %d" % status)
        and b"application/problem+json" in head.lower()
        and json.loads(body)["type"].startswith("urn:plebiscite:problem:")
    )


def test_half_sent_requests_are_answered_408_and_closed(served: dict[str, Any]) -> None:
    server = served["server"]
    halves = [
        b"",  # connects and says nothing
        b"POST /ballots HTTP/1.1\r\nHost: x\r\n",  # headers never end
        b"POST /ballots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 500\r\n\r\n{",  # a body that never comes
    ]
    socks = [_connect(server, halves[i % 3]) for i in range(60)]
    started = time.monotonic()
    answers = [_read_all(s, TIMEOUT_S + 8) for s in socks]
    assert time.monotonic() - started < TIMEOUT_S + 8
    assert all(b"<still open>" not in a for a in answers)
    # Unfinished headers: 408. An unfinished body: 408, or 503 at once when the requests
    # already waiting for their bodies fill the in-flight limit.
    assert all(_is_problem(a, 408) for a in answers[1::3]), answers[1][:200]
    assert all(_is_problem(a, 408) or _is_problem(a, 503) for a in answers[2::3])


@pytest.mark.parametrize(
    "length", [b"-5", b"1000000000000000000000000000000", b"12abc", b"0x10", b"5, 6"]
)
def test_a_bad_content_length_gets_a_problem_document(
    served: dict[str, Any], length: bytes
) -> None:
    server = served["server"]
    before = _size(server)
    request = b"POST /ballots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    request += b"Content-Length: " + length + b"\r\n\r\n{}"
    answer = _read_all(_connect(server, request), 10)
    assert _is_problem(answer, 400) or _is_problem(answer, 413), answer[:300]
    assert _size(server) == before


def test_only_utf8_application_json_ballots_reach_the_board(served: dict[str, Any]) -> None:
    server = served["server"]
    body = served["device"].bodies[0]
    text = body.decode()
    attempts = [
        ("application/json", text.encode("utf-16"), 422),
        ("application/json", text.encode("utf-16-le"), 422),
        ("application/json", text.encode("utf-32"), 422),
        ("application/json", b"\xef\xbb\xbf" + body, 422),
        ("application/json; charset=utf-16", body, 415),
        ("application/vnd.evil+json", body, 415),
        ("application/json-patch+json", body, 415),
        ("text/plain", body, 415),
        (None, body, 415),
    ]
    before = _size(server)
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for media, content, status in attempts:
            headers = {} if media is None else {"content-type": media}
            r = http.post("/ballots", content=content, headers=headers)
            assert r.status_code == status, (media, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        assert _size(server) == before
        # The same ballot as UTF-8 application/json is accepted: the refusals were the form.
        ok = http.post("/ballots", content=body, headers={"content-type": "application/json"})
        assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("device_id", ["dev\x00ice", "dev\nice", "dev\u202eice", "dev ice"])
def test_device_ids_with_control_characters_are_refused(
    served: dict[str, Any], device_id: str
) -> None:
    server = served["server"]
    before = _size(server)
    location = served["device"].location
    body = {"device": device_id, "location": location, "public_key": "11" * 32}
    r = httpx.post(f"{server.url}/authority/devices", json=body, headers=AUTH, timeout=10)
    assert r.status_code == 422, r.text
    assert r.json()["type"] == "urn:plebiscite:problem:invalid-input"
    assert _size(server) == before


def test_past_the_in_flight_limit_requests_get_503_with_retry_after_at_once(
    served: dict[str, Any],
) -> None:
    server = served["server"]
    hold = b"POST /ballots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    hold += b"Content-Length: 500\r\n\r\n{"
    held = [_connect(server, hold) for _ in range(IN_FLIGHT)]
    time.sleep(0.3)
    try:
        started = time.monotonic()
        r = httpx.get(f"{server.url}/election", timeout=10)
        took = time.monotonic() - started
        assert r.status_code == 503, r.text
        assert r.json()["type"] == "urn:plebiscite:problem:overloaded"
        assert int(r.headers["retry-after"]) >= 1
        assert took < 1.0
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 5
    while httpx.get(f"{server.url}/election", timeout=10).status_code == 503:
        assert time.monotonic() < deadline, "the server stayed shed after the load went away"
        time.sleep(0.1)
