"""Fit of Klimek's fraud model: the incremental and extreme fraud shares f_i and f_e.

Klimek, P., Yegorov, Y., Hanel, R., Thurner, S. (2012). "Statistical detection of systematic
election irregularities." *PNAS* 109(41):16469-16473, doi:10.1073/pnas.1210722109; the
model's form as in Mebane and Egami's ElectionFritter port (``reference/forensics-audits.md``
section 1.2).

Fair part: each unit with N voters has turnout a ~ N(a0, sa) and leader share v ~ N(v0, sv)
(truncated to [0, 1]), so W = round(N a v) and L = round(N a (1 - v)).  With probability f_i a
unit gets *incremental* fraud of size x ~ |N(0, theta)|, with probability f_e *extreme* fraud
of size y = 1 - |N(0, 0.075)| (never both).  Fraud of size s moves floor(s (N - W - L))
non-voters and round(s^alpha L) opposition votes to the leader.

The fair parameters come from the data: a0 and v0 are the peaks of the smoothed histograms
below 95 %, sv = sqrt(mean((v - v0)^2)) over v < v0 (the side fraud does not reach; the
port's factor 2 belongs to a mean over all units), sa likewise over units with v < v0 and
a < a0, and the incremental scale theta starts at (RMS of v - v0 over v > v0)^(1/2) and is
also tried at 0.1, 0.2, 0.3 and 0.45.
The fit simulates the model for every (f_i, f_e, alpha, theta) on a grid, coarse then fine, with the
same random numbers throughout, and keeps the triple whose 2-D histogram of (turnout, share)
in 5 % bins minimises sum((sim - obs)^2 / (obs + 1)), the port's distance.  f_i = f_e = 0 is
the fair model; its distance is reported too, so that the improvement can be judged.  There is
no closed-form null: the fit is validated by recovering known (f_i, f_e) from simulations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from plebiscite.services.forensics.table import FloatArray, IntArray

GRID_BINS = 20
MAX_FIT_UNITS = 20_000
ALPHAS: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0)
EXTREME_SD = 0.075
THETAS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.45)


@dataclass(frozen=True)
class KlimekFit:
    n_units: int
    f_incremental: float
    f_extreme: float
    alpha: float
    turnout_peak: float
    share_peak: float
    turnout_sd: float
    share_sd: float
    theta: float
    distance: float
    fair_distance: float


def _peak(x: FloatArray) -> float:
    counts = np.bincount(np.clip((x * 200).astype(np.int64), 0, 200), minlength=201)
    kernel = np.exp(-0.5 * (np.arange(-8, 9) / 3.0) ** 2)
    smooth = np.convolve(counts[:190].astype(np.float64), kernel / kernel.sum(), mode="same")
    return (int(np.argmax(smooth)) + 0.5) / 200.0


def _grid_index(a: FloatArray, v: FloatArray) -> IntArray:
    ai = np.clip((a * GRID_BINS).astype(np.int64), 0, GRID_BINS - 1)
    vi = np.clip((v * GRID_BINS).astype(np.int64), 0, GRID_BINS - 1)
    out: IntArray = ai * GRID_BINS + vi
    return out


def _truncated_normal(u: FloatArray, mean: float, sd: float) -> FloatArray:
    lo = stats.norm.cdf((0.0 - mean) / sd)
    hi = stats.norm.cdf((1.0 - mean) / sd)
    out: FloatArray = mean + sd * stats.norm.ppf(lo + u * (hi - lo))
    return np.clip(out, 0.0, 1.0)


def klimek_fit(
    registered: IntArray,
    votes_cast: IntArray,
    leader: IntArray,
    *,
    seed: int = 2012,
) -> KlimekFit:
    """Fit (f_i, f_e, alpha) to stations with N > 0 and 0 < votes cast <= N.

    ``votes_cast`` is the denominator of the leader's share (ballots found, or valid votes);
    turnout is votes_cast / N.
    """
    rng = np.random.default_rng(seed)
    ok = (registered > 0) & (votes_cast > 0) & (votes_cast <= registered)
    idx = np.flatnonzero(ok)
    if len(idx) > MAX_FIT_UNITS:
        idx = np.sort(rng.choice(idx, MAX_FIT_UNITS, replace=False))
    n_units = len(idx)
    if n_units < 50:
        nan = float("nan")
        return KlimekFit(n_units, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan)
    N = registered[idx].astype(np.float64)
    a = votes_cast[idx] / N
    v = leader[idx] / votes_cast[idx].astype(np.float64)
    observed = np.bincount(_grid_index(a, v), minlength=GRID_BINS**2).astype(np.float64)

    a0, v0 = _peak(a), _peak(v)
    left = v < v0
    sv = float(np.sqrt(np.mean((v[left] - v0) ** 2))) if left.any() else 0.05
    left_a = left & (a < a0)
    sa = float(np.sqrt(np.mean((a[left_a] - a0) ** 2))) if left_a.any() else 0.05
    sv, sa = max(sv, 0.005), max(sa, 0.005)
    right = v > v0
    theta0 = float(np.sqrt(np.sqrt(np.mean((v[right] - v0) ** 2)))) if right.any() else 0.1

    # Common random numbers: every grid point sees the same fair election and fraud draws.
    fair_a = _truncated_normal(rng.random(n_units), a0, sa)
    fair_v = _truncated_normal(rng.random(n_units), v0, sv)
    W = np.round(N * fair_a * fair_v)
    L = np.round(N * fair_a * (1.0 - fair_v))
    u = rng.random(n_units)
    z = np.abs(rng.standard_normal(n_units))
    y = np.clip(1.0 - np.abs(rng.normal(0.0, EXTREME_SD, n_units)), 0.0, 1.0)
    nonvoters = np.maximum(N - W - L, 0.0)

    def distance(f_i: float, f_e: float, alpha: float, theta: float) -> float:
        x = np.minimum(z * theta, 0.999)
        size = np.where(u < f_e, y, np.where(u < f_e + f_i, x, 0.0))
        stolen = np.round(size**alpha * L)
        w = W + np.floor(size * nonvoters) + stolen
        cast = w + L - stolen
        with np.errstate(divide="ignore", invalid="ignore"):
            sa_ = cast / N
            sv_ = np.where(cast > 0, w / np.maximum(cast, 1.0), 0.0)
        sim = np.bincount(_grid_index(sa_, sv_), minlength=GRID_BINS**2)
        return float(np.sum((sim - observed) ** 2 / (observed + 1.0)))

    Best = tuple[float, float, float, float, float]

    def search(
        fis: FloatArray, fes: FloatArray, alphas: tuple[float, ...], thetas: tuple[float, ...]
    ) -> Best:
        best: Best = (np.inf, 0.0, 0.0, 1.0, theta0)
        for th in thetas:
            for al in alphas:
                for fe in fes:
                    for fi in fis:
                        if fi + fe > 1.0:
                            continue
                        d = distance(float(fi), float(fe), al, th)
                        if d < best[0]:
                            best = (d, float(fi), float(fe), al, th)
        return best

    thetas = tuple(sorted({round(theta0, 3), *THETAS}))
    coarse = search(np.arange(0.0, 0.81, 0.1), np.arange(0.0, 0.161, 0.02), ALPHAS, thetas)
    _, fi0, fe0, al0, th0 = coarse
    fine_i = np.clip(np.arange(fi0 - 0.1, fi0 + 0.1001, 0.025), 0.0, 1.0)
    fine_e = np.clip(np.arange(fe0 - 0.02, fe0 + 0.0201, 0.005), 0.0, 1.0)
    d, fi, fe, al, theta = search(np.unique(fine_i), np.unique(fine_e), (al0,), (th0,))
    return KlimekFit(
        n_units=n_units,
        f_incremental=round(fi, 4),
        f_extreme=round(fe, 4),
        alpha=al,
        turnout_peak=a0,
        share_peak=v0,
        turnout_sd=sa,
        share_sd=sv,
        theta=theta,
        distance=d,
        fair_distance=distance(0.0, 0.0, 1.0, theta),
    )
