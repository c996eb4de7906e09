"""The verifier's checks of the deniable override: V45-V48 (``docs/verifier.md``).

After the close, per region, the authority shuffles the booth tags and the door-to-door rows
(``shuffle`` events), trustees convert the shuffled tags (``tag_conversion``) and post tag
decryption shares (``tag_shares``); a door-to-door row counts only if its final tag is not
among the region's booth tags (``docs/protocol.md`` sections 10-12, ``docs/privacy.md``).

- V45: every chunk of every (region, batch) has exactly one shuffle, whose input rows are
  rebuilt here from the board's cast ballots (:mod:`plebiscite.domain.mixing`), and whose
  proof verifies.
- V46: every conversion is signed by a trustee, takes as input the previous conversion's
  outputs (or the shuffled tags), uses one ``Z`` per trustee and region, and its proof
  verifies; every chunk has at least one.
- V47: tag decryption shares are signed by trustees of ``QUAL``, prove ``log_G X_i =
  log_A D`` for their rows at once, state the chunk's number of conversions, and every chunk
  has at least ``k`` valid posters.
- V48: the final tags of a region's booth rows are distinct, and of its door-to-door rows;
  the kept door-to-door rows (final tag not among the booth tags) are summed, from the
  shuffled rows, into the region's door-to-door cell, which V23 and V48 compare with the
  encrypted tally.

Memory: the streaming pass keeps only the byte offset of each cast ballot's line and of each
mixing event (:class:`MixIndex`); here each chunk's ballots and events are read back by
offset, one chunk at a time. The final tags of a region (32 bytes a row) are the one part held
for a whole region, to compare booth and door-to-door tags.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from plebiscite.crypto import linear
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import L, Point
from plebiscite.crypto.proofs import EqualityProof
from plebiscite.crypto.shuffle import Row, ShuffleProof, verify_shuffle
from plebiscite.crypto.tagging import Conversion, TagShares, verify_conversion, verify_tag_shares
from plebiscite.crypto.threshold import lagrange_coefficient
from plebiscite.domain import mixing
from plebiscite.domain.ceremony import check_signed
from plebiscite.errors import PlebisciteError
from plebiscite.record.export import EVENTS
from plebiscite.verifier.report import VerificationReport

if TYPE_CHECKING:
    from plebiscite.verifier.verify import RecordState

BOOTH, HOME = mixing.BOOTH, mixing.HOME
_READABLE = (PlebisciteError, KeyError, TypeError, ValueError, IndexError, AttributeError)

#: (entry index, byte offset of its events.jsonl line)
Where = tuple[int, int]
#: A mixing event as kept until its chunk is checked: (entry, offset, its small fields); the
#: outputs, shares and proofs are read again from the offset (one chunk in memory at a time)
Event = tuple[int, int, dict[str, Any]]
_HEAD = ("region", "batch", "chunk", "chunk_rows", "trustee")


@dataclass
class MixIndex:
    """What the streaming pass keeps for V45-V48: offsets, never ballots or rows."""

    entries: dict[tuple[str, str], array[int]] = field(default_factory=dict)
    offsets: dict[tuple[str, str], array[int]] = field(default_factory=dict)
    shuffles: list[Where] = field(default_factory=list)
    conversions: list[Where] = field(default_factory=list)
    shares: list[Where] = field(default_factory=list)

    def ballot(self, region: str, batch: str, entry: int, offset: int) -> None:
        """A cast ballot of ``region`` recorded before the close: the next row of ``batch``."""
        self.entries.setdefault((region, batch), array("q")).append(entry)
        self.offsets.setdefault((region, batch), array("q")).append(offset)


@dataclass
class DoorCell:
    """A region's door-to-door cell, summed from its kept shuffled rows (V48)."""

    count: int = 0
    sums: list[Ciphertext] | None = None  # columns 1.. of the row, flat

    def add(self, row: Row) -> None:
        if self.sums is None:
            self.sums = list(row[1:])
        else:
            self.sums = [a + b for a, b in zip(self.sums, row[1:], strict=True)]
        self.count += 1


