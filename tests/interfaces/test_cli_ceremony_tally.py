"""The key ceremony, tally and results driven through the CLI on a SQLite board."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from cli_support import fails, run
from plebiscite.crypto.keyfile import seal
from plebiscite.crypto.randomness import SeededRng
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election.definition import load_election
from plebiscite.services.simulation.synthetic import enrolment_events, synthetic_ballots

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "examples" / "seed-referendum" / "manifest.toml"


def test_whole_count_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", "trustee passphrase")
    db = str(tmp_path / "board.sqlite")
    roll, key = tmp_path / "roll.csv", tmp_path / "roll.key"
    run("roll", "generate", "--manifest", str(MANIFEST), "--voters", "150", "--out", str(roll))
    run("roll", "keygen", "--out", str(key))
    run("election", "publish", "--db", db, "--manifest", str(MANIFEST), "--roll", str(roll),
        "--roll-key", str(key))  # fmt: skip
    keys = {t: str(tmp_path / f"trustee-{t}.key") for t in range(1, 6)}
    for t, path in keys.items():
        run("trustee", "init", "--db", db, "--index", str(t), "--key", path)
    code, err = fails(capsys, "trustee", "deal", "--db", db, "--key", keys[1])
    assert code == 2 and "waiting for the announcements of trustees [1, 2, 3, 4, 5]" in err
    for step in ("announce", "deal", "check", "answer"):
        for path in keys.values():
            run("trustee", step, "--db", db, "--key", path)
    run("ceremony", "finish", "--db", db)
    for path in keys.values():
        run("trustee", "confirm", "--db", db, "--key", path)
    capsys.readouterr()
    run("ceremony", "status", "--db", db)
    assert "election key" in capsys.readouterr().out

    # Wrong passphrase, and a trustee key file of another referendum.
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", "wrong")
    code, err = fails(capsys, "trustee", "decrypt", "--db", db, "--key", keys[1])
    assert code == 4 and "wrong passphrase" in err
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", "trustee passphrase")
    other = tmp_path / "other.key"
    other.write_text(seal({}, "trustee passphrase", "trustee 1 of referendum another-2023"))
    code, err = fails(capsys, "trustee", "decrypt", "--db", db, "--key", str(other))
    assert code == 4 and "belongs to 'trustee 1 of referendum another-2023'" in err

    with SqlBoard.open(db) as board:
        election = load_election(board)
        board.append_batch(enrolment_events(election.require_manifest()))
        made = list(synthetic_ballots(election, 120, random.Random(5), SeededRng(b"cli")))
        board.append_batch([e for m in made for e in m.events])
    truth: dict[str, int] = {}
    for m in made:
        truth[m.choice] = truth.get(m.choice, 0) + 1

    code, err = fails(capsys, "tally", "run", "--db", db)
    assert code == 2 and "not closed" in err
    run("tally", "close", "--db", db, "--at", "2022-09-27T21:00:00+03:00")
    # before the tally: mix, convert, decrypt the tags (docs/runbook.md 7)
    code, err = fails(capsys, "trustee", "decrypt", "--db", db, "--key", keys[2])
    assert code == 5 and "not converted yet: after `tally mix`" in err
    run("tally", "mix", "--db", db, "--workers", "2", "--chunk-rows", "20")
    capsys.readouterr()
    run("tally", "mix", "--db", db)
    assert "every chunk is already shuffled" in capsys.readouterr().out
    code, err = fails(capsys, "trustee", "decrypt", "--db", db, "--key", keys[2])
    assert code == 5 and "the tags are not converted yet" in err
    for t in (2, 4):
        run("trustee", "convert", "--db", db, "--key", keys[t])
    capsys.readouterr()
    run("trustee", "convert", "--db", db, "--key", keys[2])
    assert "nothing new to convert" in capsys.readouterr().out
    code, err = fails(capsys, "tally", "run", "--db", db)
    assert code == 5 and "0 trustees posted valid tag shares, 3 are needed" in err
    for t in (2, 4, 5):
        run("trustee", "decrypt", "--db", db, "--key", keys[t])
    capsys.readouterr()
    run("trustee", "decrypt", "--db", db, "--key", keys[5])
    assert "tag shares already posted" in capsys.readouterr().out
    run("tally", "run", "--db", db, "--workers", "2")
    run("trustee", "decrypt", "--db", db, "--key", keys[2])
    capsys.readouterr()
    code, err = fails(capsys, "tally", "combine", "--db", db)
    assert code == 5 and "waiting for trustees: have 1 of 3" in err
    for t in (4, 5):
        run("trustee", "decrypt", "--db", db, "--key", keys[t])
    out = tmp_path / "results"
    run("tally", "combine", "--db", db, "--out", str(out))
    assert "turnout" in capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())
    got: dict[str, int] = {}
    for region in results["regions"]:
        for option, n in region["questions"][0]["options"].items():
            got[option] = got.get(option, 0) + n
    assert got == truth
    assert results["decrypted_by"] == [2, 4, 5]
    assert (out / "results-nist.json").exists() and (out / "charts" / "donetsk.png").exists()
