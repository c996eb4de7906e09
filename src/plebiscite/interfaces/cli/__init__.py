"""The ``plebiscite`` command line (the contract is in DESIGN and the README).

Each command group lives in its own module and is registered in :data:`_COMMANDS`; errors are
mapped to exit codes here and nowhere else: a :class:`~plebiscite.errors.PlebisciteError`
prints one line ``plebiscite: <title>: <message>`` on standard error and exits with the
error's ``exit_code``.
"""

from __future__ import annotations

import importlib
import sys

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
    ("witness", "witness"),
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
    """Console entry point: run the CLI, mapping project errors to one line and an exit code."""
    try:
        cli.main(args=argv, prog_name="plebiscite", standalone_mode=False)
    except PlebisciteError as exc:
        click.echo(f"plebiscite: {exc.title}: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("plebiscite: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
