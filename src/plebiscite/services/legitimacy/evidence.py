"""What an evaluator returns and what it reads (``docs/legitimacy.md``, "Statuses").

A :class:`Verdict` is a status, the evidence in words, and the **keys** that show it: manifest
key paths (``facts.sovereignty.occupied``, ``days``) or board entries (``board entry 17``). The
keys are what "one fact counts once" compares, and what the report resolves to provenance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.services.legitimacy.home import HomeBallots
from plebiscite.services.paper.filing import Finding, PaperRecord


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class Verdict:
    status: Status
    evidence: str
    keys: tuple[str, ...] = ()


def verdict(status: Status, evidence: str, *keys: str) -> Verdict:
    return Verdict(status, evidence, tuple(keys))


def entries(indexes: Iterable[int], limit: int = 8) -> tuple[str, ...]:
    """Board entries as keys (the first few; the evidence gives the count)."""
    return tuple(f"board entry {i}" for i in sorted(set(indexes))[:limit])


@dataclass
class Subject:
    """What the evaluators read, worked out once."""

    manifest: Manifest
    record: PaperRecord | None
    findings: list[Finding]
    home: HomeBallots | None = None  # door-to-door ballots and applications, from the board

    def flag(self, key: str) -> bool | None:
        """A fact of ``facts.KEY``."""
        return self.manifest.facts.flag(key)

    def failing(self, kinds: set[str], ids: set[str]) -> list[Finding]:
        return [
            f for f in self.findings if f.kind in kinds and f.check.id in ids and not f.check.ok
        ]

    def checked(self, kinds: set[str], ids: set[str]) -> int:
        return len(
            {(f.subject, f.index) for f in self.findings if f.kind in kinds and f.check.id in ids}
        )

    def has(self, kind: LocationKind) -> bool:
        return any(loc.kind is kind for loc in self.manifest.locations)

    def open_days(self, kind: LocationKind) -> dict[str, set[dt.date]]:
        """Per precinct, the days a location of ``kind`` is open."""
        days: dict[str, set[dt.date]] = {p.id: set() for p in self.manifest.precincts}
        for location in self.manifest.locations:
            if location.kind is kind:
                for start, _ in self.manifest.open_spans(location):
                    days[location.precinct_id].add(start.date())
        return days

    def sample_note(self, *keys: str) -> str:
        """Says so when counts come from an illustrative or hypothetical part of the manifest."""
        kinds = set()
        for key in keys:
            provenance = self.manifest.provenance_of(key)
            if provenance is not None and provenance.kind != "reported":
                kinds.add(provenance.kind)
        if not kinds:
            return ""
        return f" (counts from the manifest's {' and '.join(sorted(kinds))} sample)"


def dates(days: Iterable[dt.date]) -> str:
    return ", ".join(d.isoformat() for d in sorted(days)) or "no day"


def listing(findings: list[Finding], limit: int = 5) -> str:
    shown = [f"{f.check.id} {f.subject}: {f.check.message}" for f in findings[:limit]]
    more = f"; and {len(findings) - limit} more" if len(findings) > limit else ""
    return "; ".join(shown) + more


def from_record(s: Subject, kind: str, ids: set[str], what: str, none: str) -> Verdict:
    """Fail on any failing check ``ids`` on records of ``kind`` (several kinds joined by
    ``+``); pass if such records were checked; else unknown."""
    if s.record is None:
        return verdict(Status.UNKNOWN, f"only a manifest was read: {none}")
    kinds = set(kind.split("+"))
    bad = s.failing(kinds, ids)
    checked = s.checked(kinds, ids)
    if bad:
        return verdict(
            Status.FAIL,
            f"{len(bad)} failing check(s) over {checked} {what}: {listing(bad)}",
            *entries(f.index for f in bad),
        )
    if checked:
        return verdict(
            Status.PASS, f"{checked} {what} checked ({', '.join(sorted(ids))}); none fails"
        )
    return verdict(Status.UNKNOWN, f"the record holds no {what}: {none}")


def unknown(why: str) -> Verdict:
    return verdict(Status.UNKNOWN, why)


__all__ = ["Status", "Subject", "Verdict", "from_record", "verdict"]
