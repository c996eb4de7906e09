"""The count's events read back from a board, and the checks every step makes of the steps
before it (``docs/protocol.md`` section 12): :func:`read_mix` gathers the shuffles,
conversions and tag shares; :func:`check_shuffle`, :func:`check_chain` and
:func:`check_region` verify them against rows rebuilt from the board; :func:`filter_tags`
computes the final tags and keeps the home rows whose tag is not a booth tag. The producing
steps are in :mod:`.mixing`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point
from plebiscite.crypto.proofs import EqualityProof
from plebiscite.crypto.shuffle import ShuffleProof, verify_shuffle
from plebiscite.crypto.tagging import (
    Conversion,
    TagShares,
    verify_conversion,
    verify_tag_shares,
)
from plebiscite.domain import mixing
from plebiscite.domain.ceremony import Transcript, check_signed
from plebiscite.domain.mixing import BATCHES, ChunkKey, Filtered, RegionRows, Row
from plebiscite.errors import InputError, PlebisciteError, RuleError
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import EventType
from plebiscite.services.ceremony.steps import transcript_from
from plebiscite.services.election.definition import Election


@dataclass
class MixRecord:
    """The close, the rows and every mixing event, read from the board in one pass.

    Only the first ``shuffle`` of a chunk counts (later ones are listed in ``duplicates``); a
    ``tag_conversion`` counts only if posted before the region's first ``tag_shares``.
    """

    election: Election
    transcript: Transcript
    closed: int
    size: int
    rows: dict[str, RegionRows]
    shuffles: dict[ChunkKey, Entry] = field(default_factory=dict)
    conversions: dict[ChunkKey, list[Entry]] = field(default_factory=dict)
    shares: dict[ChunkKey, list[Entry]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)

    def chunk_rows(self, region: str, batch: str) -> int | None:
        """The ``chunk_rows`` the batch's first shuffle states (None before any shuffle)."""
        first = self.shuffles.get((region, batch, 0))
        return None if first is None else int(first.event.payload["chunk_rows"])

    def chunks(self, region: str) -> list[ChunkKey]:
        """Every chunk of the region the board's rows and stated chunk sizes make (raises
        :class:`InputError` while a batch with rows has no shuffle)."""
        out: list[ChunkKey] = []
        rows = self.rows.get(region, RegionRows())
        for batch in BATCHES:
            n = len(rows.batch(batch))
            size = self.chunk_rows(region, batch)
            if n and size is None:
                raise InputError(f"the {batch} batch is not shuffled yet: run `tally mix`")
            out += [(region, batch, c) for c in range(mixing.chunk_count(n, size or 1))]
        return out

    def regions(self) -> list[str]:
        manifest = self.election.require_manifest()
        return [r.id for r in manifest.regions if r.id in self.rows]


def read_mix(board: Board) -> MixRecord:
    """Read the board once: the election, the rows of the cast ballots, the mixing events."""
    election = Election()
    ceremony: list[Entry] = []
    cast: list[dict[str, Any]] = []
    events: list[Entry] = []
    for entry in board.entries():
        election.apply(entry)
        kind = entry.event.type
        if kind is EventType.CEREMONY_MESSAGE:
            ceremony.append(entry)
        elif kind is EventType.BALLOT_CAST and election.closed_entry is None:
            cast.append(entry.event.payload)
        elif kind in (EventType.SHUFFLE, EventType.TAG_CONVERSION, EventType.TAG_SHARES):
            events.append(entry)
    if election.closed_entry is None:
        raise InputError("voting is not closed: the authority must close it before mixing")
    manifest = election.require_manifest()
    transcript = transcript_from(manifest, election.manifest_hash, ceremony, election.board_key)
    record = MixRecord(
        election,
        transcript,
        election.closed_entry,
        board.size(),
        mixing.rows_from_cast(manifest, cast),
    )
    decrypting: set[str] = set()
    for entry in events:
        p = entry.event.payload
        key: ChunkKey = (p["region"], p["batch"], int(p["chunk"]))
        where = f"entry {entry.index} ({p['region']}/{p['batch']}/{p['chunk']})"
        if entry.event.type is EventType.SHUFFLE:
            if key in record.shuffles:
                record.duplicates.append(f"{where}: a second shuffle of the chunk, not counted")
            else:
                record.shuffles[key] = entry
        elif entry.event.type is EventType.TAG_CONVERSION:
            if key[0] in decrypting:
                record.late.append(f"{where}: a conversion after decryption began, not counted")
            else:
                record.conversions.setdefault(key, []).append(entry)
        else:
            decrypting.add(key[0])
            record.shares.setdefault(key, []).append(entry)
    return record


def signer_of(record: MixRecord, entry: Entry) -> int | None:
    try:
        return check_signed(record.transcript, entry.event.payload)
    except PlebisciteError:
        return None


