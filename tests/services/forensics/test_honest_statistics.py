"""Minimum samples, one floored p-value, channel classes, Shpilkin's regional reference and
the national summary (issue 17, item 3), on synthetic tables."""

from __future__ import annotations

import numpy as np

from plebiscite.services.forensics import analyse
from plebiscite.services.forensics.channels import channel_outliers
from plebiscite.services.forensics.limits import MIN_UNITS, P_FLOOR, format_p
from plebiscite.services.forensics.regions import per_region
from plebiscite.services.forensics.synthetic import SyntheticElection, simulate_election
from plebiscite.services.forensics.table import StationTable


def _with(table: StationTable, **changes: object) -> StationTable:
    fields = {
        "source": table.source,
        "unit_ids": table.unit_ids,
        "regions": table.regions,
        "source_rows": table.source_rows,
        "options": table.options,
        "votes": table.votes,
        "lines": dict(table.lines),
        "columns": dict(table.columns),
    }
    fields.update(changes)
    return StationTable(**fields)  # type: ignore[arg-type]


def test_five_stations_give_no_numbers() -> None:
    t = simulate_election(np.random.default_rng(1), 5, n_regions=1).table
    report = analyse(t)
    for name in ("integer_percentages", "fingerprint", "shpilkin", "sobyanin"):
        test = report["tests"][name]
        assert test["status"] == "too few units"
        assert test["min_units"] == MIN_UNITS[name]
        assert "too few units" in report["readings"][name].lower()
    assert "excess" not in report["tests"]["integer_percentages"]


def test_the_fraud_fit_needs_a_thousand_stations(stuffed_election: SyntheticElection) -> None:
    small = stuffed_election.table.subset(np.arange(stuffed_election.table.n_units) < 300)
    fp = analyse(small)["tests"]["fingerprint"]
    assert fp["status"] == "ok" and fp["corner_units"] > 0
    assert fp["fit_status"] == "too few units" and "f_incremental" not in fp


def test_one_p_value_everywhere_with_the_floor(stuffed_election: SyntheticElection) -> None:
    report = analyse(stuffed_election.table)
    t = report["tests"]["integer_percentages"]
    assert report["p_floor"] == P_FLOOR
    assert t["p_value"] >= P_FLOOR
    shown = format_p(t["p_value"])
    assert f"p {shown}" in t["reading"] or f"p = {shown}" in t["reading"]
    for name in ("second_digit", "last_digit", "sobyanin"):
        p = report["tests"][name]["p_value"]
        assert p is None or p >= P_FLOOR


def test_stations_abroad_are_their_own_class() -> None:
    rng = np.random.default_rng(4)
    n_home, n_abroad = 600, 60
    n = n_home + n_abroad
    issued = rng.integers(400, 1500, n)
    early_share = np.concatenate([rng.uniform(0.0, 0.02, n_home), rng.uniform(0.4, 0.8, n_abroad)])
    early = np.round(issued * early_share).astype(np.int64)
    early[5] = issued[5] // 2  # one home station with half its ballots cast early
    regions = np.array(["Область А"] * n_home + ["Территория за пределами РФ"] * n_abroad)
    votes = np.stack([issued // 2, issued - issued // 2], axis=1).astype(np.int64)
    table = StationTable(
        source="t",
        unit_ids=np.array([f"u{i}" for i in range(n)]),
        regions=regions,
        source_rows=np.arange(2, n + 2),
        options=("a", "b"),
        votes=votes,
        lines={
            "registered": issued * 2,
            "issued": issued.astype(np.int64),
            "issued_early": early,
            "issued_in_room": issued - early,
        },
    )
    (early_result, _) = channel_outliers(table)
    flagged = set(early_result.outliers.tolist())
    assert 5 in flagged
    assert not flagged & set(range(n_home, n))  # abroad early voting is normal there
    assert early_result.abroad_units == n_abroad
    assert early_result.abroad_share is not None and early_result.abroad_share > 0.3
    assert np.all(np.abs(early_result.outlier_z) < 1e4)  # a defined scale, not a degenerate one


def test_no_region_gets_a_negative_shpilkin_estimate() -> None:
    rng = np.random.default_rng(6)
    clean = simulate_election(rng, 3_000, n_regions=3).table
    # a region where every station reports ~99 % turnout: its own peak is no clean mode
    k = 200
    reg = np.full(k, 1_000, dtype=np.int64)
    issued = np.full(k, 990, dtype=np.int64)
    lead = np.full(k, 900, dtype=np.int64)
    other = issued - lead
    stuffed = StationTable(
        source="t",
        unit_ids=np.array([f"s{i}" for i in range(k)]),
        regions=np.array(["Republic Z"] * k),
        source_rows=np.arange(k),
        options=clean.options,
        votes=np.stack([lead, other, np.zeros(k, np.int64)], axis=1),
        lines={
            "registered": reg,
            "issued": issued,
            "found": issued,
            "invalid": np.zeros(k, np.int64),
        },
    )
    both = StationTable(
        source="t",
        unit_ids=np.concatenate([clean.unit_ids, stuffed.unit_ids]),
        regions=np.concatenate([clean.regions, stuffed.regions]),
        source_rows=np.concatenate([clean.source_rows, stuffed.source_rows]),
        options=clean.options,
        votes=np.concatenate([clean.votes, stuffed.votes]),
        lines={
            name: np.concatenate([clean.line(name), stuffed.line(name)])
            for name in ("registered", "issued", "found", "invalid")
        },
    )
    report = analyse(both)
    regions = {r["region"]: r for r in report["regions"]}
    assert all(r["shpilkin_excess_votes"] >= 0 for r in regions.values())
    z = regions["Republic Z"]
    assert z["shpilkin_excess_votes"] > 50_000
    assert "reference ratio" in z["shpilkin_reference"]
    # without a national reference no region is estimated
    assert per_region(both)[0].shpilkin_excess_votes is None


def test_national_summary_adds_up(clean_election: SyntheticElection) -> None:
    t = clean_election.table
    nat = analyse(t)["national"]
    assert nat["registered"] == int(t.line("registered").sum())
    assert [o["votes"] for o in nat["options"]] == t.votes.sum(axis=0).tolist()
    assert abs(sum(o["share_of_valid"] for o in nat["options"]) - 1.0) < 1e-12
    assert nat["turnout"] == int(t.line("issued").sum()) / int(t.line("registered").sum())


def test_small_regions_get_no_integer_figure(clean_election: SyntheticElection) -> None:
    t = clean_election.table
    regions = t.regions.copy()
    regions[:20] = "Tiny"
    rows = {r.region: r for r in per_region(_with(t, regions=regions))}
    assert rows["Tiny"].integer_z is None and rows["Tiny"].integer_units < 100
