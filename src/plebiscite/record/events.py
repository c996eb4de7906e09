"""Typed board events: a versioned envelope around a JSON payload (``docs/board.md`` section 1).

An event is what one leaf of the board's Merkle tree holds. Its bytes are the canonical JSON
(:func:`plebiscite.crypto.hashing.canonical_json`) of the envelope::

    {"payload": {...}, "type": "ballot_cast", "version": 1}

The type comes from a closed registry (:class:`EventType`); a type the registry does not know
is refused, so a record never carries an event no verifier can classify. Payload schemas per
type belong to the issues that introduce each event; this module checks what holds for all of
them: the payload is a JSON object of strings, integers, booleans, null, lists and objects, and
it has one canonical encoding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from plebiscite.crypto.hashing import canonical_json
from plebiscite.errors import EncodingError, InputError

#: The envelope format version written into every event.
FORMAT_VERSION: Final = 1

#: Events larger than this are refused: a board entry is a ballot or a message, not a file.
MAX_EVENT_BYTES: Final = 4 * 1024 * 1024


class EventType(StrEnum):
    """The closed registry of event types a board accepts."""

    MANIFEST = "manifest"
    CEREMONY_MESSAGE = "ceremony_message"
    ROLL_COMMITMENT = "roll_commitment"
    ROLL_ADDITION = "roll_addition"
    DEVICE_ENROLMENT = "device_enrolment"
    CHECK_IN = "check_in"
    BALLOT_CAST = "ballot_cast"
    BALLOT_CHALLENGED = "ballot_challenged"
    VOTING_CLOSED = "voting_closed"
    # After the close, counting with a deniable override (docs/protocol.md section 12).
    SHUFFLE = "shuffle"
    TAG_CONVERSION = "tag_conversion"
    TAG_SHARES = "tag_shares"
    ENCRYPTED_TALLY = "encrypted_tally"
    DECRYPTION_SHARE = "decryption_share"
    RESULTS = "results"
    DEVICE_CHAIN_END = "device_chain_end"
    HEAD_COSIGNATURE = "head_cosignature"
    STATION_CREDENTIAL = "station_credential"
    # The paper side: what the precinct commissions record by hand.
    PROTOCOL = "protocol"
    MOBILE_TRIP = "mobile_trip"
    CUSTODY_ACT = "custody_act"
    OBSERVER_REPORT = "observer_report"
    COMPLAINT = "complaint"

    @classmethod
    def parse(cls, name: object) -> EventType:
        """The registered type called ``name``, or an :class:`InputError` listing the known ones."""
        if isinstance(name, str):
            try:
                return cls(name)
            except ValueError:
                pass
        known = ", ".join(member.value for member in cls)
        raise InputError(f"unknown event type {name!r}; known types: {known}")


@dataclass(frozen=True)
class Event:
    """One board event. Build it with :meth:`create`; ``data`` is its canonical encoding.

    ``payload`` is a private parsed copy of ``data``: treat it as read-only (the encoding is
    fixed when the event is made and is what the board stores and hashes).
    """

    type: EventType
    payload: dict[str, Any] = field(compare=False, hash=False)
    data: bytes = field(repr=False)
    version: int = FORMAT_VERSION
    #: What the casting rules may read beside the event and the board never stores or shows
    #: (a check-in's voter pseudonym, ``docs/privacy.md``); not part of ``data``.
    private: dict[str, Any] | None = field(default=None, compare=False, hash=False, repr=False)

    @classmethod
    def create(
        cls,
        type: EventType | str,
        payload: dict[str, Any],
        private: dict[str, Any] | None = None,
    ) -> Event:
        """Validate and canonically encode an event; bad input raises :class:`InputError`.

        ``private`` travels with the event to the board's casting rules only."""
        event_type = EventType.parse(type)
        if not isinstance(payload, dict):
            raise InputError(
                f"{event_type} event: payload must be a JSON object, got {type_name(payload)}"
            )
        envelope = {"payload": payload, "type": event_type.value, "version": FORMAT_VERSION}
        data = canonicalise(envelope, what=f"{event_type} event")
        if len(data) > MAX_EVENT_BYTES:
            raise InputError(
                f"{event_type} event is {len(data)} bytes, more than the {MAX_EVENT_BYTES} allowed"
            )
        parsed: dict[str, Any] = json.loads(data)
        return cls(type=event_type, payload=parsed["payload"], data=data, private=private)

    def __repr__(self) -> str:
        return f"Event({self.type.value}, {len(self.data)} bytes)"


def type_name(value: object) -> str:
    """The JSON name of a Python value's type, for error messages."""
    names = {dict: "object", list: "array", str: "string", int: "integer", bool: "boolean"}
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__)


def canonicalise(value: object, *, what: str) -> bytes:
    """``canonical_json(value)``, with every failure turned into an :class:`InputError`."""
    try:
        return canonical_json(value)
    except EncodingError as exc:
        raise InputError(f"{what}: {exc}") from exc
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
        raise InputError(f"{what}: payload is not JSON-encodable: {exc}") from exc