# --- the rows of a chunk, before and after ---------------------------------------------------


def rows_json(rows: Sequence[Row]) -> list[list[list[str]]]:
    return [[ct.to_json() for ct in row] for row in rows]


def _rows_from_json(data: object, width: int) -> list[Row]:
    if not isinstance(data, list) or not all(
        isinstance(row, list) and len(row) == width for row in data
    ):
        raise InputError(f"shuffle outputs must be rows of {width} ciphertexts")
    return [tuple(Ciphertext.from_json(ct) for ct in row) for row in data]


def chunk_inputs(record: MixRecord, key: ChunkKey) -> list[Row]:
    region, batch, index = key
    size = record.chunk_rows(region, batch) or 1
    return mixing.chunk(record.rows[region].batch(batch), size, index)


def _outputs(record: MixRecord, key: ChunkKey) -> list[Row]:
    entry = record.shuffles.get(key)
    if entry is None:
        raise InputError(f"chunk {'/'.join(map(str, key))} has no shuffle: run `tally mix`")
    width = len(chunk_inputs(record, key)[0])
    return _rows_from_json(entry.event.payload["outputs"], width)


def check_shuffle(record: MixRecord, key: ChunkKey) -> list[Row]:
    """The chunk's shuffled rows, after checking its proof against the board's inputs."""
    entry = record.shuffles.get(key)
    name = "/".join(map(str, key))
    if entry is None:
        raise RuleError(f"chunk {name} has no shuffle on the board: run `tally mix` first")
    region, batch, _ = key
    payload = entry.event.payload
    stated = record.chunk_rows(region, batch)
    if payload.get("chunk_rows") != stated:
        raise RuleError(f"entry {entry.index}: chunk {name} states another chunk_rows")
    inputs = chunk_inputs(record, key)
    try:
        outputs = _rows_from_json(payload["outputs"], len(inputs[0]))
        proof = ShuffleProof.from_json(payload["proof"], len(inputs), len(inputs[0]))
        ctx = mixing.shuffle_ctx(record.election.context, region, batch, key[2])
        key_point = record.election.election_key
        assert key_point is not None
        verify_shuffle(ctx, key_point, inputs, outputs, proof)
    except (PlebisciteError, KeyError, TypeError) as exc:
        raise RuleError(f"entry {entry.index}: the shuffle of chunk {name} fails: {exc}") from exc
    return outputs


# --- 1. the shuffles ------------------------------------------------------------------------


@dataclass
class Chain:
    """A chunk's counted conversions, checked: who converted, with which Z, and the tags."""

    converters: list[int]
    tags: list[Ciphertext]


def check_chain(record: MixRecord, key: ChunkKey, z_of: dict[tuple[str, int], Point]) -> Chain:
    """Check a chunk's conversions in board order; ``z_of`` collects one Z per trustee/region.

    Raises :class:`RuleError` naming the first conversion that is unsigned, repeated, of
    another exponent than the trustee's other chunks of the region, or whose proof fails.
    """
    region = key[0]
    name = "/".join(map(str, key))
    tags = [row[0] for row in _outputs(record, key)]
    converters: list[int] = []
    ctx = record.election.context
    for entry in record.conversions.get(key, []):
        p = entry.event.payload
        trustee = signer_of(record, entry)
        where = f"entry {entry.index}: the conversion of chunk {name}"
        if trustee is None:
            raise RuleError(f"{where} is not signed by a trustee of the ceremony")
        if trustee in converters:
            raise RuleError(f"{where}: trustee {trustee} converts the chunk a second time")
        try:
            conversion = Conversion(
                Point.from_hex(p["commitment"]),
                tuple(Ciphertext.from_json(ct) for ct in p["outputs"]),
                EqualityProof.from_json(p["proof"]),
            )
            verify_conversion(mixing.conversion_ctx(ctx, region, trustee), tags, conversion)
        except (PlebisciteError, KeyError, TypeError) as exc:
            raise RuleError(f"{where} fails: {exc}") from exc
        z = z_of.setdefault((region, trustee), conversion.exponent_commitment)
        if z != conversion.exponent_commitment:
            raise RuleError(
                f"{where}: trustee {trustee} used another exponent than in its other chunks "
                f"of region {region}"
            )
        converters.append(trustee)
        tags = list(conversion.outputs)
    return Chain(converters, tags)


def check_region(record: MixRecord, region: str, *, shuffles: bool = True) -> dict[ChunkKey, Chain]:
    """Every chunk of the region shuffled (proofs checked if ``shuffles``) and its chains."""
    z_of: dict[tuple[str, int], Point] = {}
    out = {}
    for key in record.chunks(region):
        if shuffles:
            check_shuffle(record, key)
        out[key] = check_chain(record, key, z_of)
    return out


