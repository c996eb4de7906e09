"""Running the CLI in-process from tests: a command that must succeed, one that must fail."""

from __future__ import annotations

import pytest

from plebiscite.interfaces import cli


def run(*args: str) -> None:
    """Run ``plebiscite ARGS``; a non-zero exit fails the test."""
    cli.main(list(args))


def fails(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``plebiscite ARGS``, which must exit; its exit status and standard error."""
    with pytest.raises(SystemExit) as exc:
        cli.main(list(args))
    code = exc.value.code
    return (code if isinstance(code, int) else -1), capsys.readouterr().err
