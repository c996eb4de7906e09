"""Signing paper submissions on a filing device (``docs/paper.md`` section 9).

A precinct commission files its protocols, mobile trips and custody acts from a device enrolled
at one of the precinct's locations: :func:`sign_submission` turns a submission into the payload
the board stores and signs it. What the signature covers, under which purpose, and who may
file what are defined once in :mod:`plebiscite.domain.paper_signing` (filing and the verifier
check with it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.paper import (
    custody_act_payload,
    parse_custody_act,
    parse_protocol,
    parse_trip,
    protocol_payload,
    trip_payload,
)
from plebiscite.domain.paper_signing import PURPOSES, body_of, signed_message
from plebiscite.errors import InputError
from plebiscite.record.events import EventType

#: The CLI and API names of the signed kinds.
KINDS: Final[dict[str, EventType]] = {
    "protocol": EventType.PROTOCOL,
    "trip": EventType.MOBILE_TRIP,
    "custody": EventType.CUSTODY_ACT,
}


def stored_payload(kind: EventType, data: object, where: str | None = None) -> dict[str, Any]:
    """The submission as the board stores it (parsed, then written back), filer fields left
    out; an :class:`InputError` naming the field for a malformed one."""
    if not isinstance(data, Mapping):
        raise InputError(f"{where or kind.value}: must be a JSON object")
    body = body_of(data)
    if kind is EventType.PROTOCOL:
        return protocol_payload(parse_protocol(body, where or "protocol"))
    if kind is EventType.MOBILE_TRIP:
        return trip_payload(parse_trip(body, where or "mobile trip"))
    if kind is EventType.CUSTODY_ACT:
        return custody_act_payload(parse_custody_act(body, where or "custody act"))
    raise InputError(f"{kind.value} records are not signed by a device")


def sign_submission(
    kind: EventType, data: object, *, device: str, key: SigningKey, election: str
) -> dict[str, Any]:
    """``data`` as the board will store it, filed and signed by ``device`` with ``key``."""
    payload = {**stored_payload(kind, data), "device": device}
    signature = key.sign(PURPOSES[kind], signed_message(election, payload))
    return {**payload, "signature": signature.hex()}


__all__ = [
    "KINDS",
    "sign_submission",
    "stored_payload",
]
