"""A JSON Schema (draft 2020-12) for the payload of every event type (``docs/schemas/``).

The schemas are written here, next to the event registry, and published as
``docs/schemas/<type>.schema.json`` by ``python -m plebiscite.record.event_schemas DIR``; a
test checks the published files are current and that every event of a complete record
validates. They pin the *form* of each payload (fields, types, hex lengths); what the fields
must *mean* (signatures, proofs, counts) is in ``docs/protocol.md`` and ``docs/verifier.md``.
Paper-side payloads are defined by ``docs/paper.md`` and only outlined here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Final

from plebiscite.record.events import EventType

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
Schema = dict[str, Any]


def _hex(nbytes: int | None = None) -> Schema:
    if nbytes is None:
        return {"type": "string", "pattern": "^([0-9a-f]{2})*$"}
    return {"type": "string", "pattern": f"^[0-9a-f]{{{2 * nbytes}}}$"}


POINT, SCALAR, KEY, SIG = _hex(32), _hex(32), _hex(32), _hex(64)
HASH64, CODE = _hex(64), _hex(32)  # manifest hash, ceremony context; tracking codes
TIME: Final[Schema] = {
    "type": "string",
    "format": "date-time",
    "description": "ISO-8601 with offset",
}
NAT: Final[Schema] = {"type": "integer", "minimum": 0}
TRUSTEE: Final[Schema] = {"type": "integer", "minimum": 1}
TEXT: Final[Schema] = {"type": "string", "minLength": 1}
CIPHERTEXT: Final[Schema] = {"type": "array", "items": POINT, "minItems": 2, "maxItems": 2}
PAIR: Final[Schema] = {"type": "array", "items": NAT, "minItems": 2, "maxItems": 2}


def _object(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": sorted(required),
        "additionalProperties": False,
    }


def _map(values: Schema) -> Schema:
    return {"type": "object", "additionalProperties": values}


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


_CEREMONY = {"step": {}, "trustee": TRUSTEE, "context": HASH64, "at": TIME, "signature": SIG}


def _step(
    name: str, fields: dict[str, Schema], signed: bool = True, optional: Schema | None = None
) -> Schema:
    base = dict(_CEREMONY) if signed else {"step": {}, "context": HASH64, "at": TIME}
    schema = _object({**base, **fields}, optional)
    schema["properties"]["step"] = {"const": name}
    return schema


_PROOF = _object({"c": SCALAR, "v": SCALAR})  # Schnorr (protocol 5.1)
# Chaum-Pedersen and range proofs carry their commitments a, b (protocol 5.2-5.4)
_EQUALITY = _object({"c": SCALAR, "v": SCALAR, "a": POINT, "b": POINT})
_RANGE = _object(
    {
        "c": _array(SCALAR),
        "v": _array(SCALAR),
        "a": _array(POINT),
        "b": _array(POINT),
        "range": PAIR,
    }
)
_ANSWER = _object(
    {
        "question": TEXT,
        "selections": _array(CIPHERTEXT),
        "selection_proofs": _array(_RANGE),
        "sum_proof": _RANGE,
    }
)
_BALLOT = _object(
    {
        "election": HASH64,
        "device": TEXT,
        "location": TEXT,
        "checkin": _hex(16),
        "previous_code": CODE,
        "tag": _object({"ciphertext": CIPHERTEXT, "proof": _PROOF}),
        "answers": _array(_ANSWER),
    }
)
_SHUFFLE_PROOF = _object(  # protocol section 10
    {
        "commitments": _array(POINT),
        "chain": _array(POINT),
        "t": {"type": "array", "items": POINT, "minItems": 3, "maxItems": 3},
        "t4": _array({"type": "array", "items": POINT, "minItems": 2, "maxItems": 2}),
        "t_hat": _array(POINT),
        "s": {"type": "array", "items": SCALAR, "minItems": 3, "maxItems": 3},
        "s4": _array(SCALAR),
        "s_hat": _array(SCALAR),
        "s_prime": _array(SCALAR),
    }
)
_CHUNK = {  # protocol section 12: the unit shuffled, converted and decrypted
    "region": TEXT,
    "batch": {"enum": ["booth", "home"]},
    "chunk": NAT,
}
_SIGNED = {"trustee": TRUSTEE, "context": HASH64, "at": TIME, "signature": SIG}
_SHARE = _object({"trustee": TRUSTEE, "value": POINT, "proof": _EQUALITY})
_COUNTS = _object({"question": TEXT, "options": _map(NAT), "blank": NAT})
_PAPER = {
    "type": "object",
    "description": "a paper-side record; its fields are defined in docs/paper.md",
}

SCHEMAS: Final[dict[EventType, Schema]] = {
    EventType.MANIFEST: _object(
        {
            "board_key": {"oneOf": [KEY, {"type": "null"}]},
            "hash": HASH64,
            "manifest": {"$ref": "../manifest.schema.json"},
        }
    ),
    EventType.CEREMONY_MESSAGE: {
        "oneOf": [
            _step("announce", {"sign_key": KEY, "box_key": KEY}),
            _step(
                "deal",
                {
                    "dealer_message": _object(
                        {"dealer": TRUSTEE, "commitments": _array(POINT), "proof": _PROOF}
                    ),
                    "shares": _map(_hex()),
                },
            ),
            _step("complaint", {"against": TRUSTEE, "reason": {"type": "string"}}),
            _step("answer", {"complainant": TRUSTEE, "share": SCALAR}),
            _step("confirm", {"public_share": POINT}),
            _step(
                "election_key",
                {
                    "election_key": POINT,
                    "k": TRUSTEE,
                    "qualified": _array(TRUSTEE),
                    "public_shares": _map(POINT),
                },
                signed=False,
                optional={
                    "transcript": _object(
                        {
                            "disqualified": _map({"type": "string"}),
                            "unanswered_complaints": _array(PAIR),
                        }
                    )
                },
            ),
        ]
    },
    EventType.ROLL_COMMITMENT: _object(
        {
            "region": TEXT,
            "part": TRUSTEE,
            "parts": TRUSTEE,
            "count": NAT,
            "commitment": HASH64,
            "voters": _array(
                {
                    "type": "array",
                    "prefixItems": [_hex(), TEXT, {"type": "boolean"}],
                    "minItems": 3,
                    "maxItems": 3,
                }
            ),
        }
    ),
    EventType.ROLL_ADDITION: _object(
        {
            "voter": _hex(),
            "region": TEXT,
            "precinct": TEXT,
            "home_voting": {"type": "boolean"},
            "reason": TEXT,
            "decision": TEXT,
        }
    ),
    EventType.DEVICE_ENROLMENT: {
        "oneOf": [
            _object({"device": TEXT, "location": TEXT, "public_key": KEY, "enrolled_at": TIME}),
            _object(
                {"device": TEXT, "revoked": {"const": True}, "revoked_at": TIME, "reason": TEXT}
            ),
        ]
    },
    EventType.CHECK_IN: _object(
        {"device": TEXT, "checkin": _hex(16), "at": TIME, "signature": SIG},
        {"checked_at": TIME, "checked_at_signature": SIG},  # offline (docs/devices.md)
    ),
    EventType.BALLOT_CAST: _object(
        {
            "ballot": _BALLOT,
            "signature": SIG,
            "tracking_code": CODE,
            "received_at": TIME,
        },
        {  # an offline device's upload (docs/devices.md)
            "cast_at": TIME,
            "cast_at_signature": SIG,
            "custody_late": {"const": True},
        },
    ),
    EventType.BALLOT_CHALLENGED: _object(
        {
            "ballot": _BALLOT,
            "signature": SIG,
            "tracking_code": CODE,
            "received_at": TIME,
            "opening": _object(
                {"nonce_seed": _hex(32), "choices": _array(_array({"enum": [0, 1]}))}
            ),
        },
        {  # challenged on an offline device (docs/devices.md)
            "cast_at": TIME,
            "cast_at_signature": SIG,
            "custody_late": {"const": True},
        },
    ),
    EventType.VOTING_CLOSED: _object({"closed_at": TIME}),
    EventType.STATION_CREDENTIAL: {
        "oneOf": [
            _object({"station": TEXT, "credential": _hex(32), "issued_at": TIME}),
            _object(
                {
                    "station": TEXT,
                    "credential": _hex(32),
                    "revoked": {"const": True},
                    "revoked_at": TIME,
                }
            ),
        ]
    },
    EventType.DEVICE_CHAIN_END: {
        "oneOf": [
            _object(
                {"device": TEXT, "count": NAT, "last_code": CODE, "at": TIME, "signature": SIG}
            ),
            _object(
                {
                    "device": TEXT,
                    "count": NAT,
                    "last_code": CODE,
                    "at": TIME,
                    "unreported": {"const": True},
                    "reason": TEXT,
                }
            ),
        ]
    },
    EventType.SHUFFLE: _object(
        {
            **_CHUNK,
            "chunk_rows": TRUSTEE,
            "outputs": _array({"type": "array", "items": CIPHERTEXT, "minItems": 1}),
            "proof": _SHUFFLE_PROOF,
        }
    ),
    EventType.TAG_CONVERSION: _object(
        {
            **_CHUNK,
            **_SIGNED,
            "commitment": POINT,
            "outputs": _array(CIPHERTEXT),
            "proof": _EQUALITY,
        }
    ),
    EventType.TAG_SHARES: _object(
        {
            **_CHUNK,
            **_SIGNED,
            "conversions": TRUSTEE,
            "shares": _array(POINT),
            "proof": _EQUALITY,
        }
    ),
    EventType.ENCRYPTED_TALLY: _object(
        {
            "cells": _array(
                _object(
                    {
                        "id": TEXT,
                        "level": TEXT,
                        "region": TEXT,
                        "units": _array(TEXT),
                        "ballots": NAT,
                        "sums": _array(_array(CIPHERTEXT)),
                    }
                )
            ),
            "closed_entry": NAT,
            "entries": NAT,
            "small_cell_threshold": NAT,
        }
    ),
    EventType.DECRYPTION_SHARE: _object(
        {
            "tally": NAT,
            "trustee": TRUSTEE,
            "context": HASH64,
            "at": TIME,
            "signature": SIG,
            "shares": _map(_array(_array(_SHARE))),
        }
    ),
    EventType.RESULTS: _object(
        {
            "tally_entry": NAT,
            "decrypted_by": _array(TRUSTEE),
            "rejected_shares": _map({"type": "string"}),
            "small_cell_threshold": NAT,
            "regions": _array(
                _object(
                    {
                        "region": TEXT,
                        "name": TEXT,
                        "registered": NAT,
                        "ballots": NAT,
                        "questions": _array(_COUNTS),
                        "cells": _array(
                            _object(
                                {
                                    "id": TEXT,
                                    "level": TEXT,
                                    "units": _array(TEXT),
                                    "ballots": NAT,
                                    "questions": _array(_COUNTS),
                                }
                            )
                        ),
                    }
                )
            ),
        }
    ),
    EventType.HEAD_COSIGNATURE: _object(
        {
            "witness": TRUSTEE,
            "tree_size": TRUSTEE,
            "root_hash": _hex(32),
            "cosigned_at": NAT,
            "signature": SIG,
        }
    ),
    EventType.PROTOCOL: _PAPER,
    EventType.MOBILE_TRIP: _PAPER,
    EventType.CUSTODY_ACT: _PAPER,
    EventType.OBSERVER_REPORT: _PAPER,
    EventType.COMPLAINT: _PAPER,
}


def event_schema(kind: EventType) -> Schema:
    """The published schema of ``kind``'s payload."""
    return {
        "$schema": DRAFT,
        "$id": f"https://plebiscite.invalid/schemas/{kind.value}.schema.json",
        "title": f"plebiscite-v2 {kind.value} payload",
        **SCHEMAS[kind],
    }


def schema_text(kind: EventType) -> str:
    return json.dumps(event_schema(kind), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in EventType:
        path = directory / f"{kind.value}.schema.json"
        path.write_text(schema_text(kind), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - the generator of docs/schemas/
    write_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas"))