@dataclass
class _Chunk:
    """A chunk's mixing events, in board order."""

    shuffles: list[Event] = field(default_factory=list)
    conversions: list[Event] = field(default_factory=list)
    shares: list[Event] = field(default_factory=list)


class _Lines:
    """events.jsonl read back by byte offset."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def payload(self, offset: int) -> dict[str, Any]:
        self._stream.seek(offset)
        value = json.loads(self._stream.readline())["payload"]
        if not isinstance(value, dict):
            raise ValueError("the payload is not an object")
        return value


def check_mixing(
    directory: Path, state: RecordState, report: VerificationReport
) -> dict[str, DoorCell] | None:
    """V45-V48 over the whole record; the door-to-door cell of every region whose filter could
    be recomputed (None when the record has no election key)."""
    if state.manifest is None or state.election_key is None:
        return None
    index = state.mix
    with (directory / EVENTS).open("rb") as stream:
        lines = _Lines(stream)
        chunks, first_shares = _gather(lines, index, report)
        regions = sorted({r for r, _ in index.entries} | {k[0] for k in chunks})
        cells: dict[str, DoorCell] = {}
        for region in regions:
            if region not in state.manifest.region_by_id:
                _stray(report, [v for k, v in chunks.items() if k[0] == region], "unknown region")
                continue
            run = _Region(state, report, lines, region, first_shares.get(region))
            cell = run.check(chunks)
            if cell is not None:
                cells[region] = cell
    return cells


def _gather(
    lines: _Lines, index: MixIndex, report: VerificationReport
) -> tuple[dict[tuple[str, str, int], _Chunk], dict[str, int]]:
    """Every mixing event read back and filed by (region, batch, chunk)."""
    chunks: dict[tuple[str, str, int], _Chunk] = {}
    first_shares: dict[str, int] = {}
    kinds: list[tuple[str, list[Where], str]] = [
        ("V45", index.shuffles, "shuffles"),
        ("V46", index.conversions, "conversions"),
        ("V47", index.shares, "shares"),
    ]
    for check, wheres, name in kinds:
        for entry, offset in wheres:
            report.count(check)
            try:
                payload = lines.payload(offset)
                region, batch, chunk = payload["region"], payload["batch"], payload["chunk"]
                if not isinstance(region, str) or batch not in (BOOTH, HOME):
                    raise ValueError(f"region {region!r}, batch {batch!r}")
                if type(chunk) is not int or chunk < 0:
                    raise ValueError(f"chunk {chunk!r} is not a number")
            except _READABLE as exc:
                report.fail(check, f"a {name[:-1]} event that names no chunk: {exc}", entry)
                continue
            head = {k: payload[k] for k in _HEAD if k in payload}
            getattr(chunks.setdefault((region, batch, chunk), _Chunk()), name).append(
                (entry, offset, head)
            )
            if name == "shares":
                first_shares.setdefault(region, entry)
    return chunks, first_shares


def _stray(report: VerificationReport, chunks: list[_Chunk], why: str) -> None:
    """Mixing events of a chunk that does not exist: each is a finding of its own check."""
    for events in chunks:
        for check, found in (
            ("V45", events.shuffles),
            ("V46", events.conversions),
            ("V47", events.shares),
        ):
            for entry, _, payload in found:
                report.fail(
                    check,
                    f"{payload['region']} {payload['batch']} chunk {payload['chunk']}: {why}",
                    entry,
                )


def _points(value: object, what: str) -> list[Point]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError(f"{what} is not a list of hex points")
    return [Point.from_hex(x, allow_identity=True) for x in value]


class _Region:
    def __init__(
        self,
        state: RecordState,
        report: VerificationReport,
        lines: _Lines,
        region: str,
        first_shares: int | None,
    ) -> None:
        assert state.election_key is not None and state.manifest is not None
        self.state, self.report, self.lines, self.region = state, report, lines, region
        self.first_shares = first_shares
        self.key = Point.from_hex(state.election_key)
        self.k = state.manifest.trustees.k
        self.z: dict[int, tuple[str, int]] = {}  # trustee -> (Z, entry of its first use)
        self.tags: dict[str, list[bytes] | None] = {}  # batch -> final tags (None: unknown)
        self.converters: dict[frozenset[int], str] = {}  # converter sets -> a chunk with it
        self.decrypters: set[int] | None = None  # valid share posters of every chunk so far

    def check(self, chunks: dict[tuple[str, str, int], _Chunk]) -> DoorCell | None:
        """Both batches, booth first (the filter needs every booth tag), then V48."""
        self._batch(BOOTH, chunks, None)
        booth_tags = self.tags[BOOTH]
        cell = DoorCell()
        self._batch(HOME, chunks, (None if booth_tags is None else set(booth_tags), cell))
        return self._filter(cell)

    # --- one batch: its chunks in order ---------------------------------------------------

    def _batch(
        self,
        batch: str,
        chunks: dict[tuple[str, str, int], _Chunk],
        keep: tuple[set[bytes] | None, DoorCell] | None,
    ) -> None:
        report, region = self.report, self.region
        entries = self.state.mix.entries.get((region, batch), array("q"))
        offsets = self.state.mix.offsets.get((region, batch), array("q"))
        mine = {c: v for (r, b, c), v in chunks.items() if r == region and b == batch}
        stated = sorted((e, h.get("chunk_rows")) for v in mine.values() for e, _, h in v.shuffles)
        size = stated[0][1] if stated else mixing.DEFAULT_CHUNK_ROWS
        for entry, other in stated[1:]:
            if other != size:
                report.fail("V45", f"{region} {batch}: chunk_rows {other!r}, not {size!r}", entry)
        if type(size) is not int or size < 1:
            report.fail("V45", f"{region} {batch}: chunk_rows {size!r} is not a positive number")
            self.tags[batch] = None
            return
        n = len(entries)
        expected = mixing.chunk_count(n, size)
        _stray(
            report,
            [v for c, v in sorted(mine.items()) if c >= expected],
            f"no such chunk ({n} rows on the board, chunks of {size})",
        )
        tags: list[bytes] | None = []
        for chunk in range(expected):
            found = self._chunk(
                batch, chunk, mine.get(chunk, _Chunk()),
                entries[chunk * size : (chunk + 1) * size],
                offsets[chunk * size : (chunk + 1) * size],
                keep,
            )  # fmt: skip
            if found is None or tags is None:
                tags = None
            else:
                tags += found
        self.tags[batch] = tags

    # --- one chunk: shuffle, conversions, shares, final tags -------------------------------

    def _chunk(
        self,
        batch: str,
        chunk: int,
        events: _Chunk,
        entries: Sequence[int],
        offsets: Sequence[int],
        keep: tuple[set[bytes] | None, DoorCell] | None,
    ) -> list[bytes] | None:
        where = f"{self.region} {batch} chunk {chunk}"
        outputs = self._shuffle(where, batch, chunk, events, entries, offsets)
        if outputs is None:
            return None
        tags = [row[0] for row in outputs]
        converted = self._conversions(where, events, tags)
        if converted is None:
            return None
        final = self._shares(where, batch, chunk, events, converted)
        if final is None:
            return None
        if keep is not None:
            booth, cell = keep
            if booth is not None:
                for row, tag in zip(outputs, final, strict=True):
                    if tag not in booth:
                        cell.add(row)
        return final

    def _shuffle(
        self,
        where: str,
        batch: str,
        chunk: int,
        events: _Chunk,
        entries: Sequence[int],
        offsets: Sequence[int],
    ) -> list[Row] | None:
        report = self.report
        if not events.shuffles:
            report.fail("V45", f"{where}: no shuffle ({len(entries)} rows from the board)")
            return None
        for entry, _, _ in events.shuffles[1:]:
            report.fail(
                "V45", f"{where}: a second shuffle (first at entry {events.shuffles[0][0]})", entry
            )
        entry, offset, _ = events.shuffles[0]
        report.count("V45", len(entries))
        try:
            inputs = [self._row(batch, e, o) for e, o in zip(entries, offsets, strict=True)]
        except _READABLE as exc:
            report.fail(
                "V45", f"{where}: the input rows cannot be rebuilt from the board: {exc}", entry
            )
            return None
        try:
            payload = self.lines.payload(offset)
            width = len(inputs[0])
            rows = payload["outputs"]
            if not isinstance(rows, list) or len(rows) != len(inputs):
                raise ValueError(
                    f"{len(rows) if isinstance(rows, list) else rows!r} output rows for "
                    f"{len(inputs)} ballots on the board"
                )
            outputs: list[Row] = []
            for row in rows:
                if not isinstance(row, list) or len(row) != width:
                    raise ValueError(f"an output row is not {width} ciphertexts")
                outputs.append(tuple(Ciphertext.from_json(ct) for ct in row))
            proof = ShuffleProof.from_json(payload["proof"], len(inputs), width)
            context = mixing.shuffle_ctx(self.state.context, self.region, batch, chunk)
            verify_shuffle(context, self.key, inputs, outputs, proof)
        except _READABLE as exc:
            report.fail("V45", f"{where}: {exc}", entry)
            return None
        return outputs

    def _row(self, batch: str, entry: int, offset: int) -> Row:
        assert self.state.manifest is not None
        try:
            _, _, tag, answers = mixing.cast_pieces(self.state.manifest, self.lines.payload(offset))
        except _READABLE as exc:
            raise ValueError(f"entry {entry}: {exc}") from exc
        return mixing.booth_row(tag) if batch == BOOTH else mixing.home_row(tag, answers)

    def _conversions(
        self, where: str, events: _Chunk, tags: list[Ciphertext]
    ) -> tuple[int, list[Ciphertext]] | None:
        """The number of counted conversions and the last one's outputs."""
        report, state = self.report, self.state
        assert state.transcript is not None
        chain = [(0, tags)]
        seen: set[int] = set()
        for entry, offset, head in events.conversions:
            if self.first_shares is not None and entry > self.first_shares:
                continue  # after the region's first tag shares: it does not count (spec 3)
            report.count("V46")
            current = chain[-1][1]
            try:
                payload = self.lines.payload(offset)
                trustee = check_signed(state.transcript, payload)
                if trustee in seen:
                    raise ValueError(f"trustee {trustee} converts this chunk a second time")
                z = str(payload["commitment"])
                outputs = payload["outputs"]
                if not isinstance(outputs, list):
                    raise ValueError("outputs is not a list")
                conversion = Conversion(
                    Point.from_hex(z),
                    tuple(Ciphertext.from_json(ct) for ct in outputs),
                    EqualityProof.from_json(payload["proof"]),
                )
                context = mixing.conversion_ctx(state.context, self.region, trustee)
                verify_conversion(context, current, conversion)
                first = self.z.setdefault(trustee, (z, entry))
                if first[0] != z:
                    raise ValueError(
                        f"trustee {trustee} uses another Z than at entry {first[1]} (one Z per "
                        "trustee and region, or one voter's tags differ between chunks)"
                    )
            except _READABLE as exc:
                report.fail(
                    "V46",
                    f"{where}: conversion of trustee {head.get('trustee')!r}: {exc}",
                    entry,
                )
                continue
            seen.add(trustee)
            chain.append((len(chain), list(conversion.outputs)))
        if len(chain) == 1:
            report.count("V46")
            report.fail(
                "V46",
                f"{where}: no valid tag conversion (the tags would decrypt to the voters' "
                "tag points)",
            )
            return None
        self.converters.setdefault(frozenset(seen), where)
        return chain[-1]

    def _shares(
        self,
        where: str,
        batch: str,
        chunk: int,
        events: _Chunk,
        converted: tuple[int, list[Ciphertext]],
    ) -> list[bytes] | None:
        """The final tags from the k valid share posters with the lowest indices."""
        report, state = self.report, self.state
        assert state.transcript is not None
        m, rows = converted
        valid: dict[int, list[Point]] = {}
        for entry, offset, head in events.shares:
            report.count("V47")
            try:
                payload = self.lines.payload(offset)
                trustee = check_signed(state.transcript, payload)
                if trustee not in state.qualified:
                    raise ValueError(f"trustee {trustee} is not qualified")
                if trustee in valid:
                    raise ValueError(f"trustee {trustee} posts shares of this chunk a second time")
                if payload["conversions"] != m:
                    raise ValueError(
                        f"trustee {trustee} decrypts after {payload['conversions']!r} "
                        f"conversions; the chunk has {m}"
                    )
                shares = TagShares(
                    tuple(_points(payload["shares"], "shares")),
                    EqualityProof.from_json(payload["proof"]),
                )
                context = mixing.decryption_ctx(state.context, self.region, batch, chunk, trustee)
                verify_tag_shares(context, state.public_shares[trustee], rows, shares)
            except _READABLE as exc:
                report.fail(
                    "V47",
                    f"{where}: tag shares of trustee {head.get('trustee')!r}: {exc}",
                    entry,
                )
                continue
            valid[trustee] = list(shares.shares)
        self.decrypters = set(valid) if self.decrypters is None else self.decrypters & set(valid)
        if len(valid) < self.k:
            report.fail(
                "V47",
                f"{where}: {len(valid)} trustees posted valid tag shares "
                f"({sorted(valid)}); {self.k} are needed",
            )
            return None
        group = sorted(valid)[: self.k]
        weights = [int(lagrange_coefficient(t, group)) for t in group]
        out = []
        for j, ct in enumerate(rows):
            terms = [(1, ct.beta)] + [
                (L - w, valid[t][j]) for t, w in zip(group, weights, strict=True)
            ]
            out.append(linear.combine(terms).encode())
        return out

    # --- V48: the filter -------------------------------------------------------------------

    def _filter(self, cell: DoorCell) -> DoorCell | None:
        report, region = self.report, self.region
        report.count("V48")
        known = True
        if len(self.converters) > 1:
            report.count("V46")
            sets = "; ".join(
                f"{w}: {sorted(t)}" for t, w in sorted(self.converters.items(), key=str)
            )
            report.fail(
                "V46",
                f"{region}: its chunks were converted by different trustees ({sets}): one "
                "voter's booth and door-to-door tags would not match",
            )
            known = False
            report.fail("V48", f"{region}: tags of differently converted chunks do not compare")
        if self.decrypters is not None and len(self.decrypters) < self.k:
            # any k valid shares of a chunk give its final tags; the region's decrypting group
            # (protocol 12.5) is k trustees valid in every chunk, and must exist
            report.count("V47")
            report.fail(
                "V47",
                f"{region}: only trustees {sorted(self.decrypters)} have valid tag shares of "
                f"every chunk; {self.k} are needed (protocol 12.5)",
            )
        for batch in (BOOTH, HOME):
            tags = self.tags.get(batch)
            if tags is None:
                known = False
                report.fail(
                    "V48",
                    f"{region}: the {batch} rows have no final tags (V45-V47): the filter "
                    "cannot be recomputed",
                )
            elif len(set(tags)) != len(tags):
                twice = len(tags) - len(set(tags))
                report.fail(
                    "V48",
                    f"{region}: {twice} {batch} final tags appear more than once (a voter "
                    f"with two {batch} ballots)",
                )
        return cell if known else None
