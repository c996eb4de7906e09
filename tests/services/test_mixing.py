"""The post-close pipeline with a deniable override, and the attackers each step refuses.

A voter who votes at home and later in a booth: the booth ballot counts, the home ballot is set
aside, and nothing in the record says which home ballot that was. Then, one attacker at a time,
on a copy of the board: a shuffler who drops or replaces a row, a converter who uses another
exponent for one chunk, a trustee who posts a wrong tag share, a tally that keeps a set-aside
ballot, and tags that repeat; each is refused by the next producer's checks, by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from mixing_support import World, build_world, copy_board

from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.shuffle import prove_shuffle, shuffle
from plebiscite.crypto.tagging import conversion_exponent, convert_tags_with
from plebiscite.domain import mixing
from plebiscite.domain.tally import tally_payload
from plebiscite.errors import RuleError
from plebiscite.record.events import Event, EventType
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.ceremony.steps import post_signed
from plebiscite.services.election.definition import load_election
from plebiscite.services.tally.count import (
    Waiting,
    combine,
    counted,
    latest_tally,
    publish_tally,
    trustee_decrypt,
)
from plebiscite.services.tally.guard import refuse_unless_sound
from plebiscite.services.tally.mixing import (
    convert,
    filter_tags,
    mix,
    post_tag_shares,
    read_mix,
    tags_converted,
)

CHUNK = 5  # small chunks: every batch of the test election has several


@dataclass
class Run:
    world: World
    closed_size: int  # board size right after the close
    mixed_size: int  # after the shuffles
    converted_size: int  # after two trustees' conversions
    decrypted_size: int  # after three trustees' tag shares
    results: dict[str, Any]


@pytest.fixture(scope="module")
def run() -> Run:
    world = build_world()
    board = world.board
    closed = board.size()
    rng = SeededRng(b"pipeline")
    assert mix(board, rng, chunk_rows=CHUNK)
    mixed = board.size()
    assert not tags_converted(board)
    convert(board, world.trustees[0], rng)
    convert(board, world.trustees[3], rng)
    converted = board.size()
    assert tags_converted(board)
    for t in (0, 2, 3):
        post_tag_shares(board, world.trustees[t], rng)
    decrypted = board.size()
    publish_tally(board)
    for t in (0, 2, 3):
        trustee_decrypt(board, world.trustees[t], rng)
    results = combine(board)
    assert not isinstance(results, Waiting)
    return Run(world, closed, mixed, converted, decrypted, results)


def test_the_booth_ballot_counts_and_the_results_equal_the_truth(run: Run) -> None:
    got = {
        r["region"]: r["questions"][0]["options"] for r in run.results["regions"] if r["ballots"]
    }
    assert got == run.world.truth
    outcome = filter_tags(run.world.board)
    donetsk = outcome.regions["donetsk"]
    assert donetsk.filtered.set_aside == len(run.world.overridden) == 3
    assert donetsk.trustees == [1, 3, 4]
    assert outcome.refused == [] and outcome.rejected_shares == []


def test_every_chunk_is_shuffled_once_and_the_batches_are_split(run: Run) -> None:
    record = read_mix(run.world.board)
    rows = record.rows["donetsk"]
    assert (len(rows.booth), len(rows.home)) == (16 + 3, 17 + 3)  # 3 voters in both
    keys = record.chunks("donetsk")
    assert set(keys) == set(record.shuffles)
    for batch in mixing.BATCHES:
        n = len(rows.batch(batch))
        assert [k for k in keys if k[1] == batch] == [
            ("donetsk", batch, c) for c in range(mixing.chunk_count(n, CHUNK))
        ]


def test_nothing_after_the_close_names_the_set_aside_ballot(run: Run) -> None:
    """The home ballot's tracking code and ciphertexts appear in no count event."""
    board = run.world.board
    originals = set()
    for entry in board.entries(0, run.closed_size):
        home = entry.event.payload.get("tracking_code") in run.world.home_codes
        if entry.event.type is EventType.BALLOT_CAST and home:
            for answer in entry.event.payload["ballot"]["answers"]:
                originals |= {ct[0] for ct in answer["selections"]}
            originals.add(entry.event.payload["ballot"]["tag"]["ciphertext"][0])
    # (a device_chain_end names each device's last code, set aside or not: it says nothing of it)
    after = b"".join(
        e.event.data
        for e in board.entries(run.closed_size, board.size())
        if e.event.type is not EventType.DEVICE_CHAIN_END
    )
    for code in run.world.overridden:
        assert code.encode() not in after
    assert not any(alpha.encode() in after for alpha in originals)
    assert b"supersed" not in after and b"overrul" not in after


