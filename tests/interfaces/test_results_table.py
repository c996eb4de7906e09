"""The results page's precinct table is a hierarchy: each district, then its precincts, and a
district whose precincts were merged away says so instead of showing nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plebiscite.interfaces.pages.public import territorial_rows
from plebiscite.services.election.setup import load_manifest

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
M = load_manifest(SEED)


def cell(level: str, cell_id: str, units: list[str], ballots: int) -> dict[str, Any]:
    return {
        "id": cell_id,
        "level": level,
        "units": units,
        "ballots": ballots,
        "questions": [{"options": {"yes": ballots, "no": 0}}],
    }


def test_districts_then_their_precincts_and_merged_ones_named() -> None:
    region = M.regions[0].id
    districts = [d for d in M.districts if d.region_id == region]
    d1, d2 = districts[0], districts[1]
    p1 = [p for p in M.precincts if p.district_id == d1.id]
    cells = [
        cell("district", f"district:{region}:{d1.id}", [d1.id], 40),
        cell("district", f"district:{region}:{d2.id}", [d2.id], 25),
        cell("precinct", f"precinct:{region}:{p1[0].id}", [p1[0].id], 30),
        cell("precinct", f"precinct:{region}:other@{d1.id}", [p.id for p in p1[1:]], 10),
    ]
    questions = [{"options": [{"id": "yes"}, {"id": "no"}]}]
    rows = territorial_rows(M, cells, questions, "en")
    assert [(r["level"], r["depth"]) for r in rows] == [
        ("district", 0),
        ("precinct", 1),
        ("precinct", 1),
        ("district", 0),
        ("note", 1),
    ]
    assert rows[1]["name"] == p1[0].name and not rows[1]["merged"]
    assert rows[2]["merged"] and rows[3]["name"] == d2.name
    assert "not published one by one" in rows[4]["name"]
