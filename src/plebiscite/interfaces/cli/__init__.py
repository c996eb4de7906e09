"""The ``plebiscite`` command line (the contract is in DESIGN and the README).

Each command group lives in its own module and is registered in :data:`_COMMANDS`; errors are
mapped to exit codes here and nowhere else: a :class:`~plebiscite.errors.PlebisciteError`
prints one line ``plebiscite: <title>: <message>`` on standard error and exits with the
error's ``exit_code``.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import NoReturn

import click

from plebiscite.errors import PlebisciteError

#: (module under plebiscite.interfaces.cli, attribute) for every top-level command; the
#: command's name is the attribute's.
_COMMANDS: list[tuple[str, str]] = [
    ("bench", "bench"),
    ("demo", "demo"),
    ("election", "election"),
    ("receipt", "receipt"),
    ("trustee", "trustee"),
    ("trustee", "ceremony"),
    ("tally", "tally"),
    ("board", "board"),
    ("forensics", "forensics"),
    ("manifest", "manifest"),
    ("roll", "roll"),
    ("serve", "serve"),
    ("simulate", "simulate"),
    ("legitimacy", "legitimacy"),
    ("paper", "paper"),
    ("verify", "verify"),
]


class _Group(click.Group):
    """Loads command modules lazily so ``plebiscite --help`` stays fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(attr for _, attr in _COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module_name, attr in _COMMANDS:
            if attr == cmd_name:
                module = importlib.import_module(f"plebiscite.interfaces.cli.{module_name}")
                command: click.Command = getattr(module, attr)
                return command
        return None


@click.group(cls=_Group)
@click.version_option(package_name="plebiscite")
def cli() -> None:
    """plebiscite: verifiable referendums, and forensics of anyone's referendum results."""


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, mapping every error to one line and an exit code.

    Project errors exit with their own code; usage errors (click's) and files that cannot be
    read or written exit 2; anything else is a bug, reported in one line with exit 1 (set
    ``PLEBISCITE_DEBUG=1`` to see its traceback).
    """
    try:
        cli.main(args=argv, prog_name="plebiscite", standalone_mode=False)
    except PlebisciteError as exc:
        _fail(f"{exc.title}: {exc}", exc.exit_code)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "plebiscite"
        _fail(f"invalid usage: {exc.format_message()} (see '{where} --help')", exc.exit_code)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except UnicodeDecodeError as exc:
        _fail(f"invalid input: a file is not UTF-8 text ({exc.reason})", 2)
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        _fail(f"invalid input: {name}{exc.strerror or exc}", 2)
    except Exception as exc:
        if os.environ.get("PLEBISCITE_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (PLEBISCITE_DEBUG=1 shows where)", 1)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"plebiscite: {' '.join(message.split())}", err=True)
    sys.exit(code)
