"""The casting service on an in-memory board: every acceptance and every refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from voting_support import MANIFEST, Day, location, new_day, open_at

from plebiscite.crypto.elgamal import KeyPair
from plebiscite.crypto.group import Scalar
from plebiscite.crypto.proofs import RangeProof
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import encrypt_tag, region_specs
from plebiscite.domain.manifest import LocationKind
from plebiscite.errors import (
    DuplicateBallotError,
    EligibilityError,
    EncodingError,
    PlebisciteError,
    ProofError,
    ScheduleError,
    SignatureError,
)
from plebiscite.record.board import Board
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.merkle import verify_consistency, verify_inclusion
from plebiscite.services.election.definition import publish_close
from plebiscite.services.voting.booth import Booth
from plebiscite.services.voting.casting import (
    CastingService,
    ChainError,
    ReplayError,
    RevokedDeviceError,
    UnknownDeviceError,
    VotingClosedError,
    WrongElectionError,
)

MS = LocationKind.MAKESHIFT_STATION
MT = LocationKind.MOBILE_TEAM
RS = LocationKind.REGULAR_STATION
YES = {"dn-q1": "yes"}


@pytest.fixture
def day() -> Day:
    return new_day(MemoryBoard())


def refused(day: Day, error: type[PlebisciteError], action: Callable[[], Any]) -> None:
    size = day.board.size()
    with pytest.raises(error):
        action()
    assert day.board.size() == size


def cast(day: Day, booth: Booth, voter: str, selections: dict[str, str | None] = YES) -> Any:
    prepared = booth.prepare(voter, selections)
    receipt = day.service.cast(
        prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
    )
    booth.accepted(prepared)
    return receipt


def check_in(day: Day, booth: Booth, voter: str, service: CastingService | None = None) -> str:
    """Check ``voter`` in on ``booth`` through the service (outside a ``refused`` block, whose
    board must not grow); returns the check-in id."""
    body = booth.check_in(voter)
    (service or day.service).check_in(booth.device_id, voter, body["checkin"], body["signature"])
    return body["checkin"]


def test_cast_gives_a_receipt_that_verifies_and_a_retry_gives_the_same(day: Day) -> None:
    booth = day.booth(location(MS))
    voter = day.voters()[0].pseudonym
    prepared = booth.prepare(voter, YES)
    receipt = day.service.cast(
        prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
    )
    assert receipt.tracking_code == prepared.tracking_code
    assert receipt.kind == "cast"
    receipt.verify(day.head_key.verify_key)
    size = day.board.size()
    again = day.service.cast(
        prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
    )
    assert again.leaf_index == receipt.leaf_index and day.board.size() == size
    entry = day.board.entry(receipt.leaf_index).event.payload
    assert entry["tracking_code"] == prepared.tracking_code
    assert entry["ballot"] == prepared.ballot.to_json()
    assert dt.datetime.fromisoformat(entry["received_at"]) == day.clock.now()


def test_receipts_verify_against_later_heads(day: Day) -> None:
    booth = day.booth(location(MS))
    voters = day.voters()
    first = cast(day, booth, voters[0].pseudonym)
    for v in voters[1:4]:
        cast(day, booth, v.pseudonym)
    # Receipts carry freshly signed heads; the board stores one when asked (or every
    # HEAD_STORE_EVERY entries).
    assert day.board.latest_head() is None or day.board.latest_head().tree_size < day.board.size()
    day.service.flush_head()
    later = day.board.latest_head()
    assert later is not None and later.tree_size > first.head.tree_size
    proof = day.board.inclusion_proof(first.leaf_index, later.tree_size)
    verify_inclusion(proof, first.leaf_hash, later.root_hash)
    growth = day.board.consistency_proof(first.head.tree_size, later.tree_size)
    verify_consistency(growth, first.head.root_hash, later.root_hash)
    looked_up = day.service.receipt(first.tracking_code)
    looked_up.verify(day.head_key.verify_key)
    assert looked_up.head.tree_size == later.tree_size


def test_second_booth_ballot_is_refused(day: Day) -> None:
    booth = day.booth(location(MS))
    voter = day.voters()[0].pseudonym
    cast(day, booth, voter)
    refused(day, DuplicateBallotError, lambda: cast(day, booth, voter))


def test_one_booth_and_one_door_to_door_ballot_per_voter_both_recorded(day: Day) -> None:
    """A voter may cast one door-to-door and one booth ballot, in either order; both are recorded
    and nothing on the board says which counts, names the voter or links the two (the count
    decides by the encrypted tags after the shuffle). A second of either kind is refused."""
    home = day.booth(location(MT))
    voters = [v for v in day.voters() if v.home_voting]  # a team takes applicants only
    day.clock.set(open_at(location(MT)))
    first = cast(day, home, voters[0].pseudonym)
    refused(day, DuplicateBallotError, lambda: cast(day, home, voters[0].pseudonym))
    day.clock.set(open_at(location(RS)))
    station = day.booth(location(RS))
    override = cast(day, station, voters[0].pseudonym, {"dn-q1": "no"})
    assert override.kind == "cast" and first.kind == "cast"
    _unlinked(day, voters[0].pseudonym, (home, first), (station, override))
    refused(day, DuplicateBallotError, lambda: cast(day, station, voters[0].pseudonym))
    # A booth voter may then vote door to door: recorded like any other (refusing it would tell
    # the team at the door that the voter went to a booth); a second one is refused.
    day.clock.set(open_at(location(MS), 1))  # makeshift and mobile teams both open
    booth_first = cast(day, day.booth(location(MS)), voters[1].pseudonym)
    home_after = cast(day, home, voters[1].pseudonym)
    assert home_after.leaf_index > booth_first.leaf_index
    refused(day, DuplicateBallotError, lambda: cast(day, home, voters[1].pseudonym))


def _unlinked(day: Day, voter: str, *ballots: tuple[Booth, Any]) -> None:
    """No ballot entry, receipt or check-in of ``voter`` names the voter, and none names
    another's tracking code or check-in id."""
    codes = [receipt.tracking_code for _, receipt in ballots]
    checkins = [booth.checkins[voter] for booth, _ in ballots]
    for i, (_, receipt) in enumerate(ballots):
        payload = day.board.entry(receipt.leaf_index).event.payload
        assert payload["ballot"]["checkin"] == checkins[i]
        assert not {"supersedes", "overruled_by", "voter"} & set(payload)
        assert "supersedes" not in receipt.to_json()
        seen = [
            day.board.entry(receipt.leaf_index).event.data.decode(),
            json.dumps(receipt.to_json()),
            *(
                e.event.data.decode()
                for e in day.board.entries()
                if e.event.type.value == "check_in" and e.event.payload["checkin"] == checkins[i]
            ),
        ]
        assert len(seen) == 3  # the entry, the receipt, the one check-in
        others = [x for j in range(len(ballots)) if j != i for x in (codes[j], checkins[j])]
        for text in seen:
            assert voter not in text
            assert not any(other in text for other in others)


