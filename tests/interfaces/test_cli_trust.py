"""The anchored board key through the CLI: ``election publish`` anchors it, ``election show``
prints it, a trustee may ``reannounce`` before dealing, and the service refuses to sign heads
with any other key."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_support import fails, run
from plebiscite.crypto.signing import SigningKey
from plebiscite.errors import InputError
from plebiscite.interfaces.app import load_board_key, open_app

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "examples" / "seed-referendum" / "manifest.toml"


def test_the_board_key_is_anchored_and_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", "trustee passphrase")
    db = str(tmp_path / "board.sqlite")
    roll, key = tmp_path / "roll.csv", tmp_path / "roll.key"
    run("roll", "generate", "--manifest", str(MANIFEST), "--voters", "30", "--out", str(roll))
    run("roll", "keygen", "--out", str(key))
    run("election", "publish", "--db", db, "--manifest", str(MANIFEST), "--roll", str(roll),
        "--roll-key", str(key))  # fmt: skip
    board_key = load_board_key(Path(db + ".board-key"), create=False).verify_key.hex()
    capsys.readouterr()
    run("election", "show", "--db", db)
    shown = capsys.readouterr().out.replace("\n", "").replace(" ", "").replace("│", "")
    assert board_key in shown

    keys = {t: str(tmp_path / f"trustee-{t}.key") for t in range(1, 6)}
    for t, path in keys.items():
        run("trustee", "init", "--db", db, "--index", str(t), "--key", path)
        run("trustee", "announce", "--db", db, "--key", path)
    run("trustee", "reannounce", "--db", db, "--key", keys[2])
    run("trustee", "deal", "--db", db, "--key", keys[1])
    code, err = fails(capsys, "trustee", "reannounce", "--db", db, "--key", keys[3])
    assert code == 2 and "dealing has begun" in err

    other = tmp_path / "other.key"
    other.write_text(SigningKey(b"\x02" * 32).seed.hex() + "\n")
    with pytest.raises(InputError, match="not the board key this election anchors"):
        open_app(db, admin_token="t", board_key=other)
    app, service = open_app(db, admin_token="t")  # the anchored key, beside the board
    assert service.head_key.verify_key.hex() == board_key
    service.board.close()
