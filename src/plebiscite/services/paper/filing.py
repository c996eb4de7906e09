"""The paper side on the board: submit protocols, trips, acts, reports and complaints; read
them back; aggregate paper results up the territory tree (``docs/paper.md``).

Event payloads (types ``protocol``, ``mobile_trip``, ``custody_act``, ``observer_report``,
``complaint``) are the JSON objects of :mod:`plebiscite.domain.paper` (``*_payload``). What
this module adds is the board: each submission is checked against the manifest the board
publishes (unknown precincts, questions, options, locations and days are refused with an
:class:`~plebiscite.errors.InputError`), then appended as submitted. A protocol or trip that
breaks a relation is stored all the same, with the failing relation ids in ``flags``; readers
never trust those flags and recompute every check.

Protocols, trips and custody acts are filed by a device enrolled at the precinct and carry its
signature (:mod:`plebiscite.domain.paper_signing`, ``docs/paper.md`` section 9): a submission
that is unsigned, signed by an unknown or revoked device, by a device of another precinct, or
changed after signing is refused before anything is stored.

Later events refine earlier ones without erasing them: a protocol of the next ``version`` for the
same precinct and question supersedes the earlier ones; a trip event with a known trip id
replaces that trip (the count adds ``found``); a complaint event with a known complaint id
records its decision.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.paper import (
    LINE_CODES,
    Check,
    Complaint,
    CustodyAct,
    MobileTrip,
    ObserverReport,
    Protocol,
    UnitTotals,
    act_checks,
    aggregate,
    check_protocol_against,
    complaint_payload,
    custody_act_payload,
    custody_checks,
    failed,
    observer_report_payload,
    parse_complaint,
    parse_custody_act,
    parse_observer_report,
    parse_protocol,
    parse_trip,
    protocol_checks,
    protocol_payload,
    trip_checks,
    trip_payload,
)
from plebiscite.domain.paper_signing import (
    PURPOSES,
    body_of,
    filer_of,
    scope_problem,
    signature_problem,
)
from plebiscite.errors import (
    InputError,
    RecordError,
    RevokedDeviceError,
    RuleError,
    SignatureError,
    UnknownDeviceError,
)
from plebiscite.record.board import Board, Entry
from plebiscite.record.events import Event, EventType
from plebiscite.services.election.definition import Election

T = TypeVar("T")

PAPER_TYPES = frozenset(
    {
        EventType.PROTOCOL,
        EventType.MOBILE_TRIP,
        EventType.CUSTODY_ACT,
        EventType.OBSERVER_REPORT,
        EventType.COMPLAINT,
    }
)


@dataclass(frozen=True)
class Recorded(Generic[T]):
    """A paper record and the board entry that holds it."""

    index: int
    value: T
    device: str | None = None  # the filing device (protocols, trips and custody acts)


@dataclass
class PaperRecord:
    """Every paper event on the board, in log order (superseded ones included)."""

    protocols: list[Recorded[Protocol]] = field(default_factory=list)
    trips: list[Recorded[MobileTrip]] = field(default_factory=list)
    acts: list[Recorded[CustodyAct]] = field(default_factory=list)
    reports: list[Recorded[ObserverReport]] = field(default_factory=list)
    complaints: list[Recorded[Complaint]] = field(default_factory=list)

    def apply(self, entry: Entry) -> None:
        """Fold one board entry in; entries of other types are ignored."""
        event, index = entry.event, entry.index
        where = f"board entry {index}"
        signed = event.type in PURPOSES
        payload = body_of(event.payload) if signed else event.payload
        filer = filer_of(event.payload) if signed else None
        device = None if filer is None else filer[0]
        try:
            if event.type is EventType.PROTOCOL:
                self.protocols.append(Recorded(index, parse_protocol(payload, where), device))
            elif event.type is EventType.MOBILE_TRIP:
                self.trips.append(Recorded(index, parse_trip(payload, where), device))
            elif event.type is EventType.CUSTODY_ACT:
                self.acts.append(Recorded(index, parse_custody_act(payload, where), device))
            elif event.type is EventType.OBSERVER_REPORT:
                self.reports.append(Recorded(index, parse_observer_report(event.payload, where)))
            elif event.type is EventType.COMPLAINT:
                self.complaints.append(Recorded(index, parse_complaint(event.payload, where)))
        except InputError as exc:
            raise RecordError(str(exc)) from exc

    @property
    def empty(self) -> bool:
        return not (self.protocols or self.trips or self.acts or self.reports or self.complaints)

    def current_protocols(self) -> dict[tuple[str, str], Recorded[Protocol]]:
        """The protocol in force per (precinct, question): the highest version."""
        current: dict[tuple[str, str], Recorded[Protocol]] = {}
        for item in self.protocols:
            key = (item.value.precinct_id, item.value.question_id)
            if key not in current or item.value.version > current[key].value.version:
                current[key] = item
        return current

    def superseded_protocols(self) -> list[Recorded[Protocol]]:
        current = {item.index for item in self.current_protocols().values()}
        return [item for item in self.protocols if item.index not in current]

    def current_trips(self) -> dict[str, Recorded[MobileTrip]]:
        """The latest event per trip id."""
        return {item.value.trip_id: item for item in self.trips}

    def current_complaints(self) -> dict[str, Recorded[Complaint]]:
        """The latest event per complaint id (with its decision, if any)."""
        return {item.value.complaint_id: item for item in self.complaints}

    def annulled(self) -> frozenset[str]:
        """Precincts whose result a decided complaint annulled."""
        return frozenset(
            c.value.precinct_id for c in self.current_complaints().values() if c.value.annuls
        )


def read_paper(entries: Iterable[Entry]) -> PaperRecord:
    record = PaperRecord()
    for entry in entries:
        record.apply(entry)
    return record


def load_paper(board: Board) -> tuple[Manifest, PaperRecord]:
    """Read the board's manifest and its paper events (by the board's type index: the ballots
    of a large board are not read)."""
    election, record = Election(), PaperRecord()
    for entry in board.entries_of_type([EventType.MANIFEST, *sorted(PAPER_TYPES)]):
        election.apply(entry)
        record.apply(entry)
    return election.require_manifest(), record


# --- submitting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """What a submission stored: the entry index and every check, passing or not."""

    kind: EventType
    index: int
    subject: str
    checks: tuple[Check, ...]

    @property
    def flags(self) -> tuple[Check, ...]:
        return failed(self.checks)


def _precinct(manifest: Manifest, precinct_id: str, where: str) -> None:
    if precinct_id not in manifest.precinct_by_id:
        raise InputError(f"{where}: unknown precinct {precinct_id!r}")


def _body(data: object) -> object:
    """A submission without its filer's fields (the parsers refuse fields they do not know)."""
    return body_of(data) if isinstance(data, dict) else data


