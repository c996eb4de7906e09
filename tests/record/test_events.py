"""The event envelope and its one canonical encoding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.errors import InputError, RecordError
from plebiscite.record.codec import decode_event, encode_event
from plebiscite.record.events import Event, EventType


def test_known_answer_encoding() -> None:
    event = Event.create("ballot_cast", {"tracking_code": "ab12", "choices": [0, 1], "ok": True})
    assert encode_event(event) == (
        b'{"payload":{"choices":[0,1],"ok":true,"tracking_code":"ab12"},'
        b'"type":"ballot_cast","version":1}'
    )
    assert decode_event(event.data) == event


def test_registry_is_closed_and_complete() -> None:
    assert {t.value for t in EventType} == {
        "manifest", "ceremony_message", "roll_commitment", "roll_addition",
        "device_enrolment", "check_in", "ballot_cast", "ballot_challenged", "voting_closed",
        "encrypted_tally", "decryption_share", "results", "protocol", "mobile_trip",
        "custody_act", "observer_report", "complaint", "device_chain_end", "head_cosignature",
        "station_credential", "shuffle", "tag_conversion", "tag_shares",
    }  # fmt: skip
    with pytest.raises(InputError, match="unknown event type 'ballot'; known types: manifest"):
        Event.create("ballot", {})


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "payload must be a JSON object, got array"),
        ({"share": 0.5}, "floats are not allowed"),
        ({1: "x"}, "keys must be strings"),
        ({"x": b"raw"}, "not JSON-encodable"),
        ({"x": "\udc80"}, "not JSON-encodable"),
    ],
)
def test_bad_payloads_are_refused_with_the_reason(payload: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Event.create(EventType.COMPLAINT, payload)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"type":"check_in","payload":{},"version":1}', "not in canonical form"),
        (b'{"payload":{}, "type":"check_in","version":1}', "not in canonical form"),
        (b'{"payload":{"a":"\\u00e9"},"type":"check_in","version":1}', "not in canonical form"),
        (b'{"payload":{"a":1,"a":2},"type":"check_in","version":1}', "duplicate key 'a'"),
        (b'{"payload":{"a":1.0},"type":"check_in","version":1}', "floats are not allowed"),
        (b'{"payload":{"a":NaN},"type":"check_in","version":1}', "NaN is not allowed"),
        (b'{"payload":{},"type":"check_in","version":2}', "version 2 is not supported"),
        (b'{"payload":{},"type":"coup","version":1}', "unknown event type 'coup'"),
        (b'{"payload":[],"type":"check_in","version":1}', "payload must be a JSON object"),
        (b'{"payload":{},"type":"check_in"}', "missing: version"),
        (b'{"payload":{},"type":"check_in","version":1,"x":0}', "unexpected: x"),
        (b"[1]", "must be a JSON object"),
        (b'{"payload":{', "not JSON"),
        (b"\xff", "not UTF-8"),
    ],
)
def test_decoding_refuses_anything_but_canonical_events(line: bytes, message: str) -> None:
    with pytest.raises(RecordError, match=f"events.jsonl line 7: .*{message}"):
        decode_event(line, where="events.jsonl line 7")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(list(EventType)), payload=st.dictionaries(st.text(), json_values))
def test_encoding_is_canonical_and_round_trips(kind: EventType, payload: dict[str, object]) -> None:
    event = Event.create(kind, payload)
    again = decode_event(event.data)
    assert again.data == event.data
    assert again.payload == payload
    assert Event.create(kind, again.payload).data == event.data
