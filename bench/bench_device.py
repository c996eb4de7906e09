"""An offline team's day: ``python bench/bench_device.py [--ballots N]``.

Publishes the seed manifest with a synthetic roll and the 3-of-5 ceremony on a fresh SQLite
board, starts ``plebiscite serve`` on it (loopback, demo clock), enrols one mobile team's
device, then times, offline, N check-ins and N ballots into the device's queue (encryption,
proofs, signatures, and the durable SQLite write with synchronous=FULL before each receipt),
and then the sync of the whole queue over HTTP (check-ins, ballots, receipts checked).
Prints the figures as JSON on the last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))

from harness import TOKEN, Server, setup_election

from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.api.client import HttpVotingServer
from plebiscite.services.voting.device import OfflineDevice, init_device
from plebiscite.services.voting.device_sync import sync


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = str(work / "board.db")
        election = setup_election(db, work / "board.key", voters=max(2000, args.ballots * 40))
        team = next(
            loc
            for loc in election.manifest.locations
            if loc.kind is LocationKind.MOBILE_TEAM and loc.region_id == "donetsk"
        )
        day1, day2 = (span[0] for span in election.manifest.open_spans(team)[:2])
        server = Server(db, election.key_file, day1 - dt.timedelta(hours=1))
        server.start()
        try:
            http = HttpVotingServer(server.url, TOKEN)
            queue = work / "team.sqlite"
            init_device(http, queue, "bench-team", team.id).close()
            with sqlite3.connect(queue) as q:
                voters = [v for (v,) in q.execute("SELECT voter FROM roll WHERE home_voting = 1")]
            voters = voters[: args.ballots]
            device = OfflineDevice.open(queue)
            choice = {q.id: q.options[0].id for q in device.booth.questions}
            started = time.perf_counter()
            for n, voter in enumerate(voters):
                device.check_in(voter)
                device.vote(voter, choice, day1 + dt.timedelta(minutes=5 * n))
            offline_s = time.perf_counter() - started
            http.set_clock(day2 + dt.timedelta(minutes=30))
            started = time.perf_counter()
            report = sync(device, http)
            sync_s = time.perf_counter() - started
            device.close()
            queue_kib = round(queue.stat().st_size / 1024, 1)
        finally:
            server.stop()
    figures = {
        "ballots": len(voters),
        "offline_ms_per_voter": round(1000 * offline_s / len(voters), 1),
        "sync_ballots_per_s": round(report.ballots / sync_s, 1),
        "sync_s": round(sync_s, 2),
        "queue_kib": queue_kib,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
