"""Tracking codes as people read, type and look them up (``docs/voting.md``).

The record holds each tracking code in full: 64 lower-case hex digits (a 256-bit hash,
``docs/protocol.md``). People see it in groups of four (``3f2a 9c01 ...``) and may type any
unambiguous prefix of at least :data:`MIN_PREFIX` digits, with spaces, dashes and case
ignored: 8 hex digits are 32 bits, so among a million ballots a given prefix is shared with
another ballot about once in four thousand lookups, and then the lookup says how many ballots
share it and asks for more digits. A prefix finds a ballot; it proves nothing: the inclusion
proof and the receipt's signed head check the full code.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Final

from plebiscite.errors import InputError, NotFoundError
from plebiscite.record.board import Board
from plebiscite.record.events import EventType

CODE_LENGTH: Final = 64
MIN_PREFIX: Final = 8
_HEX = frozenset("0123456789abcdef")


def normalise(text: str) -> str:
    """A typed code or prefix: spaces, dashes and case dropped; hex digits only."""
    code = "".join(text.split()).replace("-", "").lower()
    if not code:
        raise InputError("no tracking code given")
    if not set(code) <= _HEX:
        bad = next(c for c in code if c not in _HEX)
        raise InputError(f"a tracking code holds the digits 0-9 and letters a-f only, not {bad!r}")
    if len(code) > CODE_LENGTH:
        raise InputError(f"a tracking code has {CODE_LENGTH} digits, not {len(code)}")
    return code


def grouped(code: str, size: int = 4) -> str:
    """``code`` in groups of ``size`` digits separated by spaces, for reading aloud."""
    return " ".join(code[i : i + size] for i in range(0, len(code), size))


def board_codes(board: Board, stop: int | None = None) -> list[str]:
    """Every ballot's tracking code (cast or challenged) in entries ``0 .. stop-1``, sorted."""
    codes = []
    for entry in board.entries(0, stop):
        if entry.event.type in (EventType.BALLOT_CAST, EventType.BALLOT_CHALLENGED):
            codes.append(str(entry.event.payload["tracking_code"]))
    codes.sort()
    return codes


def with_prefix(codes: Sequence[str], prefix: str, limit: int | None = None) -> list[str]:
    """The codes of the sorted ``codes`` that start with ``prefix`` (at most ``limit``)."""
    start = bisect.bisect_left(codes, prefix)
    out: list[str] = []
    for code in codes[start:]:
        if not code.startswith(prefix) or (limit is not None and len(out) >= limit):
            break
        out.append(code)
    return out


def expand(typed: str, codes: Iterable[str]) -> str:
    """The one full code that ``typed`` (a code or a prefix of one) names among ``codes``."""
    prefix = normalise(typed)
    if len(prefix) == CODE_LENGTH:
        return prefix
    if len(prefix) < MIN_PREFIX:
        raise InputError(
            f"type at least {MIN_PREFIX} digits of the tracking code, not {len(prefix)}"
        )
    ordered = codes if isinstance(codes, list) else sorted(codes)
    found = with_prefix(ordered, prefix, limit=2)
    if not found:
        raise NotFoundError(f"no ballot with tracking code {grouped(prefix)}... on the board")
    if len(found) > 1:
        more = len(with_prefix(ordered, prefix))
        raise InputError(
            f"{more} ballots have tracking codes starting {grouped(prefix)}: type more digits"
        )
    return found[0]


def expand_on_board(board: Board, typed: str) -> str:
    """:func:`expand` against the ballots covered by the board's latest signed head."""
    prefix = normalise(typed)
    if len(prefix) == CODE_LENGTH:
        return prefix
    head = board.latest_head()
    return expand(prefix, board_codes(board, head.tree_size if head else 0))


__all__ = [
    "CODE_LENGTH",
    "MIN_PREFIX",
    "board_codes",
    "expand",
    "expand_on_board",
    "grouped",
    "normalise",
    "with_prefix",
]
