"""The booth library: choices to vectors, fresh randomness, openings that re-encrypt."""

from __future__ import annotations

import pytest
from voting_support import MANIFEST, location, new_day

from plebiscite.crypto.ballot import verify_opening
from plebiscite.domain.manifest import LocationKind
from plebiscite.errors import InputError
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.voting.booth import choice_vectors


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


def test_a_booth_encrypts_only_for_a_voter_it_checked_in_and_keeps_the_tag_opening_home() -> None:
    """The ballot repeats the booth's check-in id and carries the voter's tag; the tag's opening
    goes with a cast (the board checks the tag with it) and never with a challenge, whose
    body is published: with it anyone could strip the tag down to the voter's tag point and
    find the voter on the roll."""
    from plebiscite.crypto.group import Point, Scalar
    from plebiscite.domain.ballot import voter_tag
    from plebiscite.services.voting.booth import Booth

    day = new_day(MemoryBoard(), voters=20)
    loc = location(LocationKind.MAKESHIFT_STATION)
    booth = Booth(
        MANIFEST, day.bed.manifest_hash, day.bed.key.public, "plain", loc.id, day.booth(loc).key
    )
    voter = day.voters()[0].pseudonym
    with pytest.raises(InputError, match="not checked in"):
        booth.prepare(voter, {"dn-q1": "yes"})
    body = booth.check_in(voter)
    assert set(body) == {"voter", "checkin", "signature"} and len(body["checkin"]) == 32
    prepared = booth.prepare(voter, {"dn-q1": "yes"})
    assert prepared.ballot.checkin == body["checkin"]
    assert "voter" not in prepared.ballot.to_json()
    r = Scalar.from_hex(prepared.cast_body()["tag_opening"])
    tag = voter_tag(booth.context, voter)
    assert prepared.ballot.tag.opens_to(day.bed.key.public, tag, r)
    assert prepared.ballot.tag.ciphertext.beta - day.bed.key.public * r == tag  # what it reveals
    assert prepared.ballot.tag.ciphertext.alpha == Point.base_mul(r)
    challenge = prepared.challenge_body()
    assert "tag_opening" not in challenge and r.hex() not in str(challenge)
    again = booth.check_in(voter)  # a second check-in draws a fresh id
    assert again["checkin"] != body["checkin"]
