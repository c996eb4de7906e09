"""``plebiscite trustee`` and ``plebiscite ceremony``: the key ceremony and decryption.

Each trustee runs its own steps on its own machine, with its own key file, against the board,
in this order (each step waits for the previous step of every trustee)::

    plebiscite trustee init     --db URL --index I --key trustee-I.key
    plebiscite trustee announce --db URL --key trustee-I.key
    plebiscite trustee reannounce --db URL --key trustee-I.key   (new keys, before any deal)
    plebiscite trustee deal     --db URL --key trustee-I.key
    plebiscite trustee check    --db URL --key trustee-I.key     (complains about bad shares)
    plebiscite trustee answer   --db URL --key trustee-I.key     (answers complaints)
    plebiscite ceremony finish  --db URL                         (anyone: publish the key)
    plebiscite trustee confirm  --db URL --key trustee-I.key
    plebiscite trustee convert  --db URL --key trustee-I.key     (after `tally mix`)
    plebiscite trustee decrypt  --db URL --key trustee-I.key     (tag shares, then tally shares)

The passphrase comes from ``PLEBISCITE_PASSPHRASE`` or a prompt.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import click

from plebiscite.crypto.randomness import SystemRng
from plebiscite.errors import InputError
from plebiscite.interfaces.cli.options import board_key_option, db_option, open_existing

if TYPE_CHECKING:  # the board and the services load SQLAlchemy: only when a step runs
    from rich.console import Console

    from plebiscite.record.sql import SqlBoard
    from plebiscite.services.ceremony.steps import TrusteeState


def _svc() -> ModuleType:
    from plebiscite.services.ceremony import steps as ceremony

    return ceremony


def _keyfile() -> ModuleType:
    from plebiscite.crypto import keyfile

    return keyfile


def _console() -> Console:
    from rich.console import Console

    return Console()


ORDER = """Each trustee, on its own machine, with its own key file, in this order (each step waits
for the previous step of every trustee):

\b
  1. trustee init --index I   create the key file (sealed with the passphrase)
  2. trustee announce         post the trustee's public keys
  3. trustee deal             post encrypted shares for the other trustees
  4. trustee check            check the shares received; complain about bad ones
  5. trustee answer           answer complaints against this trustee
  6. ceremony finish          (anyone) publish the election key
  7. trustee confirm          check and keep this trustee's key share
  8. trustee convert          after `tally mix`: convert the shuffled voter tags
  9. trustee decrypt          before `tally run`: post shares of the converted tags;
                              after `tally run`: post decryption shares of the tally

The key file's passphrase is read from PLEBISCITE_PASSPHRASE, or asked for."""

_DB = db_option
_KEY = click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="this trustee's key file (sealed with PLEBISCITE_PASSPHRASE)",
)


def _passphrase(confirm: bool = False) -> str:
    env = os.environ.get("PLEBISCITE_PASSPHRASE")
    if env:
        return env
    text: str = click.prompt("key file passphrase", hide_input=True, confirmation_prompt=confirm)
    return text


@contextmanager
def _trustee(db: str, key_path: Path) -> Iterator[tuple[SqlBoard, TrusteeState]]:
    """Open the board and the key file; write the key file back after the step."""
    from plebiscite.services.election.definition import load_election

    board = open_existing(db)
    try:
        election = load_election(board)
        manifest = election.require_manifest()
        if not key_path.exists():
            raise InputError(f"no key file at {key_path}")
        try:
            text = key_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{key_path}: cannot read a trustee key file ({exc})") from exc
        index = _index_hint(text)  # a file that is no key file is refused before the prompt
        passphrase = _passphrase()
        purpose = _svc().key_file_purpose(manifest.id, index)
        state = _svc().TrusteeState.from_json(_keyfile().open_sealed(text, passphrase, purpose))
        yield board, state
        _save(key_path, state, passphrase, purpose)
    finally:
        board.close()


def _index_hint(text: str) -> int:
    """The trustee index named in the container's (authenticated) purpose."""
    import json

    try:
        purpose = json.loads(text).get("purpose", "")
        return int(str(purpose).split()[1])
    except (IndexError, ValueError, AttributeError) as exc:
        raise InputError("not a trustee key file") from exc


def _save(path: Path, state: TrusteeState, passphrase: str, purpose: str) -> None:
    from plebiscite.interfaces.board_key import write_secret

    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover of a crash; the real file is untouched
    write_secret(tmp, _keyfile().seal(state.to_json(), passphrase, purpose))
    tmp.replace(path)


@click.group(help="A trustee's steps: key ceremony and decryption shares.\n\n" + ORDER)
def trustee() -> None:
    pass


@trustee.command()
@_DB
@click.option("--index", type=int, required=True, help="this trustee's number in the manifest")
@_KEY
def init(db: str, index: int, key_path: Path) -> None:
    """Create this trustee's key file (refuses to overwrite one)."""
    from plebiscite.services.election.definition import load_election

    if key_path.exists():
        raise InputError(f"{key_path} exists: a key file is never overwritten")
    board = open_existing(db)
    try:
        election = load_election(board)
        manifest = election.require_manifest()
        n = len(manifest.trustees.members)
        if not 1 <= index <= n:
            raise InputError(f"--index must be in 1..{n}")
        state = _svc().TrusteeState.create(index, election.manifest_hash)
    finally:
        board.close()
    passphrase = _passphrase(confirm=True)
    _save(key_path, state, passphrase, _svc().key_file_purpose(manifest.id, index))
    member = manifest.trustees.members[index - 1]
    _console().print(f"key file for trustee {index} ({member.name}) written to {key_path}")


