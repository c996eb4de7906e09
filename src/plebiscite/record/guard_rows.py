"""The rows of the casting rules' index tables, as the judgement sees them (``guard.py``).

A :class:`View` is what the board holds for the keys a group of appends touches; a
:class:`Changes` is what one commit writes back; the two errors are the judgement's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from plebiscite.errors import RuleError


class AlreadyRecordedError(RuleError):
    """The same ballot or check-in is already on the board (at ``index``): a retry."""

    title = "already recorded"

    def __init__(self, index: int, kind: str) -> None:
        super().__init__(f"already recorded at entry {index} as {kind}")
        self.index = index
        self.kind = kind


@dataclass
class DeviceRow:
    location: str
    region: str
    public_key: str
    enrolled_at: str
    chain_head: str
    revoked: bool = False
    chain_count: int = 0  # ballots in the chain, cast and challenged
    ended: bool = False  # a device_chain_end was recorded


@dataclass
class VoterRow:
    """A voter's cast ballots in one region: at most one door-to-door, at most one booth."""

    home_code: str | None = None
    home_at: str | None = None
    booth_code: str | None = None
    booth_at: str | None = None


@dataclass(frozen=True)
class LocationRow:
    region: str
    booth: bool
    by_application: bool = False  # door to door, for applicants only (the manifest's default)


@dataclass
class Keys:
    """The index rows a group of appends may read."""

    codes: set[str] = field(default_factory=set)
    alphas: set[bytes] = field(default_factory=set)
    devices: set[str] = field(default_factory=set)
    voters: set[str] = field(default_factory=set)
    locations: set[str] = field(default_factory=set)
    check_ins: set[tuple[str, str]] = field(default_factory=set)  # (device, check-in id)
    manifest_hash: bool = False


@dataclass
class View:
    """What the board holds for the keys of one group (a missing key is not on the board)."""

    closed_entry: int | None = None
    manifest_hash: str | None = None
    replica: bool = False  # the board is a copy of a published record (no voters in it)
    codes: dict[str, tuple[int, str]] = field(default_factory=dict)
    alphas: set[bytes] = field(default_factory=set)
    devices: dict[str, DeviceRow] = field(default_factory=dict)
    roll: dict[str, str] = field(default_factory=dict)  # pseudonym -> region
    home_voters: set[str] = field(default_factory=set)  # of those, who applied to vote at home
    voter_ballots: dict[tuple[str, str], VoterRow] = field(default_factory=dict)
    locations: dict[str, LocationRow] = field(default_factory=dict)
    #: (device, check-in id) -> (voter pseudonym, entry index)
    check_ins: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)


@dataclass
class Changes:
    """The index rows one commit writes (devices and voter rows: their final state)."""

    manifest_hash: str | None = None
    commitments: dict[str, str] = field(default_factory=dict)  # region -> roll commitment
    locations: list[tuple[str, LocationRow]] = field(default_factory=list)
    roll: list[tuple[str, str, str, bool, str | None, int]] = field(default_factory=list)
    new_devices: dict[str, DeviceRow] = field(default_factory=dict)
    changed_devices: dict[str, DeviceRow] = field(default_factory=dict)
    codes: list[tuple[str, int, str]] = field(default_factory=list)
    alphas: list[tuple[bytes, int]] = field(default_factory=list)
    new_voters: dict[tuple[str, str], VoterRow] = field(default_factory=dict)
    changed_voters: dict[tuple[str, str], VoterRow] = field(default_factory=dict)
    check_ins: list[tuple[str, str, str, int]] = field(default_factory=list)  # device, id, voter
    closed_entry: int | None = None


__all__ = [
    "AlreadyRecordedError",
    "Changes",
    "DeviceRow",
    "Keys",
    "LocationRow",
    "View",
    "VoterRow",
]