def test_a_tag_for_another_voter_or_a_cast_without_its_opening_is_refused(day: Day) -> None:
    """A device checks voter A in and tags A's ballot with voter B's tag point (an honest
    encryption with a valid proof): the count would then set B's door-to-door ballot aside and
    keep A's. The tag_opening check refuses it, as it refuses a cast that hides the opening."""
    booth = day.booth(location(MS))
    voters = day.voters()
    a, b = voters[0].pseudonym, voters[1].pseudonym
    prepared = booth.prepare(a, YES)
    checkin = prepared.ballot.checkin
    tag, r = encrypt_tag(
        booth.election_key, booth.context, booth.device_id, checkin, b, SystemRng()
    )
    tag.verify(day.service.election.context, booth.device_id, checkin)  # the proof holds
    forged = dataclasses.replace(prepared.ballot, tag=tag)
    wire, signature = forged.to_json(), forged.sign(booth.key)
    refused(day, ProofError, lambda: day.service.cast(wire, signature, tag_opening=r.hex()))
    honest = prepared.tag_opening.hex()  # A's own opening does not open B's tag either
    refused(day, ProofError, lambda: day.service.cast(wire, signature, tag_opening=honest))
    # The honest ballot needs its opening too, and a well-formed one.
    body = prepared.ballot.to_json()
    refused(day, EncodingError, lambda: day.service.cast(body, prepared.signature))
    refused(
        day, EncodingError, lambda: day.service.cast(body, prepared.signature, None, None, "zz")
    )
    refused(
        day,
        ProofError,
        lambda: day.service.cast(body, prepared.signature, tag_opening=r.hex()),
    )
    receipt = day.service.cast(body, prepared.signature, tag_opening=honest)
    assert receipt.tracking_code == prepared.tracking_code


