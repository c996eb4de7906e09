"""Counting with a deniable override: rows, chunks, contexts and the filter, as pure functions.

``docs/protocol.md`` section 12. After the close, every region's cast ballots become two
batches of rows: the booth batch (one column, the ballot's encrypted voter tag) and the home
batch (the tag, then every answer's choice ciphertexts, question order then option order). Each
batch is split into chunks of ``chunk_rows`` consecutive rows; each chunk is shuffled with a
proof (``crypto/shuffle.py``), its tags converted by the trustees (``crypto/tagging.py``) and
threshold-decrypted into *final tags*. A home row is kept exactly when its final tag is not
among the region's booth final tags: the voter's booth ballot overrides the home ballot, and
nothing says which home ballot was set aside. The kept home rows are summed into one
door-to-door cell per region.

Everything here is a function of its arguments (no board, no I/O), so the producing services
and the verifier compute the same rows, contexts and sums from the same record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point
from plebiscite.crypto.hashing import hash_bytes
from plebiscite.crypto.threshold import lagrange_coefficient
from plebiscite.domain.ballot import Ballot
from plebiscite.domain.manifest import Manifest
from plebiscite.errors import EncodingError, InputError

Row = tuple[Ciphertext, ...]

BOOTH: Final = "booth"
HOME: Final = "home"
#: The two batches of a region, in the order they are shuffled, converted and decrypted.
BATCHES: Final = (BOOTH, HOME)
#: Rows per chunk unless a batch states another number (protocol section 12.2).
DEFAULT_CHUNK_ROWS: Final = 4000
#: The channel of the one base cell per region that holds the kept door-to-door ballots.
DOOR_TO_DOOR: Final = "door_to_door"

#: (region, batch, chunk): the unit that is shuffled, converted and decrypted.
ChunkKey = tuple[str, str, int]


def door_to_door_key(region: str) -> tuple[str, str, str, int]:
    """The base cell (region, precinct, channel, day) of a region's kept home ballots.

    Door-to-door results are published at region level only: a precinct or a day would
    say where or when the set-aside ballots were, hence where overrides happened.
    """
    return (region, "", DOOR_TO_DOOR, 0)


# --- rows -----------------------------------------------------------------------------------


def booth_row(tag: Ciphertext) -> Row:
    """A booth ballot's row: its encrypted tag alone (width 1)."""
    return (tag,)


def home_row(tag: Ciphertext, answers: Sequence[Sequence[Ciphertext]]) -> Row:
    """A door-to-door ballot's row: the tag, then every choice ciphertext in order."""
    return (tag, *(ct for answer in answers for ct in answer))


def row_width(batch: str, shape: Sequence[int]) -> int:
    """Ciphertexts per row: 1 in the booth batch, ``1 + sum(options)`` in the home batch."""
    if batch == BOOTH:
        return 1
    if batch == HOME:
        return 1 + sum(shape)
    raise InputError(f"unknown batch {batch!r}; the batches are {', '.join(BATCHES)}")


@dataclass
class RegionRows:
    """A region's two batches of rows, in board order."""

    booth: list[Row] = field(default_factory=list)
    home: list[Row] = field(default_factory=list)

    def batch(self, name: str) -> list[Row]:
        if name == BOOTH:
            return self.booth
        if name == HOME:
            return self.home
        raise InputError(f"unknown batch {name!r}; the batches are {', '.join(BATCHES)}")


def rows_from_pieces(
    pieces: Iterable[tuple[str, bool, Ciphertext, Sequence[Sequence[Ciphertext]]]],
) -> dict[str, RegionRows]:
    """Rows per region from ``(region, is_booth, tag, answers)`` in board order."""
    out: dict[str, RegionRows] = {}
    for region, is_booth, tag, answers in pieces:
        rows = out.setdefault(region, RegionRows())
        if is_booth:
            rows.booth.append(booth_row(tag))
        else:
            rows.home.append(home_row(tag, answers))
    return out


