"""The paper side of a referendum: protocols, mobile trips, custody acts, observers, complaints.

``docs/paper.md`` documents every line, relation and payload. The facts come from the reference
notes on referendum administration (``reference/referendum-domain.md`` sections 1.3-1.5 and
2.6): the precinct result protocol and its control relations K1-K4, the mobile box rule (ballots
found <= applications, or the box is void), the trip balance, and the daily custody acts of
multi-day voting (condition D1: the daily acts are carried into the final protocol).

Everything here is pure: values in, checks out. A record that breaks a relation is never
changed; :func:`protocol_checks`, :func:`trip_checks` and :func:`custody_checks` say which
relation fails and why, in plain words, and the caller stores the record as it was submitted.
Parsing (``parse_*``) turns a JSON object into a value and refuses malformed input with an
:class:`~plebiscite.errors.InputError` naming the field; ``*_payload`` is the inverse.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from plebiscite.domain.manifest import Manifest
from plebiscite.errors import InputError

Json = dict[str, Any]


# --- protocol lines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    number: int
    code: str
    symbol: str
    meaning: str


#: The fixed lines of a precinct result protocol (reference notes 1.5); lines 13 and after are
#: the question's options, in ballot order.
LINES: tuple[Line, ...] = (
    Line(1, "voters_on_list", "L", "voters on the list at the close of voting"),
    Line(2, "ballots_received", "R", "ballots received by the precinct commission"),
    Line(3, "issued_early", "I_early", "ballots issued to early voters"),
    Line(4, "issued_in_station", "I_in", "ballots issued in the station on the voting day"),
    Line(5, "issued_at_home", "I_out", "ballots issued outside the station (at home)"),
    Line(6, "cancelled", "C", "ballots cancelled (unused and spoiled)"),
    Line(7, "in_mobile_boxes", "M", "ballots found in mobile boxes"),
    Line(8, "in_stationary_boxes", "S", "ballots found in stationary boxes"),
    Line(9, "invalid", "X", "invalid ballots"),
    Line(10, "valid", "V", "valid ballots"),
    Line(11, "lost", "Lost", "ballots lost"),
    Line(12, "surplus", "U", "ballots not accounted for on receipt (surplus)"),
)
LINE_CODES: tuple[str, ...] = tuple(line.code for line in LINES)
FIRST_OPTION_LINE = 13


@dataclass(frozen=True)
class Check:
    """One relation evaluated on one record: ``ok`` or, if not, ``message`` says why."""

    id: str
    hard: bool
    ok: bool
    rule: str
    message: str = ""


@dataclass(frozen=True)
class Protocol:
    """A precinct's result protocol for one question, as its commission signed it.

    ``version`` 1 is the first protocol; a corrected protocol (after a recount, say) has the
    next version and a ``reason``, and supersedes the earlier ones without erasing them.
    """

    precinct_id: str
    question_id: str
    version: int
    lines: Mapping[str, int]
    options: Mapping[str, int]
    signed_by: tuple[str, ...]
    signed_at: str
    reason: str = ""

    def line(self, code: str) -> int:
        return self.lines[code]

    @property
    def issued(self) -> int:
        return (
            self.line("issued_early") + self.line("issued_in_station") + self.line("issued_at_home")
        )

    @property
    def found(self) -> int:
        return self.line("in_mobile_boxes") + self.line("in_stationary_boxes")


def _relation(id_: str, hard: bool, rule: str, ok: bool, why: str) -> Check:
    return Check(id_, hard, ok, rule, "" if ok else why)


def protocol_checks(p: Protocol) -> tuple[Check, ...]:
    """Every control relation of ``p``: hard K1-K4, soft W1-W4 (``docs/paper.md``)."""
    n = p.lines
    issued, found = p.issued, p.found
    stock = issued + n["cancelled"] + n["lost"] - n["surplus"]
    options = sum(p.options.values())
    boxes = n["invalid"] + n["valid"]
    return (
        _relation(
            "K1",
            True,
            "line 1 >= lines 3 + 4 + 5",
            n["voters_on_list"] >= issued,
            f"{issued} ballots were issued (lines 3+4+5) to a list of only "
            f"{n['voters_on_list']} voters (line 1): {issued - n['voters_on_list']} too many",
        ),
        _relation(
            "K2",
            True,
            "line 2 = lines 3 + 4 + 5 + 6 + 11 - 12",
            n["ballots_received"] == stock,
            f"the ballot stock does not balance: {n['ballots_received']} received (line 2), but "
            f"issued {issued} + cancelled {n['cancelled']} + lost {n['lost']} - surplus "
            f"{n['surplus']} = {stock}; {abs(n['ballots_received'] - stock)} ballots "
            f"{'unaccounted for' if stock < n['ballots_received'] else 'more than were received'}",
        ),
        _relation(
            "K3",
            True,
            "lines 7 + 8 = lines 9 + 10",
            found == boxes,
            f"{found} ballots were found in the boxes (lines 7+8) but {boxes} were sorted into "
            f"valid and invalid (lines 9+10)",
        ),
        _relation(
            "K4",
            True,
            f"line 10 = lines {FIRST_OPTION_LINE}..",
            n["valid"] == options,
            f"{n['valid']} valid ballots (line 10) but the options add up to {options}",
        ),
        _relation(
            "W1",
            False,
            "lines 7 + 8 <= lines 3 + 4 + 5",
            found <= issued,
            f"{found} ballots were found in the boxes but only {issued} were issued: "
            f"{found - issued} more ballots than voters who received one (a sign of stuffing)",
        ),
        _relation(
            "W2",
            False,
            "line 7 <= lines 3 + 5",
            n["in_mobile_boxes"] <= n["issued_early"] + n["issued_at_home"],
            f"{n['in_mobile_boxes']} ballots were found in mobile boxes but only "
            f"{n['issued_early'] + n['issued_at_home']} were issued early or at home",
        ),
        _relation(
            "W3",
            False,
            "line 11 = 0",
            n["lost"] == 0,
            f"{n['lost']} ballots are recorded as lost: an incident that needs an act",
        ),
        _relation(
            "W4",
            False,
            "line 12 = 0",
            n["surplus"] == 0,
            f"{n['surplus']} ballots were not accounted for on receipt: an incident that needs "
            f"an act",
        ),
    )


def failed(checks: Iterable[Check]) -> tuple[Check, ...]:
    return tuple(c for c in checks if not c.ok)


# --- mobile trips -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MobileTrip:
    """One trip of a mobile team with a sealed box, door to door (reference notes 1.4)."""

    trip_id: str
    precinct_id: str
    date: dt.date
    team: tuple[str, ...]
    observers: tuple[str, ...]
    box: str
    seal_out: str
    seal_in: str
    applications: int
    taken: int
    issued: int
    spoiled: int
    returned: int
    found: int | None = None  # ballots found in the box at the count, once it is opened

    @property
    def box_void(self) -> bool:
        """More ballots in the box than applications served: every ballot in it is void."""
        return self.found is not None and self.found > self.applications


def spare_allowance(applications: int) -> int:
    """Spare ballots a team may take beyond its applications: 5 %, at least 2.

    The reference notes mark the figure as unverified; it is a soft check only.
    """
    return max(2, math.ceil(applications * 0.05))


def trip_checks(t: MobileTrip) -> tuple[Check, ...]:
    """Hard T1-T4 and soft T5-T7 (``docs/paper.md``; conditions M2-M5)."""
    balance = t.issued + t.spoiled + t.returned
    allowance = t.applications + spare_allowance(t.applications)
    found_ok = t.found is None or t.found <= t.applications
    return (
        _relation(
            "T1",
            True,
            "team of at least two officials",
            len(set(t.team)) >= 2,
            f"the team had {len(set(t.team))} official(s); a mobile box needs at least two",
        ),
        _relation(
            "T2",
            True,
            "taken = issued + spoiled + returned",
            t.taken == balance,
            f"{t.taken} ballots were taken out but issued {t.issued} + spoiled {t.spoiled} + "
            f"returned {t.returned} = {balance}",
        ),
        _relation(
            "T3",
            True,
            "ballots found in the box <= applications, or the box is void",
            found_ok,
            f"box {t.box} held {t.found} ballots for {t.applications} applications: the box is "
            f"void and every ballot in it is invalid",
        ),
        _relation(
            "T4",
            True,
            "the seal at return is the seal at departure",
            bool(t.seal_out) and t.seal_out == t.seal_in,
            f"box {t.box} left under seal {t.seal_out!r} and came back under seal "
            f"{t.seal_in!r}: it may have been opened on the way",
        ),
        _relation(
            "T5",
            False,
            "ballots issued <= applications",
            t.issued <= t.applications,
            f"{t.issued} ballots were issued against {t.applications} applications",
        ),
        _relation(
            "T6",
            False,
            "ballots taken <= applications + a small reserve",
            t.taken <= allowance,
            f"{t.taken} ballots were taken out for {t.applications} applications (at most "
            f"{allowance} expected)",
        ),
        _relation(
            "T7",
            False,
            "at least one observer accompanied the box",
            bool(t.observers),
            "no observer accompanied the box",
        ),
    )


# --- custody acts -----------------------------------------------------------------------------


class BoxKind(StrEnum):
    MOBILE = "mobile"
    STATIONARY = "stationary"

    @property
    def line(self) -> str:
        return "in_mobile_boxes" if self is BoxKind.MOBILE else "in_stationary_boxes"


@dataclass(frozen=True)
class CustodyAct:
    """The act closing one box's ballots of one day into a numbered, sealed safe-packet."""

    precinct_id: str
    date: dt.date
    box: str
    box_kind: BoxKind
    packet: str
    seal: str
    count: int
    signatories: tuple[str, ...]
    observers: tuple[str, ...]