def test_not_eligible_unknown_voter_and_other_region(day: Day) -> None:
    booth = day.booth(location(MS))
    refused(day, EligibilityError, lambda: cast(day, booth, "ab" * 32))
    other = day.voters("luhansk")[0].pseudonym
    refused(day, EligibilityError, lambda: cast(day, booth, other))


def test_location_closed(day: Day) -> None:
    booth = day.booth(location(RS))  # regular stations open on day 5 only
    refused(day, ScheduleError, lambda: cast(day, booth, day.voters()[0].pseudonym))
    day.clock.set(MANIFEST.open_spans(location(RS))[-1][1])  # the closing minute itself
    refused(day, ScheduleError, lambda: cast(day, booth, day.voters()[0].pseudonym))


def _resign(booth: Booth, ballot_json: dict[str, Any]) -> str:
    from plebiscite.domain.ballot import Ballot

    return Ballot.from_json(ballot_json).sign(booth.key)


def test_bad_proof_refused(day: Day) -> None:
    booth = day.booth(location(MS))
    prepared = booth.prepare(day.voters()[0].pseudonym, YES)
    answer = prepared.ballot.answers[0]
    bad = dataclasses.replace(
        answer.sum_proof, v=(answer.sum_proof.v[0] + Scalar(1), *answer.sum_proof.v[1:])
    )
    assert isinstance(bad, RangeProof)
    ballot = dataclasses.replace(
        prepared.ballot, answers=(dataclasses.replace(answer, sum_proof=bad),)
    )
    refused(day, ProofError, lambda: day.service.cast(ballot.to_json(), ballot.sign(booth.key)))


def test_proof_errors_that_cancel_under_equal_weights_are_refused(day: Day) -> None:
    """A device that knows the server adds a ballot's proof equations into one check plants
    +d in option 0's proof and -d in option 1's: with equal (or predictable) weights the two
    errors cancel. The server weighs each equation by a fresh random weight."""
    booth = day.booth(location(MS))
    prepared = booth.prepare(day.voters()[0].pseudonym, YES)
    answer = prepared.ballot.answers[0]
    proofs = list(answer.selection_proofs)
    for option, delta in ((0, 7), (1, -7)):
        p = proofs[option]
        proofs[option] = dataclasses.replace(p, v=(p.v[0] + Scalar(delta), *p.v[1:]))
    ballot = dataclasses.replace(
        prepared.ballot,
        answers=(dataclasses.replace(answer, selection_proofs=tuple(proofs)),),
    )
    specs = region_specs(MANIFEST, location(MS).region_id)
    with pytest.raises(ProofError) as exact:
        ballot.verify_proofs(day.bed.key.public, day.service.election.context, specs)
    size = day.board.size()
    with pytest.raises(ProofError) as batched:
        day.service.cast(ballot.to_json(), ballot.sign(booth.key))
    assert str(batched.value) == str(exact.value)  # named as the one-by-one check names it
    assert day.board.size() == size


