"""Synthetic voting day over a board service (``plebiscite simulate``; ``docs/voting.md``).

Drives enrolled devices and synthetic voters through the manifest's schedule on the server's
simulated clock (demo mode): most voters vote once in a booth, a share go door-to-door and a
share of those override in a booth on a later day, a share challenge their first ballot and
then cast a fresh one; then a few attempts that must be refused (a second ballot, a ballot
at a closed location), each checked to leave the board's size unchanged. It returns the
plaintext truth (counted choices per region, question and option) so a demo can compare it
with the tally.

The service speaks to the server through a :class:`VotingServer` port; the HTTP client lives
in ``plebiscite.interfaces.api.client``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import Location, Manifest
from plebiscite.domain.manifest_load import parse_manifest_json
from plebiscite.domain.rules import location_open
from plebiscite.errors import InputError, RuleError
from plebiscite.services.voting.booth import Booth, PreparedBallot

Progress = Callable[[str, int, int], None]


class RefusedError(RuleError):
    """The server refused a request; ``problem_type`` is its stable RFC 9457 type."""

    title = "refused by the server"

    def __init__(self, problem_type: str, status: int, detail: str) -> None:
        super().__init__(f"{detail} ({problem_type})")
        self.problem_type = problem_type
        self.status = status
        self.detail = detail

    @property
    def slug(self) -> str:
        return self.problem_type.rsplit(":", 1)[-1]


class VotingServer(Protocol):
    """What the simulation asks of the board service (raises :class:`RefusedError`)."""

    def election(self) -> dict[str, Any]: ...
    def manifest(self) -> dict[str, Any]: ...
    def voters(self) -> list[dict[str, Any]]: ...
    def set_clock(self, t: dt.datetime) -> None: ...
    def enrol(self, body: dict[str, Any]) -> int: ...
    def check_in(self, device_id: str, body: dict[str, Any]) -> int: ...
    def cast(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def challenge(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def close(self) -> int: ...
    def chain_end(self, device_id: str, body: dict[str, Any]) -> int: ...


@dataclass
class _Action:
    """One visit of one voter to one location."""

    at: dt.datetime
    location: Location
    voter: str
    selections: dict[str, str | None]
    challenge_first: bool
    role: str  # "booth", "home", "override"
    duplicate: bool = False  # also sent at once from a second device, and sent twice


@dataclass
class SimulationResult:
    truth: dict[str, dict[str, dict[str, int]]]  # region -> question -> option -> counted
    voters: int
    cast: int = 0
    challenged: int = 0
    superseded: int = 0
    check_ins: int = 0
    refusals: list[dict[str, Any]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    receipts: int = 0
    #: offline teams: their device ids, ballots and when each synced (``offline_dir``)
    offline: dict[str, Any] = field(default_factory=dict)
    #: counted choices per (precinct, channel, date): what precinct commissions would count
    cells: dict[tuple[str, str, str], dict[str, dict[str, int]]] = field(default_factory=dict)
    duplicates: int = 0  # voters who tried a double vote (two devices at once) and a retry
    duplicates_refused: int = 0  # second ballots refused as already-voted
    retries_same_receipt: int = 0  # retries answered with the first answer's receipt

    def to_json(self) -> dict[str, Any]:
        return {
            "truth": self.truth,
            "voters": self.voters,
            "cast": self.cast,
            "challenged": self.challenged,
            "superseded": self.superseded,
            "check_ins": self.check_ins,
            "refusals": self.refusals,
            "unexpected": self.unexpected,
            "receipts": self.receipts,
            "duplicates": self.duplicates,
            "duplicates_refused": self.duplicates_refused,
            "retries_same_receipt": self.retries_same_receipt,
            "offline": self.offline,
        }


class _Devices:
    """One booth per location, used by one voter at a time (a device's ballots chain)."""

    def __init__(self, server: VotingServer, manifest: Manifest, digest: bytes, key: Point):
        self.server, self.manifest, self.digest, self.key = server, manifest, digest, key
        self._booths: dict[str, tuple[Booth, threading.Lock]] = {}
        self._lock = threading.Lock()
        self.run = SigningKey.generate().verify_key.hex()[:8]

    def enrol(self, location: Location) -> None:
        if location.id in self._booths:
            return
        booth = Booth(
            self.manifest,
            self.digest,
            self.key,
            f"sim-{self.run}-{location.id}"[:64],
            location.id,
            SigningKey.generate(),
        )
        self.server.enrol(booth.enrolment())
        self._booths[location.id] = (booth, threading.Lock())

    def get(self, location_id: str) -> tuple[Booth, threading.Lock]:
        return self._booths[location_id]

    def twin(self, location: Location) -> tuple[Booth, threading.Lock]:
        """A second booth at the location (for double votes), enrolled on first use."""
        key = location.id + "#2"
        with self._lock:
            if key not in self._booths:
                booth = Booth(
                    self.manifest,
                    self.digest,
                    self.key,
                    f"sim-{self.run}-2-{location.id}"[:64],
                    location.id,
                    SigningKey.generate(),
                )
                self.server.enrol(booth.enrolment())
                self._booths[key] = (booth, threading.Lock())
            return self._booths[key]

    def end_chains(self) -> None:
        """Every device signs where its chain ends (``docs/voting.md``, chain ends)."""
        for booth, _ in self._booths.values():
            self.server.chain_end(booth.device_id, booth.chain_end())


def _arrival(
    manifest: Manifest, location: Location, after: dt.datetime | None, rng: random.Random
) -> dt.datetime:
    """A time the location is open after ``after``: any of its days, any of its opening
    hours (one minute past the hour), so the simulated voters fill every day and hour."""
    choices = []
    for start, end in manifest.open_spans(location):
        t = start + dt.timedelta(minutes=1)
        while t < end:
            if after is None or t > after:
                choices.append(t)
            t += dt.timedelta(hours=1)
    if not choices:
        raise InputError(f"location {location.id!r} is never open after {after}")
    days = sorted({t.date() for t in choices})
    day = rng.choice(days)  # every day as likely, however long its hours
    return rng.choice([t for t in choices if t.date() == day])


def _closed_time(manifest: Manifest, location: Location) -> dt.datetime:
    for day in manifest.days:
        for hour in (3, 23):
            t = dt.datetime.combine(day.date, dt.time(hour), tzinfo=manifest.zone)
            if not location_open(manifest, location, t):
                return t
    raise InputError(f"location {location.id!r} is never closed on a voting day")


def simulate(
    server: VotingServer,
    voters: int,
    *,
    seed: int = 1,
    concurrency: int = 8,
    challenge_share: float = 0.1,
    home_share: float = 0.15,
    override_share: float = 0.3,
    refusals: int = 4,
    duplicates: float = 0.0,
    receipts_path: Path | None = None,
    close: bool = False,
    progress: Progress | None = None,
    offline_dir: Path | None = None,
) -> SimulationResult:
    """Run a synthetic voting day; return the plaintext truth and what happened."""
    report = progress or (lambda _stage, _done, _total: None)
    rng = random.Random(seed)
    election = server.election()
    if election.get("election_key") is None:
        raise InputError("the server's board has no election key yet")
    if not election.get("demo_clock"):
        raise InputError("the server is not in demo mode (start it with --demo-clock)")
    document = server.manifest()
    manifest = parse_manifest_json(canonical_json(document["manifest"]), "server manifest")
    digest = bytes.fromhex(document["hash"])
    key = Point.from_hex(election["election_key"])
    roll = server.voters()
    if voters + refusals > len(roll):
        raise InputError(f"the roll has {len(roll)} voters; asked for {voters} (+{refusals})")
    chosen = rng.sample(roll, voters + refusals)
    reserve, chosen = chosen[voters:], chosen[:voters]

    by_precinct: dict[str, dict[str, Location]] = {}
    for location in manifest.locations:
        by_precinct.setdefault(location.precinct_id, {})[location.kind.value] = location

    doubles = random.Random(seed + 1)  # its own stream: the other choices stay as they were
    actions: list[_Action] = []
    truth: dict[str, dict[str, dict[str, int]]] = {}
    result = SimulationResult(truth=truth, voters=voters)
    for voter in chosen:
        places = by_precinct.get(voter["precinct"], {})
        region = manifest.region_by_id[voter["region"]]
        selections: dict[str, str | None] = {
            q.id: rng.choices(q.option_ids, weights=range(len(q.options), 0, -1))[0]
            for q in region.questions
        }
        booths = [places[k] for k in ("makeshift_station", "regular_station") if k in places]
        home = places.get("mobile_team")
        # Where the manifest requires applications (the default) only applicants vote at home;
        # otherwise a share of the others asks the team too.
        asks = rng.random() < home_share and not manifest.home_applications_required
        if home is not None and (voter["home_voting"] or asks):
            at = _arrival(manifest, home, None, rng)
            actions.append(_Action(at, home, voter["voter"], selections, False, "home"))
            # The override comes on a later day, so it is strictly later whatever the grouping.
            next_day = dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time(), at.tzinfo)
            later = [b for b in booths if any(s > next_day for s, _ in manifest.open_spans(b))]
            if later and rng.random() < override_share:
                place = rng.choice(later)
                own: dict[str, str | None] = {
                    q.id: rng.choice(q.option_ids) for q in region.questions
                }
                booth_at = _arrival(manifest, place, next_day, rng)
                challenge = rng.random() < challenge_share
                actions.append(_Action(booth_at, place, voter["voter"], own, challenge, "override"))
                selections = own
                result.superseded += 1
        elif booths:
            place = rng.choice(booths)
            at = _arrival(manifest, place, None, rng)
            challenge = rng.random() < challenge_share
            twice = not challenge and doubles.random() < duplicates
            actions.append(
                _Action(at, place, voter["voter"], selections, challenge, "booth", twice)
            )
            result.duplicates += twice
        else:
            continue
        counts = truth.setdefault(region.id, {})
        counted = actions[-1]
        cell_key = (counted.location.precinct_id, counted.location.kind.value, f"{counted.at:%F}")
        cell = result.cells.setdefault(cell_key, {})
        for question in region.questions:
            per = counts.setdefault(question.id, {o: 0 for o in question.option_ids})
            pick = selections[question.id]
            if pick is not None:
                per[pick] += 1
                in_cell = cell.setdefault(question.id, {o: 0 for o in question.option_ids})
                in_cell[pick] += 1

    devices = _Devices(server, manifest, digest, key)
    locations = {a.location.id: a.location for a in actions}
    for i, location in enumerate(sorted(locations.values(), key=lambda x: x.id)):
        devices.enrol(location)
        report("enrol devices", i + 1, len(locations))

    teams = None
    if offline_dir is not None:  # one mobile team per region works a day offline
        from plebiscite.services.simulation.offline import OfflineTeams

        teams = OfflineTeams(server, offline_dir)
        teams.divert(actions, {v["voter"]: v for v in roll})
    phases = _phases(manifest, actions)
    receipts: list[dict[str, Any]] = []
    lock = threading.Lock()
    done = [0]

    def visit(action: _Action) -> None:
        booth, device_lock = devices.get(action.location.id)
        if action.duplicate:
            twice_got = _double_vote(server, devices, action, result, lock)
            with lock:
                receipts.extend(twice_got)
                result.check_ins += 1
                result.cast += 1
                done[0] += 1
                report("voters", done[0], len(actions))
            return
        with device_lock:
            server.check_in(booth.device_id, booth.check_in(action.voter))
            got: list[dict[str, Any]] = []
            if action.challenge_first:
                prepared = booth.prepare(action.voter, action.selections)
                got.append(server.challenge(prepared.challenge_body()))
                booth.accepted(prepared)
            prepared = booth.prepare(action.voter, action.selections)
            got.append(server.cast(prepared.cast_body()))
            booth.accepted(prepared)
        with lock:
            receipts.extend(got)
            result.check_ins += 1
            result.cast += 1
            result.challenged += len(got) - 1
            done[0] += 1
            report("voters", done[0], len(actions))

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for at, visits in phases:
            server.set_clock(at)
            group = visits
            if teams is not None:
                if teams.due(at):
                    receipts.extend(teams.sync_all(at))
                for offline in [a for a in group if teams.takes(a)]:
                    result.challenged += teams.cast(offline)
                    result.check_ins += 1
                    result.cast += 1
                group = [a for a in visits if not teams.takes(a)]
            for future in [pool.submit(visit, a) for a in group]:
                future.result()
    if teams is not None:
        if not teams.synced_at and teams.devices:
            receipts.extend(teams.sync_all(phases[-1][0]))
        result.offline = teams.summary()
        teams.close()

    _refusals(server, manifest, devices, actions, reserve, result)
    if close:
        last = max((at for at, _ in phases), default=None)
        if last is not None:
            server.set_clock(last + dt.timedelta(minutes=1))
        server.close()
        devices.end_chains()
    result.receipts = len(receipts)
    if receipts_path is not None:
        with receipts_path.open("w", encoding="utf-8") as out:
            for receipt in receipts:
                out.write(json.dumps(receipt, sort_keys=True) + "\n")
    return result


