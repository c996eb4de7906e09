"""The stations this server knows and the voters' booth sessions on them (``docs/pages.md``).

A station either runs its booth on this server (:meth:`Stations.create`: the server makes and
holds the device key) or on its terminal's browser (:meth:`Stations.create_browser`: the
terminal makes and holds the key, :mod:`.kiosk`). A voter's :class:`Session` is opened by an
official's check-in and shown only on the station's paired terminal (:mod:`.access`).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import Location, Question
from plebiscite.errors import InputError
from plebiscite.interfaces.pages.access import Kiosks
from plebiscite.services.voting.booth import Booth, PreparedBallot
from plebiscite.services.voting.casting import CastingService, Receipt, check_identifier

MAX_SESSIONS = 1000


@dataclass
class Session:
    device: str
    voter: str
    lang: str
    selections: dict[str, str] = field(default_factory=dict)
    prepared: PreparedBallot | None = None
    receipt: Receipt | None = None
    taken: bool = False  # a browser terminal has fetched it (kiosk.py)


@dataclass(frozen=True)
class BrowserBooth:
    """A station whose booth terminal encrypts in the voter's browser and holds the device
    key itself (:mod:`.kiosk`): this server keeps no key and never sees a choice."""

    device_id: str
    location: Location
    questions: tuple[Question, ...]


@dataclass
class Stations:
    """The booths this server runs and the voters' sessions on them."""

    booths: dict[str, Booth] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    kiosks: Kiosks = field(default_factory=Kiosks)
    browser: dict[str, BrowserBooth] = field(default_factory=dict)

    def create_browser(self, service: CastingService, device_id: str, location_id: str) -> None:
        """A station whose terminal encrypts in the browser; its device is enrolled when the
        terminal pairs, with the public key it made."""
        check_identifier(device_id, "a device id")
        service.catch_up()
        manifest = service.election.manifest
        if manifest is None or service.election.election_key is None:
            raise InputError("the board has no manifest and election key yet")
        location = manifest.location_by_id.get(location_id)
        if location is None:
            raise InputError(f"no location has the id {location_id[:64]!r}")
        if device_id in service.devices or device_id in self.booths:
            raise InputError(f"device {device_id!r} exists already")
        questions = manifest.region_by_id[location.region_id].questions
        with self.lock:
            self.browser[device_id] = BrowserBooth(device_id, location, questions)

    def open_session(self, device: str, voter: str, lang: str) -> str:
        """A booth session for ``voter``, made the current one of ``device``'s terminal; the
        previous voter's session there is forgotten."""
        sid = secrets.token_urlsafe(16)
        with self.lock:
            previous = self.kiosks.current.get(device)
            if previous is not None:
                self.sessions.pop(previous, None)
            if len(self.sessions) >= MAX_SESSIONS:
                self.sessions.pop(next(iter(self.sessions)))
            self.sessions[sid] = Session(device, voter, lang)
            self.kiosks.current[device] = sid
        return sid

    def create(self, service: CastingService, device_id: str, location_id: str) -> int:
        """Make a device key, enrol it at ``location_id`` and keep the booth; the leaf index."""
        service.catch_up()
        election = service.election
        manifest = election.manifest
        if manifest is None or election.election_key is None:
            raise InputError("the board has no manifest and election key yet")
        key = SigningKey.generate()
        booth = Booth(
            manifest, election.manifest_hash, election.election_key, device_id, location_id, key
        )
        index = service.enrol_device(device_id, location_id, key.verify_key.hex())
        with self.lock:
            self.booths[device_id] = booth
        return index


__all__ = ["MAX_SESSIONS", "BrowserBooth", "Session", "Stations"]
