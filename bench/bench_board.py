"""Board benchmark: durable appends per second and inclusion-proof time at a million leaves.

    python bench/bench_board.py [--leaves 1000000] [--pg URL]

PostgreSQL is measured when ``--pg`` or ``PLEBISCITE_TEST_PG`` gives a server (in a scratch
schema dropped afterwards). Figures only; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.record.merkle import verify_inclusion
from plebiscite.record.sql import SqlBoard


def ballot(i: int) -> Event:
    return Event.create(EventType.BALLOT_CAST, {"n": i, "ciphertext": f"{i:064x}"})


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f} appends/s"


def bench_appends(board: Board, label: str) -> None:
    single = [ballot(i) for i in range(300)]
    start = time.perf_counter()
    for event in single:
        board.append(event)
    print(
        f"  {label:10} one append per commit, 1 thread     {rate(300, time.perf_counter() - start)}"
    )

    threads, per_thread = 32, 40
    events = [[ballot(t * 1000 + i) for i in range(per_thread)] for t in range(threads)]

    def writer(mine: list[Event]) -> None:
        for event in mine:
            board.append(event)

    workers = [threading.Thread(target=writer, args=(mine,)) for mine in events]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - start
    print(
        f"  {label:10} one append per call, 32 threads    {rate(threads * per_thread, seconds)}"
        "  (group commit)"
    )

    batches = [[ballot(b * 100 + i) for i in range(100)] for b in range(100)]
    start = time.perf_counter()
    for batch in batches:
        board.append_batch(batch)
    seconds = time.perf_counter() - start
    print(f"  {label:10} batches of 100, 1 thread            {rate(10_000, seconds)}")


def bench_proofs(board: Board, label: str, samples: int = 2000) -> None:
    size = board.size()
    root = board.root()
    picks = [random.randrange(size) for _ in range(samples)]
    timings = []
    for index in picks:
        start = time.perf_counter()
        proof = board.inclusion_proof(index, size)
        timings.append(time.perf_counter() - start)
    verify_inclusion(proof, board.entry(picks[-1]).leaf_hash, root)
    timings.sort()
    median, p99 = statistics.median(timings) * 1e3, timings[int(0.99 * samples)] * 1e3
    print(
        f"  {label:10} inclusion proof at {size:,} leaves: median {median:.3f} ms, "
        f"p99 {p99:.3f} ms ({len(proof.path)} hashes)"
    )


@contextmanager
def pg_schema(base: str) -> Iterator[str]:
    schema = f"board_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def build(board: Board, leaves: int) -> float:
    start = time.perf_counter()
    for first in range(0, leaves, 10_000):
        board.append_batch([ballot(i) for i in range(first, min(first + 10_000, leaves))])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--pg", default=os.environ.get("PLEBISCITE_TEST_PG"))
    args = parser.parse_args()

    print("durable appends (SQLite WAL synchronous=FULL; PostgreSQL synchronous_commit=on)")
    with tempfile.TemporaryDirectory() as scratch:
        with SqlBoard.open(str(Path(scratch) / "appends.sqlite"), create=True) as board:
            bench_appends(board, "SQLite")
        if args.pg:
            with pg_schema(args.pg) as url, SqlBoard.open(url, create=True) as board:
                bench_appends(board, "PostgreSQL")
        else:
            print("  PostgreSQL skipped: no --pg URL and PLEBISCITE_TEST_PG unset")

        print(f"inclusion proofs at {args.leaves:,} leaves (board built with batches of 10,000)")
        with SqlBoard.open(str(Path(scratch) / "big.sqlite"), create=True) as board:
            seconds = build(board, args.leaves)
            print(f"  SQLite     built in {seconds:.1f} s ({rate(args.leaves, seconds).strip()})")
            bench_proofs(board, "SQLite")
        if args.pg:
            with pg_schema(args.pg) as url, SqlBoard.open(url, create=True) as board:
                seconds = build(board, args.leaves)
                print(
                    f"  PostgreSQL built in {seconds:.1f} s ({rate(args.leaves, seconds).strip()})"
                )
                bench_proofs(board, "PostgreSQL")


if __name__ == "__main__":
    main()
