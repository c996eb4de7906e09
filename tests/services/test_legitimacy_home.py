"""M1 from the board: door-to-door ballots per region against the roll's home-voting
applications (``docs/legitimacy.md``).

The counting rule over entries built by hand (an attacker's record: more door-to-door ballots
than applications), then a real offline team's uploads read from the board, the exported
record and the legitimacy page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi.testclient import TestClient
from test_device import DAY1, TEAM, _home_voters, _setup, _vote_day
from voting_support import MANIFEST

from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.app import create_app
from plebiscite.record.board import Entry
from plebiscite.record.events import Event, EventType
from plebiscite.record.export import export_board
from plebiscite.services.legitimacy import Status, evaluate, evaluate_path
from plebiscite.services.legitimacy.home import read_home_ballots
from plebiscite.services.voting.device_sync import sync

STATION = next(
    loc
    for loc in MANIFEST.locations
    if loc.kind is LocationKind.REGULAR_STATION and loc.region_id == TEAM.region_id
)


def _entries(applied: int, home_ballots: int, station_ballots: int) -> list[Entry]:
    region = TEAM.region_id
    voters = [[f"{n:064x}", TEAM.precinct_id, n < applied] for n in range(applied + 5)]
    events = [Event.create(EventType.ROLL_COMMITMENT, {"region": region, "voters": voters})]
    events += [
        Event.create(EventType.BALLOT_CAST, {"ballot": {"location": loc.id}})
        for loc in [TEAM] * home_ballots + [STATION] * station_ballots
    ]
    events.append(
        Event.create(EventType.BALLOT_CHALLENGED, {"ballot": {"location": TEAM.id}})
    )  # a challenged ballot is not a ballot cast
    return [Entry(i, e) for i, e in enumerate(events)]


def test_a_region_with_more_door_to_door_ballots_than_applications_fails_m1() -> None:
    home = read_home_ballots(MANIFEST, _entries(applied=3, home_ballots=4, station_ballots=9))
    assert home.applications[TEAM.region_id] == 3 and home.ballots[TEAM.region_id] == 4
    assert home.over() == [TEAM.region_id]
    m1 = evaluate(MANIFEST, None, "test", home).condition("M1")
    assert m1.status is Status.FAIL
    assert f"{TEAM.region_id}: 4 door-to-door ballots against 3 applications" in m1.evidence
    assert m1.keys == ("board entry 1", "board entry 2", "board entry 3", "board entry 4")

    within = read_home_ballots(MANIFEST, _entries(applied=4, home_ballots=4, station_ballots=9))
    assert within.over() == []
    m1 = evaluate(MANIFEST, None, "test", within).condition("M1")
    assert m1.status is Status.PASS and f"{TEAM.region_id}: 4 against 4" in m1.evidence


def test_an_offline_teams_uploads_are_counted_against_the_roll(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    applied = _home_voters(day)
    _vote_day(device, applied[:3], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=3))
    sync(device, server)
    device.close()
    expected = f"{TEAM.region_id}: 3 against {len(applied)}"

    pages = TestClient(create_app(day.service, admin_token=None, demo_clock=day.clock))
    assert expected in pages.get("/legitimacy").text

    day.service.flush_head()
    export_board(day.board, tmp_path / "record")
    m1 = evaluate_path(tmp_path / "record").condition("M1")
    assert m1.status is Status.PASS and expected in m1.evidence
    assert evaluate(MANIFEST).status_of("M1") is Status.UNKNOWN  # a manifest alone: no count


def test_the_count_is_read_from_a_board_file_too(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path, "sqlite")
    _vote_day(device, _home_voters(day)[:2], DAY1 + dt.timedelta(hours=1))
    day.clock.set(DAY1 + dt.timedelta(hours=3))
    sync(device, server)
    device.close()
    m1 = evaluate_path(tmp_path / "b.db").condition("M1")
    assert m1.status is Status.PASS and f"{TEAM.region_id}: 2 against" in m1.evidence
