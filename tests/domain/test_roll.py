"""The electoral roll: CSV import and its errors, pseudonyms, commitments, additions, synthesis."""

from __future__ import annotations

import random

import pytest

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import (
    RollAddition,
    RollEntry,
    add_voter,
    build_roll,
    generate_roll,
    parse_roll_csv,
    pseudonym,
    render_roll_csv,
    roll_commitment,
)
from plebiscite.errors import RollError

KEY = bytes(range(32))
HEADER = "voter_id,region,precinct,home_voting\n"


def _roll_error(text: str, seed: Manifest) -> str:
    with pytest.raises(RollError) as info:
        parse_roll_csv(text, "roll.csv", seed)
    return str(info.value)


def test_parse_minimal_and_flags(seed: Manifest) -> None:
    text = HEADER + "A1,donetsk,dn-0101,yes\nA2,kherson,ks-0302,\n\nA3,luhansk,lh-0101,FALSE\n"
    entries = parse_roll_csv(text, "roll.csv", seed)
    assert entries == (
        RollEntry("A1", "donetsk", "dn-0101", True),
        RollEntry("A2", "kherson", "ks-0302", False),
        RollEntry("A3", "luhansk", "lh-0101", False),
    )


def test_home_voting_column_is_optional(seed: Manifest) -> None:
    entries = parse_roll_csv("voter_id,region,precinct\nA1,donetsk,dn-0101\n", "r.csv", seed)
    assert entries == (RollEntry("A1", "donetsk", "dn-0101", False),)


def test_render_parse_round_trip(seed: Manifest) -> None:
    entries = generate_roll(seed, 300, random.Random(7))
    assert parse_roll_csv(render_roll_csv(entries), "r.csv", seed) == entries


def test_duplicate_voter_names_both_lines(seed: Manifest) -> None:
    text = HEADER + "A1,donetsk,dn-0101,no\nA2,donetsk,dn-0101,no\nA1,kherson,ks-0101,no\n"
    assert _roll_error(text, seed) == "roll.csv: line 4: duplicate voter id 'A1' (first on line 2)"


def test_unknown_precinct_and_region(seed: Manifest) -> None:
    text = HEADER + "A1,donetsk,dn-9999,no\nA2,crimea,dn-0101,no\n"
    message = _roll_error(text, seed)
    assert "roll.csv: line 2: unknown precinct 'dn-9999'" in message
    assert "roll.csv: line 3: unknown region 'crimea'" in message


def test_precinct_in_another_region(seed: Manifest) -> None:
    message = _roll_error(HEADER + "A1,kherson,dn-0101,no\n", seed)
    assert "line 2: precinct 'dn-0101' is in region 'donetsk', not 'kherson'" in message


def test_malformed_rows(seed: Manifest) -> None:
    text = HEADER + "A1,donetsk,dn-0101\nA 2,donetsk,dn-0101,no\nA3,donetsk,dn-0101,maybe\n"
    message = _roll_error(text, seed)
    assert "line 2: expected 4 fields, got 3" in message
    assert "line 3: malformed voter id 'A 2'" in message
    assert "line 4: home_voting must be yes or no, not 'maybe'" in message


def test_line_numbers_count_quoted_newlines(seed: Manifest) -> None:
    text = HEADER + 'A1,donetsk,"dn-\n0101",no\nA2,donetsk,dn-0101,no\nA2,donetsk,dn-0101,no\n'
    message = _roll_error(text, seed)
    assert "line 3: unknown precinct 'dn-\\n0101'" in message
    assert "line 5: duplicate voter id 'A2' (first on line 4)" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "roll.csv: empty file"),
        ("id,region,precinct\n", "roll.csv: line 1: the header must start with"),
        ("voter_id,region,precinct,age\n", "roll.csv: line 1: unknown column 'age'"),
        (
            "voter_id,region,precinct,home_voting,home_voting\n",
            "roll.csv: line 1: a column is named twice",
        ),
    ],
)
def test_bad_header(seed: Manifest, text: str, message: str) -> None:
    assert _roll_error(text, seed).startswith(message)


def test_many_errors_are_capped(seed: Manifest) -> None:
    text = HEADER + "".join(f"A{i},donetsk,nowhere,no\n" for i in range(30))
    lines = _roll_error(text, seed).splitlines()
    assert len(lines) == 21
    assert lines[-1] == "roll.csv: ... and 10 more"


