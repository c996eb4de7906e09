"""Closing, the encrypted tally, decryption by k trustees, and the results (``docs/tally.md``).

1. :func:`aggregate` streams the board and adds every booth ballot's ciphertexts into its base
   cell (region, precinct, channel, day). Memory holds the base cells, never the ballots. The
   log is split into ranges that separate processes (or a Dask cluster) sum independently,
   since addition is associative. Door-to-door ballots are not read here: after the shuffle,
   tag conversion and tag decryption (:mod:`.mixing`), the home rows that no booth ballot of
   the same voter overrides are summed from the *shuffled* rows into one base cell per region,
   ``(region, "", "door_to_door", 0)`` (:func:`counted`).
2. :func:`publish_tally` merges base cells into the published cells
   (:mod:`plebiscite.domain.cells`) and posts the ``encrypted_tally`` event
   (:func:`plebiscite.domain.tally.tally_payload`); it refuses while tag shares are missing or
   tags repeat.
3. Each trustee posts a ``decryption_share`` event (:func:`trustee_decrypt`), signed with its
   announced key: one Chaum-Pedersen-proven share per published ciphertext.
4. :func:`combine` checks every share, names and drops wrong ones, and with k valid shares
   decrypts every cell and posts the ``results`` event
   (:func:`plebiscite.domain.tally.results_payload`); with fewer it reports who it waits for.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from plebiscite.crypto.elgamal import Ciphertext, DiscreteLog
from plebiscite.crypto.randomness import Rng
from plebiscite.crypto.threshold import (
    DecryptionShare,
    combine_shares,
    decrypt_share,
    verify_decryption_share,
)
from plebiscite.domain.cells import BaseKey
from plebiscite.domain.ceremony import Transcript, check_signed
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.mixing import door_to_door_key
from plebiscite.domain.offline import ballot_time
from plebiscite.domain.rules import voting_day_at
from plebiscite.domain.tally import (
    Partial,
    Wire,
    registered_by_region,
    results_payload,
    tally_payload,
)
from plebiscite.errors import InputError, NotReadyError, PlebisciteError, ThresholdError
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import Event, EventType
from plebiscite.services.ceremony.steps import TrusteeState, post_signed, transcript_from
from plebiscite.services.election.definition import Election, load_election
from plebiscite.services.tally.guard import refuse_unless_sound
from plebiscite.services.tally.mixing import (
    FilterOutcome,
    filter_tags,
    post_tag_shares,
    tags_converted,
)
from plebiscite.services.tally.mixing import Progress as MixProgress
from plebiscite.services.voting.chain_ends import name_unreported_devices
from plebiscite.verifier.workers import watch_parent

Progress = Callable[[int, int], None]


# --- the counted ballots, summed into base cells -------------------------------------------


def base_key(manifest: Manifest, payload: dict[str, Any]) -> BaseKey:
    location = manifest.location_by_id[payload["ballot"]["location"]]
    day = voting_day_at(manifest, dt.datetime.fromisoformat(ballot_time(payload)))
    return (location.region_id, location.precinct_id, location.kind.value, day.number if day else 0)


def aggregate_entries(entries: Iterable[Entry], manifest: Manifest) -> Partial:
    """Sum the booth ballots among ``entries`` into base cells (door-to-door ones are not
    read: they are counted from the shuffled rows, :func:`counted`)."""
    partial = Partial()
    for entry in entries:
        partial.last_index = entry.index
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
    return partial


def _aggregate_range(db: str, start: int, stop: int, manifest_json: bytes) -> tuple[Wire, int]:
    """Worker: open the board itself, sum one range, return the sums as plain data."""
    from plebiscite.domain.manifest_load import parse_manifest_json
    from plebiscite.record.sql import SqlBoard

    manifest = parse_manifest_json(manifest_json, "worker")
    board = SqlBoard.open(db)
    try:
        partial = aggregate_entries(board.entries(start, stop), manifest)
    finally:
        board.close()
    return partial.to_wire(), partial.last_index


def aggregate(
    board: Board,
    election: Election,
    *,
    stop: int | None = None,
    db: str | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Partial:
    """Sum every booth ballot in entries ``0 .. stop-1`` into base cells.

    With ``db`` (a URL other processes can open) and ``workers > 1`` or a Dask ``scheduler``
    address, ranges are summed in parallel; otherwise in this process.
    """
    manifest = election.require_manifest()
    size = board.size() if stop is None else stop
    report = progress or (lambda _done, _total: None)
    if db is None or (workers <= 1 and scheduler is None):
        total = Partial()
        step = max(1000, size // 100)
        for start in range(0, size, step):
            total.merge(aggregate_entries(board.entries(start, min(size, start + step)), manifest))
            report(min(size, start + step), size)
        return total
    from plebiscite.domain.manifest_hash import canonical_manifest

    manifest_json = canonical_manifest(manifest)
    chunks = max(1, workers) * 4
    bounds = [(size * i // chunks, size * (i + 1) // chunks) for i in range(chunks)]
    total = Partial()
    done = 0
    for (wire, last), (lo, hi) in zip(
        _map_ranges(db, bounds, manifest_json, workers, scheduler), bounds, strict=True
    ):
        total.merge(Partial.from_wire(wire, last))
        done += hi - lo
        report(done, size)
    return total


def _map_ranges(
    db: str,
    bounds: list[tuple[int, int]],
    manifest_json: bytes,
    workers: int,
    scheduler: str | None,
) -> Iterator[tuple[Wire, int]]:
    if scheduler is not None:
        from dask.distributed import Client

        with Client(scheduler) as client:  # type: ignore[no-untyped-call]
            futures = [
                client.submit(_aggregate_range, db, lo, hi, manifest_json, pure=False)
                for lo, hi in bounds
            ]
            for future in futures:
                yield future.result()
        return
    with ProcessPoolExecutor(
        max_workers=workers, initializer=watch_parent, initargs=(os.getpid(),)
    ) as pool:
        futures = [pool.submit(_aggregate_range, db, lo, hi, manifest_json) for lo, hi in bounds]
        for future in futures:
            yield future.result()


def add_door_to_door(partial: Partial, outcome: FilterOutcome) -> None:
    """Add each region's kept home rows as its one door-to-door base cell."""
    for region, result in outcome.regions.items():
        if result.filtered.kept:
            key = door_to_door_key(region)
            partial.sums[key] = result.door_to_door
            partial.counts[key] = len(result.filtered.kept)


