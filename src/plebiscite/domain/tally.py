"""What the count computes and what the verifier recomputes (``docs/tally.md`` 2-4).

* :class:`Partial`: the homomorphic sums of the counted ballots per base cell
  (region, precinct, channel, voting day), ``sums[key][question][option]``, with the number of
  ballots per base cell. Adding is componentwise point addition, so the order in which ballots
  (or whole partial sums) are added does not matter.
* :func:`tally_payload`: the ``encrypted_tally`` event's payload from a :class:`Partial`: the
  published cells (:func:`plebiscite.domain.cells.published_cells`), each with its ballot count
  and the sum of its base cells' ciphertexts.
* :func:`results_payload`: the ``results`` event's payload from the decrypted counts of every
  published cell: per region its registered voters, ballots and per question the option counts
  and the blank count (ballots minus the counts of its options).

The tally (:mod:`plebiscite.services.tally.count`) and the verifier (V23, V26) both use these
one definitions; the known-answer vectors are in ``tests/vectors/tally-v2.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.domain.cells import BaseKey, CellSpec, cell_count, published_cells
from plebiscite.domain.manifest import Manifest, Region
from plebiscite.domain.roll import PublicEntry

#: base-cell sums as plain data: (key, ballots, sums as hex pairs)
Wire = list[tuple[BaseKey, int, list[list[list[str]]]]]


@dataclass
class Partial:
    """Sums per base cell: ``sums[key][question][option]`` and the ballot count."""

    counts: dict[BaseKey, int] = field(default_factory=dict)
    sums: dict[BaseKey, list[list[Ciphertext]]] = field(default_factory=dict)
    last_index: int = -1

    def add(self, key: BaseKey, answers: list[list[Ciphertext]]) -> None:
        current = self.sums.get(key)
        if current is None:
            self.sums[key] = answers
            self.counts[key] = 1
            return
        for q, options in enumerate(answers):
            row = current[q]
            for o, ct in enumerate(options):
                row[o] = row[o] + ct
        self.counts[key] += 1

    def merge(self, other: Partial) -> None:
        for key, answers in other.sums.items():
            current = self.sums.get(key)
            if current is None:
                self.sums[key] = answers
                self.counts[key] = other.counts[key]
                continue
            for q, options in enumerate(answers):
                for o, ct in enumerate(options):
                    current[q][o] = current[q][o] + ct
            self.counts[key] += other.counts[key]
        self.last_index = max(self.last_index, other.last_index)

    def to_wire(self) -> Wire:
        return [
            (key, self.counts[key], [[ct.to_json() for ct in row] for row in self.sums[key]])
            for key in self.sums
        ]

    @classmethod
    def from_wire(cls, wire: Wire, last: int) -> Partial:
        partial = cls(last_index=last)
        for key, count, rows in wire:
            k = (key[0], key[1], key[2], int(key[3]))
            partial.counts[k] = count
            partial.sums[k] = [[Ciphertext.from_json(ct) for ct in row] for row in rows]
        return partial


def cell_sum(cell: CellSpec, partial: Partial, shape: list[int]) -> list[list[Ciphertext]]:
    """The sum of ``cell``'s base cells, ``shape`` options per question (zero if none)."""
    acc = [[Ciphertext.zero() for _ in range(n)] for n in shape]
    for key in sorted(cell.members):
        for q, row in enumerate(partial.sums.get(key, [])):
            for o, ct in enumerate(row):
                acc[q][o] = acc[q][o] + ct
    return acc


def tally_payload(manifest: Manifest, partial: Partial, closed_index: int) -> dict[str, Any]:
    """The ``encrypted_tally`` payload: ``closed_entry``, ``entries`` (the index after the
    last entry the sums read), ``small_cell_threshold`` and every published cell."""
    cells = published_cells(manifest, partial.counts)
    shapes = {r.id: [len(q.options) for q in r.questions] for r in manifest.regions}
    return {
        "closed_entry": closed_index,
        "entries": partial.last_index + 1,
        "small_cell_threshold": manifest.small_cell_threshold,
        "cells": [
            {
                "id": cell.id,
                "level": cell.level,
                "region": cell.region,
                "units": list(cell.units),
                "ballots": cell_count(cell, partial.counts),
                "sums": [
                    [ct.to_json() for ct in row]
                    for row in cell_sum(cell, partial, shapes[cell.region])
                ],
            }
            for cell in cells
        ],
    }


def registered_by_region(voters: Iterable[PublicEntry]) -> dict[str, int]:
    """How many voters the roll registers in each region."""
    registered: dict[str, int] = {}
    for voter in voters:
        registered[voter.region_id] = registered.get(voter.region_id, 0) + 1
    return registered


def question_counts(region: Region, rows: list[list[int]], ballots: int) -> list[dict[str, Any]]:
    """Per question of ``region``: its id, each option's count, and the blank count."""
    out = []
    for question, row in zip(region.questions, rows, strict=True):
        options = {opt.id: n for opt, n in zip(question.options, row, strict=True)}
        out.append({"question": question.id, "options": options, "blank": ballots - sum(row)})
    return out


def results_payload(
    manifest: Manifest,
    registered: Mapping[str, int],
    tally_index: int,
    tally: Mapping[str, Any],
    counts: Mapping[str, list[list[int]]],
    group: list[int],
    rejected: Mapping[int, str],
) -> dict[str, Any]:
    """The ``results`` payload from the encrypted tally (entry ``tally_index``, payload
    ``tally``) and the decrypted ``counts`` of each of its cells (by cell id), decrypted by
    the trustees of ``group``; ``rejected`` names the shares set aside and why."""
    cells = tally["cells"]
    regions = []
    for region in manifest.regions:
        mine = [c for c in cells if c["region"] == region.id]
        total = next(c for c in mine if c["level"] == "region")
        regions.append(
            {
                "region": region.id,
                "name": region.name,
                "registered": registered.get(region.id, 0),
                "ballots": total["ballots"],
                "questions": question_counts(region, counts[total["id"]], total["ballots"]),
                "cells": [
                    {
                        "id": c["id"],
                        "level": c["level"],
                        "units": c["units"],
                        "ballots": c["ballots"],
                        "questions": question_counts(region, counts[c["id"]], c["ballots"]),
                    }
                    for c in mine
                    if c["level"] != "region"
                ],
            }
        )
    return {
        "tally_entry": tally_index,
        "decrypted_by": group,
        "rejected_shares": {str(t): why for t, why in sorted(rejected.items())},
        "small_cell_threshold": tally["small_cell_threshold"],
        "regions": regions,
    }


__all__ = [
    "Partial",
    "Wire",
    "cell_sum",
    "question_counts",
    "registered_by_region",
    "results_payload",
    "tally_payload",
]
