"""Every count step run twice, heads signed whenever the record moves, one key per board.

The board is set up through the services (a real ceremony, synthetic ballots, the close);
the steps under test run through the CLI on a SQLite file. A rerun plays an operator who
runs a step again after a crash: it must find its own earlier event and post nothing new.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from cli_support import fails
from plebiscite.crypto import keyfile
from plebiscite.crypto.randomness import SeededRng, SystemRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.manifest_load import parse_manifest
from plebiscite.domain.roll import build_roll, generate_roll
from plebiscite.interfaces import cli
from plebiscite.interfaces.board_key import resolve
from plebiscite.record.events import EventType
from plebiscite.record.sql import SqlBoard
from plebiscite.services.ceremony.steps import TrusteeState, key_file_purpose, run_local_ceremony
from plebiscite.services.election.definition import (
    load_election,
    publish_close,
    publish_manifest,
    publish_roll,
)
from plebiscite.services.simulation.synthetic import enrolment_events, synthetic_ballots
from plebiscite.services.tally.mixing import run_local_mixing

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "seed-referendum" / "manifest.toml"
PASSPHRASE = "rerun passphrase"
CLOSE_AT = dt.datetime(2022, 9, 27, 21, 0, tzinfo=dt.UTC)


def count(db: str, kind: EventType) -> int:
    with SqlBoard.open(db) as board:
        return sum(1 for e in board.entries() if e.event.type is kind)


def unsigned(db: str) -> int:
    with SqlBoard.open(db) as board:
        head = board.latest_head()
        return board.size() - (head.tree_size if head else 0)


@pytest.fixture
def closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[int, Path]]:
    """A closed SQLite board with 60 ballots, mixed, converted and its tags decrypted by the
    five trustees, its key at DB.board-key, trustees' key files."""
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PLEBISCITE_BOARD_KEY", raising=False)
    manifest = parse_manifest(SEED.read_text(encoding="utf-8"), str(SEED))
    digest = manifest_hash(manifest)
    db = str(tmp_path / "board.sqlite")
    board = SqlBoard.open(db, create=True)
    try:
        publish_manifest(board, manifest)
        entries = generate_roll(manifest, 80, random.Random(3))
        publish_roll(board, build_roll(manifest, digest, entries, bytes(32)))
        states = [TrusteeState.create(i, digest) for i in range(1, 6)]
        run_local_ceremony(board, states, SystemRng())
        election = load_election(board)
        board.append_batch(enrolment_events(manifest))
        made = synthetic_ballots(election, 60, random.Random(5), SeededRng(b"rerun"))
        board.append_batch([e for m in made for e in m.events])
        publish_close(board, CLOSE_AT)
        run_local_mixing(board, states, SeededRng(b"rerun mixing"), chunk_rows=16)
    finally:
        board.close()
    keys = {}
    for state in states:
        path = tmp_path / f"trustee-{state.index}.key"
        sealed = keyfile.seal(
            state.to_json(), PASSPHRASE, key_file_purpose(manifest.id, state.index), ops=1,
            mem=8192,
        )  # fmt: skip
        path.write_text(sealed, encoding="utf-8")
        keys[state.index] = path
    return db, keys


def test_count_steps_rerun_post_nothing_new_and_sign_heads(
    closed: tuple[str, dict[int, Path]], capsys: pytest.CaptureFixture[str]
) -> None:
    db, keys = closed
    code, err = fails(capsys, "tally", "combine", "--db", db)
    assert code == 2 and "no encrypted tally" in err
    mixing = [
        count(db, kind)
        for kind in (EventType.SHUFFLE, EventType.TAG_CONVERSION, EventType.TAG_SHARES)
    ]
    cli.main(["tally", "mix", "--db", db])
    assert "every chunk is already shuffled" in capsys.readouterr().out
    cli.main(["trustee", "convert", "--db", db, "--key", str(keys[1])])
    assert "nothing new to convert" in capsys.readouterr().out
    cli.main(["trustee", "decrypt", "--db", db, "--key", str(keys[1])])
    assert "tag shares already posted" in capsys.readouterr().out
    assert [
        count(db, kind)
        for kind in (EventType.SHUFFLE, EventType.TAG_CONVERSION, EventType.TAG_SHARES)
    ] == mixing

    cli.main(["tally", "run", "--db", db])
    assert unsigned(db) == 0  # the key was created beside the board and a head signed
    cli.main(["tally", "run", "--db", db])
    assert "already posted" in capsys.readouterr().out
    assert count(db, EventType.ENCRYPTED_TALLY) == 1

    cli.main(["trustee", "decrypt", "--db", db, "--key", str(keys[2])])
    assert unsigned(db) == 0
    code, err = fails(capsys, "tally", "combine", "--db", db)
    assert code == 5 and "waiting for trustees: have 1 of 3" in err
    cli.main(["trustee", "decrypt", "--db", db, "--key", str(keys[2])])
    assert count(db, EventType.DECRYPTION_SHARE) == 1  # the rerun found its own share
    for t in (4, 5):
        cli.main(["trustee", "decrypt", "--db", db, "--key", str(keys[t])])
    cli.main(["tally", "combine", "--db", db])
    cli.main(["tally", "combine", "--db", db])
    assert count(db, EventType.RESULTS) == 1
    assert unsigned(db) == 0

    code, err = fails(capsys, "tally", "close", "--db", db)
    assert code == 2 and "already closed" in err


