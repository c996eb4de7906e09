"""Station officials' sign-in and the booth terminal (kiosk) of a station (``docs/pages.md``).

``/station/login``: an official signs in with the station credential the authority issued
(``services/station_credentials.py``); the session is scoped to that credential's station and
is refused as soon as the credential is revoked on the board (:mod:`.access`).

``/kiosk/{device}``: the station's booth terminal. The first time, it asks for the pairing
code the station page shows (spent on use; pairing again unpairs the previous terminal). Once
paired it shows the booth session of the voter an official has just checked in on their own
screen, and otherwise waits for the next voter (the page reloads itself every few seconds,
by ``<meta http-equiv="refresh">``: no script).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plebiscite.interfaces.pages.booth import Stations
from plebiscite.interfaces.pages.common import (
    KIOSK_COOKIE,
    STATION_COOKIE,
    PagesState,
    form,
    language,
    render,
)
from plebiscite.interfaces.pages.i18n import translate
from plebiscite.interfaces.pages.sessions import SESSION_SECONDS, new_station_session
from plebiscite.services.station_credentials import public_part, station_of

#: How often the waiting kiosk reloads, in seconds.
KIOSK_REFRESH = 2


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
            return login_page(request, translate(language(request), "station_login_wrong"))
        response = RedirectResponse(f"/station/{station}", status_code=303)
        response.set_cookie(
            STATION_COOKIE,
            new_station_session(state.admin_token, public_part(offered)),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            path="/",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/station/logout")
    def station_sign_out() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(STATION_COOKIE, path="/")
        return response

    def pair_page(request: Request, device: str, error: str = "", status: int = 200) -> Response:
        return render(
            request,
            state,
            "kiosk_pair.html",
            {"device": device, "error": error},
            status=status,
        )

    @router.get("/kiosk/{device}", response_class=HTMLResponse)
    def kiosk(request: Request, device: str) -> Response:
        lang = language(request)
        if device not in stations.booths:
            return render(
                request,
                state,
                "message.html",
                {"title": device, "message": f"no booth {device!r} runs on this server"},
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
        if device not in stations.booths or token is None:
            lang = language(request)
            return pair_page(request, device, translate(lang, "kiosk_pair_wrong"), 403)
        response = RedirectResponse(f"/kiosk/{device}", status_code=303)
        response.set_cookie(
            KIOSK_COOKIE,
            token,
            max_age=SESSION_SECONDS * 3,
            httponly=True,
            samesite="strict",
            path="/",
            secure=request.url.scheme == "https",
        )
        return response

    return router


__all__ = ["KIOSK_REFRESH", "build"]
