"""``plebiscite device serve``: the team's booth pages, served by the device itself, offline.

The same flow as a station's booth (``docs/pages.md``), on the station booth's own templates
(``booth_choose``, ``booth_review``, ``booth_code``, ``booth_challenged``), without the board:
the team member checks the voter in against the device's roll, the voter chooses, reviews,
sees the tracking code, then casts or challenges (``docs/devices.md``):

- **cast**: the page shows the device-signed receipt (the code in groups of four, and as a QR
  image; the JSON to download) once the ballot is durable in the queue;
- **challenge** (Benaloh): the ballot is spoiled, queued as challenged with its opening (the
  sync publishes it, never counted), and the page says in words what the device encrypted;
  the voter then votes again with a fresh ballot.

A booth session is a random 128-bit id in the URL, opened by a check-in; it ends when the
voter casts. Bound to 127.0.0.1 by default: the pages are for the device's own screen. The
queue file is opened for each request under one lock (SQLite connections stay in their
thread); a sealed, not yet cast ballot stays in this process's memory only.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from plebiscite.crypto.hashing import canonical_json
from plebiscite.domain.manifest import Question
from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.pages.common import (
    STATIC,
    environment,
    form,
    language,
    receipt_download,
    switch_links,
)
from plebiscite.interfaces.pages.i18n import LANGUAGES, N_, pick, tr
from plebiscite.services.voting.booth import PreparedBallot
from plebiscite.services.voting.codes import grouped
from plebiscite.services.voting.device import DeviceReceipt, OfflineDevice

_STYLE = "body{font-family:sans-serif;max-width:40em;margin:2em auto}code{font-size:1.4em}"


@dataclass
class _Session:
    voter: str
    lang: str
    selections: dict[str, str] = field(default_factory=dict)
    prepared: PreparedBallot | None = None
    receipt: DeviceReceipt | None = None


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{html.escape(title)}</title><style>{_STYLE}</style></head><body><h1>"
        f"{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def _render(
    request: Request, template: str, context: Mapping[str, Any], lang: str, status: int = 200
) -> HTMLResponse:
    """A station booth template, as :func:`plebiscite.interfaces.pages.common.render` fills it
    (no authority, no session cookie: the device has neither)."""
    page = (
        environment(lang)
        .get_template(template)
        .render(
            {
                "lang": lang,
                "pick": lambda labels: pick(labels, lang),
                "languages": switch_links(request),
                "path": request.url.path,
                "signed_in": False,
                **context,
            }
        )
    )
    response = HTMLResponse(page, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    return response


def create_device_app(queue: Path, clock: dt.datetime | None = None) -> FastAPI:
    """The device's pages over its queue file; ``clock`` fixes the time (tests, rehearsals)."""
    app = FastAPI(title="plebiscite device", docs_url=None, redoc_url=None, openapi_url=None)
    lock = threading.Lock()
    sessions: dict[str, _Session] = {}

    @contextmanager
    def device() -> Iterator[OfflineDevice]:
        with lock:
            d = OfflineDevice.open(queue)
            try:
                yield d
            finally:
                d.close()

    def now() -> dt.datetime:
        return clock or dt.datetime.now(dt.UTC)

    def refusal(exc: PlebisciteError) -> HTMLResponse:
        body = f"<p>{html.escape(str(exc))}</p><p><a href='/'>Back</a></p>"
        return _page("Refused", body, status=409)

    def lang_of(request: Request, session: _Session) -> str:
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            session.lang = str(asked)
        return session.lang

    def message(request: Request, lang: str, text: str, status: int) -> HTMLResponse:
        """A booth message page; ``text`` is the English, marked with ``N_`` by the caller."""
        context = {"title": tr(lang, "Voting booth"), "message": tr(lang, text)}
        return _render(request, "message.html", context, lang, status)

    def session_of(request: Request, sid: str) -> _Session | HTMLResponse:
        session = sessions.get(sid)
        if session is None:
            return message(request, language(request), N_("No such booth session."), 404)
        if session.receipt is not None:
            return message(
                request,
                session.lang,
                N_("This ballot is already cast: the booth session is over."),
                409,
            )
        return session

    def questions() -> tuple[Question, ...]:
        with device() as d:
            return tuple(d.booth.questions)

    def chosen_words(session: _Session, lang: str) -> list[dict[str, str]]:
        out = []
        for q in questions():
            option = next((o for o in q.options if o.id == session.selections.get(q.id)), None)
            answer = pick(option.label, lang) if option else tr(lang, "blank")
            out.append({"question": pick(q.text, lang), "answer": answer})
        return out

    def choose_page(request: Request, sid: str, session: _Session, error: str = "") -> Response:
        lang = lang_of(request, session)
        qs = [
            {
                "id": q.id,
                "text": pick(q.text, lang),
                "explanation": pick(q.explanation, lang) if q.explanation else "",
                "options": [(o.id, pick(o.label, lang)) for o in q.options],
                "allow_blank": q.allow_blank,
            }
            for q in questions()
        ]
        context = {"sid": sid, "questions": qs, "selections": session.selections, "error": error}
        return _render(request, "booth_choose.html", context, lang, 422 if error else 200)

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name != "pages.css":
            return Response(status_code=404)
        return FileResponse(STATIC / name, media_type="text/css")

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        with device() as d:
            status = d.status()
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in status.items()
        )
        languages = "".join(f"<option value='{c}'>{c}</option>" for c in LANGUAGES)
        return _page(
            f"Device {status['device']}",
            f"<table>{rows}</table><h2>Check a voter in</h2><form method='post' "
            "action='/check-in'><label>Voter pseudonym <input name='voter' required></label> "
            f"<label>Language <select name='lang'>{languages}</select></label> "
            "<button>Check in</button></form>",
        )

    @app.post("/check-in", response_class=HTMLResponse)
    async def check_in(request: Request) -> Response:
        data = await form(request)
        voter = data.get("voter", "").strip()
        with device() as d:
            try:
                d.check_in(voter, now())
            except PlebisciteError as exc:
                return refusal(exc)
        sid = secrets.token_hex(16)
        lang = data.get("lang") if data.get("lang") in LANGUAGES else "uk"
        sessions[sid] = _Session(voter, str(lang))
        return choose_page(request, sid, sessions[sid])

    @app.get("/booth/{sid}", response_class=HTMLResponse)
    def booth_start(request: Request, sid: str) -> Response:
        session = session_of(request, sid)
        if isinstance(session, HTMLResponse):
            return session
        session.prepared = None
        return choose_page(request, sid, session)

    @app.post("/booth/{sid}/review", response_class=HTMLResponse)
    async def review(request: Request, sid: str) -> Response:
        session = session_of(request, sid)
        if isinstance(session, HTMLResponse):
            return session
        lang = lang_of(request, session)
        data = await form(request)
        picked: dict[str, str] = {}
        missing = False
        for q in questions():
            value = data.get(f"q-{q.id}", "")
            if value in q.option_ids:
                picked[q.id] = value
            elif not (q.allow_blank and value == ""):
                missing = True
        session.selections = picked
        if missing:
            return choose_page(request, sid, session, tr(lang, "Answer every question."))
        context = {"sid": sid, "chosen": chosen_words(session, lang)}
        return _render(request, "booth_review.html", context, lang)

    @app.post("/booth/{sid}/seal", response_class=HTMLResponse)
    def seal(request: Request, sid: str) -> Response:
        session = session_of(request, sid)
        if isinstance(session, HTMLResponse):
            return session
        lang = lang_of(request, session)
        selections: dict[str, str | None] = {
            q.id: session.selections.get(q.id) for q in questions()
        }
        with device() as d:
            try:
                session.prepared = d.prepare(session.voter, selections, now())
            except PlebisciteError as exc:
                return refusal(exc)
        code = session.prepared.tracking_code
        context = {
            "sid": sid,
            "code_groups": [code[i : i + 4] for i in range(0, len(code), 4)],
            "chosen": chosen_words(session, lang),
        }
        return _render(request, "booth_code.html", context, lang)

    @app.post("/booth/{sid}/cast", response_class=HTMLResponse)
    def cast(request: Request, sid: str) -> Response:
        session = session_of(request, sid)
        if isinstance(session, HTMLResponse):
            return session
        if session.prepared is None:
            return message(request, session.lang, N_("No such booth session."), 404)
        lang = lang_of(request, session)
        with device() as d:
            try:
                receipt = d.cast(session.voter, session.prepared, now())
            except PlebisciteError as exc:
                return refusal(exc)
        session.receipt, session.prepared, session.selections = receipt, None, {}
        import segno

        qr = segno.make(canonical_json(receipt.to_json()).decode(), error="m")
        context = {
            "sid": sid,
            "receipt": receipt,
            "code_groups": grouped(receipt.tracking_code).split(),
            "qr": qr.svg_inline(scale=3),
        }
        return _render(request, "device_done.html", context, lang)

    @app.get("/booth/{sid}/receipt.json")
    def receipt_file(sid: str) -> Response:
        session = sessions.get(sid)
        return receipt_download(None if session is None else session.receipt)

    @app.post("/booth/{sid}/challenge", response_class=HTMLResponse)
    def challenge(request: Request, sid: str) -> Response:
        session = session_of(request, sid)
        if isinstance(session, HTMLResponse):
            return session
        prepared = session.prepared
        if prepared is None:
            return message(request, session.lang, N_("No such booth session."), 404)
        lang = lang_of(request, session)
        with device() as d:
            try:
                opening = d.challenge(session.voter, prepared, now())
            except PlebisciteError as exc:
                return refusal(exc)
        session.prepared, session.selections = None, {}
        opened = []
        for q, vector in zip(questions(), opening["choices"], strict=False):
            chosen = [pick(o.label, lang) for o, bit in zip(q.options, vector, strict=False) if bit]
            answer = ", ".join(chosen) or tr(lang, "blank")
            opened.append({"question": pick(q.text, lang), "answer": answer})
        context = {"sid": sid, "code": prepared.tracking_code, "leaf": None, "opened": opened}
        return _render(request, "booth_challenged.html", context, lang)

    return app


__all__ = ["create_device_app"]