def test_proof_for_another_election_refused(day: Day) -> None:
    key = SigningKey.generate()
    loc = location(MS)
    day.service.enrol_device("other", loc.id, key.verify_key.hex())
    other_key = KeyPair.generate(SystemRng()).public
    voter = day.voters()[0].pseudonym
    booth = Booth(MANIFEST, day.bed.manifest_hash, other_key, "other", loc.id, key)
    checkin = check_in(day, booth, voter)
    refused(day, ProofError, lambda: cast(day, booth, voter))
    other_hash = bytes(64)
    booth = Booth(MANIFEST, other_hash, day.bed.key.public, "other", loc.id, key)
    booth.check_in(voter, checkin)  # the id checked in above, signed for the other election
    booth.previous_code = day.service.device_chain_head("other")
    refused(day, WrongElectionError, lambda: cast(day, booth, voter))


def test_unknown_and_revoked_devices_and_bad_signatures(day: Day) -> None:
    loc = location(MS)
    stranger = day.booth(loc, "stranger", enrol=False)
    voter = day.voters()[0].pseudonym
    refused(day, UnknownDeviceError, lambda: cast(day, stranger, voter))
    booth = day.booth(loc)
    prepared = booth.prepare(voter, YES)
    forged = SigningKey.generate()
    refused(
        day,
        SignatureError,
        lambda: day.service.cast(prepared.ballot.to_json(), prepared.ballot.sign(forged)),
    )
    refused(day, EncodingError, lambda: day.service.cast(prepared.ballot.to_json(), "zz"))
    day.service.revoke_device(booth.device_id, "stolen")
    refused(
        day,
        RevokedDeviceError,
        lambda: day.service.cast(
            prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
        ),
    )


def test_replay_from_another_device_refused(day: Day) -> None:
    loc = location(MS)
    a, b = day.booth(loc, "a"), day.booth(loc, "b")
    voters = day.voters()
    prepared = a.prepare(voters[0].pseudonym, YES)
    day.service.cast(
        prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
    )
    # Device b checks another voter in and sends a's answers under a tag of its own: the
    # ciphertexts are already on the board.
    checkin = check_in(day, b, voters[1].pseudonym)
    tag, r = encrypt_tag(b.election_key, b.context, "b", checkin, voters[1].pseudonym, SystemRng())
    copy = dataclasses.replace(
        prepared.ballot, device="b", checkin=checkin, tag=tag, previous_code=b.previous_code
    )
    refused(
        day,
        ReplayError,
        lambda: day.service.cast(copy.to_json(), copy.sign(b.key), tag_opening=r.hex()),
    )
    # a's tag copied with it: its proof binds a's device and check-in.
    stolen = dataclasses.replace(copy, tag=prepared.ballot.tag)
    opening = prepared.tag_opening.hex()
    refused(
        day,
        ProofError,
        lambda: day.service.cast(stolen.to_json(), stolen.sign(b.key), tag_opening=opening),
    )
    # The original, sent again by anyone, only gets its own receipt back.
    size = day.board.size()
    day.service.cast(
        prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
    )
    assert day.board.size() == size


def test_chain_must_continue(day: Day) -> None:
    booth = day.booth(location(MS))
    voters = day.voters()
    prepared = booth.prepare(voters[0].pseudonym, YES)  # never sent
    assert prepared.tracking_code
    booth.previous_code = prepared.tracking_code  # the device skips it
    check_in(day, booth, voters[1].pseudonym)
    refused(day, ChainError, lambda: cast(day, booth, voters[1].pseudonym))


def test_challenge_then_cast(day: Day) -> None:
    booth = day.booth(location(MS))
    voter = day.voters()[0].pseudonym
    first = booth.prepare(voter, YES)
    receipt = day.service.challenge(first.ballot.to_json(), first.signature, first.opening())
    booth.accepted(first)
    assert receipt.kind == "challenged"
    payload = day.board.entry(receipt.leaf_index).event.payload
    assert payload["opening"] == {"nonce_seed": first.nonce_seed.hex(), "choices": [[1, 0]]}
    opening = first.tag_opening.hex()
    refused(
        day,
        ChainError,
        lambda: day.service.cast(first.ballot.to_json(), first.signature, tag_opening=opening),
    )
    second = cast(day, booth, voter, {"dn-q1": "no"})
    assert second.kind == "cast" and "supersedes" not in second.to_json()


