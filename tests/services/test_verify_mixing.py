"""The verifier against a dishonest count after the close: V44-V48 (``docs/verifier.md``).

The honest record runs the services the authority and the trustees run (``tally mix``,
``trustee convert``, ``trustee decrypt``, the tally through the filter). Each test then plays
one attacker, re-signing whatever a board operator or a trustee could re-sign and making every
proof it can make valid, and checks that the verifier names the lie with its check id.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_verify_support import (
    CHUNK_ROWS,
    CONVERTERS,
    DECRYPTERS,
    DIGEST,
    MANIFEST,
    Built,
    Lines,
    _station,
    _tips,
    ballots,
    build_record,
    check_in,
    make_ballot,
    read_events,
    sign_as_trustee,
    tampered,
)
from test_verify_trust import _mutate
from verify_mixing_support import conversion_payload, counted_partial, exponent, shuffle_payload

from plebiscite.crypto.elgamal import Ciphertext, encrypt
from plebiscite.crypto.group import Scalar
from plebiscite.crypto.randomness import SeededRng
from plebiscite.domain import mixing
from plebiscite.domain.ballot import genesis_code
from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.tally import tally_payload
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.definition import Election, load_election
from plebiscite.services.simulation.synthetic import device_key
from plebiscite.verifier.report import VerificationReport
from plebiscite.verifier.verify import verify_record

RNG = SeededRng(b"attacker")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_record(tmp_path_factory.mktemp("mixing") / "record")


def _verify(record: Path) -> VerificationReport:
    return verify_record(record, workers=1)


def _failed(report: VerificationReport, check: str, *words: str) -> str:
    assert check in report.failed_checks(), (check, [str(f) for f in report.findings()][:5])
    text = " | ".join(str(f) for f in report.checks[check].findings)
    for word in words:
        assert word in text, (word, text)
    return text


def _edit(built: Built, tmp_path: Path, edit: Callable[[Lines], Any]) -> VerificationReport:
    return _verify(tampered(built, tmp_path, edit))


def _board(events: Lines, stop: str | None = None) -> MemoryBoard:
    """The record read back into a board, up to the first event of type ``stop``."""
    board = MemoryBoard()
    board.replica = True  # its check-ins name no voter
    for event in events:
        if event["type"] == stop:
            break
        board.append(Event.create(event["type"], event["payload"]))
    return board


def _election(built: Built) -> Election:
    board = MemoryBoard()
    for event in read_events(built.record):
        if event["type"] in ("manifest", "ceremony_message"):
            board.append(Event.create(event["type"], event["payload"]))
    return load_election(board)


def _chunk_event(
    events: Lines, kind: str, key: mixing.ChunkKey, trustee: int | None = None
) -> dict[str, Any]:
    return next(
        e
        for e in events
        if e["type"] == kind
        and (e["payload"]["region"], e["payload"]["batch"], e["payload"]["chunk"]) == key
        and (trustee is None or e["payload"]["trustee"] == trustee)
    )


def _home_chunk(built: Built, rows: int = 2) -> mixing.ChunkKey:
    """A door-to-door chunk with at least ``rows`` rows, in a region with a second chunk."""
    return next(
        key
        for key, run in sorted(built.mixed.chunks.items())
        if key[1] == mixing.HOME and len(run.inputs) >= rows
    )


def _overridden_region(built: Built) -> str:
    return next(r for r, n in sorted(built.mixed.set_aside.items()) if n)


def test_the_honest_count_passes_every_new_check(built: Built) -> None:
    report = _verify(built.record)
    assert report.ok, [str(f) for f in report.findings()][:5]
    for check in ("V44", "V45", "V46", "V47", "V48"):
        assert report.checks[check].checked > 0, check
    # the override happened: one door-to-door ballot was set aside, none is named
    assert sum(built.mixed.set_aside.values()) == 1
    assert max(len(run.inputs) for run in built.mixed.chunks.values()) == CHUNK_ROWS


# --- V44: ballot tags -------------------------------------------------------------------------


def test_a_tag_copied_from_another_ballot_fails_v44(built: Built, tmp_path: Path) -> None:
    """A device (or whoever holds its key) casts for an abstainer with a counted voter's tag:
    the tag proof binds device and check-in, so the copy does not verify."""

    def edit(events: Lines) -> None:
        cast = ballots(events)
        cast[5]["payload"]["ballot"]["tag"] = cast[4]["payload"]["ballot"]["tag"]

    report = _verify(tampered(built, tmp_path, edit, chain=True))
    _failed(report, "V44", "tag proof")
    _failed(report, "V29", "already appears")  # the tag's alpha is unique on the board too


# --- V45: shuffles ----------------------------------------------------------------------------


def test_a_ballot_dropped_from_a_shuffle_fails_v45(built: Built, tmp_path: Path) -> None:
    """The authority shuffles a chunk without one of its ballots, with a valid proof of that."""
    key = _home_chunk(built)
    election = _election(built)

    def edit(events: Lines) -> None:
        inputs = built.mixed.chunks[key].inputs
        payload, _ = shuffle_payload(election, key, CHUNK_ROWS, inputs[1:], RNG)
        _chunk_event(events, "shuffle", key)["payload"] = payload

    _failed(_edit(built, tmp_path, edit), "V45", "output rows for", "ballots on the board")


def test_a_ballot_replaced_in_a_shuffle_fails_v45(built: Built, tmp_path: Path) -> None:
    """The authority shuffles a chunk in which one ballot's row is replaced by its own (a valid
    proof, of the wrong input): the verifier rebuilds the input from the board."""
    key = _home_chunk(built)
    election = _election(built)
    assert election.election_key is not None

    def edit(events: Lines) -> None:
        inputs = list(built.mixed.chunks[key].inputs)
        vote = [encrypt(election.election_key, 1, RNG.scalar()) for _ in inputs[0][1:]]
        inputs[0] = (inputs[0][0], *vote)
        payload, _ = shuffle_payload(election, key, CHUNK_ROWS, inputs, RNG)
        _chunk_event(events, "shuffle", key)["payload"] = payload

    _failed(_edit(built, tmp_path, edit), "V45", "shuffle proof fails")


def test_an_output_row_replaced_fails_v45(built: Built, tmp_path: Path) -> None:
    key = _home_chunk(built)
    election = _election(built)
    assert election.election_key is not None

    def edit(events: Lines) -> None:
        outputs = _chunk_event(events, "shuffle", key)["payload"]["outputs"]
        outputs[0] = [encrypt(election.election_key, 1, RNG.scalar()).to_json() for _ in outputs[0]]

    _failed(_edit(built, tmp_path, edit), "V45", "shuffle proof fails")


def test_an_edited_shuffle_proof_fails_v45(built: Built, tmp_path: Path) -> None:
    key = _home_chunk(built)

    def edit(events: Lines) -> None:
        proof = _chunk_event(events, "shuffle", key)["payload"]["proof"]
        proof["s"][0] = (Scalar.from_hex(proof["s"][0]) + Scalar(1)).hex()

    _failed(_edit(built, tmp_path, edit), "V45", "equation 1")


def test_a_missing_and_a_second_shuffle_fail_v45(built: Built, tmp_path: Path) -> None:
    key = _home_chunk(built)

    def drop(events: Lines) -> Lines:
        target = _chunk_event(events, "shuffle", key)
        return [e for e in events if e is not target]

    _failed(_edit(built, tmp_path / "drop", drop), "V45", "no shuffle")

    def twice(events: Lines) -> Lines:
        target = _chunk_event(events, "shuffle", key)
        at = events.index(target)
        return [*events[: at + 1], target, *events[at + 1 :]]

    _failed(_edit(built, tmp_path / "twice", twice), "V45", "a second shuffle")


def test_a_shuffle_posted_before_the_close_fails_v45(built: Built, tmp_path: Path) -> None:
    key = _home_chunk(built)

    def edit(events: Lines) -> Lines:
        target = _chunk_event(events, "shuffle", key)
        rest = [e for e in events if e is not target]
        close = next(i for i, e in enumerate(rest) if e["type"] == "voting_closed")
        return [*rest[:close], target, *rest[close:]]

    _failed(_edit(built, tmp_path, edit), "V45", "before voting closed", "no shuffle")


def test_a_shuffle_stating_another_chunk_size_fails_v45(built: Built, tmp_path: Path) -> None:
    key = next(k for k in sorted(built.mixed.chunks) if k[2] == 1)  # a batch's second chunk

    def edit(events: Lines) -> None:
        _chunk_event(events, "shuffle", key)["payload"]["chunk_rows"] = CHUNK_ROWS + 1

    _failed(_edit(built, tmp_path, edit), "V45", f"chunk_rows {CHUNK_ROWS + 1}, not {CHUNK_ROWS}")


# --- V46: tag conversions ---------------------------------------------------------------------


def test_a_converter_with_another_exponent_for_one_chunk_fails_v46(
    built: Built, tmp_path: Path
) -> None:
    """Trustee 1 converts one chunk with a second exponent, proving it honestly: the voter's
    tags in that chunk would no longer match the same voter's tags elsewhere in the region."""
    key = _home_chunk(built)
    state = built.trustees[CONVERTERS[0]]
    election = _election(built)

    def edit(events: Lines) -> None:
        target = _chunk_event(events, "tag_conversion", key, state.index)
        tags = [row[0] for row in built.mixed.chunks[key].outputs]
        other = exponent(election, state, key[0]) + Scalar(1)
        payload, _ = conversion_payload(election, key, state.index, other, tags, RNG)
        target["payload"] = sign_as_trustee(state, {**target["payload"], **payload})

    report = _edit(built, tmp_path, edit)
    _failed(report, "V46", f"trustee {state.index} uses another Z")


