"""``board export`` killed with kill -9 half-way leaves no record folder to be mistaken for one.

Before the export was staged, a kill as ``heads.jsonl`` appeared left a 0-byte ``heads.jsonl``
that ``board check-export`` accepted, and the rerun was refused until the folder was deleted
by hand. Now the folder appears only complete; the rerun succeeds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from plebiscite.crypto.signing import SigningKey
from plebiscite.record.events import Event, EventType
from plebiscite.record.export import check_export, export_board
from plebiscite.record.memory import MemoryBoard

KEY = SigningKey(bytes(range(32)))


def small_board() -> MemoryBoard:
    board = MemoryBoard()
    for n in range(20):
        board.append(Event.create(EventType.OBSERVER_REPORT, {"n": n}))
    board.sign_head(KEY, 1_700_000_000_000)
    return board


def test_export_killed_mid_way_leaves_nothing_and_reruns(tmp_path: Path) -> None:
    out = tmp_path / "record"
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_export_kill9 import small_board
        from plebiscite.record.export import export_board

        def stall(staging: Path) -> None:
            print("written", sorted(p.name for p in staging.iterdir()), flush=True)
            time.sleep(600)

        export_board(small_board(), Path({str(out)!r}), extra=stall)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert "heads.jsonl" in line and "events.jsonl" in line  # killed after both were written
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert not out.exists()
    summary = export_board(small_board(), out)
    assert summary.entries == 20 and check_export(out).heads == 1