def test_reruns_post_nothing_new(run: Run) -> None:
    board = copy_board(run.world, run.decrypted_size)
    rng = SeededRng(b"rerun")
    size = board.size()
    assert mix(board, rng) == []
    assert convert(board, run.world.trustees[0], rng).posted == []
    assert post_tag_shares(board, run.world.trustees[2], rng) == []
    assert board.size() == size
    # a late converter, after decryption began, is told its conversion would not count
    late = convert(board, run.world.trustees[4], rng)
    assert late.posted == [] and late.skipped == ["donetsk"]
    # a second shuffle of a chunk (posted by whoever can write) does not count and is named
    first = read_mix(board).shuffles[("donetsk", "booth", 0)]
    board.append(first.event)
    assert filter_tags(board).ignored == [
        f"entry {size} (donetsk/booth/0): a second shuffle of the chunk, not counted"
    ]


def test_a_crashed_mix_is_finished_by_a_rerun(run: Run) -> None:
    """Two booth chunks were posted before the crash: the rerun keeps the booth batch's chunk
    size for its two other chunks, and shuffles the home batch (not begun) as it is told."""
    board = copy_board(run.world, run.closed_size + 2)
    assert len(mix(board, SeededRng(b"again"), chunk_rows=99)) == 2 + 1
    record = read_mix(board)
    assert (record.chunk_rows("donetsk", "booth"), record.chunk_rows("donetsk", "home")) == (5, 99)
    assert set(record.chunks("donetsk")) == set(record.shuffles)


# --- attackers -------------------------------------------------------------------------------


def _shuffle_payload(board: MemoryBoard, key: mixing.ChunkKey, rows: list[mixing.Row]) -> Event:
    """A shuffle event with a valid proof for the given (tampered) inputs."""
    election = load_election(board)
    assert election.election_key is not None
    ctx = mixing.shuffle_ctx(election.context, *key)
    rng = SeededRng(b"attacker")
    outputs, psi, nonces = shuffle(election.election_key, rows, rng)
    proof = prove_shuffle(ctx, election.election_key, rows, outputs, psi, nonces, rng)
    return Event.create(
        EventType.SHUFFLE,
        {
            "region": key[0],
            "batch": key[1],
            "chunk": key[2],
            "chunk_rows": CHUNK,
            "outputs": [[ct.to_json() for ct in row] for row in outputs],
            "proof": proof.to_json(),
        },
    )


def test_a_shuffler_who_replaces_a_row_is_refused_by_the_converter(run: Run) -> None:
    board = copy_board(run.world, run.closed_size)
    record = read_mix(board)
    rows = mixing.chunk(record.rows["donetsk"].home, CHUNK, 0)
    voter_b = rows[1]
    rows[0] = voter_b  # the first row replaced by a copy of the second: one voter counts twice
    board.append(_shuffle_payload(board, ("donetsk", "home", 0), rows))
    mix(board, SeededRng(b"rest"), chunk_rows=CHUNK)
    with pytest.raises(RuleError, match=r"the shuffle of chunk donetsk/home/0 fails"):
        convert(board, run.world.trustees[0], SeededRng(b"c"))


def test_a_shuffler_who_drops_a_row_is_refused_by_the_converter(run: Run) -> None:
    board = copy_board(run.world, run.closed_size)
    record = read_mix(board)
    rows = mixing.chunk(record.rows["donetsk"].booth, CHUNK, 0)
    board.append(_shuffle_payload(board, ("donetsk", "booth", 0), rows[:-1]))
    mix(board, SeededRng(b"rest"), chunk_rows=CHUNK)
    with pytest.raises(RuleError, match=r"donetsk/booth/0"):
        convert(board, run.world.trustees[0], SeededRng(b"c"))


def test_a_converter_with_another_exponent_for_one_chunk_is_refused(run: Run) -> None:
    board = copy_board(run.world, run.mixed_size)
    state = run.world.trustees[0]
    assert state.secret_share is not None
    record = read_mix(board)
    ctx = record.election.context
    cctx = mixing.conversion_ctx(ctx, "donetsk", state.index)
    z = conversion_exponent(state.secret_share, cctx)
    rng = SeededRng(b"cheat")
    for n, key in enumerate(record.chunks("donetsk")):
        outputs = record.shuffles[key].event.payload["outputs"]
        tags = [Ciphertext.from_json(row[0]) for row in outputs]
        exponent = z + z if n == 2 else z  # one chunk raised to 2z: its voter's tags split
        conversion = convert_tags_with(cctx, tags, exponent, rng)
        payload = {
            "region": key[0],
            "batch": key[1],
            "chunk": key[2],
            "commitment": conversion.exponent_commitment.hex(),
            "outputs": [ct.to_json() for ct in conversion.outputs],
            "proof": conversion.proof.to_json(),
        }
        post_signed(
            board, state, payload, EventType.TAG_CONVERSION, context=record.transcript.context
        )
    with pytest.raises(RuleError, match="used another exponent than in its other chunks"):
        convert(board, run.world.trustees[3], rng)
    with pytest.raises(RuleError, match="used another exponent"):
        post_tag_shares(board, run.world.trustees[2], rng)


