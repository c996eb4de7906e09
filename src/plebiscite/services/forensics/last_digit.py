"""Last-digit tests of vote counts and of rounded percentages.

Beber, B. and Scacco, A. (2012). "What the Numbers Say: A Digit-Based Test for Election Fraud."
*Political Analysis* 20(2):211-234, doi:10.1093/pan/mps003; the 0/5 shares follow Kalinin and
Mebane's EFToolkit definitions (``C05s``, ``P05s``).

Under the null the last digit of a count is uniform on 0-9 (mean 4.5, variance 8.25, P(0 or
5) = 0.2).  People who invent numbers favour some digits.  Reported: Pearson's X^2 against the
uniform law (chi-square, 9 degrees of freedom) and its p-value, the mean last digit, the share
of counts ending in 0 or 5 (``c05``) with a binomial z, and the share of whole-number turnout
percentages ending in 0 or 5 (``p05``).  Counts of every size are used, as in the reference
recomputation; small counts bias the test only slightly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from plebiscite.services.forensics.table import FloatArray, IntArray


@dataclass(frozen=True)
class LastDigit:
    n_counts: int
    mean: float
    chi2: float
    p_value: float
    c05: float
    c05_z: float
    p05_turnout: float
    frequencies: tuple[float, ...]


def last_digit(counts: IntArray, turnout: FloatArray | None = None) -> LastDigit:
    """Last-digit test on ``counts``; ``turnout`` (fractions) adds the P05s share."""
    c = np.asarray(counts, dtype=np.int64)
    d = c % 10
    n = len(d)
    p05 = float("nan")
    if turnout is not None and len(turnout):
        pct = np.round(100.0 * np.minimum(np.asarray(turnout, dtype=np.float64), 1.0))
        p05 = float(np.isin(pct.astype(np.int64) % 10, (0, 5)).mean())
    if n == 0:
        nan = float("nan")
        return LastDigit(0, nan, nan, nan, nan, nan, p05, (nan,) * 10)
    observed = np.bincount(d, minlength=10).astype(np.float64)
    expected = n / 10.0
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    c05 = float((observed[0] + observed[5]) / n)
    return LastDigit(
        n_counts=n,
        mean=float(d.mean()),
        chi2=chi2,
        p_value=float(stats.chi2.sf(chi2, 9)),
        c05=c05,
        c05_z=float((c05 - 0.2) / np.sqrt(0.2 * 0.8 / n)),
        p05_turnout=p05,
        frequencies=tuple(float(x) for x in observed / n),
    )
