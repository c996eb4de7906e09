"""While serving, entries that got no receipt are still covered by a signed head soon."""

from __future__ import annotations

import datetime as dt

from plebiscite.crypto.signing import SigningKey
from plebiscite.interfaces.head_timer import HeadTimer
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.voting.casting import CastingService, SimulatedClock

START = dt.datetime(2022, 9, 23, 8, 0, tzinfo=dt.UTC)


def test_timer_signs_when_the_board_moved_and_on_stop() -> None:
    board = MemoryBoard()
    clock = SimulatedClock(START)
    service = CastingService(board, SigningKey(bytes(range(32))), clock)
    timer = HeadTimer(service, period=3600)  # ticks by hand below
    try:
        board.append(Event.create(EventType.OBSERVER_REPORT, {"n": 1}))
        timer.tick()
        head = board.latest_head()
        assert head is not None and head.tree_size == 1
        assert head.timestamp == int(START.timestamp() * 1000)  # the service's clock
        timer.tick()  # nothing new: no second head
        assert len(list(board.heads())) == 1
        board.append(Event.create(EventType.OBSERVER_REPORT, {"n": 2}))
    finally:
        timer.stop()
    last = board.latest_head()
    assert last is not None and last.tree_size == 2 and len(list(board.heads())) == 2