def _voting_day(manifest: Manifest, day: Any, where: str) -> None:
    if all(d.date != day for d in manifest.days):
        days = ", ".join(d.date.isoformat() for d in manifest.days)
        raise InputError(f"{where}: {day} is not a voting day (voting days: {days})")


@dataclass(frozen=True)
class FilingDevice:
    """A device as its enrolment and revocation events on the board describe it."""

    location: str
    public_key: str
    revoked: bool = False


@dataclass(frozen=True)
class Filers:
    """What the filer checks read from the board once per batch: every enrolled device by id
    (``revoked`` when the authority revoked it; a device that ended its ballot chain still
    files the paper count, a chain end is not a revocation) and the manifest hash (hex)."""

    devices: Mapping[str, FilingDevice]
    election: str


def filers(board: Board, manifest: Manifest) -> Filers:
    out: dict[str, FilingDevice] = {}
    for entry in board.entries_of_type([EventType.DEVICE_ENROLMENT]):
        payload = entry.event.payload
        device, location, key = (payload.get(k) for k in ("device", "location", "public_key"))
        if not isinstance(device, str):
            continue
        if payload.get("revoked") is True:
            if device in out:
                out[device] = FilingDevice(out[device].location, out[device].public_key, True)
        elif device not in out and isinstance(location, str) and isinstance(key, str):
            out[device] = FilingDevice(location, key)
    return Filers(out, manifest_hash(manifest).hex())


def _filed(
    board: Board,
    manifest: Manifest,
    kind: EventType,
    data: object,
    payload: dict[str, Any],
    precinct_id: str,
    where: str,
    known: Filers | None,
) -> Event:
    """The event to store: ``payload`` with its filer's fields, once the filing device is known
    to be enrolled at the precinct, not revoked, and its signature covers ``payload``."""
    filer = filer_of(data)
    if filer is None:
        raise SignatureError(
            f"{where}: not signed: a commission's records carry the filing device's id and "
            "signature (device, signature; plebiscite paper sign)"
        )
    device, signature = filer
    known = filers(board, manifest) if known is None else known
    row = known.devices.get(device)
    if row is None:
        raise UnknownDeviceError(f"{where}: no device {device[:64]!r} is enrolled")
    if row.revoked:
        raise RevokedDeviceError(f"{where}: device {device!r} has been revoked")
    scope = scope_problem(manifest, kind, precinct_id, device, row.location)
    if scope is not None:
        raise RuleError(f"{where}: {scope}")
    stored = {**payload, "device": device, "signature": signature}
    problem = signature_problem(kind, stored, known.election, row.public_key)
    if problem is not None:
        raise SignatureError(f"{where}: {problem}")
    return Event.create(kind, stored)


