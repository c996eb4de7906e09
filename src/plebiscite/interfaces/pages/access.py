"""Who may open a station page and which booth a kiosk shows (``docs/pages.md``).

Three kinds of browser, three cookies, no power shared between them:

- the authority: its session (:mod:`.sessions`), every page;
- a station's official: a station session bound to a station credential on the board
  (``services/voting/station_credentials.py``), the station page of that one station only, checked
  against the board on every request so a revocation holds at once;
- a station's booth terminal (the *kiosk*): a random kiosk token set when it was paired with
  the code its station's page shows. It opens that station's current booth session and
  nothing else: no officials' page, no station page, no other voter's booth.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass, field

from fastapi import Request

from plebiscite.interfaces.pages.common import (
    KIOSK_COOKIE,
    STATION_COOKIE,
    PagesState,
    authorised,
)
from plebiscite.interfaces.pages.sessions import station_session
from plebiscite.services.voting.station_credentials import station_of


def _digest(secret: str) -> str:
    return hashlib.sha256(b"plebiscite kiosk v1" + secret.encode()).hexdigest()


@dataclass
class Kiosks:
    """Per station device: the pairing code its page shows, the paired terminal (the digest
    of its token) and the booth session that terminal shows now."""

    pairing: dict[str, str] = field(default_factory=dict)
    paired: dict[str, str] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pairing_code(self, device: str, renew: bool = False) -> str:
        """The code that pairs a terminal with ``device`` (made on first use; single use)."""
        with self.lock:
            code = self.pairing.get(device)
            if code is None or renew:
                code = self.pairing[device] = secrets.token_hex(6)
            return code

    def pair(self, device: str, offered: str) -> str | None:
        """A new kiosk token for ``device`` if ``offered`` is its pairing code; the code is
        then spent, and the terminal paired before (if any) is unpaired."""
        offered = "".join(offered.split()).lower()
        with self.lock:
            code = self.pairing.get(device)
            if code is None or not hmac.compare_digest(offered.encode(), code.encode()):
                return None
            token = secrets.token_urlsafe(24)
            self.paired[device] = _digest(token)
            self.pairing[device] = secrets.token_hex(6)
            return token

    def device_of(self, request: Request, device: str) -> bool:
        """Whether this request comes from the terminal paired with ``device``."""
        token = request.cookies.get(KIOSK_COOKIE, "")
        with self.lock:
            known = self.paired.get(device)
        return bool(token) and known is not None and hmac.compare_digest(_digest(token), known)


def station_credential(request: Request, state: PagesState) -> str | None:
    """The station a signed-in station official's credential is scoped to, if still valid."""
    scoped = station_session(request.cookies.get(STATION_COOKIE, ""), state.admin_token)
    if scoped is None:
        return None
    return station_of(state.service.board, scoped[0])


def may_run_station(request: Request, state: PagesState, device: str) -> bool:
    """The authority, or an official whose unrevoked credential names this station."""
    if authorised(request, state):
        return True
    return station_credential(request, state) == device


__all__ = ["Kiosks", "may_run_station", "station_credential"]
