"""The report's pictures as PNG bytes (matplotlib, Agg backend, no display needed).

fingerprint: Klimek et al. (2012) 2-D histogram; turnout and leader-share histograms in 0.1-pp
bins, weighted by voters, with whole percents marked, as in Kobak et al. (2016); the comet
plot (one dot per station, size by voters); Shpilkin's votes by turnout.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from plebiscite.services.forensics.fingerprint import rates
from plebiscite.services.forensics.table import StationTable

DPI = 96


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def fingerprint_png(histogram: list[list[int]] | np.ndarray[Any, Any]) -> bytes:
    hist = np.asarray(histogram, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(5.2, 4.5))
    im = ax.imshow(
        np.log10(1.0 + hist.T),
        origin="lower",
        extent=(0, 100, 0, 100),
        cmap="magma_r",
        aspect="auto",
    )
    ax.add_patch(Rectangle((95, 95), 5, 5, fill=False, edgecolor="tab:blue", lw=1.2))
    ax.set_xlabel("turnout, %")
    ax.set_ylabel("leader's share, %")
    ax.set_title("Election fingerprint (stations per 1 % cell)")
    fig.colorbar(im, ax=ax, label="log10(1 + stations)")
    return _png(fig)


def integer_histogram_png(table: StationTable) -> bytes:
    N, G = table.line("registered"), table.line("issued")
    turnout, share = rates(N, G, table.ballots_found, table.leader_votes)
    edges = np.arange(-0.05, 100.051, 0.1)
    fig, axes = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True)
    for ax, values, label in ((axes[0], turnout, "turnout"), (axes[1], share, "leader's share")):
        ok = np.isfinite(values)
        counts, _ = np.histogram(100 * values[ok], bins=edges, weights=N[ok])
        centres = (edges[:-1] + edges[1:]) / 2
        ax.plot(centres, counts / 1e3, lw=0.6, color="black")
        whole = np.isclose(centres, np.round(centres), atol=1e-6)
        ax.plot(centres[whole], counts[whole] / 1e3, "o", ms=2, color="tab:red")
        ax.set_ylabel("thousand voters")
        ax.set_title(f"{label} in 0.1-point bins (red: whole percents)", fontsize=10)
    axes[1].set_xlabel("%")
    fig.tight_layout()
    return _png(fig)


def comet_png(table: StationTable) -> bytes:
    N, G = table.line("registered"), table.line("issued")
    turnout, share = rates(N, G, table.ballots_found, table.leader_votes)
    ok = np.isfinite(turnout) & np.isfinite(share)
    size = np.clip(N[ok] / 1000.0, 0.05, 4.0)
    fig, ax = plt.subplots(figsize=(5.2, 4.5))
    ax.scatter(
        100 * np.minimum(turnout[ok], 1.0),
        100 * share[ok],
        s=size,
        alpha=0.15,
        linewidths=0,
        color="tab:blue",
        rasterized=True,
    )
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel("turnout, %")
    ax.set_ylabel("leader's share, %")
    ax.set_title("Comet plot (one dot per station)")
    return _png(fig)


def shpilkin_png(leader_by_bin: list[float], others_by_bin: list[float], clean: float) -> bytes:
    lead = np.asarray(leader_by_bin, dtype=np.float64)
    other = np.asarray(others_by_bin, dtype=np.float64)
    k = np.arange(len(lead))
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(k, lead / 1e3, label="leader", color="tab:red")
    ax.plot(k, other / 1e3, label="all others", color="tab:blue")
    k0 = int(clean)
    if 0 <= k0 < len(lead) and other[k0] > 0:
        ax.plot(
            k, other * lead[k0] / other[k0] / 1e3, "--", color="tab:red", label="leader if clean"
        )
        ax.axvline(k0, color="grey", lw=0.8)
    ax.set_xlabel("turnout (ballots found / voters), 1 % bins")
    ax.set_ylabel("thousand votes")
    ax.legend(frameon=False)
    ax.set_title("Votes by turnout (Shpilkin)")
    fig.tight_layout()
    return _png(fig)
