"""Second-digit Benford test (2BL) of vote counts.

Mebane, W. R. Jr. (2006). "Election Forensics: Vote Counts and Benford's Law." Summer Meeting
of the Political Methodology Society, UC Davis; Mebane, W. R. Jr. and Kalinin, K. (2009).
"Comparative Election Fraud Detection." APSA Annual Meeting.

Counts of at least 10 have a second digit d.  Under Benford's law
P(d) = sum_{k=1..9} log10(1 + 1/(10k + d)), with mean 4.1874 and variance 8.2538.  Reported:
Pearson's X^2 against these frequencies (chi-square with 9 degrees of freedom) and its p-value,
and the mean second digit with a z statistic (mean - 4.1874) / sqrt(8.2538/n).  Mebane warns
that precinct counts need not follow 2BL even when clean, so the test is a flag, not a proof;
it is weak next to the integer-percentage test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from plebiscite.services.forensics.table import FloatArray, IntArray

_D = np.arange(10)
#: P(second digit = d) under Benford's law.
BENFORD_SECOND: FloatArray = np.array(
    [np.sum(np.log10(1.0 + 1.0 / (10.0 * np.arange(1, 10) + d))) for d in _D]
)
BENFORD_SECOND_MEAN = float(np.sum(_D * BENFORD_SECOND))
BENFORD_SECOND_VAR = float(np.sum((_D - BENFORD_SECOND_MEAN) ** 2 * BENFORD_SECOND))


@dataclass(frozen=True)
class SecondDigit:
    n_counts: int
    mean: float
    expected_mean: float
    z: float
    chi2: float
    p_value: float
    frequencies: tuple[float, ...]


def second_digits(counts: IntArray) -> IntArray:
    """The second significant digit of every count >= 10."""
    c = np.asarray(counts, dtype=np.int64)
    c = c[c >= 10]
    # Shift each count down to two significant digits, then take the units digit.
    power = np.floor(np.log10(c.astype(np.float64))).astype(np.int64) - 1
    two = c // (10**power)
    # log10 can round up at exact powers of ten minus a little; fix the rare off-by-one.
    two = np.where(two >= 100, two // 10, two)
    two = np.where(two < 10, c // (10 ** np.maximum(power - 1, 0)), two)
    out: IntArray = two % 10
    return out


def second_digit(counts: IntArray) -> SecondDigit:
    """2BL on ``counts`` (e.g. the leader's votes per station)."""
    d = second_digits(counts)
    n = len(d)
    if n == 0:
        nan = float("nan")
        return SecondDigit(0, nan, BENFORD_SECOND_MEAN, nan, nan, nan, (nan,) * 10)
    observed = np.bincount(d, minlength=10).astype(np.float64)
    expected = n * BENFORD_SECOND
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    mean = float(d.mean())
    z = (mean - BENFORD_SECOND_MEAN) / np.sqrt(BENFORD_SECOND_VAR / n)
    return SecondDigit(
        n_counts=n,
        mean=mean,
        expected_mean=BENFORD_SECOND_MEAN,
        z=float(z),
        chi2=chi2,
        p_value=float(stats.chi2.sf(chi2, 9)),
        frequencies=tuple(float(x) for x in observed / n),
    )
