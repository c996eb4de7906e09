"""What a trustee checks on the board before decrypting anything (``docs/tally.md`` 3).

A decryption share opens whatever ciphertext it is given. Were a trustee to decrypt the
latest ``encrypted_tally`` as posted, whoever can write to the board could post a "tally" of one
ballot, before closing or with a threshold of 1, and have the trustees open that voter's choice;
the verifier would object only once the vote is out. So a trustee's own process rebuilds the
tally from the board before producing a share: voting is closed, the tally counts exactly the
booth ballots before the close and, per region, the door-to-door rows the filter keeps (the
tag shares checked, the final tags recomputed: a tally that keeps a set-aside home ballot is
refused), and every cell is exactly what the counted ballots sum to under the small-cell rule
(:mod:`plebiscite.domain.cells`, subtraction audit included). Anything else is refused, by
name, and no share is made.

Not checked here: the ballots' own proofs, signatures and eligibility (the casting service
checked them, the verifier checks them again); a trustee who doubts them runs
``plebiscite verify`` first.
"""

from __future__ import annotations

from typing import Any

from plebiscite.domain.tally import tally_payload
from plebiscite.errors import RuleError
from plebiscite.record.board import Board, Entry
from plebiscite.services.election.definition import Election


def refuse_unless_sound(board: Board, election: Election, tally: Entry) -> None:
    """Raise :class:`RuleError` naming the first reason this tally must not be decrypted."""
    from plebiscite.services.tally.count import counted

    closed = election.closed_entry
    if closed is None:
        raise RuleError("refusing to decrypt: voting is not closed on the board")
    if tally.index < closed:
        raise RuleError(
            f"refusing to decrypt: the tally at entry {tally.index} precedes the close "
            f"at entry {closed}"
        )
    posted: dict[str, Any] = tally.event.payload
    try:
        partial = counted(board, election, closed)
    except RuleError as exc:
        raise RuleError(f"refusing to decrypt: {exc}") from exc
    expected = tally_payload(election.require_manifest(), partial, closed)
    for name in ("closed_entry", "entries", "small_cell_threshold"):
        if posted.get(name) != expected[name]:
            raise RuleError(
                f"refusing to decrypt: the tally's {name} is {posted.get(name)!r}, "
                f"the board gives {expected[name]!r}"
            )
    theirs = posted.get("cells")
    if not isinstance(theirs, list):
        raise RuleError("refusing to decrypt: the tally has no list of cells")
    mine = {c["id"]: c for c in expected["cells"]}
    ids = [c.get("id") if isinstance(c, dict) else None for c in theirs]
    for cell_id in ids:
        if cell_id not in mine:
            raise RuleError(
                f"refusing to decrypt: cell {cell_id!r} is not a cell the small-cell rule "
                "publishes for the counted ballots"
            )
    for cell_id, cell in mine.items():
        if cell_id not in ids:
            raise RuleError(f"refusing to decrypt: cell {cell_id} is missing from the tally")
        if theirs[ids.index(cell_id)] != cell:
            raise RuleError(
                f"refusing to decrypt: cell {cell_id} is not the sum of the counted ballots"
            )
