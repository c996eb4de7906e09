"""The referendum manifest as frozen dataclasses (``docs/manifest.md``).

A :class:`Manifest` is only ever built by :mod:`plebiscite.domain.manifest_load`, which has
checked every rule in ``docs/manifest.md``; code that holds one may rely on them (every
reference resolves, ids are unique, windows are non-empty and do not overlap, k <= n).

Collections keyed by id (regions, districts, precincts, locations) are sorted by id and days by
date, so a manifest's value does not depend on the order its file lists them in. Trustees,
questions and options keep the file's order: it is meaningful (trustee index, ballot order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

from plebiscite.domain.manifest_facts import Facts, Provenance, provenance_of

PROTOCOL_VERSION = "plebiscite-v2"


class LocationKind(StrEnum):
    """The three kinds of voting place; also the channel a ballot arrives through."""

    REGULAR_STATION = "regular_station"
    MAKESHIFT_STATION = "makeshift_station"
    MOBILE_TEAM = "mobile_team"

    @property
    def is_booth(self) -> bool:
        """A station (regular or makeshift) has a booth; a mobile team goes door to door."""
        return self is not LocationKind.MOBILE_TEAM


@dataclass(frozen=True)
class LegalBasis:
    act: str
    enacted: dt.date
    called: dt.date


@dataclass(frozen=True)
class Quorum:
    turnout_min_percent: int | None = None
    approval_min_percent: int | None = None


@dataclass(frozen=True)
class Trustee:
    index: int  # 1-based, the trustee's x-coordinate in the threshold scheme
    id: str
    name: str
    nominated_by: str
    independent_of_authority: bool


@dataclass(frozen=True)
class Observer:
    """A party other than the trustees that witnesses the board: it cosigns heads with the key
    the manifest names (``docs/board.md`` section 8). Its witness number is ``n + position``."""

    id: str
    name: str
    public_key: str  # Ed25519, 32 bytes, lowercase hex


@dataclass(frozen=True)
class Trustees:
    k: int
    members: tuple[Trustee, ...]
    #: How long an accused dealer may answer a complaint (``docs/ceremony.md``).
    complaint_window_minutes: int = 60
    #: How many witnesses (trustees and observers) must cosign the final board head.
    head_cosignatures: int = 0
    #: Observers who witness the board beside the trustees (witnesses n+1, n+2, ...).
    observers: tuple[Observer, ...] = ()

    @property
    def n(self) -> int:
        return len(self.members)

    def observer_witness(self, observer_id: str) -> int:
        """The witness number of the observer ``observer_id``."""
        for position, observer in enumerate(self.observers, start=1):
            if observer.id == observer_id:
                return self.n + position
        known = ", ".join(o.id for o in self.observers) or "none"
        raise KeyError(f"no observer {observer_id!r} in the manifest (observers: {known})")


@dataclass(frozen=True)
class Option:
    id: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    text: Mapping[str, str]
    explanation: Mapping[str, str]
    options: tuple[Option, ...]
    allow_blank: bool

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(option.id for option in self.options)


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    questions: tuple[Question, ...]
    #: The name in each language when the manifest gives one per language, else empty (then
    #: ``name`` serves every language); ``name`` is the English one, else the first language's.
    names: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class District:
    id: str
    region_id: str
    name: str
    names: Mapping[str, str] = field(default_factory=dict, hash=False)  # as Region.names


@dataclass(frozen=True)
class Precinct:
    id: str
    district_id: str
    region_id: str
    name: str
    registered_voters: int
    names: Mapping[str, str] = field(default_factory=dict, hash=False)  # as Region.names


@dataclass(frozen=True)
class Hours:
    """A daily span of local time, ``opens`` < ``closes`` (never across midnight)."""

    opens: dt.time
    closes: dt.time

    def __str__(self) -> str:
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"


@dataclass(frozen=True)
class Location:
    id: str
    precinct_id: str
    region_id: str
    kind: LocationKind
    address: str
    hours: Hours | None
    #: How long a mobile team may hold offline ballots before syncing (``docs/devices.md``);
    #: None: the default of ``domain/offline.py``.
    custody_hours: int | None = None


@dataclass(frozen=True)
class Window:
    """On one day, the location kinds open in the listed regions, and when."""

    kinds: frozenset[LocationKind]
    hours: Hours
    regions: frozenset[str]

    def covers(self, kind: LocationKind, region_id: str) -> bool:
        return kind in self.kinds and region_id in self.regions


@dataclass(frozen=True)
class VotingDay:
    number: int  # 1-based, in date order
    date: dt.date
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class Emergency:
    kind: str  # "martial_law" or "state_of_emergency"
    regions: frozenset[str]
    start: dt.date
    end: dt.date | None
    declared_by: str
    source: str

    def in_force_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Context:
    independent_observers_admitted: bool
    observers_note: str
    emergencies: tuple[Emergency, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    id: str
    title: str
    protocol_version: str
    time_zone: str
    effect: str  # "binding" or "consultative"
    languages: tuple[str, ...]
    small_cell_threshold: int
    legal_basis: LegalBasis
    quorum: Quorum
    trustees: Trustees
    regions: tuple[Region, ...]
    districts: tuple[District, ...]
    precincts: tuple[Precinct, ...]
    locations: tuple[Location, ...]
    days: tuple[VotingDay, ...]
    context: Context
    #: The title in each language, or empty when one ``title`` serves every language.
    titles: Mapping[str, str] = field(default_factory=dict, hash=False)
    facts: Facts = field(default_factory=Facts)  # docs/manifest.md, "Facts and provenance"
    #: None (absent: required) or False: may a mobile team take a ballot from a voter who did
    #: not apply to vote at home?
    home_voting_by_application: bool | None = None
    provenance: tuple[Provenance, ...] = ()

    @property
    def home_applications_required(self) -> bool:
        """Does a door-to-door ballot need the voter's application (the default)?"""
        return self.home_voting_by_application is not False

    def provenance_of(self, key: str) -> Provenance | None:
        """Where the fact at key path ``key`` comes from, if the manifest says."""
        return provenance_of(self.provenance, key)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @cached_property
    def region_by_id(self) -> Mapping[str, Region]:
        return {region.id: region for region in self.regions}

    @cached_property
    def district_by_id(self) -> Mapping[str, District]:
        return {district.id: district for district in self.districts}

    @cached_property
    def precinct_by_id(self) -> Mapping[str, Precinct]:
        return {precinct.id: precinct for precinct in self.precincts}

    @cached_property
    def location_by_id(self) -> Mapping[str, Location]:
        return {location.id: location for location in self.locations}

    def registered_voters(self, region_id: str | None = None) -> int:
        """Registered voters in one region, or in all of them."""
        return sum(
            p.registered_voters
            for p in self.precincts
            if region_id is None or p.region_id == region_id
        )

    def open_spans(self, location: Location) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        """Every span (timezone-aware, start inclusive, end exclusive) the location is open.

        A location is open where a window of the schedule opens its kind in its region, cut
        down to the location's own hours if it has any.
        """
        spans: list[tuple[dt.datetime, dt.datetime]] = []
        zone = self.zone
        for day in self.days:
            for window in day.windows:
                if not window.covers(location.kind, location.region_id):
                    continue
                opens, closes = window.hours.opens, window.hours.closes
                if location.hours is not None:
                    opens = max(opens, location.hours.opens)
                    closes = min(closes, location.hours.closes)
                if opens < closes:
                    spans.append(
                        (
                            dt.datetime.combine(day.date, opens, tzinfo=zone),
                            dt.datetime.combine(day.date, closes, tzinfo=zone),
                        )
                    )
        return tuple(sorted(spans))

    def emergencies_in(self, region_id: str) -> tuple[Emergency, ...]:
        """Emergencies declared for the region that were in force on any voting day."""
        return tuple(
            e
            for e in self.context.emergencies
            if region_id in e.regions and any(e.in_force_on(d.date) for d in self.days)
        )