def act_checks(a: CustodyAct) -> tuple[Check, ...]:
    """Soft C1-C2 on one act (condition D2)."""
    return (
        _relation(
            "C1",
            False,
            "signed by at least two commission members",
            len(set(a.signatories)) >= 2,
            f"packet {a.packet} ({a.date}) is signed by {len(set(a.signatories))} member(s)",
        ),
        _relation(
            "C2",
            False,
            "signed by an observer",
            bool(a.observers),
            f"no observer signed the act for packet {a.packet} ({a.date})",
        ),
    )


def custody_checks(p: Protocol, acts: Iterable[CustodyAct]) -> tuple[Check, ...]:
    """Hard D1-mobile and D1-stationary (the daily acts sum to lines 7 and 8) and soft C3
    (packet numbers are not reused), for one precinct's final protocol and its acts."""
    mine = [a for a in acts if a.precinct_id == p.precinct_id]
    checks = []
    for kind, id_ in ((BoxKind.MOBILE, "D1M"), (BoxKind.STATIONARY, "D1S")):
        of_kind = [a for a in mine if a.box_kind is kind]
        total = sum(a.count for a in of_kind)
        line = p.line(kind.line)
        number = 7 if kind is BoxKind.MOBILE else 8
        checks.append(
            _relation(
                id_,
                True,
                f"the daily acts for {kind.value} boxes sum to line {number}",
                total == line,
                f"{len(of_kind)} daily act(s) for {kind.value} boxes hold {total} ballots but "
                f"line {number} of the protocol says {line}",
            )
        )
    packets = [a.packet for a in mine]
    reused = sorted({x for x in packets if packets.count(x) > 1})
    checks.append(
        _relation(
            "C3",
            False,
            "every packet number is used once",
            not reused,
            f"packet number(s) used more than once: {', '.join(reused)}",
        )
    )
    return tuple(checks)


