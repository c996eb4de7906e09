"""The manifest's file format: pydantic models at the edge (``docs/manifest.md``).

These models say which keys exist and what type each value has; the published JSON Schema
(``docs/manifest.schema.json``) is generated from them. They reject unknown keys and wrong
types; everything that needs more than one value at a time (references, duplicates, windows,
the threshold) is checked in :mod:`plebiscite.domain.manifest_load`, which turns a valid file
into the frozen dataclasses of :mod:`plebiscite.domain.manifest`.

Strict mode: a TOML file gives dates as ``date`` objects, a JSON document as ISO strings;
nothing else is coerced (``"5"`` is not a number).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from plebiscite.domain.manifest_facts import FactsFile, ProvenanceFile

Id = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="lower-case letters, digits, '-' and '_', at most 64 characters",
    ),
]
Clock = Annotated[
    str,
    Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="a local time, HH:MM"),
]
HoursText = Annotated[
    str,
    Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="daily opening hours in local time, HH:MM-HH:MM",
    ),
]
Text = Annotated[
    dict[str, Annotated[str, Field(min_length=1)]],
    Field(description="one text per language of the referendum's `languages`"),
]
#: A title or a territory's name: one string for every language, or one text per language of
#: the referendum's ``languages`` (``docs/manifest.md``, "Names in every language").
Name = Annotated[str, Field(min_length=1)] | Text
Percent = Annotated[int, Field(ge=0, le=100)]
KindName = Literal["regular_station", "makeshift_station", "mobile_team"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LegalBasisFile(_Model):
    act: str = Field(min_length=1, description="the act that provides for the referendum")
    enacted: dt.date = Field(description="the date the act was enacted")
    called: dt.date = Field(description="the date the referendum was called")


class QuorumFile(_Model):
    turnout_min_percent: Percent | None = Field(
        default=None, description="minimum turnout, in percent of registered voters"
    )
    approval_min_percent: Percent | None = Field(
        default=None, description="minimum share of registered voters approving"
    )


class ReferendumFile(_Model):
    id: Id
    title: Name = Field(description="one string, or one text per language")
    protocol_version: str = Field(description="must be 'plebiscite-v2'")
    time_zone: str = Field(min_length=1, description="an IANA time zone, e.g. Europe/Moscow")
    effect: Literal["binding", "consultative"]
    languages: list[Id] = Field(description="languages every text is given in, e.g. uk, ru, en")
    small_cell_threshold: int = Field(
        ge=1, description="published subtotals with fewer ballots are merged into their parent"
    )
    legal_basis: LegalBasisFile
    quorum: QuorumFile = QuorumFile()
    home_voting_by_application: bool | None = Field(
        default=None,
        description=(
            "a door-to-door ballot only for a voter who applied to vote at home (the roll's "
            "home_voting); true when absent"
        ),
    )


class TrusteeFile(_Model):
    id: Id
    name: str = Field(min_length=1)
    nominated_by: str = Field(min_length=1, description="who nominated this trustee")
    independent_of_authority: bool = Field(
        description="true when the nominator is independent of the organising authority"
    )


class ObserverFile(_Model):
    id: Id
    name: str = Field(min_length=1)
    public_key: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="the observer's Ed25519 key for cosigning board heads, 64 lowercase hex",
    )


class TrusteesFile(_Model):
    n: int = Field(description="number of trustees")
    k: int = Field(description="how many trustees together can decrypt (threshold)")
    members: list[TrusteeFile] = Field(description="in order: member i has index i + 1")
    complaint_window_minutes: int = Field(
        60,
        ge=1,
        description="how long an accused dealer may answer a complaint in the key ceremony "
        "(docs/ceremony.md); the election key waits for it",
    )
    head_cosignatures: int = Field(
        0,
        ge=0,
        description="how many witnesses (trustees and observers) must cosign the final board "
        "head (docs/board.md section 8)",
    )
    observers: list[ObserverFile] = Field(
        default_factory=list,
        description="observers who witness the board beside the trustees: witness n+1, n+2, ...",
    )


class OptionFile(_Model):
    id: Id
    label: Text


class QuestionFile(_Model):
    id: Id
    text: Text
    explanation: Text
    options: list[OptionFile] = Field(description="in ballot order")
    allow_blank: bool = False


class RegionFile(_Model):
    id: Id
    name: Name = Field(description="one string, or one text per language")
    questions: list[QuestionFile] = Field(description="the region's referendum, in ballot order")


class DistrictFile(_Model):
    id: Id
    region: str = Field(description="id of a region")
    name: Name = Field(description="one string, or one text per language")


class PrecinctFile(_Model):
    id: Id
    district: str = Field(description="id of a district")
    name: Name = Field(description="one string, or one text per language")
    registered_voters: int = Field(ge=0)


class LocationFile(_Model):
    id: Id
    precinct: str = Field(description="id of a precinct")
    kind: KindName
    address: str = Field(min_length=1, description="an address, or the area a team covers")
    hours: HoursText | None = Field(
        default=None, description="the location's own hours; it is open within the schedule only"
    )
    custody_hours: int | None = Field(
        default=None,
        ge=1,
        le=720,
        description="hours a mobile team may hold offline ballots before syncing (default 36)",
    )


class WindowFile(_Model):
    kinds: list[KindName] = Field(description="location kinds open in this window")
    opens: Clock
    closes: Clock
    regions: list[str] | None = Field(
        default=None, description="region ids this window applies to; all regions if absent"
    )


class DayFile(_Model):
    date: dt.date
    windows: list[WindowFile]


class EmergencyFile(_Model):
    kind: Literal["martial_law", "state_of_emergency"]
    regions: list[str]
    start: dt.date
    end: dt.date | None = Field(default=None, description="absent while still in force")
    declared_by: str = Field(min_length=1)
    source: str = Field(min_length=1)


class ContextFile(_Model):
    independent_observers_admitted: bool
    observers_note: str = ""
    emergencies: list[EmergencyFile] = []
    notes: list[str] = []


class ManifestFile(_Model):
    """The whole manifest file (TOML, or its JSON form)."""

    referendum: ReferendumFile
    trustees: TrusteesFile
    regions: list[RegionFile]
    districts: list[DistrictFile]
    precincts: list[PrecinctFile]
    locations: list[LocationFile]
    days: list[DayFile]
    context: ContextFile
    facts: FactsFile = FactsFile()
    provenance: list[ProvenanceFile] = []


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema of the manifest's JSON form (published as ``docs/manifest.schema.json``)."""
    schema = ManifestFile.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "plebiscite referendum manifest"
    return schema
