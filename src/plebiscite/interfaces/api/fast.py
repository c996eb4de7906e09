"""The two requests of every ballot, answered without FastAPI's routing (``docs/operations.md``).

A ballot costs two requests: the check-in (``POST /devices/{id}/check-ins``) and the cast
(``POST /ballots``). :class:`FastPaths` answers both straight from the ASGI call: it validates
the body with the same pydantic model the FastAPI route declares (from the JSON bytes, in
pydantic's compiled validator), runs the same service call in a worker thread and writes the
same answer. Anything it does not fully understand (a body the model refuses, another path)
goes on to FastAPI unchanged, so every error a client can get is still the documented problem
document, produced in one place, and the routes stay the OpenAPI description of both requests.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread
from pydantic import ValidationError

from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.api import models as m
from plebiscite.interfaces.api.guards import pass_on, read_body
from plebiscite.interfaces.api.problems import error_response
from plebiscite.services.voting.casting import CastingService

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_CHECK_IN_PATH = re.compile(r"/devices/([^/]+)/check-ins")
_JSON_HEADERS = [(b"content-type", b"application/json")]


def cast_answer(service: CastingService, body: m.CastRequest) -> dict[str, Any]:
    """``POST /ballots``: the receipt, once the ballot is durably on the board."""
    receipt = service.cast(
        body.ballot.model_dump(),
        body.signature,
        body.cast_at,
        body.cast_at_signature,
        body.tag_opening,
    )
    return receipt.to_json()


def check_in_answer(
    service: CastingService, device_id: str, body: m.CheckInRequest
) -> dict[str, Any]:
    """``POST /devices/{device_id}/check-ins``: the check-in's leaf."""
    index = service.check_in(
        device_id,
        body.voter,
        body.checkin,
        body.signature,
        body.checked_at,
        body.checked_at_signature,
    )
    return {"leaf_index": index}


class FastPaths:
    """ASGI middleware: the check-in and the cast answered without the framework's routing."""

    def __init__(self, app: ASGIApp, service: CastingService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        work: Callable[[bytes], dict[str, Any] | None]
        if path == "/ballots":
            work = self._cast
        elif match := _CHECK_IN_PATH.fullmatch(path):
            work = functools.partial(self._check_in, match.group(1))
        else:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        try:
            answer = await anyio.to_thread.run_sync(work, body)
        except PlebisciteError as exc:
            await error_response(exc)(scope, receive, send)
            return
        if answer is None:  # the model refuses the body: FastAPI says why, as documented
            await pass_on(self.app, scope, receive, send, body)
            return
        data = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [*_JSON_HEADERS, (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        await send({"type": "http.response.body", "body": data})

    def _cast(self, body: bytes) -> dict[str, Any] | None:
        try:
            request = m.CastRequest.model_validate_json(body)
        except ValidationError:
            return None
        return cast_answer(self.service, request)

    def _check_in(self, device_id: str, body: bytes) -> dict[str, Any] | None:
        try:
            request = m.CheckInRequest.model_validate_json(body)
        except ValidationError:
            return None
        return check_in_answer(self.service, device_id, request)


__all__ = ["FastPaths", "cast_answer", "check_in_answer"]
