"""The ballot's two requests answered before routing (``interfaces/api/fast.py``).

What must hold: a body the route's model accepts is answered by the fast path with the
route's answer (the framework behind it is not called); anything else reaches the framework
with its body intact, so its documented errors are unchanged; a refusal by the service is the
same problem document as through the route.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from voting_support import Day, location, new_day

from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.api.fast import FastPaths
from plebiscite.record.memory import MemoryBoard

MS = LocationKind.MAKESHIFT_STATION


class Behind:
    """The framework's place: records what reaches it and answers 299."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        self.bodies.append(message["body"])
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _post(app: Any, path: str, body: bytes) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def _day() -> tuple[Day, Any]:
    day = new_day(MemoryBoard())
    return day, day.booth(location(MS))


def test_a_valid_check_in_and_cast_are_answered_without_the_framework() -> None:
    day, booth = _day()
    behind = Behind()
    app = FastPaths(behind, day.service)
    voter = day.voters()[0].pseudonym
    size = day.board.size()
    status, body = _post(
        app, f"/devices/{booth.device_id}/check-ins", json.dumps(booth.check_in(voter)).encode()
    )
    assert status == 201 and json.loads(body) == {"leaf_index": size}
    prepared = booth.prepare(voter, {"dn-q1": "yes"})
    status, body = _post(app, "/ballots", json.dumps(prepared.cast_body()).encode())
    assert status == 201
    receipt = json.loads(body)
    assert receipt == day.service.receipt(receipt["tracking_code"]).to_json()
    assert receipt["leaf_index"] == size + 1 == day.board.size() - 1
    assert behind.bodies == []


def test_a_body_the_model_refuses_reaches_the_framework_intact() -> None:
    day, booth = _day()
    behind = Behind()
    app = FastPaths(behind, day.service)
    extra = dict(booth.check_in(day.voters()[0].pseudonym), surplus="1")
    bodies = [b"{not json", json.dumps({"ballot": 1}).encode(), json.dumps(extra).encode()]
    size = day.board.size()
    for path, body in zip(
        ["/ballots", "/ballots", f"/devices/{booth.device_id}/check-ins"], bodies, strict=True
    ):
        assert _post(app, path, body)[0] == 299
    assert behind.bodies == bodies
    assert day.board.size() == size
    # Other paths and methods are not the fast path's business.
    assert _post(app, "/challenges", b"{}")[0] == 299
    assert _post(app, "/devices/a/b/check-ins", b"{}")[0] == 299


def test_a_refusal_is_the_problem_document_of_the_route() -> None:
    day, booth = _day()
    app = FastPaths(Behind(), day.service)
    size = day.board.size()
    body = json.dumps(booth.check_in(day.voters()[0].pseudonym)).encode()
    status, answer = _post(app, "/devices/stranger/check-ins", body)
    problem = json.loads(answer)
    assert status == 403 and problem["type"] == "urn:plebiscite:problem:unknown-device"
    assert day.board.size() == size
