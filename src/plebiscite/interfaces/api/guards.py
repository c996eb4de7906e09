"""What stands between the API and hostile or too many clients (``docs/operations.md``).

* :class:`GuardedHttpToolsProtocol`: uvicorn's httptools (llhttp) protocol with a deadline
  for each request (a client that sends half a request and stalls is answered 408 and
  closed, so idle sockets cannot pile up), and with the errors the HTTP parser itself raises
  (a negative or malformed ``Content-Length``, a broken request line) answered as problem
  documents.
* :class:`JsonBodies`: the API's write endpoints take ``application/json`` bodies in UTF-8
  only; any other media type (``application/vnd.evil+json``, ``application/json-patch+json``)
  or encoding (UTF-16, UTF-32, a byte-order mark, a raw control byte) is refused with 415
  or 422 before anything parses it.
* :class:`Shed`: a bounded number of requests in flight per process; past it, 503 with
  ``Retry-After`` at once, so overload shows as quick refusals that clients back off from,
  never as a queue whose latency grows until clients time out.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from plebiscite.interfaces.api.problems import (
    PROBLEM_MEDIA_TYPE,
    http_problem,
    problem_body,
)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Any]]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Seconds a client has to send a whole request (headers and body) once it starts one.
REQUEST_TIMEOUT_S = 10.0
#: Requests in progress per process before new ones are shed with 503.
MAX_IN_FLIGHT = 48
#: What a shed client is told to wait before sending again (seconds).
SHED_RETRY_AFTER_S = 1
#: Paths whose POST/PUT bodies are JSON API requests (the pages post HTML forms elsewhere).
API_WRITE_PREFIXES = ("/ballots", "/challenges", "/devices/", "/authority/")


def _raw_problem(slug: str, status: int, detail: str) -> bytes:
    """A whole HTTP/1.1 answer, written by the protocol itself (no request cycle to answer in)."""
    from plebiscite.interfaces.api.problems import HTTP_PROBLEMS

    title = HTTP_PROBLEMS[slug][1]
    body = json.dumps(problem_body(slug, status, title, detail)).encode()
    head = b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode())
    head += b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n"
    head += b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
    return head + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools (llhttp) protocol with a per-request deadline and problem-document
    400s.

    A deadline is armed while a request is incomplete: from the connection's opening until its
    first request is whole, and from the first byte of each later request until it is whole.
    Between requests uvicorn's keep-alive timeout applies; while the app works, no deadline.
    """

    request_timeout: float = REQUEST_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._incomplete = True  # nothing received yet: the first request is awaited
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._incomplete:
            self._arm()
        else:
            self._disarm()  # the whole request is in: the app's time is not the client's

    def on_message_begin(self) -> None:
        self._incomplete = True
        super().on_message_begin()

    def on_message_complete(self) -> None:
        self._incomplete = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        if not self._incomplete:
            self._disarm()  # idle until the next request: uvicorn's keep-alive timeout applies
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if getattr(self, "_deadline", None) is None:
            self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        deadline = getattr(self, "_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            detail = f"the request was not complete within {self.request_timeout:g} s"
            self.transport.write(_raw_problem("request-timeout", 408, detail))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        detail = "the HTTP request is malformed (request line, headers or Content-Length)"
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_raw_problem("bad-request", 400, detail))
        self.transport.close()


async def read_body(receive: Receive) -> bytes:
    """The whole request body, however many messages it came in."""
    body, more = b"", True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


async def pass_on(app: Any, scope: Any, receive: Any, send: Any, body: bytes) -> None:
    """Call ``app`` with a ``receive`` that first gives the body a middleware has read whole."""
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    await app(scope, replay, send)


class JsonBodies:
    """Refuse API write bodies that are not ``application/json`` in UTF-8."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("POST", "PUT", "PATCH")
            or not str(scope["path"]).startswith(API_WRITE_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        refusal = _refuse_body(dict(scope.get("headers") or []).get(b"content-type"), body)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await pass_on(self.app, scope, receive, send, body)


#: Bytes below 0x20 other than tab, line feed and carriage return.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _refuse_body(content_type: bytes | None, body: bytes) -> Any:
    if not body:
        return None  # e.g. POST /authority/close: nothing to parse
    if content_type is None:
        return http_problem("unsupported-media-type", "send the body as application/json")
    media, _, params = content_type.decode("latin-1").partition(";")
    if media.strip().lower() != "application/json":
        return http_problem(
            "unsupported-media-type",
            f"the body must be application/json, not {media.strip()[:60]!r}",
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            return http_problem(
                "unsupported-media-type", f"the body must be UTF-8, not {value.strip()[:30]!r}"
            )
    if body.startswith(b"\xef\xbb\xbf"):
        return http_problem("malformed-body", "the body starts with a byte-order mark")
    if _CONTROL_BYTE.search(body):
        # JSON has no raw control bytes: this is UTF-16 or UTF-32 (or not JSON at all).
        return http_problem("malformed-body", "the body holds raw control bytes: not UTF-8 JSON")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return http_problem("malformed-body", "the body is not valid UTF-8")
    return None


#: Threads running the (synchronous) endpoints. Few: every thread contends for the GIL with
#: the event loop that reads requests, and with many threads the loop admits requests so
#: slowly that the backlog waits in socket buffers, where no limit sees it; with few threads
#: the backlog waits here, counted, and past the limit is shed.
WORKER_THREADS = 8


class Shed:
    """At most ``limit`` requests in progress in this process; the rest get 503 at once."""

    def __init__(self, app: ASGIApp, limit: int = MAX_IN_FLIGHT) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self.shed = 0
        self._threads_set = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._threads_set:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
            self._threads_set = True
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.shed += 1
            response = http_problem(
                "overloaded",
                f"the server is at its limit of {self.limit} requests in progress; "
                f"send again in {SHED_RETRY_AFTER_S} s",
            )
            response.headers["Retry-After"] = str(SHED_RETRY_AFTER_S)
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


__all__ = [
    "MAX_IN_FLIGHT",
    "REQUEST_TIMEOUT_S",
    "GuardedHttpToolsProtocol",
    "JsonBodies",
    "Shed",
    "pass_on",
    "read_body",
]
