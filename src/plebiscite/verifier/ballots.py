"""The verifier's per-ballot cryptography, fanned out over processes or a Dask cluster.

The streaming pass (:mod:`.verify`) does every check that needs state (device chains, the
check-ins, the schedule) and hands each ballot and check-in line, with the device key the
state says signs it, to a :class:`BallotChecker`. The checker batches them and runs
:func:`check_batch` inline, in forked worker processes, or on a Dask cluster: the signature
(V14, V11), the ballot's canonical form (V12), the tag's proof (V44, ``docs/protocol.md``
6.3), every answer's proof (V17, sections 5.3 and 6) and a challenged ballot's opening (V20).
It sums the booth ballots into base cells; door-to-door ballots count through the shuffle.
At most a few batches are in flight, so memory does not grow with the record.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from plebiscite.crypto.ballot import QuestionSpec, verify_opening
from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import VerifyKey
from plebiscite.domain.ballot import Ballot
from plebiscite.domain.cells import BaseKey
from plebiscite.domain.check_in import CHECK_IN_TAG, check_in_message
from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.offline import ballot_time
from plebiscite.domain.tally import Partial, Wire
from plebiscite.errors import PlebisciteError
from plebiscite.verifier.sums import CellSums
from plebiscite.verifier.workers import watch_parent

#: (entry index, the events.jsonl line, device key hex or None, region id or None)
Job = tuple[int, bytes, str | None, str | None]
#: (entry index, check id, message)
Failure = tuple[int, str, str]


@dataclass(frozen=True)
class Statics:
    """What every batch needs to know about the election (small; sent with each batch)."""

    manifest_hash: str
    election_key: str | None
    context: bytes
    specs: dict[str, tuple[tuple[str, int, int, int], ...]]  # region -> question specs
    locations: dict[str, tuple[str, str, str]]  # location -> (region, precinct, channel)
    days: dict[str, int]  # local date (ISO) -> voting day number
    zone: str


def base_cell(
    statics: Statics, ballot: Ballot, received_at: object
) -> tuple[BaseKey, list[list[Ciphertext]]] | None:
    """The base cell a cast ballot adds to, as ``docs/tally.md`` section 2 files it, and its
    ciphertexts; None if its location or time cannot say (it then fails V13 or V15)."""
    where = statics.locations.get(ballot.location)
    if where is None or not isinstance(received_at, str):
        return None
    try:
        t = dt.datetime.fromisoformat(received_at)
    except ValueError:
        return None
    if t.utcoffset() is None:
        return None
    day = statics.days.get(t.astimezone(ZoneInfo(statics.zone)).date().isoformat(), 0)
    return (where[0], where[1], where[2], day), [list(a.selections) for a in ballot.answers]


def _is_booth(channel: str) -> bool:
    return LocationKind(channel).is_booth


def check_batch(statics: Statics, jobs: list[Job]) -> tuple[list[Failure], Wire]:
    """:func:`check_jobs` with the sums as plain data (for another process)."""
    failures, partial = check_jobs(statics, jobs)
    return failures, partial.to_wire()


def check_jobs(statics: Statics, jobs: list[Job]) -> tuple[list[Failure], Partial]:
    """Check the cryptography of a batch of ballot and check-in lines; never raises.

    The ballots' proofs are checked together (:class:`ProofBatch`, ``docs/protocol.md``
    section 5.4: one multi-scalar multiplication on the native path); when the batch fails,
    every ballot is checked alone and the failing ones are named. Also sums every cast ballot
    that parses into its base cell: the verifier later takes out the few that do not count,
    instead of reading every counted ballot a second time.
    """
    sums = CellSums()
    batch = ProofBatch(secrets.token_bytes(32))
    whose: dict[int, str] = {}
    key = None if statics.election_key is None else Point.from_hex(statics.election_key)
    specs = {
        region: tuple(QuestionSpec(*spec) for spec in rows)
        for region, rows in statics.specs.items()
    }
    out: list[Failure] = []
    for index, raw, device_key, region in jobs:
        try:
            event = json.loads(raw)
            kind, payload = event["type"], event["payload"]
            if kind == "check_in":
                _check_in(statics, payload, device_key, index, out)
            else:
                ballot = _ballot(
                    statics, key, specs, kind, payload, device_key, region, index, out, batch
                )
                cell = None if ballot is None else base_cell(statics, ballot, ballot_time(payload))
                if kind == "ballot_cast" and cell is not None and _is_booth(cell[0][2]):
                    sums.add(*cell)  # door-to-door ballots count through the shuffle (V48)
                whose[index] = _who(payload)
        except (PlebisciteError, KeyError, TypeError, ValueError, IndexError) as exc:
            out.append((index, "V12", f"unreadable ballot: {exc}"))
    for label, message in batch.failures():
        assert isinstance(label, int)
        out.append((label, "V17", f"{whose.get(label, 'ballot')}: {message}"))
    return out, sums.partial()


def _who(payload: dict[str, Any]) -> str:
    return (
        f"device {payload['ballot'].get('device')!r}, ballot {str(payload['tracking_code'])[:16]}"
    )


def _check_in(
    statics: Statics,
    payload: dict[str, Any],
    device_key: str | None,
    index: int,
    out: list[Failure],
) -> None:
    if device_key is None:
        return  # the stateful pass already reported the unknown device
    message = check_in_message(statics.manifest_hash, payload["device"], payload["checkin"])
    try:
        VerifyKey.from_hex(device_key).verify(
            CHECK_IN_TAG, message, bytes.fromhex(payload["signature"])
        )
    except (PlebisciteError, ValueError) as exc:
        out.append((index, "V11", f"check-in of device {payload['device']!r}: {exc}"))


def _ballot(
    statics: Statics,
    key: Point | None,
    specs: dict[str, tuple[QuestionSpec, ...]],
    kind: str,
    payload: dict[str, Any],
    device_key: str | None,
    region: str | None,
    index: int,
    out: list[Failure],
    batch: ProofBatch,
) -> Ballot | None:
    who = _who(payload)
    try:
        ballot = Ballot.from_json(payload["ballot"])
    except PlebisciteError as exc:
        out.append((index, "V12", f"{who}: the ballot does not parse: {exc}"))
        return None
    # a float in the payload would print differently from the typed ballot's canonical form
    if ballot.canonical() != canonical_json(payload["ballot"], floats_checked=True):
        out.append((index, "V12", f"{who}: the ballot is not in canonical form"))
    if ballot.tracking_code() != payload["tracking_code"]:
        out.append((index, "V18", f"{who}: the tracking code is not H(previous code, ballot)"))
    if device_key is not None:
        try:
            ballot.verify_signature(VerifyKey.from_hex(device_key), str(payload["signature"]))
        except PlebisciteError as exc:
            out.append((index, "V14", f"{who}: {exc}"))
    if key is not None:
        try:
            ballot.tag.verify(statics.context, ballot.device, ballot.checkin)
        except PlebisciteError as exc:
            out.append((index, "V44", f"{who}: {exc}"))
            return ballot  # V44 says it; the answers' proofs are judged with a valid tag only
    if key is not None and region in specs:
        ballot.add_proofs(batch, index, key, statics.context, specs[region])
    if kind == "ballot_challenged" and key is not None:
        _opening(key, ballot, payload.get("opening"), who, index, out)
    return ballot


def _opening(
    key: Point, ballot: Ballot, opening: object, who: str, index: int, out: list[Failure]
) -> None:
    try:
        if not isinstance(opening, dict) or set(opening) != {"nonce_seed", "choices"}:
            raise ValueError("the opening is not {nonce_seed, choices}")
        seed = bytes.fromhex(opening["nonce_seed"])
        choices = opening["choices"]
        if len(seed) != 32 or not isinstance(choices, list):
            raise ValueError("the opening needs a 32-byte nonce seed and a list of choices")
        if len(choices) != len(ballot.answers):
            raise ValueError(f"{len(choices)} opened answers for {len(ballot.answers)} questions")
        for answer, vector in zip(ballot.answers, choices, strict=True):
            verify_opening(key, answer, vector, seed)
    except (PlebisciteError, ValueError, TypeError) as exc:
        out.append((index, "V20", f"{who}: {exc}"))


class BallotChecker:
    """Batches jobs and runs them inline, on a fork pool (``workers > 1``) or on Dask."""

    def __init__(
        self,
        statics: Statics,
        *,
        workers: int = 1,
        scheduler: str | None = None,
        batch: int = 500,
    ) -> None:
        self.statics = statics
        self.batch = batch
        self.pending: list[Job] = []
        self.failures: list[Failure] = []
        self.partial = Partial()  # base-cell sums of every cast ballot checked so far
        self._inflight: deque[Any] = deque()
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        self._limit = 2 * max(1, workers)
        if scheduler is not None:
            from dask.distributed import Client

            self._client = Client(scheduler)  # type: ignore[no-untyped-call]
            workers_info = self._client.scheduler_info().get("workers", {})
            threads = sum(w.get("nthreads", 1) for w in workers_info.values())
            self._limit = 2 * max(1, threads)
        elif workers > 1:
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=context,
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )

    def add(self, job: Job) -> None:
        self.pending.append(job)
        if len(self.pending) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        jobs, self.pending = self.pending, []
        if self._client is not None:
            self._inflight.append(self._client.submit(check_batch, self.statics, jobs, pure=False))
        elif self._pool is not None:
            self._inflight.append(self._pool.submit(check_batch, self.statics, jobs))
        else:
            failures, partial = check_jobs(self.statics, jobs)
            self.failures += failures
            self.partial.merge(partial)
        while len(self._inflight) > self._limit:
            self._collect(self._inflight.popleft())

    def _collect(self, future: Future[tuple[list[Failure], Wire]] | Any) -> None:
        failures, wire = future.result()
        self.failures += failures
        self.partial.merge(Partial.from_wire(wire, -1))

    def take(self) -> list[Failure]:
        """Failures found so far (then forgotten here)."""
        out, self.failures = self.failures, []
        return out

    def finish(self, on_batch: Callable[[], None] | None = None) -> Iterator[Failure]:
        """Run what is left, wait for every batch and yield the remaining failures."""
        self._flush()
        while self._inflight:
            self._collect(self._inflight.popleft())
            if on_batch is not None:
                on_batch()
        yield from self.take()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
