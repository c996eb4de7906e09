"""The legitimacy report: the conditions of a legitimate referendum, checked against a
manifest and, where there is one, the paper record on the board (``docs/legitimacy.md``).

The conditions and their ids (LB1-LB5, CX1-CX3, U1-U2, E1-E3, F1-F14, S1-S2, P1-P9, Q1-Q3,
M1-M6, D1-D3) are those of the reference notes on referendum administration, section 2, drawn
from the Venice Commission's Revised Code of Good Practice on Referendums (2022), the 2007 Code
CDL-AD(2007)008, its opinions, the OSCE Copenhagen Document and ODIHR practice. Each is
evaluated to ``pass``, ``fail`` or ``unknown`` with the evidence it rests on: ``unknown`` means
the manifest and the record do not hold what the condition needs, never that it is met.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jinja2 import Environment

from plebiscite.crypto.hashing import canonical_json
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_load import parse_manifest_json
from plebiscite.domain.paper import IncidentKind
from plebiscite.errors import InputError, ManifestError
from plebiscite.record.export import EVENTS, import_export
from plebiscite.record.memory import MemoryBoard
from plebiscite.record.sql import SqlBoard
from plebiscite.services.paper import Finding, PaperRecord, load_paper, paper_findings
from plebiscite.services.setup import load_manifest

REPORT_FORMAT = "plebiscite-legitimacy-v1"

_RC = "Venice Commission, Revised Code of Good Practice on Referendums (2022)"
_CODE07 = "Venice Commission, Code of Good Practice on Referendums, CDL-AD(2007)008"
_ODIHR_MOBILE = "ODIHR, Guidelines for Reviewing a Legal Framework for Elections (mobile voting)"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Spec:
    id: str
    theme: str
    title: str
    source: str


@dataclass(frozen=True)
class Condition:
    """One condition evaluated: its id, status, the evidence and where the rule comes from."""

    id: str
    theme: str
    title: str
    status: Status
    evidence: str
    source: str


@dataclass(frozen=True)
class Report:
    referendum_id: str
    title: str
    subject: str  # what was read: a manifest file, a record directory or a board
    paper_events: int | None  # None: only a manifest was read
    conditions: tuple[Condition, ...]

    def status_of(self, condition_id: str) -> Status:
        for c in self.conditions:
            if c.id == condition_id:
                return c.status
        raise KeyError(condition_id)

    def ids(self, status: Status) -> list[str]:
        return [c.id for c in self.conditions if c.status is status]


THEMES = {
    "LB": "Legal basis and stability",
    "CX": "Context: emergencies and armed forces",
    "US": "Universal, equal, free and secret suffrage",
    "P": "Procedural guarantees: observers, appeals, publication",
    "Q": "Quorum and effect",
    "MD": "Mobile boxes, multi-day voting and custody",
}


def _spec(id_: str, theme: str, title: str, source: str) -> Spec:
    return Spec(id_, THEMES[theme], title, source)


SPECS: tuple[Spec, ...] = (
    _spec("LB1", "LB", "Provided for by the constitution or a conforming statute", f"{_RC} II.1"),
    _spec("LB2", "LB", "Rules of statute rank, not adopted ad hoc", f"{_RC} II.3.a"),
    _spec(
        "LB3",
        "LB",
        "Fundamental rules not changed within the year before the vote",
        f"{_RC} II.3.b/d; {_CODE07} II.2.b",
    ),
    _spec("LB4", "LB", "Unity of form, content and hierarchical level", f"{_CODE07} III.2"),
    _spec(
        "LB5", "LB", "Respects higher and international law", f"{_RC} III.1; PACE Res. 2251 (2019)"
    ),
    _spec(
        "CX1",
        "CX",
        "A status referendum follows negotiations and is allowed by the constitution",
        "Venice Commission, opinion on Crimea, CDL-AD(2014)002 paras 27-28",
    ),
    _spec(
        "CX2",
        "CX",
        "No referendum under a state of emergency, martial law or war",
        "Venice Commission, statement of 21 September 2022; CDL-AD(2014)002",
    ),
    _spec("CX3", "CX", "No massive presence of (para)military forces", "CDL-AD(2014)002"),
    _spec("U1", "US", "Franchise no more onerous than for elections", f"{_RC} I.1.1"),
    _spec("U2", "US", "A permanent, public register with correction procedures", f"{_RC} I.1.2"),
    _spec("E1", "US", "One vote per voter per question", f"{_RC} I.2.1"),
    _spec("E2", "US", "Equal opportunity for supporters and opponents", f"{_RC} I.2.2, II.4.4"),
    _spec("E3", "US", "Neutral authorities; no public resources for campaigning", f"{_RC} I.3.1"),
    _spec("F1", "US", "A clear question that does not suggest the answer", f"{_RC} I.3.1.c"),
    _spec("F2", "US", "An impartial body scrutinises the question beforehand", f"{_RC} I.3.1.d"),
    _spec("F3", "US", "Balanced official information sent in good time", f"{_RC} I.3.1.e"),
    _spec("F4", "US", "Voting procedures readily understandable", f"{_RC} I.3.2.a.i"),
    _spec("F5", "US", "Voters can always vote in a polling station", f"{_RC} I.3.2.a.ii"),
    _spec("F6", "US", "Postal voting only where the post is safe", f"{_RC} I.3.2.a.iii"),
    _spec("F7", "US", "E-voting secure, verifiable, transparent", f"{_RC} I.3.2.a.iv"),
    _spec("F8", "US", "Proxy voting under very strict rules", f"{_RC} I.3.2.a.v"),
    _spec("F9", "US", "Mobile boxes only under strict conditions", f"{_RC} I.3.2.a.vi"),
    _spec("F10", "US", "Votes cast match the slips in the box", f"{_RC} I.3.2.a.vii"),
    _spec("F11", "US", "Slips not tampered with or marked by officials", f"{_RC} I.3.2.a.viii"),
    _spec("F12", "US", "Unused and invalid slips never leave the station", f"{_RC} I.3.2.a.ix"),
    _spec(
        "F13",
        "US",
        "Observers of both sides present during voting and counting",
        f"{_RC} I.3.2.a.x and its explanatory note",
    ),
    _spec("F14", "US", "Military personnel vote where they live", f"{_RC} I.3.2.a.xi"),
    _spec(
        "S1",
        "US",
        "Secret vote; no open or family voting",
        f"{_RC} I.4; ODIHR legal-framework guidelines",
    ),
    _spec(
        "S2",
        "US",
        "Lists of who voted are not published",
        "Venice Commission, interpretative declaration CDL-AD(2016)028",
    ),
    _spec("P1", "P", "Organised and supervised by an impartial body", f"{_RC} II.4.1"),
    _spec(
        "P2", "P", "Widest opportunity for national and international observers", f"{_RC} II.4.2"
    ),
    _spec("P3", "P", "Observers may go wherever operations take place", f"{_RC} II.4.2.c"),
    _spec("P4", "P", "Observation covers the authorities' neutrality", f"{_RC} II.4.2.d"),
    _spec(
        "P5",
        "P",
        "Effective appeal that can annul one station's result",
        f"{_RC} II.4.3",
    ),
    _spec("P6", "P", "Transparent funding, equal between sides", f"{_RC} II.4.4"),
    _spec(
        "P7",
        "P",
        "Results published per polling station",
        "Joint Venice Commission/ODIHR opinion (Carter Center EOS quote 8556)",
    ),
    _spec("P8", "P", "Votes counted and reported honestly; results public", "OSCE Copenhagen 7.4"),
    _spec("P9", "P", "Foreign and domestic observers welcome", "OSCE Copenhagen 8"),
    _spec("Q1", "Q", "No turnout quorum", f"{_CODE07} III.7.a"),
    _spec("Q2", "Q", "No approval quorum, or not a high one", f"{_CODE07} III.7.b"),
    _spec("Q3", "Q", "Effects stated before the vote", f"{_CODE07} III.8"),
    _spec("M1", "MD", "Home voting only on individual application", _ODIHR_MOBILE),
    _spec(
        "M2",
        "MD",
        "Mobile team of at least two officials; observers may accompany",
        f"ODIHR Election Observation Handbook; {_ODIHR_MOBILE}",
    ),
    _spec("M3", "MD", "Ballots taken = issued + spoiled + returned", _ODIHR_MOBILE),
    _spec(
        "M4", "MD", "Mobile box sealed and numbered, seals recorded", "national law; ACE Project"
    ),
    _spec(
        "M5",
        "MD",
        "Ballots in a mobile box <= applications, or the box is void",
        "Russian Federal Law 67-FZ art. 68 p. 12",
    ),
    _spec("M6", "MD", "Mobile voters recorded in every protocol", _ODIHR_MOBILE),
    _spec(
        "D1",
        "MD",
        "A daily official record, carried into the final protocol",
        "Joint Venice Commission/ODIHR opinion, para 50",
    ),
    _spec(
        "D2",
        "MD",
        "Overnight storage in numbered packets under signed acts",
        "CEC of Russia resolution 75/637-8, act forms",
    ),
    _spec(
        "D3",
        "MD",
        "Registration and secrecy controls on every channel and day",
        "Joint Venice Commission/ODIHR opinion on Serbia",
    ),
)

Verdict = tuple[Status, str]


@dataclass
class _Facts:
    """What the evaluators read, worked out once."""

    manifest: Manifest
    record: PaperRecord | None
    findings: list[Finding]

    def failing(self, kinds: set[str], ids: set[str]) -> list[Finding]:
        return [
            f for f in self.findings if f.kind in kinds and f.check.id in ids and not f.check.ok
        ]

    def checked(self, kinds: set[str], ids: set[str]) -> int:
        return len(
            {(f.subject, f.index) for f in self.findings if f.kind in kinds and f.check.id in ids}
        )

    def open_days(self, kind: LocationKind) -> dict[str, set[dt.date]]:
        """Per precinct, the days a location of ``kind`` is open."""
        days: dict[str, set[dt.date]] = {p.id: set() for p in self.manifest.precincts}
        for location in self.manifest.locations:
            if location.kind is kind:
                for start, _ in self.manifest.open_spans(location):
                    days[location.precinct_id].add(start.date())
        return days


def _dates(days: set[dt.date]) -> str:
    return ", ".join(d.isoformat() for d in sorted(days)) or "no day"


def _listing(findings: list[Finding], limit: int = 5) -> str:
    shown = [f"{f.check.id} {f.subject}: {f.check.message}" for f in findings[:limit]]
    more = f"; and {len(findings) - limit} more" if len(findings) > limit else ""
    return "; ".join(shown) + more


def _from_record(facts: _Facts, kind: str, ids: set[str], what: str, none: str) -> Verdict:
    """Fail on any failing check ``ids`` on records of ``kind`` (several kinds joined by
    ``+``); pass if such records were checked; else unknown."""
    if facts.record is None:
        return Status.UNKNOWN, f"only a manifest was read: {none}"
    kinds = set(kind.split("+"))
    bad = facts.failing(kinds, ids)
    checked = facts.checked(kinds, ids)
    if bad:
        return Status.FAIL, f"{len(bad)} failing check(s) over {checked} {what}: {_listing(bad)}"
    if checked:
        return Status.PASS, f"{checked} {what} checked ({', '.join(sorted(ids))}); none fails"
    return Status.UNKNOWN, f"the record holds no {what}: {none}"


def _unknown(why: str) -> Callable[[_Facts], Verdict]:
    return lambda facts: (Status.UNKNOWN, why)


# --- evaluators -------------------------------------------------------------------------------


def _lb1(f: _Facts) -> Verdict:
    act = f.manifest.legal_basis.act
    return Status.UNKNOWN, f"legal basis recorded: {act!r}; conformity needs a legal review"


def _lb2(f: _Facts) -> Verdict:
    basis = f.manifest.legal_basis
    if basis.enacted >= basis.called:
        return Status.FAIL, (
            f"the rules were enacted on {basis.enacted} and the referendum called on "
            f"{basis.called}: rules made for this referendum (ad hoc)"
        )
    return Status.PASS, f"rules enacted {basis.enacted}, before the call on {basis.called}"


def _lb3(f: _Facts) -> Verdict:
    enacted, start = f.manifest.legal_basis.enacted, f.manifest.days[0].date
    gap = (start - enacted).days
    if gap < 365:
        return Status.FAIL, f"rules enacted {enacted}, only {gap} days before voting began {start}"
    return Status.PASS, f"rules enacted {enacted}, {gap} days before voting began {start}"


def _lb4(f: _Facts) -> Verdict:
    count = sum(len(r.questions) for r in f.manifest.regions)
    return Status.UNKNOWN, f"{count} question(s) recorded; unity of content needs a reviewer"


def _cx2(f: _Facts) -> Verdict:
    m = f.manifest
    found = [(r.id, e) for r in m.regions for e in m.emergencies_in(r.id)]
    if not found:
        return Status.PASS, "the manifest records no emergency in force on a voting day"
    regions = sorted({r for r, _ in found})
    kinds = sorted({e.kind.replace("_", " ") for _, e in found})
    declared = "; ".join(sorted({f"{e.declared_by} (from {e.start})" for _, e in found}))
    return Status.FAIL, (
        f"{' and '.join(kinds)} in force during the vote in {len(regions)} region(s) "
        f"({', '.join(regions)}): {declared}"
    )


def _reports_with(f: _Facts, answer: str, incidents: set[IncidentKind]) -> tuple[list[str], int]:
    """Reports that answer ``answer`` False or record one of ``incidents``; reports that
    answer the question at all (or record incidents)."""
    if f.record is None:
        return [], 0
    bad, answered = [], 0
    for item in f.record.reports:
        r = item.value
        hits = [i for i in r.incidents if i.kind in incidents]
        if answer in r.checklist or hits:
            answered += 1
        if r.checklist.get(answer) is False or hits:
            detail = "; ".join(i.description or i.kind.value for i in hits) or f"{answer}: no"
            bad.append(f"{r.observer} at {r.precinct_id} ({r.at}): {detail}")
    return bad, answered


def _observed(
    answer: str, incidents: set[IncidentKind], context: Callable[[_Facts], str]
) -> Callable[[_Facts], Verdict]:
    def evaluate(f: _Facts) -> Verdict:
        bad, answered = _reports_with(f, answer, incidents)
        if bad:
            shown = "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
            return Status.FAIL, f"{len(bad)} observer report(s): {shown}"
        if answered:
            return Status.PASS, f"{answered} observer report(s) answer it; none reports a breach"
        return Status.UNKNOWN, f"no observer report answers it. {context(f)}".strip()

    return evaluate


def _notes(f: _Facts) -> str:
    notes = " ".join(f.manifest.context.notes)
    return f"The manifest's context notes: {notes}" if notes else ""


def _no_booth(f: _Facts) -> str:
    mobile = sum(loc.kind is LocationKind.MOBILE_TEAM for loc in f.manifest.locations)
    return f"{mobile} of {len(f.manifest.locations)} locations are mobile teams with no booth."


def _f5(f: _Facts) -> Verdict:
    regular = f.open_days(LocationKind.REGULAR_STATION)
    all_days = {d.date for d in f.manifest.days}
    without = [p for p, days in regular.items() if not days]
    partial = {p: days for p, days in regular.items() if days and days != all_days}
    if not without and not partial:
        return Status.PASS, "every precinct has a regular station open on every voting day"
    parts = []
    if without:
        parts.append(f"{len(without)} precinct(s) have no regular station open on any day")
    if partial:
        open_on = set().union(*partial.values())
        closed = all_days - open_on
        parts.append(
            f"in {len(partial)} of {len(regular)} precincts the regular station is open only on "
            f"{_dates(open_on)} ({len(open_on)} of {len(all_days)} voting days); on "
            f"{_dates(closed)} voters could vote only through mobile teams or makeshift stations"
        )
    return Status.FAIL, "; ".join(parts)


def _mobile_main(f: _Facts) -> tuple[int, set[dt.date]]:
    """Precincts whose mobile team works on days their regular station is closed, and those days."""
    regular = f.open_days(LocationKind.REGULAR_STATION)
    mobile = f.open_days(LocationKind.MOBILE_TEAM)
    precincts, days = 0, set()
    for precinct, mobile_days in mobile.items():
        extra = mobile_days - regular[precinct]
        if extra:
            precincts += 1
            days |= extra
    return precincts, days


def _f9(f: _Facts) -> Verdict:
    precincts, days = _mobile_main(f)
    trips = _from_record(f, "trip", {"T1", "T2", "T3", "T4"}, "mobile trips", "no trip to check")
    parts = []
    if precincts:
        parts.append(
            f"mobile teams go door to door in {precincts} precinct(s) on {len(days)} day(s) "
            f"when the regular station is closed ({_dates(days)}): door-to-door collection is a "
            f"main channel, not an exception granted on application"
        )
    if trips[0] is Status.FAIL:
        parts.append(f"mobile trips: {trips[1]}")
    if parts:
        return Status.FAIL, "; ".join(parts)
    if not any(loc.kind is LocationKind.MOBILE_TEAM for loc in f.manifest.locations):
        return Status.PASS, "the manifest has no mobile teams"
    if trips[0] is Status.PASS:
        return Status.PASS, f"mobile teams only on station days; {trips[1]}"
    return Status.UNKNOWN, f"mobile teams only on station days; {trips[1]}"


def _observers(f: _Facts, what: str) -> Verdict:
    ctx = f.manifest.context
    if not ctx.independent_observers_admitted:
        return Status.FAIL, f"no independent observers were admitted: {ctx.observers_note}"
    if f.record is not None:
        independent = {r.value.observer for r in f.record.reports if r.value.independent}
        if independent:
            return Status.PASS, f"{len(independent)} independent observer(s) filed reports"
    return Status.UNKNOWN, f"independent observers admitted; {what} not shown by the record"


def _f13(f: _Facts) -> Verdict:
    status, evidence = _observers(f, "their presence at voting and counting")
    if f.record is not None:
        trips = f.record.current_trips().values()
        alone = sum(not t.value.observers for t in trips)
        if alone:
            status = Status.FAIL
            evidence += f"; {alone} of {len(trips)} mobile trip(s) went without any observer"
    return status, evidence


def _p2(f: _Facts) -> Verdict:
    ctx = f.manifest.context
    if not ctx.independent_observers_admitted:
        return Status.FAIL, f"no independent observers were admitted: {ctx.observers_note}"
    return Status.PASS, f"independent observers admitted. {ctx.observers_note}".strip()


def _p3(f: _Facts) -> Verdict:
    ctx = f.manifest.context
    if not ctx.independent_observers_admitted:
        return Status.FAIL, "no independent observer was admitted anywhere"
    return _observed(
        "observers_unhindered",
        {IncidentKind.OBSERVER_OBSTRUCTED},
        lambda _: "",
    )(f)


def _p5(f: _Facts) -> Verdict:
    if f.record is None:
        return Status.UNKNOWN, "only a manifest was read: no complaints to show"
    complaints = f.record.current_complaints()
    decided = [c for c in complaints.values() if c.value.decision is not None]
    if not decided:
        return Status.UNKNOWN, f"{len(complaints)} complaint(s) on the board, none decided yet"
    annulled = sorted(f.record.annulled())
    return Status.PASS, (
        f"{len(decided)} of {len(complaints)} complaint(s) decided; annulled precincts: "
        f"{', '.join(annulled) or 'none'}; results are recomputed without them"
    )


def _p7(f: _Facts) -> Verdict:
    if f.record is None:
        return Status.UNKNOWN, "only a manifest was read: no precinct protocols to show"
    current = f.record.current_protocols()
    if not current:
        return Status.UNKNOWN, "the board holds no precinct protocol"
    expected = {
        (p.id, q.id)
        for p in f.manifest.precincts
        for q in f.manifest.region_by_id[p.region_id].questions
    }
    missing = sorted(expected - set(current))
    if missing:
        shown = ", ".join(f"{p}/{q}" for p, q in missing[:10])
        return Status.FAIL, f"{len(missing)} of {len(expected)} protocols missing: {shown}"
    return Status.PASS, f"all {len(expected)} precinct protocols are on the board"


def _q1(f: _Facts) -> Verdict:
    quorum = f.manifest.quorum.turnout_min_percent
    if quorum is None:
        return Status.PASS, "no turnout quorum"
    return Status.FAIL, f"a turnout quorum of {quorum} % invites boycotts"


def _q2(f: _Facts) -> Verdict:
    quorum = f.manifest.quorum.approval_min_percent
    if quorum is None:
        return Status.PASS, "no approval quorum"
    return Status.UNKNOWN, f"an approval quorum of {quorum} % of registered voters; is it too high?"


def _m6(f: _Facts) -> Verdict:
    if f.record is None or not f.record.current_protocols():
        return Status.UNKNOWN, "no precinct protocols to show the mobile lines"
    found = mobile = 0
    for item in f.record.current_protocols().values():
        found += item.value.found
        mobile += item.value.lines["in_mobile_boxes"]
    share = f"{100 * mobile / found:.1f} %" if found else "n/a"
    return Status.PASS, (
        f"every protocol carries lines 5 and 7; {mobile} of {found} ballots found were in "
        f"mobile boxes ({share})"
    )


def _d1(f: _Facts) -> Verdict:
    if len(f.manifest.days) == 1:
        return Status.PASS, "voting lasts one day"
    return _from_record(
        f,
        "custody",
        {"D1M", "D1S"},
        "protocols with daily acts",
        f"voting lasts {len(f.manifest.days)} days; a daily act per box is needed",
    )


_EVALUATORS: dict[str, Callable[[_Facts], Verdict]] = {
    "LB1": _lb1,
    "LB2": _lb2,
    "LB3": _lb3,
    "LB4": _lb4,
    "LB5": _unknown("substantive validity needs a reviewer's attestation"),
    "CX1": _unknown("the manifest does not mark a question on territorial status"),
    "CX2": _cx2,
    "CX3": _observed("no_armed_persons", {IncidentKind.ARMED_PRESENCE}, _notes),
    "U1": _unknown("the franchise rules are not recorded"),
    "U2": _unknown("register versions and their correction procedure are not evaluated here"),
    "E1": _observed("voter_list_marked", set(), lambda _: ""),
    "E2": _unknown("campaign opportunities per side are not recorded"),
    "E3": _unknown("neutrality of the authorities is not recorded"),
    "F1": _unknown("clarity of the question needs a reviewer"),
    "F2": _unknown("no review of the question is recorded"),
    "F3": _unknown("publication and dispatch dates of official information are not recorded"),
    "F4": _unknown("not something the record can show"),
    "F5": _f5,
    "F6": lambda f: (Status.PASS, "the manifest has no postal channel"),
    "F7": _unknown("the conformity of e-voting with CM/Rec(2017)5 is not evaluated here"),
    "F8": lambda f: (Status.PASS, "the manifest has no proxy voting"),
    "F9": _f9,
    "F10": lambda f: _from_record(
        f, "protocol", {"K1", "K2", "K3", "W1"}, "precinct protocols", "no count to compare"
    ),
    "F11": _unknown("invalidity reasons per ballot are not recorded"),
    "F12": lambda f: _from_record(
        f, "protocol", {"W3"}, "precinct protocols", "no ballot accounting to check"
    ),
    "F13": _f13,
    "F14": _unknown("where military personnel voted is not recorded"),
    "S1": _observed(
        "secrecy_respected", {IncidentKind.OPEN_VOTING, IncidentKind.FAMILY_VOTING}, _no_booth
    ),
    "S2": _unknown("plebiscite publishes pseudonyms and aggregates only; other lists unknown"),
    "P1": _unknown("the composition of the commissions is not recorded"),
    "P2": _p2,
    "P3": _p3,
    "P4": _unknown("not recorded"),
    "P5": _p5,
    "P6": _unknown("campaign funding is not recorded"),
    "P7": _p7,
    "P8": _unknown("needs the published official results to compare"),
    "P9": _p2,
    "Q1": _q1,
    "Q2": _q2,
    "Q3": lambda f: (Status.PASS, f"the effect is stated before the vote: {f.manifest.effect}"),
    "M1": lambda f: _from_record(
        f, "trip", {"T5"}, "mobile trips", "no applications register to check"
    ),
    "M2": lambda f: _from_record(f, "trip", {"T1"}, "mobile trips", "no team to check"),
    "M3": lambda f: _from_record(f, "trip", {"T2", "T6"}, "mobile trips", "no trip to check"),
    "M4": lambda f: _from_record(f, "trip", {"T4"}, "mobile trips", "no seals to check"),
    "M5": lambda f: _from_record(f, "trip", {"T3"}, "mobile trips", "no mobile box to check"),
    "M6": _m6,
    "D1": _d1,
    "D2": lambda f: _from_record(
        f, "act+custody", {"C1", "C2", "C3"}, "custody records", "no custody act to check"
    ),
    "D3": lambda f: (Status.UNKNOWN, _no_booth(f)),
}


def evaluate(manifest: Manifest, record: PaperRecord | None = None, subject: str = "") -> Report:
    """Every condition, from the manifest and (if given) the board's paper record."""
    findings = [] if record is None else paper_findings(manifest, record)
    facts = _Facts(manifest, record, findings)
    conditions = []
    for spec in SPECS:
        status, evidence = _EVALUATORS[spec.id](facts)
        conditions.append(Condition(spec.id, spec.theme, spec.title, status, evidence, spec.source))
    events = None
    if record is not None:
        events = len(record.protocols) + len(record.trips) + len(record.acts)
        events += len(record.reports) + len(record.complaints)
    return Report(manifest.id, manifest.title, subject, events, tuple(conditions))