def _double_vote(
    server: VotingServer,
    devices: _Devices,
    action: _Action,
    result: SimulationResult,
    lock: threading.Lock,
) -> list[dict[str, Any]]:
    """One voter's ballot sent at once from two devices, and the first one sent twice: the
    board must take exactly one, and the retry must get the first one's answer."""
    booth, booth_lock = devices.get(action.location.id)
    twin, twin_lock = devices.twin(action.location)
    with booth_lock, twin_lock:
        server.check_in(booth.device_id, booth.check_in(action.voter))
        server.check_in(twin.device_id, twin.check_in(action.voter))  # a ballot needs its own
        first = booth.prepare(action.voter, action.selections)
        second = twin.prepare(action.voter, action.selections)

        def send(prepared: PreparedBallot) -> dict[str, Any] | str:
            try:
                return server.cast(prepared.cast_body())
            except RefusedError as refusal:
                return refusal.slug

        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(send, [first, second, first]))
        a, b, again = answers
        accepted = [x for x in (a, b) if isinstance(x, dict)]
        problems = []
        if len(accepted) != 1 or "already-voted" not in (a, b):
            problems.append(f"double vote answered {a if isinstance(a, str) else 'ok'} and "
                            f"{b if isinstance(b, str) else 'ok'}")  # fmt: skip
        same = (
            again == a
            if isinstance(a, str)
            else isinstance(again, dict) and again["leaf_index"] == a["leaf_index"]
        )
        if not same:
            problems.append("a retry got another answer than the first send")
        if isinstance(a, dict):
            booth.accepted(first)
        if isinstance(b, dict):
            twin.accepted(second)
    with lock:
        result.duplicates_refused += 2 - len(accepted)
        result.retries_same_receipt += same and isinstance(a, dict)
        result.unexpected.extend(problems)
    return accepted


