"""The officials' sessions and the guard against cross-site requests (``docs/pages.md``).

**Session.** Signing in with the authority token sets a cookie that is *not* the token: a
random 128-bit session id with an expiry, authenticated by an HMAC under a key derived from
the token (so every server process with the same token accepts it, and none stores
sessions)::

    v1.<session id>.<expiry, unix seconds>.<HMAC-SHA256(key, "v1.<id>.<expiry>") hex>

HttpOnly, SameSite=Strict, ``Secure`` when the request came over HTTPS (directly or through
a proxy that uvicorn trusts), expiring after :data:`SESSION_SECONDS`.

**Cross-site requests.** Every unsafe request (POST, PUT, PATCH, DELETE) to the officials'
and station pages (``/officials``, ``/station``, ``/booth``) is refused with 403 when

1. its ``Origin`` (or, without one, its ``Referer``) names another origin than the server's
   own (scheme, host and port), as another port of the same host does; or
2. it is authenticated by the session cookie and does not carry the session's CSRF token
   (``HMAC(key, "csrf.<id>")``) in the form field ``csrf`` or the ``X-CSRF-Token`` header.

Pages put the token in every POST form they render (:func:`add_token_to_forms`); requests
authenticated by ``Authorization: Bearer`` carry no ambient credential and need none.

**Station sessions.** An official of one station signs in with a station credential
(``services/voting/station_credentials.py``), never the authority's token; the cookie names the
credential's public part and is otherwise the same (under another derived key)::

    s1.<credential public part>.<session id>.<expiry>.<HMAC-SHA256(station key, "s1.<...>") hex>

The same CSRF rule holds for it; whether the credential is still valid, and for which station,
is read from the board on every request (``interfaces/pages/kiosk.py``).

Not defended: signing out only deletes the cookie in that browser; a stolen cookie stays
valid until it expires (a server-side list of revoked sessions would need shared state).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from plebiscite.interfaces.api.guards import pass_on

SESSION_SECONDS: Final = 8 * 3600
CSRF_FIELD: Final = "csrf"
CSRF_HEADER: Final = "x-csrf-token"
GUARDED: Final = ("/officials", "/station", "/booth", "/kiosk")
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_BODY = 64 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def set_session_cookie(
    response: Response, request: Request, name: str, value: str, max_age: int = SESSION_SECONDS
) -> None:
    """The one way a session cookie is set: HttpOnly, SameSite=Strict, the whole site, and
    Secure whenever the request came over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )


def _key(admin_token: str) -> bytes:
    return hmac.new(admin_token.encode(), b"plebiscite officials' session v1", "sha256").digest()


def _station_key(admin_token: str) -> bytes:
    return hmac.new(admin_token.encode(), b"plebiscite station session v1", "sha256").digest()


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def new_session(admin_token: str, now: float | None = None) -> str:
    """A new session cookie value for the holder of ``admin_token``."""
    expiry = int(now if now is not None else time.time()) + SESSION_SECONDS
    body = f"v1.{secrets.token_hex(16)}.{expiry}"
    return f"{body}.{_mac(_key(admin_token), body)}"


def session_id(cookie: str, admin_token: str | None, now: float | None = None) -> str | None:
    """The session id of a valid, unexpired cookie value; ``None`` otherwise."""
    if not admin_token or not cookie:
        return None
    parts = cookie.split(".")
    if len(parts) != 4 or parts[0] != "v1" or not parts[2].isascii() or not parts[2].isdigit():
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _mac(_key(admin_token), body)):
        return None
    if int(parts[2]) < (now if now is not None else time.time()):
        return None
    return parts[1]


def new_station_session(admin_token: str, credential: str, now: float | None = None) -> str:
    """A new station session cookie value for the holder of the credential ``credential``
    (its public part, 64 hex digits)."""
    expiry = int(now if now is not None else time.time()) + SESSION_SECONDS
    body = f"s1.{credential}.{secrets.token_hex(16)}.{expiry}"
    return f"{body}.{_mac(_station_key(admin_token), body)}"


def station_session(
    cookie: str, admin_token: str | None, now: float | None = None
) -> tuple[str, str] | None:
    """(credential public part, session id) of a valid, unexpired station cookie value."""
    if not admin_token or not cookie:
        return None
    parts = cookie.split(".")
    if len(parts) != 5 or parts[0] != "s1" or not parts[3].isascii() or not parts[3].isdigit():
        return None
    body = ".".join(parts[:4])
    if not hmac.compare_digest(parts[4], _mac(_station_key(admin_token), body)):
        return None
    if int(parts[3]) < (now if now is not None else time.time()):
        return None
    return parts[1], parts[2]


def csrf_token(sid: str, admin_token: str) -> str:
    return _mac(_key(admin_token), f"csrf.{sid}")


_FORM = re.compile(r'(<form\b[^>]*\bmethod="post"[^>]*>)', re.IGNORECASE)


def add_token_to_forms(html: str, token: str) -> str:
    """Put the hidden CSRF field first in every POST form of a rendered page."""
    field = f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'
    return _FORM.sub(lambda m: m.group(1) + field, html)


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class CsrfGuard:
    """ASGI middleware applying the two rules of the module docstring."""

    def __init__(
        self,
        app: App,
        admin_token: Callable[[], str | None],
        cookie: str,
        station_cookie: str | None = None,
    ) -> None:
        self.app = app
        self.admin_token = admin_token
        self.cookie = cookie
        self.station_cookie = station_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _UNSAFE
            or not str(scope["path"]).startswith(GUARDED)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not self._same_origin(scope, headers):
            await _refuse(send, "cross-origin request refused")
            return
        sid = self._cookie_session(headers)
        if sid is None or headers.get("authorization", "").lower().startswith("bearer "):
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        offered = headers.get(CSRF_HEADER, "")
        if not offered and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            fields = parse_qs(body.decode("utf-8", errors="replace"))
            offered = (fields.get(CSRF_FIELD) or [""])[0]
        token = self.admin_token() or ""
        if more or not hmac.compare_digest(offered.encode(), csrf_token(sid, token).encode()):
            await _refuse(send, "missing or wrong CSRF token: reload the page and try again")
            return
        await pass_on(self.app, scope, receive, send, body)

    def _same_origin(self, scope: Scope, headers: dict[str, str]) -> bool:
        claimed = headers.get("origin") or headers.get("referer")
        if not claimed:
            return True  # no browser sends a cross-site POST without Origin; rule 2 still holds
        host = headers.get("host", "")
        own = f"{scope.get('scheme', 'http')}://{host}".lower()
        return _origin_of(claimed) == own

    def _cookie_session(self, headers: dict[str, str]) -> str | None:
        raw = headers.get("cookie", "")
        if not raw:
            return None
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:  # a malformed Cookie header is no session
            return None
        morsel = jar.get(self.cookie)
        if morsel is not None:
            found = session_id(morsel.value, self.admin_token())
            if found is not None:
                return found
        station = jar.get(self.station_cookie) if self.station_cookie else None
        if station is None:
            return None
        scoped = station_session(station.value, self.admin_token())
        return None if scoped is None else scoped[1]


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body up to :data:`_MAX_BODY` bytes, and whether more was left unread."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), False
        if size > _MAX_BODY:
            return b"".join(chunks), True


async def _refuse(send: Send, why: str) -> None:
    body = f"403 Forbidden: {why}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_SECONDS",
    "CsrfGuard",
    "add_token_to_forms",
    "csrf_token",
    "new_session",
    "new_station_session",
    "session_id",
    "station_session",
]