def test_a_missing_converter_in_one_chunk_is_refused_before_decrypting(run: Run) -> None:
    board = copy_board(run.world, run.mixed_size)
    rng = SeededRng(b"partial")
    convert(board, run.world.trustees[0], rng)
    # trustee 4 converts only the first chunk (its process stopped)
    record = read_mix(board)
    full = copy_board(run.world, board=board)
    convert(full, run.world.trustees[3], rng)
    first = next(e for e in full.entries(board.size(), full.size()))
    board.append(first.event)
    assert record  # the board now has one chunk with two converters, the others one
    with pytest.raises(RuleError, match="converted by different trustees"):
        post_tag_shares(board, run.world.trustees[2], rng)


def test_a_wrong_tag_share_is_named_and_a_count_without_k_valid_is_refused(run: Run) -> None:
    board = copy_board(run.world, run.converted_size)
    rng = SeededRng(b"shares")
    post_tag_shares(board, run.world.trustees[0], rng)
    post_tag_shares(board, run.world.trustees[2], rng)
    # trustee 4's shares with one row's share replaced (to forge a match): re-signed by it
    honest = copy_board(run.world, board=board)
    post_tag_shares(honest, run.world.trustees[3], rng)
    record = read_mix(board)
    for entry in honest.entries(board.size(), honest.size()):
        payload = {
            k: v
            for k, v in entry.event.payload.items()
            if k not in ("trustee", "context", "at", "signature")
        }
        if (payload["batch"], payload["chunk"]) == ("home", 0):
            payload["shares"] = [payload["shares"][1], *payload["shares"][1:]]
        post_signed(
            board,
            run.world.trustees[3],
            payload,
            EventType.TAG_SHARES,
            context=record.transcript.context,
        )
    outcome = filter_tags(board)
    assert any("trustee 4" in why and "home/0" in why for why in outcome.rejected_shares)
    assert outcome.refused == ["region donetsk: 2 trustees posted valid tag shares, 3 are needed"]
    with pytest.raises(RuleError, match="2 trustees posted valid tag shares, 3 are needed"):
        publish_tally(board)
    # a fifth trustee's valid shares complete the count
    post_tag_shares(board, run.world.trustees[4], rng)
    assert filter_tags(board).regions["donetsk"].trustees == [1, 3, 5]


def test_a_tally_that_keeps_a_set_aside_ballot_is_refused_by_the_trustees(run: Run) -> None:
    board = copy_board(run.world, run.decrypted_size)
    election = load_election(board)
    assert election.closed_entry is not None
    record = read_mix(board)
    donetsk = filter_tags(board, record=record).regions["donetsk"]
    home: list[mixing.Row] = []
    for key in record.chunks("donetsk"):
        if key[1] == mixing.HOME:
            outputs = record.shuffles[key].event.payload["outputs"]
            home += [tuple(Ciphertext.from_json(ct) for ct in row) for row in outputs]
    set_aside = next(j for j in range(len(home)) if j not in donetsk.filtered.kept)
    # the authority's tally counts every home row: the overridden ballot counts as well
    partial = counted(board, election, election.closed_entry)
    cell = mixing.door_to_door_key("donetsk")
    partial.sums[cell] = mixing.sum_kept(home, [*donetsk.filtered.kept, set_aside], [2])
    partial.counts[cell] += 1
    board.append(
        Event.create(
            EventType.ENCRYPTED_TALLY,
            tally_payload(election.require_manifest(), partial, election.closed_entry),
        )
    )
    with pytest.raises(
        RuleError, match="refusing to decrypt: the tally's|refusing to decrypt: cell"
    ):
        refuse_unless_sound(board, election, latest_tally(board))
    with pytest.raises(RuleError, match="refusing to decrypt"):
        trustee_decrypt(board, run.world.trustees[0], SeededRng(b"no"))


def test_a_copied_tag_makes_tags_repeat_and_the_count_is_refused() -> None:
    """A device puts another home voter's tag into its ballot: one voter, two home rows."""
    world = build_world(voters=8, overrides=1, copied_tag=True)
    board = world.board
    rng = SeededRng(b"copied")
    mix(board, rng)
    convert(board, world.trustees[0], rng)
    for t in (0, 2, 3):
        post_tag_shares(board, world.trustees[t], rng)
    outcome = filter_tags(board)
    assert len(outcome.refused) == 1
    assert re.fullmatch(
        r"region donetsk: home row \d+ repeats an earlier home tag", outcome.refused[0]
    )
    with pytest.raises(RuleError, match="repeats an earlier home tag"):
        publish_tally(board)
