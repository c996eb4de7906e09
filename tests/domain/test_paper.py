"""The paper side's pure rules: every relation passing and failing, parsing, aggregation."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

import paper_support
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.paper import (
    BoxKind,
    CustodyAct,
    MobileTrip,
    Protocol,
    act_checks,
    aggregate,
    check_protocol_against,
    complaint_payload,
    custody_act_payload,
    custody_checks,
    failed,
    observer_report_payload,
    parse_complaint,
    parse_custody_act,
    parse_observer_report,
    parse_protocol,
    parse_trip,
    protocol_checks,
    protocol_payload,
    trip_checks,
    trip_payload,
)
from plebiscite.errors import InputError


def protocol_data(**lines: int) -> dict[str, Any]:
    return paper_support.protocol_data(signed_by=("chair", "secretary", "member"), **lines)


def protocol(**lines: int) -> Protocol:
    return parse_protocol(protocol_data(**lines))


def failing_ids(checks: Any) -> set[str]:
    return {c.id for c in failed(checks)}


def test_an_honest_protocol_passes_every_relation() -> None:
    checks = protocol_checks(protocol())
    assert [c.id for c in checks] == ["K1", "K2", "K3", "K4", "W1", "W2", "W3", "W4"]
    assert all(c.ok and c.message == "" for c in checks)


@pytest.mark.parametrize(
    ("change", "expected", "words"),
    [
        ({"voters_on_list": 1400}, {"K1"}, "to a list of only 1400 voters"),
        ({"ballots_received": 2000}, {"K2"}, "100 ballots unaccounted for"),
        ({"cancelled": 450}, {"K2"}, "more than were received"),
        ({"invalid": 20}, {"K3"}, "but 1510 were sorted into valid and invalid"),
        ({"in_stationary_boxes": 700, "valid": 1590}, {"K4", "W1"}, "options add up to 1490"),
        ({"in_mobile_boxes": 1300, "in_stationary_boxes": 200}, {"W2"}, "only 1200 were issued"),
        ({"lost": 5, "cancelled": 395}, {"W3"}, "5 ballots are recorded as lost"),
        ({"surplus": 5, "cancelled": 405}, {"W4"}, "not accounted for on receipt"),
    ],
)
def test_each_relation_fails_with_a_plain_explanation(
    change: dict[str, int], expected: set[str], words: str
) -> None:
    checks = protocol_checks(protocol(**change))
    assert failing_ids(checks) == expected
    assert any(words in c.message for c in failed(checks))


def test_stuffing_breaks_the_soft_found_le_issued_check_only() -> None:
    # 100 extra ballots in the box, sorted and counted as valid "yes": K1-K4 still hold
    p = parse_protocol(
        {**protocol_data(in_stationary_boxes=700, valid=1590), "options": {"yes": 1500, "no": 90}}
    )
    bad = failed(protocol_checks(p))
    assert [(c.id, c.hard) for c in bad] == [("W1", False)]
    assert "100 more ballots than voters" in bad[0].message


def test_the_payload_keeps_the_numbers_as_submitted_and_flags_failures() -> None:
    p = protocol(ballots_received=2000)
    payload = protocol_payload(p)
    assert payload["lines"]["ballots_received"] == 2000
    assert payload["flags"] == ["K2"]
    assert parse_protocol(payload) == p


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d["lines"].pop("valid"), "missing field 'valid'"),
        (lambda d: d["lines"].update(valid=-1), "'valid' must be a whole number >= 0"),
        (lambda d: d["lines"].update(valid="12"), "'valid' must be a whole number"),
        (lambda d: d["lines"].update(extra=1), "unknown field(s) 'extra'"),
        (lambda d: d.update(version=2), "needs a 'reason'"),
        (lambda d: d.pop("precinct"), "missing field 'precinct'"),
        (lambda d: d["options"].update(yes=True), "options: 'yes' must be a whole number"),
    ],
)
def test_malformed_protocols_are_refused_naming_the_field(mutate: Any, words: str) -> None:
    data = protocol_data()
    mutate(data)
    with pytest.raises(InputError) as caught:
        parse_protocol(data)
    assert words in str(caught.value)


def test_protocol_must_match_the_manifest(seed: Manifest) -> None:
    check_protocol_against(seed, protocol())
    with pytest.raises(InputError, match="unknown precinct 'dn-9999'"):
        check_protocol_against(seed, dataclasses.replace(protocol(), precinct_id="dn-9999"))
    with pytest.raises(InputError, match="question 'lh-q1' is not asked"):
        check_protocol_against(seed, dataclasses.replace(protocol(), question_id="lh-q1"))
    with pytest.raises(InputError, match="options must be exactly yes, no"):
        check_protocol_against(seed, dataclasses.replace(protocol(), options={"yes": 1490}))


# --- mobile trips -----------------------------------------------------------------------------

TRIP = {
    "trip": "dn-0101-t1",
    "precinct": "dn-0101",
    "date": "2022-09-23",
    "team": ["member-a", "member-b"],
    "observers": ["observer-1"],
    "box": "MB-1",
    "seal_out": "S-0001",
    "seal_in": "S-0001",
    "applications": 40,
    "taken": 42,
    "issued": 38,
    "spoiled": 1,
    "returned": 3,
    "found": 38,
}


def trip(**change: Any) -> MobileTrip:
    return parse_trip({**TRIP, **change})


def test_an_honest_trip_passes() -> None:
    t = trip()
    assert failing_ids(trip_checks(t)) == set()
    assert not t.box_void
    assert parse_trip(trip_payload(t)) == t


@pytest.mark.parametrize(
    ("change", "expected", "words"),
    [
        ({"team": ["member-a"]}, {"T1"}, "needs at least two"),
        ({"team": ["member-a", "member-a"]}, {"T1"}, "1 official(s)"),
        ({"returned": 1}, {"T2"}, "42 ballots were taken out but"),
        ({"found": 45}, {"T3"}, "the box is void"),
        ({"seal_in": "S-0002"}, {"T4"}, "came back under seal 'S-0002'"),
        ({"seal_in": ""}, {"T4"}, "came back under seal ''"),
        ({"issued": 41, "returned": 0}, {"T5"}, "41 ballots were issued against 40"),
        ({"taken": 60, "returned": 21}, {"T6"}, "at most 42 expected"),
        ({"observers": []}, {"T7"}, "no observer"),
    ],
)
def test_each_trip_check_fails(change: dict[str, Any], expected: set[str], words: str) -> None:
    checks = trip_checks(trip(**change))
    assert failing_ids(checks) == expected
    assert any(words in c.message for c in failed(checks))


def test_a_box_with_more_ballots_than_applications_is_void() -> None:
    assert trip(found=41).box_void
    assert not trip(found=40).box_void
    assert not trip(found=None).box_void
    assert failing_ids(trip_checks(trip(found=None))) == set()


def test_trip_payload_keeps_unbalanced_numbers_and_flags_them() -> None:
    payload = trip_payload(trip(returned=0))
    assert payload["returned"] == 0
    assert payload["flags"] == ["T2"]


def test_trip_bad_date_is_named() -> None:
    with pytest.raises(InputError, match="'date' must be a date YYYY-MM-DD"):
        trip(date="23.09.2022")


# --- custody acts -----------------------------------------------------------------------------


def acts(mobile: list[int], stationary: list[int]) -> list[CustodyAct]:
    out = []
    for kind, counts in ((BoxKind.MOBILE, mobile), (BoxKind.STATIONARY, stationary)):
        for day, count in enumerate(counts):
            out.append(
                CustodyAct(
                    "dn-0101",
                    dt.date(2022, 9, 23 + day),
                    f"{kind.value}-box",
                    kind,
                    f"P-{kind.value}-{day}",
                    f"S-{day}",
                    count,
                    ("member-a", "member-b"),
                    ("observer-1",),
                )
            )
    return out


def test_daily_acts_summing_to_the_final_lines_pass() -> None:
    checks = custody_checks(protocol(), acts([225] * 4, [75] * 4 + [300]))
    assert [c.id for c in checks] == ["D1M", "D1S", "C3"]
    assert failing_ids(checks) == set()


def test_daily_acts_that_do_not_add_up_fail_d1() -> None:
    checks = custody_checks(protocol(), acts([225, 225, 225, 200], [75] * 4 + [300]))
    assert failing_ids(checks) == {"D1M"}
    assert "hold 875 ballots but line 7 of the protocol says 900" in failed(checks)[0].message
    checks = custody_checks(protocol(), [])
    assert failing_ids(checks) == {"D1M", "D1S"}


def test_reused_packet_numbers_and_unsigned_acts_are_flagged() -> None:
    two = acts([450, 450], [600])
    two[1] = dataclasses.replace(two[1], packet=two[0].packet)
    assert failing_ids(custody_checks(protocol(), two)) == {"C3"}
    lone = dataclasses.replace(two[0], signatories=("member-a",), observers=())
    assert failing_ids(act_checks(lone)) == {"C1", "C2"}
    assert failing_ids(act_checks(two[2])) == set()


def test_custody_act_round_trip_and_bad_kind() -> None:
    act = acts([1], [])[0]
    assert parse_custody_act(custody_act_payload(act)) == act
    with pytest.raises(InputError, match="'box_kind' must be 'mobile' or 'stationary'"):
        parse_custody_act({**custody_act_payload(act), "box_kind": "safe"})


# --- observers and complaints -----------------------------------------------------------------

REPORT = {
    "observer": "obs-1",
    "organisation": "Civil-society monitor",
    "independent": True,
    "accreditation": "ACC-1",
    "precinct": "dn-0101",
    "location": "dn-0101-mt",
    "phase": "mobile",
    "at": "2022-09-23T11:00:00+03:00",
    "checklist": {"secrecy_respected": False, "no_armed_persons": False},
    "incidents": [{"kind": "armed_presence", "description": "two armed men with the box"}],
    "notes": "",
}


def test_observer_report_round_trip_and_bad_input() -> None:
    report = parse_observer_report(REPORT)
    assert parse_observer_report(observer_report_payload(report)) == report
    with pytest.raises(InputError, match="checklist: unknown field"):
        parse_observer_report({**REPORT, "checklist": {"happy": True}})
    with pytest.raises(InputError, match="unknown kind 'riot'"):
        parse_observer_report({**REPORT, "incidents": [{"kind": "riot", "description": ""}]})
    with pytest.raises(InputError, match="unknown phase 'lunch'"):
        parse_observer_report({**REPORT, "phase": "lunch"})


COMPLAINT = {
    "complaint": "c-1",
    "precinct": "dn-0101",
    "filed_by": "a voter",
    "filed_at": "2022-09-28T10:00:00+03:00",
    "grounds": "ballots carried door to door under armed escort",
    "decision": {
        "outcome": "upheld",
        "annul": True,
        "decided_by": "court",
        "decided_at": "2022-09-29",
        "reasons": "secrecy not ensured",
    },
}


def test_complaint_decisions() -> None:
    complaint = parse_complaint(COMPLAINT)
    assert complaint.annuls
    assert parse_complaint(complaint_payload(complaint)) == complaint
    assert not parse_complaint({**COMPLAINT, "decision": None}).annuls
    rejected = {**COMPLAINT["decision"], "outcome": "rejected"}  # type: ignore[dict-item]
    with pytest.raises(InputError, match="only an upheld complaint can annul"):
        parse_complaint({**COMPLAINT, "decision": rejected})


# --- aggregation ------------------------------------------------------------------------------


def _protocols(seed: Manifest) -> list[Protocol]:
    out = []
    for i, precinct in enumerate(p for p in seed.precincts if p.region_id == "donetsk"):
        p = parse_protocol(
            {
                **protocol_data(valid=1490 - i, invalid=10 + i),
                "precinct": precinct.id,
                "options": {"yes": 1400 - i, "no": 90},
            }
        )
        out.append(p)
    return out


def test_aggregation_sums_precincts_into_districts_and_regions(seed: Manifest) -> None:
    protocols = _protocols(seed)
    totals = {(t.level, t.unit_id): t for t in aggregate(seed, protocols)}
    region = totals[("region", "donetsk")]
    assert region.reporting == region.expected == 6
    assert region.lines["valid"] == sum(p.lines["valid"] for p in protocols)
    assert region.options["yes"] == sum(p.options["yes"] for p in protocols)
    district = totals[("district", "dn-mariupol")]
    assert district.reporting == 2
    assert district.lines["in_mobile_boxes"] == 1800
    luhansk = totals[("region", "luhansk")]
    assert luhansk.reporting == 0 and luhansk.expected == 6
    assert luhansk.lines["valid"] == 0


def test_excluding_a_precinct_removes_exactly_its_numbers(seed: Manifest) -> None:
    protocols = _protocols(seed)
    gone = protocols[3]
    full = {(t.level, t.unit_id): t for t in aggregate(seed, protocols)}
    less = {(t.level, t.unit_id): t for t in aggregate(seed, protocols, {gone.precinct_id})}
    district = seed.precinct_by_id[gone.precinct_id].district_id
    for key in (("region", "donetsk"), ("district", district)):
        for code, value in full[key].lines.items():
            assert value - less[key].lines[code] == gone.lines[code]
        for option, votes in full[key].options.items():
            assert votes - less[key].options[option] == gone.options[option]
        assert less[key].excluded == (gone.precinct_id,)
        assert less[key].reporting == full[key].reporting - 1
    assert full[("district", "dn-donetsk")] == less[("district", "dn-donetsk")]
