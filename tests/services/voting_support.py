"""Shared set-up for the voting tests: the seed manifest, a small roll, a test key, devices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import Location, LocationKind, Manifest
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import PublicEntry
from plebiscite.record.board import Board
from plebiscite.services.simulation.testbed import Testbed, publish_test_election
from plebiscite.services.voting.booth import Booth, PreparedBallot
from plebiscite.services.voting.casting import CastingService, SimulatedClock

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST: Manifest = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
PRECINCT = "dn-0101"


def location(kind: LocationKind, precinct: str = PRECINCT) -> Location:
    return next(
        loc for loc in MANIFEST.locations if loc.kind is kind and loc.precinct_id == precinct
    )


def open_at(loc: Location, day: int = 0) -> dt.datetime:
    """A minute after the location's ``day``-th opening."""
    return MANIFEST.open_spans(loc)[day][0] + dt.timedelta(minutes=1)


@dataclass
class Day:
    board: Board
    bed: Testbed
    clock: SimulatedClock
    service: CastingService
    head_key: SigningKey

    def voters(self, region: str = "donetsk") -> list[PublicEntry]:
        return sorted(
            (e for e in self.bed.roll.public_entries.values() if e.region_id == region),
            key=lambda e: e.pseudonym,
        )

    def booth(self, loc: Location, device_id: str | None = None, enrol: bool = True) -> Booth:
        key = SigningKey.generate()
        device = device_id or f"dev-{loc.id}"
        booth = CheckingBooth(
            self.bed.manifest, self.bed.manifest_hash, self.bed.key.public, device, loc.id, key
        )
        booth.service = self.service if enrol else None
        if enrol:
            self.service.enrol_device(device, loc.id, key.verify_key.hex())
        return booth


class CheckingBooth(Booth):
    """A booth whose device checks a voter in through the service (as a station does before
    the voter goes to the booth) the first time it prepares a ballot for them."""

    service: CastingService | None = None

    def prepare_vectors(self, voter: str, choices: Sequence[Sequence[int]]) -> PreparedBallot:
        if voter not in self.checkins:
            body = self.check_in(voter)
            if self.service is not None:
                self.service.check_in(
                    self.device_id, body["voter"], body["checkin"], body["signature"]
                )
        return super().prepare_vectors(voter, choices)


def new_day(board: Board, voters: int = 120, manifest: Manifest = MANIFEST) -> Day:
    head_key = SigningKey(bytes(range(32)))
    bed = publish_test_election(board, manifest, voters, board_key=head_key.verify_key)
    clock = SimulatedClock(open_at(location(LocationKind.MAKESHIFT_STATION)))
    return Day(board, bed, clock, CastingService(board, head_key, clock), head_key)
