"""Cast over loopback HTTP: ``python bench/bench_cast_http.py [--ballots N] [--workers 1,2]``.

Sets up a test election (one-trustee test key) on a fresh board, starts ``plebiscite serve
--workers N`` on it in a subprocess, prepares every ballot (encrypted, proved, signed,
chained per device) and the device's check-in of each voter before the clock starts, then
sends them from 32 concurrent clients, one device each: every check-in first, then every
ballot (a 503 is waited out as its Retry-After says and the same request sent again).
Prints, per backend and number of server processes: acknowledged ballots per second (over the
time of both phases) and casts per second, p50 and p99 latency of a cast, the server's CPU
milliseconds per cast request, per check-in and per ballot (both; user + system time of every
server process, from /proc, over each phase), the server's resident memory after the
run (all its processes), and beside them the one-core verification rate of the same ballots
measured in this run. Then, in this process, SQL statements per ballot of the casting path
(``CastingService`` over the same kind of board, 8 threads, statements counted by SQLAlchemy
events, BEGIN and COMMIT included) and the CPU milliseconds of each check-in and cast
without HTTP. SQLite always; PostgreSQL when PLEBISCITE_TEST_PG (or
--pg URL) names a server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from plebiscite.crypto.randomness import SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import election_context, region_specs
from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.record.events import Event
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election.definition import load_election
from plebiscite.services.simulation.synthetic import enrolment_events, synthetic_ballots
from plebiscite.services.simulation.testbed import publish_test_election
from plebiscite.services.voting.booth import Booth, PreparedBallot

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-referendum" / "manifest.toml"
TOKEN = "bench-token"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _cpu_s(pid: int) -> float:
    total = 0.0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _rss_mib(pid: int) -> float:
    total = 0
    for process in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total / 2**20


def _send(
    url: str, bodies: list[list[tuple[str, bytes]]], server: int, samples: list[tuple[int, float]]
) -> tuple[float, list[float], list[str], int]:
    """Send each client's bodies in order from one thread per client, waiting out a 503 as its
    Retry-After says and sending the same body again; return the wall time, the latencies of
    the acknowledged (201) requests, the refusals and the number of 503 answers. Samples the
    server's RSS every half second into ``samples``."""
    latencies: list[float] = []
    failures: list[str] = []
    shed = [0]
    lock = threading.Lock()

    def client(mine: list[tuple[str, bytes]]) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            for path, body in mine:
                t = time.perf_counter()
                while True:
                    r = http.post(path, content=body, headers={"content-type": "application/json"})
                    if r.status_code != 503:
                        break
                    with lock:
                        shed[0] += 1
                    time.sleep(float(r.headers.get("retry-after", "1")) * random.random())
                dt = time.perf_counter() - t
                with lock:
                    if r.status_code != 201:
                        failures.append(r.text[:200])
                    else:
                        latencies.append(dt)

    threads = [threading.Thread(target=client, args=(b,)) for b in bodies]
    sending = threading.Event()

    def sample() -> None:
        while not sending.wait(0.5):
            samples.append((len(latencies), _rss_mib(server)))

    sampler = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    sending.set()
    return wall, latencies, failures, shed[0]


def prefill(board: SqlBoard, ballots: int) -> set[str]:
    """Append ``ballots`` synthetic ballots (each after its check-in) straight to the board,
    through the casting rules, in batches; return the voters who cast them."""
    election = load_election(board)
    board.append_batch(enrolment_events(election.require_manifest()))
    voted: set[str] = set()
    batch: list[Event] = []
    for made in synthetic_ballots(election, ballots, random.Random(3), SystemRng()):
        batch.extend(made.events)
        voted.add(str((made.event.private or {})["voter"]))
        if len(batch) >= 2000:
            board.append_batch(batch)
            batch = []
    board.append_batch(batch)
    return voted


