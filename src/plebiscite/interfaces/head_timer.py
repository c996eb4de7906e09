"""While ``plebiscite serve`` runs: a signed head every few seconds while entries arrive.

Receipts carry freshly signed heads that the board stores only every so many entries; entries
that are not ballots (enrolments, check-ins, protocols) get no receipt at all. So the server
also signs and stores a head over the whole board on a timer whenever the board has grown,
and once more when it stops, so that an export taken at any time is covered up to at most
one period.
"""

from __future__ import annotations

import contextlib
import threading

from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.board_key import sign_if_moved
from plebiscite.services.voting.casting import CastingService


class HeadTimer:
    """A daemon thread signing a head every ``period`` seconds if the board moved."""

    def __init__(self, service: CastingService, period: float) -> None:
        self._service = service
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="plebiscite-heads", daemon=True)
        self._thread.start()

    def tick(self) -> None:
        """Sign now if the board moved (time from the service's clock, demo or real)."""
        service = self._service
        when = int(service.clock.now().timestamp() * 1000)
        # A database outage is the casting service's to report; the next tick tries again.
        with contextlib.suppress(PlebisciteError):
            sign_if_moved(service.board, service.head_key, timestamp=when)

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            self.tick()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.tick()


__all__ = ["HeadTimer"]
