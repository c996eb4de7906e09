"""Reader for NIST SP 1500-100 version 2 election results (JSON).

NIST (2019-2022). *Election Results Common Data Format Specification*, SP 1500-100 rev. 2,
doi:10.6028/NIST.SP.1500-100r2; the JSON schema in usnistgov/ElectionResultsReporting.

A file may report a unit and the units that compose it (a region, its districts and its
precincts): only the *lowest published* units are read, those with vote counts in the contest
that contain no smaller unit with counts (containment is by the leaf units reached through
``ComposingGpUnitIds``), so no voter is counted twice.  Options are the contest's
``ContestSelection`` entries (ballot-measure ``Selection`` text or the candidates' ballot
names), counts of ``Type`` "total" (or the sum of the other types when there is no total).

Several contests: with ``contest`` one is read.  Otherwise the first ballot measure (else the
first contest) is read together with every later contest that has the same options and covers
other units (a question per region, as plebiscite publishes): each contest's units then take the
contest's district as their region, so the per-region analysis is each question on its own and
the national one all of them together.  Contests left out are listed with the reason in
``info["contests_left_out"]``.  Counts by channel (``VoteCounts`` of a type other than total:
``election-day``, ``early``, ``other`` ...) are kept in ``info["breakdown"]``.

Ballots found are the unit's ``BallotCounts.BallotsCast``; invalid are the contest's
``OtherCounts`` overvotes plus undervotes; voters on the list and participants come from the
unit's ``VotersRegistered`` / ``VotersParticipated`` when every unit publishes them.  The files
are per-jurisdiction and small, so the JSON is read whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics.readers._common import Progress
from plebiscite.services.forensics.table import IntArray, StationTable

Json = Mapping[str, Any]


def _text(value: Any) -> str:
    """The first language string of an InternationalizedText, or a plain string."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        texts = value.get("Text") or []
        if texts and isinstance(texts[0], Mapping):
            return str(texts[0].get("Content", "")).strip()
    return ""