def test_a_conversion_in_another_trustees_name_fails_v46(built: Built, tmp_path: Path) -> None:
    """The board operator relabels trustee 1's conversion as trustee 5's (who never converted):
    the signature no longer holds."""
    key = _home_chunk(built)
    first = built.trustees[CONVERTERS[0]].index

    def edit(events: Lines) -> None:
        _chunk_event(events, "tag_conversion", key, first)["payload"]["trustee"] = 5

    _failed(_edit(built, tmp_path, edit), "V46", "conversion of trustee 5")


def test_a_chunk_left_unconverted_by_one_trustee_fails_v46(built: Built, tmp_path: Path) -> None:
    """A trustee converts every chunk but one: its tags would not match (a booth ballot would
    not override the same voter's door-to-door ballot), even with every proof valid."""
    key = _home_chunk(built)
    second = built.trustees[CONVERTERS[1]].index

    def edit(events: Lines) -> Lines:
        target = _chunk_event(events, "tag_conversion", key, second)
        return [e for e in events if e is not target]

    report = _edit(built, tmp_path, edit)
    _failed(report, "V46", "converted by different trustees")


# --- V47: tag decryption shares ---------------------------------------------------------------


def test_a_wrong_tag_share_fails_v47(built: Built, tmp_path: Path) -> None:
    """A trustee posts two rows' shares swapped (re-signed with its own key)."""
    key = _home_chunk(built)
    state = built.trustees[DECRYPTERS[0]]

    def edit(events: Lines) -> None:
        target = _chunk_event(events, "tag_shares", key, state.index)
        shares = target["payload"]["shares"]
        shares[0], shares[1] = shares[1], shares[0]
        target["payload"] = sign_as_trustee(state, target["payload"])

    _failed(_edit(built, tmp_path, edit), "V47", f"trustee {state.index}", "tag decryption")


