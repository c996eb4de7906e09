"""Paper records on a board: submission, flags, supersession, reading back, aggregation."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from paper_support import enrol_stations, file, protocol_data, sign
from plebiscite.domain.paper import LINE_CODES
from plebiscite.errors import InputError, RecordError
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.definition import publish_manifest
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.paper.filing import (
    load_paper,
    paper_findings,
    paper_results,
    results_document,
    submit,
    submit_complaint,
    submit_protocol,
    submit_trip,
)

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST = load_manifest(SEED)


def complaint_data(precinct: str = "dn-0102", annul: bool = True, cid: str = "c-1") -> Any:
    return {
        "complaint": cid,
        "precinct": precinct,
        "filed_by": "a voter",
        "filed_at": "2022-09-28T10:00:00+03:00",
        "grounds": "open voting in front of armed men",
        "decision": {
            "outcome": "upheld",
            "annul": annul,
            "decided_by": "court",
            "decided_at": "2022-09-30",
            "reasons": "secrecy breached",
        },
    }


@pytest.fixture
def board() -> MemoryBoard:
    b = MemoryBoard()
    publish_manifest(b, MANIFEST)
    enrol_stations(b, MANIFEST)
    return b


def _all_donetsk(board: MemoryBoard) -> None:
    items = []
    for i, p in enumerate(x for x in MANIFEST.precincts if x.region_id == "donetsk"):
        data = protocol_data(p.id, valid=1490 - i, invalid=10 + i)
        data["options"] = {"yes": 1400 - i, "no": 90}
        items.append(data)
    file(board, "protocol", items)


def test_a_protocol_breaking_a_hard_relation_is_stored_as_submitted_and_flagged(
    board: MemoryBoard,
) -> None:
    done = submit_protocol(
        board, sign(MANIFEST, "protocol", protocol_data(ballots_received=2000)), manifest=MANIFEST
    )
    assert [c.id for c in done.flags] == ["K2"]
    assert "100 ballots unaccounted for" in done.flags[0].message
    stored = board.entry(done.index).event.payload
    assert stored["lines"]["ballots_received"] == 2000
    assert stored["flags"] == ["K2"]
    _, record = load_paper(board)
    finding = [f for f in paper_findings(MANIFEST, record) if not f.check.ok and f.check.hard]
    assert [f.check.id for f in finding] == ["K2", "D1M", "D1S"]  # no daily acts either


def test_a_corrected_protocol_supersedes_and_keeps_the_earlier_one(board: MemoryBoard) -> None:
    first = submit_protocol(
        board, sign(MANIFEST, "protocol", protocol_data(ballots_received=2000)), manifest=MANIFEST
    )
    with pytest.raises(InputError, match="submit version 2 with a reason"):
        submit_protocol(board, sign(MANIFEST, "protocol", protocol_data()), manifest=MANIFEST)
    corrected = {**protocol_data(), "version": 2, "reason": "recount of cancelled ballots"}
    second = submit_protocol(board, sign(MANIFEST, "protocol", corrected), manifest=MANIFEST)
    assert second.flags == ()
    _, record = load_paper(board)
    current = record.current_protocols()[("dn-0101", "dn-q1")]
    assert current.index == second.index and current.value.version == 2
    assert [p.index for p in record.superseded_protocols()] == [first.index]
    assert next(f for f in paper_findings(MANIFEST, record) if f.check.id == "K2").check.ok


def test_protocols_for_unknown_precincts_questions_or_options_are_refused(
    board: MemoryBoard,
) -> None:
    with pytest.raises(InputError, match="unknown precinct 'xx-0001'"):
        submit_protocol(
            board, sign(MANIFEST, "protocol", protocol_data("xx-0001")), manifest=MANIFEST
        )
    with pytest.raises(InputError, match="question 'zp-q1' is not asked"):
        submit_protocol(
            board, sign(MANIFEST, "protocol", protocol_data(question="zp-q1")), manifest=MANIFEST
        )
    assert board.size() == 1 + len(MANIFEST.locations)  # only the manifest and the devices


def test_complaints_against_unknown_precincts_are_refused(board: MemoryBoard) -> None:
    with pytest.raises(InputError, match="complaint c-1: unknown precinct 'nowhere'"):
        submit_complaint(board, complaint_data("nowhere"), manifest=MANIFEST)
    submit_complaint(board, {**complaint_data(), "decision": None}, manifest=MANIFEST)
    with pytest.raises(InputError, match="was filed about precinct 'dn-0102', not 'dn-0101'"):
        submit_complaint(board, complaint_data("dn-0101"), manifest=MANIFEST)


def test_trips_are_flagged_and_refused_off_schedule(board: MemoryBoard) -> None:
    trip = {
        "trip": "t-1",
        "precinct": "dn-0101",
        "date": "2022-09-24",
        "team": ["a", "b"],
        "observers": [],
        "box": "MB-1",
        "seal_out": "S-1",
        "seal_in": "S-1",
        "applications": 30,
        "taken": 40,
        "issued": 35,
        "spoiled": 0,
        "returned": 0,
        "found": 35,
    }
    done = submit_trip(board, sign(MANIFEST, "trip", trip), manifest=MANIFEST)
    assert {c.id for c in done.flags} == {"T2", "T3", "T5", "T6", "T7"}
    with pytest.raises(InputError, match="2022-10-01 is not a voting day"):
        submit_trip(
            board, sign(MANIFEST, "trip", {**trip, "date": "2022-10-01"}), manifest=MANIFEST
        )
    # the count fills in `found` later: the newer event replaces the trip
    submit_trip(
        board, sign(MANIFEST, "trip", {**trip, "found": 30, "returned": 5}), manifest=MANIFEST
    )
    _, record = load_paper(board)
    assert len(record.trips) == 2
    assert record.current_trips()["t-1"].value.found == 30


def test_annulment_changes_the_totals_by_exactly_that_precinct(board: MemoryBoard) -> None:
    _all_donetsk(board)
    _, record = load_paper(board)
    before = paper_results(MANIFEST, record)
    submit(board, "complaint", complaint_data("dn-0102"))
    _, record = load_paper(board)
    assert record.annulled() == {"dn-0102"}
    after = paper_results(MANIFEST, record)
    gone = before.unit("dn-0102")
    for unit in ("donetsk", "dn-donetsk"):
        b, a = before.unit(unit), after.unit(unit)
        assert {c: b.lines[c] - a.lines[c] for c in LINE_CODES} == dict(gone.lines)
        assert {o: b.options[o] - a.options[o] for o in b.options} == dict(gone.options)
    assert before.unit("dn-mariupol") == after.unit("dn-mariupol")
    kept = paper_results(MANIFEST, record, apply_annulments=False)
    assert kept == dataclasses.replace(before, annulled=frozenset({"dn-0102"}))
    doc = results_document(after)
    assert doc["annulled"] == ["dn-0102"] and doc["excluded"] == ["dn-0102"]


def test_any_set_of_precincts_can_be_left_out(board: MemoryBoard) -> None:
    _all_donetsk(board)
    _, record = load_paper(board)
    full = paper_results(MANIFEST, record).unit("donetsk")
    less = paper_results(MANIFEST, record, exclude=["dn-0101", "dn-0301"]).unit("donetsk")
    parts = [paper_results(MANIFEST, record).unit(p) for p in ("dn-0101", "dn-0301")]
    for code in LINE_CODES:
        assert full.lines[code] - less.lines[code] == sum(p.lines[code] for p in parts)
    with pytest.raises(InputError, match="cannot exclude unknown precinct"):
        paper_results(MANIFEST, record, exclude=["dn-9999"])


def test_aggregates_are_recomputed_never_read_from_the_board(board: MemoryBoard) -> None:
    _all_donetsk(board)
    # a forged "region total" posted as a protocol for a unit is not a precinct: refused
    with pytest.raises(InputError, match="unknown precinct 'donetsk'"):
        submit_protocol(
            board, sign(MANIFEST, "protocol", protocol_data("donetsk")), manifest=MANIFEST
        )
    _, record = load_paper(board)
    region = paper_results(MANIFEST, record).unit("donetsk")
    assert region.lines["valid"] == sum(1490 - i for i in range(6))


def test_a_malformed_paper_event_on_the_board_is_a_record_error(board: MemoryBoard) -> None:
    index = board.append(Event.create(EventType.PROTOCOL, {"precinct": "dn-0101"}))
    with pytest.raises(RecordError, match=f"board entry {index}: missing field 'lines'"):
        load_paper(board)


def test_a_batch_names_the_failing_item(board: MemoryBoard) -> None:
    with pytest.raises(InputError, match=r"item 1: .*unknown precinct 'zz' \(items before it"):
        file(board, "protocol", [protocol_data(), protocol_data("zz")])
    with pytest.raises(InputError, match="unknown paper record 'ballot'"):
        submit(board, "ballot", {})
