"""The post-close pipeline built by hand from the crypto and the pure mixing functions.

Not a test module. The verifier's tests need records whose shuffles, tag conversions and tag
shares are honest, and tampered copies whose single lie is made with valid proofs (a shuffle
of the wrong rows, a converter with a second exponent). This builds the events straight from
``crypto/shuffle.py``, ``crypto/tagging.py`` and ``domain/mixing.py`` (``docs/protocol.md``
section 12), so that each tampering test can call the same pieces with one thing changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point, Scalar
from plebiscite.crypto.randomness import Rng
from plebiscite.crypto.shuffle import Row, prove_shuffle, shuffle
from plebiscite.crypto.tagging import conversion_exponent, convert_tags_with, prove_tag_shares
from plebiscite.crypto.threshold import decrypt_share
from plebiscite.domain import mixing
from plebiscite.domain.tally import Partial, tally_payload
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.services.ceremony.steps import TrusteeState, post_signed, transcript_from
from plebiscite.services.election.definition import Election, load_election
from plebiscite.services.tally.count import base_key
from plebiscite.services.tally.mixing import check_region, filter_tags, read_mix
from plebiscite.services.voting.chain_ends import name_unreported_devices


@dataclass
class ChunkRun:
    """What the pipeline made of one chunk (for tests that tamper with it)."""

    inputs: list[Row]
    outputs: list[Row]
    converted: list[list[Ciphertext]] = field(default_factory=list)  # after each converter
    final: list[bytes] = field(default_factory=list)


@dataclass
class Mixed:
    chunks: dict[mixing.ChunkKey, ChunkRun] = field(default_factory=dict)
    door: dict[str, tuple[int, list[list[Ciphertext]]]] = field(default_factory=dict)
    set_aside: dict[str, int] = field(default_factory=dict)
    kept: dict[str, tuple[int, ...]] = field(default_factory=dict)  # indices of kept home rows
    home: dict[str, list[Row]] = field(default_factory=dict)  # shuffled home rows, chunk order


def observe(board: Board) -> Mixed:
    """What the services posted, read back: every chunk's rows before and after, its last
    converted tags, and per region the kept home rows (for tests that tamper with them)."""
    record = read_mix(board)
    outcome = filter_tags(board, record=record)
    mixed = Mixed()
    for region in record.regions():
        home: list[Row] = []
        for key, chain in check_region(record, region).items():
            _, batch, index = key
            size = record.chunk_rows(region, batch)
            assert size is not None
            inputs = mixing.chunk(record.rows[region].batch(batch), size, index)
            outputs = [
                tuple(Ciphertext.from_json(ct) for ct in row)
                for row in record.shuffles[key].event.payload["outputs"]
            ]
            mixed.chunks[key] = ChunkRun(inputs, outputs, [chain.tags])
            if batch == mixing.HOME:
                home += outputs
        result = outcome.regions[region]
        mixed.kept[region] = result.filtered.kept
        mixed.set_aside[region] = result.filtered.set_aside
        mixed.home[region] = home
        if result.filtered.kept:
            mixed.door[region] = (len(result.filtered.kept), result.door_to_door)
    return mixed


def cast_rows(board: Board, election: Election) -> dict[str, mixing.RegionRows]:
    manifest = election.require_manifest()
    closed = election.closed_entry
    assert closed is not None
    payloads = [
        e.event.payload for e in board.entries(0, closed) if e.event.type is EventType.BALLOT_CAST
    ]
    return mixing.rows_from_cast(manifest, payloads)


def shuffle_payload(
    election: Election, key: mixing.ChunkKey, chunk_rows: int, inputs: Sequence[Row], rng: Rng
) -> tuple[dict[str, Any], list[Row]]:
    assert election.election_key is not None
    region, batch, index = key
    outputs, psi, nonces = shuffle(election.election_key, inputs, rng)
    context = mixing.shuffle_ctx(election.context, region, batch, index)
    proof = prove_shuffle(context, election.election_key, inputs, outputs, psi, nonces, rng)
    payload = {
        "region": region,
        "batch": batch,
        "chunk": index,
        "chunk_rows": chunk_rows,
        "outputs": [[ct.to_json() for ct in row] for row in outputs],
        "proof": proof.to_json(),
    }
    return payload, outputs


def conversion_payload(
    election: Election,
    key: mixing.ChunkKey,
    trustee: int,
    z: Scalar,
    inputs: Sequence[Ciphertext],
    rng: Rng,
) -> tuple[dict[str, Any], list[Ciphertext]]:
    region, batch, index = key
    context = mixing.conversion_ctx(election.context, region, trustee)
    conversion = convert_tags_with(context, inputs, z, rng)
    payload = {
        "region": region,
        "batch": batch,
        "chunk": index,
        "commitment": conversion.exponent_commitment.hex(),
        "outputs": [ct.to_json() for ct in conversion.outputs],
        "proof": conversion.proof.to_json(),
    }
    return payload, list(conversion.outputs)


def shares_payload(
    election: Election,
    key: mixing.ChunkKey,
    state: TrusteeState,
    conversions: int,
    tags: Sequence[Ciphertext],
    rng: Rng,
) -> tuple[dict[str, Any], list[Point]]:
    assert state.secret_share is not None
    region, batch, index = key
    context = mixing.decryption_ctx(election.context, region, batch, index, state.index)
    made = prove_tag_shares(context, state.secret_share, tags, rng)
    payload = {
        "region": region,
        "batch": batch,
        "chunk": index,
        "conversions": conversions,
        "shares": [p.hex() for p in made.shares],
        "proof": made.proof.to_json(),
    }
    return payload, list(made.shares)


def exponent(election: Election, state: TrusteeState, region: str) -> Scalar:
    assert state.secret_share is not None
    context = mixing.conversion_ctx(election.context, region, state.index)
    return conversion_exponent(state.secret_share, context)


def run_mixing(
    board: Board,
    converters: Sequence[TrusteeState],
    decrypters: Sequence[TrusteeState],
    rng: Rng,
    *,
    chunk_rows: int = mixing.DEFAULT_CHUNK_ROWS,
    strict: bool = True,
) -> Mixed:
    """Shuffle every chunk, convert it by each converter in turn, post the decrypters' tag
    shares, and filter: the honest pipeline of spec section 4, event by event on ``board``.
    ``strict``: a repeated tag stops it (as the tally refuses); otherwise it counts anyway, as
    a dishonest authority would."""
    election = load_election(board)
    manifest = election.require_manifest()
    transcript = transcript_from(
        manifest, election.manifest_hash, board.entries(), election.board_key
    )
    k = election.threshold
    mixed = Mixed()
    rows = cast_rows(board, election)

    def post(state: TrusteeState, payload: dict[str, Any], kind: EventType) -> None:
        post_signed(board, state, payload, kind, context=transcript.context, at=transcript.last_at)

    for region in sorted(rows):
        finals: dict[str, list[bytes]] = {}
        for batch in mixing.BATCHES:
            batch_rows = rows[region].batch(batch)
            count = mixing.chunk_count(len(batch_rows), chunk_rows)
            for index in range(count):
                key = (region, batch, index)
                inputs = mixing.chunk(batch_rows, chunk_rows, index)
                payload, outputs = shuffle_payload(election, key, chunk_rows, inputs, rng)
                board.append(Event.create(EventType.SHUFFLE, payload))
                mixed.chunks[key] = ChunkRun(inputs, outputs)
        for (r, batch, index), run in sorted(mixed.chunks.items()):
            if r != region:
                continue
            tags = [row[0] for row in run.outputs]
            for state in converters:
                payload, tags = conversion_payload(
                    election,
                    (r, batch, index),
                    state.index,
                    exponent(election, state, r),
                    tags,
                    rng,
                )
                post(state, payload, EventType.TAG_CONVERSION)
                run.converted.append(tags)
        for (r, batch, index), run in sorted(mixed.chunks.items()):
            if r != region:
                continue
            shares: dict[int, list[Point]] = {}
            for state in decrypters:
                payload, mine = shares_payload(
                    election, (r, batch, index), state, len(converters), run.converted[-1], rng
                )
                post(state, payload, EventType.TAG_SHARES)
                shares[state.index] = mine
            group = mixing.decrypting_group(shares, k)
            run.final = mixing.final_tags(run.converted[-1], shares, group)
            finals.setdefault(batch, []).extend(run.final)
        filtered = mixing.filter_region(region, finals.get("booth", []), finals.get("home", []))
        assert not (strict and filtered.findings), filtered.findings
        mixed.kept[region] = filtered.kept
        home = [
            row
            for (r, b, _), run in sorted(mixed.chunks.items())
            if (r, b) == (region, mixing.HOME)
            for row in run.outputs
        ]
        mixed.home[region] = home
        shape = [len(q.options) for q in manifest.region_by_id[region].questions]
        if filtered.kept:
            mixed.door[region] = (len(filtered.kept), mixing.sum_kept(home, filtered.kept, shape))
        mixed.set_aside[region] = filtered.set_aside
    return mixed


def counted_partial(board: Board, mixed: Mixed) -> Partial:
    """The count's base cells: the booth ballots from the ballots, each region's kept home rows
    as its one door-to-door cell (spec section 4)."""
    election = load_election(board)
    manifest = election.require_manifest()
    closed = election.closed_entry
    assert closed is not None
    partial = Partial()
    for entry in board.entries(0, closed):
        if entry.event.type is not EventType.BALLOT_CAST:
            continue
        payload = entry.event.payload
        if not manifest.location_by_id[payload["ballot"]["location"]].kind.is_booth:
            continue
        answers = [
            [Ciphertext.from_json(ct) for ct in answer["selections"]]
            for answer in payload["ballot"]["answers"]
        ]
        partial.add(base_key(manifest, payload), answers)
    for region, (count, sums) in mixed.door.items():
        key = mixing.door_to_door_key(region)
        partial.counts[key] = count
        partial.sums[key] = sums
    partial.last_index = closed - 1
    return partial


def publish_counted_tally(board: Board, mixed: Mixed) -> int:
    """Post the encrypted tally of :func:`counted_partial` (every chain ended first)."""
    name_unreported_devices(board)
    election = load_election(board)
    closed = election.closed_entry
    assert closed is not None
    payload = tally_payload(election.require_manifest(), counted_partial(board, mixed), closed)
    return board.append(Event.create(EventType.ENCRYPTED_TALLY, payload))


def post_tally_shares(board: Board, state: TrusteeState, rng: Rng) -> int:
    """A trustee's decryption shares of the latest tally (what ``trustee decrypt`` posts)."""
    assert state.secret_share is not None
    election = load_election(board)
    manifest = election.require_manifest()
    transcript = transcript_from(
        manifest, election.manifest_hash, board.entries(), election.board_key
    )
    tally = [e for e in board.entries() if e.event.type is EventType.ENCRYPTED_TALLY][-1]
    shares: dict[str, list[list[dict[str, object]]]] = {}
    for cell in tally.event.payload["cells"]:
        shares[cell["id"]] = [
            [
                decrypt_share(
                    election.context, state.index, state.secret_share, Ciphertext.from_json(ct), rng
                ).to_json()
                for ct in row
            ]
            for row in cell["sums"]
        ]
    return post_signed(
        board,
        state,
        {"tally": tally.index, "shares": shares},
        EventType.DECRYPTION_SHARE,
        context=transcript.context,
        at=transcript.last_at,
    )
