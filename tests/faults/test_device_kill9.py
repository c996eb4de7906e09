"""kill -9 an offline device while it casts, and while it syncs (``docs/devices.md``).

Real parts: ``plebiscite serve`` in a subprocess on a SQLite board, the device in another
process over its SQLite queue, SIGKILL. Passing: every receipt the device showed before the
kill is in its queue, the queue's chain is whole, a sync after each kill completes, and the
board holds each of the device's ballots exactly once.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from harness import TOKEN, Server, setup_election

from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.api.client import HttpVotingServer
from plebiscite.record.events import EventType
from plebiscite.record.sql import SqlBoard
from plebiscite.services.voting.device import OfflineDevice, init_device
from plebiscite.services.voting.device_sync import sync

_CAST_LOOP = """
import datetime as dt, sys
from pathlib import Path
from plebiscite.services.voting.device import OfflineDevice
device = OfflineDevice.open(Path(sys.argv[1]))
start = dt.datetime.fromisoformat(sys.argv[2])
choice = {q.id: q.options[0].id for q in device.booth.questions}
for n, voter in enumerate(sys.argv[3:]):
    device.check_in(voter)
    receipt = device.vote(voter, choice, start + dt.timedelta(minutes=n))
    print(receipt.tracking_code, flush=True)  # shown only once the row is durable
