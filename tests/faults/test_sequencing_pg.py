"""kill -9 a process holding a PostgreSQL board's sequencing lock (issue 15, ``docs/board.md`` 7).

A child process appends a few entries (each printed once acknowledged), then stalls in the
middle of its next append: it holds the board's sequencing lock (the transaction-level advisory
lock) and has written its entry, its Merkle nodes and the new size, uncommitted. Another
process's append waits for the lock. The child is killed with SIGKILL; PostgreSQL rolls its
transaction back and releases the lock; the waiting append goes through at the index the
stalled one had taken, every acknowledged entry is on the board, the stalled one is not, and
the tree verifies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from plebiscite.record.events import Event
from plebiscite.record.sql import SqlBoard, sequencing_key

CHILD = """
import sys, time
import plebiscite.record.sql as sql
from plebiscite.record.events import Event
board = sql.SqlBoard.open(sys.argv[1])
for n in range(5):
    print("acked", board.append(Event.create("check_in", {"n": n})), flush=True)
write_changes = sql.write_changes
def stall(connection, changes):
    write_changes(connection, changes)
    print("holding", flush=True)  # lock held, rows written, nothing committed
    time.sleep(600)
sql.write_changes = stall
board.append(Event.create("check_in", {"n": "never acknowledged"}))
"""


def test_a_killed_lock_holder_hands_the_sequencing_lock_on_and_loses_nothing_acknowledged(
    pg_url: str,
) -> None:
    board = SqlBoard.open(pg_url, create=True)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, pg_url], stdout=subprocess.PIPE, text=True
    )
    acknowledged: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            word, *rest = line.split()
            if word == "holding":
                break
            acknowledged.append(int(rest[0]))
        else:
            raise AssertionError(f"the child ended (code {child.wait()}) before taking the lock")
        assert acknowledged == [0, 1, 2, 3, 4]

        key = _key(pg_url)
        assert _advisory_holders(board, key) == 1  # the child holds the board's lock

        outcome: dict[str, object] = {}

        def append() -> None:
            try:
                outcome["index"] = board.append(Event.create("check_in", {"n": "after"}))
            except BaseException as error:  # reported below
                outcome["error"] = error

        waiting = threading.Thread(target=append)
        waiting.start()
        # The child holds the lock: the append cannot finish while it lives.
        waiting.join(1.0)
        assert waiting.is_alive() and not outcome, outcome
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        waiting.join(60)
        assert not waiting.is_alive(), "the append still waits after the lock holder died"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert _advisory_holders(board, key) == 0  # released with the append's commit
    assert "error" not in outcome, outcome.get("error")
    assert outcome["index"] == 5  # the index the killed transaction had taken, rolled back
    assert board.size() == 6
    payloads = [entry.event.payload["n"] for entry in board.entries()]
    assert payloads == [0, 1, 2, 3, 4, "after"]
    assert board.check() == 6
    board.close()


def _key(url: str) -> int:
    board = SqlBoard.open(url)
    try:
        with board._engine.connect() as connection:
            return sequencing_key(
                str(connection.exec_driver_sql("SELECT current_schema()").scalar())
            )
    finally:
        board.close()


def _advisory_holders(board: SqlBoard, key: int) -> int:
    """How many sessions hold the advisory lock ``key`` (a bigint key is classid, objid)."""
    with board._engine.connect() as connection:
        return int(
            connection.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = %(hi)s::bigint::oid AND objid = %(lo)s::bigint::oid "
                "AND objsubid = 1",
                {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
            ).scalar_one()
        )


def test_boards_in_two_schemas_have_two_sequencing_locks() -> None:
    assert sequencing_key("board_a") != sequencing_key("board_b")
    assert sequencing_key("board_a") == sequencing_key("board_a")
    assert -(2**63) <= sequencing_key("public") < 2**63
