"""The attacker's subtraction search, written apart from the audit it checks.

Given published cells (sets of base cells) and the public ballot count of each base cell, try
combinations with coefficients -1, 0 and 1 and return one whose value is a 0/1 indicator on
every non-empty base cell, holding between 1 and ``threshold - 1`` ballots. Exhaustive over
``{-1, 0, 1}^m`` for up to ``exhaustive_up_to`` cells; above that, every combination with at
most ``max_terms`` non-zero coefficients. The group of every ballot of the cells (the region's
total, which is the result itself) is exempt.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)


def small_group_openings(
    cells: Sequence[frozenset[K]],
    counts: Mapping[K, int],
    threshold: int,
    *,
    exhaustive_up_to: int = 11,
    max_terms: int = 4,
) -> list[tuple[tuple[int, ...], int]]:
    """Every combination found (as coefficients, with the group's size), at most 5."""
    base = sorted({b for cell in cells for b in cell if counts.get(b, 0) > 0}, key=repr)
    if not base:
        return []
    matrix = np.array([[1 if b in cell else 0 for b in base] for cell in cells], dtype=np.int64)
    weight = np.array([counts[b] for b in base], dtype=np.int64)
    m = len(cells)
    if m <= exhaustive_up_to:
        combos = np.array(list(itertools.product((-1, 0, 1), repeat=m)), dtype=np.int64)
    else:
        rows: list[tuple[int, ...]] = []
        for k in range(1, max_terms + 1):
            for chosen in itertools.combinations(range(m), k):
                for signs in itertools.product((-1, 1), repeat=k):
                    row = [0] * m
                    for j, s in zip(chosen, signs, strict=True):
                        row[j] = s
                    rows.append(tuple(row))
        combos = np.array(rows, dtype=np.int64)
    found: list[tuple[tuple[int, ...], int]] = []
    for start in range(0, len(combos), 50_000):
        chunk = combos[start : start + 50_000]
        values = chunk @ matrix
        indicator = np.all((values == 0) | (values == 1), axis=1)
        sizes = values @ weight
        whole = sizes == weight.sum()
        hits = np.nonzero(indicator & (sizes >= 1) & (sizes < threshold) & ~whole)[0]
        for h in hits[: 5 - len(found)]:
            found.append((tuple(int(c) for c in chunk[h]), int(sizes[h])))
        if len(found) >= 5:
            break
    return found
