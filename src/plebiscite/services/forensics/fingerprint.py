"""The election fingerprint: the 2-D histogram of turnout against the leader's share.

Klimek, P., Yegorov, Y., Hanel, R., Thurner, S. (2012). "Statistical detection of systematic
election irregularities." *PNAS* 109(41):16469-16473, doi:10.1073/pnas.1210722109.

Fair elections give one compact cluster.  Ballot stuffing smears it towards the top right and,
where results were simply written down, piles stations up at 100 % turnout and 100 % for the
leader.  Turnout is a = G/N and the leader's share v = W/R (Kobak's conventions).  Reported:
the histogram itself (1 % bins) and the *corner*, the stations with a >= 95 % and v >= 95 %:
their number, their share of all stations and their share of all leader votes.  The fit of the
fraud model (f_i, f_e) is in :mod:`.klimek`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plebiscite.services.forensics.table import BoolArray, FloatArray, IntArray

CORNER = 0.95
BINS = 100


@dataclass(frozen=True)
class Fingerprint:
    n_units: int
    corner_units: int
    corner_unit_share: float
    corner_leader_vote_share: float
    histogram: FloatArray  # shape (BINS, BINS): [turnout bin, share bin]


def rates(
    registered: IntArray, issued: IntArray, found: IntArray, leader: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Turnout G/N and leader share W/R, NaN where the denominator is zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        turnout = np.where(registered > 0, issued / np.maximum(registered, 1), np.nan)
        share = np.where(found > 0, leader / np.maximum(found, 1), np.nan)
    return turnout, share


def corner_mask(turnout: FloatArray, share: FloatArray) -> BoolArray:
    with np.errstate(invalid="ignore"):
        out: BoolArray = (turnout >= CORNER) & (share >= CORNER)
    return out


def fingerprint(
    registered: IntArray,
    issued: IntArray,
    found: IntArray,
    leader: IntArray,
    mask: BoolArray | None = None,
) -> Fingerprint:
    """Histogram and corner counts over the units in ``mask`` (all when None)."""
    turnout, share = rates(registered, issued, found, leader)
    sel = np.ones(len(registered), dtype=bool) if mask is None else mask
    t, s, w = turnout[sel], share[sel], leader[sel]
    corner = corner_mask(t, s)
    ok = np.isfinite(t) & np.isfinite(s)
    ti = np.clip((np.minimum(t[ok], 1.0) * BINS).astype(np.int64), 0, BINS - 1)
    si = np.clip((np.minimum(s[ok], 1.0) * BINS).astype(np.int64), 0, BINS - 1)
    hist = np.bincount(ti * BINS + si, minlength=BINS * BINS).reshape(BINS, BINS)
    n = int(np.count_nonzero(sel))
    total_w = float(w.sum())
    return Fingerprint(
        n_units=n,
        corner_units=int(np.count_nonzero(corner)),
        corner_unit_share=float(np.count_nonzero(corner)) / n if n else float("nan"),
        corner_leader_vote_share=float(w[corner].sum()) / total_w if total_w else float("nan"),
        histogram=hist.astype(np.float64),
    )
