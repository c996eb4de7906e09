"""Synthetic elections with known fraud, for calibration and for the tests.

A clean election draws, per station, a true turnout and leader share from normal
distributions and then binomial counts (so every protocol line is consistent).  Fraud is
injected as in Klimek et al. (2012, PNAS 109(41):16469): with probability ``f_incremental`` a
station gets stuffing of size x ~ |N(0, theta)|, with probability ``f_extreme`` of size
1 - |N(0, 0.075)|; size s adds floor(s * non-voters) ballots for the leader and moves
round(s^alpha * others) votes from the other options to the leader.  ``rounded`` rewrites that
fraction of protocols so that the leader's share (or turnout) is a whole percent, keeping every
control relation, as Kobak, Shpilkin and Pshenichnikov (2016, AoAS 10(1):54) describe.
Randomness comes only from the ``rng`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plebiscite.services.forensics.table import IntArray, StationTable


@dataclass(frozen=True)
class SyntheticElection:
    table: StationTable
    incremental: IntArray  # indices of stations with incremental fraud
    extreme: IntArray
    rounded: IntArray


def simulate_election(
    rng: np.random.Generator,
    n_units: int = 20_000,
    *,
    n_regions: int = 10,
    turnout: float = 0.55,
    turnout_sd: float = 0.08,
    share: float = 0.45,
    share_sd: float = 0.07,
    f_incremental: float = 0.0,
    f_extreme: float = 0.0,
    alpha: float = 1.0,
    theta: float = 0.25,
    rounded: float = 0.0,
    fraud_regions: tuple[int, ...] | None = None,
    registered_range: tuple[int, int] = (150, 3000),
) -> SyntheticElection:
    """One election of ``n_units`` stations; fraud only in ``fraud_regions`` when given."""
    lo, hi = registered_range
    N = rng.integers(lo, hi + 1, n_units).astype(np.int64)
    region = rng.integers(0, n_regions, n_units)
    a = np.clip(rng.normal(turnout, turnout_sd, n_units), 0.05, 0.95)
    v = np.clip(rng.normal(share, share_sd, n_units), 0.02, 0.95)
    G = rng.binomial(N, a).astype(np.int64)
    invalid = rng.binomial(G, 0.012).astype(np.int64)
    valid = G - invalid
    W = rng.binomial(valid, v).astype(np.int64)
    rest = valid - W
    o2 = rng.binomial(rest, 0.6).astype(np.int64)
    o3 = rest - o2
    early = rng.binomial(G, 0.02).astype(np.int64)
    outside = rng.binomial(G - early, 0.06).astype(np.int64)

    eligible = np.ones(n_units, dtype=bool)
    if fraud_regions is not None:
        eligible = np.isin(region, fraud_regions)
    u = rng.random(n_units)
    is_extreme = eligible & (u < f_extreme)
    is_incr = eligible & (u >= f_extreme) & (u < f_extreme + f_incremental)
    size = np.zeros(n_units)
    size[is_incr] = np.minimum(np.abs(rng.normal(0.0, theta, is_incr.sum())), 0.999)
    size[is_extreme] = np.clip(1 - np.abs(rng.normal(0.0, 0.075, is_extreme.sum())), 0, 1)
    stuffed = np.floor(size * (N - G)).astype(np.int64)
    stolen2 = np.round(size**alpha * o2).astype(np.int64)
    stolen3 = np.round(size**alpha * o3).astype(np.int64)
    G = G + stuffed
    W = W + stuffed + stolen2 + stolen3
    o2, o3 = o2 - stolen2, o3 - stolen3
    valid = valid + stuffed

    rounded_idx = np.zeros(0, dtype=np.int64)
    if rounded > 0:
        cand = np.flatnonzero(eligible & (rng.random(n_units) < rounded))
        rounded_idx = cand
        half = rng.random(len(cand)) < 0.5
        # Leader share rewritten to a whole percent; the others give or take the difference.
        for i in cand[half]:
            found = int(G[i])
            target = round(round(100 * W[i] / found) * found / 100)
            delta = target - int(W[i])
            if o2[i] - delta >= 0:
                W[i] += delta
                o2[i] -= delta
        # Turnout rewritten to a whole percent; the added or removed ballots are the leader's.
        for i in cand[~half]:
            target = round(round(100 * G[i] / N[i]) * N[i] / 100)
            delta = min(target - int(G[i]), int(N[i] - G[i]))
            if W[i] + delta >= 0:
                G[i] += delta
                W[i] += delta
                valid[i] += delta

    issued_in_room = G - early - outside
    votes = np.stack([W, o2, o3], axis=1).astype(np.int64)
    table = StationTable(
        source="synthetic",
        unit_ids=np.asarray([f"S{i + 1}" for i in range(n_units)], dtype=np.str_),
        regions=np.asarray([f"Region {r + 1:02d}" for r in region], dtype=np.str_),
        source_rows=np.arange(2, n_units + 2, dtype=np.int64),
        options=("Yes", "No", "Other"),
        votes=votes,
        lines={
            "registered": N,
            "issued": G,
            "issued_early": early,
            "issued_in_room": issued_in_room,
            "issued_outside": outside,
            "found": G.copy(),
            "invalid": invalid,
            "valid": valid,
        },
    )
    return SyntheticElection(
        table=table,
        incremental=np.flatnonzero(is_incr),
        extreme=np.flatnonzero(is_extreme),
        rounded=rounded_idx,
    )
