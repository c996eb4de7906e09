"""Cryptographic benchmarks, measured in one run (``plebiscite bench crypto``).

Figures: arbitrary-point scalar multiplications per second (libsodium's
``crypto_scalarmult_ristretto255``), and for a yes/no ballot (one question, options yes and
no, exactly one chosen) encrypt-and-prove and verify per second on one core, the number of
arbitrary-point multiplications one verification costs (counted, not estimated), and verify
per second over all cores (a process pool, fork start method).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from plebiscite.crypto import _sodium
from plebiscite.crypto.ballot import EncryptedAnswer, QuestionSpec, encrypt_answer, verify_answer
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
    verify_ballots_per_s_all_cores: float
    scalar_mults_per_verify: int
    cores: int
    ballots: int

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


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
    key_bytes, context, answers = args
    key = Point.decode(key_bytes)
    for data in answers:
        verify_answer(key, context, YES_NO, EncryptedAnswer.from_json(data))
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

    with count_scalar_mults() as counter:
        verify_answer(key, context, YES_NO, answers[0])
    mults_per_verify = counter[0]

    start = time.perf_counter()
    for i, answer in enumerate(answers):
        verify_answer(key, context, YES_NO, answer)
        if i % 20 == 0:
            report("verify (1 core)", i, ballots)
    verify_per_s = ballots / (time.perf_counter() - start)
    report("verify (1 core)", ballots, ballots)

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
        verify_ballots_per_s_all_cores=round(verify_all, 1),
        scalar_mults_per_verify=mults_per_verify,
        cores=cores,
        ballots=ballots,
    )


__all__ = ["CryptoBench", "count_scalar_mults", "run_crypto_bench"]
