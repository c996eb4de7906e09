"""Reader for NIST SP 1500-100 version 2 election results (JSON).

NIST (2019-2022). *Election Results Common Data Format Specification*, SP 1500-100 rev. 2,
doi:10.6028/NIST.SP.1500-100r2; the JSON schema in usnistgov/ElectionResultsReporting.

One contest becomes one table: a row per reporting unit that has vote counts in it (usually the
precincts), the options are its ``ContestSelection`` entries (ballot-measure ``Selection`` text
or the candidates' ballot names), counts of ``Type`` "total" (or the sum of the other types when
there is no total).  Ballots found are the unit's ``BallotCounts.BallotsCast``; invalid are the
contest's ``OtherCounts`` overvotes plus undervotes; voters on the list and participants come
from the unit's ``VotersRegistered`` / ``VotersParticipated`` when published.  The default
contest is the first ballot measure (a referendum), else the first contest.  Regions are the
reporting units of the type named by ``region_column`` (e.g. ``congressional``) that compose a
unit; by default the election's scope unit.  The files are per-jurisdiction and small, so the
JSON is read whole.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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


def looks_like_nist(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    with path.open("rb") as f:
        head = f.read(4096).decode("utf-8", "replace")
    return "ElectionResults." in head or '"Election"' in head


def read_nist_err(
    path: Path,
    *,
    contest: str | None = None,
    region_column: str | None = None,
    progress: Progress | None = None,
) -> StationTable:
    """Read one contest of a NIST SP 1500-100 v2 JSON results file."""
    size = path.stat().st_size
    try:
        with path.open("rb") as f:
            doc = json.load(f)
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            f"{path}: line {exc.lineno}, column {exc.colno}: not JSON ({exc.msg})"
        ) from None
    if progress is not None:
        progress(size, size)
    if not isinstance(doc, Mapping) or "Election" not in doc:
        raise DataFormatError(f"{path}: not a NIST SP 1500-100 ElectionReport (no 'Election')")
    units: dict[str, Json] = {
        str(g["@id"]): g for g in doc.get("GpUnit", []) if isinstance(g, Mapping) and "@id" in g
    }
    elections = doc["Election"]
    all_contests = [
        (e, c) for e in elections for c in e.get("Contest", []) if isinstance(c, Mapping)
    ]
    if not all_contests:
        raise DataFormatError(f"{path}: Election[].Contest: no contests")
    if contest is not None:
        chosen = [(e, c) for e, c in all_contests if c.get("@id") == contest]
        if not chosen:
            ids = ", ".join(str(c.get("@id")) for _, c in all_contests[:10])
            raise DataFormatError(f"{path}: Contest {contest!r}: no such contest (have {ids})")
        election, con = chosen[0]
    else:
        measures = [(e, c) for e, c in all_contests if "BallotMeasure" in str(c.get("@type", ""))]
        election, con = (measures or all_contests)[0]
    cid = str(con.get("@id", "?"))

    candidates = {
        str(c["@id"]): _text(c.get("BallotName"))
        for e in elections
        for c in e.get("Candidate", [])
        if isinstance(c, Mapping) and "@id" in c
    }
    options: list[str] = []
    per_option: list[dict[str, int]] = []
    for s_i, sel in enumerate(con.get("ContestSelection", [])):
        name = _text(sel.get("Selection")) or " & ".join(
            candidates.get(str(x), str(x)) for x in sel.get("CandidateIds", [])
        )
        options.append(name or str(sel.get("@id", f"selection {s_i + 1}")))
        counts: dict[str, int] = {}
        totals: dict[str, int] = {}
        for v_i, vc in enumerate(sel.get("VoteCounts", [])):
            where = f"Contest {cid}, ContestSelection[{s_i}], VoteCounts[{v_i}], Count"
            unit = str(vc.get("GpUnitId", ""))
            n = _count(vc.get("Count"), path=path, where=where)
            if vc.get("Type") == "total":
                totals[unit] = totals.get(unit, 0) + n
            else:
                counts[unit] = counts.get(unit, 0) + n
        per_option.append(totals or counts)
    if not options:
        raise DataFormatError(f"{path}: Contest {cid}: no ContestSelection")
    unit_ids = sorted({u for d in per_option for u in d}, key=_natural)
    unknown = [u for u in unit_ids if u not in units]
    if unknown:
        raise DataFormatError(
            f"{path}: Contest {cid}, VoteCounts, GpUnitId: {unknown[0]!r} is no GpUnit"
        )
    votes = np.array([[d.get(u, 0) for d in per_option] for u in unit_ids], dtype=np.int64)

    lines: dict[str, IntArray] = {}
    columns: dict[str, str] = {}
    invalid = {u: 0 for u in unit_ids}
    seen_other = False
    for o_i, oc in enumerate(con.get("OtherCounts", [])):
        unit = str(oc.get("GpUnitId", ""))
        for key in ("Overvotes", "Undervotes"):
            if key in oc and unit in invalid:
                where = f"Contest {cid}, OtherCounts[{o_i}], {key}"
                invalid[unit] += _count(oc[key], path=path, where=where)
                seen_other = True
    if seen_other:
        lines["invalid"] = np.array([invalid[u] for u in unit_ids], dtype=np.int64)
        columns["invalid"] = "OtherCounts.Overvotes + OtherCounts.Undervotes"
    cast: dict[str, int] = {}
    for b_i, bc in enumerate(election.get("BallotCounts", [])):
        unit = str(bc.get("GpUnitId", ""))
        if "BallotsCast" in bc and bc.get("Type", "total") == "total":
            where = f"BallotCounts[{b_i}], BallotsCast"
            cast[unit] = _count(bc["BallotsCast"], path=path, where=where)
    if unit_ids and all(u in cast for u in unit_ids):
        lines["found"] = np.array([cast[u] for u in unit_ids], dtype=np.int64)
        columns["found"] = "BallotCounts.BallotsCast"
    for field, line in (("VotersRegistered", "registered"), ("VotersParticipated", "issued")):
        if unit_ids and all(field in units[u] for u in unit_ids):
            lines[line] = np.array(
                [
                    _count(units[u][field], path=path, where=f"GpUnit {u}, {field}")
                    for u in unit_ids
                ],
                dtype=np.int64,
            )
            columns[line] = f"GpUnit.{field}"

    scope = str(election.get("ElectionScopeId", ""))
    default_region = _text(units.get(scope, {}).get("Name")) or scope or "all"
    region_of = {u: default_region for u in unit_ids}
    if region_column:
        parents = [g for g in units.values() if g.get("Type") == region_column]
        if not parents:
            types = sorted({str(g.get("Type")) for g in units.values()})
            raise DataFormatError(
                f"{path}: GpUnit Type {region_column!r}: no such reporting units "
                f"(types: {', '.join(types)})"
            )
        for g in parents:
            for child in g.get("ComposingGpUnitIds", []):
                if child in region_of:
                    region_of[str(child)] = _text(g.get("Name")) or str(g["@id"])
    names = [_text(units[u].get("Name")) or u for u in unit_ids]
    return StationTable(
        source=f"{path}#{cid}",
        unit_ids=np.asarray(names, dtype=np.str_),
        regions=np.asarray([region_of[u] for u in unit_ids], dtype=np.str_),
        source_rows=np.arange(1, len(unit_ids) + 1, dtype=np.int64),
        options=tuple(options),
        votes=votes.reshape(len(unit_ids), len(options)),
        lines=lines,
        columns=columns,
    )


def _natural(key: str) -> tuple[tuple[int, str], ...]:
    """Sort 'prec-2-1' before 'prec-10-1'."""
    import re

    return tuple(
        (int(part), "") if part.isdigit() else (0, part) for part in re.split(r"(\d+)", key)
    )