def _phases(
    manifest: Manifest, actions: Sequence[_Action]
) -> list[tuple[dt.datetime, list[_Action]]]:
    """Group visits into instants of the simulated clock: one instant per arrival time (a
    day and an opening hour), so the clock is set a few dozen times, not once a voter."""
    by_time: dict[dt.datetime, list[_Action]] = {}
    for action in actions:
        by_time.setdefault(action.at, []).append(action)
    # Override visits must come strictly after the voter's door-to-door visit.
    out = sorted(by_time.items())
    seen: dict[str, dt.datetime] = {}
    for at, group in out:
        for action in group:
            if action.role == "override" and not seen.get(action.voter, at) < at:
                raise InputError("internal: an override is not after its door-to-door ballot")
            seen.setdefault(action.voter, at)
    return out


def _refusals(
    server: VotingServer,
    manifest: Manifest,
    devices: _Devices,
    actions: Sequence[_Action],
    reserve: Sequence[dict[str, Any]],
    result: SimulationResult,
) -> None:
    """Attempts that must be refused and must leave the board as it was."""
    attempts: list[tuple[str, _Action, dt.datetime, str]] = []
    booth_visits = [a for a in actions if a.role in ("booth", "override")]
    for action in booth_visits[: max(0, len(reserve) // 2)]:
        attempts.append(("second ballot", action, action.at, "already-voted"))
    for voter in reserve[len(attempts) :]:
        matching = [a for a in booth_visits if a.location.region_id == voter["region"]]
        if not matching:
            continue
        location = matching[0].location
        visit = _Action(
            matching[0].at, location, voter["voter"], dict(matching[0].selections), False, "x"
        )
        attempts.append(
            ("closed location", visit, _closed_time(manifest, location), "location-closed")
        )
    for what, action, at, expected in attempts:
        server.set_clock(at)
        booth, lock = devices.get(action.location.id)
        with lock:
            before = server.election()["board_size"]
            if action.voter not in booth.checkins:
                # The device draws a check-in id the closed location never records.
                booth.check_in(action.voter)
            prepared: PreparedBallot = booth.prepare(action.voter, action.selections)
            try:
                server.cast(prepared.cast_body())
            except RefusedError as refusal:
                slug = refusal.slug
            else:
                booth.accepted(prepared)
                slug = "accepted"
            after = server.election()["board_size"]
        result.refusals.append(
            {"attempt": what, "expected": expected, "got": slug, "board_unchanged": before == after}
        )
        if slug != expected or before != after:
            result.unexpected.append(f"{what}: expected {expected}, got {slug}")


__all__ = ["RefusedError", "SimulationResult", "VotingServer", "simulate"]
