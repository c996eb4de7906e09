"""Device signatures on paper submissions (``docs/paper.md`` section 9; the verifier's V49).

Attackers played, each refused when filing and, forced onto the board past the service, found
by the verifier under V49: a protocol signed by another precinct's device, by a revoked device,
by a device nobody enrolled, by the precinct's mobile team; a protocol changed after it was
signed; an unsigned one; a signature made for another referendum. End to end, a record whose
protocol was rewritten after signing (still balancing, so V41 is blind to it) fails V49 alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from test_verify_support import Built, Lines, build_record, tampered

from paper_support import enrol_stations, protocol_data, sign, station_location
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.paper_signing import signed_message
from plebiscite.errors import (
    RevokedDeviceError,
    RuleError,
    SignatureError,
    UnknownDeviceError,
)
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.definition import publish_manifest
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.paper.filing import load_paper, submit, submit_custody_act, submit_protocol
from plebiscite.services.paper.signing import sign_submission
from plebiscite.services.simulation.synthetic import device_key
from plebiscite.verifier.paper import check_paper
from plebiscite.verifier.report import VerificationReport
from plebiscite.verifier.verify import verify_record

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST = load_manifest(SEED)
ELECTION = manifest_hash(MANIFEST).hex()
HOME = station_location(MANIFEST, "dn-0101")  # dn-0101's regular station
OTHER = station_location(MANIFEST, "dn-0102")
TEAM = station_location(MANIFEST, "dn-0101", "mobile_team")

TRIP = {
    "trip": "dn-0101-t1",
    "precinct": "dn-0101",
    "date": "2022-09-23",
    "team": ["member-a", "member-b"],
    "observers": ["observer-1"],
    "box": "MB-1",
    "seal_out": "S-1",
    "seal_in": "S-1",
    "applications": 40,
    "taken": 42,
    "issued": 38,
    "spoiled": 1,
    "returned": 3,
    "found": 38,
}
ACT = {
    "precinct": "dn-0101",
    "date": "2022-09-23",
    "box": "MB-1",
    "box_kind": "mobile",
    "packet": "P-1",
    "seal": "S-7",
    "count": 900,
    "signatories": ["member-a", "member-b"],
    "observers": [],
}


@pytest.fixture
def board() -> MemoryBoard:
    b = MemoryBoard()
    publish_manifest(b, MANIFEST)
    enrol_stations(b, MANIFEST)
    return b


def _revoke(board: MemoryBoard, location: str) -> int:
    payload = {
        "device": f"synthetic-{location}",
        "revoked": True,
        "revoked_at": "2022-09-24T00:00:00+03:00",
        "reason": "stolen",
    }
    return board.append(Event.create(EventType.DEVICE_ENROLMENT, payload))


def _edited(signed: dict[str, Any]) -> dict[str, Any]:
    """Three votes moved from 'no' to 'yes' after signing: every relation still holds."""
    options = {"yes": signed["options"]["yes"] + 3, "no": signed["options"]["no"] - 3}
    return {**signed, "options": options}


def _foreign(data: dict[str, Any]) -> dict[str, Any]:
    """Signed by the right device, but for another referendum (another manifest hash)."""
    return sign_submission(
        EventType.PROTOCOL,
        data,
        device=f"synthetic-{HOME}",
        key=device_key(HOME),
        election="00" * 64,
    )


def _unsigned(data: dict[str, Any]) -> dict[str, Any]:
    signed = sign(MANIFEST, "protocol", data)
    return {k: v for k, v in signed.items() if k not in ("device", "signature")}


#: (name, the forged protocol, the error filing it raises, words of the error and of V49)
ATTACKS = [
    ("another precinct", lambda: sign(MANIFEST, "protocol", protocol_data(), OTHER), RuleError,
     "not at a location of precinct 'dn-0101'"),
    ("the mobile team", lambda: sign(MANIFEST, "protocol", protocol_data(), TEAM), RuleError,
     "only a station of the precinct files its protocols"),
    ("edited after signing", lambda: _edited(sign(MANIFEST, "protocol", protocol_data())),
     SignatureError, "does not verify"),
    ("unsigned", lambda: _unsigned(protocol_data()), SignatureError, "not signed"),
    ("another referendum", lambda: _foreign(protocol_data()), SignatureError, "does not verify"),
    ("a device nobody enrolled",
     lambda: {**sign(MANIFEST, "protocol", protocol_data()), "device": "ghost"},
     UnknownDeviceError, "'ghost'"),
]  # fmt: skip


def test_a_protocol_signed_by_its_station_is_stored_with_its_filer(board: MemoryBoard) -> None:
    signed = sign(MANIFEST, "protocol", protocol_data())
    done = submit_protocol(board, signed, manifest=MANIFEST)
    stored = board.entry(done.index).event.payload
    assert stored == signed  # what the device signed is what the board holds
    assert stored["device"] == f"synthetic-{HOME}"
    _, record = load_paper(board)
    assert record.protocols[0].device == f"synthetic-{HOME}"
    # a trip may come from the mobile team's own device, an act only from a station's
    submit(board, "trip", sign(MANIFEST, "trip", TRIP, TEAM))
    with pytest.raises(RuleError, match="only a station of the precinct files its custody acts"):
        submit_custody_act(board, sign(MANIFEST, "custody", ACT, TEAM), manifest=MANIFEST)


@pytest.mark.parametrize(("name", "forge", "error", "words"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_a_forged_protocol_is_refused_and_nothing_is_stored(
    board: MemoryBoard, name: str, forge: Any, error: type[Exception], words: str
) -> None:
    before = board.size()
    with pytest.raises(error, match="protocol for dn-0101/dn-q1: ") as caught:
        submit_protocol(board, forge(), manifest=MANIFEST)
    assert words in str(caught.value)
    assert board.size() == before


def test_a_revoked_device_files_nothing(board: MemoryBoard) -> None:
    signed = sign(MANIFEST, "protocol", protocol_data())
    _revoke(board, HOME)
    before = board.size()
    with pytest.raises(RevokedDeviceError, match="has been revoked"):
        submit_protocol(board, signed, manifest=MANIFEST)
    with pytest.raises(RevokedDeviceError):
        submit(board, "custody", sign(MANIFEST, "custody", ACT))
    assert board.size() == before


def test_a_correction_needs_its_own_signature(board: MemoryBoard) -> None:
    first = sign(MANIFEST, "protocol", protocol_data())
    submit_protocol(board, first, manifest=MANIFEST)
    # the signed version 1 relabelled as version 2: the signature no longer covers it
    relabelled = {**first, "version": 2, "reason": "recount"}
    with pytest.raises(SignatureError, match="does not verify"):
        submit_protocol(board, relabelled, manifest=MANIFEST)
    correction = {**protocol_data(), "version": 2, "reason": "recount"}
    submit_protocol(board, sign(MANIFEST, "protocol", correction), manifest=MANIFEST)


# --- the verifier: the same attacks forced onto the board --------------------------------------


@dataclass
class Enrolled:
    location: str
    key: str
    enrolled_at: int = 1
    revoked_entry: int | None = None


def _devices(**change: Enrolled) -> dict[str, Enrolled]:
    out = {
        f"synthetic-{loc.id}": Enrolled(loc.id, device_key(loc.id).verify_key.hex())
        for loc in MANIFEST.locations
    }
    return {**out, **change}


def _v49(
    payload: dict[str, Any],
    devices: dict[str, Enrolled] | None = None,
    kind: EventType = EventType.PROTOCOL,
) -> list[str]:
    report = VerificationReport("test")
    events = [(100, Event.create(kind, payload))]
    check_paper(
        MANIFEST, events, report, devices=devices or _devices(), election=bytes.fromhex(ELECTION)
    )
    assert report.checks["V49"].checked == 1
    return [f.message for f in report.checks["V49"].findings]


def test_the_verifier_accepts_an_honest_filing() -> None:
    assert _v49(sign(MANIFEST, "protocol", protocol_data())) == []


@pytest.mark.parametrize(("name", "forge", "error", "words"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_a_forged_protocol_forced_onto_the_board_fails_v49(
    name: str, forge: Any, error: type[Exception], words: str
) -> None:
    found = _v49(forge())
    assert len(found) == 1
    expected = "was not enrolled before it" if name == "a device nobody enrolled" else words
    assert expected in found[0], found


def test_revoked_before_filing_fails_v49_revoked_after_does_not() -> None:
    signed = sign(MANIFEST, "protocol", protocol_data())
    home = Enrolled(HOME, device_key(HOME).verify_key.hex(), 1, 50)
    found = _v49(signed, _devices(**{f"synthetic-{HOME}": home}))
    assert found and "was revoked before it (entry 50)" in found[0]
    later = Enrolled(HOME, device_key(HOME).verify_key.hex(), 1, 150)
    assert _v49(signed, _devices(**{f"synthetic-{HOME}": later})) == []
    enrolled_later = Enrolled(HOME, device_key(HOME).verify_key.hex(), 150)
    assert (
        "was not enrolled before it"
        in _v49(signed, _devices(**{f"synthetic-{HOME}": enrolled_later}))[0]
    )


def test_the_verifier_holds_trips_and_acts_to_their_filers() -> None:
    assert _v49(sign(MANIFEST, "trip", TRIP, TEAM), kind=EventType.MOBILE_TRIP) == []
    found = _v49(sign(MANIFEST, "custody", ACT, TEAM), kind=EventType.CUSTODY_ACT)
    assert "only a station of the precinct files its custody acts" in found[0]
    # a protocol's signature pasted onto a custody act of the same precinct does not verify
    act = sign(MANIFEST, "custody", ACT)
    act["signature"] = sign(MANIFEST, "protocol", protocol_data())["signature"]
    assert "does not verify" in _v49(act, kind=EventType.CUSTODY_ACT)[0]


def test_the_signed_bytes_are_the_stored_payload_without_its_signature() -> None:
    signed = sign(MANIFEST, "protocol", protocol_data())
    message = json.loads(signed_message(ELECTION, signed))
    assert message["election"] == ELECTION
    assert message["submission"]["device"] == f"synthetic-{HOME}"
    assert "signature" not in message["submission"] and "flags" in message["submission"]
    key = SigningKey(device_key(HOME).seed)
    assert bytes.fromhex(signed["signature"]) == key.sign(
        "paper-protocol", signed_message(ELECTION, signed)
    )


# --- end to end: the verifier on a whole record ------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_record(tmp_path_factory.mktemp("signatures") / "record")


def test_a_protocol_rewritten_after_signing_fails_v49_alone(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        protocol = next(e for e in reversed(events) if e["type"] == "protocol")
        protocol["payload"] = _edited(protocol["payload"])

    report = verify_record(tampered(built, tmp_path, edit), workers=1)
    assert report.failed_checks() == ["V49"], [str(f) for f in report.findings()][:5]
    assert "does not verify" in report.checks["V49"].findings[0].message


def test_a_trip_signed_by_another_precincts_device_fails_v49(built: Built, tmp_path: Path) -> None:
    def edit(events: Lines) -> None:
        trip = next(e for e in events if e["type"] == "mobile_trip")
        trip["payload"] = sign(MANIFEST, "trip", trip["payload"], OTHER)

    report = verify_record(tampered(built, tmp_path, edit), workers=1)
    assert report.failed_checks() == ["V49"]
    assert "not at a location of precinct 'dn-0101'" in report.checks["V49"].findings[0].message
