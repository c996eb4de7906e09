"""Cast throughput over loopback HTTP: ``python bench/bench_cast_http.py [--ballots N]``.

Sets up a test election (one-trustee test key) on a fresh board, starts ``plebiscite serve``
on it in a subprocess, prepares every ballot (encrypted, proved, signed, chained per device)
before the clock starts, then sends them from 32 concurrent clients, one device each. Prints
acknowledged ballots per second, p50 and p99 latency, beside the one-core verification rate
of the same ballots measured in this run. SQLite always; PostgreSQL when PLEBISCITE_TEST_PG
(or --pg URL) names a server.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import election_context, region_specs
from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.record.sql import SqlBoard
from plebiscite.services.booth import Booth, PreparedBallot
from plebiscite.services.voting_testbed import publish_test_election

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed-referendum" / "manifest.toml"
TOKEN = "bench-token"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(db: str, ballots: int, clients: int, key_file: Path) -> dict[str, float | int | str]:
    manifest = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
    board = SqlBoard.open(db, create=True)
    bed = publish_test_election(board, manifest, voters=ballots * 2 + 200, seed=7)
    board.close()
    stations = [loc for loc in manifest.locations if loc.kind is LocationKind.MAKESHIFT_STATION]
    start = manifest.open_spans(stations[0])[0][0]
    by_region: dict[str, list[str]] = {}
    for entry in bed.roll.public_entries.values():
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
    used: dict[str, int] = {}
    t0 = time.perf_counter()
    for n in range(ballots):
        i = n % clients
        booth = booths[i]
        region = booth.location.region_id
        voter = by_region[region][used.get(region, 0)]
        used[region] = used.get(region, 0) + 1
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

    port = _port()
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
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/clock", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for booth in booths:
            httpx.post(
                f"{url}/authority/devices", json=booth.enrolment(), headers=auth, timeout=30
            ).raise_for_status()
        bodies = [[json.dumps(p.cast_body()).encode() for p in ps] for ps in per_client]
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def client(mine: list[bytes]) -> None:
            with httpx.Client(base_url=url, timeout=120) as http:
                for body in mine:
                    t = time.perf_counter()
                    r = http.post(
                        "/ballots", content=body, headers={"content-type": "application/json"}
                    )
                    dt = time.perf_counter() - t
                    with lock:
                        if r.status_code == 201:
                            latencies.append(dt)
                        else:
                            failures.append(r.text[:200])

        threads = [threading.Thread(target=client, args=(b,)) for b in bodies]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(10)
    if failures:
        print(f"  {len(failures)} refused, e.g. {failures[0]}", file=sys.stderr)
    latencies.sort()
    acked = len(latencies)
    return {
        "backend": db.split(":")[0] if "://" in db else "sqlite",
        "ballots": acked,
        "clients": clients,
        "acknowledged_per_s": round(acked / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0,
        "p99_ms": round(latencies[int(0.99 * (acked - 1))] * 1000, 1) if latencies else 0,
        "verify_one_core_per_s": round(verify_rate, 1),
        "ratio": round(acked / wall / verify_rate, 2),
        "prepare_s": round(prepare_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--pg", default=os.environ.get("PLEBISCITE_TEST_PG"))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "board.key"
        results.append(run(str(Path(tmp) / "bench.db"), args.ballots, args.clients, key))
        if args.pg:
            import secrets
            from urllib.parse import quote

            from sqlalchemy import create_engine, text

            # A fresh schema, first on the search path, so the board starts empty.
            schema = f"bench_cast_{secrets.token_hex(5)}"
            engine = create_engine(args.pg)
            with engine.begin() as c:
                c.execute(text(f"CREATE SCHEMA {schema}"))
            separator = "&" if "?" in args.pg else "?"
            url = f"{args.pg}{separator}options={quote(f'-csearch_path={schema}')}"
            try:
                results.append(run(url, args.ballots, args.clients, Path(tmp) / "pg.key"))
            finally:
                with engine.begin() as c:
                    c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                engine.dispose()
        else:
            print("PostgreSQL: skipped (set PLEBISCITE_TEST_PG or --pg URL)")
    header = (
        "backend",
        "ballots",
        "clients",
        "acknowledged_per_s",
        "p50_ms",
        "p99_ms",
        "verify_one_core_per_s",
        "ratio",
    )
    print("  ".join(f"{h:>12}" for h in header))
    for r in results:
        print("  ".join(f"{r[h]!s:>12}" for h in header))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
