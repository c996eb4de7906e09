"""Export, check and import of a record directory, and every kind of corruption."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from plebiscite.crypto.signing import SigningKey
from plebiscite.errors import InputError, RecordError
from plebiscite.interfaces.cli import cli
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.record.export import check_export, export_board, import_export
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.schema import SCHEMA_REVISION
from plebiscite.record.sql import SqlBoard

KEY = SigningKey(bytes([7]) * 32)


def fill(board: Board) -> None:
    board.append(Event.create(EventType.MANIFEST, {"title": "seed referendum", "regions": 4}))
    board.append_batch([Event.create(EventType.BALLOT_CAST, {"n": i}) for i in range(9)])
    board.sign_head(KEY, timestamp=1)  # size 10
    board.append_batch([Event.create(EventType.CHECK_IN, {"n": i}) for i in range(10)])
    board.sign_head(KEY, timestamp=2)  # size 20
    board.append(Event.create(EventType.COMPLAINT, {"text": "queue too long"}))


@pytest.fixture
def record(tmp_path: Path) -> Path:
    board = MemoryBoard()
    fill(board)
    out = tmp_path / "record"
    summary = export_board(board, out)
    assert (summary.entries, summary.heads, summary.signed_size) == (21, 2, 20)
    return out


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_export_round_trips_on_every_backend(
    make_board: Callable[[], Board], tmp_path: Path
) -> None:
    board = make_board()
    fill(board)
    out = tmp_path / "out"
    export_board(board, out)
    summary = check_export(out, key=KEY.verify_key)
    assert (summary.entries, summary.heads, summary.manifest) == (21, 2, True)
    assert (out / "manifest.json").read_bytes() == b'{"regions":4,"title":"seed referendum"}\n'
    assert (
        lines(out / "events.jsonl")[1] == b'{"payload":{"n":0},"type":"ballot_cast","version":1}\n'
    )
    copy = MemoryBoard()
    import_export(out, copy)
    assert copy.root() == board.root()
    assert list(copy.heads()) == list(board.heads())
    with pytest.raises(InputError, match="already exists"):
        export_board(board, out)


def test_an_untouched_record_passes(record: Path) -> None:
    assert check_export(record).key == KEY.verify_key


def rewrite(path: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path.write_bytes(b"".join(change(lines(path))))


def set_line(number: int, text: bytes) -> Callable[[list[bytes]], list[bytes]]:
    def change(old: list[bytes]) -> list[bytes]:
        return [*old[: number - 1], text, *old[number:]]

    return change


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        # A changed byte that breaks the canonical form is named by its line.
        (
            "events.jsonl",
            set_line(4, b'{"payload":{"n":2 },"type":"ballot_cast","version":1}\n'),
            "events.jsonl line 4: not in canonical form",
        ),
        # A changed byte that stays canonical is caught by the next head, with the line range.
        (
            "events.jsonl",
            set_line(4, b'{"payload":{"n":7},"type":"ballot_cast","version":1}\n'),
            "heads.jsonl line 1: root of tree size 10 does not match events.jsonl; lines 1 to 10",
        ),
        (
            "events.jsonl",
            lambda old: [*old[:12], *old[13:]],
            "heads.jsonl line 2: .* lines 11 to 20 were changed, removed, inserted or reordered",
        ),
        (
            "events.jsonl",
            lambda old: [*old[:14], old[15], old[14], *old[16:]],
            "heads.jsonl line 2: root of tree size 20 does not match",
        ),
        (
            "events.jsonl",
            lambda old: old[:18],
            "heads.jsonl line 2: head of tree size 20, but events.jsonl has only 18 lines",
        ),
        ("events.jsonl", lambda old: [*old[:-1], old[-1][:-1]], "line 21: no newline"),
        ("events.jsonl", set_line(3, b"\n"), "events.jsonl line 3: not JSON"),
        (
            "heads.jsonl",
            lambda old: [old[0].replace(b'"timestamp":1', b'"timestamp":3')],
            "heads.jsonl line 1: invalid tree-head signature",
        ),
        ("heads.jsonl", lambda old: [old[1], old[0]], "heads.jsonl line 2: .*reordered"),
        ("heads.jsonl", set_line(1, b'{"tree_size":1}\n'), "heads.jsonl line 1: a head must"),
        (
            "manifest.json",
            lambda old: [b'{"regions":5,"title":"seed referendum"}\n'],
            "manifest.json differs from the manifest event at events.jsonl line 1",
        ),
    ],
)
def test_every_corruption_is_named(
    record: Path, file: str, change: Callable[[list[bytes]], list[bytes]], message: str
) -> None:
    rewrite(record / file, change)
    with pytest.raises(RecordError, match=message):
        check_export(record)
    target = MemoryBoard()
    with pytest.raises(RecordError):
        import_export(record, target)
    assert target.size() == 0  # a corrupt record imports nothing


def test_a_head_re_signed_by_another_key_is_refused(record: Path) -> None:
    with pytest.raises(RecordError, match="heads.jsonl line 1: head of tree size 10 is signed"):
        check_export(record, key=SigningKey(bytes(32)).verify_key)


def test_missing_files_are_named(record: Path) -> None:
    (record / "manifest.json").unlink()
    with pytest.raises(RecordError, match="events.jsonl line 1 is a manifest event but the"):
        check_export(record)
    (record / "heads.jsonl").unlink()
    with pytest.raises(RecordError, match="has no heads.jsonl"):
        check_export(record)


def test_the_cli_creates_exports_and_checks(tmp_path: Path, record: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    runner = CliRunner()
    result = runner.invoke(cli, ["board", "init", "--db", db])
    assert result.exit_code == 0, result.output
    assert f"created a board with schema {SCHEMA_REVISION}" in result.output
    with SqlBoard.open(db) as board:
        import_export(record, board)
    result = runner.invoke(cli, ["board", "info", "--db", db, "--check"])
    assert result.exit_code == 0, result.output
    assert "21" in result.output and "ok" in result.output
    out = tmp_path / "again"
    result = runner.invoke(cli, ["board", "export", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "events.jsonl").read_bytes() == (record / "events.jsonl").read_bytes()
    result = runner.invoke(cli, ["board", "check-export", str(out)])
    assert result.exit_code == 0, result.output
    assert "not yet signed" in result.output
    rewrite(out / "heads.jsonl", lambda old: old[:1])
    rewrite(out / "events.jsonl", lambda old: [*old[:3], old[4], old[3], *old[5:]])
    result = runner.invoke(cli, ["board", "check-export", str(out)])
    assert isinstance(result.exception, RecordError)
    assert "heads.jsonl line 1" in str(result.exception)
