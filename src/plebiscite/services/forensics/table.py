"""One table of polling-station rows, the common input of every forensic method.

Every reader (``readers/``) produces a :class:`StationTable`; every method takes plain numpy
arrays cut from it.  Counts are ``int64``.  A protocol line that the source does not publish is
simply absent from :attr:`StationTable.lines`; methods that need it are skipped and say so.

Line names follow the precinct protocol (see ``docs/forensics.md``):

=================== ==========================================================
``registered``      voters on the list (N)
``received``        ballots received by the commission
``issued``          ballots issued (G), the sum of the three channel lines when published
``issued_early``    ballots issued to early voters
``issued_in_room``  ballots issued in the polling room on voting day
``issued_outside``  ballots issued outside the room (mobile, door-to-door)
``cancelled``       unused ballots cancelled
``found``           ballots found in the boxes (R)
``found_mobile``    ballots found in mobile boxes
``found_stationary`` ballots found in stationary boxes
``invalid``         invalid ballots
``valid``           valid ballots as written on the protocol
``lost``            lost ballots
``unaccounted``     ballots not counted on receipt
=================== ==========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

#: Every protocol line a reader may fill, in protocol order.
LINE_NAMES: tuple[str, ...] = (
    "registered",
    "received",
    "issued",
    "issued_early",
    "issued_in_room",
    "issued_outside",
    "cancelled",
    "found",
    "found_mobile",
    "found_stationary",
    "invalid",
    "valid",
    "lost",
    "unaccounted",
)

#: Channel lines: ballots issued per way of voting.
CHANNEL_LINES: tuple[str, ...] = ("issued_early", "issued_in_room", "issued_outside")


@dataclass(frozen=True)
class LeftOutRow:
    """A source row kept out of every test: no figures published, or only some of them.

    ``registered`` is the voters on the list when the row publishes that line; ``empty`` names
    the columns left empty (every count column for an unpublished row).
    """

    row: int
    unit: str
    region: str
    registered: int | None
    empty: tuple[str, ...]


@dataclass(frozen=True)
class StationTable:
    """Polling-station rows: identity, protocol lines and votes per option.

    ``source_rows[i]`` is the 1-based row number of unit ``i`` in the source (header = row 1
    for tables), so findings can point back at the file.
    """

    source: str
    unit_ids: StrArray
    regions: StrArray
    source_rows: IntArray
    options: tuple[str, ...]
    votes: IntArray  # shape (n_units, n_options)
    lines: dict[str, IntArray] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # line -> source column name
    #: rows with no figures at all (a finding: who did not publish), and partly filled rows
    unpublished: tuple[LeftOutRow, ...] = ()
    partial: tuple[LeftOutRow, ...] = ()
    #: what the reader wants the report to say (contests used, channel/day breakdown, ...)
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.unit_ids)
        if self.votes.shape != (n, len(self.options)):
            raise ValueError("votes must have one row per unit and one column per option")
        for name, arr in self.lines.items():
            if name not in LINE_NAMES:
                raise ValueError(f"unknown protocol line {name!r}")
            if arr.shape != (n,):
                raise ValueError(f"line {name!r} must have one value per unit")

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    def has(self, *names: str) -> bool:
        """True when every named line is published."""
        return all(name in self.lines for name in names)

    def line(self, name: str) -> IntArray:
        return self.lines[name]

    @property
    def valid_votes(self) -> IntArray:
        """Sum of the option votes (the protocol's ``valid`` line need not agree)."""
        out: IntArray = self.votes.sum(axis=1, dtype=np.int64)
        return out

    @property
    def leader_index(self) -> int:
        """The option with the most votes overall (``ДА`` in the 2020 vote)."""
        return int(np.argmax(self.votes.sum(axis=0))) if self.options else 0

    @property
    def leader(self) -> str:
        return self.options[self.leader_index]

    @property
    def leader_votes(self) -> IntArray:
        out: IntArray = self.votes[:, self.leader_index]
        return out

    @property
    def ballots_found(self) -> IntArray:
        """R: ballots in the boxes; falls back on valid + invalid when not published."""
        if "found" in self.lines:
            return self.lines["found"]
        valid = self.lines.get("valid", self.valid_votes)
        out: IntArray = valid + self.lines.get("invalid", np.zeros_like(valid))
        return out

    def subset(self, mask: BoolArray) -> StationTable:
        """The rows where ``mask`` is true."""
        return StationTable(
            source=self.source,
            unit_ids=self.unit_ids[mask],
            regions=self.regions[mask],
            source_rows=self.source_rows[mask],
            options=self.options,
            votes=self.votes[mask],
            lines={k: v[mask] for k, v in self.lines.items()},
            columns=dict(self.columns),
            unpublished=self.unpublished,
            partial=self.partial,
            info=self.info,
        )
