"""Observers named in the manifest witness the board beside the trustees (issue 20 item 2):
their cosignatures count toward ``head_cosignatures``; a key the manifest does not name is
refused by the board's desk and by the verifier (V35)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_verify_support import HEAD_KEY, MANIFEST

from plebiscite.crypto.randomness import SeededRng
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import Observer
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.errors import InputError, SignatureError
from plebiscite.interfaces.cli import cli
from plebiscite.record.events import Event, EventType
from plebiscite.record.export import export_board
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.ceremony.steps import TrusteeState, run_local_ceremony
from plebiscite.services.election.definition import publish_manifest
from plebiscite.services.election.witness import LocalBoardView, cosign, cosign_head
from plebiscite.verifier.verify import verify_record

OBSERVER = SigningKey(bytes(range(100, 132)))
# Two cosignatures of the final head; one observer besides the five trustees (witness 6).
WITNESSED = dataclasses.replace(
    MANIFEST,
    trustees=dataclasses.replace(
        MANIFEST.trustees,
        head_cosignatures=2,
        observers=(Observer("osce", "An observer mission", OBSERVER.verify_key.hex()),),
    ),
)
T0 = dt.datetime(2022, 9, 1, 9, tzinfo=dt.UTC)


def _board() -> tuple[MemoryBoard, list[TrusteeState]]:
    board = MemoryBoard()
    publish_manifest(board, WITNESSED, HEAD_KEY.verify_key)
    trustees = [TrusteeState.create(i, manifest_hash(WITNESSED)) for i in range(1, 6)]
    run_local_ceremony(board, trustees, SeededRng(b"observers"), start=T0)
    board.append(Event.create(EventType.OBSERVER_REPORT, {"note": "the last content entry"}))
    board.sign_head(HEAD_KEY, 1_000)
    return board, trustees


def test_an_observer_and_a_trustee_witness_the_final_head(tmp_path: Path) -> None:
    board, trustees = _board()
    assert WITNESSED.trustees.observer_witness("osce") == 6
    cosign(LocalBoardView(board), None, trustees[0].signing_key, 1, 5)
    cosign(LocalBoardView(board), None, OBSERVER, 6, 6)
    board.sign_head(HEAD_KEY, 2_000)
    export_board(board, tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=1)
    assert report.checks["V35"].findings == []


def test_a_key_the_manifest_does_not_name_is_refused_and_caught(tmp_path: Path) -> None:
    board, trustees = _board()
    impostor = SigningKey(bytes(range(200, 232)))
    with pytest.raises(SignatureError):
        cosign(LocalBoardView(board), None, impostor, 6, 5)
    with pytest.raises(InputError, match="neither an announced trustee nor an observer"):
        cosign(LocalBoardView(board), None, impostor, 7, 5)
    # Forced onto the board by its operator: the verifier finds it, and the one honest
    # cosignature is not enough.
    head = board.latest_head()
    assert head is not None
    board_key = HEAD_KEY.verify_key.hex()
    forged = cosign_head(impostor, board_key, head, 6, 7)
    cosign(LocalBoardView(board), None, trustees[1].signing_key, 2, 8)
    board.append(Event.create(EventType.HEAD_COSIGNATURE, forged.to_json()))
    board.sign_head(HEAD_KEY, 2_000)
    export_board(board, tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=1)
    text = " | ".join(str(f) for f in report.checks["V35"].findings)
    assert "does not verify" in text and "carries 2 cosignatures" in text


def test_witness_keygen_writes_a_private_key_and_prints_its_public_half(tmp_path: Path) -> None:
    out = tmp_path / "observer.key"
    result = CliRunner().invoke(cli, ["witness", "keygen", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert os.stat(out).st_mode & 0o777 == 0o600
    key = SigningKey(bytes.fromhex(out.read_text(encoding="utf-8").strip()))
    assert key.verify_key.hex() in result.output
    again = CliRunner().invoke(cli, ["witness", "keygen", "--out", str(out)])
    assert again.exit_code != 0  # an existing key is never overwritten
