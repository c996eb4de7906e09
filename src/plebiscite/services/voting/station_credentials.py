"""Station-scoped officials' credentials, issued and revoked on the board (``docs/pages.md``).

The authority issues a credential for one station device: a random secret handed to that
station's officials, whose public part (``SHA-256("plebiscite station credential v1" ||
secret)``, hex) goes on the board in a ``station_credential`` event naming the station. A
later ``station_credential`` event with ``"revoked": true`` and the same public part revokes
it. The secret is never on the board and is not the authority's token: it lets its holder
check voters in at that one station, nothing else (``interfaces/pages/kiosk.py``).

The board is the only state: every sign-in and every request of a signed-in official reads
the credentials back from it (a few entries, found by the board's type index), so a
revocation takes effect at once in every server process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Final

from plebiscite.errors import InputError, RevokedDeviceError, UnknownDeviceError
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.services.voting.casting import check_identifier

PREFIX: Final = "st1_"
_TAG: Final = b"plebiscite station credential v1"


@dataclass(frozen=True)
class Credential:
    """One credential as the board records it."""

    station: str
    public: str
    issued_at: str
    revoked_at: str | None = None


def public_part(secret: str) -> str:
    """The credential's public part: what the board shows and sessions are bound to."""
    return hashlib.sha256(_TAG + secret.strip().encode()).hexdigest()


def credentials(board: Board) -> dict[str, Credential]:
    """Every credential on the board by public part, revocations applied."""
    out: dict[str, Credential] = {}
    for entry in board.entries_of_type([EventType.STATION_CREDENTIAL]):
        payload = entry.event.payload
        public = payload.get("credential")
        if not isinstance(public, str):
            continue
        if payload.get("revoked") is True:
            known = out.get(public)
            if known is not None and known.revoked_at is None:
                out[public] = Credential(
                    known.station, public, known.issued_at, str(payload.get("revoked_at"))
                )
        elif public not in out:
            out[public] = Credential(
                str(payload.get("station")), public, str(payload.get("issued_at"))
            )
    return out


def station_of(board: Board, public: str) -> str | None:
    """The station a valid (issued, unrevoked) credential's public part is scoped to."""
    found = credentials(board).get(public)
    return None if found is None or found.revoked_at is not None else found.station


def issue(
    board: Board, station: str, now: dt.datetime, *, pending: bool = False
) -> tuple[str, int]:
    """Issue a credential for ``station`` (an enrolled, unrevoked device, or with ``pending``
    one whose terminal will enrol it when paired): the secret (to be handed to the station's
    officials, shown once) and the board entry's index."""
    check_identifier(station, "a station device id")
    row = board.device(station)
    if row is None and not pending:
        raise UnknownDeviceError(f"no device {station[:64]!r} is enrolled")
    if row is not None and row.revoked:
        raise RevokedDeviceError(f"device {station!r} has been revoked")
    secret = PREFIX + secrets.token_urlsafe(24)
    payload = {"station": station, "credential": public_part(secret), "issued_at": now.isoformat()}
    index = board.append_entry(Event.create(EventType.STATION_CREDENTIAL, payload)).index
    return secret, index


def revoke(board: Board, public: str, now: dt.datetime) -> int:
    """Revoke the credential whose public part is ``public``; the board entry's index."""
    public = public.strip().lower()
    found = credentials(board).get(public)
    if found is None:
        raise InputError(f"no station credential {public[:64]!r} is on the board")
    if found.revoked_at is not None:
        raise InputError(f"station credential {public[:16]}... was revoked at {found.revoked_at}")
    payload = {
        "station": found.station,
        "credential": public,
        "revoked": True,
        "revoked_at": now.isoformat(),
    }
    return board.append_entry(Event.create(EventType.STATION_CREDENTIAL, payload)).index


__all__ = ["PREFIX", "Credential", "credentials", "issue", "public_part", "revoke", "station_of"]
