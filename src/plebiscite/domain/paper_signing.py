"""Device signatures on paper submissions (``docs/paper.md`` section 9; protocol 8.1).

A precinct commission files its protocols (and their corrections), its mobile trips and its
daily custody acts from a device enrolled on the board at one of the precinct's locations. The
event payload is the submission as the board stores it (``protocol_payload``, ``trip_payload``,
``custody_act_payload`` of :mod:`plebiscite.domain.paper`) with two more fields: ``device``, the
filing device's id, and ``signature``, its Ed25519 signature under the purpose of the event type
(:data:`PURPOSES`) over::

    canonical_json({"election": <manifest hash, hex>, "submission": <payload without "signature">})

so the device id, every line and the ``flags`` are covered, and a signature made for one
referendum or one kind of record is worthless for another.

Who may file what (:func:`scope_problem`): a protocol or a custody act comes from a device at a
station (regular or makeshift) of its precinct; a mobile trip from a device of its precinct,
its mobile team's included. Observer reports and complaints are not filed by the commission and
carry no device signature.

Filing (:mod:`plebiscite.services.paper.filing`) and the verifier (V49) both check submissions
with these definitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import EncodingError, SignatureError

#: Signature purpose per signed event type (``docs/protocol.md`` section 8.1).
PURPOSES: Final[dict[str, str]] = {
    "protocol": "paper-protocol",
    "mobile_trip": "paper-trip",
    "custody_act": "paper-custody",
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


def signed_message(election: str, payload: Mapping[str, Any]) -> bytes:
    """The bytes a device signs for ``payload`` (its ``signature`` field left out)."""
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    return canonical_json({"election": election, "submission": unsigned})


def signature_problem(
    kind: str, payload: Mapping[str, Any], election: str, public_key: str
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
    manifest: Manifest, kind: str, precinct_id: str, device: str, location_id: str
) -> str | None:
    """Why the device enrolled at ``location_id`` may not file this record, or None."""
    location = manifest.location_by_id.get(location_id)
    if location is None or location.precinct_id != precinct_id:
        where = "an unknown location" if location is None else f"precinct {location.precinct_id!r}"
        return (
            f"device {device!r} is enrolled at {location_id!r} of {where}, "
            f"not at a location of precinct {precinct_id!r}"
        )
    if kind != "mobile_trip" and not location.kind.is_booth:
        return (
            f"device {device!r} is a mobile team's ({location_id!r}): only a station of the "
            f"precinct files its {'protocols' if kind == 'protocol' else 'custody acts'}"
        )
    return None


__all__ = [
    "FILER_FIELDS",
    "PURPOSES",
    "body_of",
    "filer_of",
    "scope_problem",
    "signature_problem",
    "signed_message",
]
