"""Export of a board as a self-contained directory, and its verification and import.

``docs/board.md`` section 5. The layout::

    manifest.json   the payload of the first manifest event (canonical JSON, newline), if any
    events.jsonl    one canonical event per line, in log order (line n holds leaf n-1)
    heads.jsonl     the signed tree heads, oldest first, one canonical JSON object per line

Export and check both stream: memory stays O(log n) however large the record. A check names
the file and line of the first fault it meets: a line that is not a canonical event, a head
that is malformed, badly signed, out of order or whose root does not match the lines before
it (then the fault is within the lines since the previous matching head), and lines missing
at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from plebiscite.crypto.hashing import canonical_json
from plebiscite.crypto.signing import VerifyKey
from plebiscite.errors import InputError, RecordError, SignatureError
from plebiscite.record.board import Board
from plebiscite.record.codec import decode_event
from plebiscite.record.events import MAX_EVENT_BYTES, Event, EventType
from plebiscite.record.heads import SignedHead
from plebiscite.record.merkle import Frontier, leaf_hash

MANIFEST: Final = "manifest.json"
EVENTS: Final = "events.jsonl"
HEADS: Final = "heads.jsonl"

#: Called with (done, total): entries when exporting or importing, bytes when checking.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RecordSummary:
    """What an export wrote, or what a check of an exported directory found."""

    entries: int
    heads: int
    signed_size: int  # tree size of the last head (entries beyond it are not yet signed)
    key: VerifyKey | None
    manifest: bool


@contextmanager
def staged_directory(out: Path) -> Iterator[Path]:
    """A new hidden folder beside ``out`` that becomes ``out`` only when the block ends well.

    A crash (even kill -9) leaves either no ``out`` or a complete one, never a half-written
    record; the abandoned ``.NAME.*.partial`` folder beside it can be deleted. ``out`` must not
    exist or be an empty folder.
    """
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out} already exists and is not empty: export into a new folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    except OSError as exc:
        raise InputError(f"cannot create {out}: {exc.strerror}") from exc
    try:
        yield staging
        _fsync_tree(staging)
        if out.exists():
            out.rmdir()
        staging.rename(out)
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(Path(folder) / name, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def export_board(
    board: Board,
    out: Path,
    *,
    progress: Progress | None = None,
    extra: Callable[[Path], object] | None = None,
) -> RecordSummary:
    """Write ``board`` as of now to the directory ``out``, atomically (:func:`staged_directory`).

    ``extra``, if given, writes more files (the results) into the staging folder before it is
    renamed into place.
    """
    with staged_directory(out) as staging:
        summary = _write_board(board, staging, progress)
        if extra is not None:
            extra(staging)
    return summary


def _write_board(board: Board, out: Path, progress: Progress | None) -> RecordSummary:
    size = board.size()
    manifest = False
    with (out / EVENTS).open("wb") as events:
        for entry in board.entries(0, size):
            events.write(entry.event.data + b"\n")
            if not manifest and entry.event.type is EventType.MANIFEST:
                (out / MANIFEST).write_bytes(manifest_bytes(entry.event))
                manifest = True
            if progress is not None and (entry.index + 1) % 1000 == 0:
                progress(entry.index + 1, size)
    heads, last = 0, None
    with (out / HEADS).open("wb") as out_heads:
        for head in board.heads():
            if head.tree_size > size:
                break  # signed after the entries were read: not part of this export
            out_heads.write(head.encode() + b"\n")
            heads, last = heads + 1, head
    if progress is not None:
        progress(size, size)
    return RecordSummary(
        size,
        heads,
        0 if last is None else last.tree_size,
        None if last is None else last.key,
        manifest,
    )


def manifest_bytes(event: Event) -> bytes:
    return canonical_json(event.payload) + b"\n"


def _lines(stream: BinaryIO, name: str) -> Iterator[tuple[int, bytes]]:
    """Numbered lines without their newline; a line without one (a cut file) is an error."""
    number = 0
    while True:
        raw = stream.readline(MAX_EVENT_BYTES + 2)
        if not raw:
            return
        number += 1
        if not raw.endswith(b"\n"):
            if len(raw) > MAX_EVENT_BYTES:
                raise RecordError(f"{name} line {number}: longer than {MAX_EVENT_BYTES} bytes")
            raise RecordError(f"{name} line {number}: no newline at its end (file cut short?)")
        yield number, raw[:-1]


def _read_heads(path: Path, key: VerifyKey | None) -> Iterator[tuple[int, SignedHead]]:
    previous: SignedHead | None = None
    with path.open("rb") as stream:
        for number, raw in _lines(stream, HEADS):
            where = f"{HEADS} line {number}"
            head = SignedHead.decode(raw, where=where)
            try:
                head.verify(key)
            except SignatureError as exc:
                raise RecordError(f"{where}: {exc}") from exc
            key = head.key
            if previous is not None and head.tree_size < previous.tree_size:
                raise RecordError(
                    f"{where}: tree size {head.tree_size} is smaller than the previous head's "
                    f"{previous.tree_size} (heads reordered?)"
                )
            previous = head
            yield number, head


def check_export(
    directory: Path, *, key: VerifyKey | None = None, progress: Progress | None = None
) -> RecordSummary:
    """Verify an exported directory; raise :class:`RecordError` naming the first fault.

    ``key``, if given, is the board key every head must be signed with; otherwise all heads
    must share the first head's key. A record with entries but no signed head is refused.
    """
    return _walk(directory, key, progress, require_head=True)


def import_export(
    directory: Path, board: Board, *, progress: Progress | None = None, batch: int = 1000
) -> RecordSummary:
    """Check ``directory`` and then copy it into the empty ``board`` (entries and heads).

    The check runs to the end before anything is written, so a corrupt record writes nothing.
    """
    if board.size() != 0 or board.latest_head() is not None:
        raise InputError(f"import needs an empty board; this one has {board.size()} entries")
    summary = _walk(directory, None, progress=None, require_head=False)
    board.replica = True  # the record's check-ins name no voter (record/board.py)
    pending: list[Event] = []

    def flush() -> None:
        board.append_batch(pending)
        pending.clear()

    with (directory / EVENTS).open("rb") as stream:
        for number, raw in _lines(stream, EVENTS):
            pending.append(decode_event(raw, where=f"{EVENTS} line {number}"))
            if len(pending) >= batch:
                flush()
                if progress is not None:
                    progress(number, summary.entries)
    flush()
    for _, head in _read_heads(directory / HEADS, None):
        board.add_head(head)
    if progress is not None:
        progress(summary.entries, summary.entries)
    return summary


def _walk(
    directory: Path,
    key: VerifyKey | None,
    progress: Progress | None,
    *,
    require_head: bool,
) -> RecordSummary:
    if not directory.is_dir():
        raise RecordError(f"{directory} is not a directory")
    for name in (EVENTS, HEADS):
        if not (directory / name).is_file():
            raise RecordError(f"{directory} has no {name}: not an exported board")
    total = (directory / EVENTS).stat().st_size
    manifest_path = directory / MANIFEST
    manifest_seen = False
    heads = _read_heads(directory / HEADS, key)
    pending = next(heads, None)
    frontier = Frontier()
    matched_size, heads_done, last_head = 0, 0, None

    def check_heads() -> None:
        nonlocal pending, matched_size, heads_done, last_head
        while pending is not None and pending[1].tree_size == frontier.size:
            number, head = pending
            if head.root_hash != frontier.root():
                span = (
                    f"lines {matched_size + 1} to {frontier.size}"
                    if frontier.size > matched_size
                    else "the lines before it"
                )
                raise RecordError(
                    f"{HEADS} line {number}: root of tree size {head.tree_size} does not match "
                    f"{EVENTS}; {span} were changed, removed, inserted or reordered"
                )
            matched_size, heads_done, last_head = head.tree_size, heads_done + 1, head
            pending = next(heads, None)

    check_heads()
    done_bytes = 0
    with (directory / EVENTS).open("rb") as stream:
        for number, raw in _lines(stream, EVENTS):
            where = f"{EVENTS} line {number}"
            event = decode_event(raw, where=where)
            if event.type is EventType.MANIFEST and not manifest_seen:
                manifest_seen = True
                _check_manifest(manifest_path, event, where)
            frontier.append(leaf_hash(raw))
            check_heads()
            done_bytes += len(raw) + 1
            if progress is not None and number % 1000 == 0:
                progress(done_bytes, total)
    if pending is not None:
        number, head = pending
        raise RecordError(
            f"{HEADS} line {number}: head of tree size {head.tree_size}, but {EVENTS} has only "
            f"{frontier.size} lines (lines missing at the end?)"
        )
    if not manifest_seen and manifest_path.exists():
        raise RecordError(f"{MANIFEST} is present but {EVENTS} has no manifest event")
    if require_head and last_head is None and frontier.size:
        raise RecordError(
            f"{HEADS} holds no signed head: nothing in this record is signed by the board "
            "(sign one with `plebiscite board sign` and export again)"
        )
    if progress is not None:
        progress(total, total)
    return RecordSummary(
        frontier.size,
        heads_done,
        matched_size,
        None if last_head is None else last_head.key,
        manifest_seen,
    )


def _check_manifest(path: Path, event: Event, where: str) -> None:
    if not path.is_file():
        raise RecordError(f"{where} is a manifest event but the record has no {MANIFEST}")
    if path.read_bytes() != manifest_bytes(event):
        raise RecordError(f"{MANIFEST} differs from the manifest event at {where}")