def run(
    db: str,
    ballots: int,
    clients: int,
    key_file: Path,
    workers: int = 1,
    prefilled: int = 0,
) -> dict[str, float | int | str]:
    manifest = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
    board = SqlBoard.open(db, create=True)
    bed = publish_test_election(board, manifest, voters=ballots * 2 + 200 + prefilled, seed=7)
    t0 = time.perf_counter()
    voted = prefill(board, prefilled) if prefilled else set()
    prefill_s = time.perf_counter() - t0
    board_entries = board.size()
    board.close()
    stations = [loc for loc in manifest.locations if loc.kind is LocationKind.MAKESHIFT_STATION]
    start = manifest.open_spans(stations[0])[0][0]
    by_region: dict[str, list[str]] = {}
    for entry in bed.roll.public_entries.values():
        if entry.pseudonym not in voted:
            by_region.setdefault(entry.region_id, []).append(entry.pseudonym)

    booths = []
    for i in range(clients):
        loc = stations[i % len(stations)]
        booths.append(
            Booth(
                manifest,
                bed.manifest_hash,
                bed.key.public,
                f"bench-{i}",
                loc.id,
                SigningKey.generate(),
            )
        )
    per_client: list[list[PreparedBallot]] = [[] for _ in booths]
    check_ins: list[list[dict[str, str]]] = [[] for _ in booths]
    used: dict[str, int] = {}
    t0 = time.perf_counter()
    for n in range(ballots):
        i = n % clients
        booth = booths[i]
        region = booth.location.region_id
        voter = by_region[region][used.get(region, 0)]
        used[region] = used.get(region, 0) + 1
        check_ins[i].append(booth.check_in(voter))  # each ballot follows its check-in
        prepared = booth.prepare_vectors(voter, [[1, 0] if n % 3 else [0, 1]])
        booth.accepted(prepared)  # chain them in advance: the server will accept them in order
        per_client[i].append(prepared)
    prepare_s = time.perf_counter() - t0

    # One-core verification of the same ballots, in this process.
    sample = [p for ps in per_client for p in ps][: min(ballots, 400)]
    context = election_context(bed.manifest_hash, bed.key.public)
    t0 = time.perf_counter()
    for p in sample:
        specs = region_specs(manifest, manifest.location_by_id[p.ballot.location].region_id)
        p.ballot.verify_proofs(bed.key.public, context, specs)
    verify_rate = len(sample) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for p in sample:  # as the server checks them: each ballot's equations in one batch
        specs = region_specs(manifest, manifest.location_by_id[p.ballot.location].region_id)
        p.ballot.verify_proofs_batched(bed.key.public, context, specs, secrets.token_bytes(32))
    batched_rate = len(sample) / (time.perf_counter() - t0)

    port = _port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "plebiscite"),
            "serve",
            "--db",
            db,
            "--port",
            str(port),
            "--admin-token",
            TOKEN,
            "--board-key",
            str(key_file),
            "--demo-clock",
            "--demo-start",
            (start.replace(minute=1)).isoformat(),
            *(["--workers", str(workers)] if workers > 1 else []),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while time.perf_counter() - started < 300:
            try:
                httpx.get(f"{url}/clock", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.02)
        ready_s = time.perf_counter() - started
        rss_ready = _rss_mib(server.pid)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for booth in booths:
            httpx.post(
                f"{url}/authority/devices", json=booth.enrolment(), headers=auth, timeout=30
            ).raise_for_status()
        check_in_bodies = [
            [(f"/devices/{b.device_id}/check-ins", json.dumps(c).encode()) for c in cs]
            for b, cs in zip(booths, check_ins, strict=True)
        ]
        ballot_bodies = [
            [("/ballots", json.dumps(p.cast_body()).encode()) for p in ps] for ps in per_client
        ]
        cpu0 = _cpu_s(server.pid)
        wall_in, _, refused_in, shed_in = _send(url, check_in_bodies, server.pid, [])
        cpu_in = _cpu_s(server.pid) - cpu0
        samples: list[tuple[int, float]] = []  # (acknowledged so far, server RSS MiB)
        cpu0 = _cpu_s(server.pid)
        wall, latencies, failures, shed = _send(url, ballot_bodies, server.pid, samples)
        cpu = _cpu_s(server.pid) - cpu0
        failures += refused_in
        rss = _rss_mib(server.pid)
        # Growth per ballot over the second half of the run (start-up and caches filling
        # happen in the first).
        half = next(((n, r) for n, r in samples if n >= len(latencies) // 2), (len(latencies), rss))
        growth_kib = (rss - half[1]) * 1024 / max(1, len(latencies) - half[0])
    finally:
        server.terminate()
        server.wait(10)
    if failures:
        print(f"  {len(failures)} refused, e.g. {failures[0]}", file=sys.stderr)
    latencies.sort()
    acked = len(latencies)
    return {
        "backend": db.split(":")[0].split("+")[0] if "://" in db else "sqlite",
        "workers": workers,
        "ballots": acked,
        "clients": clients,
        "cpu_ms_cast": round(cpu * 1000 / max(1, acked), 2),
        "cpu_ms_check_in": round(cpu_in * 1000 / max(1, acked), 2),
        "server_cpu_ms_per_ballot": round((cpu + cpu_in) * 1000 / max(1, acked), 2),
        "casts_per_s": round(acked / wall, 1),
        "check_ins_per_s": round(acked / wall_in, 1),
        "prefilled": prefilled,
        "board_entries_at_start": board_entries,
        "prefill_s": round(prefill_s, 1),
        "ready_s": round(ready_s, 2),
        "rss_mib_ready": round(rss_ready, 1),
        "rss_kib_per_ballot": round((rss - rss_ready) * 1024 / max(1, acked), 2),
        "server_rss_mib": round(rss, 1),
        "rss_mib_at_half": round(half[1], 1),
        "rss_kib_per_ballot_second_half": round(growth_kib, 2),
        "shed_503": shed + shed_in,
        "acknowledged_per_s": round(acked / (wall + wall_in), 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0,
        "p99_ms": round(latencies[int(0.99 * (acked - 1))] * 1000, 1) if latencies else 0,
        "verify_one_core_per_s": round(verify_rate, 1),
        "verify_batched_one_core_per_s": round(batched_rate, 1),
        "ratio": round(acked / (wall + wall_in) / verify_rate, 2),
        "prepare_s": round(prepare_s, 1),
    }


def statements_per_ballot(db: str, ballots: int = 400, threads: int = 8) -> dict[str, float]:
    """SQL statements (BEGIN and COMMIT included) per ballot of the casting path, counted by
    SQLAlchemy events on the board's engine, with ``threads`` devices at once checking every
    voter in, then casting every ballot (counted apart)."""
    from sqlalchemy import event

    from plebiscite.services.voting.casting import CastingService, SimulatedClock

    manifest = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
    board = SqlBoard.open(db, create=True)
    bed = publish_test_election(board, manifest, voters=ballots * 2 + 200, seed=9)
    stations = [loc for loc in manifest.locations if loc.kind is LocationKind.MAKESHIFT_STATION]
    start = manifest.open_spans(stations[0])[0][0].replace(minute=1)
    service = CastingService(board, SigningKey.generate(), SimulatedClock(start))
    by_region: dict[str, list[str]] = {}
    for entry in bed.roll.public_entries.values():
        by_region.setdefault(entry.region_id, []).append(entry.pseudonym)
    # per device: its check-in of a voter, then that voter's ballot (both count as casting)
    queues: list[list[PreparedBallot | tuple[str, dict[str, str]]]] = []
    for i in range(threads):
        loc = stations[i % len(stations)]
        booth = Booth(
            manifest, bed.manifest_hash, bed.key.public, f"st-{i}", loc.id, SigningKey.generate()
        )
        service.enrol_device(booth.device_id, loc.id, booth.key.verify_key.hex())
        mine = []
        for _ in range(ballots // threads):
            voter = by_region[loc.region_id].pop()
            mine.append((booth.device_id, booth.check_in(voter)))
            prepared = booth.prepare_vectors(voter, [[1, 0]])
            booth.accepted(prepared)
            mine.append(prepared)
        queues.append(mine)
    counted = {"statements": 0}
    engine = board._engine

    def count(*_: object) -> None:
        counted["statements"] += 1

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", count)
    event.listen(engine, "rollback", count)

    def cast(mine: list[PreparedBallot | tuple[str, dict[str, str]]], ballots: bool) -> None:
        for item in mine:
            if isinstance(item, tuple):
                if not ballots:
                    device, body = item
                    service.check_in(device, body["voter"], body["checkin"], body["signature"])
            elif ballots:
                body = item.cast_body()
                service.cast(body["ballot"], body["signature"], tag_opening=body["tag_opening"])

    per_phase = []
    cpu_phase = []  # this process's CPU seconds: the service's work without HTTP
    for ballots_now in (False, True):  # every check-in, then every ballot
        counted["statements"] = 0
        workers = [threading.Thread(target=cast, args=(q, ballots_now)) for q in queues]
        cpu0 = time.process_time()
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        cpu_phase.append(time.process_time() - cpu0)
        per_phase.append(counted["statements"])
    board.close()
    cast_n = sum(1 for q in queues for item in q if not isinstance(item, tuple))
    return {
        "ballots": cast_n,
        "check_in": round(per_phase[0] / cast_n, 2),
        "cast": round(per_phase[1] / cast_n, 2),
        "statements_per_ballot": round(sum(per_phase) / cast_n, 2),
        "in_process_cpu_ms_check_in": round(cpu_phase[0] * 1000 / cast_n, 2),
        "in_process_cpu_ms_cast": round(cpu_phase[1] * 1000 / cast_n, 2),
    }


def _fresh_pg(base: str) -> tuple[str, Callable[[], None]]:
    """A URL whose search path is a new schema (so the board starts empty), and its dropper."""
    import secrets
    from urllib.parse import quote

    from sqlalchemy import create_engine, text

    schema = f"bench_cast_{secrets.token_hex(5)}"
    engine = create_engine(base)
    with engine.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"

    def drop() -> None:
        with engine.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()

    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", default="1,2", help="server processes to try, e.g. 1,2")
    parser.add_argument("--pg", default=os.environ.get("PLEBISCITE_TEST_PG"))
    parser.add_argument(
        "--prefill",
        type=int,
        default=0,
        help="synthetic ballots appended to the board before the server starts (e.g. 100000): "
        "the run then shows the time to ready and the memory on a board of that size",
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    results = []
    statements = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            db = str(Path(tmp) / f"bench-{n}.db")
            key = Path(tmp) / f"{n}.key"
            results.append(run(db, args.ballots, args.clients, key, n, args.prefill))
        statements.append(("sqlite", statements_per_ballot(str(Path(tmp) / "statements.db"))))
        if args.pg:
            for n in counts:
                url, drop = _fresh_pg(args.pg)
                try:
                    key = Path(tmp) / f"pg-{n}.key"
                    results.append(run(url, args.ballots, args.clients, key, n, args.prefill))
                finally:
                    drop()
            url, drop = _fresh_pg(args.pg)
            try:
                statements.append(("postgresql", statements_per_ballot(url)))
            finally:
                drop()
        else:
            print("PostgreSQL: skipped (set PLEBISCITE_TEST_PG or --pg URL)")
    header = (
        "backend",
        "workers",
        "ballots",
        "acknowledged_per_s",
        "casts_per_s",
        "p50_ms",
        "p99_ms",
        "cpu_ms_cast",
        "cpu_ms_check_in",
        "server_cpu_ms_per_ballot",
        "board_entries_at_start",
        "ready_s",
        "rss_mib_ready",
        "server_rss_mib",
        "rss_kib_per_ballot",
        "shed_503",
        "verify_one_core_per_s",
        "verify_batched_one_core_per_s",
    )
    print("  ".join(f"{h:>12}" for h in header))
    for r in results:
        print("  ".join(f"{r[h]!s:>12}" for h in header))
    for backend, figures in statements:
        print(
            f"{backend}: {figures['statements_per_ballot']} SQL statements per ballot "
            f"({figures['check_in']} for its check-in, {figures['cast']} for the cast; "
            f"{figures['ballots']} ballots, 8 devices at once, in process); CPU without "
            f"HTTP {figures['in_process_cpu_ms_check_in']} ms per check-in, "
            f"{figures['in_process_cpu_ms_cast']} ms per cast"
        )
    print(json.dumps({"runs": results, "statements": dict(statements)}))


if __name__ == "__main__":
    main()