def cast_pieces(
    manifest: Manifest, payload: Mapping[str, Any]
) -> tuple[str, bool, Ciphertext, list[list[Ciphertext]]]:
    """``(region, is_booth, tag, answers)`` of one ``ballot_cast`` payload (spec section 1)."""
    try:
        ballot = payload["ballot"]
        location = manifest.location_by_id[ballot["location"]]
        tag = Ciphertext.from_json(ballot["tag"]["ciphertext"])
        answers = [[Ciphertext.from_json(ct) for ct in a["selections"]] for a in ballot["answers"]]
    except (KeyError, TypeError) as exc:
        raise EncodingError(f"a cast ballot lacks its location, tag or answers: {exc!r}") from exc
    return location.region_id, location.kind.is_booth, tag, answers


def ballot_pieces(
    manifest: Manifest, ballot: Ballot
) -> tuple[str, bool, Ciphertext, list[list[Ciphertext]]]:
    """``(region, is_booth, tag, answers)`` of a parsed ballot (``Ballot.tag.ciphertext``)."""
    location = manifest.location_by_id.get(ballot.location)
    if location is None:
        raise InputError(f"no location has the id {ballot.location!r}")
    answers = [list(a.selections) for a in ballot.answers]
    return location.region_id, location.kind.is_booth, ballot.tag.ciphertext, answers


def rows_from_cast(
    manifest: Manifest, payloads: Iterable[Mapping[str, Any]]
) -> dict[str, RegionRows]:
    """Rows per region from the ``ballot_cast`` payloads before the close, in board order.

    Challenged ballots are never rows: the caller passes cast ballots only.
    """
    return rows_from_pieces(cast_pieces(manifest, p) for p in payloads)


# --- chunks ---------------------------------------------------------------------------------


