"""Channel shares: stations where an unusual share of ballots came through one channel.

Door-to-door (mobile box) and early voting are where the Venice Commission's Code of Good
Practice on Referendums (CDL-AD(2007)008rev, I.3.2.a) asks for "strict conditions that avoid
all risks of fraud"; Kobak, Shpilkin and Pshenichnikov (2016, AoAS 10(1):54) and the Russian
observer literature treat stations with outsized mobile-box shares as suspect.

Like is compared with like.  Stations abroad (regions named "за пределами", "Зарубежная",
Baikonur), where early voting is the normal way to vote, form one class; every other region is
a class of its own, since how much a channel is used is set regionally (remote regions vote
early, rural ones at home).  Within a class of at least ``MIN_UNITS["channels"]`` stations with
50 or more ballots issued, each station's share s = c / n of its issued ballots through the
channel gets the standardised score

    z = (s - m) / sqrt(p (1 - p) / n + tau^2),

with m the class's median share, p its pooled share (sum c / sum n) and tau the robust spread
of the shares between its stations (1.4826 * MAD, or 1.2533 * mean absolute deviation when the
MAD is zero, as when most stations have no early voting).  The denominator is the standard
deviation of a station's share when its ballots are binomial around the class's share and
stations differ by tau: z is in standard deviations of the class, never a degenerate scale.  A
channel no station of a class uses scores 0.  Outliers have z above 5.  Real channel shares are
skewed, so the count points to stations to look at; it is not a test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from plebiscite.services.forensics.limits import MIN_UNITS
from plebiscite.services.forensics.table import (
    CHANNEL_LINES,
    BoolArray,
    FloatArray,
    IntArray,
    StationTable,
)

MIN_ISSUED = 50
THRESHOLD = 5.0
ABROAD = re.compile(r"за\s+пределами|зарубежн|байконур|abroad|overseas", re.IGNORECASE)


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    n_units: int  # stations scored
    not_scored: int  # stations with enough ballots in classes below the minimum
    n_classes: int
    abroad_units: int
    total_share: float  # over the stations scored
    abroad_share: float | None
    median_share: float  # median of the class medians
    outliers: IntArray  # indices into the table, most extreme first
    outlier_shares: FloatArray
    outlier_z: FloatArray
    outlier_class: tuple[str, ...]


def abroad_mask(regions: np.ndarray) -> BoolArray:
    names = np.unique(regions)
    abroad = {str(n) for n in names if ABROAD.search(str(n))}
    out: BoolArray = np.isin(regions, list(abroad)) if abroad else np.zeros(len(regions), bool)
    return out


def station_classes(table: StationTable) -> np.ndarray:
    """The class of each station: ``abroad`` or its region."""
    return np.where(abroad_mask(table.regions), "abroad", table.regions)


def _spread(values: FloatArray) -> float:
    centre = float(np.median(values))
    mad = 1.4826 * float(np.median(np.abs(values - centre)))
    return mad if mad > 0 else 1.2533 * float(np.mean(np.abs(values - centre)))


def channel_outliers(table: StationTable, threshold: float = THRESHOLD) -> list[ChannelResult]:
    """One result per channel line present in ``table``."""
    if "issued" not in table.lines:
        return []
    issued = table.line("issued")
    sel = issued >= MIN_ISSUED
    classes = station_classes(table)
    abroad = classes == "abroad"
    names, inverse = np.unique(classes, return_inverse=True)
    out: list[ChannelResult] = []
    for name in CHANNEL_LINES:
        if name not in table.lines:
            continue
        count = table.line(name)
        share = count / np.maximum(issued, 1)
        z = np.full(len(share), np.nan)
        medians: list[float] = []
        not_scored = 0
        for k in range(len(names)):
            members = np.flatnonzero(sel & (inverse == k))
            if len(members) < MIN_UNITS["channels"]:
                not_scored += len(members)
                continue
            s, n = share[members], issued[members].astype(np.float64)
            m = float(np.median(s))
            p = float(count[members].sum() / n.sum())
            tau = _spread(s)
            sd = np.sqrt(p * (1.0 - p) / n + tau**2)
            z[members] = np.where(sd > 0, (s - m) / np.where(sd > 0, sd, 1.0), 0.0)
            medians.append(m)
        scored = np.isfinite(z)
        if not scored.any() and not_scored == 0:
            continue
        idx = np.flatnonzero(scored & (np.nan_to_num(z, nan=-np.inf) > threshold))
        idx = idx[np.argsort(-z[idx], kind="stable")]
        dom = scored & ~abroad
        ab = sel & abroad
        out.append(
            ChannelResult(
                channel=name,
                n_units=int(np.count_nonzero(scored)),
                not_scored=not_scored,
                n_classes=len(medians),
                abroad_units=int(np.count_nonzero(ab)),
                total_share=float(count[dom].sum() / max(int(issued[dom].sum()), 1)),
                abroad_share=(
                    float(count[ab].sum() / max(int(issued[ab].sum()), 1)) if ab.any() else None
                ),
                median_share=float(np.median(medians)) if medians else float("nan"),
                outliers=idx,
                outlier_shares=share[idx],
                outlier_z=z[idx],
                outlier_class=tuple(str(classes[i]) for i in idx[:50]),
            )
        )
    return out