def test_the_tag_opening_never_reaches_the_board(day: Day) -> None:
    """The service checks a cast's tag with its opening and forgets it: with the opening,
    anyone could strip the tag to the voter's tag point and find the voter on the roll."""
    booth = day.booth(location(MS))
    voter = day.voters()[0].pseudonym
    challenged = booth.prepare(voter, YES)
    day.service.challenge(challenged.ballot.to_json(), challenged.signature, challenged.opening())
    booth.accepted(challenged)
    cast_ = booth.prepare(voter, YES)
    receipt = day.service.cast(
        cast_.ballot.to_json(), cast_.signature, tag_opening=cast_.tag_opening.hex()
    )
    booth.accepted(cast_)
    openings = (challenged.tag_opening.hex(), cast_.tag_opening.hex())
    for entry in day.board.entries():
        assert not any(o in entry.event.data.decode() for o in openings)
    assert not any(o in json.dumps(receipt.to_json()) for o in openings)


def test_challenge_with_a_false_opening_is_refused(day: Day) -> None:
    booth = day.booth(location(MS))
    prepared = booth.prepare(day.voters()[0].pseudonym, YES)
    lie = {"nonce_seed": prepared.nonce_seed.hex(), "choices": [[0, 1]]}
    refused(
        day,
        ProofError,
        lambda: day.service.challenge(prepared.ballot.to_json(), prepared.signature, lie),
    )


def test_everything_refused_after_close(day: Day) -> None:
    booth = day.booth(location(MS))
    publish_close(day.board, day.clock.now())
    refused(day, VotingClosedError, lambda: cast(day, booth, day.voters()[0].pseudonym))
    key = SigningKey.generate()
    refused(
        day,
        VotingClosedError,
        lambda: day.service.enrol_device("late", location(MS).id, key.verify_key.hex()),
    )


def test_check_in_is_signed_checked_and_idempotent(day: Day) -> None:
    booth = day.booth(location(MS))
    voter = day.voters()[0].pseudonym
    body = booth.check_in(voter)
    checkin, signature = body["checkin"], body["signature"]
    index = day.service.check_in(booth.device_id, voter, checkin, signature)
    assert day.service.check_in(booth.device_id, voter, checkin, signature) == index
    entry = day.board.entry(index).event
    assert set(entry.payload) == {"device", "checkin", "at", "signature"}
    assert entry.payload["checkin"] == checkin and voter not in entry.data.decode()
    other = day.voters()[1].pseudonym
    # The signature covers the id: another id under it is refused; the same id (a replayed
    # check-in) cannot check another voter in.
    fresh = booth.check_in(other)["checkin"]
    refused(
        day,
        SignatureError,
        lambda: day.service.check_in(booth.device_id, other, fresh, signature),
    )
    refused(
        day,
        DuplicateBallotError,
        lambda: day.service.check_in(booth.device_id, other, checkin, signature),
    )
    refused(
        day,
        EncodingError,
        lambda: day.service.check_in(booth.device_id, voter, checkin.upper(), signature),
    )
    stranger = day.voters("kherson")[0].pseudonym
    signed = booth.check_in(stranger)
    refused(
        day,
        EligibilityError,
        lambda: day.service.check_in(
            booth.device_id, stranger, signed["checkin"], signed["signature"]
        ),
    )


def _restart(board: Board, day: Day) -> CastingService:
    return CastingService(board, day.head_key, day.clock)


