"""One help text per command and option; ``plebiscite --help`` loads no heavy library.

Speed is measured in ``bench/bench_cli_startup.py``, never asserted here; this test checks the
cause instead: the top-level help imports neither SQLAlchemy, SciPy, Matplotlib nor FastAPI.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest

from plebiscite.interfaces import cli
from plebiscite.interfaces.cli import _COMMANDS

HEAVY = ("sqlalchemy", "scipy", "matplotlib", "fastapi", "numpy", "alembic")


def test_top_level_help_imports_no_heavy_library() -> None:
    probe = (
        "import sys\n"
        "from plebiscite.interfaces.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    for _, name, line in _COMMANDS:
        assert f"{name} " in done.stdout and line[:30] in " ".join(done.stdout.split())


def _commands() -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: str) -> None:
        out.append((path, command))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}")

    for module, attr, _ in _COMMANDS:
        walk(getattr(importlib.import_module(f"plebiscite.interfaces.cli.{module}"), attr), attr)
    return out


@pytest.mark.parametrize("path,command", _commands(), ids=[p for p, _ in _commands()])
def test_every_command_and_option_has_help(
    path: str, command: click.Command, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (command.help or command.short_help or "").strip(), path
    for param in command.params:
        if isinstance(param, click.Option):
            assert (param.help or "").strip(), f"{path} {param.opts[0]}"
    cli.main([*path.split(), "--help"])  # returns (exit status 0) after printing the help
    assert "Usage: plebiscite" in capsys.readouterr().out


def test_one_spelling_for_the_board_and_the_trustee_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for path, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option) and "--db" in param.opts:
                assert "postgresql+psycopg://USER@HOST/DB" in (param.help or ""), path
                assert "postgresql://" not in (param.help or ""), path
    cli.main(["trustee", "--help"])
    text = capsys.readouterr().out
    steps = ["init", "announce", "deal", "check", "answer", "ceremony finish", "confirm"]
    positions = [text.index(f"trustee {s}" if s != "ceremony finish" else s) for s in steps]
    assert positions == sorted(positions) and "PLEBISCITE_PASSPHRASE" in text
