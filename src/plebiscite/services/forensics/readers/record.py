"""Reader for a plebiscite election record: ``results.json`` and ``manifest.json`` of its folder.

The results publish, per region and question, cells at five levels (region, district, precinct,
channel, voting day), small cells merged under the small-cell rule (``docs/tally.md`` section
2).  Forensics needs units that partition the voters, so only the *lowest published* cells are
read: every precinct cell (a precinct on its own, or the "other" cell merging a district's small
precincts); a district's cell where none of its precincts is published on its own; and, if the
cells read do not add up to the region's total, one "rest of region" unit holding the
difference (anyone can compute it from the published figures).  Never a cell and its parent.

Each region's question is one contest: the table holds every region's first question together
when they have the same option ids (each region is then a region of the analysis, that is, each
question on its own), else the first region's question only.  Ballots found are the cell's
ballots (blank ones included); voters on the list are published per region only, so the tests
that need turnout per unit are skipped, and say so.  The channel and day cells of each region go
into ``info["breakdown"]``: ballots and votes per channel and per voting day.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from plebiscite.errors import DataFormatError
from plebiscite.services.forensics.table import StationTable

CHANNELS = {
    "regular_station": "regular station",
    "makeshift_station": "makeshift station",
    "mobile_team": "door to door",
    "door_to_door": "door to door",
}


def looks_like_record(path: Path) -> bool:
    return path.is_dir() and (path / "results.json").is_file()


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFormatError(f"{path}: no such file (is this an election record?)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            f"{path}: line {exc.lineno}, column {exc.colno}: not JSON ({exc.msg})"
        ) from None


def read_record(folder: Path) -> StationTable:
    """Read the results of the election record in ``folder``."""
    if not folder.is_dir():
        raise DataFormatError(f"{folder}: not a folder (--format record reads an election record)")
    results = _load(folder / "results.json")
    manifest = _load(folder / "manifest.json")
    try:
        return _read(folder, results, manifest.get("manifest", manifest))
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
        raise DataFormatError(
            f"{folder / 'results.json'}: not plebiscite results of the expected shape "
            f"({type(exc).__name__}: {exc})"
        ) from None


def _cell_votes(cell: dict[str, Any], question: str, options: tuple[str, ...]) -> list[int]:
    q = next(x for x in cell["questions"] if x["question"] == question)
    return [int(q["options"].get(o, 0)) for o in options]


def _read(folder: Path, results: dict[str, Any], manifest: dict[str, Any]) -> StationTable:
    district_of = {str(p["id"]): str(p["district"]) for p in manifest.get("precincts", [])}
    regions = results["regions"]
    if not regions:
        raise DataFormatError(f"{folder / 'results.json'}: no regions")

    def first_question(region: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        q = region["questions"][0]
        return str(q["question"]), tuple(str(o) for o in q["options"])

    options = first_question(regions[0])[1]
    used = [r for r in regions if first_question(r)[1] == options]
    left_out = [
        {"contest": f"{r['region']}: {first_question(r)[0]}", "reason": "other options"}
        for r in regions
        if first_question(r)[1] != options
    ]
    for r in regions:
        for q in r["questions"][1:]:
            left_out.append(
                {
                    "contest": f"{r['region']}: {q['question']}",
                    "reason": "a region's later question",
                }
            )
    units: list[str] = []
    unit_region: list[str] = []
    votes: list[list[int]] = []
    found: list[int] = []
    breakdown: list[dict[str, Any]] = []
    for region in used:
        question, _ = first_question(region)
        name = str(region.get("name", region["region"]))
        cells = region["cells"]
        precinct_cells = [c for c in cells if c["level"] == "precinct"]
        covered = {district_of.get(u, "") for c in precinct_cells for u in c["units"]}
        chosen = precinct_cells + [
            c for c in cells if c["level"] == "district" and not covered.intersection(c["units"])
        ]
        for c in chosen:
            units.append(_label(c))
            unit_region.append(name)
            votes.append(_cell_votes(c, question, options))
            found.append(int(c["ballots"]))
        total_votes = [int(region["questions"][0]["options"][o]) for o in options]
        rest_votes = [
            t - sum(v[i] for v in votes[len(votes) - len(chosen) :])
            for i, t in enumerate(total_votes)
        ]
        rest_found = int(region["ballots"]) - sum(found[len(found) - len(chosen) :])
        if rest_found > 0 or any(rest_votes):
            units.append(f"rest of {name}")
            unit_region.append(name)
            votes.append(rest_votes)
            found.append(rest_found)
        for c in cells:
            if c["level"] in ("channel", "day"):
                label = (
                    " + ".join(CHANNELS.get(u, u) for u in c["units"])
                    if c["level"] == "channel"
                    else "day " + " + ".join(c["units"])
                )
                breakdown.append(
                    {
                        "contest": f"{region['region']}: {question}",
                        "unit": name,
                        "level": c["level"],
                        "channel": label,
                        "ballots": int(c["ballots"]),
                        "votes": dict(zip(options, _cell_votes(c, question, options), strict=True)),
                    }
                )
    n = len(units)
    vote_array = np.asarray(votes, dtype=np.int64).reshape(n, len(options))
    if (vote_array < 0).any():
        raise DataFormatError(
            f"{folder / 'results.json'}: a region's published cells add up to more than its total"
        )
    return StationTable(
        source=str(folder),
        unit_ids=np.asarray(units, dtype=np.str_),
        regions=np.asarray(unit_region, dtype=np.str_),
        source_rows=np.arange(1, n + 1, dtype=np.int64),
        options=options,
        votes=vote_array,
        lines={"found": np.asarray(found, dtype=np.int64)},
        columns={"found": "cells[].ballots"},
        info={
            "contests": [f"{r['region']}: {first_question(r)[0]}" for r in used],
            "contests_left_out": left_out,
            "units_at": "the lowest published cells (no cell read together with its parent)",
            "breakdown": breakdown,
            "registered_by_region": {
                str(r.get("name", r["region"])): int(r["registered"]) for r in used
            },
        },
    )


def _label(cell: dict[str, Any]) -> str:
    units = ", ".join(cell["units"])
    if "other@" in cell["id"]:
        return f"{cell['level']}s merged in {cell['id'].split('@')[-1]}: {units}"
    return f"{cell['level']} {units}"