# --- reading the subject ----------------------------------------------------------------------


def _manifest_file(path: Path) -> Manifest:
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ManifestError(f"{path}: not a readable JSON file: {exc}") from None
        if isinstance(data, dict) and {"hash", "manifest"} <= set(data):
            # the manifest.json of an exported record: the manifest event's payload
            return parse_manifest_json(canonical_json(data["manifest"]), str(path))
    return load_manifest(path)


def evaluate_path(path: Path) -> Report:
    """The report for a manifest file (TOML or JSON), an exported record directory
    (``events.jsonl``; checked and imported) or a board database file."""
    if path.is_dir():
        if not (path / EVENTS).is_file():
            raise InputError(f"{path} is a directory without {EVENTS}: not an exported record")
        memory = MemoryBoard()
        import_export(path, memory)
        manifest, record = load_paper(memory)
        return evaluate(manifest, record, f"record {path}")
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.suffix in (".toml", ".json"):
        return evaluate(_manifest_file(path), None, f"manifest {path}")
    with SqlBoard.open(str(path)) as sql:
        manifest, record = load_paper(sql)
    return evaluate(manifest, record, f"board {path}")


# --- output -----------------------------------------------------------------------------------


def report_document(report: Report) -> dict[str, Any]:
    """``{"conditions": [{"id", "status", "evidence", "source", "theme", "title"}, ...]}``."""
    return {
        "format": REPORT_FORMAT,
        "referendum": report.referendum_id,
        "subject": report.subject,
        "conditions": [
            {
                "id": c.id,
                "status": c.status.value,
                "evidence": c.evidence,
                "source": c.source,
                "theme": c.theme,
                "title": c.title,
            }
            for c in report.conditions
        ],
    }


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Legitimacy report: {{ report.title }}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem .5rem;vertical-align:top;
border-bottom:1px solid #eee;text-align:left}th{background:#f4f4f4}
.s{font-weight:bold;text-transform:uppercase;font-size:.8rem;white-space:nowrap}
.fail{color:#a40000}.pass{color:#1a6b1a}.unknown{color:#6b5a00}
.src{color:#555;font-size:.85rem}.sum span{margin-right:1.5rem}
</style></head><body>
<h1>Legitimacy report: {{ report.title }}</h1>
<p>Referendum <code>{{ report.referendum_id }}</code>, read from {{ report.subject }}.
{% if report.paper_events is none %}Only the manifest was read: conditions that need the
paper record are <em>unknown</em>.{% else %}{{ report.paper_events }} paper event(s) on the
board.{% endif %}</p>
<p class="sum">{% for s, n in counts %}<span class="{{ s }}">{{ s }}: {{ n }}</span>{% endfor %}
</p>
<p>Each condition is taken from the Venice Commission's Code of Good Practice on Referendums,
its opinions, the OSCE Copenhagen Document and ODIHR practice. <em>Unknown</em> means the
record does not hold what the condition needs; it is never a pass.</p>
{% for theme, rows in themes %}
<h2>{{ theme }}</h2>
<table><tr><th>id</th><th>condition</th><th>status</th><th>evidence</th></tr>
{% for c in rows %}<tr><td>{{ c.id }}</td><td>{{ c.title }}<div class="src">{{ c.source }}</div>
</td><td class="s {{ c.status.value }}">{{ c.status.value }}</td><td>{{ c.evidence }}</td></tr>
{% endfor %}</table>
{% endfor %}
</body></html>
"""


def render_html(report: Report) -> str:
    """A self-contained HTML page (no external assets), conditions grouped by theme."""
    env = Environment(autoescape=True)
    themes: dict[str, list[Condition]] = {}
    for c in report.conditions:
        themes.setdefault(c.theme, []).append(c)
    counts = [(s.value, len(report.ids(s))) for s in Status]
    return env.from_string(_TEMPLATE).render(
        report=report, themes=list(themes.items()), counts=counts
    )


__all__ = [
    "SPECS",
    "Condition",
    "Report",
    "Status",
    "evaluate",
    "evaluate_path",
    "render_html",
    "report_document",
]