# --- observers and complaints -----------------------------------------------------------------

#: The checklist an observer answers at each visit (ODIHR-style; True is the good answer), and
#: the condition of ``docs/legitimacy.md`` each answer bears on.
CHECKLIST: Mapping[str, tuple[str, str]] = {
    "secrecy_respected": ("S1", "voters marked their ballots in secret"),
    "no_armed_persons": ("CX3", "no armed or uniformed persons at the station or with the box"),
    "observers_unhindered": ("P3", "observers could see every step"),
    "box_sealed": ("M4", "the box was sealed and its seal numbers recorded"),
    "voter_list_marked": ("E1", "each voter signed the list or an application"),
    "unused_ballots_cancelled": ("F12", "unused ballots were cancelled before the count"),
}


class IncidentKind(StrEnum):
    ARMED_PRESENCE = "armed_presence"
    OPEN_VOTING = "open_voting"
    FAMILY_VOTING = "family_voting"
    BALLOT_STUFFING = "ballot_stuffing"
    OBSERVER_OBSTRUCTED = "observer_obstructed"
    PRESSURE_ON_VOTERS = "pressure_on_voters"
    OTHER = "other"


@dataclass(frozen=True)
class Incident:
    kind: IncidentKind
    description: str


class Phase(StrEnum):
    OPENING = "opening"
    VOTING = "voting"
    MOBILE = "mobile"
    CUSTODY = "custody"
    COUNTING = "counting"
    TABULATION = "tabulation"


