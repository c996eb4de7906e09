"""Offline mobile teams in a simulated referendum (``docs/devices.md``, ``docs/demo.md``).

For each region, one mobile team works its first voting day without a network: its
door-to-door visits that day (voters who applied to vote at home; each team's first voter
of the day tests the device: challenges one ballot on it, then casts) go through an
:class:`~plebiscite.services.voting.device.OfflineDevice` instead of the server, and the team syncs
the next morning, at the simulation's first instant of a later day, before any visit of that
instant. The voters and their choices are the simulation's, so the truth is unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from plebiscite.domain.manifest import Location, LocationKind
from plebiscite.services.voting.device import BALLOT_ROWS, DeviceServer, OfflineDevice, init_device
from plebiscite.services.voting.device_sync import sync


class _Visit(Protocol):
    at: dt.datetime
    location: Location
    voter: str
    selections: dict[str, str | None]
    challenge_first: bool
    role: str
    duplicate: bool


@dataclass
class OfflineTeams:
    server: DeviceServer
    directory: Path
    devices: dict[str, OfflineDevice] = field(default_factory=dict)  # location id -> device
    day: dt.date | None = None
    diverted: set[int] = field(default_factory=set)  # id() of the diverted visits
    testers: set[int] = field(default_factory=set)  # id() of visits that challenge first
    synced_at: dict[str, str] = field(default_factory=dict)  # device id -> when it synced
    ballots: int = 0
    challenged: int = 0

    def divert(self, visits: Sequence[_Visit], roll: Mapping[str, Mapping[str, Any]]) -> None:
        """Choose the teams (one per region) and their first day's visits to take offline."""
        home = [
            v
            for v in visits
            if v.role == "home"
            and v.location.kind is LocationKind.MOBILE_TEAM
            and roll.get(v.voter, {}).get("home_voting")
            and not v.duplicate
        ]
        if not home:
            return
        self.day = min(v.at.date() for v in home)
        teams: dict[str, str] = {}  # region -> location id
        for v in sorted(home, key=lambda v: v.location.id):
            if v.at.date() == self.day:
                teams.setdefault(v.location.region_id, v.location.id)
        chosen = set(teams.values())
        self.directory.mkdir(parents=True, exist_ok=True)
        for location_id in sorted(chosen):
            path = self.directory / f"{location_id}.sqlite"
            path.unlink(missing_ok=True)
            self.devices[location_id] = init_device(
                self.server, path, f"offline-{location_id}"[:64], location_id
            )
        taken = [v for v in home if v.location.id in chosen and v.at.date() == self.day]
        self.diverted = {id(v) for v in taken}
        firsts: dict[str, _Visit] = {}
        for v in sorted(taken, key=lambda v: v.at):
            firsts.setdefault(v.location.id, v)
        self.testers = {id(v) for v in firsts.values()}  # they challenge once, then cast

    def takes(self, visit: _Visit) -> bool:
        return id(visit) in self.diverted

    def cast(self, visit: _Visit) -> int:
        """The visit, offline: check-in, ballot and device receipt, into the queue; first a
        challenged ballot where the voter tests the device. Returns the challenges made."""
        device = self.devices[visit.location.id]
        device.check_in(visit.voter, visit.at)
        tests = visit.challenge_first or id(visit) in self.testers
        if tests:
            spoiled = device.prepare(visit.voter, visit.selections, visit.at)
            device.challenge(visit.voter, spoiled, visit.at)
            self.challenged += 1
        device.vote(visit.voter, visit.selections, visit.at)
        self.ballots += 1
        return int(tests)

    def due(self, at: dt.datetime) -> bool:
        """Is ``at`` the morning after the offline day (and not synced yet)?"""
        return self.day is not None and not self.synced_at and at.date() > self.day

    def sync_all(self, at: dt.datetime) -> list[dict[str, Any]]:
        """Sync every team; the board's receipts of their ballots."""
        receipts: list[dict[str, Any]] = []
        for device in self.devices.values():
            sync(device, self.server)
            self.server.chain_end(device.device_id, device.chain_end())  # the day is over
            self.synced_at[device.device_id] = at.isoformat()
            receipts.extend(
                r.receipt for r in device.queue.rows() if r.kind in BALLOT_ROWS and r.receipt
            )
        return receipts

    def close(self) -> None:
        for device in self.devices.values():
            device.close()

    def summary(self) -> dict[str, Any]:
        return {
            "teams": sorted(self.synced_at),
            "ballots": self.ballots,
            "challenged": self.challenged,
            "synced_at": self.synced_at,
        }


__all__ = ["OfflineTeams"]
