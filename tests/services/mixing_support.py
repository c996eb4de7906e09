"""A small closed election with overrides, for the tests of the post-close pipeline.

Voters cast at home (a mobile team's device), in a booth, or both: a voter who votes at home
and later in a booth is overridden, and the truth per voter is the booth ballot if there is
one, else the home ballot. Ballots are built as the casting service records them (signed by
one synthetic device per location, chained tracking codes), with the encrypted voter tag of
``docs/protocol.md`` 6.1.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from plebiscite.crypto.ballot import encrypt_answer
from plebiscite.crypto.randomness import SeededRng
from plebiscite.domain.ballot import CHECKIN_BYTES, Ballot, encrypt_tag, genesis_code, region_specs
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import PublicEntry, build_roll, generate_roll
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import (
    Election,
    load_election,
    publish_close,
    publish_manifest,
    publish_roll,
)
from plebiscite.services.simulation.synthetic import device_key, enrolment_events
from plebiscite.services.voting.records import sign_check_in

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
RNG = SeededRng(b"mixing support")


@dataclass
class World:
    board: MemoryBoard
    trustees: list[TrusteeState]
    truth: dict[str, dict[str, int]] = field(default_factory=dict)
    overridden: list[str] = field(default_factory=list)  # tracking codes set aside
    home_codes: list[str] = field(default_factory=list)
    private: dict[int, Event] = field(default_factory=dict)  # events with their private part


def copy_board(
    world: World, stop: int | None = None, board: MemoryBoard | None = None
) -> MemoryBoard:
    """A fresh board holding the same events as ``board`` (default: the world's) up to ``stop``,
    to attack one without touching the other; check-ins keep the voter they check in."""
    out = MemoryBoard()
    source = world.board if board is None else board
    out.append_batch([world.private.get(e.index, e.event) for e in source.entries(0, stop)])
    return out


def _when(manifest: Manifest, location_id: str, last: bool) -> dt.datetime:
    spans = manifest.open_spans(manifest.location_by_id[location_id])
    start, end = spans[-1] if last else spans[0]
    return start + (end - start) / 2


class _Caster:
    def __init__(self, board: MemoryBoard, election: Election, world: World) -> None:
        self.board = board
        self.election = election
        self.world = world
        self.codes: dict[str, str] = {}
        self.checkins = random.Random(11)

    def _append(self, event: Event) -> None:
        self.world.private[self.board.append(event)] = event

    def cast(
        self, voter: PublicEntry, kind: LocationKind, choice: int, tag_of: str | None = None
    ) -> str:
        """Check the voter in and record one ballot; ``tag_of`` (a pseudonym) puts another
        voter's tag in it (a device copying a tag)."""
        manifest = self.election.require_manifest()
        key = self.election.election_key
        assert key is not None
        ctx = self.election.context
        location = next(
            loc
            for loc in manifest.locations
            if loc.precinct_id == voter.precinct_id and loc.kind is kind
        )
        answers = []
        for spec in region_specs(manifest, voter.region_id):
            vector = [1 if i == choice else 0 for i in range(spec.n_options)]
            answers.append(encrypt_answer(key, ctx, spec, vector, RNG.scalar().encode(), RNG))
        device = f"synthetic-{location.id}"
        signing = device_key(location.id)
        at = _when(manifest, location.id, last=kind.is_booth).astimezone(dt.UTC).isoformat()
        checkin = self.checkins.randbytes(CHECKIN_BYTES).hex()
        election = self.election.manifest_hash.hex()
        private = {"voter": voter.pseudonym}
        check_in = {
            "device": device,
            "checkin": checkin,
            "at": at,
            "signature": sign_check_in(signing, election, device, checkin),
        }
        self._append(Event.create(EventType.CHECK_IN, check_in, private=private))
        tag, _ = encrypt_tag(key, ctx, device, checkin, tag_of or voter.pseudonym, RNG)
        previous = self.codes.get(device, genesis_code(self.election.manifest_hash, device))
        ballot = Ballot(election, device, location.id, checkin, previous, tag, tuple(answers))
        code = ballot.tracking_code()
        self.codes[device] = code
        payload = {
            "ballot": ballot.to_json(),
            "signature": ballot.sign(signing),
            "tracking_code": code,
            "received_at": at,
        }
        self._append(Event.create(EventType.BALLOT_CAST, payload, private=private))
        return code


def build_world(
    voters: int = 36, overrides: int = 3, seed: int = 5, copied_tag: bool = False
) -> World:
    """A closed election in donetsk: ``voters`` voters, ``overrides`` of them home then booth.

    With ``copied_tag`` the last voter's home ballot carries the first home voter's tag (a
    device copying a tag: two home rows of one tag).
    """
    board = MemoryBoard()
    publish_manifest(board, MANIFEST)
    digest = manifest_hash(MANIFEST)
    entries = generate_roll(MANIFEST, 1200, random.Random(7))
    publish_roll(board, build_roll(MANIFEST, digest, entries, b"r" * 32))
    trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
    run_local_ceremony(board, trustees, SeededRng(b"ceremony"))
    board.append_batch(enrolment_events(MANIFEST))
    election = load_election(board)
    rng = random.Random(seed)
    donetsk = sorted(
        (v for v in election.voters.values() if v.region_id == "donetsk"),
        key=lambda v: v.pseudonym,
    )
    rng.shuffle(donetsk)
    # door-to-door ballots only from voters who applied to vote at home (the casting rules)
    applicants = iter([v for v in donetsk if v.home_voting])
    others = iter([v for v in donetsk if not v.home_voting])
    world = World(board, trustees)
    caster = _Caster(board, election, world)
    truth = world.truth.setdefault("donetsk", {"yes": 0, "no": 0})
    options = ["yes", "no"]
    first_home: str | None = None
    for n in range(voters):
        choice = rng.randrange(2)
        if n < overrides:  # at home first, then in a booth with the other answer
            voter = next(applicants)
            home = caster.cast(voter, LocationKind.MOBILE_TEAM, 1 - choice)
            caster.cast(voter, LocationKind.REGULAR_STATION, choice)
            world.overridden.append(home)
            world.home_codes.append(home)
        elif n % 2:
            voter = next(applicants)
            first_home = first_home or voter.pseudonym
            tag_of = first_home if copied_tag and n == voters - 1 else None
            world.home_codes.append(caster.cast(voter, LocationKind.MOBILE_TEAM, choice, tag_of))
        else:
            caster.cast(next(others), LocationKind.REGULAR_STATION, choice)
        truth[options[choice]] += 1
    last = max(end for loc in MANIFEST.locations for _, end in MANIFEST.open_spans(loc))
    publish_close(board, last + dt.timedelta(hours=1))
    return world
