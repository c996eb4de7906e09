"""What every page needs: the templates, the language, the authority's session, forms.

Language: ``?lang=xx`` chooses and remembers (a cookie); otherwise the cookie, then the
browser's ``Accept-Language``, then English. The authority signs in once with its token; the
pages then hold a session cookie (a random id with an expiry, never the token) and put the
session's CSRF token in every form (:mod:`.sessions`); they also accept the API's
``Authorization: Bearer`` header.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.i18n import translations
from plebiscite.interfaces.pages.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    name_in,
    pick,
    tr,
)
from plebiscite.interfaces.pages.sessions import (
    add_token_to_forms,
    csrf_token,
    session_id,
    station_session,
)
from plebiscite.services.voting.casting import CastingService, SimulatedClock

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parent / "templates"
STATIC = HERE.parent / "static"
LANG_COOKIE = "plebiscite_lang"
AUTH_COOKIE = "plebiscite_authority"
STATION_COOKIE = "plebiscite_station"  # a station official's session (pages/kiosk.py)
KIOSK_COOKIE = "plebiscite_kiosk"  # a paired booth terminal, no official power
MAX_FORM_BYTES = 64 * 1024


@cache
def environment(lang: str) -> Environment:
    """The templates with Jinja2's i18n extension, its ``_``/``gettext``/``pgettext`` bound
    to the catalog of ``lang`` (new-style: ``_("%(n)s entries", n=5)`` fills and escapes)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


@dataclass
class PagesState:
    """What the pages share: the service, the authority's token, where the record is."""

    service: CastingService
    admin_token: str | None
    demo_clock: SimulatedClock | None
    record_dir: Path | None = None
    forensics_file: Path | None = None
    cache: dict[str, tuple[int, Any]] = field(default_factory=dict)

    def cached(self, name: str, size: int) -> Any:
        hit = self.cache.get(name)
        return hit[1] if hit is not None and hit[0] == size else None

    def remember(self, name: str, size: int, value: Any) -> Any:
        self.cache[name] = (size, value)
        return value


def find_record_dir(service: CastingService) -> Path | None:
    """``PLEBISCITE_RECORD_DIR``, else ``record/`` beside a SQLite board file (the demo's
    layout: ``demo-out/board.sqlite`` and ``demo-out/record/``)."""
    configured = os.environ.get("PLEBISCITE_RECORD_DIR")
    if configured:
        return Path(configured)
    where = str(getattr(service.board, "where", ""))
    if where.startswith("sqlite:///"):
        sibling = Path(where.removeprefix("sqlite:///")).parent / "record"
        if (sibling / "events.jsonl").is_file():
            return sibling
    return None


def receipt_download(receipt: Any) -> JSONResponse:
    """A finished booth session's receipt as a file to keep (``receipt.json``); 404 without
    one. ``receipt`` is a ``Receipt`` or ``DeviceReceipt`` (anything with ``to_json``)."""
    if receipt is None:
        return JSONResponse({"detail": "no receipt"}, status_code=404)
    return JSONResponse(
        receipt.to_json(),
        headers={"Content-Disposition": 'attachment; filename="receipt.json"'},
    )


def language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def authorised(request: Request, state: PagesState) -> bool:
    """The authority's bearer token in the header, or a valid session cookie
    (:mod:`.sessions`; its CSRF token is checked by the middleware before any handler)."""
    token = state.admin_token
    if not token:
        return False
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        offered = header[7:].strip()
        return bool(offered) and hmac.compare_digest(offered.encode(), token.encode())
    return session_id(request.cookies.get(AUTH_COOKIE, ""), token) is not None


async def form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body, first value of each field."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def refusal(lang: str, exc: Exception) -> Markup:
    """A service's refusal on a page: the error's title in the page's language, then its
    detail, which the services write in English (marked ``lang="en"``)."""
    if lang == DEFAULT_LANGUAGE:
        return Markup("{}").format(str(exc))
    return Markup('{}: <span lang="en">{}</span>').format(
        tr(lang, getattr(exc, "title", PlebisciteError.title)), str(exc)
    )


def switch_links(request: Request) -> list[tuple[str, str, str]]:
    """(code, name, href) for each language: the same page with ``?lang=``."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    out = []
    for code in LANGUAGES:
        query = urlencode({**params, "lang": code})
        out.append((code, LANGUAGE_NAMES[code], f"{request.url.path}?{query}"))
    return out


def render(
    request: Request,
    state: PagesState,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    lang: str | None = None,
) -> HTMLResponse:
    lang = lang or language(request)
    html = (
        environment(lang)
        .get_template(template)
        .render(
            {
                "lang": lang,
                "pick": lambda labels: pick(labels, lang),
                "name_in": lambda thing: name_in(thing, lang),
                "languages": switch_links(request),
                "path": request.url.path,
                "signed_in": authorised(request, state),
                **context,
            }
        )
    )
    sid = session_id(request.cookies.get(AUTH_COOKIE, ""), state.admin_token)
    if sid is None:
        scoped = station_session(request.cookies.get(STATION_COOKIE, ""), state.admin_token)
        sid = None if scoped is None else scoped[1]
    if sid is not None and state.admin_token:
        html = add_token_to_forms(html, csrf_token(sid, state.admin_token))
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # same-origin: other sites never see a page's address (receipt codes are in URLs), and our
    # own forms send their real Origin, which the CSRF guard needs ("no-referrer" sends null).
    response.headers["Referrer-Policy"] = "same-origin"
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


__all__ = [
    "AUTH_COOKIE",
    "KIOSK_COOKIE",
    "STATIC",
    "STATION_COOKIE",
    "PagesState",
    "authorised",
    "environment",
    "find_record_dir",
    "form",
    "language",
    "refusal",
    "render",
]
