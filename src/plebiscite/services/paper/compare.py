"""The paper count set against the encrypted one, from an election record alone
(``docs/paper.md`` section 8; ``plebiscite paper compare --record DIR``).

The decrypted results publish cells (region, district, precinct, channel, voting day), small
cells merged under the small-cell rule (``docs/tally.md`` section 2).  For every published cell
the paper side is summed from the protocols in force of the precincts the cell covers (a
merged cell: all its precincts; a district: all the district's precincts), so the comparison
is made exactly where the decrypted count may be published and nowhere finer:

* region, district and precinct cells: each option's votes and the ballots (valid + invalid on
  paper, every counted ballot in the decrypted cell);
* channel cells: ballots issued on paper through the channel's line (makeshift station: line 3,
  issued early; regular station: line 4; door to door: line 5) against the cell's ballots;
* voting-day cells: the day's custody acts (every box of the region) against the cell's
  ballots, when acts are on the board.

Every difference is listed; precincts without a protocol in force are named (their cell is
then compared with what the other precincts' protocols say).  Precincts annulled by a decided
complaint are left out of the paper side and named.  Multi-question regions compare the first
question's lines for channels and days (one ballot paper per voter).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plebiscite.crypto.hashing import canonical_json
from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_load import parse_manifest_json
from plebiscite.domain.paper import (
    BoxKind,
    Complaint,
    CustodyAct,
    Protocol,
    parse_complaint,
    parse_custody_act,
    parse_protocol,
)
from plebiscite.domain.paper_signing import body_of
from plebiscite.errors import InputError, RecordError
from plebiscite.record.codec import decode_event
from plebiscite.record.events import EventType
from plebiscite.record.export import EVENTS, MANIFEST

CHANNEL_LINE = {
    "makeshift_station": "issued_early",
    "regular_station": "issued_in_station",
    "mobile_team": "issued_at_home",
    "door_to_door": "issued_at_home",  # the count's one door-to-door cell per region
}
#: Below the region the decrypted cells hold booth ballots only (door-to-door ballots are
#: counted per region, ``docs/tally.md`` 2), and a protocol gives its votes for all channels
#: together: there only the booth ballots issued are compared, never the votes.
BOOTH_LINES = ("issued_early", "issued_in_station")


@dataclass(frozen=True)
class Row:
    """One published cell, paper beside decrypted."""

    region: str
    question: str
    level: str
    cell: str
    units: tuple[str, ...]
    paper: dict[str, int]  # option -> votes, and "ballots"
    decrypted: dict[str, int]
    missing: tuple[str, ...] = ()  # precincts without a protocol in force
    annulled: tuple[str, ...] = ()

    @property
    def differences(self) -> dict[str, int]:
        keys = sorted(set(self.paper) | set(self.decrypted))
        diff = {k: self.paper.get(k, 0) - self.decrypted.get(k, 0) for k in keys}
        return {k: v for k, v in diff.items() if v}

    def to_json(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "question": self.question,
            "level": self.level,
            "cell": self.cell,
            "units": list(self.units),
            "paper": self.paper,
            "decrypted": self.decrypted,
            "differences": self.differences,
            "missing_protocols": list(self.missing),
            "annulled": list(self.annulled),
        }


@dataclass
class Comparison:
    rows: list[Row] = field(default_factory=list)
    protocols: int = 0

    @property
    def differing(self) -> list[Row]:
        return [r for r in self.rows if r.differences]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "plebiscite-paper-compare-v1",
            "protocols": self.protocols,
            "cells": len(self.rows),
            "differing_cells": len(self.differing),
            "rows": [r.to_json() for r in self.rows],
        }


def compare(
    manifest: Manifest,
    protocols: Iterable[Protocol],
    acts: Iterable[CustodyAct],
    complaints: Iterable[Complaint],
    results: dict[str, Any],
) -> Comparison:
    """Paper beside decrypted for every published cell of ``results``."""
    current: dict[tuple[str, str], Protocol] = {}
    for p in protocols:
        key = (p.precinct_id, p.question_id)
        if key not in current or p.version > current[key].version:
            current[key] = p
    latest: dict[str, Complaint] = {c.complaint_id: c for c in complaints}
    annulled = {c.precinct_id for c in latest.values() if c.annuls}
    acts = list(acts)
    out = Comparison(protocols=len(current))
    for region in results["regions"]:
        rid = str(region["region"])
        precincts = [p for p in manifest.precincts if p.region_id == rid]
        district_of = {p.id: p.district_id for p in precincts}
        first_q = str(region["questions"][0]["question"])

        for cell in [
            {**region, "id": f"region:{rid}", "level": "region", "units": [rid]},
            *region["cells"],
        ]:
            level = cell["level"]
            if level in ("region", "district", "precinct"):
                members = _covered(district_of, level, cell["units"])
                booth_only = level != "region"
                for qi, q in enumerate(cell["questions"]):
                    qid = str(q["question"])
                    if booth_only and qi > 0:
                        continue  # the ballots issued are the same for every question
                    paper: dict[str, int] = {} if booth_only else {o: 0 for o in q["options"]}
                    paper["ballots"] = 0
                    missing: list[str] = []
                    gone: list[str] = []
                    for precinct in members:
                        if precinct in annulled:
                            gone.append(precinct)
                            continue
                        found = current.get((precinct, qid))
                        if found is None:
                            missing.append(precinct)
                            continue
                        if booth_only:
                            paper["ballots"] += sum(found.line(line) for line in BOOTH_LINES)
                            continue
                        for option, n in found.options.items():
                            paper[option] = paper.get(option, 0) + n
                        paper["ballots"] += found.line("valid") + found.line("invalid")
                    decrypted = {} if booth_only else {o: int(n) for o, n in q["options"].items()}
                    decrypted["ballots"] = (
                        int(cell["ballots"])
                        if qi == 0
                        else sum(decrypted.values()) + int(q.get("blank", 0))
                    )
                    out.rows.append(
                        Row(
                            rid,
                            qid,
                            level,
                            str(cell["id"]),
                            tuple(cell["units"]),
                            paper,
                            decrypted,
                            tuple(missing),
                            tuple(gone),
                        )
                    )
            elif level == "channel":
                lines = [CHANNEL_LINE[u] for u in cell["units"] if u in CHANNEL_LINE]
                total = sum(
                    current[(p, first_q)].line(line)
                    for p in district_of
                    if (p, first_q) in current and p not in annulled
                    for line in lines
                )
                without = tuple(p for p in district_of if (p, first_q) not in current)
                out.rows.append(
                    Row(
                        rid,
                        first_q,
                        level,
                        str(cell["id"]),
                        tuple(cell["units"]),
                        {"ballots": total},
                        {"ballots": int(cell["ballots"])},
                        without,
                    )
                )
            elif level == "day" and acts:
                dates = {manifest.days[int(u) - 1].date for u in cell["units"]}
                total = sum(  # booth boxes only: day cells hold booth ballots
                    a.count
                    for a in acts
                    if a.precinct_id in district_of
                    and a.date in dates
                    and a.precinct_id not in annulled
                    and a.box_kind is not BoxKind.MOBILE
                )
                out.rows.append(
                    Row(
                        rid,
                        first_q,
                        level,
                        str(cell["id"]),
                        tuple(cell["units"]),
                        {"ballots": total},
                        {"ballots": int(cell["ballots"])},
                    )
                )
    return out


def _covered(district_of: dict[str, str], level: str, units: Iterable[str]) -> list[str]:
    """The precincts a cell covers."""
    if level == "district":
        wanted = set(units)
        return [p for p, d in district_of.items() if d in wanted]
    if level == "precinct":
        return list(units)
    return list(district_of)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (is this an election record?)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None


def compare_record(directory: Path) -> Comparison:
    """Read ``manifest.json``, the paper events of ``events.jsonl`` and ``results.json``."""
    if not directory.is_dir():
        raise InputError(f"{directory}: not a folder (an election record is a folder)")
    document = _read_json(directory / MANIFEST)
    manifest = parse_manifest_json(
        canonical_json(document.get("manifest", document)), str(directory / MANIFEST)
    )
    results = _read_json(directory / "results.json")
    protocols: list[Protocol] = []
    acts: list[CustodyAct] = []
    complaints: list[Complaint] = []
    events = directory / EVENTS
    if not events.is_file():
        raise InputError(f"{events}: no such file (is this an election record?)")
    with events.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            where = f"{events} line {number}"
            try:
                event = decode_event(raw.rstrip(b"\n"), where=where)
                if event.type is EventType.PROTOCOL:
                    protocols.append(parse_protocol(body_of(event.payload), where))
                elif event.type is EventType.CUSTODY_ACT:
                    acts.append(parse_custody_act(body_of(event.payload), where))
                elif event.type is EventType.COMPLAINT:
                    complaints.append(parse_complaint(event.payload, where))
            except RecordError as exc:
                raise InputError(str(exc)) from None
    try:
        return compare(manifest, protocols, acts, complaints, results)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(
            f"{directory / 'results.json'}: not results of the expected shape ({exc!r})"
        ) from None
