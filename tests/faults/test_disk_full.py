"""Disk full: a board on a 2 MiB tmpfs fills up under casting (issue 12, faults).

Needs root to mount the tmpfs (skipped otherwise, saying so). Passing: once the disk is full,
every check-in and cast is refused with a problem answer (no bare 500, no hang), reads
(election, latest head, an earlier receipt) still answer, the board's ``check()`` passes, and
after the file system grows the same check-ins and ballots are accepted again and the record
verifies with every receipt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import JSON, Server, check_record, is_problem, make_fleet, setup_election, submit

DEVICES = 4
PER_DEVICE = 150


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = tmp_path_factory.mktemp("disk") / "small"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, small_disk: Path) -> dict[str, Any]:
    """Run the scenario once; the tests below judge what it saw."""
    tmp_path = tmp_path_factory.mktemp("full")
    db = str(small_disk / "board.db")
    election = setup_election(db, tmp_path / "board.key", voters=DEVICES * PER_DEVICE * 4)
    fleet = make_fleet(election, DEVICES, PER_DEVICE, "full")
    server = Server(db, election.key_file, election.start)
    server.start()
    receipts: dict[str, dict[str, Any]] = {}
    refusals: list[tuple[int, bool, str]] = []  # (status, a problem document?, type)
    stopped_at: dict[int, int] = {}
    lock = threading.Lock()

    def device(i: int) -> None:
        path = f"/devices/{fleet[i].id}/check-ins"
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sending = zip(fleet[i].codes, fleet[i].check_ins, fleet[i].bodies, strict=True)
            for n, (code, check_in, body) in enumerate(sending):
                # The voter's check-in, then the ballot: either may meet the full disk.
                r = http.post(path, content=check_in, headers=JSON)
                if r.status_code == 201:
                    r = http.post("/ballots", content=body, headers=JSON)
                with lock:
                    if r.status_code == 201:
                        receipts[code] = r.json()
                        continue
                    problem = is_problem(r)
                    refusals.append(
                        (
                            r.status_code,
                            problem,
                            r.json().get("type", "") if problem else r.text[:80],
                        )
                    )
                    stopped_at[i] = n
                return

    try:
        server.enrol(fleet, check_ins=False)
        threads = [threading.Thread(target=device, args=(i,)) for i in range(DEVICES)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            # Reads keep answering on a full disk.
            some = next(iter(receipts))
            reads = {
                "election": http.get("/election").status_code,
                "receipt": http.get(f"/receipts/{some}").status_code,
                "entries": http.get("/board/entries?start=0&stop=10").status_code,
            }
            latest = http.get("/board/heads/latest")
            reads["heads/latest"] = latest.status_code
            latest_is_problem = is_problem(latest)
            # Grow the file system: the devices resend the refused ballots, and go on.
            subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
            for i, n in stopped_at.items():
                path = f"/devices/{fleet[i].id}/check-ins"
                sending = zip(fleet[i].codes, fleet[i].check_ins, fleet[i].bodies, strict=True)
                for code, check_in, body in list(sending)[n:]:
                    checked = submit(http, check_in, deadline_s=30, path=path)
                    assert checked.receipt is not None, checked.problem
                    outcome = submit(http, body, deadline_s=30)
                    assert outcome.receipt is not None, outcome.problem
                    receipts[code] = outcome.receipt
        assert server.close_voting() == 201
    finally:
        server.stop()

    copy = tmp_path / "copy"
    copy.mkdir()
    for f in small_disk.iterdir():
        shutil.copy2(f, copy / f.name)
    election.db = str(copy / "board.db")
    figures = check_record(election, receipts, tmp_path / "record")
    return {
        "refusals": refusals,
        "reads": reads,
        "latest_is_problem": latest_is_problem,
        "receipts": len(receipts),
        "figures": figures,
    }


@pytest.mark.slow
def test_disk_full_refuses_casts_cleanly_and_corrupts_nothing(scenario: dict[str, Any]) -> None:
    refusals = scenario["refusals"]
    assert refusals, "the disk never filled up: make the tmpfs smaller"
    statuses = Counter(refusals)
    assert all(problem and status == 503 for status, problem, _ in refusals), statuses
    assert {t for _, _, t in refusals} == {"urn:plebiscite:problem:board-unavailable"}
    reads = scenario["reads"]
    assert reads["election"] == reads["receipt"] == reads["entries"] == 200, reads
    # GET /board/heads/latest stores the newest signed head first (a write), so on a full
    # disk it may answer 503; it must then be a problem document, never a bare 500.
    assert reads["heads/latest"] == 200 or scenario["latest_is_problem"], reads
    figures = scenario["figures"]
    receipts: int = scenario["receipts"]
    assert figures["board_check_ok"]
    assert figures["ballots_on_board"] == DEVICES * PER_DEVICE == receipts
    assert figures["duplicate_tracking_codes"] == 0
    assert figures["receipts_missing"] == figures["receipts_wrong"] == 0
    assert figures["verify_ok"], figures["verify_failed_checks"]
