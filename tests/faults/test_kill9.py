"""kill -9 the service under load and restart it on the same SQLite board (issue 12, faults).

Eight devices send chained ballots with retries (the same signed bytes after any transport
error); the server is killed with SIGKILL once some ballots are acknowledged and restarted on
the same file and port. Passing: every receipt a client holds is on the board at its leaf
with its hash, nothing is on the board twice, one ballot per voter, the record verifies.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
from harness import Server, check_record, make_fleet, setup_election, submit

DEVICES = 8
PER_DEVICE = 30


def test_kill9_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db = str(tmp_path / "board.db")
    election = setup_election(db, tmp_path / "board.key", voters=DEVICES * PER_DEVICE * 2 + 200)
    fleet = make_fleet(election, DEVICES, PER_DEVICE, "k9")
    server = Server(db, election.key_file, election.start)
    server.start()
    receipts: dict[str, dict[str, Any]] = {}
    retried: list[str] = []
    refused: list[Any] = []
    lock = threading.Lock()

    def device(i: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            for code, body in zip(fleet[i].codes, fleet[i].bodies, strict=True):
                outcome = submit(http, body, deadline_s=60, pause_s=0.05)
                with lock:
                    if outcome.receipt is None:
                        refused.append(outcome.problem)
                        return  # the chain cannot continue past a refused ballot
                    receipts[code] = outcome.receipt
                    if any(not isinstance(a, int) or a >= 500 for a in outcome.attempts):
                        retried.append(code)

    try:
        server.enrol(fleet)
        threads = [threading.Thread(target=device, args=(i,)) for i in range(DEVICES)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while len(receipts) < DEVICES * PER_DEVICE // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        acknowledged_before_kill = len(receipts)
        server.kill9()
        time.sleep(0.3)
        server.start()
        for t in threads:
            t.join(90)
        assert server.close_voting() == 201
    finally:
        server.stop()

    assert refused == []
    assert 0 < acknowledged_before_kill < DEVICES * PER_DEVICE
    assert retried, "no ballot was in flight when the server was killed"
    assert len(receipts) == DEVICES * PER_DEVICE
    figures = check_record(election, receipts, tmp_path / "record")
    assert figures["receipts_missing"] == 0
    assert figures["receipts_wrong"] == 0
    assert figures["duplicate_tracking_codes"] == 0
    assert figures["voters_with_two_cast"] == 0
    assert figures["ballots_on_board"] == DEVICES * PER_DEVICE
    assert figures["board_check_ok"]
    assert figures["verify_ok"], figures["verify_failed_checks"]
    assert figures["check_receipt_sampled_ok"] == 20