def _step(name: str, help: str, run: Callable[[SqlBoard, TrusteeState], object]) -> click.Command:
    @_DB
    @_KEY
    def command(db: str, key_path: Path) -> None:
        with _trustee(db, key_path) as (board, state):
            outcome = run(board, state)
        _console().print(f"trustee {state.index}: {name}: {outcome}")

    return click.command(name, help=help)(command)


def _reannounce(board: SqlBoard, state: TrusteeState) -> str:
    state.rekey()
    return f"entry {_svc().announce(board, state)} (new keys, before dealing)"


trustee.add_command(
    _step(
        "announce",
        "Step 2: post this trustee's public keys.",
        lambda b, s: f"entry {_svc().announce(b, s)}",
    )
)
trustee.add_command(
    _step(
        "reannounce",
        "Step 2, again: replace this trustee's keys and announcement (only before dealing).",
        _reannounce,
    )
)
trustee.add_command(
    _step(
        "deal",
        "Step 3: post encrypted shares for the other trustees.",
        lambda b, s: f"entry {_svc().deal_shares(b, s, SystemRng())}",
    )
)
trustee.add_command(
    _step(
        "check",
        "Step 4: check the shares received; complain about bad ones.",
        lambda b, s: f"complaints against {_svc().check_shares(b, s) or 'nobody'}",
    )
)
trustee.add_command(
    _step(
        "answer",
        "Step 5: answer complaints against this trustee.",
        lambda b, s: f"answered {_svc().answer_complaints(b, s) or 'nothing'}",
    )
)
trustee.add_command(
    _step(
        "confirm",
        "Step 7: after `ceremony finish`, check and keep this trustee's key share.",
        lambda b, s: "key share confirmed" if _svc().confirm_key_share(b, s) else "",
    )
)


@trustee.command()
@_DB
@_KEY
@board_key_option
def convert(db: str, key_path: Path, board_key: Path | None) -> None:
    """After `tally mix`: convert the voter tags of every shuffled chunk (docs/tally.md 2).

    Checks every shuffle and the conversions before it, then raises each chunk's tags to this
    trustee's exponent for the region, with a proof. Run by the trustees one after another (any
    number, at least one, before the first `trustee decrypt`). Rerun after a crash, it converts
    only the chunks it has not. With the board's key at hand it also signs a head.
    """
    from plebiscite.interfaces.cli.tally import progress_bar, signed
    from plebiscite.services.tally.mixing import convert as convert_tags

    console = _console()
    with _trustee(db, key_path) as (board, state), progress_bar(console) as report:
        done = convert_tags(board, state, SystemRng(), report)
        note = signed(db, board, board_key, required=False)
    posted = f"{len(done.posted)} conversions posted" if done.posted else "nothing new to convert"
    skipped = (
        f"; skipped (tag decryption had begun there): {', '.join(done.skipped)}"
        if done.skipped
        else ""
    )
    console.print(f"trustee {state.index}: convert: {posted}{skipped}; {note}")


@trustee.command()
@_DB
@_KEY
@board_key_option
def decrypt(db: str, key_path: Path, board_key: Path | None) -> None:
    """Post this trustee's proven decryption shares: of the converted voter tags before
    `tally run`, of the encrypted tally after it.

    Before any share it checks what it decrypts: the shuffles and conversions (tags), or that
    the tally is exactly what the board's ballots and the tag filter give (tally). Rerun after
    a crash, it finds the shares it posted and posts no second ones. With the board's key at
    hand (--board-key, or the SQLite default places) it also signs a head.
    """
    from plebiscite.interfaces.cli.tally import progress_bar, signed
    from plebiscite.services.tally.count import decrypt_next

    console = _console()
    with _trustee(db, key_path) as (board, state), progress_bar(console) as report:
        what, posted = decrypt_next(board, state, SystemRng(), report)
        note = signed(db, board, board_key, required=False)
    if what == "tally":
        said = (
            f"tally shares posted at entry {posted[0]}" if posted else "tally shares already posted"
        )
    else:
        said = f"{len(posted)} tag shares posted" if posted else "tag shares already posted"
    console.print(f"trustee {state.index}: decrypt: {said}; {note}")


@click.group()
def ceremony() -> None:
    """The key ceremony as a whole: its state, and publishing the election key."""


@ceremony.command()
@_DB
def status(db: str) -> None:
    """Who has announced, dealt, complained and answered."""
    from rich.table import Table

    from plebiscite.services.election.definition import load_election

    board = open_existing(db)
    try:
        election = load_election(board)
        manifest = election.require_manifest()
        transcript = _svc().read_transcript(board, manifest, election.manifest_hash)
    finally:
        board.close()
    table = Table(title=f"key ceremony ({transcript.k} of {transcript.n})")
    for column in ("trustee", "nominated by", "announced", "dealt", "complaints", "confirmed"):
        table.add_column(column)
    for member in manifest.trustees.members:
        t = member.index
        against = [str(d) for d, by in transcript.complaints if by == t]
        table.add_row(
            f"{t} {member.name}",
            member.nominated_by,
            "yes" if t in transcript.keys else "no",
            "yes" if t in transcript.deals else "no",
            ", ".join(against) or "-",
            "yes" if t in transcript.confirmed else "no",
        )
    console = _console()
    console.print(table)
    if transcript.election_key:
        console.print(f"election key {transcript.election_key['election_key']}")
    for problem in transcript.problems:
        console.print(f"[red]problem[/] {problem}")


@ceremony.command()
@_DB
def finish(db: str) -> None:
    """Fold the transcript into the election key and publish it."""
    board = open_existing(db)
    try:
        summary = _svc().finish(board)
    finally:
        board.close()
    console = _console()
    console.print(f"election key {summary['election_key']}")
    console.print(f"qualified trustees: {summary['qualified']}")
    for t, why in summary["disqualified"].items():
        console.print(f"[red]disqualified[/] trustee {t}: {why}")
