"""The report's plain tables: the national summary, rows left out, and counts by channel.

* ``national``: units, voters on the list, ballots issued and found, turnout, and each option's
  votes with its share of the valid votes (the sum of the options) and of ballots found;
* ``unpublished``: rows whose figures were never published, per region: stations, and voters
  on the list where the row gives them (a finding in itself: who did not publish);
* ``partial``: rows with some figures missing, each with its source row and empty columns;
  both are left out of every test;
* ``breakdown``: the counts by channel or voting day a source publishes (NIST ``VoteCounts``
  of types other than total, a plebiscite record's channel and day cells), with the leader's
  share in each.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from plebiscite.services.forensics.table import StationTable

Json = dict[str, Any]

MAX_LISTED_ROWS = 200


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
    out = []
    for item in table.info.get("breakdown", []):
        votes = item["votes"]
        total = sum(votes.values())
        out.append(
            {
                **item,
                "leader_share": (votes.get(leader, 0) / total) if total and leader else None,
            }
        )
    return out
