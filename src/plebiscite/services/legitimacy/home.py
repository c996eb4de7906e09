"""Door-to-door ballots on the board against the home-voting applications on the roll
(``docs/legitimacy.md``, M1).

Home voting is an exception granted on a voter's application; the roll commitment marks each
voter who applied (``home_voting``, ``docs/voting.md``), and so does every roll addition. A
mobile team's ballot is a door-to-door ballot. At most one door-to-door ballot per voter can
count, so in every region the door-to-door ballots cast (counted or not: a superseded one was
still carried to a home) can be no more than the applications. A region with more is flagged.

Ballots do not say who cast them in the published record, so this is a count per region; the
board itself refuses an uploaded door-to-door ballot for a voter who never applied
(``docs/devices.md``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.record.board import Entry
from plebiscite.record.events import EventType

#: Board entries kept per region as the evidence's keys (the count says how many there are).
KEPT = 8


@dataclass
class HomeBallots:
    """Per region: applications on the roll, door-to-door ballots cast, and where they are."""

    manifest: Manifest
    roll_read: bool = False
    applications: Counter[str] = field(default_factory=Counter)
    ballots: Counter[str] = field(default_factory=Counter)
    entries: dict[str, list[int]] = field(default_factory=dict)  # the last KEPT per region

    def apply(self, entry: Entry) -> None:
        kind, payload = entry.event.type, entry.event.payload
        if kind is EventType.ROLL_COMMITMENT:
            self.roll_read = True
            voters = payload.get("voters")
            if isinstance(voters, list):
                region = str(payload.get("region"))
                self.applications[region] += sum(
                    1 for v in voters if isinstance(v, list) and len(v) > 2 and v[2] is True
                )
        elif kind is EventType.ROLL_ADDITION:
            self.applications[str(payload.get("region"))] += payload.get("home_voting") is True
        elif kind is EventType.BALLOT_CAST:
            ballot = payload.get("ballot")
            where = ballot.get("location") if isinstance(ballot, dict) else None
            location = self.manifest.location_by_id.get(str(where))
            if location is not None and location.kind is LocationKind.MOBILE_TEAM:
                region = location.region_id
                self.ballots[region] += 1
                kept = self.entries.setdefault(region, [])
                kept.append(entry.index)
                del kept[:-KEPT]

    def over(self) -> list[str]:
        """Regions with more door-to-door ballots than applications."""
        return sorted(r for r in self.ballots if self.ballots[r] > self.applications[r])

    def describe(self) -> str:
        regions = sorted(set(self.applications) | set(self.ballots))
        counts = "; ".join(
            f"{r}: {self.ballots[r]} against {self.applications[r]}" for r in regions
        )
        return (
            "door-to-door ballots on the board against home-voting applications on the roll, "
            f"by region: {counts}"
        )


def read_home_ballots(manifest: Manifest, entries: Iterable[Entry]) -> HomeBallots:
    home = HomeBallots(manifest)
    for entry in entries:
        home.apply(entry)
    return home


__all__ = ["HomeBallots", "read_home_ballots"]
