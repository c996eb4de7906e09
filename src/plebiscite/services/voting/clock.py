"""Time for the casting service: the system clock, or a settable demo clock.

Nothing in ``crypto/`` or ``domain/`` reads a clock; the casting service asks a :class:`Clock`
passed in. The demo runs the five voting days on a simulated clock that the authority sets.
With several server processes that clock must be one clock, so :class:`BoardClock` keeps it
in the board's database (``board_meta``), where every process reads it.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

from plebiscite.errors import InputError
from plebiscite.record.board import Board

DEMO_CLOCK_KEY = "demo_clock"


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class SimulatedClock:
    """A settable clock for tests and the demo: it stands still until set or advanced."""

    def __init__(self, start: dt.datetime) -> None:
        self._lock = threading.Lock()
        self._now = aware(start)

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, t: dt.datetime) -> None:
        with self._lock:
            self._now = aware(t)

    def advance(self, delta: dt.timedelta) -> None:
        with self._lock:
            self._now += delta


class BoardClock(SimulatedClock):
    """A simulated clock shared by every process serving one board (DEMO ONLY).

    ``start`` is taken only if the board holds no demo time yet, so a second process joining
    the day keeps the time the first one was set to.
    """

    def __init__(self, board: Board, start: dt.datetime) -> None:
        super().__init__(start)
        self.board = board
        if board.get_meta(DEMO_CLOCK_KEY) is None:
            board.set_meta(DEMO_CLOCK_KEY, aware(start).isoformat())

    def now(self) -> dt.datetime:
        stored = self.board.get_meta(DEMO_CLOCK_KEY)
        return super().now() if stored is None else dt.datetime.fromisoformat(stored)

    def set(self, t: dt.datetime) -> None:
        self.board.set_meta(DEMO_CLOCK_KEY, aware(t).isoformat())

    def advance(self, delta: dt.timedelta) -> None:
        self.set(self.now() + delta)


def aware(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise InputError(f"time must carry a UTC offset, got {t.isoformat()}")
    return t


def parse_time(text: object, what: str) -> dt.datetime:
    if not isinstance(text, str):
        raise InputError(f"{what} must be an ISO-8601 string")
    try:
        return aware(dt.datetime.fromisoformat(text))
    except ValueError as exc:
        raise InputError(f"{what} is not an ISO-8601 time: {text!r:.60}") from exc


__all__ = ["BoardClock", "Clock", "SimulatedClock", "SystemClock", "parse_time"]
