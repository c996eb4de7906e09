"""Web pages for voters, officials and observers, served by ``plebiscite serve`` at ``/``
(``docs/pages.md``).

Server-rendered Jinja2 templates (``interfaces/templates/``) in Ukrainian, Russian and English,
a stylesheet and one small script (``interfaces/static/``), no external asset. The app mounts
them with one line in :func:`plebiscite.interfaces.app.create_app`::

    app.include_router(pages.router_for(app, service, admin_token, demo_clock))

Modules: :mod:`.public` (home, receipt check, board, results, legitimacy, forensics),
:mod:`.complaints` (a voter's receipt complaint), :mod:`.booth` (the station and its booth),
:mod:`.authority` (officials' pages),
:mod:`.charts` (inline SVG), :mod:`.i18n` (the pages' own words), :mod:`.common`.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, FastAPI

from plebiscite.interfaces.pages import apidocs, authority, booth, codes, complaints, kiosk, public
from plebiscite.interfaces.pages.booth import Stations
from plebiscite.interfaces.pages.common import (
    AUTH_COOKIE,
    STATION_COOKIE,
    PagesState,
    find_record_dir,
)
from plebiscite.interfaces.pages.sessions import CsrfGuard
from plebiscite.services.voting.casting import CastingService, SimulatedClock


def router_for(
    app: FastAPI,
    service: CastingService,
    admin_token: str | None,
    demo_clock: SimulatedClock | None,
) -> APIRouter:
    """Every page, over ``service``; the shared state is kept as ``app.state.pages``.

    The record folder (downloads, the verifier's report, forensics) is
    ``PLEBISCITE_RECORD_DIR`` or ``record/`` beside a SQLite board; set
    ``app.state.pages.record_dir`` to choose another.
    """
    forensics = os.environ.get("PLEBISCITE_FORENSICS_FILE")
    state = PagesState(
        service,
        admin_token,
        demo_clock,
        record_dir=find_record_dir(service),
        forensics_file=Path(forensics) if forensics else None,
    )
    stations = Stations()
    app.add_middleware(
        CsrfGuard,
        admin_token=lambda: state.admin_token,
        cookie=AUTH_COOKIE,
        station_cookie=STATION_COOKIE,
    )
    app.state.pages = state
    app.state.stations = stations
    app.include_router(codes.build(state))  # its JSON API belongs in the OpenAPI schema
    router = APIRouter(include_in_schema=False)
    router.include_router(public.build(state))
    router.include_router(complaints.build(state))
    router.include_router(apidocs.build(app, state))
    router.include_router(kiosk.build(state, stations))
    router.include_router(booth.build(state, stations))
    router.include_router(authority.build(state, stations))
    return router


__all__ = ["PagesState", "Stations", "router_for"]