def _count(value: Any, *, path: Path, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise DataFormatError(f"{path}: {where}: {value!r} is not a whole number")
    if value < 0:
        raise DataFormatError(f"{path}: {where}: negative count {value!r}")
    return int(value)


def _list(value: Any, where: str, path: Path) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataFormatError(f"{path}: {where}: expected a list, found {type(value).__name__}")
    return value


def looks_like_nist(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    with path.open("rb") as f:
        head = f.read(4096).decode("utf-8", "replace")
    return "ElectionResults." in head or '"Election"' in head


@dataclass
class _Contest:
    id: str
    name: str
    district: str
    options: tuple[str, ...]
    totals: dict[str, list[int]]  # unit -> votes per option
    by_type: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)
    election: Json = field(default_factory=dict)


class _Tree:
    """Leaf sets of the reporting units, through ``ComposingGpUnitIds``."""

    def __init__(self, units: dict[str, Json]) -> None:
        self.units = units
        self._leaves: dict[str, frozenset[str]] = {}
        self._nodes: dict[str, frozenset[str]] = {}

    def leaves(self, uid: str) -> frozenset[str]:
        return self._walk(uid, frozenset())[0]

    def _walk(self, uid: str, seen: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        """(leaf units, every unit) below ``uid``, itself included."""
        if uid in self._leaves:
            return self._leaves[uid], self._nodes[uid]
        parts = [str(p) for p in (self.units.get(uid, {}).get("ComposingGpUnitIds") or [])]
        if not parts or uid in seen:
            leaves, nodes = frozenset({uid}), frozenset({uid})
        else:
            below = [self._walk(p, seen | {uid}) for p in parts]
            leaves = frozenset().union(*(b[0] for b in below))
            nodes = frozenset({uid}).union(*(b[1] for b in below))
        self._leaves[uid], self._nodes[uid] = leaves, nodes
        return leaves, nodes

    def below(self, uid: str) -> frozenset[str]:
        return self._walk(uid, frozenset())[1]

    def lowest(self, counted: list[str]) -> list[str]:
        """The counted units that contain no other counted unit (a unit made of one part
        contains that part)."""
        by_leaf: dict[str, list[str]] = {}
        for u in counted:
            for leaf in self.leaves(u):
                by_leaf.setdefault(leaf, []).append(u)
        dropped: set[str] = set()
        for v in counted:
            mine = self.leaves(v)
            for u in by_leaf[next(iter(mine))]:
                if u != v and (mine < self.leaves(u) or v in self.below(u)):
                    dropped.add(u)
        return [u for u in counted if u not in dropped]


def _load(path: Path, progress: Progress | None) -> Json:
    size = path.stat().st_size
    try:
        with path.open("rb") as f:
            doc = json.load(f)
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            f"{path}: line {exc.lineno}, column {exc.colno}: not JSON ({exc.msg})"
        ) from None
    except UnicodeDecodeError:
        raise DataFormatError(f"{path}: not UTF-8 JSON") from None
    except RecursionError:
        raise DataFormatError(f"{path}: JSON nested too deeply") from None
    if progress is not None:
        progress(size, size)
    if not isinstance(doc, Mapping) or "Election" not in doc:
        raise DataFormatError(f"{path}: not a NIST SP 1500-100 ElectionReport (no 'Election')")
    return doc


def read_nist_err(
    path: Path,
    *,
    contest: str | None = None,
    region_column: str | None = None,
    progress: Progress | None = None,
) -> StationTable:
    """Read a NIST SP 1500-100 v2 JSON results file (see the module docstring)."""
    doc = _load(path, progress)
    try:
        return _read(doc, path, contest, region_column)
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
        raise DataFormatError(
            f"{path}: not a NIST results file of the expected shape ({type(exc).__name__}: "
            f"{exc})"
        ) from None


def _parse_contest(election: Json, con: Json, candidates: dict[str, str], path: Path) -> _Contest:
    cid = str(con.get("@id", "?"))
    options: list[str] = []
    totals: dict[str, list[int]] = {}
    others: dict[str, list[int]] = {}
    by_type: dict[tuple[str, str], list[int]] = {}
    selections = _list(con.get("ContestSelection"), f"Contest {cid}, ContestSelection", path)
    n = len(selections)
    for s_i, sel in enumerate(selections):
        name = _text(sel.get("Selection")) or " & ".join(
            candidates.get(str(x), str(x)) for x in sel.get("CandidateIds", [])
        )
        options.append(name or str(sel.get("@id", f"selection {s_i + 1}")))
        where_sel = f"Contest {cid}, ContestSelection[{s_i}], VoteCounts"
        for v_i, vc in enumerate(_list(sel.get("VoteCounts"), where_sel, path)):
            where = f"{where_sel}[{v_i}], Count"
            unit = str(vc.get("GpUnitId", ""))
            k = _count(vc.get("Count"), path=path, where=where)
            kind = str(vc.get("Type", "total"))
            if kind == "total":
                totals.setdefault(unit, [0] * n)[s_i] += k
            else:
                others.setdefault(unit, [0] * n)[s_i] += k
                label = str(vc.get("OtherType") or kind) if kind == "other" else kind
                by_type.setdefault((unit, label), [0] * n)[s_i] += k
    if not options:
        raise DataFormatError(f"{path}: Contest {cid}: no ContestSelection")
    for unit, counts in others.items():
        totals.setdefault(unit, counts)
    invalid: dict[str, int] = {}
    for o_i, oc in enumerate(_list(con.get("OtherCounts"), f"Contest {cid}, OtherCounts", path)):
        unit = str(oc.get("GpUnitId", ""))
        for key in ("Overvotes", "Undervotes"):
            if key in oc:
                where = f"Contest {cid}, OtherCounts[{o_i}], {key}"
                invalid[unit] = invalid.get(unit, 0) + _count(oc[key], path=path, where=where)
    return _Contest(
        id=cid,
        name=_text(con.get("Name")) or cid,
        district=str(con.get("ElectionDistrictId", "")),
        options=tuple(options),
        totals=totals,
        by_type=by_type,
        invalid=invalid,
        election=election,
    )


def _read(doc: Json, path: Path, contest: str | None, region_column: str | None) -> StationTable:
    units: dict[str, Json] = {
        str(g["@id"]): g
        for g in _list(doc.get("GpUnit"), "GpUnit", path)
        if isinstance(g, Mapping) and "@id" in g
    }
    tree = _Tree(units)
    elections = [e for e in _list(doc["Election"], "Election", path) if isinstance(e, Mapping)]
    candidates = {
        str(c["@id"]): _text(c.get("BallotName"))
        for e in elections
        for c in _list(e.get("Candidate"), "Candidate", path)
        if isinstance(c, Mapping) and "@id" in c
    }
    raw = [
        (e, c)
        for e in elections
        for c in _list(e.get("Contest"), "Election[].Contest", path)
        if isinstance(c, Mapping)
    ]
    if not raw:
        raise DataFormatError(f"{path}: Election[].Contest: no contests")
    if contest is not None:
        picked = [(e, c) for e, c in raw if c.get("@id") == contest]
        if not picked:
            ids = ", ".join(str(c.get("@id")) for _, c in raw[:10])
            raise DataFormatError(f"{path}: Contest {contest!r}: no such contest (have {ids})")
        raw = picked
    measures = [i for i, (_, c) in enumerate(raw) if "BallotMeasure" in str(c.get("@type", ""))]
    first = measures[0] if measures else 0
    order = [first, *(i for i in range(len(raw)) if i != first)]
    contests = [_parse_contest(raw[i][0], raw[i][1], candidates, path) for i in order]

    chosen: list[tuple[_Contest, list[str]]] = []
    covered: set[str] = set()
    left_out: list[dict[str, str]] = []
    for con in contests:
        counted = [u for u in con.totals if u]
        unknown = [u for u in counted if u not in units]
        if unknown:
            raise DataFormatError(
                f"{path}: Contest {con.id}, VoteCounts, GpUnitId: {unknown[0]!r} is no GpUnit"
            )
        lowest = sorted(tree.lowest(counted), key=_natural)
        leaves = set().union(*(tree.leaves(u) for u in lowest)) if lowest else set()
        if chosen and con.options != chosen[0][0].options:
            left_out.append({"contest": con.id, "reason": "other options"})
        elif leaves & covered:
            left_out.append(
                {"contest": con.id, "reason": "the same units as a contest read (--contest ID)"}
            )
        else:
            chosen.append((con, lowest))
            covered |= leaves
    together = len(chosen) > 1
    unit_ids: list[str] = []
    regions: list[str] = []
    votes_rows: list[list[int]] = []
    invalid_rows: list[int] = []
    seen_invalid = False
    election = chosen[0][0].election
    scope = str(election.get("ElectionScopeId", ""))
    default_region = _text(units.get(scope, {}).get("Name")) or scope or "all"
    parent_of = _parents(units, region_column, path) if region_column else {}
    for con, lowest in chosen:
        district = _text(units.get(con.district, {}).get("Name")) or con.name
        for u in lowest:
            unit_ids.append(u)
            votes_rows.append(con.totals[u])
            seen_invalid |= u in con.invalid
            invalid_rows.append(con.invalid.get(u, 0))
            if region_column:
                inside = [parent_of[x] for x in (u, *sorted(tree.leaves(u))) if x in parent_of]
                regions.append(inside[0] if inside else default_region)
            else:
                regions.append(district if together else default_region)
    options = chosen[0][0].options
    lines: dict[str, IntArray] = {}
    columns: dict[str, str] = {}
    if seen_invalid:
        lines["invalid"] = np.asarray(invalid_rows, dtype=np.int64)
        columns["invalid"] = "OtherCounts.Overvotes + OtherCounts.Undervotes"
    cast: dict[str, int] = {}
    for e in elections:
        for b_i, bc in enumerate(_list(e.get("BallotCounts"), "BallotCounts", path)):
            unit = str(bc.get("GpUnitId", ""))
            if "BallotsCast" in bc and bc.get("Type", "total") == "total":
                where = f"BallotCounts[{b_i}], BallotsCast"
                cast[unit] = _count(bc["BallotsCast"], path=path, where=where)
    if unit_ids and all(u in cast for u in unit_ids):
        lines["found"] = np.asarray([cast[u] for u in unit_ids], dtype=np.int64)
        columns["found"] = "BallotCounts.BallotsCast"
    for fld, line in (("VotersRegistered", "registered"), ("VotersParticipated", "issued")):
        if unit_ids and all(fld in units[u] for u in unit_ids):
            lines[line] = np.asarray(
                [_count(units[u][fld], path=path, where=f"GpUnit {u}, {fld}") for u in unit_ids],
                dtype=np.int64,
            )
            columns[line] = f"GpUnit.{fld}"
    breakdown = [
        {
            "contest": con.id,
            "unit": _text(units.get(unit, {}).get("Name")) or unit,
            "channel": label,
            "votes": dict(zip(con.options, counts, strict=True)),
        }
        for con, _ in chosen
        for (unit, label), counts in con.by_type.items()
    ]
    names = [_text(units[u].get("Name")) or u for u in unit_ids]
    n = len(unit_ids)
    return StationTable(
        source=f"{path}#{chosen[0][0].id}" if not together else str(path),
        unit_ids=np.asarray(names, dtype=np.str_),
        regions=np.asarray(regions, dtype=np.str_),
        source_rows=np.arange(1, n + 1, dtype=np.int64),
        options=options,
        votes=np.asarray(votes_rows, dtype=np.int64).reshape(n, len(options)),
        lines=lines,
        columns=columns,
        info={
            "contests": [con.id for con, _ in chosen],
            "contests_left_out": left_out,
            "units_at": "the lowest published level (no unit read together with its parts)",
            "breakdown": breakdown,
        },
    )


def _parents(units: dict[str, Json], region_column: str, path: Path) -> dict[str, str]:
    parents = [g for g in units.values() if g.get("Type") == region_column]
    if not parents:
        types = sorted({str(g.get("Type")) for g in units.values()})
        raise DataFormatError(
            f"{path}: GpUnit Type {region_column!r}: no such reporting units "
            f"(types: {', '.join(types)})"
        )
    out: dict[str, str] = {}
    for g in parents:
        for child in g.get("ComposingGpUnitIds") or []:
            out.setdefault(str(child), _text(g.get("Name")) or str(g["@id"]))
    return out


def _natural(key: str) -> tuple[tuple[int, str], ...]:
    """Sort 'prec-2-1' before 'prec-10-1'."""
    return tuple(
        (int(part), "") if part.isdigit() else (0, part) for part in re.split(r"(\d+)", key)
    )
