"""Station officials' sign-in and the booth terminal (kiosk) of a station (``docs/pages.md``).

``/station/login``: an official signs in with the station credential the authority issued
(``services/voting/station_credentials.py``); the session is scoped to that credential's station and
is refused as soon as the credential is revoked on the board (:mod:`.access`).

``/kiosk/{device}``: the station's booth terminal. The first time, it asks for the pairing
code the station page shows (spent on use; pairing again unpairs the previous terminal). Once
paired it shows the booth session of the voter an official has just checked in on their own
screen, and otherwise waits for the next voter (the page reloads itself every few seconds,
by ``<meta http-equiv="refresh">``: no script).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from plebiscite.domain.ballot import question_spec
from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.pages.booth import BrowserBooth, Stations
from plebiscite.interfaces.pages.common import (
    KIOSK_COOKIE,
    STATION_COOKIE,
    PagesState,
    form,
    language,
    refusal,
    render,
)
from plebiscite.interfaces.pages.i18n import N_, pick, tr
from plebiscite.interfaces.pages.sessions import (
    SESSION_SECONDS,
    new_station_session,
    set_session_cookie,
)
from plebiscite.services.voting.station_credentials import public_part, station_of

#: How often the waiting kiosk reloads, in seconds.
KIOSK_REFRESH = 2
#: The pages' words the browser terminal shows (it renders the booth itself).
KIOSK_WORDS = {
    "booth": N_("Voting booth"),
    "choose_help": N_("Choose one answer. You can review your choice before casting."),
    "review": N_("Review my choice"),
    "you_chose": N_("You chose"),
    "change": N_("Change"),
    "seal": N_("Encrypt and show my tracking code"),
    "tracking_code": N_("Tracking code"),
    "code_help": N_(
        "Your ballot is encrypted. Write down or photograph the code: with it "
        "you will find your ballot on the board. Now choose:"
    ),
    "cast": N_("Cast my ballot"),
    "cast_help": N_("The ballot counts."),
    "cast_done": N_("Your ballot is cast"),
    "cast_done_help": N_(
        "It is recorded on the board. Keep the tracking code to check your ballot at home."
    ),
    "blank": N_("blank"),
    "answer_all": N_("Answer every question."),
    "kiosk_next": N_("Finish"),
    "kiosk_wait": N_("The booth is free"),
    "kiosk_wait_help": N_(
        "An official of the station checks the next voter in; the ballot then appears here."
    ),
    "refused": N_("Refused"),
    "challenge": N_("Check the device (challenge)"),
    "challenge_help": N_(
        "The device opens this ballot and shows what it recorded. This ballot "
        "will not count; you then vote again with a fresh ballot."
    ),
    "challenged_title": N_("The ballot was opened"),
    "device_recorded": N_("This device recorded"),
    "challenged_help": N_(
        "Compare it with what you chose. If it is not your choice, tell an "
        "official and an observer: the device may be faulty. This ballot is "
        "published opened and never counts."
    ),
    "vote_again": N_("Vote again with a fresh ballot"),
    "entry": N_("Board entry"),
}
#: A browser terminal runs libsodium's WebAssembly: its pages allow compiling it, nothing else.
KIOSK_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def build(state: PagesState, stations: Stations) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    service = state.service

    def login_page(request: Request, error: str = "", status: int = 401) -> HTMLResponse:
        return render(
            request, state, "station_login.html", {"next": "", "error": error}, status=status
        )

    @router.get("/station/login", response_class=HTMLResponse)
    def station_login(request: Request) -> HTMLResponse:
        return login_page(request, status=200)

    @router.post("/station/login")
    async def station_sign_in(request: Request) -> Response:
        data = await form(request)
        offered = data.get("credential", "").strip()
        station = station_of(service.board, public_part(offered)) if offered else None
        if station is None or not state.admin_token:
            return login_page(
                request, tr(language(request), "This credential is unknown or has been revoked.")
            )
        response = RedirectResponse(f"/station/{station}", status_code=303)
        set_session_cookie(
            response,
            request,
            STATION_COOKIE,
            new_station_session(state.admin_token, public_part(offered)),
        )
        return response

    @router.post("/station/logout")
    def station_sign_out() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(STATION_COOKIE, path="/")
        return response

    def pair_page(request: Request, device: str, error: str = "", status: int = 200) -> Response:
        return with_wasm(
            render(
                request,
                state,
                "kiosk_pair.html",
                {"device": device, "error": error, "browser": device in stations.browser},
                status=status,
            )
        )

    @router.get("/kiosk/{device}", response_class=HTMLResponse)
    def kiosk(request: Request, device: str) -> Response:
        lang = language(request)
        if device in stations.browser:
            if not stations.kiosks.device_of(request, device):
                return pair_page(request, device)
            return with_wasm(
                render(request, state, "kiosk_app.html", {"device": device}, lang=lang)
            )
        if device not in stations.booths:
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
        if not stations.kiosks.device_of(request, device):
            return pair_page(request, device)
        sid = stations.kiosks.current.get(device)
        with stations.lock:
            session = stations.sessions.get(sid) if sid else None
        if session is not None and session.receipt is None:
            return RedirectResponse(f"/booth/{sid}?lang={session.lang}", status_code=303)
        response = render(
            request,
            state,
            "kiosk_wait.html",
            {"device": device, "refresh": KIOSK_REFRESH},
            lang=lang,
        )
        return response

    @router.post("/kiosk/{device}/pair", response_class=HTMLResponse)
    async def pair(request: Request, device: str) -> Response:
        data = await form(request)
        token = stations.kiosks.pair(device, data.get("code", ""))
        known = device in stations.booths or device in stations.browser
        if not known or token is None:
            lang = language(request)
            return pair_page(request, device, tr(lang, "The code is wrong or already used."), 403)
        browser = stations.browser.get(device)
        if browser is not None:
            try:
                enrol_terminal(browser, data.get("public_key", "").strip())
            except PlebisciteError as exc:
                with stations.kiosks.lock:
                    stations.kiosks.paired.pop(device, None)
                return pair_page(request, device, refusal(language(request), exc), 422)
        response = RedirectResponse(f"/kiosk/{device}", status_code=303)
        set_session_cookie(response, request, KIOSK_COOKIE, token, SESSION_SECONDS * 3)
        return response

    def enrol_terminal(booth: BrowserBooth, public_key: str) -> None:
        """Enrol the device with the key the terminal made; a device already enrolled keeps
        its key (the terminal that made it must be the one paired again)."""
        existing = service.devices.get(booth.device_id)
        if existing is None:
            service.enrol_device(booth.device_id, booth.location.id, public_key)
        elif existing.public_key.hex() != public_key:
            raise PlebisciteError(
                f"device {booth.device_id!r} is enrolled with another key: pair the terminal "
                "that holds it, or create a station with a new device id"
            )

    @router.get("/kiosk/{device}/next")
    def next_voter(request: Request, device: str) -> Response:
        """The voter an official just checked in, for the browser terminal (taken once)."""
        booth = stations.browser.get(device)
        if booth is None or not stations.kiosks.device_of(request, device):
            return JSONResponse({"detail": "not this station's paired terminal"}, 403)
        sid = stations.kiosks.current.get(device)
        with stations.lock:
            session = stations.sessions.get(sid) if sid else None
            if session is None or session.taken:
                return JSONResponse({"waiting": True}, headers={"Cache-Control": "no-store"})
            session.taken = True
        return JSONResponse(
            ballot_sheet(booth, session.voter, session.lang),
            headers={"Cache-Control": "no-store"},
        )

    @router.post("/kiosk/{device}/finished")
    def finished(request: Request, device: str) -> Response:
        """The terminal's voter is done: the station page shows the booth free."""
        if device not in stations.browser or not stations.kiosks.device_of(request, device):
            return JSONResponse({"detail": "not this station's paired terminal"}, 403)
        with stations.lock:
            sid = stations.kiosks.current.get(device)
            session = stations.sessions.get(sid) if sid is not None else None
            if sid is not None and session is not None and session.taken:
                stations.sessions.pop(sid)
                stations.kiosks.current.pop(device, None)
        return JSONResponse({"ok": True})

    def ballot_sheet(booth: BrowserBooth, voter: str, lang: str) -> dict[str, Any]:
        """What the terminal needs to check the voter in and encrypt: no secret, no choice."""
        election = service.election
        assert election.election_key is not None
        return {
            "voter": voter,
            "lang": lang,
            "device": booth.device_id,
            "location": booth.location.id,
            "election": election.manifest_hash.hex(),
            "election_key": election.election_key.hex(),
            "previous_code": service.device_chain_head(booth.device_id),
            "questions": [
                {
                    "id": q.id,
                    "n": len(q.options),
                    "min": question_spec(q).min_selections,
                    "max": question_spec(q).max_selections,
                    "text": pick(q.text, lang),
                    "explanation": pick(q.explanation, lang) if q.explanation else "",
                    "options": [{"id": o.id, "label": pick(o.label, lang)} for o in q.options],
                }
                for q in booth.questions
            ],
            "words": {key: tr(lang, text) for key, text in KIOSK_WORDS.items()},
        }

    return router


def with_wasm(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = KIOSK_CSP
    return response


__all__ = ["KIOSK_CSP", "KIOSK_REFRESH", "KIOSK_WORDS", "build"]
