"""The pure rules: schedule, eligibility and the one-voter rule, as properties where they can be."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.domain.manifest import Location, LocationKind, Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import RollAddition, RollEntry, add_voter, build_roll
from plebiscite.domain.rules import (
    CastBallot,
    Disposition,
    check_cast,
    check_eligible,
    check_location_open,
    check_may_cast,
    counted_ballots,
    is_eligible,
    location_open,
    resolve_ballots,
    voting_day_at,
)
from plebiscite.errors import DuplicateBallotError, EligibilityError, ScheduleError

MSK = ZoneInfo("Europe/Moscow")
UTC = dt.UTC
START = dt.datetime(2022, 9, 22, 0, 0, tzinfo=UTC)
KEY = bytes(range(16, 48))
# The property tests read the seed directly: hypothesis runs a test body many times per fixture.
_SEED_PATH = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
_SEED = parse_manifest(_SEED_PATH.read_text(encoding="utf-8"), str(_SEED_PATH))

# -- the schedule ------------------------------------------------------------------------------


def _seed_says_open(location: Location, t: dt.datetime) -> bool:
    """The seed's schedule written out by hand: days 1-4 (23-26 Sep) mobile teams and makeshift
    stations, day 5 (27 Sep) regular stations, 08:00-20:00 Moscow time, cut to own hours."""
    local = t.astimezone(MSK)
    days = {27} if location.kind is LocationKind.REGULAR_STATION else {23, 24, 25, 26}
    if (local.year, local.month) != (2022, 9) or local.day not in days:
        return False
    opens, closes = dt.time(8), dt.time(20)
    if location.hours is not None:
        opens, closes = max(opens, location.hours.opens), min(closes, location.hours.closes)
    return opens <= local.time() < closes


@settings(max_examples=300, deadline=None)
@given(
    minutes=st.integers(min_value=0, max_value=7 * 24 * 60),
    index=st.integers(min_value=0, max_value=71),
)
def test_location_open_follows_the_seed_schedule(minutes: int, index: int) -> None:
    seed = _SEED
    location = seed.locations[index]
    t = START + dt.timedelta(minutes=minutes)
    expected = _seed_says_open(location, t)
    assert location_open(seed, location, t) is expected
    assert location_open(seed, location, t.astimezone(MSK)) is expected
    if expected:
        day = check_location_open(seed, location.id, t)
        assert day.date == t.astimezone(MSK).date()
    else:
        with pytest.raises(ScheduleError, match=location.id):
            check_location_open(seed, location.id, t)


def test_window_edges(seed: Manifest) -> None:
    mobile = seed.location_by_id["dn-0101-mt"]
    station = seed.location_by_id["dn-0101-rs"]
    assert not location_open(seed, mobile, dt.datetime(2022, 9, 23, 7, 59, 59, tzinfo=MSK))
    assert location_open(seed, mobile, dt.datetime(2022, 9, 23, 8, 0, tzinfo=MSK))
    assert location_open(seed, mobile, dt.datetime(2022, 9, 26, 19, 59, 59, tzinfo=MSK))
    assert not location_open(seed, mobile, dt.datetime(2022, 9, 26, 20, 0, tzinfo=MSK))
    assert not location_open(seed, mobile, dt.datetime(2022, 9, 27, 12, 0, tzinfo=MSK))
    assert location_open(seed, station, dt.datetime(2022, 9, 27, 12, 0, tzinfo=MSK))
    # 05:00 UTC is 08:00 in Moscow: the instant counts, not the wall clock of the caller.
    assert location_open(seed, station, dt.datetime(2022, 9, 27, 5, 0, tzinfo=UTC))
    assert not location_open(seed, station, dt.datetime(2022, 9, 27, 4, 59, tzinfo=UTC))


def test_makeshift_own_hours_narrow_the_window(seed: Manifest) -> None:
    narrowed = next(loc for loc in seed.locations if loc.hours is not None)
    assert not location_open(seed, narrowed, dt.datetime(2022, 9, 24, 9, 0, tzinfo=MSK))
    assert location_open(seed, narrowed, dt.datetime(2022, 9, 24, 10, 0, tzinfo=MSK))
    assert not location_open(seed, narrowed, dt.datetime(2022, 9, 24, 18, 0, tzinfo=MSK))


def test_closed_message_lists_the_open_spans(seed: Manifest) -> None:
    with pytest.raises(ScheduleError, match=r"closed at Fri 23 Sep 2022 12:00 MSK; open Tue 27"):
        check_location_open(seed, "ks-0101-rs", dt.datetime(2022, 9, 23, 12, 0, tzinfo=MSK))


def test_unknown_location_and_naive_time(seed: Manifest) -> None:
    with pytest.raises(ScheduleError, match="no location has the id 'nowhere'"):
        check_location_open(seed, "nowhere", dt.datetime(2022, 9, 23, 12, tzinfo=MSK))
    with pytest.raises(ValueError, match="timezone-aware"):
        location_open(seed, seed.locations[0], dt.datetime(2022, 9, 23, 12))


def test_voting_day_at(seed: Manifest) -> None:
    day = voting_day_at(seed, dt.datetime(2022, 9, 26, 21, 30, tzinfo=UTC))  # 00:30 on the 27th
    assert day is not None
    assert day.number == 5
    assert voting_day_at(seed, dt.datetime(2022, 9, 28, 12, tzinfo=MSK)) is None


# -- eligibility -------------------------------------------------------------------------------


def test_eligibility_by_region_including_additions(seed: Manifest) -> None:
    entries = (RollEntry("A1", "donetsk", "dn-0101"), RollEntry("A2", "kherson", "ks-0201"))
    roll = build_roll(seed, manifest_hash(seed), entries, KEY)
    a1 = roll.pseudonym_of("A1")
    assert is_eligible(roll, a1, "donetsk")
    assert not is_eligible(roll, a1, "kherson")
    assert check_eligible(roll, a1, "donetsk").precinct_id == "dn-0101"
    with pytest.raises(EligibilityError, match="on the roll of 'donetsk', not 'kherson'"):
        check_eligible(roll, a1, "kherson")
    late = roll.pseudonym_of("L1")
    with pytest.raises(EligibilityError, match="is not on the roll"):
        check_eligible(roll, late, "luhansk")
    roll = add_voter(roll, seed, RollAddition(RollEntry("L1", "luhansk", "lh-0101"), "r", "d7"))
    assert check_eligible(roll, late, "luhansk").added_by == "d7"


# -- the one-voter rule ------------------------------------------------------------------------

_T0 = dt.datetime(2022, 9, 23, 8, 0, tzinfo=MSK)


def _ballot(i: int, kind: LocationKind, minute: int, voter: str = "v") -> CastBallot:
    return CastBallot(f"b{i:03d}", voter, "donetsk", kind, _T0 + dt.timedelta(minutes=minute))


_ballots = st.lists(
    st.tuples(st.sampled_from(list(LocationKind)), st.integers(min_value=0, max_value=20)),
    min_size=0,
    max_size=7,
).map(lambda specs: [_ballot(i, kind, minute) for i, (kind, minute) in enumerate(specs)])


@settings(max_examples=200, deadline=None)
@given(ballots=_ballots, shuffle_seed=st.integers())
def test_any_arrival_order_gives_the_same_resolution(
    ballots: list[CastBallot], shuffle_seed: int
) -> None:
    shuffled = list(ballots)
    random.Random(shuffle_seed).shuffle(shuffled)
    assert resolve_ballots(shuffled) == resolve_ballots(ballots)


@settings(max_examples=200, deadline=None)
@given(ballots=_ballots)
def test_the_counted_ballot_is_the_first_booth_ballot_else_the_first_home_one(
    ballots: list[CastBallot],
) -> None:
    resolution = resolve_ballots(ballots)
    ordered = sorted(ballots, key=lambda b: (b.cast_at, b.ballot_id))
    booths = [b for b in ordered if b.kind.is_booth]
    homes = [b for b in ordered if not b.kind.is_booth]
    expected = booths[0] if booths else (homes[0] if homes else None)
    assert resolution.counted == expected
    assert len(resolution.rulings) == len(ballots)
    counted = [r for r in resolution.rulings if r.disposition is Disposition.COUNTED]
    assert len(counted) == (1 if ballots else 0)
    # Every ruling names its own ballot, in order, with a reason (mutation testing found the
    # ballot ids and reasons unchecked).
    assert [r.ballot_id for r in resolution.rulings] == [b.ballot_id for b in ordered]
    assert all(isinstance(r.reason, str) and r.reason for r in resolution.rulings)
    if expected is not None:
        assert counted[0].ballot_id == expected.ballot_id
    for ruling in resolution.rulings:
        if ruling.disposition is not Disposition.COUNTED:
            assert ruling.by is not None
            assert ruling.by != ruling.ballot_id


@settings(max_examples=200, deadline=None)
@given(attempts=_ballots)
def test_casting_under_check_may_cast_leaves_no_duplicates(attempts: list[CastBallot]) -> None:
    """Ballots let through one at a time, in time order, resolve to the last one accepted."""
    accepted: list[CastBallot] = []
    for ballot in sorted(attempts, key=lambda b: (b.cast_at, b.ballot_id)):
        try:
            superseded = check_may_cast(accepted, ballot.kind)
        except DuplicateBallotError:
            continue
        if superseded is not None:
            assert ballot.kind.is_booth
            assert not superseded.kind.is_booth
        accepted.append(ballot)
    assert len(accepted) <= 2
    resolution = resolve_ballots(accepted)
    assert resolution.counted == (accepted[-1] if accepted else None)
    kinds = {r.disposition for r in resolution.rulings}
    assert kinds <= {Disposition.COUNTED, Disposition.SUPERSEDED}


def test_booth_supersedes_earlier_door_to_door() -> None:
    home = _ballot(1, LocationKind.MOBILE_TEAM, 0)
    booth = _ballot(2, LocationKind.MAKESHIFT_STATION, 60)
    assert check_may_cast([home], LocationKind.REGULAR_STATION) == home
    resolution = resolve_ballots([booth, home])
    assert resolution.counted == booth
    assert resolution.rulings[0].disposition is Disposition.SUPERSEDED
    assert resolution.rulings[0].by == booth.ballot_id


def test_door_to_door_after_booth_is_refused_and_never_counts() -> None:
    booth = _ballot(1, LocationKind.REGULAR_STATION, 0)
    home = _ballot(2, LocationKind.MOBILE_TEAM, 60)
    with pytest.raises(DuplicateBallotError, match="already voted in a booth"):
        check_may_cast([booth], LocationKind.MOBILE_TEAM)
    resolution = resolve_ballots([home, booth])
    assert resolution.counted == booth
    assert resolution.rulings[1].disposition is Disposition.AFTER_BOOTH


def test_second_ballot_of_a_kind_is_refused() -> None:
    home = _ballot(1, LocationKind.MOBILE_TEAM, 0)
    with pytest.raises(DuplicateBallotError, match="second door-to-door ballot"):
        check_may_cast([home], LocationKind.MOBILE_TEAM)
    booth = _ballot(2, LocationKind.MAKESHIFT_STATION, 5)
    with pytest.raises(DuplicateBallotError, match="already voted in a booth"):
        check_may_cast([home, booth], LocationKind.REGULAR_STATION)
    again = _ballot(3, LocationKind.REGULAR_STATION, 9)
    resolution = resolve_ballots([again, booth, home])
    assert [r.disposition for r in resolution.rulings] == [
        Disposition.SUPERSEDED,
        Disposition.COUNTED,
        Disposition.DUPLICATE,
    ]


def test_ties_in_time_are_broken_by_ballot_id() -> None:
    first = _ballot(1, LocationKind.REGULAR_STATION, 0)
    second = _ballot(2, LocationKind.MAKESHIFT_STATION, 0)
    assert resolve_ballots([second, first]).counted == first


def test_resolve_refuses_mixed_voters_and_repeated_ids() -> None:
    with pytest.raises(ValueError, match="one voter"):
        resolve_ballots(
            [_ballot(1, LocationKind.MOBILE_TEAM, 0), _ballot(2, LocationKind.MOBILE_TEAM, 1, "w")]
        )
    with pytest.raises(ValueError, match="share a ballot id"):
        resolve_ballots([_ballot(1, LocationKind.MOBILE_TEAM, 0)] * 2)


def test_counted_ballots_groups_by_voter() -> None:
    ballots = [
        _ballot(1, LocationKind.MOBILE_TEAM, 0, "v1"),
        _ballot(2, LocationKind.REGULAR_STATION, 9, "v1"),
        _ballot(3, LocationKind.MOBILE_TEAM, 3, "v2"),
    ]
    result = counted_ballots(ballots)
    assert {key: r.counted for key, r in result.items()} == {
        ("v1", "donetsk"): ballots[1],
        ("v2", "donetsk"): ballots[2],
    }


def test_check_cast_applies_all_three_rules(seed: Manifest) -> None:
    roll = build_roll(seed, manifest_hash(seed), (RollEntry("A1", "donetsk", "dn-0101"),), KEY)
    voter = roll.pseudonym_of("A1")
    friday = dt.datetime(2022, 9, 23, 12, tzinfo=MSK)
    tuesday = dt.datetime(2022, 9, 27, 12, tzinfo=MSK)
    home = check_cast(seed, roll, voter, "dn-0101-mt", friday, [])
    assert home.day.number == 1
    assert home.supersedes is None
    cast = CastBallot("b1", voter, "donetsk", LocationKind.MOBILE_TEAM, friday)
    booth = check_cast(seed, roll, voter, "dn-0202-rs", tuesday, [cast])
    assert booth.supersedes == cast
    assert booth.voter.precinct_id == "dn-0101"
    with pytest.raises(ScheduleError):
        check_cast(seed, roll, voter, "dn-0101-rs", friday, [])
    with pytest.raises(EligibilityError):
        check_cast(seed, roll, voter, "ks-0101-rs", tuesday, [])
    with pytest.raises(DuplicateBallotError):
        check_cast(seed, roll, voter, "dn-0102-mt", friday, [cast])
