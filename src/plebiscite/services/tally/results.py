"""Publishing the results: ``results.json``, the NIST file, its sidecar and the charts.

``results.json`` is the ``results`` board event's payload plus what readers want at a glance
(turnout and shares as percentages, ballot dispositions: :mod:`plebiscite.domain.results`).
Charts: one PNG per region with the yes/no counts by channel and by voting day, drawn from the
published (small-cell merged) cells.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.nist import build_report, sidecar
from plebiscite.domain.results import counted_in_tally, dispositions, summary
from plebiscite.record.board import Entry
from plebiscite.record.events import EventType
from plebiscite.services.tally.nist import validate

CHANNEL_NAMES = {
    "mobile_team": "door to door",
    "door_to_door": "door to door",
    "makeshift_station": "makeshift station",
    "regular_station": "regular station",
}


def ballot_dispositions(entries: Iterable[Entry]) -> dict[str, int]:
    """How many ballots were cast and challenged on the board, and, once the encrypted tally is
    on it, how many cast ballots it counts and how many it set aside (door-to-door ballots of
    voters who also voted in a booth). Only these totals exist: no entry says which ballot was
    set aside (``docs/privacy.md``). The rule is :func:`plebiscite.domain.results.dispositions`.
    """
    cast = challenged = 0
    counted: int | None = None
    for entry in entries:
        if entry.event.type is EventType.BALLOT_CAST:
            cast += 1
        elif entry.event.type is EventType.BALLOT_CHALLENGED:
            challenged += 1
        elif entry.event.type is EventType.ENCRYPTED_TALLY:
            counted = counted_in_tally(entry.event.payload.get("cells", []))
    return dispositions(cast, challenged, counted)


def write_chart(region: dict[str, Any], manifest: Manifest, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    question = region["questions"][0]
    options = list(question["options"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, level, title in ((axes[0], "channel", "by channel"), (axes[1], "day", "by day")):
        cells = [c for c in region["cells"] if c["level"] == level]
        labels = []
        for cell in cells:
            units = cell["units"]
            if level == "channel":
                name = " + ".join(CHANNEL_NAMES.get(u, u) for u in units)
            else:
                name = " + ".join(
                    f"day {u} ({manifest.days[int(u) - 1].date:%a %d})" for u in units
                )
            labels.append(name)
        bottom = [0] * len(cells)
        for option in options:
            values = [c["questions"][0]["options"][option] for c in cells]
            ax.bar(labels, values, bottom=bottom, label=option)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(f"{region['name']}: {title}")
        ax.set_ylabel("ballots")
        ax.tick_params(axis="x", labelrotation=20)
        if not cells:
            ax.text(
                0.5, 0.5, "merged under the small-cell rule", ha="center", transform=ax.transAxes
            )
    axes[0].legend()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(
    out: Path,
    manifest: Manifest,
    results: dict[str, Any],
    dispositions: dict[str, int],
    *,
    generated: dt.datetime,
    is_test: bool,
) -> dict[str, Path]:
    """Write every results file into ``out``; return their paths by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "results": out / "results.json",
        "nist": out / "results-nist.json",
        "sidecar": out / "results-sidecar.json",
    }
    paths["results"].write_text(
        json.dumps(summary(results, dispositions), indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    report = build_report(manifest, results, generated, is_test=is_test)
    problems = validate(report)
    if problems:  # pragma: no cover - the report builder and the schema disagree
        raise AssertionError("NIST report fails its own schema: " + "; ".join(problems[:5]))
    paths["nist"].write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", "utf-8")
    paths["sidecar"].write_text(
        json.dumps(sidecar(manifest, results, dispositions), indent=1) + "\n", "utf-8"
    )
    charts = out / "charts"
    charts.mkdir(exist_ok=True)
    for region in results["regions"]:
        path = charts / f"{region['region']}.png"
        write_chart(region, manifest, path)
        paths[f"chart:{region['region']}"] = path
    return paths
