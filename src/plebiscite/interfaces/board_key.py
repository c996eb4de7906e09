"""One key per board: finding the board's head-signing key, and signing when the record moves.

A board's heads are all signed by one Ed25519 key (``docs/board.md`` section 3). The key is a
file holding the 32-byte seed in hex. Commands that sign heads (``serve``, ``tally close``,
``tally run``, ``tally combine``, ``trustee decrypt``, ``board sign``) find it the same way:

1. ``--board-key FILE`` (or ``PLEBISCITE_BOARD_KEY``), if given;
2. for a SQLite board ``PATH``: ``PATH.board-key``, then ``private/board.key`` in the same
   folder (the demo's layout).

A key that does not match the key of the board's stored heads is refused, naming the file that
does hold the right key when one of the places above has it: a second key would make every
later head fail the verifier's check V3 and every receipt look forged. A new key is created
only for a board that has no head yet, and only where the command says so (``serve``, the
authority's ``tally`` steps); its file is created with mode 0600 from the first byte.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from plebiscite.crypto.signing import SigningKey, VerifyKey
from plebiscite.errors import InputError
from plebiscite.record.board import Board, board_key
from plebiscite.record.heads import SignedHead

ENV = "PLEBISCITE_BOARD_KEY"
OPTION_HELP = (
    "the board's head-signing key file (hex seed; env PLEBISCITE_BOARD_KEY); default for a "
    "SQLite board: DB.board-key, then private/board.key beside DB"
)


def sqlite_path(db: str) -> Path | None:
    """The file of a SQLite board (``PATH`` or ``sqlite:///PATH``); ``None`` for a server."""
    if "://" not in db:
        return Path(db).expanduser()
    if db.startswith("sqlite"):
        return Path(db.split("///", 1)[-1]).expanduser()
    return None


def default_places(db: str) -> list[Path]:
    """Where a SQLite board's key is looked for when no ``--board-key`` is given."""
    path = sqlite_path(db)
    if path is None:
        return []
    return [Path(str(path) + ".board-key"), path.parent / "private" / "board.key"]


def read_key(path: Path) -> SigningKey:
    """The key in ``path``; a missing, unreadable or malformed file is an :class:`InputError`."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no board key there") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read a board key ({exc})") from exc
    try:
        seed = bytes.fromhex(text.strip())
        if len(seed) != 32:
            raise ValueError("not 32 bytes")
        return SigningKey(seed)
    except ValueError as exc:
        raise InputError(f"{path}: not a board key (32-byte Ed25519 seed in hex)") from exc


def write_new_key(path: Path) -> SigningKey:
    """Create ``path`` (mode 0600 from its first byte, never overwriting) with a new key."""
    key = SigningKey.generate()
    write_secret(path, key.seed.hex() + "\n")
    return key


def write_secret(path: Path, text: str, *, replace: bool = False) -> None:
    """Write a secret file (a key, a roll with voter ids), readable by its owner only from the
    moment it exists. A new file unless ``replace``; a replaced file is made 0600 first."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as exc:
        raise InputError(f"{path} exists: a key file is never overwritten") from exc
    except OSError as exc:
        raise InputError(f"cannot create {path}: {exc.strerror}") from exc
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _short(key: VerifyKey) -> str:
    return key.hex()[:16] + "..."


def _holder(places: list[Path], wanted: VerifyKey) -> Path | None:
    for place in places:
        if place.is_file():
            try:
                if read_key(place).verify_key == wanted:
                    return place
            except InputError:
                continue
    return None


def _mismatch(what: str, signed_by: VerifyKey, places: list[Path]) -> InputError:
    holder = _holder(places, signed_by)
    if holder is not None:
        where = f"the right key is in {holder}: pass --board-key {holder}"
    elif places:
        where = "none of " + ", ".join(str(p) for p in places) + " holds it: pass --board-key FILE"
    else:
        where = "pass --board-key FILE with the board's key"
    return InputError(
        f"{what}, but this board's key (anchored, and on its heads) is {_short(signed_by)}; "
        f"{where}"
    )


def resolve(
    db: str, board: Board, explicit: Path | None, *, create: bool, required: bool = True
) -> SigningKey | None:
    """The board's signing key, found as the module docstring says.

    ``create``: make a new key file when the board has no head yet and no key exists.
    ``required``: raise when no key is found; otherwise return ``None`` (a trustee, who does
    not hold the board's key, still posts its share).
    """
    if explicit is None and os.environ.get(ENV):
        explicit = Path(os.environ[ENV])
    signed_by = board_key(board)
    places = default_places(db)
    if explicit is not None:
        if signed_by is not None and not explicit.exists():
            raise _mismatch(f"{explicit} does not exist", signed_by, places)
        if explicit.exists() or not create or signed_by is not None:
            key = read_key(explicit)
            if signed_by is not None and key.verify_key != signed_by:
                raise _mismatch(f"{explicit} holds key {_short(key.verify_key)}", signed_by, places)
            return key
        return write_new_key(explicit)
    if signed_by is not None:
        holder = _holder(places, signed_by)
        if holder is not None:
            return read_key(holder)
        if not required:
            return None
        found = [p for p in places if p.is_file()]
        what = f"{found[0]} holds another key" if found else "no board key was given"
        raise _mismatch(what, signed_by, places)
    for place in places:
        if place.is_file():
            return read_key(place)
    if create and places:
        return write_new_key(places[0])
    if required:
        raise InputError(
            "no board key: pass --board-key FILE (a PostgreSQL board has no default place)"
            if not places
            else f"no board key at {places[0]}: pass --board-key FILE"
        )
    return None


def sign_if_moved(
    board: Board, key: SigningKey, *, timestamp: int | None = None
) -> SignedHead | None:
    """Sign and store a head over the whole board if its latest head does not cover it.

    Returns the new head, or ``None`` when the latest stored head already covers every entry
    (or another process stored a larger head meanwhile).
    """
    head = board.latest_head()
    if head is not None and head.tree_size >= board.size():
        return None
    when = int(time.time() * 1000) if timestamp is None else timestamp
    if head is not None and when < head.timestamp:
        when = head.timestamp  # never a head older than the one before it
    try:
        return board.sign_head(key, when)
    except InputError:
        return None


__all__ = [
    "ENV",
    "OPTION_HELP",
    "default_places",
    "read_key",
    "resolve",
    "sign_if_moved",
    "sqlite_path",
    "write_new_key",
    "write_secret",
]
