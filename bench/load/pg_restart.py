"""PostgreSQL restarted under load (issue 12, faults); needs root and a local cluster.

``python bench/load/pg_restart.py [--pg URL] [--devices 8] [--ballots 60]``

Sets up the seed referendum in a fresh schema of the PostgreSQL database at ``--pg`` (default
``$PLEBISCITE_TEST_PG``), starts ``plebiscite serve`` on it, has ``--devices`` devices send
chained ballots with retries, and restarts the cluster with ``pg_ctlcluster
--skip-systemctl-redirect VERSION main restart`` once a quarter of them are acknowledged. It
counts every answer given while the database was away. Passing: those answers are 503
``board-unavailable`` problems (or connection errors), the service recovers by itself (every
device finishes), every receipt is on the board, nothing twice, and the record verifies.

Do not run it beside tests that use the same server: the restart breaks their connections.
The script starts the cluster again if it finds it down at the end. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa
from harness import Server, check_record, is_problem, make_fleet, setup_election, submit


def cluster_version() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if p.name.isdigit())
    if not versions:
        raise SystemExit("no cluster under /etc/postgresql")
    return versions[-1]


def pg_ctl(version: str, action: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        timeout=120,
    )
    return time.perf_counter() - t0


def cluster_online(version: str) -> bool:
    done = subprocess.run(
        ["pg_ctlcluster", version, "main", "status"], capture_output=True, check=False
    )
    return done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "PLEBISCITE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--ballots", type=int, default=60, help="per device")
    args = parser.parse_args()
    if "127.0.0.1" not in args.pg and "localhost" not in args.pg:
        raise SystemExit("loopback only: --pg must name 127.0.0.1")
    version = cluster_version()
    schema = f"load_pg_restart_{secrets.token_hex(4)}"
    admin = sa.create_engine(args.pg, pool_pre_ping=True)
    with admin.begin() as c:
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in args.pg else "?"
    db = f"{args.pg}{separator}options={quote(f'-csearch_path={schema}')}"
    work = Path(tempfile.mkdtemp(prefix="plebiscite-pg-restart-"))
    total = args.devices * args.ballots
    result: dict[str, Any] = {"cluster": version, "devices": args.devices, "ballots": total}
    try:
        election = setup_election(db, work / "board.key", voters=total * 4 + 400)
        fleet = make_fleet(election, args.devices, args.ballots, "pg")
        server = Server(db, election.key_file, election.start)
        server.start()
        receipts: dict[str, dict[str, Any]] = {}
        answers: Counter[str] = Counter()
        refused: list[Any] = []
        lock = threading.Lock()
        outage = {"on": False}

        def seen(r: httpx.Response) -> None:
            if r.status_code != 201:
                kind = "problem" if is_problem(r) else "not a problem document"
                body = r.json() if is_problem(r) else {}
                with lock:
                    answers[f"{r.status_code} {body.get('type', kind)}"] += 1
                    if r.headers.get("retry-after"):
                        answers["with Retry-After"] += 1

        def device(i: int) -> None:
            with httpx.Client(base_url=server.url, timeout=15) as http:
                for code, body in zip(fleet[i].codes, fleet[i].bodies, strict=True):
                    outcome = submit(http, body, deadline_s=120, pause_s=0.2, on_answer=seen)
                    with lock:
                        for a in outcome.attempts:
                            if not isinstance(a, int):
                                answers[a] += 1
                        if outcome.receipt is None:
                            refused.append(outcome.problem)
                            return
                        receipts[code] = outcome.receipt

        try:
            server.enrol(fleet)
            threads = [threading.Thread(target=device, args=(i,)) for i in range(args.devices)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            deadline = time.monotonic() + 60
            while len(receipts) < total // 4 and time.monotonic() < deadline:
                time.sleep(0.01)
            result["acknowledged_before_restart"] = len(receipts)
            outage["on"] = True
            result["restart_s"] = round(pg_ctl(version, "restart"), 2)
            for t in threads:
                t.join(180)
            result["all_devices_finished"] = not any(t.is_alive() for t in threads)
            result["wall_s"] = round(time.perf_counter() - t0, 1)
            result["close_status"] = server.close_voting()
        finally:
            server.stop()
        result["answers_other_than_201"] = dict(answers)
        result["refused"] = refused[:5]
        result["receipts"] = len(receipts)
        result["record"] = check_record(election, receipts, work / "record")
    finally:
        if not cluster_online(version):
            pg_ctl(version, "start")
        with admin.begin() as c:
            c.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
    record = result["record"]
    bad = [k for k in answers if k.startswith("5") and "board-unavailable" not in k]
    result["passed"] = bool(
        result["all_devices_finished"]
        and not refused
        and not bad
        and len(receipts) == total
        and record["receipts_missing"] == record["receipts_wrong"] == 0
        and record["duplicate_tracking_codes"] == 0
        and record["verify_ok"]
    )
    print(json.dumps(result))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
