"""Shpilkin's estimate of excess leader votes from the turnout distribution.

Shpilkin, S. (2009). "Статистическое исследование результатов российских выборов 2007-2009
гг." (A statistical study of the results of Russian elections 2007-2009), *Troitsky Variant*
no. 40 (21), p. 2-4; Shpilkin, S. (2011), "Математика выборов-2011", *Troitsky Variant* no. 94.
Method as re-implemented in Cedar-Russia/electoral_statistics (see
``reference/forensics-audits.md`` section 1.4).

Stations are binned by turnout R/N (ballots found per registered voter, as Cedar does) in 1 %
bins [k, k + 1) %.  Per bin k the leader's votes L_k and
everyone else's O_k = R - W (valid + invalid - leader) are summed.  The assumption: in a clean
election the leader's share does not depend on turnout, so the *clean* bin k0 (by default the
peak of O_k, the votes that nobody had reason to add) shows the true ratio L/O.  Corrected
leader votes are L^_k = O_k * L_k0 / O_k0 and the excess is sum_k (L_k - L^_k); bins below the
peak count too and partly cancel.  The clean turnout is the centre of bin k0 and the clean
leader share L_k0 / (L_k0 + O_k0).  This is an estimate under an assumption, not a test: it has
no p-value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plebiscite.services.forensics.table import BoolArray, FloatArray, IntArray

N_BINS = 101  # 0 %, 1 %, ..., 100 % (turnouts above 100 % go into the last bin)


@dataclass(frozen=True)
class Shpilkin:
    n_units: int
    excess_votes: float
    excess_share: float  # of the leader's votes
    clean_turnout: float  # percent, centre of the clean bin
    clean_leader_share: float  # fraction of ballots found
    official_leader_share: float
    leader_by_bin: FloatArray
    others_by_bin: FloatArray


def turnout_bins(registered: IntArray, ballots: IntArray) -> IntArray:
    """1 % turnout bin of each station (-1 where N = 0): bin k holds [k, k + 1) %."""
    bins = np.full(len(registered), -1, dtype=np.int64)
    ok = registered > 0
    bins[ok] = np.clip((100 * ballots[ok]) // registered[ok], 0, N_BINS - 1)
    return bins


def shpilkin(
    registered: IntArray,
    found: IntArray,
    leader: IntArray,
    mask: BoolArray | None = None,
    clean_bin: int | None = None,
) -> Shpilkin:
    """Excess leader votes; ``clean_bin`` forces k0 (Cedar forces 40 % for 2020)."""
    bins = turnout_bins(registered, found)
    sel = bins >= 0
    if mask is not None:
        sel &= mask
    lead = np.bincount(bins[sel], weights=leader[sel], minlength=N_BINS).astype(np.float64)
    other = np.bincount(bins[sel], weights=(found - leader)[sel], minlength=N_BINS).astype(
        np.float64
    )
    total_leader = float(lead.sum())
    official = total_leader / float(lead.sum() + other.sum()) if other.sum() + lead.sum() else 0.0
    k0 = int(np.argmax(other)) if clean_bin is None else int(clean_bin)
    if other[k0] <= 0 or total_leader <= 0:
        nan = float("nan")
        return Shpilkin(int(np.count_nonzero(sel)), nan, nan, nan, nan, official, lead, other)
    ratio = lead[k0] / other[k0]
    excess = float(np.sum(lead - other * ratio))
    return Shpilkin(
        n_units=int(np.count_nonzero(sel)),
        excess_votes=excess,
        excess_share=excess / total_leader,
        clean_turnout=float(k0),
        clean_leader_share=float(lead[k0] / (lead[k0] + other[k0])),
        official_leader_share=official,
        leader_by_bin=lead,
        others_by_bin=other,
    )


#: A region's own clean ratio needs this many stations at or below the reference turnout.
REGION_MIN_CLEAN_UNITS = 10


@dataclass(frozen=True)
class RegionalShpilkin:
    excess_votes: float
    excess_share: float
    reference: str  # where the clean ratio came from


def shpilkin_against_reference(
    registered: IntArray,
    found: IntArray,
    leader: IntArray,
    mask: BoolArray,
    clean_bin: int,
    reference_ratio: float,
) -> RegionalShpilkin:
    """A region's excess with the clean turnout taken from a stated reference.

    A region's own turnout peak is no clean mode where nearly every station reports ~100 %
    (its peak *is* the stuffing), so the clean turnout is the reference's bin ``clean_bin``
    (the national peak of the others' votes, or ``--clean-turnout``).  The region's clean ratio
    of leader to other votes is its own stations' at or below that turnout when it has at least
    :data:`REGION_MIN_CLEAN_UNITS` of them holding 1 % of its ballots, else the reference's
    ``reference_ratio``.  The excess is the leader's votes above that ratio at the stations
    above the clean turnout, and never below zero: where the leader's share does not rise
    with turnout the estimate is 0, not a negative number of stuffed ballots.
    """
    bins = turnout_bins(registered, found)
    sel = (bins >= 0) & mask
    low = sel & (bins <= clean_bin)
    high = sel & (bins > clean_bin)
    others = found - leader
    lead_low, other_low = float(leader[low].sum()), float(others[low].sum())
    total = float(found[sel].sum())
    own = (
        np.count_nonzero(low) >= REGION_MIN_CLEAN_UNITS
        and other_low > 0
        and lead_low + other_low >= 0.01 * total
    )
    if own:
        ratio = lead_low / other_low
        reference = f"the region's own stations at or below {clean_bin} % turnout"
    else:
        ratio = reference_ratio
        reference = (
            f"the reference ratio (fewer than {REGION_MIN_CLEAN_UNITS} of the region's stations "
            f"at or below {clean_bin} % turnout)"
        )
    excess = max(0.0, float(leader[high].sum()) - float(others[high].sum()) * ratio)
    total_leader = float(leader[sel].sum())
    return RegionalShpilkin(
        excess_votes=excess,
        excess_share=excess / total_leader if total_leader else float("nan"),
        reference=reference,
    )