def chunk_count(rows: int, chunk_rows: int) -> int:
    """How many chunks ``rows`` rows make (0 for an empty batch)."""
    if chunk_rows < 1:
        raise InputError(f"chunk_rows must be at least 1, got {chunk_rows}")
    return -(-rows // chunk_rows)


def chunk(rows: Sequence[Row], chunk_rows: int, index: int) -> list[Row]:
    """Rows ``index*chunk_rows .. (index+1)*chunk_rows - 1`` (the last chunk is shorter)."""
    if not 0 <= index < chunk_count(len(rows), chunk_rows):
        raise InputError(f"chunk {index} does not exist for {len(rows)} rows of {chunk_rows}")
    return list(rows[index * chunk_rows : (index + 1) * chunk_rows])


def fitting_chunk_rows(width: int, budget: int, default: int = DEFAULT_CHUNK_ROWS) -> int:
    """The largest chunk (at most ``default`` rows) whose shuffle event fits ``budget`` bytes.

    A row costs its ciphertexts (about 140 bytes of JSON each) and five proof values (about
    68 bytes each: commitment, chain, t_hat, s_hat, s_prime).
    """
    per_row = 140 * width + 5 * 68
    return max(1, min(default, (budget - 4096 - 300 * width) // per_row))


# --- contexts -------------------------------------------------------------------------------


def shuffle_ctx(ctx: bytes, region: str, batch: str, index: int) -> bytes:
    """The context of the shuffle of one chunk."""
    return hash_bytes("shuffle", ctx, region, batch, index)


def conversion_ctx(ctx: bytes, region: str, trustee: int) -> bytes:
    """The context of a trustee's conversions in a region: one exponent for all its chunks."""
    return hash_bytes("tag-conversion", ctx, region, trustee)


def decryption_ctx(ctx: bytes, region: str, batch: str, index: int, trustee: int) -> bytes:
    """The context of a trustee's tag-decryption shares of one chunk."""
    return hash_bytes("tag-decryption", ctx, region, batch, index, trustee)


# --- final tags and the filter --------------------------------------------------------------


def decrypting_group(valid: Iterable[int], k: int) -> list[int]:
    """The k valid share-posters with the lowest indices (fewer than k: an error)."""
    have = sorted(set(valid))
    if len(have) < k:
        raise InputError(f"{len(have)} trustees posted valid tag shares, {k} are needed")
    return have[:k]


def final_tags(
    tags: Sequence[Ciphertext], shares: Mapping[int, Sequence[Point]], group: Sequence[int]
) -> list[bytes]:
    """``beta_j - sum_{i in group} lambda_i * share_ij`` for every row j, encoded.

    ``shares[i][j]`` is trustee i's share of row j; only the trustees of ``group`` are used.
    """
    lambdas = {i: lagrange_coefficient(i, list(group)) for i in group}
    for i in group:
        if len(shares[i]) != len(tags):
            raise InputError(f"trustee {i} gave {len(shares[i])} shares for {len(tags)} tags")
    out = []
    for j, ct in enumerate(tags):
        acc = ct.beta
        for i in group:
            acc = acc - shares[i][j] * lambdas[i]
        out.append(acc.encode())
    return out


@dataclass(frozen=True)
class Filtered:
    """A region's filter: the home rows kept (indices into the home batch) and the findings.

    ``findings`` name tags that repeat within a batch; a region with findings is not counted.
    """

    region: str
    kept: tuple[int, ...]
    set_aside: int
    findings: tuple[str, ...]


def _repeats(tags: Sequence[bytes]) -> list[int]:
    seen: set[bytes] = set()
    out = []
    for j, tag in enumerate(tags):
        if tag in seen:
            out.append(j)
        seen.add(tag)
    return out


def filter_region(region: str, booth_tags: Sequence[bytes], home_tags: Sequence[bytes]) -> Filtered:
    """Keep a home row iff its final tag is not a booth final tag; name repeated tags.

    Booth tags repeat only if a voter has two booth ballots, home tags only if a voter has two
    door-to-door ballots: the casting service refuses both, so either means the record or the
    decryption is wrong.
    """
    findings = [
        f"region {region}: booth row {j} repeats an earlier booth tag" for j in _repeats(booth_tags)
    ] + [f"region {region}: home row {j} repeats an earlier home tag" for j in _repeats(home_tags)]
    booth = set(booth_tags)
    kept = tuple(j for j, tag in enumerate(home_tags) if tag not in booth)
    return Filtered(region, kept, len(home_tags) - len(kept), tuple(findings))


def sum_kept(
    home_rows: Sequence[Row], kept: Iterable[int], shape: Sequence[int]
) -> list[list[Ciphertext]]:
    """The kept home rows' answers (columns 1..), summed and cut into questions by ``shape``."""
    width = 1 + sum(shape)
    acc = [Ciphertext.zero() for _ in range(width - 1)]
    for j in kept:
        row = home_rows[j]
        if len(row) != width:
            raise InputError(f"home row {j} has {len(row)} ciphertexts, {width} expected")
        for c in range(1, width):
            acc[c - 1] = acc[c - 1] + row[c]
    out: list[list[Ciphertext]] = []
    start = 0
    for n in shape:
        out.append(acc[start : start + n])
        start += n
    return out


__all__ = [
    "BATCHES",
    "BOOTH",
    "DEFAULT_CHUNK_ROWS",
    "DOOR_TO_DOOR",
    "HOME",
    "ChunkKey",
    "Filtered",
    "RegionRows",
    "Row",
    "ballot_pieces",
    "booth_row",
    "cast_pieces",
    "chunk",
    "chunk_count",
    "conversion_ctx",
    "decrypting_group",
    "decryption_ctx",
    "door_to_door_key",
    "filter_region",
    "final_tags",
    "fitting_chunk_rows",
    "home_row",
    "row_width",
    "rows_from_cast",
    "rows_from_pieces",
    "shuffle_ctx",
    "sum_kept",
]
