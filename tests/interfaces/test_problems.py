"""Board failures reach clients as 503 problems that say when to retry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plebiscite.errors import BoardError, DuplicateBallotError
from plebiscite.interfaces.api.problems import RETRY_AFTER_S, error_response
from plebiscite.record.sql import SqlBoard


def test_unavailable_board_is_a_503_with_retry_after() -> None:
    response = error_response(BoardError("the board database is unreachable"))
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_S)
    assert json.loads(response.body)["detail"] == "the board database is unreachable"
    refusal = error_response(DuplicateBallotError("already voted"))
    assert refusal.status_code == 409 and "retry-after" not in refusal.headers


def test_a_database_failing_during_a_query_is_a_board_error(tmp_path: Path) -> None:
    path = tmp_path / "board.sqlite"
    board = SqlBoard.open(str(path), create=True)
    try:
        assert board.size() == 0
        board._engine.dispose()  # drop pooled connections, then break the file under them
        path.write_bytes(b"this is no longer a SQLite database" * 200)
        for wal in tmp_path.glob("board.sqlite-*"):
            wal.unlink()
        with pytest.raises(BoardError):
            board.size()
        with pytest.raises(BoardError):
            board.latest_head()
    finally:
        board.close()
