"""The ``plebiscite`` command line (the contract is in DESIGN and the README).

The one-line errors speak the language of ``PLEBISCITE_LANG`` or the locale (``LANGUAGE``,
``LC_ALL``, ``LC_MESSAGES``, ``LANG``; ``docs/languages.md``): the error's title is translated,
the detail the services write stays English.

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
from plebiscite.interfaces.i18n import cli_language, tr

#: (module under plebiscite.interfaces.cli, attribute, one line of help) for every top-level
#: command; the command's name is the attribute's. The line is what ``plebiscite --help``
#: shows without importing the module (commands import SQLAlchemy, SciPy or Matplotlib).
_COMMANDS: list[tuple[str, str, str]] = [
    ("manifest", "manifest", "Check a referendum manifest; print its regions and schedule."),
    ("roll", "roll", "Electoral rolls: generate, check, pseudonym keys, commitments."),
    ("election", "election", "Publish a referendum on a new board; show its state."),
    ("board", "board", "The bulletin board: create, inspect, sign heads, export, check."),
    ("trustee", "trustee", "A trustee's steps: key ceremony and decryption shares, in order."),
    ("trustee", "ceremony", "The key ceremony: its state; publish the election key."),
    ("serve", "serve", "Serve the board, its API and pages (devices, booths, receipts)."),
    ("station", "station", "Station officials' credentials: issue, revoke (on the board)."),
    ("device", "device", "A mobile team's device: enrol online, vote offline, sync later."),
    ("simulate", "simulate", "Drive synthetic voters and devices over HTTP (rehearsals)."),
    ("tally", "tally", "Close voting, post the encrypted tally, combine the shares."),
    ("paper", "paper", "The paper count: protocols, trips, custody acts, complaints."),
    ("verify", "verify", "Verify an exported election record, trusting only its files."),
    ("complaint", "complaint", "File a device receipt whose ballot is not on the board."),
    ("receipt", "receipt", "Find a ballot by tracking code, prove it is on the board."),
    ("forensics", "forensics", "Statistical analysis of any referendum's precinct results."),
    ("legitimacy", "legitimacy", "Check a referendum against the Venice Commission's code."),
    ("witness", "witness", "Cosign a board's heads, each after checking it extends the last."),
    ("demo", "demo", "The seed referendum end to end, on this machine."),
    ("bench", "bench", "Measure plebiscite's speed on this machine."),
]


class _Group(click.Group):
    """Loads command modules lazily so ``plebiscite --help`` stays fast."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [attr for _, attr, _ in _COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module_name, attr, _ in _COMMANDS:
            if attr == cmd_name:
                module = importlib.import_module(f"plebiscite.interfaces.cli.{module_name}")
                command: click.Command = getattr(module, attr)
                return command
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from :data:`_COMMANDS`, in the order a referendum needs them."""
        with formatter.section("Commands"):
            formatter.write_dl([(attr, line) for _, attr, line in _COMMANDS])


@click.group(cls=_Group)
@click.version_option(package_name="plebiscite")
def cli() -> None:
    """plebiscite: verifiable referendums, and forensics of anyone's referendum results.

    The commands are listed in the order a referendum needs them (docs/runbook.md). Every
    command that takes a board says --db URL: a SQLite file path or
    postgresql+psycopg://USER@HOST/DB (or PLEBISCITE_DB).

    Exit status: 0 done; 2 bad input or usage; 3 set-up; 4 bad cryptographic data; 5 refused
    by a rule, or waiting (e.g. for trustees); 6 board unavailable; 7 corrupt record;
    8 a verification check failed.
    """


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, mapping every error to one line and an exit code.

    Project errors exit with their own code; usage errors (click's) and files that cannot be
    read or written exit 2; anything else is a bug, reported in one line with exit 1 (set
    ``PLEBISCITE_DEBUG=1`` to see its traceback).
    """
    lang = cli_language()
    try:
        cli.main(args=argv, prog_name="plebiscite", standalone_mode=False)
    except PlebisciteError as exc:
        title = tr(lang, exc.title)
        _fail(f"{title}: {exc}", exc.exit_code)
    except click.exceptions.Abort:
        _fail(tr(lang, "aborted"), 130)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "plebiscite"
        usage = tr(
            lang,
            "invalid usage: %(problem)s (see '%(where)s --help')",
            problem=exc.format_message(),
            where=where,
        )
        _fail(usage, exc.exit_code)
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except UnicodeDecodeError as exc:
        _fail(
            tr(lang, "invalid input: a file is not UTF-8 text (%(reason)s)", reason=exc.reason), 2
        )
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        title = tr(lang, "invalid input")
        _fail(f"{title}: {name}{exc.strerror or exc}", 2)
    except Exception as exc:
        if os.environ.get("PLEBISCITE_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (PLEBISCITE_DEBUG=1 shows where)", 1)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"plebiscite: {' '.join(message.split())}", err=True)
    sys.exit(code)
