"""The report's plain tables: the national summary, rows left out, and counts by channel.

* ``national``: units, voters on the list, ballots issued and found, turnout, and each option's
  votes with its share of the valid votes (the sum of the options) and of ballots found;
* ``unpublished``: rows whose figures were never published, per region: stations, and voters
  on the list where the row gives them (a finding in itself: who did not publish);
* ``partial``: rows with some figures missing, each with its source row and empty columns;
  both are left out of every test;
* ``breakdown``: the counts by channel or voting day a source publishes (NIST ``VoteCounts``
  of types other than total, a plebiscite record's channel and day cells), with the leader's
  share in each and, where the cell and the rest of its unit both hold at least
  ``MIN_BREAKDOWN_VOTES`` votes, ``z_vs_rest``: the two-proportion z of the leader's share in
  the cell against the rest of the unit's cells of the same level (standard deviations under
  the null that the cell's voters vote like the rest; door-to-door boxes that favour the
  leader far more than the stations show up here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plebiscite.services.forensics.table import StationTable

Json = dict[str, Any]

MAX_LISTED_ROWS = 200
MIN_BREAKDOWN_VOTES = 30


def national(table: StationTable) -> Json:
    votes = table.votes.sum(axis=0)
    valid = int(votes.sum())
    found = int(table.ballots_found.sum())
    out: Json = {
        "units": table.n_units,
        "regions": len(np.unique(table.regions)),
        "registered": int(table.line("registered").sum()) if table.has("registered") else None,
        "issued": int(table.line("issued").sum()) if table.has("issued") else None,
        "found": found,
        "valid": valid,
        "turnout": None,
        "options": [
            {
                "option": option,
                "votes": int(v),
                "share_of_valid": int(v) / valid if valid else None,
                "share_of_found": int(v) / found if found else None,
            }
            for option, v in zip(table.options, votes, strict=True)
        ],
        "unpublished_units": len(table.unpublished),
        "partial_units": len(table.partial),
    }
    by_region = table.info.get("registered_by_region")
    if out["registered"] is None and by_region:
        out["registered"] = int(sum(by_region.values()))
        out["registered_note"] = "published per region only"
    if out["registered"]:
        counted = out["issued"] if out["issued"] is not None else found
        out["turnout"] = counted / out["registered"]
    return out


def unpublished(table: StationTable) -> Json:
    regions: dict[str, Json] = {}
    for row in table.unpublished:
        entry = regions.setdefault(
            row.region, {"region": row.region, "units": 0, "registered": None, "rows": []}
        )
        entry["units"] += 1
        if row.registered is not None:
            entry["registered"] = (entry["registered"] or 0) + row.registered
        if len(entry["rows"]) < 20:
            entry["rows"].append(row.row)
    known = [r.registered for r in table.unpublished if r.registered is not None]
    return {
        "units": len(table.unpublished),
        "units_with_registered": len(known),
        "registered": sum(known),
        "by_region": sorted(regions.values(), key=lambda e: (-e["units"], e["region"])),
        "note": "rows with no figures at all (or only voters on the list); left out of every test",
    }


def partial(table: StationTable) -> Json:
    return {
        "units": len(table.partial),
        "rows": [
            {"row": r.row, "unit": r.unit, "region": r.region, "empty": list(r.empty)}
            for r in table.partial[:MAX_LISTED_ROWS]
        ],
        "note": "rows with some figures missing; left out of every test",
    }


def breakdown(table: StationTable) -> list[Json]:
    leader = table.leader if table.options else None
    items = list(table.info.get("breakdown", []))
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, item in enumerate(items):
        key = (str(item.get("contest")), str(item["unit"]), str(item.get("level", "channel")))
        groups.setdefault(key, []).append(i)
    out = []
    for i, item in enumerate(items):
        votes = item["votes"]
        total = sum(votes.values())
        lead = votes.get(leader, 0) if leader else 0
        key = (str(item.get("contest")), str(item["unit"]), str(item.get("level", "channel")))
        rest_total = sum(sum(items[j]["votes"].values()) for j in groups[key] if j != i)
        rest_lead = sum(items[j]["votes"].get(leader, 0) for j in groups[key] if j != i)
        z = None
        if leader and total >= MIN_BREAKDOWN_VOTES and rest_total >= MIN_BREAKDOWN_VOTES:
            pooled = (lead + rest_lead) / (total + rest_total)
            sd = (pooled * (1 - pooled) * (1 / total + 1 / rest_total)) ** 0.5
            z = (lead / total - rest_lead / rest_total) / sd if sd > 0 else 0.0
        out.append(
            {
                **item,
                "leader_share": (lead / total) if total and leader else None,
                "z_vs_rest": z,
            }
        )
    return out
