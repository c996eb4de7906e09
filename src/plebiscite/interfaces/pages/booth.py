"""The station and its booth, run by the server for a station device (``docs/pages.md``).

The authority creates a booth for a location: the server makes the device's Ed25519 key,
enrols it on the board and keeps it in memory (a restart forgets it; enrol a new one). An
official opens the station page, checks a voter in (a signed ``check_in`` event) and the
booth session opens for that voter: choose, review, see the tracking code, then cast or
challenge. A challenge publishes the ballot with its opening; the page reads the opening back
from the board and says in words what the device recorded, then offers a fresh ballot.

The station page is for the authority or an official holding that station's credential
(:mod:`.access`); the booth session opens on the station's paired booth terminal (the kiosk,
:mod:`.kiosk`), never in the official's browser. A session is a random 128-bit id in the URL,
and opens only in the terminal paired with its station, while it is that terminal's current
session; it ends when the voter casts, and is forgotten when the next voter is checked in.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plebiscite.domain.manifest import Question
from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.pages.access import may_run_station
from plebiscite.interfaces.pages.common import (
    PagesState,
    form,
    language,
    receipt_download,
    refusal,
    render,
)
from plebiscite.interfaces.pages.i18n import LANGUAGE_NAMES, LANGUAGES, pick, tr
from plebiscite.interfaces.pages.stations import BrowserBooth, Session, Stations
from plebiscite.services.voting.booth import Booth
from plebiscite.services.voting.casting import check_identifier


def build(state: PagesState, stations: Stations) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    service = state.service

    def session_or_none(request: Request, sid: str) -> Session | None:
        """The session, only for the terminal paired with its station and while it is that
        terminal's current session: any other browser gets nothing."""
        with stations.lock:
            session = stations.sessions.get(sid)
        if session is None or stations.kiosks.current.get(session.device) != sid:
            return None
        if session.device not in stations.booths:
            return None  # a browser booth's session is the terminal's own (kiosk.py)
        return session if stations.kiosks.device_of(request, session.device) else None

    def station_login(request: Request) -> HTMLResponse:
        return render(request, state, "station_login.html", {"next": request.url.path}, status=401)

    def questions(session: Session) -> tuple[Question, ...]:
        return stations.booths[session.device].questions

    def gone(request: Request, lang: str) -> HTMLResponse:
        return render(
            request,
            state,
            "message.html",
            {"title": tr(lang, "Voting booth"), "message": tr(lang, "No such booth session.")},
            status=404,
            lang=lang,
        )

    def finished(request: Request, session: Session) -> Response:
        """Once the voter has cast, nothing more can be chosen, sealed, shown or posted."""
        lang = session.lang
        return render(
            request,
            state,
            "message.html",
            {
                "title": tr(lang, "Voting booth"),
                "message": tr(lang, "This ballot is already cast: the booth session is over."),
            },
            status=409,
            lang=lang,
        )

    # --- the official's station page --------------------------------------------------------

    def station_page(
        request: Request,
        booth: Booth | BrowserBooth,
        error: str = "",
        status: int = 200,
        **more: Any,
    ) -> HTMLResponse:
        device = booth.device_id
        current = stations.kiosks.current.get(device)
        with stations.lock:
            session = stations.sessions.get(current) if current else None
        return render(
            request,
            state,
            "station.html",
            {
                "booth": booth,
                "suggestions": service.voters_without_ballot(booth.location.region_id, 30),
                "error": error,
                "vote_languages": [(c, LANGUAGE_NAMES[c]) for c in LANGUAGES],
                "pairing": stations.kiosks.pairing_code(device),
                "paired": device in stations.kiosks.paired,
                "in_booth": session is not None and session.receipt is None,
                **more,
            },
            status=status,
        )

    @router.get("/station/{device}", response_class=HTMLResponse)
    def station(request: Request, device: str, checked: str = "") -> HTMLResponse:
        if not may_run_station(request, state, device):
            return station_login(request)
        booth: Booth | BrowserBooth | None = stations.booths.get(device)
        booth = booth or stations.browser.get(device)
        if booth is None:
            return render(
                request,
                state,
                "message.html",
                {
                    "title": device,
                    "message": tr(
                        language(request), "No booth %(device)s runs on this server.", device=device
                    ),
                },
                status=404,
            )
        return station_page(request, booth, checked=checked == "1")

    @router.post("/station/{device}/pairing", response_class=HTMLResponse)
    def new_pairing(request: Request, device: str) -> Response:
        if not may_run_station(request, state, device):
            return station_login(request)
        if device in stations.booths or device in stations.browser:
            stations.kiosks.pairing_code(device, renew=True)
        return RedirectResponse(f"/station/{device}", status_code=303)

    @router.post("/station/{device}/check-in")
    async def check_in(request: Request, device: str) -> Response:
        if not may_run_station(request, state, device):
            return station_login(request)
        data = await form(request)
        booth = stations.booths.get(device)
        voter = data.get("voter", "").strip()
        lang = data.get("lang") if data.get("lang") in LANGUAGES else "uk"
        if booth is None and device in stations.browser:
            # The terminal signs the check-in itself (it holds the device key): the board
            # decides eligibility when it posts it.
            try:
                check_identifier(voter, "a voter pseudonym", 128)
            except PlebisciteError as exc:
                return station_page(
                    request,
                    stations.browser[device],
                    refusal(language(request), exc),
                    422,
                    voter=voter,
                )
            stations.open_session(device, voter, str(lang))
            return RedirectResponse(f"/station/{device}?checked=1", status_code=303)
        if booth is None:
            return RedirectResponse(f"/station/{device}", status_code=303)
        try:
            body = booth.check_in(voter)
            service.check_in(device, body["voter"], body["checkin"], body["signature"])
        except PlebisciteError as exc:
            return station_page(request, booth, refusal(language(request), exc), 422, voter=voter)
        # The booth opens on the station's terminal, not in this (the official's) browser.
        stations.open_session(device, voter, str(lang))
        return RedirectResponse(f"/station/{device}?checked=1", status_code=303)

    # --- the voter's booth ------------------------------------------------------------------

    def lang_of(request: Request, session: Session) -> str:
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            session.lang = str(asked)
        return session.lang

    def choose_page(request: Request, sid: str, session: Session, error: str = "") -> Response:
        lang = lang_of(request, session)
        qs = [
            {
                "id": q.id,
                "text": pick(q.text, lang),
                "explanation": pick(q.explanation, lang) if q.explanation else "",
                "options": [(o.id, pick(o.label, lang)) for o in q.options],
                "allow_blank": q.allow_blank,
            }
            for q in questions(session)
        ]
        return render(
            request,
            state,
            "booth_choose.html",
            {"sid": sid, "questions": qs, "selections": session.selections, "error": error},
            status=422 if error else 200,
            lang=lang,
        )

    @router.get("/booth/{sid}", response_class=HTMLResponse)
    def booth_start(request: Request, sid: str) -> Response:
        session = session_or_none(request, sid)
        if session is None:
            return gone(request, "en")
        if session.receipt is not None:
            return done_page(request, sid, session)
        session.prepared = None
        return choose_page(request, sid, session)

    def chosen_words(session: Session, lang: str) -> list[dict[str, str]]:
        out = []
        for q in questions(session):
            option = next((o for o in q.options if o.id == session.selections.get(q.id)), None)
            out.append(
                {
                    "question": pick(q.text, lang),
                    "answer": pick(option.label, lang) if option else tr(lang, "blank"),
                }
            )
        return out

    @router.post("/booth/{sid}/review", response_class=HTMLResponse)
    async def review(request: Request, sid: str) -> Response:
        session = session_or_none(request, sid)
        if session is None:
            return gone(request, "en")
        if session.receipt is not None:
            return finished(request, session)
        lang = lang_of(request, session)
        data = await form(request)
        picked: dict[str, str] = {}
        missing = False
        for q in questions(session):
            value = data.get(f"q-{q.id}", "")
            if value in q.option_ids:
                picked[q.id] = value
            elif not (q.allow_blank and value == ""):
                missing = True
        session.selections = picked
        if missing:
            return choose_page(request, sid, session, tr(lang, "Answer every question."))
        return render(
            request,
            state,
            "booth_review.html",
            {"sid": sid, "chosen": chosen_words(session, lang)},
            lang=lang,
        )

    @router.post("/booth/{sid}/seal", response_class=HTMLResponse)
    def seal(request: Request, sid: str) -> Response:
        session = session_or_none(request, sid)
        if session is None:
            return gone(request, "en")
        if session.receipt is not None:
            return finished(request, session)
        lang = lang_of(request, session)
        booth = stations.booths[session.device]
        try:
            selections: dict[str, str | None] = {
                q.id: session.selections.get(q.id) for q in booth.questions
            }
            # The chain head may have moved if another session on this device was accepted.
            booth.previous_code = service.device_chain_head(session.device)
            session.prepared = booth.prepare(session.voter, selections)
        except PlebisciteError as exc:
            return choose_page(request, sid, session, refusal(lang, exc))
        return code_page(request, sid, session, lang)

    def code_page(request: Request, sid: str, session: Session, lang: str) -> Response:
        assert session.prepared is not None
        code = session.prepared.tracking_code
        return render(
            request,
            state,
            "booth_code.html",
            {
                "sid": sid,
                "code_groups": [code[i : i + 4] for i in range(0, len(code), 4)],
                "chosen": chosen_words(session, lang),
            },
            lang=lang,
        )

    def refused(request: Request, session: Session, lang: str, exc: Exception) -> Response:
        return render(
            request,
            state,
            "message.html",
            {"title": tr(lang, "Refused"), "message": refusal(lang, exc)},
            status=409,
            lang=lang,
        )

    @router.post("/booth/{sid}/cast", response_class=HTMLResponse)
    def cast(request: Request, sid: str) -> Response:
        session = session_or_none(request, sid)
        if session is not None and session.receipt is not None:
            return finished(request, session)
        if session is None or session.prepared is None:
            return gone(request, "en" if session is None else session.lang)
        lang = lang_of(request, session)
        booth = stations.booths[session.device]
        prepared = session.prepared
        try:
            body = prepared.cast_body()
            receipt = service.cast(
                body["ballot"], body["signature"], tag_opening=body["tag_opening"]
            )
        except PlebisciteError as exc:
            return refused(request, session, lang, exc)
        booth.accepted(prepared)
        session.receipt = receipt
        session.prepared = None
        session.selections = {}  # the choice is not kept once the ballot is on the board
        return done_page(request, sid, session)

    def done_page(request: Request, sid: str, session: Session) -> Response:
        lang = lang_of(request, session)
        assert session.receipt is not None
        code = session.receipt.tracking_code
        return render(
            request,
            state,
            "booth_done.html",
            {
                "sid": sid,
                "receipt": session.receipt,
                "code": code,
                "code_groups": [code[i : i + 4] for i in range(0, len(code), 4)],
                "device": session.device,
            },
            lang=lang,
        )

    @router.get("/booth/{sid}/receipt.json")
    def receipt_file(request: Request, sid: str) -> Response:
        session = session_or_none(request, sid)
        return receipt_download(None if session is None else session.receipt)

    @router.post("/booth/{sid}/challenge", response_class=HTMLResponse)
    def challenge(request: Request, sid: str) -> Response:
        session = session_or_none(request, sid)
        if session is not None and session.receipt is not None:
            return finished(request, session)
        if session is None or session.prepared is None:
            return gone(request, "en" if session is None else session.lang)
        lang = lang_of(request, session)
        booth = stations.booths[session.device]
        prepared = session.prepared
        try:
            body = prepared.challenge_body()
            receipt = service.challenge(body["ballot"], body["signature"], body["opening"])
        except PlebisciteError as exc:
            return refused(request, session, lang, exc)
        booth.accepted(prepared)
        session.prepared = None
        session.selections = {}
        entry = service.board.entry(receipt.leaf_index)
        return render(
            request,
            state,
            "booth_challenged.html",
            {
                "sid": sid,
                "code": receipt.tracking_code,
                "leaf": receipt.leaf_index,
                "opened": opened_words(booth, entry.event.payload, lang),
            },
            lang=lang,
        )

    return router


def opened_words(booth: Booth, payload: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """What the board's published opening says, question by question, in words."""
    choices = payload.get("opening", {}).get("choices", [])
    out = []
    for q, vector in zip(booth.questions, choices, strict=False):
        chosen = [pick(o.label, lang) for o, bit in zip(q.options, vector, strict=False) if bit]
        out.append(
            {
                "question": pick(q.text, lang),
                "answer": ", ".join(chosen) or tr(lang, "blank"),
            }
        )
    return out


__all__ = ["BrowserBooth", "Session", "Stations", "build", "opened_words"]
