"""The simulated voters use the whole schedule: every day, in every region, many hours.

Before, every voter arrived at the first minute of a location's first opening, so the demo's
days 2 to 4 were empty and the day charts merged them away.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from fastapi.testclient import TestClient
from voting_support import MANIFEST, new_day

from plebiscite.domain.rules import voting_day_at
from plebiscite.interfaces.api.client import HttpVotingServer
from plebiscite.interfaces.app import create_app
from plebiscite.record.events import EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.simulation.simulate import simulate

TOKEN = "simulate-days-token"


def test_every_day_in_every_region_has_ballots() -> None:
    day = new_day(MemoryBoard(), voters=320)
    client = TestClient(create_app(day.service, admin_token=TOKEN, demo_clock=day.clock))
    result = simulate(HttpVotingServer(client, TOKEN), 300, seed=11, concurrency=1, refusals=2)
    assert not result.unexpected
    cells: Counter[tuple[str, int]] = Counter()
    hours: set[tuple[int, int]] = set()
    for entry in day.board.entries():
        if entry.event.type is not EventType.BALLOT_CAST:
            continue
        payload = entry.event.payload
        at = dt.datetime.fromisoformat(payload["received_at"]).astimezone(MANIFEST.zone)
        voting_day = voting_day_at(MANIFEST, at)
        assert voting_day is not None
        region = MANIFEST.location_by_id[payload["ballot"]["location"]].region_id
        cells[(region, voting_day.number)] += 1
        hours.add((voting_day.number, at.hour))
    for region in MANIFEST.regions:
        for d in MANIFEST.days:
            assert cells[(region.id, d.number)] > 0, (region.id, d.number, cells)
    assert len(hours) >= 3 * len(MANIFEST.days)  # not one instant a day
