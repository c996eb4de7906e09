"""The verifier's checks of the paper side on the board: V40-V43, V49 (``docs/verifier.md``).

The paper count (``docs/paper.md``) is on the same board as the ballots; the casting service
checks it as it is entered, and the verifier recomputes every check from the record alone,
never trusting the ``flags`` a submission stored.  It reads only the written format and the
pure rules of :mod:`plebiscite.domain.paper`.

* V40 every paper event is well formed and names the manifest's precincts, questions, options,
  locations and voting days;
* V41 every protocol in force holds the hard control relations K1-K4;
* V42 corrections: per precinct and question the versions are 1, 2, ... in board order, each
  correction with a reason; the earlier protocol stays on the board (it is a later entry that
  supersedes it, never an edit);
* V43 mobile trips in force hold T1-T4, and when voting lasts more than one day each precinct's
  daily custody acts sum to its protocol's lines 7 and 8 (D1M, D1S);
* V49 who filed: every protocol (corrections included), mobile trip and custody act names a
  device enrolled before it on the board, not revoked before it, at a location of its precinct
  (a station for protocols and acts, a station or the mobile team for trips), and that device's
  signature covers the record as stored (``domain/paper_signing.py``).

A record without paper events passes with nothing checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final
from typing import Protocol as Structural

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.paper import (
    Complaint,
    CustodyAct,
    MobileTrip,
    Protocol,
    check_protocol_against,
    custody_checks,
    parse_complaint,
    parse_custody_act,
    parse_observer_report,
    parse_protocol,
    parse_trip,
    protocol_checks,
    trip_checks,
)
from plebiscite.domain.paper_signing import (
    PURPOSES,
    body_of,
    filer_of,
    scope_problem,
    signature_problem,
)
from plebiscite.errors import InputError
from plebiscite.record.events import Event, EventType
from plebiscite.verifier.report import VerificationReport

PAPER_EVENTS: Final = frozenset(
    {
        EventType.PROTOCOL,
        EventType.MOBILE_TRIP,
        EventType.CUSTODY_ACT,
        EventType.OBSERVER_REPORT,
        EventType.COMPLAINT,
    }
)


def _day(manifest: Manifest, day: Any) -> str | None:
    if all(d.date != day for d in manifest.days):
        return f"{day} is not a voting day"
    return None


def _precinct(manifest: Manifest, precinct: str) -> str | None:
    return None if precinct in manifest.precinct_by_id else f"unknown precinct {precinct!r}"


class EnrolledDevice(Structural):
    """What the verifier learnt of a device from the record's enrolments (V11)."""

    location: str
    key: str
    enrolled_at: int  # entry index of the enrolment
    revoked_entry: int | None  # entry index of the revocation, if any


def check_paper(
    manifest: Manifest,
    events: Iterable[tuple[int, Event]],
    report: VerificationReport,
    *,
    devices: Mapping[str, EnrolledDevice],
    election: bytes,
) -> None:
    """V40-V43 and V49 over the paper events (entry index, event) of a record, in board order;
    ``devices`` are the record's enrolments, ``election`` its manifest hash."""
    protocols: list[tuple[int, Protocol]] = []
    trips: dict[str, tuple[int, MobileTrip]] = {}
    acts: list[CustodyAct] = []
    for index, event in events:
        if event.type in PURPOSES:
            _filer(manifest, event, index, devices, election.hex(), report)
        report.count("V40")
        where = f"{event.type} event"
        try:
            problem = _parse(manifest, event, where, protocols, trips, acts, index)
        except InputError as exc:
            problem = str(exc)
        if problem:
            report.fail("V40", problem, index)
    _versions(protocols, report)
    current: dict[tuple[str, str], tuple[int, Protocol]] = {}
    for index, p in protocols:
        key = (p.precinct_id, p.question_id)
        if key not in current or p.version > current[key][1].version:
            current[key] = (index, p)
    for (precinct, question), (index, p) in sorted(current.items()):
        report.count("V41")
        broken = [c for c in protocol_checks(p) if c.hard and not c.ok]
        if broken:
            text = "; ".join(f"{c.id} {c.message}" for c in broken)
            report.fail("V41", f"protocol {precinct}/{question} v{p.version}: {text}", index)
    for trip_id, (index, trip) in sorted(trips.items()):
        report.count("V43")
        broken = [c for c in trip_checks(trip) if c.hard and not c.ok]
        if broken:
            text = "; ".join(f"{c.id} {c.message}" for c in broken)
            report.fail("V43", f"mobile trip {trip_id}: {text}", index)
    if len(manifest.days) > 1:
        first_question = {r.id: r.questions[0].id for r in manifest.regions if r.questions}
        for (precinct, question), (index, p) in sorted(current.items()):
            region = manifest.precinct_by_id[precinct].region_id
            if first_question.get(region) != question:
                continue  # the boxes hold one ballot per voter: the acts count the first question
            report.count("V43")
            broken = [c for c in custody_checks(p, acts) if c.hard and not c.ok]
            if broken:
                text = "; ".join(f"{c.id} {c.message}" for c in broken)
                report.fail("V43", f"custody of precinct {precinct}: {text}", index)