def test_indexes_are_rebuilt_from_the_board(day: Day) -> None:
    home, station = day.booth(location(MT)), day.booth(location(MS))
    voters = [v for v in day.voters() if v.home_voting]  # a team takes applicants only
    day.clock.set(open_at(location(MS)))  # both open
    first = cast(day, home, voters[0].pseudonym)
    cast(day, station, voters[1].pseudonym)
    day.service = _restart(day.board, day)
    refused(day, DuplicateBallotError, lambda: cast(day, station, voters[1].pseudonym))
    refused(day, DuplicateBallotError, lambda: cast(day, home, voters[0].pseudonym))
    day.clock.set(open_at(location(MS), 1))
    booth_too = cast(day, station, voters[0].pseudonym)  # the chain continues after restart
    assert booth_too.leaf_index > first.leaf_index
    refused(day, DuplicateBallotError, lambda: cast(day, station, voters[0].pseudonym))
    check_in(day, home, voters[1].pseudonym)  # a booth voter at home: recorded
    cast(day, home, voters[1].pseudonym)
    stranger = Booth(
        MANIFEST, day.bed.manifest_hash, day.bed.key.public, "x", location(MS).id, home.key
    )
    stranger.check_in(voters[2].pseudonym)  # drawn on the device; the board knows no "x"
    refused(day, UnknownDeviceError, lambda: cast(day, stranger, voters[2].pseudonym))


def test_device_enrolment_payloads(day: Day) -> None:
    booth = day.booth(location(MS))
    found = [
        e.event.payload for e in day.board.entries() if e.event.type.value == "device_enrolment"
    ]
    assert found[-1]["device"] == booth.device_id
    assert set(found[-1]) == {"device", "location", "public_key", "enrolled_at"}
    day.service.revoke_device(booth.device_id, "lost")
    revocation = day.board.entry(day.board.size() - 1).event.payload
    assert revocation["revoked"] is True and revocation["reason"] == "lost"
    refused(day, RevokedDeviceError, lambda: day.service.revoke_device(booth.device_id, "again"))


def test_alpha_written_as_the_top_bit_identity_is_refused(day: Day) -> None:
    """A device encrypts option 0 with nonce 0 (alpha is the identity, beta the vote in clear),
    proves it honestly, and writes alpha as 00..0080, which libsodium 1.0.18 alone takes for a
    valid non-identity element: the service refuses it and the board does not grow."""
    from plebiscite.crypto import _sodium, linear
    from plebiscite.crypto.ballot import (
        EncryptedAnswer,
        QuestionSpec,
        selection_context,
        sum_context,
        verify_answer,
    )
    from plebiscite.crypto.elgamal import Ciphertext
    from plebiscite.crypto.group import G, Point, g_pow
    from plebiscite.crypto.proofs import prove_range

    booth = day.booth(location(MS))
    prepared = booth.prepare(day.voters()[0].pseudonym, YES)
    honest = prepared.ballot.answers[0]
    key, ctx, q, rng = booth.election_key, booth.context, honest.question_id, SystemRng()
    fake = Point._trusted(bytes(31) + b"\x80")  # the attacker's bytes, read as libsodium does
    r = Scalar(9)
    n = len(honest.selections)
    votes = [1] + [0] * (n - 1)
    cts = [Ciphertext(fake, g_pow(1))] + [Ciphertext(G * r, key * r) for _ in range(n - 1)]
    nonces = [Scalar(0)] + [r] * (n - 1)
    with linear.using(linear.SODIUM):
        proofs = tuple(
            prove_range(selection_context(ctx, q, i), key, ct, m, nonce, 0, 1, rng)
            for i, (ct, m, nonce) in enumerate(zip(cts, votes, nonces, strict=True))
        )
        total = Ciphertext(Point.identity(), Point.identity())
        for ct in cts[1:]:
            total = total + ct
        total = Ciphertext(total.alpha, total.beta + g_pow(1))
        spec = honest.sum_proof
        sum_proof = prove_range(
            sum_context(ctx, q), key, total, 1, r * Scalar(n - 1), spec.lo, spec.hi, rng
        )
    answer = EncryptedAnswer(q, tuple(cts), proofs, sum_proof)
    if _sodium.is_valid_point(fake.encode()):  # libsodium 1.0.18: the attack's proofs hold
        with linear.using(linear.SODIUM):
            verify_answer(key, ctx, QuestionSpec(q, n, spec.lo, spec.hi), answer)
    ballot = dataclasses.replace(prepared.ballot, answers=(answer,))
    wire = ballot.to_json()
    assert wire["answers"][0]["selections"][0][0] == "00" * 31 + "80"
    refused(day, EncodingError, lambda: day.service.cast(wire, ballot.sign(booth.key)))