def common_converters(region: str, chains: dict[ChunkKey, Chain]) -> list[int]:
    sets = {tuple(sorted(chain.converters)) for chain in chains.values()}
    if len(sets) != 1:
        raise RuleError(
            f"region {region}: its chunks were converted by different trustees "
            f"({sorted(sets)}): the missing converters must finish `trustee convert`"
        )
    converters = list(next(iter(sets)))
    if not converters:
        raise RuleError(f"region {region}: no trustee converted its tags: run `trustee convert`")
    return converters


@dataclass
class RegionFilter:
    """A region's filter and its kept home rows summed (the door-to-door base cell)."""

    filtered: Filtered
    door_to_door: list[list[Ciphertext]]
    trustees: list[int]


@dataclass
class FilterOutcome:
    """Per region, the filter; ``refused`` names why the count cannot go on (empty: it can)."""

    regions: dict[str, RegionFilter] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    rejected_shares: list[str] = field(default_factory=list)
    #: events that do not count: a chunk's second shuffle, a conversion after decryption began
    ignored: list[str] = field(default_factory=list)

    def require_sound(self) -> None:
        if self.refused:
            raise RuleError(
                "the tags do not allow a count: "
                + "; ".join(self.refused[:3])
                + (f" (and {len(self.refused) - 3} more)" if len(self.refused) > 3 else "")
            )


def _valid_shares(
    record: MixRecord, key: ChunkKey, chain: Chain, rejected: list[str]
) -> dict[int, list[Point]]:
    region, batch, index = key
    ctx = record.election.context
    out: dict[int, list[Point]] = {}
    for entry in record.shares.get(key, []):
        p = entry.event.payload
        trustee = signer_of(record, entry)
        where = f"entry {entry.index} (tag shares of {'/'.join(map(str, key))})"
        if trustee is None or trustee not in record.election.qualified:
            rejected.append(f"{where}: not signed by a qualified trustee")
            continue
        if trustee in out:
            rejected.append(f"{where}: trustee {trustee} posted the chunk's shares twice")
            continue
        try:
            if p["conversions"] != len(chain.converters):
                raise RuleError(
                    f"decrypts {p['conversions']} conversions, the chunk has "
                    f"{len(chain.converters)}"
                )
            made = TagShares(
                tuple(Point.from_hex(d, allow_identity=True) for d in p["shares"]),
                EqualityProof.from_json(p["proof"]),
            )
            dctx = mixing.decryption_ctx(ctx, region, batch, index, trustee)
            verify_tag_shares(dctx, record.election.public_shares[trustee], chain.tags, made)
        except (PlebisciteError, KeyError, TypeError) as exc:
            rejected.append(f"{where}: trustee {trustee}: {exc}")
            continue
        out[trustee] = list(made.shares)
    return out


def filter_tags(board: Board, *, record: MixRecord | None = None) -> FilterOutcome:
    """Check every chunk's tag shares, compute the final tags and filter each region.

    The shuffle proofs were checked by the trustees before converting and decrypting (and
    are checked again by the verifier); here the conversions and shares are checked, since
    they decide which rows count.
    """
    record = record or read_mix(board)
    k = record.election.threshold
    manifest = record.election.require_manifest()
    shapes = {r.id: [len(q.options) for q in r.questions] for r in manifest.regions}
    outcome = FilterOutcome(ignored=record.duplicates + record.late)
    for region in record.regions():
        try:
            chains = check_region(record, region, shuffles=False)
            common_converters(region, chains)
            valid = {
                key: _valid_shares(record, key, chain, outcome.rejected_shares)
                for key, chain in chains.items()
            }
            everywhere = set.intersection(*(set(v) for v in valid.values()))
            group = mixing.decrypting_group(everywhere, k)
        except (PlebisciteError, ValueError) as exc:
            outcome.refused.append(f"region {region}: {exc}")
            continue
        tags: dict[str, list[bytes]] = {b: [] for b in BATCHES}
        home_rows: list[Row] = []
        for key, chain in chains.items():
            tags[key[1]] += mixing.final_tags(chain.tags, valid[key], group)
            if key[1] == mixing.HOME:
                home_rows += _outputs(record, key)
        filtered = mixing.filter_region(region, tags[mixing.BOOTH], tags[mixing.HOME])
        outcome.refused += filtered.findings
        sums = mixing.sum_kept(home_rows, filtered.kept, shapes[region])
        outcome.regions[region] = RegionFilter(filtered, sums, group)
    return outcome


__all__ = [
    "Chain",
    "FilterOutcome",
    "MixRecord",
    "RegionFilter",
    "check_chain",
    "check_region",
    "check_shuffle",
    "chunk_inputs",
    "common_converters",
    "filter_tags",
    "read_mix",
    "rows_json",
    "signer_of",
]
