"""The whole count: ceremony (3 of 5, one cheater), ballots, close, tally, decrypt, results."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from plebiscite.crypto.randomness import SeededRng
from plebiscite.domain.cells import published_cells
from plebiscite.domain.disclosure import find_opening
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.mixing import door_to_door_key
from plebiscite.domain.nist import build_report
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.errors import InputError, RuleError, ThresholdError
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import (
    load_election,
    publish_close,
    publish_manifest,
    publish_roll,
)
from plebiscite.services.simulation.synthetic import enrolment_events, synthetic_ballots
from plebiscite.services.tally.count import Waiting, combine, publish_tally, trustee_decrypt
from plebiscite.services.tally.mixing import run_local_mixing
from plebiscite.services.tally.nist import validate
from plebiscite.services.tally.results import ballot_dispositions, write_results

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))


@dataclass
class World:
    board: MemoryBoard
    trustees: list[TrusteeState]
    truth: dict[str, dict[str, int]] = field(default_factory=dict)
    ceremony: dict[str, object] = field(default_factory=dict)


def _cast(board: MemoryBoard, voters: int, seed: int) -> dict[str, dict[str, int]]:
    election = load_election(board)
    board.append_batch(enrolment_events(election.require_manifest()))
    truth: dict[str, dict[str, int]] = {}
    made = synthetic_ballots(election, voters, random.Random(seed), SeededRng(b"ballots"))
    for ballot in made:
        board.append_batch(ballot.events)
        region = truth.setdefault(ballot.region, {"yes": 0, "no": 0})
        region[ballot.choice] += 1
    return truth


@pytest.fixture(scope="module")
def world() -> World:
    board = MemoryBoard()
    publish_manifest(board, MANIFEST)
    digest = manifest_hash(MANIFEST)
    entries = generate_roll(MANIFEST, 400, random.Random(7))
    publish_roll(board, build_roll(MANIFEST, digest, entries, b"r" * 32))
    trustees = [TrusteeState.create(i, digest) for i in range(1, 6)]
    summary = run_local_ceremony(board, trustees, SeededRng(b"ceremony"), cheaters={2: [4]})
    truth = _cast(board, 240, 3)
    return World(board, trustees, truth, summary)


def test_cheating_dealer_is_disqualified(world: World) -> None:
    assert world.ceremony["qualified"] == [1, 3, 4, 5]
    assert "2" in world.ceremony["disqualified"]  # type: ignore[operator]
    with pytest.raises(ThresholdError, match="disqualified"):
        trustee_decrypt(world.board, world.trustees[1], SeededRng(b"x"))


@dataclass
class Counted:
    world: World
    not_closed_error: str
    waiting: Waiting | dict[str, Any]
    results: dict[str, Any]


@pytest.fixture(scope="module")
def counted(world: World) -> Counted:
    """Close, tally, decrypt with trustees 1 and 3, then 4 (5 is absent, 2 disqualified)."""
    board = world.board
    with pytest.raises(InputError, match="not closed") as refused:
        publish_tally(board)
    publish_close(board, dt.datetime(2022, 9, 27, 21, tzinfo=MANIFEST.zone))
    with pytest.raises(RuleError, match="not shuffled yet: run `tally mix`"):
        publish_tally(board)
    present = [world.trustees[i] for i in (0, 2, 3)]
    run_local_mixing(board, present, SeededRng(b"mixing"))
    publish_tally(board)
    rng = SeededRng(b"decrypt")
    trustee_decrypt(board, world.trustees[0], rng)
    trustee_decrypt(board, world.trustees[2], rng)
    waiting = combine(board)
    trustee_decrypt(board, world.trustees[3], rng)
    results = combine(board)
    assert not isinstance(results, Waiting)
    return Counted(world, str(refused.value), waiting, results)


def test_fewer_than_k_shares_is_a_waiting_state(counted: Counted) -> None:
    assert "not closed" in counted.not_closed_error
    assert isinstance(counted.waiting, Waiting)
    assert str(counted.waiting) == "waiting for trustees: have 2 of 3"


def test_results_equal_the_plaintext_count(counted: Counted) -> None:
    results = counted.results
    assert results["decrypted_by"] == [1, 3, 4]
    got = {r["region"]: r["questions"][0]["options"] for r in results["regions"] if r["ballots"]}
    assert got == counted.world.truth
    for region in results["regions"]:
        for cell in region["cells"]:
            assert cell["ballots"] >= MANIFEST.small_cell_threshold
            assert sum(cell["questions"][0]["options"].values()) == cell["ballots"]
    assert load_election(counted.world.board).closed_at is not None


def test_nist_report_is_valid(counted: Counted) -> None:
    generated = dt.datetime(2022, 9, 28, 9, tzinfo=dt.UTC)
    report = build_report(MANIFEST, counted.results, generated, is_test=True)
    assert validate(report) == []
    contest = report["Election"][0]["Contest"][0]
    region_count = contest["ContestSelection"][0]["VoteCounts"][0]
    region = counted.results["regions"][0]
    assert region_count["GpUnitId"] == f"ru-region-{region['region']}"
    assert region_count["Count"] == region["questions"][0]["options"]["yes"]
    # A dangling reference and a schema violation are both reported.
    contest["ElectionDistrictId"] = "ru-nowhere"
    report["Status"] = "final"
    problems = validate(report)
    assert any("ru-nowhere" in p for p in problems)
    assert any(p.startswith("Status:") for p in problems)


def test_small_cells_merge_so_no_subtraction_reveals_them() -> None:
    counts = {
        ("donetsk", "dn-0101", "regular_station", 5): 3,
        ("donetsk", "dn-0102", "regular_station", 5): 40,
        ("donetsk", "dn-0103", "regular_station", 5): 12,
    }
    cells = published_cells(MANIFEST, counts, threshold=10)
    precinct_cells = {c.id: c for c in cells if c.level == "precinct"}
    # dn-0101 alone is under the threshold: it shares an "other" cell with the next smallest.
    for cell in precinct_cells.values():
        assert sum(counts.get(k, 0) for k in cell.members) >= 10
    assert not any(c.units == ("dn-0101",) for c in precinct_cells.values())
    channel = {c.units: c for c in cells if c.level == "channel"}
    assert ("regular_station",) in channel


def test_results_files_and_charts(counted: Counted, tmp_path: Path) -> None:
    board = counted.world.board
    dispositions = ballot_dispositions(board.entries())
    assert dispositions == {"cast": 240, "challenged": 0, "superseded": 0, "counted": 240}
    paths = write_results(
        tmp_path,
        MANIFEST,
        counted.results,
        dispositions,
        generated=dt.datetime(2022, 9, 28, tzinfo=dt.UTC),
        is_test=True,
    )
    data = json.loads(paths["results"].read_text())
    donetsk = next(r for r in data["regions"] if r["region"] == "donetsk")
    yes, no = (donetsk["questions"][0]["options"][o] for o in ("yes", "no"))
    assert donetsk["questions"][0]["percent"]["yes"] == f"{100 * yes / (yes + no):.2f}"
    assert donetsk["turnout_percent"] == f"{100 * donetsk['ballots'] / donetsk['registered']:.2f}"
    assert validate(json.loads(paths["nist"].read_text())) == []
    png = paths["chart:donetsk"].read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5000


def test_precincts_of_a_merged_district_stay_unpublished() -> None:
    """A district pulled into the region's "other" cell must not be rebuilt from its precincts.

    Horlivka (5 ballots) is small; Donetsk (35) joins it to reach the threshold. Were Donetsk's
    precincts (20 and 15) published, Donetsk = 35 would follow, and Horlivka = other - 35 = 5.
    """
    counts = {
        ("donetsk", "dn-0101", "regular_station", 5): 20,
        ("donetsk", "dn-0102", "regular_station", 5): 15,
        ("donetsk", "dn-0301", "regular_station", 5): 5,
        ("donetsk", "dn-0201", "regular_station", 5): 60,
        ("donetsk", "dn-0202", "regular_station", 5): 40,
    }
    cells = published_cells(MANIFEST, counts, threshold=10)
    districts = {c.id: c.units for c in cells if c.level == "district"}
    assert districts == {
        "district:donetsk:dn-mariupol": ("dn-mariupol",),
        "district:donetsk:other@donetsk": ("dn-donetsk", "dn-horlivka"),
    }
    precincts = {u for c in cells if c.level == "precinct" for u in c.units}
    assert precincts == {"dn-0201", "dn-0202"}


@pytest.mark.parametrize("home", [15, 4])
def test_the_door_to_door_cell_is_at_region_level_and_no_subtraction_opens_it(home: int) -> None:
    """Kept home ballots are one base cell per region: in no district, precinct or day, so
    "region minus its days" is the door-to-door count; with 4 home ballots (under the
    threshold) the audit merges until no combination opens it."""
    d2d = door_to_door_key("donetsk")
    counts = {
        ("donetsk", "dn-0101", "regular_station", 5): 30,
        ("donetsk", "dn-0201", "makeshift_station", 1): 25,
        ("donetsk", "dn-0202", "makeshift_station", 2): 12,
        d2d: home,
    }
    cells = published_cells(MANIFEST, counts, threshold=10)
    for cell in cells:
        if d2d in cell.members:
            assert cell.level in ("region", "channel"), cell.id
    channels = {c.units: c for c in cells if c.level == "channel"}
    assert (("door_to_door",) in channels) == (home >= 10)
    assert find_opening([c.members for c in cells], counts, 10) is None