# --- stateless servers (issue 15) ---------------------------------------------------------------


class _CountingBoard(MemoryBoard):
    """A board that counts how many entries its readers decoded."""

    def __init__(self) -> None:
        super().__init__()
        self.decoded = 0

    def entries(self, start: int = 0, stop: int | None = None) -> Any:
        for entry in super().entries(start, stop):
            self.decoded += 1
            yield entry


def test_a_new_server_reads_no_ballot_and_no_roll_entry(tmp_path: Any) -> None:
    board = _CountingBoard()
    day = new_day(board, voters=80)
    booth = day.booth(location(MS))
    for voter in day.voters()[:20]:
        cast(day, booth, voter.pseudonym)
    board.decoded = 0
    restarted = CastingService(board, day.head_key, day.clock)
    # Only the definition entries: the manifest, the ceremony's messages (here the key).
    assert board.decoded == 0
    assert restarted.election.manifest is not None and restarted.election.voters == {}
    # ... and it carries on where the first left off: the device's chain, the voters' ballots.
    again = cast(
        Day(board, day.bed, day.clock, restarted, day.head_key), booth, day.voters()[20].pseudonym
    )
    assert again.leaf_index == board.size() - 1
    first = day.voters()[0].pseudonym
    other = Day(board, day.bed, day.clock, restarted, day.head_key).booth(location(MS), "second")
    check_in(day, other, first, restarted)
    refused(day, DuplicateBallotError, lambda: cast(day, other, first))


def test_two_servers_on_one_sqlite_board_share_every_rule(tmp_path: Any) -> None:
    from plebiscite.record.sql import SqlBoard

    db = str(tmp_path / "board.sqlite")
    day = new_day(SqlBoard.open(db, create=True), voters=60)
    second_board = SqlBoard.open(db)
    other = CastingService(second_board, day.head_key, day.clock)
    a = day.booth(location(MS), "a")
    b = Booth(MANIFEST, day.bed.manifest_hash, day.bed.key.public, "b", a.location.id,
              SigningKey.generate())  # fmt: skip
    other.enrol_device("b", a.location.id, b.key.verify_key.hex())
    voter = day.voters()[0].pseudonym
    prepared = a.prepare(voter, YES)
    receipt = day.service.cast(
        prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
    )
    a.accepted(prepared)
    # A retry through the other server: the same receipt.
    again = other.cast(
        prepared.ballot.to_json(), prepared.signature, tag_opening=prepared.tag_opening.hex()
    )
    assert (again.leaf_index, again.tracking_code) == (receipt.leaf_index, receipt.tracking_code)
    # A double vote through the other server: refused; a fork of a's chain: refused.
    check_in(day, b, voter, other)
    with pytest.raises(DuplicateBallotError):
        other.cast(*_body(b.prepare(voter, YES)))
    fork = Booth(MANIFEST, day.bed.manifest_hash, day.bed.key.public, "a", a.location.id, a.key)
    check_in(day, fork, day.voters()[1].pseudonym, other)
    with pytest.raises(ChainError):
        other.cast(*_body(fork.prepare(day.voters()[1].pseudonym, YES)))
    # The device both servers know continues on either.
    cast(Day(second_board, day.bed, day.clock, other, day.head_key), a, day.voters()[2].pseudonym)
    check_in(day, a, day.voters()[3].pseudonym)
    other.close_voting()
    with pytest.raises(VotingClosedError):
        day.service.cast(*_body(a.prepare(day.voters()[3].pseudonym, YES)))
    second_board.close()
    day.board.close()


def _body(prepared: Any) -> tuple[Any, str, None, None, str]:
    return prepared.ballot.to_json(), prepared.signature, None, None, prepared.tag_opening.hex()
