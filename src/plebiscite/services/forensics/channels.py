"""Channel shares: stations where an unusual share of ballots came through one channel.

Door-to-door (mobile box) and early voting are where the Venice Commission's Code of Good
Practice on Referendums (CDL-AD(2007)008rev, I.3.2.a) asks for "strict conditions that avoid
all risks of fraud"; Kobak, Shpilkin and Pshenichnikov (2016, AoAS 10(1):54) and the Russian
observer literature treat stations with outsized mobile-box shares as suspect.

For each channel line the input publishes (``issued_early``, ``issued_outside``, and
``issued_in_room`` for completeness) the share of the station's issued ballots is computed for
stations with at least 50 ballots issued.  Each count is first standardised as a binomial
draw at the median share m, r = (c - n m) / sqrt(n m (1 - m)), so that small and large
stations compare; a station is an outlier when r lies more than ``threshold`` robust standard
deviations above the median r (scale = 1.4826 * MAD, or 1.2533 * mean absolute deviation when
the MAD is zero, as when most stations have no early voting).  Under a normal null a
threshold of 5 flags about 3 in 10 million stations; real channel shares are overdispersed
and skewed, so the count is a pointer to stations to look at, not a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plebiscite.services.forensics.table import CHANNEL_LINES, FloatArray, IntArray, StationTable

MIN_ISSUED = 50
THRESHOLD = 5.0


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    n_units: int
    total_share: float
    median_share: float
    scale: float
    outliers: IntArray  # indices into the table, most extreme first
    outlier_shares: FloatArray
    outlier_z: FloatArray


def channel_outliers(table: StationTable, threshold: float = THRESHOLD) -> list[ChannelResult]:
    """One result per channel line present in ``table``."""
    if "issued" not in table.lines:
        return []
    issued = table.line("issued")
    sel = issued >= MIN_ISSUED
    out: list[ChannelResult] = []
    for name in CHANNEL_LINES:
        if name not in table.lines:
            continue
        count = table.line(name)
        share = np.where(sel, count / np.maximum(issued, 1), np.nan)
        values = share[sel]
        if values.size == 0:
            continue
        med = float(np.median(values))
        # Binomial standardisation first, so small and large stations are comparable; the
        # robust scale then absorbs the overdispersion real data always have.
        p = min(max(med, 1.0 / max(int(issued[sel].sum()), 1)), 0.999)
        raw = (count - issued * p) / np.sqrt(np.maximum(issued, 1) * p * (1 - p))
        raw_sel = raw[sel]
        centre = float(np.median(raw_sel))
        scale = 1.4826 * float(np.median(np.abs(raw_sel - centre)))
        if scale == 0:
            scale = 1.2533 * float(np.mean(np.abs(raw_sel - centre)))
        z = np.zeros(len(share)) if scale == 0 else np.where(sel, (raw - centre) / scale, -np.inf)
        idx = np.flatnonzero(z > threshold)
        idx = idx[np.argsort(-z[idx], kind="stable")]
        out.append(
            ChannelResult(
                channel=name,
                n_units=int(values.size),
                total_share=float(count[sel].sum() / max(int(issued[sel].sum()), 1)),
                median_share=med,
                scale=scale,
                outliers=idx,
                outlier_shares=share[idx],
                outlier_z=z[idx],
            )
        )
    return out
