"""kill -9 of a parent: its worker processes end too, instead of holding the board open.

The attacker here is the operating system (or an operator's ``kill -9``): the parent gets no
chance to shut its pool down. Before ``verifier.workers.watch_parent`` the workers lived on
under PID 1 indefinitely.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx

from plebiscite.record.sql import init_board

BIN = Path(sys.executable).parent


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    """The processes of ``pids`` still alive after ``seconds`` (killed then, not left behind)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return []
        time.sleep(0.2)
    left = [p for p in pids if alive(p)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def test_pool_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """The pool ``tally run --workers`` and ``verify --workers`` start, parent killed -9."""
    script = textwrap.dedent(
        """
        import os, sys, time
        from concurrent.futures import ProcessPoolExecutor
        from plebiscite.verifier.workers import watch_parent

        pool = ProcessPoolExecutor(2, initializer=watch_parent, initargs=(os.getpid(),))
        futures = [pool.submit(time.sleep, 600) for _ in range(2)]
        time.sleep(1.5)
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "ready"
        workers = children(parent.pid)
        assert len(workers) >= 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_gone(workers) == []
    finally:
        if parent.poll() is None:
            parent.kill()


def test_serve_proof_workers_die_with_a_killed_server(tmp_path: Path) -> None:
    db = str(tmp_path / "board.sqlite")
    init_board(db)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN / "plebiscite"),
            "serve",
            "--db",
            db,
            "--port",
            str(port),
            "--admin-token",
            "orphan-test-token",
            "--proof-workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                httpx.get(f"http://127.0.0.1:{port}/clock", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        workers = children(server.pid)
        assert len(workers) >= 2
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert wait_gone(workers) == []
    finally:
        if server.poll() is None:
            server.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