def test_pseudonyms_are_keyed_and_per_referendum() -> None:
    p = pseudonym(KEY, "seed-2022", "A1")
    assert len(p) == 64
    assert int(p, 16) >= 0
    assert p == pseudonym(KEY, "seed-2022", "A1")
    assert p != pseudonym(bytes(32), "seed-2022", "A1")
    assert p != pseudonym(KEY, "other", "A1")
    assert p != pseudonym(KEY, "seed-2022", "A2")


def test_commitment_is_over_the_sorted_set() -> None:
    digest = bytes(64)
    names = [pseudonym(KEY, "m", f"V{i}") for i in range(20)]
    shuffled = list(reversed(names))
    assert roll_commitment(digest, "donetsk", names) == roll_commitment(digest, "donetsk", shuffled)
    assert roll_commitment(digest, "donetsk", names) != roll_commitment(
        digest, "donetsk", names[:-1]
    )
    assert roll_commitment(digest, "donetsk", names) != roll_commitment(digest, "kherson", names)
    assert roll_commitment(digest, "donetsk", names) != roll_commitment(
        bytes([1]) * 64, "donetsk", names
    )


def test_roll_commitments_per_region(seed: Manifest) -> None:
    entries = generate_roll(seed, 200, random.Random(1))
    digest = manifest_hash(seed)
    roll = build_roll(seed, digest, entries, KEY)
    commitments = roll.commitments()
    assert set(commitments) == {r.id for r in seed.regions}
    for region_id, value in commitments.items():
        mine = [roll.pseudonym_of(e.voter_id) for e in entries if e.region_id == region_id]
        assert value == roll_commitment(digest, region_id, mine)
    assert sum(roll.counts().values()) == 200


def test_additions_are_recorded_and_leave_commitments_alone(seed: Manifest) -> None:
    entries = generate_roll(seed, 50, random.Random(2))
    roll = build_roll(seed, manifest_hash(seed), entries, KEY)
    before = roll.commitments()
    addition = RollAddition(
        RollEntry("LATE-1", "kherson", "ks-0101", True), "moved house", "court-2022-117"
    )
    after = add_voter(roll, seed, addition)
    assert after.commitments() == before
    entry = after.public_entries[after.pseudonym_of("LATE-1")]
    assert entry.added_by == "court-2022-117"
    assert entry.region_id == "kherson"
    assert len(after.public_entries) == 51
    assert after.additions == (addition,)


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        (RollAddition(RollEntry("X", "kherson", "ks-0101"), " ", "d1"), "a reason is required"),
        (RollAddition(RollEntry("X", "kherson", "ks-0101"), "r", ""), "a decision id is required"),
        (RollAddition(RollEntry("X", "kherson", "zz-0101"), "r", "d1"), "unknown precinct"),
    ],
)
def test_bad_additions(seed: Manifest, addition: RollAddition, message: str) -> None:
    roll = build_roll(seed, manifest_hash(seed), (), KEY)
    with pytest.raises(RollError, match=message):
        add_voter(roll, seed, addition)


def test_addition_of_a_voter_already_on_the_roll(seed: Manifest) -> None:
    entries = (RollEntry("A1", "donetsk", "dn-0101"),)
    roll = build_roll(seed, manifest_hash(seed), entries, KEY)
    addition = RollAddition(RollEntry("A1", "kherson", "ks-0101"), "again", "d2")
    with pytest.raises(RollError, match="'A1' is already on the roll"):
        add_voter(roll, seed, addition)


def test_build_roll_refuses_short_keys_and_duplicates(seed: Manifest) -> None:
    with pytest.raises(RollError, match="at least 16 bytes"):
        build_roll(seed, manifest_hash(seed), (), b"short")
    twice = (RollEntry("A1", "donetsk", "dn-0101"),) * 2
    with pytest.raises(RollError, match="duplicate voter id 'A1'"):
        build_roll(seed, manifest_hash(seed), twice, KEY)


def test_generate_is_deterministic_and_proportional(seed: Manifest) -> None:
    first = generate_roll(seed, 5000, random.Random(42))
    assert first == generate_roll(seed, 5000, random.Random(42))
    assert first != generate_roll(seed, 5000, random.Random(43))
    assert len({e.voter_id for e in first}) == 5000
    total = seed.registered_voters()
    for precinct in seed.precincts:
        count = sum(e.precinct_id == precinct.id for e in first)
        assert abs(count - 5000 * precinct.registered_voters / total) < 1
    home = sum(e.home_voting for e in first)
    assert 350 < home < 650  # about a tenth


def test_generate_zero_voters(seed: Manifest) -> None:
    assert generate_roll(seed, 0, random.Random(0)) == ()