def test_too_few_tag_shares_fail_v47(built: Built, tmp_path: Path) -> None:
    key = _home_chunk(built)
    absent = built.trustees[DECRYPTERS[-1]].index

    def edit(events: Lines) -> Lines:
        target = _chunk_event(events, "tag_shares", key, absent)
        return [e for e in events if e is not target]

    report = _edit(built, tmp_path, edit)
    _failed(report, "V47", "2 trustees posted valid tag shares", "3 are needed")
    _failed(report, "V48", "cannot be recomputed")


def test_tag_shares_of_another_conversion_count_fail_v47(built: Built, tmp_path: Path) -> None:
    key = _home_chunk(built)
    state = built.trustees[DECRYPTERS[0]]

    def edit(events: Lines) -> None:
        target = _chunk_event(events, "tag_shares", key, state.index)
        target["payload"]["conversions"] = 1
        target["payload"] = sign_as_trustee(state, target["payload"])

    _failed(_edit(built, tmp_path, edit), "V47", "after 1 conversions; the chunk has 2")


# --- V48: the filter --------------------------------------------------------------------------


def _door_tally(built: Built, tmp_path: Path, row_index: int, sign: int) -> VerificationReport:
    """The tally's door-to-door cell of the overridden region plus (sign 1) or minus (sign -1)
    the shuffled home row ``row_index`` of that region."""
    region = _overridden_region(built)
    row = built.mixed.home[region][row_index]

    def edit(events: Lines) -> None:
        board = _board(events, stop="encrypted_tally")
        partial = counted_partial(board, built.mixed)
        key = mixing.door_to_door_key(region)
        partial.counts[key] += sign
        sums = partial.sums[key]
        columns = iter(row[1:])
        for q, options in enumerate(sums):
            for o, ct in enumerate(options):
                extra = next(columns)
                if sign < 0:
                    extra = Ciphertext(-extra.alpha, -extra.beta)
                sums[q][o] = ct + extra
        election = load_election(board)
        assert election.closed_entry is not None
        payload = tally_payload(election.require_manifest(), partial, election.closed_entry)
        next(e for e in events if e["type"] == "encrypted_tally")["payload"] = payload

    return _verify(tampered(built, tmp_path, edit))


