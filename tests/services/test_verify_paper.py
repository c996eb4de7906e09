"""The verifier's paper checks (V40-V43) and the paper-against-decrypted comparison.

The events are filed as the board stores them, signed by their precincts' station devices
(V49's attackers are in ``test_paper_signatures.py``).

Attackers played: a commission whose protocol does not add up (V41), an operator who drops a
superseded protocol from the record or a clerk who corrects one without a reason (V42), a
mobile team whose box holds more than it was given and a packet that goes missing between
days (V43), a commission that rewrites its protocol so that it balances but disagrees with the
encrypted count (``paper compare``), and paper events naming what the manifest lacks (V40).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from paper_support import protocol_data, sign
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.paper import parse_complaint, parse_custody_act, parse_protocol
from plebiscite.domain.paper_signing import PURPOSES
from plebiscite.errors import InputError
from plebiscite.interfaces.cli import main
from plebiscite.record.events import Event, EventType
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.paper.compare import compare
from plebiscite.services.simulation.synthetic import device_key
from plebiscite.verifier.paper import check_paper
from plebiscite.verifier.report import VerificationReport

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"


@pytest.fixture(scope="module")
def manifest() -> Any:
    return load_manifest(SEED)


@dataclass
class Enrolled:
    location: str
    key: str
    enrolled_at: int = 1
    revoked_entry: int | None = None


def stations(manifest: Any) -> dict[str, Enrolled]:
    """The synthetic device of every location, enrolled at entry 1 (the paper_support keys)."""
    return {
        f"synthetic-{loc.id}": Enrolled(loc.id, device_key(loc.id).verify_key.hex())
        for loc in manifest.locations
    }


_KIND = {EventType.PROTOCOL: "protocol", EventType.MOBILE_TRIP: "trip"}


def _events(manifest: Any, *items: tuple[EventType, dict[str, Any]]) -> list[tuple[int, Event]]:
    """Events from entry 100 on; those a device files are signed by their precinct's station
    (a malformed one cannot be: it is left unsigned)."""
    out = []
    for i, (kind, payload) in enumerate(items):
        filed = payload
        if kind in PURPOSES:
            with contextlib.suppress(InputError):
                filed = sign(manifest, _KIND.get(kind, "custody"), payload)
        out.append((100 + i, Event.create(kind, filed)))
    return out


def _protocol(**kw: Any) -> dict[str, Any]:
    version = kw.pop("version", 1)
    reason = kw.pop("reason", None)
    options = kw.pop("options", None)
    data = protocol_data(**kw)
    data.update(version=version, reason=reason, flags=[])
    if options is not None:
        data["options"] = options
    return data


def _act(count: int, day: str, kind: str = "mobile", packet: str = "P-1") -> dict[str, Any]:
    return {
        "precinct": "dn-0101",
        "date": day,
        "box": "MB-1" if kind == "mobile" else "SB-1",
        "box_kind": kind,
        "packet": packet,
        "seal": "S-1",
        "count": count,
        "signatories": ["a", "b"],
        "observers": [],
    }


def _honest_acts() -> list[tuple[EventType, dict[str, Any]]]:
    return [
        (EventType.CUSTODY_ACT, _act(900, "2022-09-23")),
        (EventType.CUSTODY_ACT, _act(600, "2022-09-27", "stationary", "P-2")),
    ]


def _run(manifest: Any, *items: tuple[EventType, dict[str, Any]]) -> VerificationReport:
    report = VerificationReport("test")
    check_paper(
        manifest,
        _events(manifest, *items),
        report,
        devices=stations(manifest),
        election=manifest_hash(manifest),
    )
    return report


def test_an_honest_paper_side_passes(manifest: Any) -> None:
    report = _run(manifest, (EventType.PROTOCOL, _protocol()), *_honest_acts())
    for check in ("V40", "V41", "V42", "V43", "V49"):
        assert report.checks[check].passed, report.checks[check].findings
        assert report.checks[check].checked >= 1


def test_a_protocol_that_does_not_add_up_fails_v41(manifest: Any) -> None:
    bad = _protocol(valid=1400)  # K3: boxes hold 1500, sorted into 1410
    report = _run(manifest, (EventType.PROTOCOL, bad), *_honest_acts())
    assert not report.checks["V41"].passed
    assert "K3" in report.checks["V41"].findings[0].message


def test_dropping_a_superseded_protocol_fails_v42(manifest: Any) -> None:
    second = _protocol(version=2, reason="recount")
    assert _run(
        manifest, (EventType.PROTOCOL, _protocol()), (EventType.PROTOCOL, second), *_honest_acts()
    ).ok
    report = _run(manifest, (EventType.PROTOCOL, second), *_honest_acts())  # v1 cut out
    assert not report.checks["V42"].passed
    assert "version 2 where 1 was due" in report.checks["V42"].findings[0].message


def test_a_correction_without_reason_fails(manifest: Any) -> None:
    second = _protocol(version=2, reason="")
    report = _run(manifest, (EventType.PROTOCOL, _protocol()), (EventType.PROTOCOL, second))
    # the parser refuses a correction without a reason: a malformed event (V40)
    assert not report.checks["V40"].passed


def test_stuffed_mobile_box_and_missing_packet_fail_v43(manifest: Any) -> None:
    trip = {
        "trip": "t1",
        "precinct": "dn-0101",
        "date": "2022-09-23",
        "team": ["a", "b"],
        "observers": [],
        "box": "MB-1",
        "seal_out": "S-1",
        "seal_in": "S-1",
        "applications": 40,
        "taken": 42,
        "issued": 38,
        "spoiled": 1,
        "returned": 3,
        "found": 55,  # more ballots in the box than applications: T3
        "flags": [],
    }
    report = _run(
        manifest,
        (EventType.PROTOCOL, _protocol()),
        (EventType.MOBILE_TRIP, trip),
        (EventType.CUSTODY_ACT, _act(850, "2022-09-23")),  # 50 ballots vanished from the packet
        (EventType.CUSTODY_ACT, _act(600, "2022-09-27", "stationary", "P-2")),
    )
    messages = " ".join(f.message for f in report.checks["V43"].findings)
    assert "T3" in messages and "D1M" in messages


def test_paper_events_outside_the_manifest_fail_v40(manifest: Any) -> None:
    report = _run(
        manifest,
        (EventType.PROTOCOL, _protocol(precinct="xx-9999")),
        (EventType.CUSTODY_ACT, {**_act(1, "2021-01-01")}),
    )
    assert report.checks["V40"].failed == 2


def _results(yes: int, no: int, invalid: int = 10) -> dict[str, Any]:
    q = {"question": "dn-q1", "options": {"yes": yes, "no": no}, "blank": invalid}
    cells = [
        {"id": "precinct:donetsk:dn-0101", "level": "precinct", "units": ["dn-0101"],
         "ballots": yes + no + invalid, "questions": [q]},
        {"id": "channel:donetsk:mobile_team", "level": "channel", "units": ["mobile_team"],
         "ballots": 0, "questions": [q]},
    ]  # fmt: skip
    region = {"region": "donetsk", "ballots": yes + no + invalid, "questions": [q], "cells": cells}
    return {"regions": [region]}


def test_compare_finds_a_rewritten_protocol(manifest: Any) -> None:
    honest = parse_protocol(_protocol(options={"yes": 1400, "no": 90}))
    rewritten = parse_protocol(_protocol(options={"yes": 1450, "no": 40}))  # still balances
    same = compare(manifest, [honest], [], [], _results(1400, 90))
    assert not [r for r in same.differing if r.level in ("region", "precinct")]
    found = compare(manifest, [rewritten], [], [], _results(1400, 90))
    # votes are compared per region (door-to-door ballots are counted only there); below it,
    # the booth ballots issued, never the votes
    changed = next(r for r in found.differing if r.level == "region")
    assert changed.differences == {"yes": 50, "no": -50}
    precinct = next(r for r in found.rows if r.level == "precinct")
    assert set(precinct.paper) == set(precinct.decrypted) == {"ballots"}
    # the channel cell: 0 ballots door to door decrypted, 0 on line 5: no difference there
    assert all(r.level != "channel" for r in found.differing)
    # other precincts of the region have no protocol and are named
    region = next(r for r in found.rows if r.level == "region")
    assert "dn-0102" in region.missing


def test_compare_leaves_out_annulled_precincts(manifest: Any) -> None:
    honest = parse_protocol(_protocol(options={"yes": 1400, "no": 90}))
    complaint = parse_complaint(
        {
            "complaint": "c1",
            "precinct": "dn-0101",
            "filed_by": "x",
            "filed_at": "2022-09-28T10:00:00+03:00",
            "grounds": "g",
            "decision": {"outcome": "upheld", "annul": True, "decided_by": "court",
                         "decided_at": "2022-09-30", "reasons": "r"},
        }
    )  # fmt: skip
    result = compare(manifest, [honest], [], [complaint], _results(1400, 90))
    precinct = next(r for r in result.rows if r.level == "precinct")
    assert precinct.annulled == ("dn-0101",) and precinct.paper["ballots"] == 0
    region = next(r for r in result.rows if r.level == "region")
    assert region.annulled == ("dn-0101",) and region.paper["yes"] == 0


def test_compare_command_on_a_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["paper", "compare", "--record", str(tmp_path / "none")])
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert parse_custody_act(_act(1, "2022-09-23")).count == 1
