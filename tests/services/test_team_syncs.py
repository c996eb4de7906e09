"""When each mobile team synced, on the board and results pages (``docs/devices.md``).

Real parts: an offline device that syncs twice to the FastAPI app over an in-memory board.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient
from test_device import DAY1, _home_voters, _setup, _vote_day

from plebiscite.interfaces.app import create_app
from plebiscite.services.voting.device_sync import sync
from plebiscite.services.voting.team_syncs import team_syncs


def test_each_teams_first_and_last_sync_are_read_from_the_board(tmp_path: Path) -> None:
    day, server, device = _setup(tmp_path)
    voters = _home_voters(day)[:3]
    _vote_day(device, voters[:2], DAY1 + dt.timedelta(hours=1))  # cast 09:00 and 09:20
    first_sync = DAY1 + dt.timedelta(hours=3)
    day.clock.set(first_sync)
    sync(device, server)
    _vote_day(device, voters[2:], DAY1 + dt.timedelta(hours=4))  # cast 12:00
    last_sync = DAY1 + dt.timedelta(hours=7)
    day.clock.set(last_sync)
    sync(device, server)

    (team,) = team_syncs(day.board.entries())
    assert (team.device, team.ballots, team.syncs, team.custody_late) == ("team-1", 3, 2, 0)
    assert team.first_cast == DAY1 + dt.timedelta(hours=1)
    assert team.last_cast == DAY1 + dt.timedelta(hours=4)
    assert team.first_received is not None and team.last_received is not None
    assert abs(team.first_received - first_sync) < dt.timedelta(minutes=1)
    assert abs(team.last_received - last_sync) < dt.timedelta(minutes=1)
    assert team.longest_wait >= dt.timedelta(hours=2)  # the 09:00 ballot, synced at 11:00

    pages = TestClient(create_app(day.service, admin_token=None, demo_clock=day.clock))
    zone = day.service.election.require_manifest().zone
    for path in ("/board", "/results"):
        html = pages.get(path).text
        table = re.search(r'<table id="syncs">.*?</table>', html, re.S)
        assert table is not None, path
        row = table.group(0)
        assert "team-1" in row
        assert first_sync.astimezone(zone).strftime("%Y-%m-%d %H:%M") in row
        assert last_sync.astimezone(zone).strftime("%Y-%m-%d %H:%M") in row
    device.close()


def test_a_board_without_uploads_shows_no_team(tmp_path: Path) -> None:
    day, _server, device = _setup(tmp_path)
    assert team_syncs(day.board.entries()) == []
    pages = TestClient(create_app(day.service, admin_token=None, demo_clock=day.clock))
    assert 'id="syncs"' not in pages.get("/board").text
    assert 'id="syncs"' not in pages.get("/results").text
    device.close()
