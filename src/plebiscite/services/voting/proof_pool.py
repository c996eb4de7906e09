"""Ballot proofs checked in worker processes (``docs/voting.md``, "Throughput").

A cast's cost is its proofs (15 arbitrary-point multiplications for a yes/no ballot); the rest
(HTTP, JSON, SQL) is Python that holds the interpreter lock. :class:`ProofPool` moves the proofs
to separate processes so the service uses every core: the request thread hands the ballot's
JSON to a worker and waits for the verdict. Workers are started with ``spawn`` (the service is
multi-threaded, and forking a threaded process can copy a held lock); each imports plebiscite
once and keeps no state between ballots. A :class:`~plebiscite.errors.ProofError` raised in a
worker is raised again in the caller, message intact.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from plebiscite.crypto.ballot import QuestionSpec
from plebiscite.crypto.group import Point
from plebiscite.domain.ballot import Ballot
from plebiscite.verifier.workers import watch_parent


def _check(
    ballot_json: dict[str, Any],
    key_hex: str,
    context: bytes,
    specs: list[tuple[str, int, int, int]],
) -> None:
    ballot = Ballot.from_json(ballot_json)
    specs_ = [QuestionSpec(*spec) for spec in specs]
    ballot.verify_proofs_batched(Point.from_hex(key_hex), context, specs_, secrets.token_bytes(32))


class ProofPool:
    """A pool of ``workers`` processes that check ballot proofs."""

    def __init__(self, workers: int) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=watch_parent,
            initargs=(os.getpid(),),
        )
        # Start the workers now, not on the first ballot.
        for future in [self._pool.submit(int, 0) for _ in range(workers)]:
            future.result()

    def __call__(
        self, ballot: Ballot, key: Point, context: bytes, specs: Sequence[QuestionSpec]
    ) -> None:
        spec_rows = [
            (s.question_id, s.n_options, s.min_selections, s.max_selections) for s in specs
        ]
        self._pool.submit(_check, ballot.to_json(), key.hex(), context, spec_rows).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