def test_export_holds_the_results_and_is_never_half_written(
    closed: tuple[str, dict[int, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, keys = closed
    cli.main(["tally", "run", "--db", db])
    for t in (1, 2, 3):
        cli.main(["trustee", "decrypt", "--db", db, "--key", str(keys[t])])
    cli.main(["tally", "combine", "--db", db])
    record = tmp_path / "record"
    cli.main(["board", "export", "--db", db, "--out", str(record)])
    names = {p.name for p in record.iterdir()}
    assert {"events.jsonl", "heads.jsonl", "manifest.json", "results.json"} <= names
    assert {"results-nist.json", "results-sidecar.json", "charts"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    code, err = fails(capsys, "board", "export", "--db", db, "--out", str(record))
    assert code == 2 and "already exists" in err

    # A record whose heads were lost (an export killed as heads.jsonl appeared, before the
    # staged export) must not pass the check.
    (record / "heads.jsonl").write_bytes(b"")
    code, err = fails(capsys, "board", "check-export", str(record))
    assert code == 7 and "no signed head" in err


def test_one_key_per_board(
    closed: tuple[str, dict[int, Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = closed
    cli.main(["board", "sign", "--db", db])  # creates DB.board-key, signs the first head
    right = Path(db + ".board-key")
    assert oct(right.stat().st_mode & 0o777) == "0o600"
    wrong = tmp_path / "other.key"
    wrong.write_text(SigningKey.generate().seed.hex() + "\n")
    for args in (
        ["board", "sign", "--db", db, "--board-key", str(wrong)],
        ["tally", "run", "--db", db, "--board-key", str(wrong)],
        ["serve", "--db", db, "--board-key", str(wrong), "--port", "1"],
    ):
        code, err = fails(capsys, *args)
        assert code == 2, args
        assert f"the right key is in {right}" in err, err
    assert count(db, EventType.ENCRYPTED_TALLY) == 0  # refused before anything was posted

    # The demo's layout: the key in private/board.key beside the database, found by default
    # (so `plebiscite serve --db demo-out/board.sqlite` works as the demo prints it).
    demo = tmp_path / "demo"
    (demo / "private").mkdir(parents=True)
    right.rename(demo / "private" / "board.key")
    Path(db).rename(demo / "board.sqlite")
    with SqlBoard.open(str(demo / "board.sqlite")) as board:
        key = resolve(str(demo / "board.sqlite"), board, None, create=False)
        assert key is not None and board.latest_head() is not None
        assert key.verify_key == board.latest_head().key  # type: ignore[union-attr]


def test_serve_refuses_a_missing_board_and_an_empty_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.sqlite"
    code, err = fails(capsys, "serve", "--db", str(missing))
    assert code == 2 and "no board at" in err
    assert not missing.exists()
    code, err = fails(capsys, "serve", "--db", str(missing), "--admin-token", "")
    assert code == 2 and "--admin-token" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["receipt", "ab" * 32, "--db"],
        ["board", "info", "--db"],
        ["election", "show", "--db"],
        ["paper", "results", "--db"],
        ["ceremony", "status", "--db"],
        ["tally", "combine", "--db"],
        ["board", "export", "--out", "never", "--db"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_reading_a_missing_board_creates_no_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = fails(capsys, *argv, str(tmp_path / "missing.sqlite"))
    assert code == 2 and "no board at" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
