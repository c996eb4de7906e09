"""Every event type has a published JSON Schema (``docs/schemas/``), current with the code,
and every event of a complete record validates against its type's schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from test_verify_support import Built, build_record, read_events

from plebiscite.record.event_schemas import event_schema, schema_text
from plebiscite.record.events import EventType

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "schemas"
MANIFEST_SCHEMA = json.loads((ROOT / "docs" / "manifest.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_record(tmp_path_factory.mktemp("schemas") / "record", voters=60)


def _validator(kind: EventType) -> jsonschema.Draft202012Validator:
    registry: Registry = Registry().with_resource(
        "https://plebiscite.invalid/manifest.schema.json", Resource.from_contents(MANIFEST_SCHEMA)
    )
    return jsonschema.Draft202012Validator(event_schema(kind), registry=registry)


def test_every_event_type_has_a_current_published_schema() -> None:
    published = sorted(p.name for p in DOCS.glob("*.schema.json"))
    assert published == sorted(f"{kind.value}.schema.json" for kind in EventType)
    for kind in EventType:
        jsonschema.Draft202012Validator.check_schema(event_schema(kind))
        assert (DOCS / f"{kind.value}.schema.json").read_text(encoding="utf-8") == schema_text(
            kind
        ), "docs/schemas is stale: run python -m plebiscite.record.event_schemas docs/schemas"


def test_every_event_of_a_record_validates(built: Built) -> None:
    seen = set()
    for number, event in enumerate(read_events(built.record), start=1):
        kind = EventType(event["type"])
        errors = list(_validator(kind).iter_errors(event["payload"]))
        assert not errors, (number, kind.value, [e.message for e in errors[:3]])
        seen.add(kind)
    expected = set(EventType) - {EventType.HEAD_COSIGNATURE,
        EventType.OBSERVER_REPORT, EventType.COMPLAINT, EventType.STATION_CREDENTIAL}  # fmt: skip
    assert seen == expected


def test_check_in_and_cosignature_payloads_validate() -> None:
    from plebiscite.crypto.signing import SigningKey
    from plebiscite.record.heads import sign_head
    from plebiscite.services.election.witness import cosign_head
    from plebiscite.services.voting.casting import sign_check_in

    key = SigningKey(bytes(32))
    check_in = {
        "device": "d1",
        "checkin": "ab" * 16,
        "at": "2022-09-23T08:00:00+03:00",
        "signature": sign_check_in(key, "cd" * 64, "d1", "ab" * 16),
    }
    assert not list(_validator(EventType.CHECK_IN).iter_errors(check_in))
    # The pseudonym has no place in a check-in.
    named = {**check_in, "voter": "ab" * 32}
    assert list(_validator(EventType.CHECK_IN).iter_errors(named))
    head = sign_head(key, 7, b"\x01" * 32, 1)
    cosignature = cosign_head(key, key.verify_key.hex(), head, 2, 5).to_json()
    assert not list(_validator(EventType.HEAD_COSIGNATURE).iter_errors(cosignature))


def test_a_malformed_payload_is_refused(built: Built) -> None:
    events = read_events(built.record)
    cast = next(e for e in events if e["type"] == "ballot_cast")["payload"]
    bad = {**cast, "tracking_code": "XYZ"}
    assert list(_validator(EventType.BALLOT_CAST).iter_errors(bad))
    # Nothing in a cast entry may say which ballot counts, or name the voter.
    for extra in ({"supersedes": None}, {"overruled_by": cast["tracking_code"]}):
        assert list(_validator(EventType.BALLOT_CAST).iter_errors({**cast, **extra}))
    named = {**cast, "ballot": {**cast["ballot"], "voter": "ab" * 32}}
    assert list(_validator(EventType.BALLOT_CAST).iter_errors(named))
    end = next(e for e in events if e["type"] == "device_chain_end")["payload"]
    assert list(_validator(EventType.DEVICE_CHAIN_END).iter_errors({**end, "count": "1"}))
    roll = next(e for e in events if e["type"] == "roll_commitment")["payload"]
    assert list(_validator(EventType.ROLL_COMMITMENT).iter_errors({**roll, "parts": "1"}))


def test_station_credential_payloads_validate() -> None:
    import datetime as dt

    from plebiscite.record.memory import MemoryBoard
    from plebiscite.services.voting.station_credentials import issue, public_part, revoke

    board = MemoryBoard()
    now = dt.datetime(2022, 9, 23, 8, tzinfo=dt.UTC)
    secret, _ = issue(board, "station-1", now, pending=True)
    revoke(board, public_part(secret), now)
    payloads = [e.event.payload for e in board.entries()]
    assert len(payloads) == 2
    for payload in payloads:
        assert not list(_validator(EventType.STATION_CREDENTIAL).iter_errors(payload))
    assert list(_validator(EventType.STATION_CREDENTIAL).iter_errors({"station": 1}))
