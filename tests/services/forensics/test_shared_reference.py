"""Published reference values reproduced from the real data in ../shared.

Reads ../shared/data (not shipped with plebiscite): marked ``shared_data`` and skipped when
absent.  Targets from ``../shared/reference/forensics-audits.md``: section 1.3 (integer
percentages, exact expectation), 1.4 (Shpilkin, Cedar notebook outputs), 1.5 (digit tests),
1.7 (Sobyanin slopes, corner counts), 1.8 and 4.3 (control relations).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from plebiscite.services.forensics import analyse, read_results

pytestmark = pytest.mark.shared_data

_CACHE: dict[str, dict[str, Any]] = {}


Locate = Callable[[str], Path]


def _report(shared_file: Locate, year: str) -> dict[str, Any]:
    if year not in _CACHE:
        table, fmt = read_results(shared_file(f"ru-elections/{year}.csv.zip"))
        _CACHE[year] = analyse(table, input_format=fmt)
    return _CACHE[year]


REFERENCE = {
    # n, observed either/leader/turnout, expected either/leader/turnout, excess, z
    "2011": (86_718, (17_803, 9_708, 9_216), (16_800.4, 8_941.5, 8_767.2), 1_002.6, 8.7),
    "2012": (87_623, (18_025, 9_662, 9_476), (16_864.0, 8_924.5, 8_842.1), 1_161.0, 10.1),
}


@pytest.mark.parametrize("year", ["2011", "2012"])
def test_integer_percentages_reproduce_kobak(shared_file: Locate, year: str) -> None:
    t = _report(shared_file, year)["tests"]["integer_percentages"]
    n, observed, expected, excess, z = REFERENCE[year]
    assert t["n_units"] == n
    assert (t["observed"], t["observed_leader"], t["observed_turnout"]) == observed
    got = (t["expected"], t["expected_leader"], t["expected_turnout"])
    assert [round(x, 1) for x in got] == list(expected)
    assert round(t["excess"], 1) == excess
    assert round(t["z"], 1) == z


@pytest.mark.parametrize(
    ("year", "units", "unit_share", "vote_share"),
    [("2011", 3_114, 3.27, 5.74), ("2012", 3_141, 3.29, 4.13)],
)
def test_fingerprint_corner(
    shared_file: Locate, year: str, units: int, unit_share: float, vote_share: float
) -> None:
    t = _report(shared_file, year)["tests"]["fingerprint"]
    assert t["corner_units"] == units
    assert round(100 * t["corner_unit_share"], 2) == unit_share
    assert round(100 * t["corner_leader_vote_share"], 2) == vote_share


@pytest.mark.parametrize(
    ("year", "slope", "others"), [("2011", 1.134, -0.133), ("2012", 1.102, -0.102)]
)
def test_sobyanin_slopes(shared_file: Locate, year: str, slope: float, others: float) -> None:
    t = _report(shared_file, year)["tests"]["sobyanin"]
    assert round(t["slope"], 3) == slope
    assert round(t["others_slope"], 3) == others


@pytest.mark.parametrize(
    ("year", "excess", "share"), [("2011", 14.93e6, 0.463), ("2012", 11.18e6, 0.246)]
)
def test_shpilkin_is_close_to_cedar(
    shared_file: Locate, year: str, excess: float, share: float
) -> None:
    # Cedar picks the clean peak by a two-Gaussian fit; we take the argmax of the others'
    # votes.  Both years give the same peak bin and agree within 1 % of the votes.
    t = _report(shared_file, year)["tests"]["shpilkin"]
    assert abs(t["excess_votes"] - excess) / excess < 0.01
    assert abs(t["excess_share"] - share) < 0.003


def test_digit_tests_2012(shared_file: Locate) -> None:
    tests = _report(shared_file, "2012")["tests"]
    second, last = tests["second_digit"], tests["last_digit"]
    assert second["n_counts"] == 94_937
    assert round(second["mean"], 4) == 4.2059
    assert round(second["chi2"], 1) == 67.5
    assert round(last["mean"], 4) == 4.4836
    assert round(last["c05"], 4) == 0.2026
    assert round(last["chi2"], 1) == 13.5
    assert round(last["p_value"], 2) == 0.14
    assert round(last["p05_turnout"], 4) == 0.2316


@pytest.mark.parametrize(("year", "found_gt_issued"), [("2011", 18), ("2012", 13)])
def test_control_relations(shared_file: Locate, year: str, found_gt_issued: int) -> None:
    t = _report(shared_file, year)["tests"]["control_relations"]
    by_id = {r["id"]: r for r in t["relations"]}
    for rid in ("found_eq_valid_invalid", "valid_eq_options", "received_balance"):
        assert by_id[rid]["failed"] == 0  # identities hold at every station
    assert by_id["issued_le_registered"]["failed"] == 0
    assert by_id["found_le_issued"]["failed"] == found_gt_issued
    assert t["failed"] == found_gt_issued
    assert all(u["row"] >= 2 for u in t["failing_units"])


def test_nist_err_cambridge_reads_and_balances(shared_file: Locate) -> None:
    table, fmt = read_results(
        shared_file("nist-err/err-2022-11-08-Massachusetts-Cambridge.json"),
        region_column="congressional",
    )
    assert fmt == "nist-err"
    assert table.options == ("YES", "NO")
    assert table.n_units == 42
    report = analyse(table, input_format=fmt)
    cr = report["tests"]["control_relations"]
    assert cr["checked"] == 42
    assert cr["failed"] == 0  # ballots cast = yes + no + over- and undervotes
    assert "integer_percentages" in report["skipped"]  # no voters on the list in the file


def test_2012_regions_and_channels_hold_on_real_data(shared_file: Locate) -> None:
    report = _report(shared_file, "2012")
    regions = {r["region"]: r for r in report["regions"]}
    # each region's clean turnout is the national one: no negative estimate (issue 17)
    assert all(r["shpilkin_excess_votes"] >= 0 for r in regions.values())
    assert regions["Чеченская Республика"]["shpilkin_excess_votes"] > 0
    assert regions["Республика Дагестан"]["shpilkin_excess_votes"] > 0
    early = next(
        c for c in report["tests"]["channels"]["channels"] if c["channel"] == "issued_early"
    )
    assert early["abroad_units"] > 300
    assert all(u["class"] != "abroad" for u in early["top"])  # abroad compared with abroad
    assert max(abs(u["z"]) for u in early["top"]) < 1e4  # no degenerate scale
    t = report["tests"]["integer_percentages"]
    assert t["p_value"] == report["p_floor"]  # the floor, stated once, in the JSON
    assert "(p < 1e-12)" in t["reading"]


def test_cambridge_contests_are_listed(shared_file: Locate) -> None:
    table, _ = read_results(shared_file("nist-err/err-2022-11-08-Massachusetts-Cambridge.json"))
    assert table.info["contests"] == ["bmc-question-1"]
    left = {c["contest"]: c["reason"] for c in table.info["contests_left_out"]}
    assert len(left) == 25 and "same units" in left["bmc-question-2"]


TABLES = {
    # year: (stations with figures, stations without, regions without)
    "2011": (95_225, 0, set()),
    "2012": (95_415, 0, set()),
    "2018": (97_699, 0, set()),
    "2020": (96_765, 0, set()),
    "2024": (
        91_946,
        2_268,
        {
            "Донецкая Народная Республика",
            "Луганская Народная Республика",
            "Запорожская область",
            "Херсонская область",
        },
    ),
}


@pytest.mark.parametrize("year", sorted(TABLES))
def test_every_table_reads_as_it_is(shared_file: Locate, year: str) -> None:
    table, fmt = read_results(shared_file(f"ru-elections/{year}.csv.zip"))
    units, missing, regions = TABLES[year]
    assert fmt == "ru-cec"
    assert table.n_units == units
    assert len(table.unpublished) == missing and not table.partial
    assert {r.region for r in table.unpublished} == regions
