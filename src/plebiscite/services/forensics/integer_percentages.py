"""Integer percentages: the excess of stations whose turnout or leader share is a whole percent.

Kobak, D., Shpilkin, S., Pshenichnikov, M. S. (2016). "Integer percentages as electoral
falsification fingerprints." *Annals of Applied Statistics* 10(1):54-73,
doi:10.1214/16-AOAS904.

A commission that writes the result it was told to write tends to write round numbers. Stations
are kept when R > 0, N >= 100, G/N <= 0.99 and W/R <= 0.99 (the paper's inclusion criteria).
A station counts as *integer* when 100*W/R or 100*G/N lies within 0.05 percentage points of a
whole number.  Under the null each station's counts are binomial at its own observed rates,
W* ~ Bin(R, W/R) and G* ~ Bin(N, G/N); the paper estimates the expected count by Monte Carlo,
here it is computed exactly as the sum over stations of the probability of an integer outcome,
with the variance of the sum of independent Bernoulli variables.  z = excess / sd; the p-value is
the upper normal tail.

The tests are done in integers: k/n lies within 0.05 pp of m % exactly when
|2000*k - 20*m*n| <= n, which avoids floating-point edge cases at the bin borders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from plebiscite.services.forensics.table import BoolArray, FloatArray, IntArray

#: Stations below this many voters on the list are left out (small-number fractions).
MIN_REGISTERED = 100
#: Stations above this turnout or leader share are left out (100 % is trivially integer).
MAX_RATE = 0.99
CHUNK = 8_192


@dataclass(frozen=True)
class StationIntegerness:
    """Per-station pieces, so that regions can be summed without recomputing."""

    included: BoolArray
    leader_integer: BoolArray
    turnout_integer: BoolArray
    q_leader: FloatArray  # probability of an integer leader share under the null
    q_turnout: FloatArray


@dataclass(frozen=True)
class IntegerPercentages:
    n_units: int
    observed: int
    expected: float
    excess: float
    sd: float
    z: float
    p_value: float
    observed_leader: int
    expected_leader: float
    observed_turnout: int
    expected_turnout: float


def is_integer_percent(k: IntArray, n: IntArray) -> BoolArray:
    """True where 100*k/n is within 0.05 of a whole number (n > 0)."""
    n_safe = np.maximum(n, 1)
    m = (200 * k + n_safe) // (2 * n_safe)  # nearest whole percent, halves rounded up
    near = np.abs(2000 * k - 20 * m * n_safe) <= n_safe
    m_low = m - 1  # the other neighbour, for ties at exactly .5
    near |= np.abs(2000 * k - 20 * m_low * n_safe) <= n_safe
    out: BoolArray = near & (n > 0)
    return out


def integer_probability(n: IntArray, p: FloatArray) -> FloatArray:
    """P(100*K/n within 0.05 of a whole number) for K ~ Bin(n, p), per station."""
    n = np.asarray(n, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    if n.size == 0:
        return np.zeros(0)
    m = np.arange(0, 101, dtype=np.int64)[None, :]
    nn = n[:, None]
    # k in [ceil((20mn - n)/2000), floor((20mn + n)/2000)]
    lo = -((-(20 * m * nn - nn)) // 2000)
    hi = (20 * m * nn + nn) // 2000
    lo = np.clip(lo, 0, nn)
    hi = np.clip(hi, -1, nn)
    pp = np.broadcast_to(p[:, None], lo.shape)
    nb = np.broadcast_to(nn, lo.shape)
    # Only whole percents within reach of the distribution matter; skip the rest cheaply.
    sd = np.sqrt(np.maximum(nb * pp * (1 - pp), 0.25))
    mean = nb * pp
    near = (hi >= lo) & (hi >= mean - 12 * sd) & (lo <= mean + 12 * sd)
    mass = np.zeros(lo.shape)
    upper = stats.binom.cdf(hi[near], nb[near], pp[near])
    lower = stats.binom.cdf(lo[near] - 1, nb[near], pp[near])
    mass[near] = upper - lower
    out: FloatArray = np.clip(mass.sum(axis=1), 0.0, 1.0)
    return out


def station_integerness(
    registered: IntArray, issued: IntArray, found: IntArray, leader: IntArray
) -> StationIntegerness:
    """Per-station inclusion, integer flags and null probabilities."""
    with np.errstate(divide="ignore", invalid="ignore"):
        turnout = np.where(registered > 0, issued / np.maximum(registered, 1), np.nan)
        share = np.where(found > 0, leader / np.maximum(found, 1), np.nan)
    included = (
        (found > 0) & (registered >= MIN_REGISTERED) & (turnout <= MAX_RATE) & (share <= MAX_RATE)
    )
    q_leader = np.zeros(len(registered))
    q_turnout = np.zeros(len(registered))
    idx = np.flatnonzero(included)
    # In chunks: the per-station work is a (stations x 101) array, kept small in memory.
    for start in range(0, len(idx), CHUNK):
        part = idx[start : start + CHUNK]
        q_leader[part] = integer_probability(found[part], share[part])
        q_turnout[part] = integer_probability(registered[part], turnout[part])
    return StationIntegerness(
        included=included,
        leader_integer=included & is_integer_percent(leader, found),
        turnout_integer=included & is_integer_percent(issued, registered),
        q_leader=q_leader,
        q_turnout=q_turnout,
    )


def summarise(parts: StationIntegerness, mask: BoolArray | None = None) -> IntegerPercentages:
    """The test over the stations in ``mask`` (all when None)."""
    sel = parts.included if mask is None else parts.included & mask
    ql, qt = parts.q_leader[sel], parts.q_turnout[sel]
    q_either = 1.0 - (1.0 - ql) * (1.0 - qt)
    observed = int(np.count_nonzero(parts.leader_integer[sel] | parts.turnout_integer[sel]))
    expected = float(q_either.sum())
    sd = float(np.sqrt(np.sum(q_either * (1.0 - q_either))))
    excess = observed - expected
    z = excess / sd if sd > 0 else 0.0
    return IntegerPercentages(
        n_units=int(np.count_nonzero(sel)),
        observed=observed,
        expected=expected,
        excess=excess,
        sd=sd,
        z=z,
        p_value=float(stats.norm.sf(z)) if sd > 0 else 1.0,
        observed_leader=int(np.count_nonzero(parts.leader_integer[sel])),
        expected_leader=float(ql.sum()),
        observed_turnout=int(np.count_nonzero(parts.turnout_integer[sel])),
        expected_turnout=float(qt.sum()),
    )


def integer_percentages(
    registered: IntArray, issued: IntArray, found: IntArray, leader: IntArray
) -> IntegerPercentages:
    """The national test: observed, exact expectation, excess, z and p-value."""
    return summarise(station_integerness(registered, issued, found, leader))
