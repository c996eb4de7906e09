"""The analyses per region, ranked by anomaly.

Per region: integer percentages (Kobak et al. 2016), the fingerprint corner (Klimek et al.
2012), the Sobyanin-Sukhovolsky slope and Shpilkin's excess, each as in its own module, summed
from per-station pieces so that 85 regions cost little more than one country.  Each figure is
``None`` where the region has fewer units than the method's minimum (``limits.MIN_UNITS``).
Shpilkin's clean turnout for a region is the national one (a stated reference, see
:func:`.shpilkin.shpilkin_against_reference`), so no region's estimate is negative.

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
from plebiscite.services.forensics.limits import enough, floor_p
from plebiscite.services.forensics.shpilkin import shpilkin_against_reference
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
    integer_units: int
    integer_observed: int | None
    integer_expected: float | None
    integer_excess: float | None
    integer_z: float | None
    integer_p_value: float | None
    corner_units: int
    corner_unit_share: float
    corner_leader_vote_share: float
    sobyanin_slope: float | None
    shpilkin_excess_votes: float | None
    shpilkin_excess_share: float | None
    shpilkin_reference: str | None
    score: float


def per_region(
    table: StationTable,
    parts: ip.StationIntegerness | None = None,
    *,
    clean_bin: int | None = None,
    reference_ratio: float | None = None,
) -> list[RegionResult]:
    """Every region's figures, highest anomaly score first.

    ``clean_bin`` and ``reference_ratio`` are the national Shpilkin clean turnout (percent) and
    leader-to-others ratio there; without them no region gets a Shpilkin estimate.
    """
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
        sh = None
        if clean_bin is not None and reference_ratio is not None:
            sh = shpilkin_against_reference(N, R, W, mask, clean_bin, reference_ratio)
        corner_share = n_corner / n if n else 0.0
        integer_ok = enough("integer_percentages", integ.n_units)
        z = integ.z if integer_ok else None
        score = max(z or 0.0, 0.0) + CORNER_WEIGHT * corner_share
        results.append(
            RegionResult(
                region=str(name),
                n_units=n,
                registered=reg,
                turnout=float(G[mask].sum()) / reg if reg else float("nan"),
                leader_share=w_total / r_total if r_total else float("nan"),
                integer_units=integ.n_units,
                integer_observed=integ.observed if integer_ok else None,
                integer_expected=integ.expected if integer_ok else None,
                integer_excess=integ.excess if integer_ok else None,
                integer_z=z,
                integer_p_value=floor_p(integ.p_value) if integer_ok else None,
                corner_units=n_corner,
                corner_unit_share=corner_share,
                corner_leader_vote_share=(
                    float(W[corner & mask].sum()) / w_total if w_total else float("nan")
                ),
                sobyanin_slope=sob.slope if enough("sobyanin", sob.n_units) else None,
                shpilkin_excess_votes=None if sh is None else sh.excess_votes,
                shpilkin_excess_share=None if sh is None else sh.excess_share,
                shpilkin_reference=None if sh is None else sh.reference,
                score=float(score),
            )
        )
    results.sort(key=lambda r: (-r.score, r.region))
    return results
