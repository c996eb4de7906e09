"""After the close: shuffle, tag conversion, tag decryption and the filter (``docs/tally.md`` 2).

The order of work (``docs/protocol.md`` section 12; the events read back and the checks each
step makes of the ones before it are in :mod:`.mixing_record`):

1. :func:`mix` (the authority, ``plebiscite tally mix``) shuffles every chunk of every region's
   booth and home batches and posts one ``shuffle`` event per chunk;
2. :func:`convert` (each trustee present, ``plebiscite trustee convert``) checks the shuffles
   and the conversions so far, then raises the tags of every chunk of every region to its
   region exponent and posts one ``tag_conversion`` per chunk;
3. :func:`post_tag_shares` (k trustees or more, ``plebiscite trustee decrypt``) checks it all
   again and posts one ``tag_shares`` per chunk;
4. :func:`filter_tags` (the tally, and each trustee's tally guard) checks the shares, computes
   the final tags and keeps the home rows whose tag is not a booth tag.

Every step is idempotent: a rerun reads the board, finds the events it posted earlier and
posts only what is missing, so a crash in the middle is finished by running the step again.
Every producer checks what it builds on and refuses, by name, what does not verify.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point
from plebiscite.crypto.randomness import Rng, SeededRng, SystemRng
from plebiscite.crypto.shuffle import prove_shuffle, shuffle
from plebiscite.crypto.tagging import (
    conversion_exponent,
    convert_tags_with,
    prove_tag_shares,
)
from plebiscite.domain import mixing
from plebiscite.domain.mixing import BATCHES, ChunkKey
from plebiscite.errors import InputError, PlebisciteError, ThresholdError
from plebiscite.record.board import Board
from plebiscite.record.events import MAX_EVENT_BYTES, Event, EventType
from plebiscite.services.ceremony.steps import TrusteeState, post_signed
from plebiscite.services.tally.mixing_record import (
    Chain,
    FilterOutcome,
    MixRecord,
    RegionFilter,
    check_chain,
    check_region,
    check_shuffle,
    chunk_inputs,
    common_converters,
    filter_tags,
    read_mix,
    rows_json,
    signer_of,
)
from plebiscite.verifier.workers import watch_parent

#: ``progress(step, done, total)``: rows done of the step's total.
Progress = Callable[[str, int, int], None]


def _quiet(_step: str, _done: int, _total: int) -> None:
    return None


# --- reading the board ----------------------------------------------------------------------


def _shuffle_chunk(
    ctx: bytes, key_hex: str, rows: list[list[list[str]]], seed: bytes | None
) -> tuple[list[list[list[str]]], dict[str, object]]:
    """Worker (or in-process): shuffle one chunk, return outputs and proof as plain data."""
    rng: Rng = SystemRng() if seed is None else SeededRng(seed)
    public = Point.from_hex(key_hex)
    inputs = [tuple(Ciphertext.from_json(ct) for ct in row) for row in rows]
    outputs, psi, nonces = shuffle(public, inputs, rng)
    proof = prove_shuffle(ctx, public, inputs, outputs, psi, nonces, rng)
    return rows_json(outputs), proof.to_json()


@dataclass(frozen=True)
class _Job:
    key: ChunkKey
    chunk_rows: int
    ctx: bytes
    rows: list[list[list[str]]]
    seed: bytes | None


def mix(
    board: Board,
    rng: Rng,
    *,
    workers: int = 1,
    chunk_rows: int | None = None,
    progress: Progress | None = None,
) -> list[int]:
    """Post the shuffle of every chunk not yet shuffled; returns the entries posted.

    ``chunk_rows`` defaults to the largest chunk (at most 4000 rows) whose event fits the
    board's size limit. With ``workers > 1`` chunks are shuffled in that many processes.
    """
    record = read_mix(board)
    report = progress or _quiet
    key = record.election.election_key
    assert key is not None
    ctx = record.election.context
    seeded = not isinstance(rng, SystemRng)
    jobs: list[_Job] = []
    total = 0
    for region in record.regions():
        for batch in BATCHES:
            rows = record.rows[region].batch(batch)
            if not rows:
                continue
            size = record.chunk_rows(region, batch) or chunk_rows
            size = size or mixing.fitting_chunk_rows(len(rows[0]), MAX_EVENT_BYTES)
            for index in range(mixing.chunk_count(len(rows), size)):
                if (region, batch, index) in record.shuffles:
                    continue  # posted by an earlier run
                part = mixing.chunk(rows, size, index)
                seed = rng.scalar().encode() + rng.scalar().encode() if seeded else None
                sctx = mixing.shuffle_ctx(ctx, region, batch, index)
                jobs.append(_Job((region, batch, index), size, sctx, rows_json(part), seed))
                total += len(part)
    posted: list[int] = []
    done = 0
    report("shuffle", 0, total)
    for job, (outputs, proof) in zip(jobs, _run(jobs, key.hex(), workers), strict=True):
        region, batch, index = job.key
        payload = {
            "region": region,
            "batch": batch,
            "chunk": index,
            "chunk_rows": job.chunk_rows,
            "outputs": outputs,
            "proof": proof,
        }
        posted.append(board.append(Event.create(EventType.SHUFFLE, payload)))
        done += len(job.rows)
        report("shuffle", done, total)
    return posted


def _run(
    jobs: list[_Job], key_hex: str, workers: int
) -> Iterator[tuple[list[list[list[str]]], dict[str, object]]]:
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _shuffle_chunk(job.ctx, key_hex, job.rows, job.seed)
        return
    with ProcessPoolExecutor(
        max_workers=workers, initializer=watch_parent, initargs=(os.getpid(),)
    ) as pool:
        futures = [
            pool.submit(_shuffle_chunk, job.ctx, key_hex, job.rows, job.seed) for job in jobs
        ]
        for future in futures:
            yield future.result()


# --- 2. the conversions ---------------------------------------------------------------------


def _require_trustee(record: MixRecord, state: TrusteeState) -> None:
    if state.index not in record.election.qualified:
        raise ThresholdError(f"trustee {state.index} was disqualified in the ceremony")
    if state.secret_share is None:
        raise InputError(f"trustee {state.index} holds no key share: confirm it first")


def _post(
    board: Board, record: MixRecord, state: TrusteeState, kind: EventType, payload: dict[str, Any]
) -> int:
    now = dt.datetime.now(dt.UTC)
    return post_signed(
        board,
        state,
        payload,
        kind,
        context=record.transcript.context,
        at=max(now, record.transcript.last_at or now),
    )


@dataclass
class Converted:
    """What :func:`convert` did: entries posted, regions skipped (decryption had begun)."""

    posted: list[int]
    skipped: list[str]


def convert(
    board: Board, state: TrusteeState, rng: Rng, progress: Progress | None = None
) -> Converted:
    """Convert every chunk this trustee has not converted yet, region by region."""
    record = read_mix(board)
    _require_trustee(record, state)
    assert state.secret_share is not None
    report = progress or _quiet
    ctx = record.election.context
    posted: list[int] = []
    skipped: list[str] = []
    regions = record.regions()
    total = sum(len(chunk_inputs(record, k)) for r in regions for k in record.chunks(r))
    done = 0
    for region in regions:
        chains = check_region(record, region)
        mine = [k for k, chain in chains.items() if state.index not in chain.converters]
        if mine and any(k[0] == region for k in record.shares):
            skipped.append(region)  # decryption began: a conversion now would not count
            continue
        cctx = mixing.conversion_ctx(ctx, region, state.index)
        z = conversion_exponent(state.secret_share, cctx)
        for key in chains:
            done += len(chains[key].tags)
            if key not in mine:
                continue
            conversion = convert_tags_with(cctx, chains[key].tags, z, rng)
            payload = {
                "region": key[0],
                "batch": key[1],
                "chunk": key[2],
                "commitment": conversion.exponent_commitment.hex(),
                "outputs": [ct.to_json() for ct in conversion.outputs],
                "proof": conversion.proof.to_json(),
            }
            if board.size() != record.size + len(posted):
                raise InputError(
                    "the board changed while converting (another trustee converting?): "
                    "run `trustee convert` again once it is done"
                )
            posted.append(_post(board, record, state, EventType.TAG_CONVERSION, payload))
            report("convert", done, total)
    report("convert", total, total)
    return Converted(posted, skipped)


# --- 3. the tag-decryption shares -----------------------------------------------------------


def tags_converted(board: Board) -> bool:
    """Whether every chunk of every region has at least one conversion (and none is missing)."""
    try:
        record = read_mix(board)
        return all(record.conversions.get(k) for r in record.regions() for k in record.chunks(r))
    except PlebisciteError:
        return False


def post_tag_shares(
    board: Board, state: TrusteeState, rng: Rng, progress: Progress | None = None
) -> list[int]:
    """Post this trustee's proven shares of every chunk's converted tags not yet posted."""
    record = read_mix(board)
    _require_trustee(record, state)
    assert state.secret_share is not None
    report = progress or _quiet
    ctx = record.election.context
    plan: list[tuple[ChunkKey, Chain]] = []
    for region in record.regions():
        chains = check_region(record, region)
        common_converters(region, chains)
        for key, chain in chains.items():
            if not any(signer_of(record, e) == state.index for e in record.shares.get(key, [])):
                plan.append((key, chain))
    total = sum(len(chain.tags) for _, chain in plan)
    done = 0
    posted = []
    for key, chain in plan:
        region, batch, index = key
        dctx = mixing.decryption_ctx(ctx, region, batch, index, state.index)
        made = prove_tag_shares(dctx, state.secret_share, chain.tags, rng)
        payload = {
            "region": region,
            "batch": batch,
            "chunk": index,
            "conversions": len(chain.converters),
            "shares": [d.hex() for d in made.shares],
            "proof": made.proof.to_json(),
        }
        posted.append(_post(board, record, state, EventType.TAG_SHARES, payload))
        done += len(chain.tags)
        report("tag shares", done, total)
    return posted


# --- 4. the filter --------------------------------------------------------------------------


def run_local_mixing(
    board: Board,
    states: Sequence[TrusteeState],
    rng: Rng,
    *,
    workers: int = 1,
    chunk_rows: int | None = None,
    progress: Progress | None = None,
) -> None:
    """Every step before the tally, for trustees whose key files are all at hand (demo,
    tests, benchmarks): mix, each of ``states`` converts, each posts its tag shares.

    In a real referendum each trustee runs ``trustee convert`` and ``trustee decrypt`` on its
    own machine; the board carries the same events either way.
    """
    mix(board, rng, workers=workers, chunk_rows=chunk_rows, progress=progress)
    for state in states:
        convert(board, state, rng, progress)
    for state in states:
        post_tag_shares(board, state, rng, progress)


__all__ = [
    "Chain",
    "Converted",
    "FilterOutcome",
    "MixRecord",
    "RegionFilter",
    "check_chain",
    "check_region",
    "check_shuffle",
    "convert",
    "filter_tags",
    "mix",
    "post_tag_shares",
    "read_mix",
    "run_local_mixing",
    "tags_converted",
]
