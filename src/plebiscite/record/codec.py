"""Decoding board events from bytes, strictly (``docs/board.md`` section 1).

Encoding is :attr:`Event.data <plebiscite.record.events.Event.data>`, fixed when an event is
made. Decoding accepts exactly the bytes that encoding produces: a line that parses but does
not re-encode to itself (other key order, whitespace, escapes, a duplicate key, a float) is a
:class:`~plebiscite.errors.RecordError` naming where the line came from, because two encodings
of one event would hash to two different leaves.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from plebiscite.crypto.hashing import canonical_json
from plebiscite.errors import InputError, RecordError
from plebiscite.record.events import FORMAT_VERSION, MAX_EVENT_BYTES, Event, EventType, type_name

_ENVELOPE_KEYS = frozenset({"payload", "type", "version"})


def encode_event(event: Event) -> bytes:
    """The canonical bytes of ``event`` (what a Merkle leaf and an ``events.jsonl`` line hold)."""
    return event.data


def decode_event(data: bytes, *, where: str = "event") -> Event:
    """Parse canonical event bytes; anything else raises :class:`RecordError` naming ``where``."""
    if len(data) > MAX_EVENT_BYTES:
        _fail(where, f"{len(data)} bytes, more than the {MAX_EVENT_BYTES} an event may have")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(where, f"not UTF-8 ({exc.reason} at byte {exc.start})")
    try:
        envelope = json.loads(
            text,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except _StrictJSONError as exc:
        _fail(where, str(exc))
    except json.JSONDecodeError as exc:
        _fail(where, f"not JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        _fail(where, "JSON nested too deeply")
    if not isinstance(envelope, dict):
        _fail(where, f"an event must be a JSON object, got {type_name(envelope)}")
    keys = set(envelope)
    if keys != _ENVELOPE_KEYS:
        missing = ", ".join(sorted(_ENVELOPE_KEYS - keys)) or "none"
        extra = ", ".join(sorted(keys - _ENVELOPE_KEYS)) or "none"
        _fail(
            where,
            f"envelope keys must be payload, type, version (missing: {missing}; "
            f"unexpected: {extra})",
        )
    version = envelope["version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        _fail(
            where,
            f"event format version {version!r} is not supported "
            f"(this plebiscite reads version {FORMAT_VERSION})",
        )
    try:
        event_type = EventType.parse(envelope["type"])
    except InputError as exc:
        _fail(where, str(exc))
    payload = envelope["payload"]
    if not isinstance(payload, dict):
        _fail(where, f"{event_type} event: payload must be a JSON object, got {type_name(payload)}")
    # Floats were refused while parsing, so the re-encoding needs no second scan for them.
    if canonical_json(envelope, floats_checked=True) != data:
        _fail(
            where,
            "not in canonical form (re-encoding gives different bytes: key order, "
            "whitespace or escapes differ)",
        )
    return Event(type=event_type, payload=payload, data=data)


class _StrictJSONError(ValueError):
    pass


def _refuse_float(text: str) -> NoReturn:
    raise _StrictJSONError(f"floats are not allowed in events (found {text})")


def _refuse_constant(text: str) -> NoReturn:
    raise _StrictJSONError(f"{text} is not allowed in events")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _StrictJSONError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _fail(where: str, reason: str) -> NoReturn:
    raise RecordError(f"{where}: {reason}")
