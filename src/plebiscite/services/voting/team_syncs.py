"""When each mobile team synced, read from the board (``docs/devices.md``, "The board and the
results page show when each team synced").

An offline device's ballots reach the board in uploads: each carries the device-signed
``cast_at`` and the board's ``received_at``. Per device, :class:`TeamSyncs` keeps how many
ballots it uploaded, the first and last ``cast_at`` and ``received_at`` (its first and last
sync), how many distinct sync times there were, the longest a ballot waited on the device,
and how many arrived after the team's custody deadline (``custody_late``). Every figure is
public on the board already; the pages only gather them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from plebiscite.record.board import Entry
from plebiscite.record.events import EventType

#: Uploads received within this time of each other count as one sync.
SAME_SYNC = dt.timedelta(minutes=30)


@dataclass
class TeamSync:
    """One device's uploads: counts and first/last times (``None`` before the first)."""

    device: str
    location: str
    ballots: int = 0
    custody_late: int = 0
    first_cast: dt.datetime | None = None
    last_cast: dt.datetime | None = None
    first_received: dt.datetime | None = None
    last_received: dt.datetime | None = None
    longest_wait: dt.timedelta = dt.timedelta(0)
    syncs: int = 0

    def add(self, cast_at: dt.datetime, received_at: dt.datetime, late: bool) -> None:
        self.ballots += 1
        self.custody_late += late
        self.first_cast = min(self.first_cast or cast_at, cast_at)
        self.last_cast = max(self.last_cast or cast_at, cast_at)
        if self.last_received is None or received_at - self.last_received > SAME_SYNC:
            self.syncs += 1  # uploads arrive in board order: a gap starts a new sync
        self.first_received = min(self.first_received or received_at, received_at)
        self.last_received = max(self.last_received or received_at, received_at)
        self.longest_wait = max(self.longest_wait, received_at - cast_at)


def _time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.utcoffset() is not None else None


class TeamSyncs:
    """Folds cast ballots in board order; only uploads (with ``cast_at``) count."""

    def __init__(self) -> None:
        self.teams: dict[str, TeamSync] = {}

    def add(self, payload: Mapping[str, Any]) -> None:
        cast_at, received = _time(payload.get("cast_at")), _time(payload.get("received_at"))
        ballot = payload.get("ballot")
        if cast_at is None or received is None or not isinstance(ballot, Mapping):
            return
        device = str(ballot.get("device"))
        team = self.teams.get(device)
        if team is None:
            team = self.teams[device] = TeamSync(device, str(ballot.get("location")))
        team.add(cast_at, received, bool(payload.get("custody_late")))

    def rows(self) -> list[TeamSync]:
        """Every uploading device, by location then device."""
        return sorted(self.teams.values(), key=lambda t: (t.location, t.device))


def team_syncs(entries: Iterable[Entry]) -> list[TeamSync]:
    """Every uploading device's syncs, read from the board's cast ballots."""
    syncs = TeamSyncs()
    for entry in entries:
        if entry.event.type is EventType.BALLOT_CAST:
            syncs.add(entry.event.payload)
    return syncs.rows()


__all__ = ["SAME_SYNC", "TeamSync", "TeamSyncs", "team_syncs"]
