"""The proof of a shuffle, proved and verified: `python bench/bench_shuffle.py [--rows N ...]`.

Rows are what the deniable override shuffles: an encrypted voter tag and a yes/no answer
(three ciphertexts per row). For each N (default 1,000 and 10,000), times the shuffle with its
proof and the verification in one process, then the same N split into two halves shuffled and
verified by two processes at once (as regions or chunks are). Prints rows per second, seconds
per million rows and peak memory: this process's RSS high-water mark, and the workers' (read in
each worker, so it is not the parent's).
"""

from __future__ import annotations

import argparse
import resource
import time
from concurrent.futures import ProcessPoolExecutor

from plebiscite.crypto.elgamal import KeyPair, encrypt
from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.shuffle import Row, prove_shuffle, shuffle, verify_shuffle

CONTEXT = b"bench shuffle"
WIDTH = 3


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(key: KeyPair, n: int) -> list[Row]:
    rng = SystemRng()
    return [
        tuple(encrypt(key.public, m, rng.scalar()) for m in (i % 7, i % 2, 1 - i % 2))
        for i in range(n)
    ]


def _one(secret_hex: str, n: int) -> tuple[float, float, float]:
    """Shuffle, prove and verify n rows; returns (prove s, verify s, peak MiB) of this process."""
    from plebiscite.crypto.group import Point, Scalar

    secret = Scalar.from_hex(secret_hex)
    key = KeyPair(secret, Point.base_mul(secret))
    rows = _rows(key, n)
    rng = SystemRng()
    start = time.perf_counter()
    outputs, psi, nonces = shuffle(key.public, rows, rng)
    proof = prove_shuffle(CONTEXT, key.public, rows, outputs, psi, nonces, rng)
    proved = time.perf_counter()
    verify_shuffle(CONTEXT, key.public, rows, outputs, proof)
    return proved - start, time.perf_counter() - proved, peak_mib()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000, 10_000])
    args = parser.parse_args()
    key = KeyPair.generate(SystemRng())
    print(f"rows of {WIDTH} ciphertexts (tag, yes, no); libsodium, constant-time arithmetic")
    for n in args.rows:
        prove_s, verify_s, peak = _one(key.secret.hex(), n)
        print(
            f"N={n:,} 1 process: shuffle+prove {prove_s:.1f} s ({n / prove_s:,.0f} rows/s, "
            f"{prove_s / n * 1e6 / 3600:.2f} h per million), verify {verify_s:.1f} s "
            f"({n / verify_s:,.0f} rows/s, {verify_s / n * 1e6 / 3600:.2f} h per million), "
            f"peak RSS {peak:.0f} MiB"
        )
        with ProcessPoolExecutor(2) as pool:
            halves = list(pool.map(_one, [key.secret.hex()] * 2, [n // 2, n - n // 2]))
        wall = max(h[0] + h[1] for h in halves)  # the two run at once; the slower one decides
        worker_peak = max(h[2] for h in halves)
        print(
            f"N={n:,} 2 processes (two halves): shuffle+prove+verify {wall:.1f} s "
            f"({n / wall:,.0f} rows/s both steps, {wall / n * 1e6 / 3600:.2f} h per million), "
            f"worker peak RSS {worker_peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
