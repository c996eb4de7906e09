"""The analyses per region, ranked by anomaly.

Per region: integer percentages (Kobak et al. 2016), the fingerprint corner (Klimek et al.
2012), the Sobyanin-Sukhovolsky slope and Shpilkin's excess, each as in its own module, summed
from per-station pieces so that 85 regions cost little more than one country.

The ranking score is stated so a reader can redo it:
``score = max(z_integer, 0) + 20 * corner_unit_share``: the excess of integer percentages in
standard deviations, plus one standard deviation for every 5 % of stations at >= 95 % turnout
and >= 95 % leader share.  The second term matters because the integer test leaves out
stations above 99 %, which is where the most blatant regions put nearly all their stations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plebiscite.services.forensics import integer_percentages as ip
from plebiscite.services.forensics.fingerprint import corner_mask, rates
from plebiscite.services.forensics.shpilkin import shpilkin
from plebiscite.services.forensics.sobyanin import sobyanin
from plebiscite.services.forensics.table import StationTable

CORNER_WEIGHT = 20.0


@dataclass(frozen=True)
class RegionResult:
    region: str
    n_units: int
    registered: int
    turnout: float
    leader_share: float
    integer_observed: int
    integer_expected: float
    integer_excess: float
    integer_z: float
    integer_p_value: float
    corner_units: int
    corner_unit_share: float
    corner_leader_vote_share: float
    sobyanin_slope: float
    shpilkin_excess_votes: float
    shpilkin_excess_share: float
    score: float


def per_region(
    table: StationTable, parts: ip.StationIntegerness | None = None
) -> list[RegionResult]:
    """Every region's figures, highest anomaly score first."""
    N = table.line("registered")
    G = table.line("issued")
    R = table.ballots_found
    W = table.leader_votes
    if parts is None:
        parts = ip.station_integerness(N, G, R, W)
    turnout, share = rates(N, G, R, W)
    corner = corner_mask(turnout, share)
    names, inverse = np.unique(table.regions, return_inverse=True)
    results: list[RegionResult] = []
    for k, name in enumerate(names):
        mask = inverse == k
        integ = ip.summarise(parts, mask)
        n = int(np.count_nonzero(mask))
        n_corner = int(np.count_nonzero(corner & mask))
        w_total = float(W[mask].sum())
        r_total = float(R[mask].sum())
        reg = int(N[mask].sum())
        sob = sobyanin(N, G, R, W, mask)
        sh = shpilkin(N, R, W, mask)
        corner_share = n_corner / n if n else 0.0
        score = max(integ.z, 0.0) + CORNER_WEIGHT * corner_share
        results.append(
            RegionResult(
                region=str(name),
                n_units=n,
                registered=reg,
                turnout=float(G[mask].sum()) / reg if reg else float("nan"),
                leader_share=w_total / r_total if r_total else float("nan"),
                integer_observed=integ.observed,
                integer_expected=integ.expected,
                integer_excess=integ.excess,
                integer_z=integ.z,
                integer_p_value=integ.p_value,
                corner_units=n_corner,
                corner_unit_share=corner_share,
                corner_leader_vote_share=(
                    float(W[corner & mask].sum()) / w_total if w_total else float("nan")
                ),
                sobyanin_slope=sob.slope,
                shpilkin_excess_votes=sh.excess_votes,
                shpilkin_excess_share=sh.excess_share,
                score=float(score),
            )
        )
    results.sort(key=lambda r: (-r.score, r.region))
    return results
