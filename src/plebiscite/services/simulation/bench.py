"""Cryptographic benchmarks, measured in one run (``plebiscite bench crypto``).

Figures: arbitrary-point scalar multiplications per second (libsodium's
``crypto_scalarmult_ristretto255``), and for a yes/no ballot (one question, options yes and
no, exactly one chosen) encrypt-and-prove and verify per second on one core, the number of
arbitrary-point multiplications one verification costs (counted, not estimated), and verify
per second over all cores (a process pool, fork start method). Verification runs on the
public-data arithmetic chosen at start-up (``arithmetic``: the native libdecaf path when built,
libsodium otherwise), one ballot at a time and in batches (``verify_ballots_per_s_batch``:
the proofs of many ballots combined into one multi-scalar multiplication, protocol section
5.4); with the native path, the one-at-a-time figure on libsodium is measured too. The
all-cores figure parses each ballot from JSON and verifies in batches, as the verifier does.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from plebiscite.crypto import _sodium, linear
from plebiscite.crypto.ballot import (
    EncryptedAnswer,
    QuestionSpec,
    add_answer,
    encrypt_answer,
    verify_answer,
)
from plebiscite.crypto.batch import ProofBatch
from plebiscite.crypto.elgamal import KeyPair
from plebiscite.crypto.group import G, Point
from plebiscite.crypto.hashing import hash_bytes
from plebiscite.crypto.randomness import SystemRng

YES_NO = QuestionSpec("referendum", 2, 1, 1)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CryptoBench:
    scalar_mult_per_s: float
    encrypt_ballots_per_s: float
    verify_ballots_per_s: float
    verify_ballots_per_s_batch: float
    verify_ballots_per_s_all_cores: float
    verify_ballots_per_s_libsodium: float
    scalar_mults_per_verify: int
    cores: int
    ballots: int
    arithmetic: str

    def to_json(self) -> dict[str, float | int | str]:
        return asdict(self)


def arithmetic_note(name: str) -> str:
    """One line for reports: which public-data arithmetic ran."""
    if name == linear.NATIVE:
        return "libdecaf (native, variable time on public data; proofs checked in batches)"
    return "libsodium (the native libdecaf path is not built: run make setup)"


BATCH = 1000


def _verify_batched(key: Point, context: bytes, answers: list[EncryptedAnswer]) -> None:
    for start in range(0, len(answers), BATCH):
        batch = ProofBatch(secrets.token_bytes(32))
        for i, answer in enumerate(answers[start : start + BATCH]):
            add_answer(batch, i, key, context, YES_NO, answer)
        failures = batch.failures()
        if failures:  # pragma: no cover - honest ballots
            raise AssertionError(f"an honest ballot failed: {failures[0]}")


@contextmanager
def count_scalar_mults() -> Iterator[list[int]]:
    """Count calls of libsodium's arbitrary-point multiplication inside the block."""
    counter = [0]
    original = _sodium.scalarmult

    def counting(n: bytes, p: bytes) -> bytes | None:
        counter[0] += 1
        return original(n, p)

    _sodium.scalarmult = counting
    try:
        yield counter
    finally:
        _sodium.scalarmult = original


def _verify_chunk(args: tuple[bytes, bytes, list[dict[str, object]]]) -> int:
    """Parse and verify a chunk in batches, as the verifier's workers do."""
    key_bytes, context, answers = args
    key = Point.decode(key_bytes)
    _verify_batched(key, context, [EncryptedAnswer.from_json(data) for data in answers])
    return len(answers)


def run_crypto_bench(ballots: int = 400, progress: Progress | None = None) -> CryptoBench:
    rng = SystemRng()
    key = KeyPair.generate(rng).public
    context = hash_bytes("bench", key)
    report = progress or (lambda _stage, _done, _total: None)

    mults = max(ballots * 4, 1000)
    scalars = [rng.scalar() for _ in range(64)]
    point = G * rng.scalar()
    start = time.perf_counter()
    for i in range(mults):
        point * scalars[i & 63]
        if i % 200 == 0:
            report("scalar multiplications", i, mults)
    scalar_mult_per_s = mults / (time.perf_counter() - start)
    report("scalar multiplications", mults, mults)

    answers: list[EncryptedAnswer] = []
    start = time.perf_counter()
    for i in range(ballots):
        choice = [1, 0] if i % 2 else [0, 1]
        answers.append(encrypt_answer(key, context, YES_NO, choice, os.urandom(32), rng))
        if i % 20 == 0:
            report("encrypt and prove", i, ballots)
    encrypt_per_s = ballots / (time.perf_counter() - start)
    report("encrypt and prove", ballots, ballots)

    with count_scalar_mults() as counter, linear.using(linear.SODIUM):
        verify_answer(key, context, YES_NO, answers[0])
    mults_per_verify = counter[0]

    verify_per_s = _one_by_one(key, context, answers, "verify (1 core)", report)
    verify_sodium = verify_per_s
    if linear.backend() == linear.NATIVE:
        with linear.using(linear.SODIUM):
            verify_sodium = _one_by_one(key, context, answers, "verify (libsodium)", report)

    report("verify in batches", 0, ballots)
    start = time.perf_counter()
    _verify_batched(key, context, answers)
    verify_batch = ballots / (time.perf_counter() - start)
    report("verify in batches", ballots, ballots)

    cores = os.cpu_count() or 1
    wire = [a.to_json() for a in answers]
    chunks = [(key.encode(), context, wire[i :: cores * 4]) for i in range(cores * 4)]
    with multiprocessing.get_context("fork").Pool(cores) as pool:
        pool.map(_verify_chunk, chunks[:cores])  # warm the workers up
        start = time.perf_counter()
        done = 0
        for n in pool.imap_unordered(_verify_chunk, chunks):
            done += n
            report(f"verify ({cores} cores)", done, ballots)
        verify_all = ballots / (time.perf_counter() - start)

    return CryptoBench(
        scalar_mult_per_s=round(scalar_mult_per_s, 1),
        encrypt_ballots_per_s=round(encrypt_per_s, 1),
        verify_ballots_per_s=round(verify_per_s, 1),
        verify_ballots_per_s_batch=round(verify_batch, 1),
        verify_ballots_per_s_libsodium=round(verify_sodium, 1),
        verify_ballots_per_s_all_cores=round(verify_all, 1),
        scalar_mults_per_verify=mults_per_verify,
        cores=cores,
        ballots=ballots,
        arithmetic=linear.backend(),
    )


def _one_by_one(
    key: Point, context: bytes, answers: list[EncryptedAnswer], stage: str, report: Progress
) -> float:
    start = time.perf_counter()
    for i, answer in enumerate(answers):
        verify_answer(key, context, YES_NO, answer)
        if i % 20 == 0:
            report(stage, i, len(answers))
    report(stage, len(answers), len(answers))
    return len(answers) / (time.perf_counter() - start)


__all__ = ["CryptoBench", "arithmetic_note", "count_scalar_mults", "run_crypto_bench"]
