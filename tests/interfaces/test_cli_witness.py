"""``plebiscite witness cosign`` against a board served over HTTP on loopback."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from test_verify_support import DIGEST, HEAD_KEY, MANIFEST

from plebiscite.crypto import keyfile
from plebiscite.crypto.randomness import SeededRng
from plebiscite.interfaces import cli
from plebiscite.interfaces.app import create_app
from plebiscite.interfaces.demo import free_port, running_server
from plebiscite.record.events import Event, EventType
from plebiscite.record.sql import SqlBoard
from plebiscite.services.ceremony.steps import TrusteeState, key_file_purpose, run_local_ceremony
from plebiscite.services.election.definition import publish_manifest
from plebiscite.services.voting.casting import CastingService, SimulatedClock

T0 = dt.datetime(2022, 9, 1, 9, tzinfo=dt.UTC)


def test_a_trustee_cosigns_the_served_board_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    board = SqlBoard.open(str(tmp_path / "board.sqlite"), create=True)
    publish_manifest(board, MANIFEST, HEAD_KEY.verify_key)
    trustees = [TrusteeState.create(i, DIGEST) for i in range(1, 6)]
    run_local_ceremony(board, trustees, SeededRng(b"cli witness"), start=T0)
    board.sign_head(HEAD_KEY)
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", "witness passphrase")
    key = tmp_path / "trustee-3.key"
    key.write_text(
        keyfile.seal(trustees[2].to_json(), "witness passphrase", key_file_purpose(MANIFEST.id, 3))
    )
    state = tmp_path / "witness-3.json"
    service = CastingService(board, HEAD_KEY, SimulatedClock(T0))
    with running_server(create_app(service, admin_token="t"), "127.0.0.1", free_port()) as url:
        cli.main(["witness", "cosign", "--server", url, "--key", str(key), "--state", str(state)])
        first = json.loads(state.read_text())
        board.append(Event.create(EventType.OBSERVER_REPORT, {"note": "more"}))
        board.sign_head(HEAD_KEY)
        cli.main(["witness", "cosign", "--server", url, "--key", str(key), "--state", str(state)])
    second = json.loads(state.read_text())
    assert first["board_key"] == second["board_key"] == HEAD_KEY.verify_key.hex()
    assert second["tree_size"] == first["tree_size"] + 2  # the note and the first cosignature
    assert "trustee 3 cosigned the head" in capsys.readouterr().out
    kinds = [e.event.type for e in board.entries()]
    assert kinds.count(EventType.HEAD_COSIGNATURE) == 2

    # A state file that claims a checkpoint this board never had: refused as a split view.
    state.write_text(json.dumps({**second, "root_hash": "00" * 32}))
    service = CastingService(board, HEAD_KEY, SimulatedClock(T0))
    app = create_app(service, admin_token="t")
    with (
        running_server(app, "127.0.0.1", free_port()) as url,
        pytest.raises(SystemExit) as exc,
    ):
        cli.main(["witness", "cosign", "--server", url, "--key", str(key), "--state", str(state)])
    assert exc.value.code != 0
    assert "split view" in capsys.readouterr().err
    board.close()
