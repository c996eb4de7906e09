"""Sobyanin-Sukhovolsky regression: how leader votes grow with turnout.

Sobyanin, A. A., Sukhovolsky, V. G. (1995). *Демократия, ограниченная фальсификациями:
выборы и референдумы в России в 1991-1993 гг.* (Democracy limited by falsification: elections
and referendums in Russia 1991-1993). Moscow: Project Group for Human Rights.

Across stations, regress the leader's votes per registered voter, W/N, on turnout G/N by
ordinary least squares (unweighted, stations with 0 < G <= N).  If the extra turnout at high-
turnout stations came from ordinary voters, the slope would equal the leader's overall share;
a slope above 1 together with a negative slope for everyone else (R - W)/N means that each
extra ballot added more than one vote to the leader, i.e. ballots went to the leader and
votes were taken from the others.  The test statistic is the slope with its OLS standard error;
the null of "ordinary voters" is slope = leader share, tested with a t statistic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from plebiscite.services.forensics.table import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Sobyanin:
    n_units: int
    slope: float
    slope_se: float
    intercept: float
    others_slope: float
    leader_share: float
    t: float
    p_value: float


def _ols(x: FloatArray, y: FloatArray) -> tuple[float, float, float]:
    """Slope, its standard error and the intercept."""
    n = len(x)
    if n < 3:
        return float("nan"), float("nan"), float("nan")
    xm, ym = x.mean(), y.mean()
    sxx = float(np.sum((x - xm) ** 2))
    if sxx == 0:
        return float("nan"), float("nan"), float("nan")
    slope = float(np.sum((x - xm) * (y - ym)) / sxx)
    intercept = float(ym - slope * xm)
    resid = y - intercept - slope * x
    se = float(np.sqrt(np.sum(resid**2) / (n - 2) / sxx))
    return slope, se, intercept


def sobyanin(
    registered: IntArray,
    issued: IntArray,
    found: IntArray,
    leader: IntArray,
    mask: BoolArray | None = None,
) -> Sobyanin:
    """Slope of W/N on G/N, and of (R - W)/N on G/N, over stations with 0 < G <= N."""
    sel = (registered > 0) & (issued > 0) & (issued <= registered)
    if mask is not None:
        sel &= mask
    n = registered[sel].astype(np.float64)
    x = issued[sel] / n
    y = leader[sel] / n
    y_other = (found[sel] - leader[sel]) / n
    slope, se, intercept = _ols(x, y)
    other, _, _ = _ols(x, y_other)
    total_found = float(found[sel].sum())
    share = float(leader[sel].sum()) / total_found if total_found > 0 else float("nan")
    t = (slope - share) / se if se and np.isfinite(se) and se > 0 else float("nan")
    p = float(stats.norm.sf(t)) if np.isfinite(t) else float("nan")
    return Sobyanin(
        n_units=int(np.count_nonzero(sel)),
        slope=slope,
        slope_se=se,
        intercept=intercept,
        others_slope=other,
        leader_share=share,
        t=float(t),
        p_value=p,
    )
