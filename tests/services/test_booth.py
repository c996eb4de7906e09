"""The booth library: choices to vectors, fresh randomness, openings that re-encrypt."""

from __future__ import annotations

import pytest
from voting_support import MANIFEST, location, new_day

from plebiscite.crypto.ballot import verify_opening
from plebiscite.domain.manifest import LocationKind
from plebiscite.errors import InputError
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.booth import choice_vectors


def test_choice_vectors_and_their_errors() -> None:
    questions = MANIFEST.region_by_id["donetsk"].questions
    assert choice_vectors(questions, {"dn-q1": "no"}) == ((0, 1),)
    with pytest.raises(InputError):
        choice_vectors(questions, {"dn-q1": "maybe"})
    with pytest.raises(InputError):
        choice_vectors(questions, {})  # no blank allowed here
    with pytest.raises(InputError):
        choice_vectors(questions, {"dn-q1": "yes", "other": "yes"})


def test_prepared_ballots_are_fresh_signed_and_open_correctly() -> None:
    day = new_day(MemoryBoard(), voters=20)
    booth = day.booth(location(LocationKind.MAKESHIFT_STATION))
    voter = day.voters()[0].pseudonym
    a, b = booth.prepare(voter, {"dn-q1": "yes"}), booth.prepare(voter, {"dn-q1": "yes"})
    assert a.nonce_seed != b.nonce_seed and a.tracking_code != b.tracking_code
    assert len(a.nonce_seed) == 32
    a.ballot.verify_signature(booth.key.verify_key, a.signature)
    for answer, vector in zip(a.ballot.answers, a.choices, strict=True):
        verify_opening(day.bed.key.public, answer, vector, a.nonce_seed)
    assert a.challenge_body()["opening"]["choices"] == [[1, 0]]
    booth.accepted(a)
    assert booth.previous_code == a.tracking_code
    with pytest.raises(InputError):
        booth.accepted(b)  # b was chained to the old head