def test_a_filter_that_keeps_the_set_aside_ballot_fails_v48(built: Built, tmp_path: Path) -> None:
    """The tally counts the door-to-door ballot the voter overrode in a booth."""
    region = _overridden_region(built)
    kept = set(built.mixed.kept[region])
    aside = next(j for j in range(len(built.mixed.home[region])) if j not in kept)
    report = _door_tally(built, tmp_path, aside, 1)
    _failed(report, "V48", "not the sum of the door-to-door rows the filter keeps")
    _failed(report, "V23")


def test_a_filter_that_drops_a_kept_ballot_fails_v48(built: Built, tmp_path: Path) -> None:
    region = _overridden_region(built)
    report = _door_tally(built, tmp_path, built.mixed.kept[region][0], -1)
    _failed(report, "V48", "not the sum of the door-to-door rows the filter keeps")


def test_a_voter_with_two_booth_ballots_fails_v48(tmp_path: Path) -> None:
    """A board that lets the overriding voter cast a second booth ballot (the private index
    refuses it; here a dishonest board recorded it anyway): both booth tags decrypt equal."""

    def second_booth_ballot(board: MemoryBoard, voter: str) -> None:
        election = load_election(board)
        station = _station(election.voters[voter].precinct_id, LocationKind.REGULAR_STATION)
        device = f"synthetic-{station}"
        previous = _tips(board).get(device, genesis_code(DIGEST, device))
        ballot, _ = make_ballot(board, voter, station, previous, b"2" * 32)
        at = MANIFEST.open_spans(MANIFEST.location_by_id[station])[0][0] + dt.timedelta(hours=5)
        board.replica = True  # past the private index, which refuses a second booth ballot
        board.append(check_in(station, ballot.checkin, at, voter))
        payload = {
            "ballot": ballot.to_json(),
            "signature": ballot.sign(device_key(station)),
            "tracking_code": ballot.tracking_code(),
            "received_at": at.astimezone(dt.UTC).isoformat(),
        }
        board.append(Event.create(EventType.BALLOT_CAST, payload))
        board.replica = False

    record = build_record(tmp_path / "record", voters=40, extra=second_booth_ballot).record
    report = _verify(record)
    _failed(report, "V48", "booth final tags appear more than once")


# --- malformed events: findings, never a crash ----------------------------------------------


@pytest.mark.parametrize("kind", ["shuffle", "tag_conversion", "tag_shares", "check_in"])
def test_structurally_fuzzed_mixing_events_are_findings(
    built: Built, tmp_path: Path, kind: str
) -> None:
    """Each run changes one field of one event of the kind (a wrong type, a removal), re-signs
    every head and verifies: a report with a finding every time, never an exception. (A
    trustee's event edited is no longer signed by it, so every change is seen.)"""
    rng = random.Random(kind)
    events = read_events(built.record)
    where = [i for i, e in enumerate(events) if e["type"] == kind]
    for run in range(6):
        index = rng.choice(where)
        payload, what = _mutate(events[index]["payload"], rng)
        if not isinstance(payload, dict):
            continue
        mutated = [*events[:index], {**events[index], "payload": payload}, *events[index + 1 :]]
        out = tmp_path / f"run{run}"
        report = _verify(tampered(built, out, lambda _e, m=mutated: m))  # must not raise
        assert not report.ok, f"{kind}{what} passed"
        assert not [f for f in report.findings() if "Traceback" in f.message]
