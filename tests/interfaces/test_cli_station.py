"""``plebiscite station``: a credential scoped to one station, on the board, revoked on the
board; bad input is one line and an exit code, and the board does not move."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_support import fails
from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces import cli
from plebiscite.record.events import EventType
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.testbed import publish_test_election
from plebiscite.services.voting.casting import CastingService, SimulatedClock
from plebiscite.services.voting.station_credentials import credentials, public_part, station_of

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "board.db")
    manifest = load_manifest(SEED)
    with SqlBoard.open(path, create=True) as board:
        publish_test_election(board, manifest, 10)
        loc = next(x for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
        clock = SimulatedClock(manifest.open_spans(loc)[0][0].replace(hour=10))
        service = CastingService(board, SigningKey.generate(), clock)
        service.enrol_device("st-1", loc.id, SigningKey.generate().verify_key.hex())
    return path


def test_issue_and_revoke_a_station_credential(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["station", "credential", "--db", db, "--device", "st-1"])
    out = capsys.readouterr().out
    secret = re.search(r"^(st1_\S+)$", out, re.MULTILINE)
    assert secret is not None
    public = public_part(secret.group(1))
    assert public in out
    with SqlBoard.open(db) as board:
        assert station_of(board, public) == "st-1"
        assert all(
            secret.group(1).encode() not in e.event.data
            for e in board.entries_of_type([EventType.STATION_CREDENTIAL])
        )
    cli.main(["station", "revoke", "--db", db, public])
    with SqlBoard.open(db) as board:
        assert station_of(board, public) is None
        assert credentials(board)[public].revoked_at is not None
        size = board.size()

    code, err = fails(capsys, "station", "revoke", "--db", db, public)
    assert code == 2 and "was revoked at" in err and len(err.strip().splitlines()) == 1
    code, err = fails(capsys, "station", "credential", "--db", db, "--device", "nope")
    assert code != 0 and "no device 'nope'" in err and "Traceback" not in err
    code, err = fails(capsys, "station", "revoke", "--db", db, "ab" * 32)
    assert code == 2 and "no station credential" in err
    with SqlBoard.open(db) as board:
        assert board.size() == size