def submit_protocol(
    board: Board,
    data: object,
    *,
    manifest: Manifest,
    record: PaperRecord | None = None,
    known: Filers | None = None,
) -> Submission:
    """Check ``data`` against the manifest, its filing device and the earlier protocols, then
    store it as submitted; failing relations are returned and written into ``flags``, never
    corrected."""
    protocol = parse_protocol(_body(data))
    where = f"protocol for {protocol.precinct_id}/{protocol.question_id}"
    check_protocol_against(manifest, protocol, where)
    payload = protocol_payload(protocol)
    event = _filed(
        board, manifest, EventType.PROTOCOL, data, payload, protocol.precinct_id, where, known
    )
    record = load_paper(board)[1] if record is None else record
    earlier = record.current_protocols().get((protocol.precinct_id, protocol.question_id))
    expected = 1 if earlier is None else earlier.value.version + 1
    if protocol.version != expected:
        before = "none" if earlier is None else f"version {earlier.value.version}"
        raise InputError(
            f"{where}: version {protocol.version}, but the board holds {before}; "
            f"submit version {expected}" + (" with a reason" if expected > 1 else "")
        )
    index = board.append(event)
    subject = f"{protocol.precinct_id}/{protocol.question_id} v{protocol.version}"
    return Submission(EventType.PROTOCOL, index, subject, protocol_checks(protocol))


def submit_trip(
    board: Board,
    data: object,
    *,
    manifest: Manifest,
    known: Filers | None = None,
) -> Submission:
    trip = parse_trip(_body(data))
    where = f"mobile trip {trip.trip_id}"
    _precinct(manifest, trip.precinct_id, where)
    _voting_day(manifest, trip.date, where)
    payload = trip_payload(trip)
    index = board.append(
        _filed(
            board, manifest, EventType.MOBILE_TRIP, data, payload, trip.precinct_id, where, known
        )
    )
    return Submission(EventType.MOBILE_TRIP, index, trip.trip_id, trip_checks(trip))


def submit_custody_act(
    board: Board,
    data: object,
    *,
    manifest: Manifest,
    known: Filers | None = None,
) -> Submission:
    act = parse_custody_act(_body(data))
    where = f"custody act for packet {act.packet}"
    _precinct(manifest, act.precinct_id, where)
    _voting_day(manifest, act.date, where)
    payload = custody_act_payload(act)
    index = board.append(
        _filed(board, manifest, EventType.CUSTODY_ACT, data, payload, act.precinct_id, where, known)
    )
    subject = f"{act.precinct_id} {act.date} packet {act.packet}"
    return Submission(EventType.CUSTODY_ACT, index, subject, act_checks(act))


def submit_observer_report(board: Board, data: object, *, manifest: Manifest) -> Submission:
    report = parse_observer_report(data)
    where = f"observer report by {report.observer}"
    _precinct(manifest, report.precinct_id, where)
    if report.location_id is not None:
        location = manifest.location_by_id.get(report.location_id)
        if location is None or location.precinct_id != report.precinct_id:
            raise InputError(
                f"{where}: location {report.location_id!r} is not a location of precinct "
                f"{report.precinct_id!r}"
            )
    index = board.append(Event.create(EventType.OBSERVER_REPORT, observer_report_payload(report)))
    return Submission(EventType.OBSERVER_REPORT, index, f"{report.observer} at {report.at}", ())


def submit_complaint(
    board: Board, data: object, *, manifest: Manifest, record: PaperRecord | None = None
) -> Submission:
    """Store a complaint, or the decision on one; refused for a precinct the manifest does not
    have, or for a decision that names another precinct than the complaint."""
    complaint = parse_complaint(data)
    where = f"complaint {complaint.complaint_id}"
    _precinct(manifest, complaint.precinct_id, where)
    record = load_paper(board)[1] if record is None else record
    earlier = record.current_complaints().get(complaint.complaint_id)
    if earlier is not None and earlier.value.precinct_id != complaint.precinct_id:
        raise InputError(
            f"{where} was filed about precinct {earlier.value.precinct_id!r}, not "
            f"{complaint.precinct_id!r}"
        )
    index = board.append(Event.create(EventType.COMPLAINT, complaint_payload(complaint)))
    return Submission(EventType.COMPLAINT, index, complaint.complaint_id, ())


Submitter = Callable[..., Submission]

