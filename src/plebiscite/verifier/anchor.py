"""The verifier's anchor: which key the board's heads must be signed with (V32).

``docs/verifier.md`` V32, ``docs/board.md`` section 3. The board's head key is part of the
election's definition: the first entry (the ``manifest`` event) names it as ``board_key``, and
the key ceremony's context covers it, so every trustee's signatures and every dealer's proof
acknowledge it. The verifier reads it from that first line before anything else and checks
every head against it (V3); ``--board-key HEX`` pins a key obtained out of band, which the
record's must equal. A record whose heads were all re-signed under another key fails, and so
does one whose anchor was changed to match (its ceremony no longer verifies, V7 and V8).

:func:`guarded` runs one of the post-pass checks so that a malformed record gives a finding
under that check, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from plebiscite.crypto.signing import VerifyKey
from plebiscite.errors import PlebisciteError
from plebiscite.record.codec import decode_event
from plebiscite.record.events import MAX_EVENT_BYTES, EventType
from plebiscite.record.export import EVENTS
from plebiscite.verifier.report import VerificationReport

P = ParamSpec("P")
T = TypeVar("T")


def parse_key(text: object) -> VerifyKey | None:
    """A 32-byte Ed25519 key in lower-case hex, or None."""
    if not isinstance(text, str) or len(text) != 64 or text != text.lower():
        return None
    try:
        return VerifyKey(bytes.fromhex(text))
    except (ValueError, PlebisciteError):
        return None


def anchored_board_key(
    directory: Path, report: VerificationReport, pinned: str | None
) -> VerifyKey | None:
    """The key every head must be signed with: the anchored one (or the pinned one)."""
    report.count("V32")
    pin = None if pinned is None else parse_key(pinned)
    if pinned is not None and pin is None:
        report.fail("V32", f"--board-key {pinned[:80]!r} is not 32 bytes of lower-case hex")
    anchored = None
    try:
        with (directory / EVENTS).open("rb") as stream:
            first = stream.readline(MAX_EVENT_BYTES + 2).rstrip(b"\n")
        event = decode_event(first, where=f"{EVENTS} line 1")
        if event.type is EventType.MANIFEST:
            anchored = parse_key(event.payload.get("board_key"))
    except (OSError, PlebisciteError):
        pass  # V1, V2 and V6 say what is wrong with the first line
    if anchored is None:
        report.fail(
            "V32", "the first entry (the manifest event) anchors no board key (`board_key`)"
        )
        return pin
    if pin is not None and pin != anchored:
        report.fail(
            "V32",
            f"the record anchors board key {anchored.hex()[:16]}..., not the pinned "
            f"{pin.hex()[:16]}...: this is not the board you meant",
        )
        return pin
    return anchored


def guarded(
    report: VerificationReport, check: str, run: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T | None:
    """``run(*args)``; a record too malformed for it becomes a finding under ``check``."""
    try:
        return run(*args, **kwargs)
    except (PlebisciteError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        report.fail(check, f"the record is malformed here: {type(exc).__name__}: {exc}")
        return None
