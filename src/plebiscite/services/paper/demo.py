"""The demo's paper count: precinct protocols and daily custody acts as the commissions would
file them, with a few deliberate differences (``docs/paper.md`` section 8).

From what the simulation knows a commission would count (the counted ballots per precinct,
channel and voting day) each precinct files, per question, a protocol whose every control
relation holds, and for each day a box was used a custody act, so the verifier's paper checks
(V40-V43) pass.  Then, so that ``plebiscite paper compare`` has something to find:

* in ``rewritten`` precincts the protocol moves up to 3 votes from the last option to the first
  (the arithmetic still balances: a rewritten protocol keeps its control relations);
* in one more precinct the first protocol has a miscount of one vote between the options,
  corrected by version 2 with a reason (the earlier one stays on the board).

Every record is filed by the precinct commission's device (:func:`enrol_commissions`): one
device per precinct, enrolled at the precinct's regular station (a makeshift one where it has
none) before voting opens, which ends its ballot chain at once (it casts no ballot) and signs
each protocol and act (``docs/paper.md`` section 9), so the verifier's V49 passes too.

Only a demo does this: a real count comes from people, not from the simulation.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping
from typing import Any

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.ballot import genesis_code
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import RollEntry
from plebiscite.record.board import Board
from plebiscite.record.events import Event, EventType
from plebiscite.services.paper.filing import submit
from plebiscite.services.paper.signing import KINDS, sign_submission
from plebiscite.services.voting.chain_ends import ChainEnds, sign_chain_end

#: precinct -> (device id, its key): the commissions' filing devices
Commissions = dict[str, tuple[str, SigningKey]]

#: (precinct, channel, ISO date) -> question -> option -> counted ballots
Cells = Mapping[tuple[str, str, str], Mapping[str, Mapping[str, int]]]

_CHANNEL_LINE = {
    "makeshift_station": "issued_early",
    "regular_station": "issued_in_station",
    "mobile_team": "issued_at_home",
}


def enrol_commissions(board: Board, manifest: Manifest, at: dt.datetime) -> Commissions:
    """Enrol one filing device per precinct (``commission-<precinct>``) at its regular station,
    or its makeshift one, and end its ballot chain empty; its key stays with the caller."""
    digest = manifest_hash(manifest)
    out: Commissions = {}
    events = []
    for precinct in manifest.precincts:
        stations = [
            loc
            for kind in (LocationKind.REGULAR_STATION, LocationKind.MAKESHIFT_STATION)
            for loc in manifest.locations
            if loc.precinct_id == precinct.id and loc.kind is kind
        ]
        if not stations:
            continue  # no station: nobody files this precinct's protocol
        device, key = f"commission-{precinct.id}"[:64], SigningKey.generate()
        out[precinct.id] = (device, key)
        payload = {
            "device": device,
            "location": stations[0].id,
            "public_key": key.verify_key.hex(),
            "enrolled_at": at.isoformat(),
        }
        events.append(Event.create(EventType.DEVICE_ENROLMENT, payload))
    board.append_batch(events)
    ends = ChainEnds(board)
    for device, key in out.values():
        body = sign_chain_end(key, digest.hex(), device, 0, genesis_code(digest, device))
        ends.post(device, body, at)
    return out


def _signed(
    manifest: Manifest, commissions: Commissions, kind: str, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    election = manifest_hash(manifest).hex()
    out = []
    for item in items:
        device, key = commissions[item["precinct"]]
        out.append(sign_submission(KINDS[kind], item, device=device, key=key, election=election))
    return out


def demo_protocols(
    manifest: Manifest, roll: Iterable[RollEntry], cells: Cells
) -> dict[tuple[str, str], dict[str, Any]]:
    """The honest protocol payload of every precinct and question (version 1)."""
    on_list: dict[str, int] = {}
    for entry in roll:
        on_list[entry.precinct_id] = on_list.get(entry.precinct_id, 0) + 1
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for precinct in manifest.precincts:
        region = manifest.region_by_id[precinct.region_id]
        mine = {k: v for k, v in cells.items() if k[0] == precinct.id}
        for question in region.questions:
            options = {o: 0 for o in question.option_ids}
            issued = dict.fromkeys(_CHANNEL_LINE.values(), 0)
            for (_, channel, _), per_question in mine.items():
                counted = per_question.get(question.id, {})
                for option, n in counted.items():
                    options[option] += n
                issued[_CHANNEL_LINE[channel]] += sum(counted.values())
            total = sum(issued.values())
            cancelled = 5
            lines = {
                "voters_on_list": on_list.get(precinct.id, 0),
                "ballots_received": total + cancelled,
                **issued,
                "cancelled": cancelled,
                "in_mobile_boxes": issued["issued_at_home"],
                "in_stationary_boxes": issued["issued_early"] + issued["issued_in_station"],
                "invalid": 0,
                "valid": total,
                "lost": 0,
                "surplus": 0,
            }
            last = max(d.date for d in manifest.days)
            out[(precinct.id, question.id)] = {
                "precinct": precinct.id,
                "question": question.id,
                "version": 1,
                "reason": None,
                "lines": lines,
                "options": options,
                "signed_by": ["chair", "secretary"],
                "signed_at": dt.datetime.combine(last, dt.time(21, 40), manifest.zone).isoformat(),
                "flags": [],
            }
    return out


def demo_custody_acts(manifest: Manifest, cells: Cells) -> list[dict[str, Any]]:
    """One act per precinct, box and day the box held ballots (first question's count)."""
    acts: dict[tuple[str, str, str], int] = {}
    for (precinct, channel, day), per_question in cells.items():
        region = manifest.region_by_id[manifest.precinct_by_id[precinct].region_id]
        first = region.questions[0].id
        kind = "mobile" if channel == "mobile_team" else "stationary"
        key = (precinct, kind, day)
        acts[key] = acts.get(key, 0) + sum(per_question.get(first, {}).values())
    return [
        {
            "precinct": precinct,
            "date": day,
            "box": f"{'MB' if kind == 'mobile' else 'SB'}-1",
            "box_kind": kind,
            "packet": f"P-{precinct}-{kind[0]}-{day}",
            "seal": f"S-{precinct}-{day}",
            "count": count,
            "signatories": ["member-a", "member-b"],
            "observers": [],
        }
        for (precinct, kind, day), count in sorted(acts.items())
        if count
    ]


def file_demo_paper(
    board: Board,
    manifest: Manifest,
    roll: Iterable[RollEntry],
    cells: Cells,
    rng: random.Random,
    commissions: Commissions,
    *,
    rewritten: int = 3,
) -> dict[str, Any]:
    """Submit the demo's protocols (with the deliberate differences) and custody acts, each
    signed by its precinct's device in ``commissions``.

    Returns what was changed on purpose: ``{"rewritten": [...], "corrected": ...}``.
    """
    protocols = demo_protocols(manifest, roll, cells)
    voted = sorted(
        k for k, p in protocols.items() if p["lines"]["valid"] >= 4 and k[0] in commissions
    )
    chosen = rng.sample(voted, min(rewritten + 1, len(voted)))
    changed: list[dict[str, Any]] = []
    for key in chosen[:rewritten]:
        options = protocols[key]["options"]
        first, last = next(iter(options)), list(options)[-1]
        moved = min(3, options[last])
        options[first] += moved
        options[last] -= moved
        changed.append({"precinct": key[0], "question": key[1], "moved": moved})
    corrected = None
    versions: list[dict[str, Any]] = []
    if len(chosen) > rewritten:
        key = chosen[rewritten]
        honest = protocols[key]
        miscount = {**honest, "options": dict(honest["options"])}
        first, last = next(iter(honest["options"])), list(honest["options"])[-1]
        if miscount["options"][last]:
            miscount["options"][first] += 1
            miscount["options"][last] -= 1
        protocols[key] = miscount
        versions.append({**honest, "version": 2, "reason": "recount ordered by the commission"})
        corrected = {"precinct": key[0], "question": key[1]}
    filed = [p for p in protocols.values() if p["precinct"] in commissions]
    submit(board, "protocol", _signed(manifest, commissions, "protocol", filed))
    if versions:
        submit(board, "protocol", _signed(manifest, commissions, "protocol", versions))
    acts = [a for a in demo_custody_acts(manifest, cells) if a["precinct"] in commissions]
    if acts:
        submit(board, "custody", _signed(manifest, commissions, "custody", acts))
    return {"rewritten": changed, "corrected": corrected, "protocols": len(protocols)}