def _filer(
    manifest: Manifest,
    event: Event,
    index: int,
    devices: Mapping[str, EnrolledDevice],
    election: str,
    report: VerificationReport,
) -> None:
    """V49: the record's filing device and its signature."""
    report.count("V49")
    payload = event.payload
    precinct = payload.get("precinct")
    what = f"{event.type} for {precinct!r}"
    filer = filer_of(payload)
    if filer is None:
        report.fail("V49", f"{what}: not signed: it names no filing device and signature", index)
        return
    device_id = filer[0]
    device = devices.get(device_id)
    if device is None or device.enrolled_at > index:
        report.fail("V49", f"{what}: device {device_id!r} was not enrolled before it", index)
        return
    if device.revoked_entry is not None and device.revoked_entry < index:
        report.fail(
            "V49",
            f"{what}: device {device_id!r} was revoked before it (entry {device.revoked_entry})",
            index,
        )
        return
    if isinstance(precinct, str):
        problem = scope_problem(manifest, event.type, precinct, device_id, device.location)
        if problem is not None:
            report.fail("V49", f"{what}: {problem}", index)
            return
    problem = signature_problem(event.type, payload, election, device.key)
    if problem is not None:
        report.fail("V49", f"{what}: {problem}", index)


def _parse(
    manifest: Manifest,
    event: Event,
    where: str,
    protocols: list[tuple[int, Protocol]],
    trips: dict[str, tuple[int, MobileTrip]],
    acts: list[CustodyAct],
    index: int,
) -> str | None:
    kind = event.type
    payload = body_of(event.payload) if kind in PURPOSES else event.payload
    if kind is EventType.PROTOCOL:
        p = parse_protocol(payload, where)
        check_protocol_against(manifest, p, where)
        protocols.append((index, p))
        return None
    if kind is EventType.MOBILE_TRIP:
        t = parse_trip(payload, where)
        problem = _precinct(manifest, t.precinct_id) or _day(manifest, t.date)
        if problem is None:
            trips[t.trip_id] = (index, t)
        return problem and f"mobile trip {t.trip_id}: {problem}"
    if kind is EventType.CUSTODY_ACT:
        a = parse_custody_act(payload, where)
        problem = _precinct(manifest, a.precinct_id) or _day(manifest, a.date)
        if problem is None:
            acts.append(a)
        return problem and f"custody act {a.packet}: {problem}"
    if kind is EventType.OBSERVER_REPORT:
        r = parse_observer_report(payload, where)
        return _precinct(manifest, r.precinct_id)
    c: Complaint = parse_complaint(payload, where)
    return _precinct(manifest, c.precinct_id)


def _versions(protocols: list[tuple[int, Protocol]], report: VerificationReport) -> None:
    seen: dict[tuple[str, str], int] = {}
    for index, p in protocols:
        key = (p.precinct_id, p.question_id)
        report.count("V42")
        expected = seen.get(key, 0) + 1
        if p.version != expected:
            report.fail(
                "V42",
                f"protocol {key[0]}/{key[1]}: version {p.version} where {expected} was due "
                "(a gap, a repeat or an earlier protocol missing from the board)",
                index,
            )
        elif p.version > 1 and not p.reason.strip():
            report.fail("V42", f"protocol {key[0]}/{key[1]} v{p.version}: no reason", index)
        seen[key] = max(seen.get(key, 0), p.version)
