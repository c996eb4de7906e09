"""The pure rules casting and the verifier apply (``docs/manifest.md``, section "Rules").

Time is always passed in as a timezone-aware ``datetime``; nothing here reads a clock.

The one-voter rule (DESIGN, "One voter, one counted ballot"): per voter and referendum at most
one door-to-door ballot (a mobile team) and at most one booth ballot (a regular or makeshift
station). A booth ballot supersedes an earlier door-to-door ballot, so a voter who was made to
vote at home in front of others can vote again in private. :func:`resolve_ballots` decides,
from all of a voter's ballots in any order, which one counts and why each other one does not.
It orders ballots by ``(cast_at, ballot_id)``, never by the order it was given them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from plebiscite.domain.manifest import Location, LocationKind, Manifest, VotingDay
from plebiscite.domain.roll import PublicEntry, Roll
from plebiscite.errors import DuplicateBallotError, EligibilityError, ScheduleError


def _require_aware(t: dt.datetime) -> None:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"time must be timezone-aware, got {t.isoformat()}")


def voting_day_at(manifest: Manifest, t: dt.datetime) -> VotingDay | None:
    """The voting day ``t`` falls on in the manifest's time zone, if any."""
    _require_aware(t)
    local = t.astimezone(manifest.zone).date()
    return next((day for day in manifest.days if day.date == local), None)


def location_open(manifest: Manifest, location: Location, t: dt.datetime) -> bool:
    """May ``location`` accept a ballot at ``t``? (Its kind is open then, within its hours.)"""
    _require_aware(t)
    return any(start <= t < end for start, end in manifest.open_spans(location))


def check_location_open(manifest: Manifest, location_id: str, t: dt.datetime) -> VotingDay:
    """The voting day of ``t`` if the location is open then; else :class:`ScheduleError`."""
    location = manifest.location_by_id.get(location_id)
    if location is None:
        raise ScheduleError(f"no location has the id {location_id!r}")
    if location_open(manifest, location, t):
        day = voting_day_at(manifest, t)
        assert day is not None  # an open span lies within a voting day
        return day
    local = t.astimezone(manifest.zone)
    spans = [f"{start:%a %d %b %H:%M}-{end:%H:%M}" for start, end in manifest.open_spans(location)]
    raise ScheduleError(
        f"{location.kind} {location_id!r} is closed at {local:%a %d %b %Y %H:%M %Z}; "
        f"open {', '.join(spans) if spans else 'never'}"
    )


def is_eligible(roll: Roll, voter: str, region_id: str) -> bool:
    """Is the voter with this pseudonym on the roll of ``region_id`` (additions included)?"""
    entry = roll.public_entries.get(voter)
    return entry is not None and entry.region_id == region_id


def check_eligible(roll: Roll, voter: str, region_id: str) -> PublicEntry:
    """The voter's roll entry if eligible in ``region_id``; else :class:`EligibilityError`."""
    entry = roll.public_entries.get(voter)
    if entry is None:
        raise EligibilityError(f"voter {voter[:16]}... is not on the roll")
    if entry.region_id != region_id:
        raise EligibilityError(
            f"voter {voter[:16]}... is on the roll of {entry.region_id!r}, not {region_id!r}"
        )
    return entry


@dataclass(frozen=True)
class CastBallot:
    """What the one-voter rule needs to know about a cast ballot."""

    ballot_id: str
    voter: str  # pseudonym
    region_id: str  # the referendum
    kind: LocationKind  # the channel it came through
    cast_at: dt.datetime

    @property
    def order(self) -> tuple[dt.datetime, str]:
        return (self.cast_at, self.ballot_id)


class Disposition(StrEnum):
    COUNTED = "counted"
    SUPERSEDED = "superseded"  # a door-to-door ballot replaced by a later booth ballot
    AFTER_BOOTH = "after_booth"  # a door-to-door ballot cast after the voter's booth ballot
    DUPLICATE = "duplicate"  # a second ballot of a kind the voter had already cast


@dataclass(frozen=True)
class Ruling:
    ballot_id: str
    disposition: Disposition
    reason: str
    by: str | None = None  # the ballot that made this one not count


@dataclass(frozen=True)
class Resolution:
    """One voter's ballots in one referendum: the counted one (if any) and a ruling for each."""

    counted: CastBallot | None
    rulings: tuple[Ruling, ...]  # in (cast_at, ballot_id) order


