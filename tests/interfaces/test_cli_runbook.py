"""``docs/runbook.md`` run as written: every ``sh`` block, in order, in one bash, as subprocesses.

On SQLite always, on PostgreSQL (a fresh schema) when ``PLEBISCITE_TEST_PG`` is set. A small
roll and a 2-of-3 variant of the seed manifest keep it quick; the commands are the runbook's.
It ends with ``plebiscite verify`` passing on the exported record, and then checks what the
runbook promises: the record holds its results files and every entry is under a signed head.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = ROOT / "docs" / "runbook.md"
SEED = ROOT / "examples" / "seed-referendum" / "manifest.toml"
BIN = Path(sys.executable).parent


def runbook_blocks() -> list[str]:
    """The ``sh`` blocks of the runbook, in order."""
    return re.findall(r"^```sh\n(.*?)^```", RUNBOOK.read_text(encoding="utf-8"), re.M | re.S)


def three_trustees(path: Path) -> Path:
    """The seed manifest with trustees 1-3 only, any 2 of whom decrypt."""
    text = SEED.read_text(encoding="utf-8").replace("n = 5\nk = 3", "n = 3\nk = 2")
    start = text.index('[[trustees.members]]\nid = "t4-mission-a"')
    end = text.index("[[regions]]")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_runbook(tmp_path: Path, db: str) -> subprocess.CompletedProcess[str]:
    script = "set -euo pipefail\n" + "\n".join(runbook_blocks())
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "PLEBISCITE_DB": db,
        "MANIFEST": str(three_trustees(tmp_path / "manifest.toml")),
        "VOTERS": "60",
        "TRUSTEES": "1 2 3",
        "DECRYPTING": "1 3",
        "PORT": str(free_port()),
        "COLUMNS": "200",
    }
    env.pop("PLEBISCITE_ADMIN_TOKEN", None)
    env.pop("PLEBISCITE_PASSPHRASE", None)
    env.pop("PLEBISCITE_BOARD_KEY", None)
    return subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def check_outcome(tmp_path: Path, done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    assert "Traceback" not in done.stderr
    record = tmp_path / "record"
    report = json.loads((tmp_path / "verification.json").read_text())
    assert report["ok"] is True, report
    for name in ("results.json", "results-nist.json", "results-sidecar.json"):
        assert (record / name).is_file(), name
    entries = sum(1 for _ in (record / "events.jsonl").open())
    last_head = json.loads((record / "heads.jsonl").read_text().splitlines()[-1])
    assert last_head["tree_size"] == entries  # nothing left unsigned
    keys = {json.loads(line)["key"] for line in (record / "heads.jsonl").read_text().splitlines()}
    assert len(keys) == 1  # one key per board
    assert oct((tmp_path / "board.key").stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "roll.key").stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "trustee-1.key").stat().st_mode & 0o777) == "0o600"
    assert "counted" in done.stdout  # the voter's receipt check at the end


def test_the_runbook_has_every_step() -> None:
    text = "\n".join(runbook_blocks())
    for step in (
        "election publish",
        "trustee init",
        "ceremony finish",
        "serve",
        "tally close",
        "tally run",
        "trustee decrypt",
        "tally combine",
        "board export",
        "plebiscite verify",
    ):
        assert step in text, step


def test_runbook_on_sqlite(tmp_path: Path) -> None:
    check_outcome(tmp_path, run_runbook(tmp_path, str(tmp_path / "board.sqlite")))


def test_runbook_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    check_outcome(tmp_path, run_runbook(tmp_path, pg_url))


@pytest.mark.parametrize("db", ["sqlite"])
def test_the_runbook_refuses_to_start_without_its_settings(tmp_path: Path, db: str) -> None:
    """Not a rehearsal of a real failure: the first block alone, with a board that does not
    exist, stops at the first command that needs the board, with one line and status 2."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [str(BIN / "plebiscite"), "election", "show", "--db", str(tmp_path / "missing.sqlite")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "no board at" in done.stderr
    assert not (tmp_path / "missing.sqlite").exists()
