"""The normalised manifest document and its hash (``docs/manifest.md``, section "The hash").

:func:`manifest_document` writes a :class:`Manifest` back in the file format's JSON form with
every choice made one way: id-keyed collections sorted by id, days by date, kinds and region
lists sorted, every optional key present (``null`` when absent), a window's regions always
listed. Two files that mean the same manifest give the same document, and so the same
:func:`canonical_manifest` bytes and the same :func:`manifest_hash`.

``manifest_hash = SHA-512(encode("plebiscite-v2", "manifest", canonical_json(document)))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plebiscite.crypto.hashing import canonical_json, hash_bytes
from plebiscite.domain.manifest import Hours, Location, Manifest, Question, VotingDay
from plebiscite.domain.manifest_facts import facts_document, provenance_document

MANIFEST_HASH_TAG = "manifest"


def _hours(hours: Hours) -> dict[str, str]:
    return {"opens": f"{hours.opens:%H:%M}", "closes": f"{hours.closes:%H:%M}"}


def _name(name: str, names: Mapping[str, str]) -> str | dict[str, str]:
    """A name as the file gave it: one string, or one per language (a manifest that names
    its territory in one string hashes as it always has)."""
    return dict(names) if names else name


def _question(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "text": dict(q.text),
        "explanation": dict(q.explanation),
        "options": [{"id": o.id, "label": dict(o.label)} for o in q.options],
        "allow_blank": q.allow_blank,
    }


def _location(loc: Location) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": loc.id,
        "precinct": loc.precinct_id,
        "kind": loc.kind.value,
        "address": loc.address,
        "hours": None if loc.hours is None else str(loc.hours),
    }
    if loc.custody_hours is not None:  # absent unless set: older manifests hash as before
        out["custody_hours"] = loc.custody_hours
    return out


def _day(day: VotingDay) -> dict[str, Any]:
    return {
        "date": day.date.isoformat(),
        "windows": [
            {
                "kinds": sorted(k.value for k in w.kinds),
                **_hours(w.hours),
                "regions": sorted(w.regions),
            }
            for w in day.windows
        ],
    }


def manifest_document(m: Manifest) -> dict[str, Any]:
    """The normalised JSON form; :func:`parse_manifest_json` reads it back to an equal value."""
    document = _document(m)
    if m.home_voting_by_application is not None:  # absent unless set: hashes stay as they were
        document["referendum"]["home_voting_by_application"] = m.home_voting_by_application
    if m.trustees.observers:  # likewise
        document["trustees"]["observers"] = [
            {"id": o.id, "name": o.name, "public_key": o.public_key} for o in m.trustees.observers
        ]
    return document


def _document(m: Manifest) -> dict[str, Any]:
    return {
        "referendum": {
            "id": m.id,
            "title": _name(m.title, m.titles),
            "protocol_version": m.protocol_version,
            "time_zone": m.time_zone,
            "effect": m.effect,
            "languages": list(m.languages),
            "small_cell_threshold": m.small_cell_threshold,
            "legal_basis": {
                "act": m.legal_basis.act,
                "enacted": m.legal_basis.enacted.isoformat(),
                "called": m.legal_basis.called.isoformat(),
            },
            "quorum": {
                "turnout_min_percent": m.quorum.turnout_min_percent,
                "approval_min_percent": m.quorum.approval_min_percent,
            },
        },
        "trustees": {
            "n": m.trustees.n,
            "k": m.trustees.k,
            "complaint_window_minutes": m.trustees.complaint_window_minutes,
            "head_cosignatures": m.trustees.head_cosignatures,
            "members": [
                {
                    "id": t.id,
                    "name": t.name,
                    "nominated_by": t.nominated_by,
                    "independent_of_authority": t.independent_of_authority,
                }
                for t in m.trustees.members
            ],
        },
        "regions": [
            {
                "id": r.id,
                "name": _name(r.name, r.names),
                "questions": [_question(q) for q in r.questions],
            }
            for r in m.regions
        ],
        "districts": [
            {"id": d.id, "region": d.region_id, "name": _name(d.name, d.names)} for d in m.districts
        ],
        "precincts": [
            {
                "id": p.id,
                "district": p.district_id,
                "name": _name(p.name, p.names),
                "registered_voters": p.registered_voters,
            }
            for p in m.precincts
        ],
        "locations": [_location(loc) for loc in m.locations],
        "days": [_day(day) for day in m.days],
        "context": {
            "independent_observers_admitted": m.context.independent_observers_admitted,
            "observers_note": m.context.observers_note,
            "emergencies": [
                {
                    "kind": e.kind,
                    "regions": sorted(e.regions),
                    "start": e.start.isoformat(),
                    "end": None if e.end is None else e.end.isoformat(),
                    "declared_by": e.declared_by,
                    "source": e.source,
                }
                for e in m.context.emergencies
            ],
            "notes": list(m.context.notes),
        },
        "facts": facts_document(m.facts),
        "provenance": provenance_document(m.provenance),
    }


def canonical_manifest(m: Manifest) -> bytes:
    """The canonical JSON bytes of the normalised document (what the record publishes)."""
    return canonical_json(manifest_document(m))


def manifest_hash(m: Manifest) -> bytes:
    """The manifest's 64-byte hash; bound into every later hash of the election."""
    return hash_bytes(MANIFEST_HASH_TAG, canonical_manifest(m))
