"""The authority's and officials' pages, behind the admin token (``docs/pages.md``).

Sign in with the token (the pages then hold a session cookie and a CSRF token, see
:mod:`.sessions`); then enrol devices (an external device's public key, or a booth this server
runs), close voting, set the demo clock when the server has one, and enter paper protocols. The
protocol form asks ``/officials/protocol/check`` for the control relations as the official types;
the same checks run again when the protocol is submitted
(``services.paper.filing.submit_protocol``), which stores it as submitted with its failing
relations flagged. A protocol is filed by a device of one of the precinct's stations
(``docs/paper.md`` section 9): a station device this server runs signs the typed protocol, or the
official pastes one its device signed (``plebiscite paper sign``); the service checks the device
and its signature either way.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from plebiscite.domain.paper import LINES, parse_protocol, protocol_checks
from plebiscite.errors import InputError, PlebisciteError
from plebiscite.interfaces.pages.booth import Stations
from plebiscite.interfaces.pages.common import (
    AUTH_COOKIE,
    PagesState,
    authorised,
    form,
    language,
    refusal,
    render,
)
from plebiscite.interfaces.pages.i18n import name_in, pick, tr
from plebiscite.interfaces.pages.sessions import new_session, set_session_cookie
from plebiscite.record.events import EventType
from plebiscite.services.paper.filing import submit_protocol
from plebiscite.services.paper.signing import sign_submission
from plebiscite.services.voting.casting import parse_time
from plebiscite.services.voting.station_credentials import credentials, issue, revoke

#: Line meanings in Ukrainian and Russian (English comes from ``domain.paper.LINES``).
LINE_WORDS: dict[str, tuple[str, str]] = {
    "voters_on_list": (
        "виборців у списку на момент закриття",
        "избирателей в списке на момент закрытия",
    ),
    "ballots_received": ("бюлетенів отримано комісією", "бюллетеней получено комиссией"),
    "issued_early": ("видано достроково", "выдано досрочно"),
    "issued_in_station": (
        "видано на дільниці в день голосування",
        "выдано на участке в день голосования",
    ),
    "issued_at_home": ("видано поза дільницею (вдома)", "выдано вне участка (на дому)"),
    "cancelled": (
        "погашено (невикористані та зіпсовані)",
        "погашено (неиспользованные и испорченные)",
    ),
    "in_mobile_boxes": ("у переносних скриньках", "в переносных ящиках"),
    "in_stationary_boxes": ("у стаціонарних скриньках", "в стационарных ящиках"),
    "invalid": ("недійсних", "недействительных"),
    "valid": ("дійсних", "действительных"),
    "lost": ("втрачених", "утраченных"),
    "surplus": ("неврахованих при отриманні (надлишок)", "не учтённых при получении (излишек)"),
}


def line_label(lang: str, code: str) -> str:
    line = next(x for x in LINES if x.code == code)
    words = LINE_WORDS.get(code)
    if lang == "uk" and words:
        return words[0]
    if lang == "ru" and words:
        return words[1]
    return line.meaning


def build(state: PagesState, stations: Stations) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    service = state.service

    def login_page(request: Request, error: str = "", status: int = 401) -> HTMLResponse:
        return render(
            request,
            state,
            "login.html",
            {"next": request.url.path, "error": error},
            status=status,
        )

    @router.post("/officials/login")
    async def login(request: Request) -> Response:
        data = await form(request)
        token = state.admin_token
        offered = data.get("token", "")
        target = data.get("next", "/officials")
        if not target.startswith("/") or target.startswith("//"):
            target = "/officials"
        if token is None or not hmac.compare_digest(offered.encode(), token.encode()):
            return login_page(request, tr(language(request), "The token is wrong."))
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, request, AUTH_COOKIE, new_session(token))
        return response

    @router.post("/officials/logout")
    def logout() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(AUTH_COOKIE, path="/")
        return response

    def dashboard(
        request: Request, notice: str = "", error: str = "", status: int = 200
    ) -> HTMLResponse:
        service.catch_up()
        manifest = service.election.manifest
        return render(
            request,
            state,
            "officials.html",
            {
                "devices": sorted(service.devices.values(), key=lambda d: d.id),
                "booths": stations.booths,
                "browser_booths": sorted(stations.browser),
                "credentials": sorted(
                    credentials(service.board).values(), key=lambda c: (c.station, c.issued_at)
                ),
                "locations": manifest.locations if manifest else (),
                "closed": service.election.closed_at,
                "now": service.clock.now().isoformat(timespec="seconds"),
                "demo_clock": state.demo_clock is not None,
                "notice": notice,
                "error": error,
            },
            status=status,
        )

    @router.get("/officials", response_class=HTMLResponse)
    def officials(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        return dashboard(request)

    def done(request: Request, index: int) -> HTMLResponse:
        return dashboard(request, tr(language(request), "Done: board entry %(n)s.", n=index))

    @router.post("/officials/devices", response_class=HTMLResponse)
    async def enrol(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        data = await form(request)
        try:
            index = service.enrol_device(
                data.get("device", "").strip(),
                data.get("location", ""),
                data.get("public_key", "").strip(),
            )
        except PlebisciteError as exc:
            return dashboard(request, error=refusal(language(request), exc), status=422)
        return done(request, index)

    @router.post("/officials/booths", response_class=HTMLResponse)
    async def create_booth(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        data = await form(request)
        try:
            device, location = data.get("device", "").strip(), data.get("location", "")
            if data.get("browser") == "yes":
                stations.create_browser(service, device, location)
                return dashboard(request, notice=f"/kiosk/{device}")
            index = stations.create(service, device, location)
        except PlebisciteError as exc:
            return dashboard(request, error=refusal(language(request), exc), status=422)
        return done(request, index)

    @router.post("/officials/credentials", response_class=HTMLResponse)
    async def issue_credential(request: Request) -> HTMLResponse:
        """A station-scoped credential for a station's officials, shown once."""
        if not authorised(request, state):
            return login_page(request)
        data = await form(request)
        station = data.get("device", "").strip()
        try:
            pending = station in stations.browser  # enrolled when its terminal pairs
            secret, _ = issue(service.board, station, service.clock.now(), pending=pending)
        except PlebisciteError as exc:
            return dashboard(request, error=refusal(language(request), exc), status=422)
        lang = language(request)
        notice = tr(
            lang,
            "Credential for %(station)s (shown once): %(secret)s",
            station=station,
            secret=secret,
        )
        return dashboard(request, notice)

    @router.post("/officials/credentials/revoke", response_class=HTMLResponse)
    async def revoke_credential(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        data = await form(request)
        try:
            index = revoke(service.board, data.get("credential", ""), service.clock.now())
        except PlebisciteError as exc:
            return dashboard(request, error=refusal(language(request), exc), status=422)
        return done(request, index)

    @router.post("/officials/close", response_class=HTMLResponse)
    async def close(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        data = await form(request)
        if data.get("confirm") != "yes":
            return dashboard(
                request,
                error=tr(
                    language(request), "I understand that no ballot is accepted after closing."
                ),
                status=422,
            )
        try:
            index = service.close_voting()
        except PlebisciteError as exc:
            return dashboard(request, error=refusal(language(request), exc), status=409)
        return done(request, index)

    @router.post("/officials/clock", response_class=HTMLResponse)
    async def set_clock(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        data = await form(request)
        if state.demo_clock is None:
            return dashboard(request, error="this server has no demo clock", status=404)
        try:
            state.demo_clock.set(parse_time(data.get("now", ""), "now"))
        except PlebisciteError as exc:
            return dashboard(request, error=refusal(language(request), exc), status=422)
        return dashboard(request, notice=state.demo_clock.now().isoformat())

    # --- paper protocols --------------------------------------------------------------------

    def pairs(lang: str) -> list[tuple[str, str]]:
        manifest = service.election.manifest
        if manifest is None:
            return []
        out = []
        for p in manifest.precincts:
            region = manifest.region_by_id[p.region_id]
            for q in region.questions:
                out.append(
                    (f"{p.id}|{q.id}", f"{name_in(region, lang)} / {name_in(p, lang)} / {q.id}")
                )
        return out

    def protocol_page(
        request: Request,
        data: dict[str, str],
        stored: Any = None,
        error: str = "",
        status: int = 200,
    ) -> HTMLResponse:
        service.catch_up()
        manifest = service.election.manifest
        lang = language(request)
        chosen = data.get("pair", "")
        precinct_id, _, question_id = chosen.partition("|")
        question = None
        if manifest is not None and precinct_id in manifest.precinct_by_id:
            region = manifest.region_by_id[manifest.precinct_by_id[precinct_id].region_id]
            question = next((q for q in region.questions if q.id == question_id), None)
        context: dict[str, Any] = {
            "pairs": pairs(lang),
            "pair": chosen if question else "",
            "stored": stored,
            "error": error,
            "data": data,
            "now": service.clock.now().isoformat(timespec="minutes"),
        }
        if question is not None:
            context["devices"] = filing_booths(precinct_id)
            context["question_text"] = pick(question.text, lang)
            context["lines"] = [(x.number, x.code, line_label(lang, x.code)) for x in LINES]
            context["options"] = [
                (13 + i, o.id, pick(o.label, lang)) for i, o in enumerate(question.options)
            ]
            context["precinct"] = precinct_id
            context["question"] = question_id
        return render(request, state, "protocol.html", context, status=status)

    def filing_booths(precinct_id: str) -> list[tuple[str, str]]:
        """(device, location) of the booths this server runs at the precinct's stations."""
        with stations.lock:
            booths = list(stations.booths.values())
        return sorted(
            (b.device_id, b.location.id)
            for b in booths
            if b.location.precinct_id == precinct_id and b.location.kind.is_booth
        )

    def filed_protocol(data: dict[str, str]) -> Any:
        """The protocol to submit: the pasted signed one, or the typed one signed by the chosen
        booth of this server."""
        pasted = data.get("signed", "").strip()
        if pasted:
            try:
                return json.loads(pasted)
            except ValueError as exc:
                raise InputError(f"the pasted protocol is not JSON: {exc}") from None
        typed = protocol_data(data)
        booth = stations.booths.get(data.get("device", ""))
        if booth is None or (booth.device_id, booth.location.id) not in filing_booths(
            typed["precinct"]
        ):
            raise InputError(
                "choose a station device of this precinct run by this server, or paste a "
                "protocol its device signed"
            )
        return sign_submission(
            EventType.PROTOCOL,
            typed,
            device=booth.device_id,
            key=booth.key,
            election=booth.election,
        )

    @router.get("/officials/protocol", response_class=HTMLResponse)
    def protocol(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        return protocol_page(request, dict(request.query_params))

    def protocol_data(data: dict[str, str]) -> dict[str, Any]:
        def number(name: str) -> int:
            text = data.get(name, "").strip()
            if not text:
                return 0
            # Only ASCII digits: str.isdigit() also accepts superscripts ("²"), which int()
            # then refuses, and other scripts' digits, which no paper protocol uses.
            if not (text.isascii() and text.isdigit()):
                raise InputError(f"{name}: {text[:20]!r} is not a whole number (digits 0-9)")
            return int(text)

        precinct, _, question = data.get("pair", "").partition("|")
        options = {k[4:]: number(k) for k in data if k.startswith("opt-")}
        out: dict[str, Any] = {
            "precinct": precinct,
            "question": question,
            "version": number("version") or 1,
            "lines": {x.code: number(f"line-{x.code}") for x in LINES},
            "options": options,
            "signed_by": [n.strip() for n in data.get("signed_by", "").split(",") if n.strip()],
            "signed_at": data.get("signed_at", "").strip(),
        }
        if data.get("reason", "").strip():
            out["reason"] = data["reason"].strip()
        return out

    @router.post("/officials/protocol/check")
    async def protocol_check(request: Request) -> Response:
        """The control relations of the protocol typed so far (JSON for the form's script)."""
        if not authorised(request, state):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        try:
            raw = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"detail": "not JSON"}, status_code=422)
        data = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        lang = language(request)
        try:
            filled = protocol_data(data)
            filled["signed_by"] = filled["signed_by"] or ["-"]
            filled["signed_at"] = filled["signed_at"] or "-"
            checks = protocol_checks(parse_protocol(filled))
        except PlebisciteError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)
        return JSONResponse(
            {
                "checks": [
                    {
                        "id": c.id,
                        "hard": c.hard,
                        "ok": c.ok,
                        "rule": c.rule,
                        "message": c.message,
                        "state": (
                            tr(lang, "holds")
                            if c.ok
                            else (tr(lang, "broken") if c.hard else tr(lang, "warning"))
                        ),
                    }
                    for c in checks
                ]
            }
        )

    @router.post("/officials/protocol", response_class=HTMLResponse)
    async def protocol_submit(request: Request) -> HTMLResponse:
        if not authorised(request, state):
            return login_page(request)
        data = await form(request)
        if not data.get("signed_at"):
            data["signed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="minutes")
        manifest = service.election.manifest
        if manifest is None:
            return protocol_page(request, data, error="the board has no manifest", status=409)
        try:
            submission = submit_protocol(service.board, filed_protocol(data), manifest=manifest)
        except PlebisciteError as exc:
            return protocol_page(request, data, error=refusal(language(request), exc), status=422)
        return protocol_page(request, data, stored=submission)

    return router


__all__ = ["LINE_WORDS", "build", "line_label"]
