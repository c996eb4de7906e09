"""No subtraction of published cells opens a small group (issue: results no subtraction opens).

The attacker reads the published cells of a region and the public ballot count of each base cell,
then adds and subtracts cells (coefficients -1, 0, 1) looking for a combination that is the vote
of fewer than ``threshold`` ballots. :mod:`subtraction_support` searches by brute force, apart
from the integer program the layout uses.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from plebiscite.domain.cells import BaseKey, _region_layout, published_cells
from plebiscite.domain.disclosure import find_opening
from plebiscite.domain.manifest_load import parse_manifest
from subtraction_support import small_group_openings

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
MANIFEST = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
T = 10


def _region_sets(counts: dict[BaseKey, int], region: str) -> list[frozenset[BaseKey]]:
    return [c.members for c in published_cells(MANIFEST, counts, T) if c.region == region]


def _sibling_rule_only(counts: dict[BaseKey, int], region: str) -> list[frozenset[BaseKey]]:
    return [c.members for c, _ in _region_layout(MANIFEST, region, counts, T, {})]


def test_day_minus_makeshift_isolated_one_home_ballot_before_and_not_now() -> None:
    # Every makeshift ballot was cast on day 1, so day 1 minus the makeshift stations is the one
    # door-to-door ballot of day 1. Every cell alone passes the sibling rule.
    counts: dict[BaseKey, int] = {
        ("donetsk", "dn-0101", "makeshift_station", 1): 20,
        ("donetsk", "dn-0101", "mobile_team", 1): 1,
        ("donetsk", "dn-0101", "mobile_team", 2): 20,
        ("donetsk", "dn-0102", "regular_station", 5): 20,
    }
    naive = small_group_openings(_sibling_rule_only(counts, "donetsk"), counts, T)
    assert naive and min(size for _, size in naive) == 1
    assert small_group_openings(_region_sets(counts, "donetsk"), counts, T) == []
    cells = {c.id for c in published_cells(MANIFEST, counts, T)}
    assert "region:donetsk" in cells and len(cells) > 4  # still publishes what is safe


def test_one_voter_in_a_channel_and_one_in_a_day() -> None:
    counts: dict[BaseKey, int] = {
        ("kherson", "ks-0101", "mobile_team", 1): 15,
        ("kherson", "ks-0101", "mobile_team", 2): 15,
        ("kherson", "ks-0102", "makeshift_station", 3): 1,  # the only makeshift ballot, day 3
        ("kherson", "ks-0102", "regular_station", 5): 30,
        ("kherson", "ks-0201", "regular_station", 5): 12,
    }
    for region_counts in (counts, {**counts, ("kherson", "ks-0201", "mobile_team", 4): 1}):
        assert _sibling_rule_only(region_counts, "kherson")  # sanity: cells exist
        sets = _region_sets(region_counts, "kherson")
        assert small_group_openings(sets, region_counts, T) == []


REGION_KEYS: list[BaseKey] = [
    (p.region_id, p.id, kind, day)
    for p in MANIFEST.precincts
    if p.region_id == "zaporizhzhia"
    for kind, days in (
        ("mobile_team", (1, 2, 3, 4)),
        ("makeshift_station", (1, 2, 3, 4)),
        ("regular_station", (5,)),
    )
    for day in days
]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(REGION_KEYS), st.integers(min_value=1, max_value=25), max_size=7
    )
)
def test_small_adversarial_elections_publish_no_opening(counts: dict[BaseKey, int]) -> None:
    sets = _region_sets(counts, "zaporizhzhia")
    assert small_group_openings(sets, counts, T) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.frozensets(st.integers(min_value=0, max_value=5), min_size=1), min_size=1, max_size=6
    ),
    st.lists(st.integers(min_value=0, max_value=12), min_size=6, max_size=6),
)
def test_the_audit_agrees_with_brute_force(cells: list[frozenset[int]], sizes: list[int]) -> None:
    counts = dict(enumerate(sizes))
    found = find_opening(cells, counts, T)
    brute = small_group_openings(cells, counts, T, exhaustive_up_to=6)
    whole = sum(counts[b] for b in set().union(*cells))
    if found is not None and found.ballots == whole:
        return  # the only opening may be every ballot, which the search exempts
    assert (found is None) == (brute == [])
    if found is not None:
        pairs = list(zip(found.coefficients, cells, strict=True))
        value = {b: sum(c for c, cell in pairs if b in cell) for b in counts}
        assert all(value[b] == (1 if b in found.group else 0) for b in counts if counts[b] > 0)
        assert 1 <= found.ballots < T