"""

_SYNC_LOOP = """
import sys
from pathlib import Path
from plebiscite.interfaces.api.client import HttpVotingServer
from plebiscite.services.voting.device import OfflineDevice
from plebiscite.services.voting.device_sync import sync
device = OfflineDevice.open(Path(sys.argv[1]))
sync(device, HttpVotingServer(sys.argv[2]), on_row=lambda seq: print(seq, flush=True))
"""


def _run_and_kill(argv: list[str], after_lines: int) -> list[str]:
    """Run a child, SIGKILL it once it printed ``after_lines`` lines; its lines."""
    child = subprocess.Popen(
        [sys.executable, "-c", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None
    lines: list[str] = []
    while len(lines) < after_lines:
        line = child.stdout.readline().decode().strip()
        if not line:
            break
        lines.append(line)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    assert len(lines) == after_lines, child.stderr.read().decode() if child.stderr else ""
    return lines


def test_kill9_while_casting_and_while_syncing_loses_and_doubles_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "board.db")
    election = setup_election(db, tmp_path / "board.key", voters=400)
    manifest = election.manifest
    team = next(
        loc
        for loc in manifest.locations
        if loc.kind is LocationKind.MOBILE_TEAM and loc.region_id == "donetsk"
    )
    day1, day2 = (span[0] for span in manifest.open_spans(team)[:2])
    server = Server(db, election.key_file, day1 - dt.timedelta(hours=1))
    server.start()
    queue = tmp_path / "team.sqlite"
    try:
        http = HttpVotingServer(server.url, TOKEN)
        init_device(http, queue, "team-k9", team.id).close()
        with sqlite3.connect(queue) as q:
            voters = [v for (v,) in q.execute("SELECT voter FROM roll WHERE home_voting = 1")]
        voters = voters[:12]
        assert len(voters) == 12

        # Casting, offline: killed after the 5th receipt was shown.
        shown = _run_and_kill([_CAST_LOOP, str(queue), day1.isoformat(), *voters], 5)
        device = OfflineDevice.open(queue)
        rows = [r for r in device.queue.rows() if r.kind == "cast"]
        codes = [r.code for r in rows]
        assert codes[: len(shown)] == shown  # every shown receipt survived, in order
        assert device.booth.previous_code == codes[-1]  # the chain head is the last row
        done = {r.voter for r in rows}
        at = day1 + dt.timedelta(hours=5)
        for n, voter in enumerate(v for v in voters if v not in done):  # the team goes on
            device.check_in(voter)
            device.vote(voter, {q.id: q.options[0].id for q in device.booth.questions}, at)
            at += dt.timedelta(minutes=n + 1)
        queued = [r.code for r in device.queue.rows() if r.kind == "cast"]
        device.close()
        assert len(queued) == len(set(queued)) == 12

        # Syncing, next morning: killed after 10 rows were sent.
        http.set_clock(day2 + dt.timedelta(minutes=30))
        _run_and_kill([_SYNC_LOOP, str(queue), server.url], 10)
        device = OfflineDevice.open(queue)
        report = sync(device, http)  # resumes
        assert report.already + report.sent == 24
        assert device.status()["waiting"] == 0
        device.close()
    finally:
        server.stop()
    board = SqlBoard.open(db)
    try:
        on_board = [
            e.event.payload["tracking_code"]
            for e in board.entries()
            if e.event.type is EventType.BALLOT_CAST
            and e.event.payload["ballot"]["device"] == "team-k9"
        ]
    finally:
        board.close()
    assert on_board == queued  # each ballot once, in the device's order


def test_the_cli_runs_a_device_day(tmp_path: Path) -> None:
    """``plebiscite device init/checkin/vote/status/sync`` end to end over HTTP."""
    db = str(tmp_path / "board.db")
    election = setup_election(db, tmp_path / "board.key", voters=200)
    team = next(loc for loc in election.manifest.locations if loc.kind is LocationKind.MOBILE_TEAM)
    day1 = election.manifest.open_spans(team)[0][0]
    server = Server(db, election.key_file, day1 + dt.timedelta(minutes=5))
    server.start()
    plebiscite = str(Path(sys.executable).parent / "plebiscite")
    queue = str(tmp_path / "q.sqlite")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [plebiscite, "device", *argv, "--queue", queue],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PLEBISCITE_ADMIN_TOKEN": TOKEN},
            timeout=120,
            check=False,
        )

    try:
        made = run("init", "--server", server.url, "--device", "cli-1", "--location", team.id)
        assert made.returncode == 0, made.stderr
        with sqlite3.connect(queue) as q:
            (voter,) = q.execute("SELECT voter FROM roll WHERE home_voting = 1").fetchone()
        refused = run("vote", voter, "--at", day1.isoformat())
        assert refused.returncode == 5 and "not checked in" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert run("checkin", voter, "--at", day1.isoformat()).returncode == 0
        question = election.manifest.region_by_id[team.region_id].questions[0]
        cast = run(
            "vote", voter, "--choice", f"{question.id}={question.options[0].id}",
            "--at", (day1 + dt.timedelta(minutes=3)).isoformat(),
        )  # fmt: skip
        assert cast.returncode == 0, cast.stderr
        assert "tracking code" in cast.stdout and list(tmp_path.glob("receipts/*.png"))
        assert '"waiting": 2' in run("status").stdout
        synced = run("sync", "--server", server.url)
        assert synced.returncode == 0, synced.stderr
        assert "1 ballots" in synced.stdout
        ended = run("end", "--server", server.url)
        assert ended.returncode == 0 and "chain end of 1 ballots" in ended.stdout, ended.stderr
        with sqlite3.connect(queue) as q:
            (other,) = q.execute(
                "SELECT voter FROM roll WHERE home_voting = 1 AND voter != ?", (voter,)
            ).fetchone()
        assert run("checkin", other, "--at", day1.isoformat()).returncode == 0
        late = run(
            "vote", other, "--choice", f"{question.id}={question.options[0].id}",
            "--receipts", "late", "--at", (day1 + dt.timedelta(minutes=9)).isoformat(),
        )  # fmt: skip
        assert late.returncode == 0, late.stderr
    finally:
        server.stop()
    (lost,) = tmp_path.glob("late/*.json")  # this ballot can never reach the board
    filed = subprocess.run(
        [plebiscite, "complaint", "--receipt", str(lost), "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert filed.returncode == 0 and "filed at" in filed.stdout, filed.stderr
    (kept,) = tmp_path.glob("receipts/*.json")
    shown = subprocess.run(
        [plebiscite, "complaint", "--receipt", str(kept), "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shown.returncode == 0 and "on the board" in shown.stdout, shown.stderr
