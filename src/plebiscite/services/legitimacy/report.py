"""Evaluate every condition, count each fact once, and lead with a verdict
(``docs/legitimacy.md``, "The verdict" and "One fact counts once").

A failing condition whose keys all lie within the keys of one failing condition counted before
it (graver tier first, then the order of :data:`SPECS`) **repeats** that one: it is shown, with
the id it repeats, and left out of the count. P3 and P9 when no observer was admitted repeat P2;
SH1 repeats CX3 when both rest on the armed escort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from plebiscite.domain.manifest import Manifest
from plebiscite.services.legitimacy import rules_campaign as k
from plebiscite.services.legitimacy import rules_context as c
from plebiscite.services.legitimacy import rules_voting as v
from plebiscite.services.legitimacy.conditions import SPECS, Tier
from plebiscite.services.legitimacy.evidence import (
    Status,
    Subject,
    Verdict,
    from_record,
    unknown,
    verdict,
)
from plebiscite.services.legitimacy.home import HomeBallots
from plebiscite.services.legitimacy.sources import Citation
from plebiscite.services.paper.filing import PaperRecord, paper_findings

NA = Status.NOT_APPLICABLE


@dataclass(frozen=True)
class Condition:
    """One condition evaluated: status, evidence, the keys that show it and where they come from."""

    id: str
    tier: Tier
    theme: str
    title: str
    status: Status
    evidence: str
    citations: tuple[Citation, ...]
    keys: tuple[str, ...]
    provenance: tuple[tuple[str, str], ...]  # (key, where it comes from)
    repeats: str | None = None  # the counted condition that rests on the same fact

    @property
    def source(self) -> str:
        return "; ".join(str(citation) for citation in self.citations)

    @property
    def counted(self) -> bool:
        return self.status is Status.FAIL and self.repeats is None


@dataclass(frozen=True)
class Summary:
    tier: Tier | None  # the gravest tier with a counted failure
    headline: str
    failing: tuple[str, ...]  # the counted failures of that tier


@dataclass(frozen=True)
class Report:
    referendum_id: str
    title: str
    subject: str  # what was read: a manifest file, a record directory or a board
    paper_events: int | None  # None: only a manifest was read
    conditions: tuple[Condition, ...]

    def status_of(self, condition_id: str) -> Status:
        return self.condition(condition_id).status

    def condition(self, condition_id: str) -> Condition:
        for found in self.conditions:
            if found.id == condition_id:
                return found
        raise KeyError(condition_id)

    def ids(self, status: Status) -> list[str]:
        return [found.id for found in self.conditions if found.status is status]

    def in_tier(self, tier: Tier) -> list[Condition]:
        return [found for found in self.conditions if found.tier is tier]

    @property
    def summary(self) -> Summary:
        return summarise(self.conditions)


_HEADLINES = {
    Tier.VOID: "Invalid whatever the procedure: a condition of the first tier fails",
    Tier.FUNDAMENTAL: "Fundamentally flawed: the vote was not free, equal, universal or secret, "
    "or its count cannot be trusted",
    Tier.PROCEDURAL: "Procedural defects: rules of good practice were broken",
    Tier.ADVISORY: "Only advisory points fail",
}


def summarise(conditions: tuple[Condition, ...]) -> Summary:
    for tier in Tier:
        failing = tuple(found.id for found in conditions if found.tier is tier and found.counted)
        if failing:
            return Summary(tier, _HEADLINES[tier], failing)
    open_ = tuple(
        found.id
        for found in conditions
        if found.tier <= Tier.FUNDAMENTAL and found.status is Status.UNKNOWN
    )
    if open_:
        return Summary(
            None, "Not established: no condition fails, but graver ones are unknown", open_
        )
    return Summary(None, "No defect found in what the manifest and record show", ())


_EVALUATORS: dict[str, Callable[[Subject], Verdict]] = {
    "TI1": c.ti1,
    "OC1": c.oc1,
    "LB1": c.lb1,
    "CX1": c.cx1,
    "LB5": c.lb5,
    "CX2": c.cx2,
    "CX3": c.cx3,
    "SH1": c.sh1,
    "FM1": k.fm1,
    "DV1": k.dv1,
    "RG1": k.rg1,
    "NS1": k.ns1,
    "U1": lambda s: unknown("the franchise rules are not recorded"),
    "U2": lambda s: unknown("register versions and their correction procedure are not recorded"),
    "E1": lambda s: c.observed("voter_list_marked", set())(s)
    or unknown("no observer report says whether each voter signed the list"),
    "E2": k.e2,
    "E3": lambda s: unknown("neutrality of the authorities is not recorded"),
    "F1": k.f1,
    "LB4": k.lb4,
    "F5": v.f5,
    "F9": v.f9,
    "F10": lambda s: from_record(
        s, "protocol", {"K1", "K2", "K3", "W1"}, "precinct protocols", "no count to compare"
    ),
    "S1": v.s1,
    "P1": lambda s: unknown("the composition of the commissions is not recorded"),
    "P2": v.observers_admitted,
    "P5": v.p5,
    "LB2": k.lb2,
    "LB3": k.lb3,
    "F2": lambda s: unknown("no review of the question is recorded"),
    "F3": k.f3,
    "F4": lambda s: unknown("not something the manifest or record can show"),
    "F6": lambda s: verdict(NA, "the manifest has no postal channel", "locations"),
    "F7": lambda s: verdict(NA, "the manifest has no remote e-voting channel", "locations"),
    "F8": lambda s: verdict(NA, "the manifest has no proxy voting", "locations"),
    "F11": lambda s: unknown("invalidity reasons per ballot are not recorded"),
    "F12": lambda s: from_record(
        s, "protocol", {"W3"}, "precinct protocols", "no ballot accounting to check"
    ),
    "F13": v.f13,
    "F14": lambda s: unknown("where military personnel voted is not recorded"),
    "S2": lambda s: unknown(
        "plebiscite publishes pseudonyms and aggregates only; other lists unknown"
    ),
    "P3": v.p3,
    "P4": lambda s: unknown("observation of the authorities' neutrality is not recorded"),
    "P6": lambda s: unknown("campaign funding is not recorded"),
    "P8": lambda s: unknown("needs the published official results to compare"),
    "P9": v.observers_admitted,
    "OM1": k.om1,
    "Q3": k.q3,
    "M1": v.m1,
    "M2": v.mobile({"T1"}, "no team to check"),
    "M3": v.mobile({"T2", "T6"}, "no trip to check"),
    "M4": v.mobile({"T4"}, "no seals to check"),
    "M5": v.mobile({"T3"}, "no mobile box to check"),
    "M6": v.m6,
    "D1": v.d1,
    "D2": v.d2,
    "D3": v.d3,
    "Q1": k.q1,
    "Q2": k.q2,
    "P7": v.p7,
}


def _provenance(manifest: Manifest, keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for key in keys:
        if key.startswith("board entry"):
            continue
        found = manifest.provenance_of(key)
        out.append((key, str(found) if found is not None else "provenance not stated"))
    return tuple(out)


def _count_once(conditions: list[Condition]) -> list[Condition]:
    """Mark the failures that repeat a fact already counted (see the module docstring)."""
    order = sorted(range(len(conditions)), key=lambda i: conditions[i].tier)
    counted: list[Condition] = []
    out = list(conditions)
    for i in order:
        found = conditions[i]
        if found.status is not Status.FAIL or not found.keys:
            continue
        same = next((k for k in counted if set(found.keys) <= set(k.keys)), None)
        if same is None:
            counted.append(found)
        else:
            out[i] = replace(found, repeats=same.id)
    return out


def evaluate(
    manifest: Manifest,
    record: PaperRecord | None = None,
    subject: str = "",
    home: HomeBallots | None = None,
) -> Report:
    """Every condition, from the manifest and (if given) the board's paper record and its
    door-to-door ballots against the roll's home-voting applications (``home``)."""
    findings = [] if record is None else paper_findings(manifest, record)
    facts = Subject(manifest, record, findings, home)
    conditions = []
    for spec in SPECS:
        result = _EVALUATORS[spec.id](facts)
        conditions.append(
            Condition(
                spec.id,
                spec.tier,
                spec.theme,
                spec.title,
                result.status,
                result.evidence,
                spec.citations,
                result.keys,
                _provenance(manifest, result.keys),
            )
        )
    events = None
    if record is not None:
        events = len(record.protocols) + len(record.trips) + len(record.acts)
        events += len(record.reports) + len(record.complaints)
    return Report(manifest.id, manifest.title, subject, events, tuple(_count_once(conditions)))


__all__ = ["Condition", "Report", "Summary", "evaluate", "summarise"]
