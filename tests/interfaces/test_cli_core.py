"""The CLI entry point: errors map to one line and their exit code; bench crypto prints JSON."""

from __future__ import annotations

import json

import click
import pytest

from plebiscite.errors import CryptoError, InputError
from plebiscite.interfaces import cli


def test_bench_crypto_json(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["bench", "crypto", "--json", "--ballots", "4"])
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {
        "scalar_mult_per_s",
        "encrypt_ballots_per_s",
        "verify_ballots_per_s",
        "verify_ballots_per_s_batch",
        "arithmetic",
    }


def test_bench_rejects_bad_ballot_count(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "crypto", "--ballots", "0"])
    assert exc.value.code == 2
    assert "--ballots" in capsys.readouterr().err


@pytest.mark.parametrize(("error", "code"), [(InputError("bad row"), 2), (CryptoError("x"), 4)])
def test_project_errors_become_one_line_and_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    code: int,
) -> None:
    @click.command()
    def boom() -> None:
        raise error

    monkeypatch.setattr(
        cli._Group,
        "get_command",
        lambda self, ctx, name: boom if name == "boom" else None,
    )
    with pytest.raises(SystemExit) as exc:
        cli.main(["boom"])
    assert exc.value.code == code
    err = capsys.readouterr().err.strip()
    assert err.startswith("plebiscite: ") and str(error) in err and "\n" not in err


def test_unknown_command_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    assert "No such command" in capsys.readouterr().err
    cli.main(["--help"])
    assert "bench" in capsys.readouterr().out
