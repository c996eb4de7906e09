"""The verifier's homomorphic sums per base cell, a batch of ballots at a time.

:class:`~plebiscite.domain.tally.Partial` adds ciphertexts one by one (two point
additions each, with a decode and an encode inside every libsodium addition). The verifier
adds thousands of ballots per batch, so it collects the components of every (cell, question,
option) and sums each list in one call (:func:`plebiscite.crypto.linear.sum_points`: on the
native path, every point is decoded once and the sum encoded once). Same sums, same
:class:`Partial` out.
"""

from __future__ import annotations

from plebiscite.crypto import linear
from plebiscite.crypto.elgamal import Ciphertext
from plebiscite.crypto.group import Point
from plebiscite.domain.cells import BaseKey
from plebiscite.domain.tally import Partial


class CellSums:
    def __init__(self) -> None:
        self._counts: dict[BaseKey, int] = {}
        self._parts: dict[BaseKey, list[list[tuple[list[Point], list[Point]]]]] = {}

    def add(self, key: BaseKey, answers: list[list[Ciphertext]]) -> None:
        rows = self._parts.get(key)
        if rows is None:
            rows = self._parts[key] = [[([], []) for _ in options] for options in answers]
            self._counts[key] = 0
        if [len(r) for r in rows] != [len(o) for o in answers]:
            raise ValueError("a ballot with another shape than the cell's first ballot")
        for row, options in zip(rows, answers, strict=True):
            for (alphas, betas), ct in zip(row, options, strict=True):
                alphas.append(ct.alpha)
                betas.append(ct.beta)
        self._counts[key] += 1

    def partial(self) -> Partial:
        """The sums, all computed in one call (:func:`linear.group_sums`)."""
        lists: list[list[Point]] = []
        for rows in self._parts.values():
            for row in rows:
                for alphas, betas in row:
                    lists += [alphas, betas]
        sums = iter(linear.group_sums(lists))
        partial = Partial()
        for key, rows in self._parts.items():
            partial.counts[key] = self._counts[key]
            partial.sums[key] = [[Ciphertext(next(sums), next(sums)) for _ in row] for row in rows]
        return partial


__all__ = ["CellSums"]