@dataclass(frozen=True)
class ObserverReport:
    """One observer's visit: who, accredited by whom, where, when, the checklist, incidents."""

    observer: str
    organisation: str
    independent: bool
    accreditation: str
    precinct_id: str
    location_id: str | None
    phase: Phase
    at: str
    checklist: Mapping[str, bool]
    incidents: tuple[Incident, ...]
    notes: str = ""


class Outcome(StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    annul: bool
    decided_by: str
    decided_at: str
    reasons: str


@dataclass(frozen=True)
class Complaint:
    """A complaint about one precinct; a later event with the same id records its decision."""

    complaint_id: str
    precinct_id: str
    filed_by: str
    filed_at: str
    grounds: str
    decision: Decision | None = None
    #: A voter's device receipt whose ballot the checker found missing (``docs/devices.md``),
    #: and the board size it checked against; both or neither.
    receipt: Mapping[str, str] | None = None
    board_size: int | None = None

    @property
    def annuls(self) -> bool:
        return self.decision is not None and self.decision.annul


# --- aggregation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitTotals:
    """One territorial unit's paper totals for one question, summed from its precincts."""

    level: str  # "precinct", "district" or "region"
    unit_id: str
    question_id: str
    lines: Mapping[str, int]
    options: Mapping[str, int]
    reporting: int  # precincts whose protocol is counted
    expected: int  # precincts of the unit
    excluded: tuple[str, ...]  # precincts left out (annulled)


def aggregate(
    manifest: Manifest, protocols: Iterable[Protocol], excluded: Collection[str] = ()
) -> tuple[UnitTotals, ...]:
    """Totals per precinct, district and region, recomputed from the precinct protocols.

    ``protocols`` are the current ones (one per precinct and question); precincts in
    ``excluded`` are left out of every sum and listed. No higher-level figure is read from
    anywhere: each unit is the sum of its precincts (reference notes 1.5, "a verifier must
    recompute every aggregate from the precinct protocols"). Regions order as in the manifest.
    """
    current = {(p.precinct_id, p.question_id): p for p in protocols}
    out: list[UnitTotals] = []
    for region in manifest.regions:
        precincts = [p for p in manifest.precincts if p.region_id == region.id]
        units: list[tuple[str, str, list[str]]] = [("region", region.id, [p.id for p in precincts])]
        units += [
            ("district", d.id, [p.id for p in precincts if p.district_id == d.id])
            for d in manifest.districts
            if d.region_id == region.id
        ]
        units += [("precinct", p.id, [p.id]) for p in precincts]
        for question in region.questions:
            for level, unit, members in units:
                out.append(
                    _sum(level, unit, question.id, question.option_ids, members, current, excluded)
                )
    return tuple(out)


def _sum(
    level: str,
    unit: str,
    question_id: str,
    option_ids: tuple[str, ...],
    members: list[str],
    current: Mapping[tuple[str, str], Protocol],
    excluded: Collection[str],
) -> UnitTotals:
    lines = dict.fromkeys(LINE_CODES, 0)
    options = dict.fromkeys(option_ids, 0)
    reporting = 0
    for pid in members:
        found = current.get((pid, question_id))
        if found is None or pid in excluded:
            continue
        reporting += 1
        for code in LINE_CODES:
            lines[code] += found.lines[code]
        for option, votes in found.options.items():
            options[option] = options.get(option, 0) + votes
    return UnitTotals(
        level,
        unit,
        question_id,
        lines,
        options,
        reporting,
        len(members),
        tuple(sorted(pid for pid in members if pid in excluded)),
    )


def _options_of(manifest: Manifest, region_id: str, question_id: str) -> tuple[str, ...]:
    for question in manifest.region_by_id[region_id].questions:
        if question.id == question_id:
            return question.option_ids
    return ()


# --- parsing and payloads ---------------------------------------------------------------------


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InputError(f"{where}: missing field {key!r}")
    return data[key]


def _str(data: Mapping[str, Any], key: str, where: str, *, empty: bool = False) -> str:
    value = _get(data, key, where)
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise InputError(f"{where}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{what} must be a whole number >= 0, got {value!r}")
    return value


def _int(data: Mapping[str, Any], key: str, where: str) -> int:
    return _count(_get(data, key, where), f"{where}: {key!r}")


def _names(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise InputError(f"{where}: {key!r} must be a list of names, got {value!r}")
    return tuple(value)


def _date(data: Mapping[str, Any], key: str, where: str) -> dt.date:
    text = _str(data, key, where)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}: {key!r} must be a date YYYY-MM-DD, got {text!r}") from None


def _object(data: object, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    return data


def _unknown_keys(data: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise InputError(f"{where}: unknown field(s) {', '.join(map(repr, extra))}")


_PROTOCOL_KEYS: tuple[str, ...] = ("precinct", "question", "version", "reason", "lines", "options")
_PROTOCOL_KEYS += ("signed_by", "signed_at", "flags")


def parse_protocol(data: object, where: str = "protocol") -> Protocol:
    d = _object(data, where)
    _unknown_keys(d, _PROTOCOL_KEYS, where)
    lines_data = _object(_get(d, "lines", where), f"{where}: lines")
    _unknown_keys(lines_data, LINE_CODES, f"{where}: lines")
    lines = {code: _int(lines_data, code, f"{where}: lines") for code in LINE_CODES}
    options_data = _object(_get(d, "options", where), f"{where}: options")
    options = {str(k): _count(v, f"{where}: options: {k!r}") for k, v in options_data.items()}
    version = _int(d, "version", where) if "version" in d else 1
    if version < 1:
        raise InputError(f"{where}: 'version' starts at 1")
    reason = d.get("reason") or ""
    if not isinstance(reason, str):
        raise InputError(f"{where}: 'reason' must be a string")
    if version > 1 and not reason.strip():
        raise InputError(f"{where}: a corrected protocol (version {version}) needs a 'reason'")
    return Protocol(
        precinct_id=_str(d, "precinct", where),
        question_id=_str(d, "question", where),
        version=version,
        lines=lines,
        options=options,
        signed_by=_names(d, "signed_by", where),
        signed_at=_str(d, "signed_at", where),
        reason=reason,
    )


def protocol_payload(p: Protocol) -> Json:
    """The ``protocol`` event payload; ``flags`` lists the relations that failed on entry."""
    return {
        "precinct": p.precinct_id,
        "question": p.question_id,
        "version": p.version,
        "reason": p.reason or None,
        "lines": dict(p.lines),
        "options": dict(p.options),
        "signed_by": list(p.signed_by),
        "signed_at": p.signed_at,
        "flags": [c.id for c in failed(protocol_checks(p))],
    }


def check_protocol_against(manifest: Manifest, p: Protocol, where: str = "protocol") -> None:
    """Refuse a protocol for an unknown precinct or question, or with other options."""
    precinct = manifest.precinct_by_id.get(p.precinct_id)
    if precinct is None:
        raise InputError(f"{where}: unknown precinct {p.precinct_id!r}")
    options = _options_of(manifest, precinct.region_id, p.question_id)
    if not options:
        known = ", ".join(q.id for q in manifest.region_by_id[precinct.region_id].questions)
        raise InputError(
            f"{where}: question {p.question_id!r} is not asked in precinct {p.precinct_id!r} "
            f"(its questions: {known})"
        )
    if set(p.options) != set(options):
        raise InputError(
            f"{where}: options must be exactly {', '.join(options)}; got "
            f"{', '.join(sorted(p.options)) or 'none'}"
        )


_TRIP_KEYS: tuple[str, ...] = (
    "trip",
    "precinct",
    "date",
    "team",
    "observers",
    "box",
    "seal_out",
    "seal_in",
)
_TRIP_KEYS += ("applications", "taken", "issued", "spoiled", "returned", "found", "flags")


def parse_trip(data: object, where: str = "mobile trip") -> MobileTrip:
    d = _object(data, where)
    _unknown_keys(d, _TRIP_KEYS, where)
    found = d.get("found")
    return MobileTrip(
        trip_id=_str(d, "trip", where),
        precinct_id=_str(d, "precinct", where),
        date=_date(d, "date", where),
        team=_names(d, "team", where),
        observers=_names(d, "observers", where),
        box=_str(d, "box", where),
        seal_out=_str(d, "seal_out", where, empty=True),
        seal_in=_str(d, "seal_in", where, empty=True),
        applications=_int(d, "applications", where),
        taken=_int(d, "taken", where),
        issued=_int(d, "issued", where),
        spoiled=_int(d, "spoiled", where),
        returned=_int(d, "returned", where),
        found=None if found is None else _count(found, f"{where}: 'found'"),
    )


def trip_payload(t: MobileTrip) -> Json:
    return {
        "trip": t.trip_id,
        "precinct": t.precinct_id,
        "date": t.date.isoformat(),
        "team": list(t.team),
        "observers": list(t.observers),
        "box": t.box,
        "seal_out": t.seal_out,
        "seal_in": t.seal_in,
        "applications": t.applications,
        "taken": t.taken,
        "issued": t.issued,
        "spoiled": t.spoiled,
        "returned": t.returned,
        "found": t.found,
        "flags": [c.id for c in failed(trip_checks(t))],
    }


_ACT_KEYS: tuple[str, ...] = (
    "precinct",
    "date",
    "box",
    "box_kind",
    "packet",
    "seal",
    "count",
    "signatories",
)
_ACT_KEYS += ("observers",)


def parse_custody_act(data: object, where: str = "custody act") -> CustodyAct:
    d = _object(data, where)
    _unknown_keys(d, _ACT_KEYS, where)
    kind = _str(d, "box_kind", where)
    if kind not in {k.value for k in BoxKind}:
        raise InputError(f"{where}: 'box_kind' must be 'mobile' or 'stationary', got {kind!r}")
    return CustodyAct(
        precinct_id=_str(d, "precinct", where),
        date=_date(d, "date", where),
        box=_str(d, "box", where),
        box_kind=BoxKind(kind),
        packet=_str(d, "packet", where),
        seal=_str(d, "seal", where),
        count=_int(d, "count", where),
        signatories=_names(d, "signatories", where),
        observers=_names(d, "observers", where),
    )


def custody_act_payload(a: CustodyAct) -> Json:
    return {
        "precinct": a.precinct_id,
        "date": a.date.isoformat(),
        "box": a.box,
        "box_kind": a.box_kind.value,
        "packet": a.packet,
        "seal": a.seal,
        "count": a.count,
        "signatories": list(a.signatories),
        "observers": list(a.observers),
    }


_REPORT_KEYS: tuple[str, ...] = (
    "observer",
    "organisation",
    "independent",
    "accreditation",
    "precinct",
)
_REPORT_KEYS += ("location", "phase", "at", "checklist", "incidents", "notes")


def parse_observer_report(data: object, where: str = "observer report") -> ObserverReport:
    d = _object(data, where)
    _unknown_keys(d, _REPORT_KEYS, where)
    independent = _get(d, "independent", where)
    if not isinstance(independent, bool):
        raise InputError(f"{where}: 'independent' must be true or false")
    phase = _str(d, "phase", where)
    if phase not in {p.value for p in Phase}:
        known = ", ".join(p.value for p in Phase)
        raise InputError(f"{where}: unknown phase {phase!r}; phases: {known}")
    checklist_data = _object(d.get("checklist", {}), f"{where}: checklist")
    _unknown_keys(checklist_data, CHECKLIST, f"{where}: checklist")
    for key, answer in checklist_data.items():
        if not isinstance(answer, bool):
            raise InputError(f"{where}: checklist {key!r} must be true or false")
    incidents_data = d.get("incidents", [])
    if not isinstance(incidents_data, list):
        raise InputError(f"{where}: 'incidents' must be a list")
    incidents = []
    kinds = {k.value for k in IncidentKind}
    for i, item in enumerate(incidents_data):
        at = f"{where}: incidents[{i}]"
        obj = _object(item, at)
        kind = _str(obj, "kind", at)
        if kind not in kinds:
            raise InputError(f"{at}: unknown kind {kind!r}; kinds: {', '.join(sorted(kinds))}")
        incidents.append(Incident(IncidentKind(kind), _str(obj, "description", at, empty=True)))
    location = d.get("location")
    if location is not None and not isinstance(location, str):
        raise InputError(f"{where}: 'location' must be a string or null")
    return ObserverReport(
        observer=_str(d, "observer", where),
        organisation=_str(d, "organisation", where),
        independent=independent,
        accreditation=_str(d, "accreditation", where, empty=True),
        precinct_id=_str(d, "precinct", where),
        location_id=location,
        phase=Phase(phase),
        at=_str(d, "at", where),
        checklist=dict(checklist_data),
        incidents=tuple(incidents),
        notes=str(d.get("notes") or ""),
    )


def observer_report_payload(r: ObserverReport) -> Json:
    return {
        "observer": r.observer,
        "organisation": r.organisation,
        "independent": r.independent,
        "accreditation": r.accreditation,
        "precinct": r.precinct_id,
        "location": r.location_id,
        "phase": r.phase.value,
        "at": r.at,
        "checklist": dict(r.checklist),
        "incidents": [{"kind": i.kind.value, "description": i.description} for i in r.incidents],
        "notes": r.notes,
    }


_COMPLAINT_KEYS: tuple[str, ...] = ("complaint", "precinct", "filed_by", "filed_at", "grounds")
_COMPLAINT_KEYS += ("decision", "receipt", "board_size")
#: The fields of a device receipt (``services/voting/device.py``, ``DeviceReceipt``).
RECEIPT_KEYS = ("election", "device", "location", "tracking_code", "cast_at", "signature")
_DECISION_KEYS = ("outcome", "annul", "decided_by", "decided_at", "reasons")


def parse_complaint(data: object, where: str = "complaint") -> Complaint:
    d = _object(data, where)
    _unknown_keys(d, _COMPLAINT_KEYS, where)
    decision = None
    if d.get("decision") is not None:
        at = f"{where}: decision"
        dd = _object(d["decision"], at)
        _unknown_keys(dd, _DECISION_KEYS, at)
        outcome = _str(dd, "outcome", at)
        if outcome not in {o.value for o in Outcome}:
            raise InputError(f"{at}: 'outcome' must be 'upheld' or 'rejected', got {outcome!r}")
        annul = dd.get("annul", False)
        if not isinstance(annul, bool):
            raise InputError(f"{at}: 'annul' must be true or false")
        if annul and outcome != Outcome.UPHELD:
            raise InputError(f"{at}: only an upheld complaint can annul a precinct's result")
        decision = Decision(
            Outcome(outcome),
            annul,
            _str(dd, "decided_by", at),
            _str(dd, "decided_at", at),
            _str(dd, "reasons", at, empty=True),
        )
    receipt, board_size = _receipt(d, where)
    return Complaint(
        complaint_id=_str(d, "complaint", where),
        precinct_id=_str(d, "precinct", where),
        filed_by=_str(d, "filed_by", where),
        filed_at=_str(d, "filed_at", where),
        grounds=_str(d, "grounds", where),
        decision=decision,
        receipt=receipt,
        board_size=board_size,
    )


def _receipt(d: Mapping[str, Any], where: str) -> tuple[Mapping[str, str] | None, int | None]:
    if "receipt" not in d and "board_size" not in d:
        return None, None
    at = f"{where}: receipt"
    receipt = _object(_get(d, "receipt", where), at)
    _unknown_keys(receipt, RECEIPT_KEYS, at)
    fields = {key: _str(receipt, key, at) for key in RECEIPT_KEYS}
    return fields, _int(d, "board_size", where)


def complaint_payload(c: Complaint) -> Json:
    decision = None
    if c.decision is not None:
        decision = {
            "outcome": c.decision.outcome.value,
            "annul": c.decision.annul,
            "decided_by": c.decision.decided_by,
            "decided_at": c.decision.decided_at,
            "reasons": c.decision.reasons,
        }
    return {
        "complaint": c.complaint_id,
        "precinct": c.precinct_id,
        "filed_by": c.filed_by,
        "filed_at": c.filed_at,
        "grounds": c.grounds,
        "decision": decision,
    } | ({} if c.receipt is None else {"receipt": dict(c.receipt), "board_size": c.board_size})
