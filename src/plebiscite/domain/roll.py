"""The electoral roll: CSV import, pseudonyms, roll commitments, additions (``docs/manifest.md``).

The roll itself (voter ids) stays with the authority. The public record carries, per voter, a
pseudonym ``keyed_hash(roll_key, "pseudonym", manifest id, voter id)`` (hex), so anyone can see
which ballots share a voter and no one without the key can tell who the voter is; and, per
region, a commitment to the sorted pseudonyms:

``roll_commitment = SHA-512(encode("plebiscite-v2", "roll-commitment", manifest_hash, region_id,
[pseudonym bytes, sorted]))``

Voters added after publication are explicit :class:`RollAddition` records with a reason and the
decision that ordered them; they never change a published commitment.
"""

from __future__ import annotations

import csv
import io
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from plebiscite.crypto.hashing import hash_bytes, keyed_hash
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import RollError

PSEUDONYM_TAG = "pseudonym"
COMMITMENT_TAG = "roll-commitment"
REQUIRED_COLUMNS = ("voter_id", "region", "precinct")
OPTIONAL_COLUMNS = ("home_voting",)
MIN_KEY_BYTES = 16
_VOTER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_TRUE = {"1", "yes", "true", "y"}
_FALSE = {"", "0", "no", "false", "n"}
_MAX_REPORTED = 20


@dataclass(frozen=True)
class RollEntry:
    """One voter on the roll (private: carries the voter id)."""

    voter_id: str
    region_id: str
    precinct_id: str
    home_voting: bool = False  # applied to vote at home (door to door)


@dataclass(frozen=True)
class RollAddition:
    """A voter added after the roll was published, and why."""

    entry: RollEntry
    reason: str
    decision_id: str


@dataclass(frozen=True)
class PublicEntry:
    """What the public record shows of a voter: no voter id."""

    pseudonym: str
    region_id: str
    precinct_id: str
    home_voting: bool
    added_by: str | None = None  # decision id, for an addition after publication


def pseudonym(roll_key: bytes, manifest_id: str, voter_id: str) -> str:
    """A voter's pseudonym in one referendum (64 hex digits)."""
    return keyed_hash(roll_key, PSEUDONYM_TAG, manifest_id, voter_id).hex()


def roll_commitment(manifest_hash: bytes, region_id: str, pseudonyms: Iterable[str]) -> bytes:
    """The commitment to a region's roll: a hash over its sorted pseudonyms."""
    ordered = sorted(bytes.fromhex(p) for p in pseudonyms)
    return hash_bytes(COMMITMENT_TAG, manifest_hash, region_id, ordered)


def _check_entry(entry: RollEntry, manifest: Manifest) -> str | None:
    """What is wrong with an entry against the manifest, or None."""
    if not _VOTER_ID.match(entry.voter_id):
        return f"malformed voter id {entry.voter_id!r} (letters, digits, '.', '_', '/', '-')"
    if entry.region_id not in manifest.region_by_id:
        return f"unknown region {entry.region_id!r}"
    precinct = manifest.precinct_by_id.get(entry.precinct_id)
    if precinct is None:
        return f"unknown precinct {entry.precinct_id!r}"
    if precinct.region_id != entry.region_id:
        return (
            f"precinct {entry.precinct_id!r} is in region {precinct.region_id!r}, "
            f"not {entry.region_id!r}"
        )
    return None


def parse_roll_csv(text: str, source: str, manifest: Manifest) -> tuple[RollEntry, ...]:
    """Parse a whole roll; raise one :class:`RollError` listing every bad line, or return all.

    The first line is the header: ``voter_id,region,precinct`` and optionally ``home_voting``
    (``yes``/``no``, ``true``/``false``, ``1``/``0`` or empty).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[str] = []
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RollError(f"{source}: line 1: {exc}") from None
    if header is None:
        raise RollError(f"{source}: empty file (expected a header line)")
    header = [h.strip() for h in header]
    if tuple(header[:3]) != REQUIRED_COLUMNS:
        raise RollError(
            f"{source}: line 1: the header must start with {','.join(REQUIRED_COLUMNS)}"
        )
    for name in header[3:]:
        if name not in OPTIONAL_COLUMNS:
            raise RollError(f"{source}: line 1: unknown column {name!r}")
    if len(set(header)) != len(header):
        raise RollError(f"{source}: line 1: a column is named twice")
    entries: list[RollEntry] = []
    first_line: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(f"line {line}: expected {len(header)} fields, got {len(row)}")
                continue
            cells = dict(zip(header, (cell.strip() for cell in row), strict=True))
            flag = cells.get("home_voting", "").lower()
            if flag not in _TRUE | _FALSE:
                problems.append(f"line {line}: home_voting must be yes or no, not {flag!r}")
                continue
            entry = RollEntry(cells["voter_id"], cells["region"], cells["precinct"], flag in _TRUE)
            wrong = _check_entry(entry, manifest)
            if wrong is not None:
                problems.append(f"line {line}: {wrong}")
                continue
            if entry.voter_id in first_line:
                problems.append(
                    f"line {line}: duplicate voter id {entry.voter_id!r} "
                    f"(first on line {first_line[entry.voter_id]})"
                )
                continue
            first_line[entry.voter_id] = line
            entries.append(entry)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        shown = [f"{source}: {p}" for p in problems[:_MAX_REPORTED]]
        if len(problems) > _MAX_REPORTED:
            shown.append(f"{source}: ... and {len(problems) - _MAX_REPORTED} more")
        raise RollError("\n".join(shown))
    return tuple(entries)


def render_roll_csv(entries: Iterable[RollEntry]) -> str:
    """The CSV form that :func:`parse_roll_csv` reads back."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS])
    for e in entries:
        writer.writerow([e.voter_id, e.region_id, e.precinct_id, "yes" if e.home_voting else "no"])
    return out.getvalue()


