"""Facts about a referendum's circumstances, and where each fact comes from (``docs/manifest.md``,
section "Facts and provenance").

The legitimacy report (``docs/legitimacy.md``) decides its deciding conditions from these: who
holds the territory and whether the state concerned consents, armed presence at voting,
displaced voters and polling abroad, registration on voting day, the campaign and the "No" side,
the options and the rules of the count. Every fact is optional: an absent fact (``None``) leaves
the conditions that need it ``unknown``; it never passes them.

``[[provenance]]`` entries say where facts come from: ``reported`` (with a source and a date),
``illustrative`` (made up to show the shape, such as a sample of precincts) or ``hypothetical``
(what would have been needed, such as trustees the real vote never had). An entry names key
paths; the longest one that is a prefix of a key path at a ``.`` or ``[`` boundary applies.

The file models (pydantic) and the frozen values live together here so that the manifest's own
modules only hook them in; no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ProvenanceKind = Literal["reported", "illustrative", "hypothetical"]
EffectSource = Literal["constitution", "law", "decision"]

_FLAG = "true, false, or absent when not known"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _flag(description: str) -> Any:
    return Field(default=None, description=f"{description} ({_FLAG})")


class SovereigntyFile(_Model):
    state_concerned: str | None = Field(
        default=None, min_length=1, description="the state whose territory the vote is held on"
    )
    organised_by_state_concerned: bool | None = _flag("called and run by that state's authorities")
    state_consents: bool | None = _flag("the state concerned consents to the vote")
    constitutional_basis: bool | None = _flag(
        "the constitution of the state concerned allows this vote"
    )
    status_question: bool | None = _flag("a question changes the territory's status")
    negotiations_held: bool | None = _flag("serious negotiations among all stakeholders first")
    occupied: bool | None = _flag("the territory is under belligerent occupation")
    occupying_state: str | None = Field(default=None, min_length=1)
    declared_invalid_by: list[str] = Field(
        default=[], description="acts of international bodies declaring the vote without validity"
    )


class ArmedPresenceFile(_Model):
    at_stations: bool | None = _flag("armed or uniformed persons at polling stations")
    with_mobile_teams: bool | None = _flag("armed persons accompany the door-to-door teams")


class DisplacedFile(_Model):
    displaced_can_vote: bool | None = _flag("voters displaced inside the country can vote")
    abroad_can_vote: bool | None = _flag("voters abroad can vote")
    polling_in_other_state: bool | None = _flag("polling stations on another state's territory")
    other_state: str | None = Field(default=None, min_length=1)


class RegistrationFile(_Model):
    station_registers_on_voting_day: bool | None = _flag(
        "polling stations add voters to the list on voting day, without a prior decision"
    )


class CampaignFile(_Model):
    no_side_campaigned: bool | None = _flag("the 'No' side could campaign freely")
    no_side_observers: bool | None = _flag("the 'No' side had observers at voting and counting")
    media_free: bool | None = _flag("media and networks worked without shutdowns or detentions")


class RulesFile(_Model):
    options_set_in_advance: bool | None = _flag("the options were settled before the call")
    majority_rule_set_in_advance: bool | None = _flag("the majority needed was set beforehand")
    effect_set_by: EffectSource | None = Field(
        default=None, description="what sets the result's effect: constitution, law or decision"
    )
    question_issues: dict[str, list[str]] = Field(
        default={}, description="question id -> the distinct issues the one answer decides"
    )


class VotingFile(_Model):
    makeshift_booths: bool | None = _flag("makeshift stations have booths")


class FactsFile(_Model):
    sovereignty: SovereigntyFile = SovereigntyFile()
    armed_presence: ArmedPresenceFile = ArmedPresenceFile()
    displaced: DisplacedFile = DisplacedFile()
    registration: RegistrationFile = RegistrationFile()
    campaign: CampaignFile = CampaignFile()
    rules: RulesFile = RulesFile()
    voting: VotingFile = VotingFile()


class ProvenanceFile(_Model):
    keys: list[str] = Field(description="key paths of the manifest this entry covers")
    kind: ProvenanceKind
    source: str = Field(default="", description="who reported it, and where; needed if reported")
    date: dt.date | None = Field(default=None, description="when; needed if reported")
    note: str = ""


# --- the values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """The facts section as read; each value ``None`` (or empty) when the manifest is silent.

    ``values`` maps the key path under ``facts.`` (``sovereignty.occupied``) to its value.
    """

    values: Mapping[str, Any] = field(default_factory=dict)

    def flag(self, key: str) -> bool | None:
        value = self.values.get(key)
        return value if isinstance(value, bool) else None

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key)
        return tuple(value) if isinstance(value, tuple) else ()

    def issues(self) -> Mapping[str, tuple[str, ...]]:
        value = self.values.get("rules.question_issues")
        return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class Provenance:
    keys: tuple[str, ...]
    kind: str
    source: str
    date: dt.date | None
    note: str

    def __str__(self) -> str:
        if self.kind == "reported":
            when = f", {self.date.isoformat()}" if self.date else ""
            return f"reported: {self.source}{when}{f' ({self.note})' if self.note else ''}"
        return f"{self.kind}{': ' + self.note if self.note else ''}"


def _covers(prefix: str, key: str) -> bool:
    return key == prefix or (key.startswith(prefix) and key[len(prefix)] in ".[")


def provenance_of(entries: Iterable[Provenance], key: str) -> Provenance | None:
    """The entry whose longest key is a prefix of ``key``, or ``None``."""
    best: tuple[int, Provenance] | None = None
    for entry in entries:
        for prefix in entry.keys:
            if _covers(prefix, key) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), entry)
    return None if best is None else best[1]


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return {k: tuple(v) for k, v in sorted(value.items())}
    return value


def build_facts(model: FactsFile) -> Facts:
    values: dict[str, Any] = {}
    for section, data in model.model_dump().items():
        for name, value in data.items():
            values[f"{section}.{name}"] = _freeze(value)
    return Facts(values)


def build_provenance(models: Iterable[ProvenanceFile]) -> tuple[Provenance, ...]:
    return tuple(Provenance(tuple(p.keys), p.kind, p.source, p.date, p.note) for p in models)


def facts_document(facts: Facts) -> dict[str, Any]:
    """The facts section with every key written (``null`` or empty when absent)."""
    out: dict[str, dict[str, Any]] = {}
    for section, data in FactsFile().model_dump().items():
        out[section] = {}
        for name in data:
            value = facts.values.get(f"{section}.{name}")
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = {k: list(v) for k, v in sorted(value.items())}
            out[section][name] = value
    return out


def provenance_document(entries: Iterable[Provenance]) -> list[dict[str, Any]]:
    return [
        {
            "keys": list(p.keys),
            "kind": p.kind,
            "source": p.source,
            "date": None if p.date is None else p.date.isoformat(),
            "note": p.note,
        }
        for p in entries
    ]


# --- checks ----------------------------------------------------------------------------------


def _resolves(data: Any, key: str) -> bool:
    """Whether ``key`` (``a.b[2].c``) names something present in ``data``."""
    node = data
    for part in key.replace("[", ".[").split("."):
        if not part:
            return False
        if part.startswith("["):
            if not (part.endswith("]") and part[1:-1].isdigit() and isinstance(node, list)):
                return False
            index = int(part[1:-1])
            if index >= len(node):
                return False
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return node is not None and node not in ([], {})


def check_facts(
    facts: FactsFile,
    provenance: list[ProvenanceFile],
    question_ids: set[str],
    data: Mapping[str, Any],
) -> Iterable[tuple[str, str]]:
    """Problems as (key path, what is wrong); ``data`` is the whole file as plain values."""
    for question_id in facts.rules.question_issues:
        path = f"facts.rules.question_issues.{question_id}"
        if question_id not in question_ids:
            yield path, f"no question has the id {question_id!r}"
        elif not facts.rules.question_issues[question_id]:
            yield path, "an empty list of issues (omit the question instead)"
    seen: set[str] = set()
    for i, entry in enumerate(provenance):
        path = f"provenance[{i}]"
        if not entry.keys:
            yield f"{path}.keys", "no key paths"
        if entry.kind == "reported" and (not entry.source.strip() or entry.date is None):
            yield path, "a reported fact needs its source and date"
        for j, key in enumerate(entry.keys):
            if key in seen:
                yield f"{path}.keys[{j}]", f"{key!r} already has a provenance"
            seen.add(key)
            if not _resolves(data, key):
                yield f"{path}.keys[{j}]", f"{key!r} names nothing the manifest states"
