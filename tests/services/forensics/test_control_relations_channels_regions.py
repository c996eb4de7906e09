from __future__ import annotations

import dataclasses

import numpy as np

from plebiscite.services.forensics.channels import channel_outliers
from plebiscite.services.forensics.control_relations import control_relations
from plebiscite.services.forensics.regions import per_region
from plebiscite.services.forensics.synthetic import SyntheticElection, simulate_election
from plebiscite.services.forensics.table import StationTable


def _with_lines(table: StationTable, **changes: np.ndarray) -> StationTable:
    lines = dict(table.lines)
    lines.update(changes)
    return dataclasses.replace(table, lines=lines)


def test_clean_protocols_satisfy_every_relation(clean_election: SyntheticElection) -> None:
    cr = control_relations(clean_election.table)
    assert cr.checked == clean_election.table.n_units
    assert cr.failed == 0
    assert {r.id for r in cr.relations} >= {
        "issued_le_registered",
        "found_le_issued",
        "found_eq_valid_invalid",
        "valid_eq_options",
    }


def test_broken_protocols_are_findings_with_their_units(clean_election: SyntheticElection) -> None:
    t = clean_election.table
    found = t.line("found").copy()
    found[[5, 17]] += 3  # more ballots in the boxes than issued, and valid + invalid broken
    valid = t.line("valid").copy()
    valid[100] += 1  # valid no longer the sum of the options
    cr = control_relations(_with_lines(t, found=found, valid=valid))
    by_id = {r.id: r for r in cr.relations}
    assert by_id["found_le_issued"].failing_units.tolist() == [5, 17]
    assert by_id["valid_eq_options"].failing_units.tolist() == [100]
    assert set(by_id["found_eq_valid_invalid"].failing_units.tolist()) == {5, 17, 100}
    assert cr.failed == 3
    assert cr.failing_units.tolist() == [5, 17, 100]


def test_relations_without_their_lines_are_skipped(clean_election: SyntheticElection) -> None:
    t = clean_election.table
    cr = control_relations(dataclasses.replace(t, lines={"registered": t.line("registered")}))
    assert cr.relations == ()
    assert "found_le_issued" in cr.skipped


def test_mobile_box_outliers_are_found(clean_election: SyntheticElection) -> None:
    t = clean_election.table
    issued = t.line("issued")
    outside = t.line("issued_outside").copy()
    room = t.line("issued_in_room").copy()
    suspects = np.array([10, 200, 3000])
    moved = (0.8 * issued[suspects]).astype(np.int64) - outside[suspects]
    outside[suspects] += moved
    room[suspects] -= moved
    results = {
        c.channel: c
        for c in channel_outliers(_with_lines(t, issued_outside=outside, issued_in_room=room))
    }
    assert set(suspects.tolist()) <= set(results["issued_outside"].outliers.tolist())
    # Clean binomial channel shares stay inside 5 robust sd almost everywhere.
    clean = {c.channel: c for c in channel_outliers(t)}
    assert len(clean["issued_outside"].outliers) <= 5


def test_regions_with_fraud_rank_first() -> None:
    e = simulate_election(
        np.random.default_rng(41),
        20_000,
        n_regions=10,
        f_extreme=0.15,
        rounded=0.1,
        fraud_regions=(2, 7),
    )
    ranked = per_region(e.table)
    assert {ranked[0].region, ranked[1].region} == {"Region 03", "Region 08"}
    assert ranked[2].score < ranked[1].score / 2
    assert sum(r.n_units for r in ranked) == e.table.n_units