#: CLI and API names of the submissions.
SUBMITTERS: dict[str, Submitter] = {
    "protocol": submit_protocol,
    "trip": submit_trip,
    "custody": submit_custody_act,
    "report": submit_observer_report,
    "complaint": submit_complaint,
}


def submit(board: Board, kind: str, items: object) -> list[Submission]:
    """Submit one JSON object or a list of them of ``kind`` (a key of :data:`SUBMITTERS`)."""
    if kind not in SUBMITTERS:
        raise InputError(f"unknown paper record {kind!r}; kinds: {', '.join(SUBMITTERS)}")
    manifest, record = load_paper(board)
    known = filers(board, manifest)
    batch = items if isinstance(items, list) else [items]
    done = []
    for i, item in enumerate(batch):
        try:
            if kind == "protocol":
                done.append(
                    submit_protocol(board, item, manifest=manifest, record=record, known=known)
                )
                record.apply(board.entry(done[-1].index))
            elif kind == "complaint":
                done.append(submit_complaint(board, item, manifest=manifest, record=record))
                record.apply(board.entry(done[-1].index))
            elif kind in ("trip", "custody"):
                done.append(SUBMITTERS[kind](board, item, manifest=manifest, known=known))
            else:
                done.append(SUBMITTERS[kind](board, item, manifest=manifest))
        except (InputError, RuleError, SignatureError) as exc:
            if len(batch) == 1:
                raise
            raise type(exc)(f"item {i}: {exc} (items before it were stored)") from exc
    return done


# --- checking and aggregating -----------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A check on one record of the board."""

    kind: str  # "protocol", "trip", "custody" or "act"
    subject: str
    index: int
    check: Check


def paper_findings(manifest: Manifest, record: PaperRecord) -> list[Finding]:
    """Every check on the records in force, recomputed (stored flags are not trusted).

    Protocols in force get K1-K4 and W1-W4, and, when voting lasts more than one day, the
    custody relations D1M, D1S and C3 against the precinct's daily acts; trips T1-T7; acts
    C1-C2.
    """
    out: list[Finding] = []
    acts = [a.value for a in record.acts]
    multi_day = len(manifest.days) > 1
    for (precinct, question), item in sorted(record.current_protocols().items()):
        subject = f"{precinct}/{question} v{item.value.version}"
        for check in protocol_checks(item.value):
            out.append(Finding("protocol", subject, item.index, check))
        if multi_day:
            for check in custody_checks(item.value, acts):
                out.append(Finding("custody", precinct, item.index, check))
    for trip_id, trip in sorted(record.current_trips().items()):
        for check in trip_checks(trip.value):
            out.append(Finding("trip", trip_id, trip.index, check))
    for act in record.acts:
        subject = f"{act.value.precinct_id} {act.value.date} packet {act.value.packet}"
        for check in act_checks(act.value):
            out.append(Finding("act", subject, act.index, check))
    return out


@dataclass(frozen=True)
class PaperResults:
    totals: tuple[UnitTotals, ...]
    excluded: frozenset[str]
    annulled: frozenset[str]

    def unit(self, unit_id: str, question_id: str | None = None) -> UnitTotals:
        for totals in self.totals:
            if totals.unit_id == unit_id and question_id in (None, totals.question_id):
                return totals
        raise InputError(f"no paper totals for unit {unit_id!r}")


def paper_results(
    manifest: Manifest,
    record: PaperRecord,
    *,
    exclude: Collection[str] = (),
    apply_annulments: bool = True,
) -> PaperResults:
    """Paper results per region, district and precinct from the protocols in force.

    Precincts annulled by a decided complaint are left out (unless ``apply_annulments`` is
    false), and so are those in ``exclude``: any set can be left out to see its effect.
    """
    unknown = sorted(set(exclude) - set(manifest.precinct_by_id))
    if unknown:
        raise InputError(f"cannot exclude unknown precinct(s): {', '.join(unknown)}")
    annulled = record.annulled()
    excluded = frozenset(exclude) | (annulled if apply_annulments else frozenset())
    protocols = [item.value for item in record.current_protocols().values()]
    return PaperResults(aggregate(manifest, protocols, excluded), excluded, annulled)


def results_document(results: PaperResults) -> dict[str, Any]:
    """A JSON-ready form of the results (``docs/paper.md`` section "Results")."""
    return {
        "excluded": sorted(results.excluded),
        "annulled": sorted(results.annulled),
        "units": [
            {
                "level": t.level,
                "unit": t.unit_id,
                "question": t.question_id,
                "lines": {code: t.lines[code] for code in LINE_CODES},
                "options": dict(t.options),
                "reporting": t.reporting,
                "expected": t.expected,
                "excluded": list(t.excluded),
            }
            for t in results.totals
        ],
    }