def _first(ballots: list[CastBallot], booth: bool) -> CastBallot | None:
    return next((b for b in ballots if b.kind.is_booth == booth), None)


def resolve_ballots(ballots: Iterable[CastBallot]) -> Resolution:
    """Which of one voter's ballots in one referendum counts, and why the others do not."""
    ordered = sorted(ballots, key=lambda b: b.order)
    if not ordered:
        return Resolution(None, ())
    if len({(b.voter, b.region_id) for b in ordered}) != 1:
        raise ValueError("resolve_ballots takes the ballots of one voter in one referendum")
    if len({b.ballot_id for b in ordered}) != len(ordered):
        raise ValueError("two ballots share a ballot id")
    booth, home = _first(ordered, booth=True), _first(ordered, booth=False)
    counted = booth if booth is not None else home
    rulings = []
    for b in ordered:
        if b is counted:
            rulings.append(Ruling(b.ballot_id, Disposition.COUNTED, "counted"))
        elif b is home and booth is not None and home.order < booth.order:
            rulings.append(
                Ruling(
                    b.ballot_id,
                    Disposition.SUPERSEDED,
                    "door-to-door ballot superseded by a later booth ballot",
                    booth.ballot_id,
                )
            )
        elif b is home and booth is not None:
            rulings.append(
                Ruling(
                    b.ballot_id,
                    Disposition.AFTER_BOOTH,
                    "door-to-door ballot cast after the voter's booth ballot",
                    booth.ballot_id,
                )
            )
        else:
            first = booth if b.kind.is_booth else home
            assert first is not None
            rulings.append(
                Ruling(
                    b.ballot_id,
                    Disposition.DUPLICATE,
                    f"a second {'booth' if b.kind.is_booth else 'door-to-door'} ballot",
                    first.ballot_id,
                )
            )
    return Resolution(counted, tuple(rulings))


def check_may_cast(existing: Iterable[CastBallot], kind: LocationKind) -> CastBallot | None:
    """May the voter cast one more ballot through ``kind``, given the ballots already cast?

    Returns the door-to-door ballot the new booth ballot supersedes, if any; raises
    :class:`DuplicateBallotError` for a second ballot of a kind, or a door-to-door ballot after
    a booth ballot.
    """
    ordered = sorted(existing, key=lambda b: b.order)
    booth, home = _first(ordered, booth=True), _first(ordered, booth=False)
    if booth is not None:
        what = "booth" if kind.is_booth else "door-to-door"
        raise DuplicateBallotError(
            f"a {what} ballot is refused: the voter already voted in a booth ({booth.ballot_id})"
        )
    if not kind.is_booth and home is not None:
        raise DuplicateBallotError(
            f"a second door-to-door ballot is refused (first: {home.ballot_id})"
        )
    return home if kind.is_booth else None


def counted_ballots(ballots: Iterable[CastBallot]) -> dict[tuple[str, str], Resolution]:
    """Resolve every voter in every referendum: ``(voter, region_id) -> Resolution``."""
    groups: dict[tuple[str, str], list[CastBallot]] = {}
    for b in ballots:
        groups.setdefault((b.voter, b.region_id), []).append(b)
    return {key: resolve_ballots(group) for key, group in groups.items()}


@dataclass(frozen=True)
class Admission:
    """Why a ballot may be cast: where, on which day, and what it supersedes."""

    location: Location
    day: VotingDay
    voter: PublicEntry
    supersedes: CastBallot | None


def check_cast(
    manifest: Manifest,
    roll: Roll,
    voter: str,
    location_id: str,
    t: dt.datetime,
    earlier: Iterable[CastBallot],
) -> Admission:
    """All three rules for one new ballot, in the order a refusal is explained.

    ``earlier`` are the voter's ballots already cast (challenged ones excluded). Raises
    :class:`ScheduleError`, :class:`EligibilityError` or :class:`DuplicateBallotError`.
    """
    day = check_location_open(manifest, location_id, t)
    location = manifest.location_by_id[location_id]
    entry = check_eligible(roll, voter, location.region_id)
    mine = [b for b in earlier if b.voter == voter and b.region_id == location.region_id]
    return Admission(location, day, entry, check_may_cast(mine, location.kind))
