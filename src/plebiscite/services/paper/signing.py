"""Device signatures on paper submissions (``docs/paper.md`` section 9).

A precinct commission files its protocols (and their corrections), its mobile trips and its
daily custody acts from a device enrolled on the board at one of the precinct's locations. The
event payload is the submission as the board stores it (``protocol_payload``, ``trip_payload``,
``custody_act_payload`` of :mod:`plebiscite.domain.paper`) with two more fields: ``device``, the
filing device's id, and ``signature``, its Ed25519 signature (``docs/protocol.md`` 8.1) under the
purpose of the kind (:data:`PURPOSES`) over::

    canonical_json({"election": <manifest hash, hex>, "submission": <payload without "signature">})

so the device id, every line and the ``flags`` are covered, and a signature made for one
referendum or one kind of record is worthless for another.

Who may file what (:func:`scope_problem`): a protocol or a custody act comes from a device at a
station (regular or makeshift) of its precinct; a mobile trip from a device of its precinct,
its mobile team's included. Observer reports and complaints are not filed by the commission and
carry no device signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.paper import (
    custody_act_payload,
    parse_custody_act,
    parse_protocol,
    parse_trip,
    protocol_payload,
    trip_payload,
)
from plebiscite.errors import EncodingError, InputError, SignatureError
from plebiscite.record.events import EventType

#: Signature purpose per signed kind (``docs/protocol.md`` section 8.1).
PURPOSES: Final[dict[EventType, str]] = {
    EventType.PROTOCOL: "paper-protocol",
    EventType.MOBILE_TRIP: "paper-trip",
    EventType.CUSTODY_ACT: "paper-custody",
}

#: The CLI and API names of the signed kinds.
KINDS: Final[dict[str, EventType]] = {
    "protocol": EventType.PROTOCOL,
    "trip": EventType.MOBILE_TRIP,
    "custody": EventType.CUSTODY_ACT,
}

FILER_FIELDS: Final = ("device", "signature")


def body_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The submission without its filer's fields (what the paper parsers read)."""
    return {k: v for k, v in payload.items() if k not in FILER_FIELDS}


def filer_of(payload: object) -> tuple[str, str] | None:
    """``(device, signature)`` when both are strings, else None (an unsigned submission)."""
    if not isinstance(payload, Mapping):
        return None
    device, signature = payload.get("device"), payload.get("signature")
    if isinstance(device, str) and isinstance(signature, str):
        return device, signature
    return None


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


def signed_message(election: str, payload: Mapping[str, Any]) -> bytes:
    """The bytes a device signs for ``payload`` (its ``signature`` field left out)."""
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    return canonical_json({"election": election, "submission": unsigned})


def sign_submission(
    kind: EventType, data: object, *, device: str, key: SigningKey, election: str
) -> dict[str, Any]:
    """``data`` as the board will store it, filed and signed by ``device`` with ``key``."""
    payload = {**stored_payload(kind, data), "device": device}
    signature = key.sign(PURPOSES[kind], signed_message(election, payload))
    return {**payload, "signature": signature.hex()}


def signature_problem(
    kind: EventType, payload: Mapping[str, Any], election: str, public_key: str
) -> str | None:
    """Why ``payload``'s signature does not verify under ``public_key``, or None."""
    filer = filer_of(payload)
    if filer is None:
        return "not signed: it names no filing device and signature"
    try:
        raw = bytes.fromhex(filer[1])
        VerifyKey.from_hex(public_key).verify(
            PURPOSES[kind], signed_message(election, payload), raw
        )
    except ValueError:
        return "the signature is not hexadecimal"
    except (SignatureError, EncodingError):
        return (
            f"the signature of device {filer[0]!r} does not verify: the record was changed "
            "after signing, or another key signed it"
        )
    return None


def scope_problem(
    manifest: Manifest, kind: EventType, precinct_id: str, device: str, location_id: str
) -> str | None:
    """Why the device enrolled at ``location_id`` may not file this record, or None."""
    location = manifest.location_by_id.get(location_id)
    if location is None or location.precinct_id != precinct_id:
        where = "an unknown location" if location is None else f"precinct {location.precinct_id!r}"
        return (
            f"device {device!r} is enrolled at {location_id!r} of {where}, "
            f"not at a location of precinct {precinct_id!r}"
        )
    if kind is not EventType.MOBILE_TRIP and not location.kind.is_booth:
        return (
            f"device {device!r} is a mobile team's ({location_id!r}): only a station of the "
            f"precinct files its {'protocols' if kind is EventType.PROTOCOL else 'custody acts'}"
        )
    return None


__all__ = [
    "FILER_FIELDS",
    "KINDS",
    "PURPOSES",
    "body_of",
    "filer_of",
    "scope_problem",
    "sign_submission",
    "signature_problem",
    "signed_message",
    "stored_payload",
]