@dataclass(frozen=True)
class Roll:
    """A roll bound to one manifest and one pseudonym key. Build with :func:`build_roll`."""

    manifest_id: str
    manifest_hash: bytes
    entries: tuple[RollEntry, ...]
    additions: tuple[RollAddition, ...]
    roll_key: bytes = field(repr=False)

    @cached_property
    def public_entries(self) -> Mapping[str, PublicEntry]:
        """Every voter (published roll and additions) by pseudonym."""
        out: dict[str, PublicEntry] = {}
        for entry in self.entries:
            p = pseudonym(self.roll_key, self.manifest_id, entry.voter_id)
            out[p] = PublicEntry(p, entry.region_id, entry.precinct_id, entry.home_voting)
        for addition in self.additions:
            e = addition.entry
            p = pseudonym(self.roll_key, self.manifest_id, e.voter_id)
            out[p] = PublicEntry(p, e.region_id, e.precinct_id, e.home_voting, addition.decision_id)
        return out

    def pseudonym_of(self, voter_id: str) -> str:
        return pseudonym(self.roll_key, self.manifest_id, voter_id)

    def commitments(self) -> dict[str, bytes]:
        """Per region, the commitment to the roll as published (additions excluded)."""
        by_region: dict[str, list[str]] = {}
        for p in self.public_entries.values():
            if p.added_by is None:
                by_region.setdefault(p.region_id, []).append(p.pseudonym)
        return {
            region_id: roll_commitment(self.manifest_hash, region_id, by_region[region_id])
            for region_id in sorted(by_region)
        }

    def counts(self) -> dict[str, int]:
        """Voters per precinct, additions included."""
        out: dict[str, int] = {}
        for p in self.public_entries.values():
            out[p.precinct_id] = out.get(p.precinct_id, 0) + 1
        return out


def build_roll(
    manifest: Manifest,
    manifest_hash: bytes,
    entries: Sequence[RollEntry],
    roll_key: bytes,
    additions: Sequence[RollAddition] = (),
) -> Roll:
    """Bind entries (already checked, e.g. by :func:`parse_roll_csv`) to a key; then add."""
    if len(roll_key) < MIN_KEY_BYTES:
        raise RollError(f"the roll key must be at least {MIN_KEY_BYTES} bytes")
    seen: set[str] = set()
    for entry in entries:
        wrong = _check_entry(entry, manifest)
        if wrong is not None:
            raise RollError(f"voter {entry.voter_id!r}: {wrong}")
        if entry.voter_id in seen:
            raise RollError(f"duplicate voter id {entry.voter_id!r}")
        seen.add(entry.voter_id)
    roll = Roll(manifest.id, manifest_hash, tuple(entries), (), roll_key)
    if len(roll.public_entries) != len(entries):
        raise RollError("two voter ids share a pseudonym; choose another roll key")
    for addition in additions:
        roll = add_voter(roll, manifest, addition)
    return roll


def add_voter(roll: Roll, manifest: Manifest, addition: RollAddition) -> Roll:
    """The roll with one more voter, added after publication by a recorded decision."""
    entry = addition.entry
    wrong = _check_entry(entry, manifest)
    if wrong is not None:
        raise RollError(f"addition {addition.decision_id!r}: {wrong}")
    if not addition.reason.strip():
        raise RollError(f"addition {addition.decision_id!r}: a reason is required")
    if not addition.decision_id.strip():
        raise RollError(f"addition for voter {entry.voter_id!r}: a decision id is required")
    if roll.pseudonym_of(entry.voter_id) in roll.public_entries:
        raise RollError(
            f"addition {addition.decision_id!r}: voter {entry.voter_id!r} is already on the roll"
        )
    return Roll(
        roll.manifest_id,
        roll.manifest_hash,
        roll.entries,
        (*roll.additions, addition),
        roll.roll_key,
    )


def generate_roll(
    manifest: Manifest, voters: int, rng: random.Random, home_share: float = 0.1
) -> tuple[RollEntry, ...]:
    """Synthetic voters spread over precincts in proportion to their registered voters.

    Deterministic for a given ``rng`` state. Voter ids are ``V`` and nine digits, unique.
    """
    if voters < 0:
        raise RollError(f"cannot generate {voters} voters")
    precincts = manifest.precincts
    weights = [p.registered_voters for p in precincts]
    total = sum(weights)
    if total == 0:
        weights = [1] * len(precincts)
        total = len(precincts)
    quotas = [voters * w // total for w in weights]
    # Largest remainder, ties to the earlier precinct id: the counts sum to ``voters``.
    by_remainder = sorted(
        range(len(precincts)), key=lambda i: (-(voters * weights[i] % total), precincts[i].id)
    )
    for i in by_remainder[: voters - sum(quotas)]:
        quotas[i] += 1
    numbers = rng.sample(range(10**9), voters)
    entries: list[RollEntry] = []
    cursor = 0
    for precinct, quota in zip(precincts, quotas, strict=True):
        for number in sorted(numbers[cursor : cursor + quota]):
            entries.append(
                RollEntry(
                    f"V{number:09d}",
                    precinct.region_id,
                    precinct.id,
                    rng.random() < home_share,
                )
            )
        cursor += quota
    return tuple(entries)