def counted(
    board: Board,
    election: Election,
    closed: int,
    *,
    db: str | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Partial:
    """The base cells of the count: booth ballots, then each region's kept home rows.

    Raises :class:`RuleError` while the tags do not allow a count (shares missing, a tag
    repeated): the count never goes on without the filter.
    """
    outcome = filter_tags(board)
    outcome.require_sound()
    partial = aggregate(
        board, election, stop=closed, db=db, workers=workers, scheduler=scheduler, progress=progress
    )
    add_door_to_door(partial, outcome)
    partial.last_index = closed - 1
    return partial


# --- the encrypted tally ------------------------------------------------------------------


def publish_tally(
    board: Board,
    *,
    db: str | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Aggregate every ballot cast before the close and post the encrypted tally."""
    election = load_election(board)
    closed = election.closed_entry
    if closed is None:
        raise InputError("voting is not closed: the authority must close it before the tally")
    name_unreported_devices(board)  # every chain has an end before the count (chain_ends.py)
    partial = counted(
        board, election, closed, db=db, workers=workers, scheduler=scheduler, progress=progress
    )
    payload = tally_payload(election.require_manifest(), partial, closed)
    earlier = posted_tally(board, closed, payload)
    if earlier is not None:
        return earlier  # a rerun (after a crash, say) finds its own tally: never a second one
    return board.append(Event.create(EventType.ENCRYPTED_TALLY, payload))


def posted_tally(board: Board, closed: int, payload: dict[str, Any]) -> int | None:
    """The entry of the latest encrypted tally if it is ``payload`` itself, else None.

    Only the same tally, still the latest (the one trustees decrypt), counts as already
    posted: a different one after it (posted by whoever can write to the board, say) does not
    stop the count from being posted again.
    """
    latest = None
    for entry in board.entries_of_type([EventType.ENCRYPTED_TALLY], closed):
        latest = entry
    return latest.index if latest is not None and latest.event.payload == payload else None


def latest_tally(board: Board) -> Entry:
    return _read_count(board).require_tally()


@dataclass
class _Count:
    """What decryption needs, read from the board in one pass."""

    election: Election
    transcript: Transcript
    tally: Entry | None
    shares: list[Entry]  # decryption_share entries after the latest tally
    results: Entry | None = None  # the results event of the latest tally, if posted

    def require_tally(self) -> Entry:
        if self.tally is None:
            raise InputError("no encrypted tally on the board yet")
        return self.tally


def _read_count(board: Board) -> _Count:
    election = Election()
    ceremony: list[Entry] = []
    tally: Entry | None = None
    shares: list[Entry] = []
    results: Entry | None = None
    for entry in board.entries():
        election.apply(entry)
        kind = entry.event.type
        if kind is EventType.CEREMONY_MESSAGE:
            ceremony.append(entry)
        elif kind is EventType.ENCRYPTED_TALLY:
            tally, shares = entry, []
        elif kind is EventType.DECRYPTION_SHARE:
            shares.append(entry)
        elif (
            kind is EventType.RESULTS
            and tally is not None
            and results is None
            and entry.event.payload.get("tally_entry") == tally.index
        ):
            results = entry
    manifest = election.require_manifest()
    transcript = transcript_from(manifest, election.manifest_hash, ceremony, election.board_key)
    return _Count(election, transcript, tally, shares, results)


def _tally_ciphertexts(payload: dict[str, Any]) -> Iterator[tuple[str, int, int, Ciphertext]]:
    for cell in payload["cells"]:
        for q, row in enumerate(cell["sums"]):
            for o, ct in enumerate(row):
                yield cell["id"], q, o, Ciphertext.from_json(ct)


# --- decryption ----------------------------------------------------------------------------


def trustee_decrypt(board: Board, state: TrusteeState, rng: Rng) -> int:
    """Post this trustee's proven decryption shares of the latest encrypted tally."""
    count = _read_count(board)
    election = count.election
    if state.index not in election.qualified:
        raise ThresholdError(f"trustee {state.index} was disqualified in the ceremony")
    if state.secret_share is None:
        raise InputError(f"trustee {state.index} holds no key share: confirm it first")
    tally = count.require_tally()
    for entry in count.shares:
        payload = entry.event.payload
        if payload.get("trustee") == state.index and payload.get("tally") == tally.index:
            try:  # only a share this trustee signed is its own earlier share
                check_signed(count.transcript, payload)
            except PlebisciteError:
                continue
            return entry.index  # this trustee's share is already posted: a rerun adds nothing
    refuse_unless_sound(board, election, tally)
    context = election.context
    shares: dict[str, list[list[dict[str, object]]]] = {}
    for cell_id, q, o, ct in _tally_ciphertexts(tally.event.payload):
        rows = shares.setdefault(cell_id, [])
        while len(rows) <= q:
            rows.append([])
        rows[q].append(decrypt_share(context, state.index, state.secret_share, ct, rng).to_json())
        assert len(rows[q]) == o + 1
    return post_signed(
        board,
        state,
        {"tally": tally.index, "shares": shares},
        EventType.DECRYPTION_SHARE,
        context=count.transcript.context,
        at=max(dt.datetime.now(dt.UTC), count.transcript.last_at or dt.datetime.now(dt.UTC)),
    )


def decrypt_next(
    board: Board, state: TrusteeState, rng: Rng, progress: MixProgress | None = None
) -> tuple[str, list[int]]:
    """What ``trustee decrypt`` does now: shares of the tags before the tally, of the tally
    after it. Returns ``("tags" or "tally", entries posted)`` (none on a rerun)."""
    closed = load_election(board).closed_entry
    tallies = board.entries_of_type([EventType.ENCRYPTED_TALLY], closed or 0)
    if closed is not None and any(True for _ in tallies):
        size = board.size()
        index = trustee_decrypt(board, state, rng)
        return "tally", [index] if index >= size else []
    if closed is not None and not tags_converted(board):
        raise NotReadyError(
            "the tags are not converted yet: after `tally mix`, at least one trustee runs "
            "`trustee convert` (then `trustee decrypt` posts the tag shares)"
        )
    return "tags", post_tag_shares(board, state, rng, progress)


@dataclass
class Waiting:
    """Fewer than k valid decryption shares so far."""

    have: list[int]
    need: int
    rejected: dict[int, str]

    def __str__(self) -> str:
        return f"waiting for trustees: have {len(self.have)} of {self.need}"


def _valid_shares(count: _Count) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    election, transcript, tally = count.election, count.transcript, count.require_tally()
    context = election.context
    cts = list(_tally_ciphertexts(tally.event.payload))
    valid: dict[int, dict[str, Any]] = {}
    rejected: dict[int, str] = {}
    for entry in count.shares:
        payload = entry.event.payload
        if payload.get("tally") != tally.index:
            continue
        try:
            trustee = check_signed(transcript, payload)
            if trustee not in election.qualified:
                raise ThresholdError(f"trustee {trustee} was disqualified in the ceremony")
            if trustee in valid:
                continue
            public = election.public_shares[trustee]
            for cell_id, q, o, ct in cts:
                share = DecryptionShare.from_json(payload["shares"][cell_id][q][o])
                if share.trustee != trustee:
                    raise ThresholdError(f"a share in cell {cell_id} names trustee {share.trustee}")
                verify_decryption_share(context, public, ct, share)
        except (PlebisciteError, KeyError, IndexError, TypeError) as exc:
            who = payload.get("trustee")
            rejected[who if isinstance(who, int) else -1] = f"entry {entry.index}: {exc}"
            continue
        valid[trustee] = payload["shares"]
    return valid, rejected


def combine(board: Board, *, publish: bool = True) -> dict[str, Any] | Waiting:
    """Decrypt the latest tally with the first k valid trustees; post the results."""
    count = _read_count(board)
    election, tally = count.election, count.require_tally()
    if count.results is not None:
        earlier: dict[str, Any] = count.results.event.payload
        return earlier  # already combined and posted: a rerun posts nothing new
    valid, rejected = _valid_shares(count)
    k = election.threshold
    if len(valid) < k:
        return Waiting(sorted(valid), k, rejected)
    group = sorted(valid)[:k]
    payload = tally.event.payload
    dlog = DiscreteLog(max(1, max((c["ballots"] for c in payload["cells"]), default=1)))
    counts: dict[str, list[list[int]]] = {}
    for cell_id, q, o, ct in _tally_ciphertexts(payload):
        values = {t: DecryptionShare.from_json(valid[t][cell_id][q][o]).value for t in group}
        rows = counts.setdefault(cell_id, [])
        while len(rows) <= q:
            rows.append([])
        rows[q].append(dlog.solve(combine_shares(ct, values, k)))
    results = results_payload(
        election.require_manifest(),
        registered_by_region(election.voters.values()),
        tally.index,
        tally.event.payload,
        counts,
        group,
        rejected,
    )
    if publish:
        board.append(Event.create(EventType.RESULTS, results))
    return results
