"""Subtraction audit: can published cells be combined to open a small group of ballots?

Numbers in, numbers out (``docs/tally.md`` section 2.1). A region's published cells are sets of
base cells, each base cell holding a public number of counted ballots. Whoever reads the
results can add and subtract the decrypted cells. If some combination

    sum_j c_j * cell_j,   c_j in {-1, 0, 1}

equals, on every non-empty base cell, a 0/1 indicator, then its decrypted value is the vote of
exactly the ballots of the base cells where it is 1. The small-cell rule forbids such a group
when it holds between 1 and ``threshold - 1`` ballots.

Deciding whether such a combination exists is a small integer program: one integer variable
per published cell (bounded to [-1, 1]), one binary variable per non-empty base cell, one
equality per non-empty base cell and one range constraint on the group's size. It is solved
exactly by the HiGHS branch and bound that SciPy ships (``scipy.optimize.milp``); a region has
a few dozen cells and at most a few hundred non-empty base cells, so each program takes
milliseconds. Base cells with no ballot are left out: whatever a combination gives there,
no vote is in it.

This module answers yes or no; which cell to merge when the answer is yes is the layout's
business (:mod:`plebiscite.domain.cells`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Opening(Generic[K]):
    """A combination that opens a small group: the coefficient of each cell, and the group."""

    coefficients: tuple[int, ...]
    group: frozenset[K]
    ballots: int


def find_opening(
    cells: Sequence[frozenset[K]],
    counts: Mapping[K, int],
    threshold: int,
    *,
    pinned: tuple[int, int] | None = None,
) -> Opening[K] | None:
    """A combination of ``cells`` that isolates 1 to ``threshold - 1`` ballots, or None.

    ``pinned = (j, c)`` fixes the coefficient of cell ``j`` to ``c`` (``+1`` or ``-1``): the
    question becomes whether cell ``j`` takes part in some opening.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    base = (
        sorted((b for b in set().union(*cells) if counts.get(b, 0) > 0), key=repr) if cells else []
    )
    if threshold <= 1 or not base:
        return None
    m, n = len(cells), len(base)
    where = {b: i for i, b in enumerate(base)}
    # Rows: one per non-empty base cell (sum_j c_j [b in cell_j] - v_b = 0), then the size.
    a = np.zeros((n + 1, m + n))
    for j, cell in enumerate(cells):
        for b in cell:
            i = where.get(b)
            if i is not None:
                a[i, j] = 1.0
    for i, b in enumerate(base):
        a[i, m + i] = -1.0
        a[n, m + i] = float(counts[b])
    low = np.zeros(n + 1)
    high = np.zeros(n + 1)
    low[n], high[n] = 1.0, float(threshold - 1)
    lower = np.concatenate([-np.ones(m), np.zeros(n)])
    upper = np.ones(m + n)
    if pinned is not None:
        j, c = pinned
        lower[j] = upper[j] = float(c)
    result = milp(
        c=np.zeros(m + n),
        constraints=LinearConstraint(a, low, high),
        integrality=np.ones(m + n),
        bounds=Bounds(lower, upper),
    )
    if result.status != 0 or result.x is None:
        # 2 is "infeasible": no opening. Anything else (time or iteration limits) must not be
        # read as safety.
        if result.status == 2:
            return None
        raise RuntimeError(f"the subtraction audit did not finish: {result.message}")
    x = np.rint(result.x).astype(int)
    group = frozenset(b for i, b in enumerate(base) if x[m + i] == 1)
    return Opening(tuple(int(c) for c in x[:m]), group, sum(counts[b] for b in group))


def takes_part(
    cells: Sequence[frozenset[K]], counts: Mapping[K, int], threshold: int, j: int
) -> bool:
    """Whether cell ``j`` has a non-zero coefficient in some opening."""
    return any(find_opening(cells, counts, threshold, pinned=(j, c)) is not None for c in (1, -1))
