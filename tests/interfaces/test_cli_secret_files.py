"""Key files and rolls are readable by their owner only, whatever the umask.

The attacker is another local user reading files as they are written: the file must be
created 0600 (``os.open`` with the mode), never written first and restricted afterwards.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plebiscite.errors import InputError
from plebiscite.interfaces import cli
from plebiscite.interfaces.board_key import write_secret

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)  # the most permissive umask: a plain write would give 0666
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cli_writes_secrets_0600(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLEBISCITE_PASSPHRASE", "secret files")
    roll, key, db = tmp_path / "roll.csv", tmp_path / "roll.key", str(tmp_path / "b.sqlite")
    roll.write_text("old\n")
    roll.chmod(0o644)  # a roll regenerated over a world-readable file becomes private
    cli.main(["roll", "generate", "--manifest", str(SEED), "--voters", "20", "--out", str(roll)])
    cli.main(["roll", "keygen", "--out", str(key)])
    cli.main(["election", "publish", "--db", db, "--manifest", str(SEED), "--roll", str(roll),
              "--roll-key", str(key)])  # fmt: skip
    cli.main(["board", "sign", "--db", db])
    cli.main(["trustee", "init", "--db", db, "--index", "1", "--key", str(tmp_path / "t1.key")])
    for path in (roll, key, Path(db + ".board-key"), tmp_path / "t1.key"):
        assert mode(path) == 0o600, path
    assert not list(tmp_path.glob("*.tmp"))


def test_secret_is_private_before_its_first_byte(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's mode is already 0600 when it is opened for writing, before any byte."""
    seen: list[tuple[int, int]] = []
    real_fdopen = os.fdopen

    def spy(fd: int, *args: Any, **kwargs: Any) -> Any:
        info = os.fstat(fd)
        seen.append((stat.S_IMODE(info.st_mode), info.st_size))
        return real_fdopen(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", spy)
    path = tmp_path / "k.key"
    write_secret(path, "ab" * 32 + "\n")
    assert seen == [(0o600, 0)] and path.read_text() == "ab" * 32 + "\n"
    with pytest.raises(InputError, match="never overwritten"):
        write_secret(path, "x\n")
