"""Conditions decided from the manifest's facts on sovereignty, occupation, the constitutional
basis, emergencies and armed presence (``docs/legitimacy.md``, "The conditions").

Each evaluator reads facts under ``facts.`` (``docs/manifest.md``, "Facts and provenance") and
the manifest's own keys, and names the key paths it rests on. A fact the manifest does not state
leaves the condition ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable

from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.paper import IncidentKind
from plebiscite.services.legitimacy.evidence import (
    Status,
    Subject,
    Verdict,
    entries,
    unknown,
    verdict,
)

PASS, FAIL, UNKNOWN, NA = Status.PASS, Status.FAIL, Status.UNKNOWN, Status.NOT_APPLICABLE
SOV = "facts.sovereignty."


def _state(s: Subject) -> str:
    return s.manifest.facts.text("sovereignty.state_concerned") or "the state concerned"


def ti1(s: Subject) -> Verdict:
    consents = s.flag("sovereignty.state_consents")
    organised = s.flag("sovereignty.organised_by_state_concerned")
    state = _state(s)
    if organised is True:
        return verdict(
            PASS,
            f"called and run by the authorities of {state}",
            SOV + "organised_by_state_concerned",
        )
    if consents is True:
        return verdict(PASS, f"{state} consents to the vote", SOV + "state_consents")
    if consents is False:
        keys = [SOV + "state_consents"]
        run_by = ""
        if organised is False:
            keys.append(SOV + "organised_by_state_concerned")
            run_by = f"called by authorities other than those of {state}, and "
        return verdict(
            FAIL,
            f"{run_by}{state} does not consent: a vote that would alter its territory without "
            f"its consent is void whatever the procedure",
            *keys,
        )
    if organised is False:
        return verdict(
            UNKNOWN,
            f"called by authorities other than those of {state}; whether {state} consents is "
            f"not stated (facts.sovereignty.state_consents)",
            SOV + "organised_by_state_concerned",
        )
    return unknown("who called the vote and whether the state concerned consents is not stated")


def oc1(s: Subject) -> Verdict:
    occupied = s.flag("sovereignty.occupied")
    if occupied is None:
        return unknown(
            "whether the territory is occupied is not stated (facts.sovereignty.occupied)"
        )
    if occupied is False:
        return verdict(PASS, "the territory is not under occupation", SOV + "occupied")
    by = s.manifest.facts.text("sovereignty.occupying_state")
    keys = [SOV + "occupied"] + ([SOV + "occupying_state"] if by else [])
    return verdict(
        FAIL,
        f"the vote is held on territory under belligerent occupation{f' by {by}' if by else ''}: "
        f"the occupant must respect the laws in force there, and no change it makes to the "
        f"territory's institutions, nor an annexation, takes away its inhabitants' protection",
        *keys,
    )


def lb1(s: Subject) -> Verdict:
    act = s.manifest.legal_basis.act
    basis = s.flag("sovereignty.constitutional_basis")
    keys = (SOV + "constitutional_basis", "referendum.legal_basis.act")
    if basis is False:
        return verdict(
            FAIL,
            f"no basis in the constitution of {_state(s)}; the act relied on: {act!r}",
            *keys,
        )
    if basis is True:
        return verdict(PASS, f"provided for by the constitution; the act: {act!r}", *keys)
    return verdict(
        UNKNOWN,
        f"legal basis recorded: {act!r}; its conformity with the constitution is not stated "
        f"(facts.sovereignty.constitutional_basis)",
        "referendum.legal_basis.act",
    )


def cx1(s: Subject) -> Verdict:
    status_question = s.flag("sovereignty.status_question")
    if status_question is None:
        return unknown("whether a question changes the territory's status is not stated")
    if status_question is False:
        return verdict(NA, "no question changes the territory's status", SOV + "status_question")
    basis = s.flag("sovereignty.constitutional_basis")
    talks = s.flag("sovereignty.negotiations_held")
    keys = [SOV + "status_question"]
    wrong = []
    if basis is False:
        keys.append(SOV + "constitutional_basis")
        wrong.append(f"the constitution of {_state(s)} does not allow it")
    if talks is False:
        keys.append(SOV + "negotiations_held")
        wrong.append("no serious negotiations among all stakeholders preceded it")
    if wrong:
        return verdict(FAIL, f"a question on the territory's status: {'; '.join(wrong)}", *keys)
    if basis is True and talks is True:
        return verdict(
            PASS,
            "a status question, allowed by the constitution, after negotiations",
            *keys,
            SOV + "constitutional_basis",
            SOV + "negotiations_held",
        )
    return verdict(
        UNKNOWN, "a status question; constitutional basis or negotiations not stated", *keys
    )


def lb5(s: Subject) -> Verdict:
    declared = s.manifest.facts.texts("sovereignty.declared_invalid_by")
    if declared:
        return verdict(
            FAIL,
            f"declared without validity under international law by: {'; '.join(declared)}",
            SOV + "declared_invalid_by",
        )
    return unknown("substantive validity needs a reviewer's attestation; no declaration recorded")


def cx2(s: Subject) -> Verdict:
    m = s.manifest
    found = [(r.id, e) for r in m.regions for e in m.emergencies_in(r.id)]
    if not found:
        return verdict(
            PASS,
            "the manifest records no emergency in force on a voting day",
            "context.emergencies",
        )
    regions = sorted({r for r, _ in found})
    kinds = sorted({e.kind.replace("_", " ") for _, e in found})
    declared = "; ".join(sorted({f"{e.declared_by} (from {e.start})" for _, e in found}))
    return verdict(
        FAIL,
        f"{' and '.join(kinds)} in force during the vote in {len(regions)} region(s) "
        f"({', '.join(regions)}): {declared}",
        "context.emergencies",
    )


def _reports(
    s: Subject, answer: str, incidents: set[IncidentKind], phase: str = ""
) -> tuple[list[str], list[int], int]:
    """Observer reports that answer ``answer`` False or record one of ``incidents``, their board
    entries, and how many reports answer at all."""
    if s.record is None:
        return [], [], 0
    bad, where, answered = [], [], 0
    for item in s.record.reports:
        r = item.value
        if phase and r.phase.value != phase:
            continue
        hits = [i for i in r.incidents if i.kind in incidents]
        if answer in r.checklist or hits:
            answered += 1
        if r.checklist.get(answer) is False or hits:
            detail = "; ".join(i.description or i.kind.value for i in hits) or f"{answer}: no"
            bad.append(f"{r.observer} at {r.precinct_id} ({r.at}): {detail}")
            where.append(item.index)
    return bad, where, answered


def _shown(bad: list[str]) -> str:
    return "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")


def observed(
    answer: str, incidents: set[IncidentKind], phase: str = ""
) -> Callable[[Subject], Verdict | None]:
    """From observer reports: fail on a breach, pass if reports answer; ``None`` if none do."""

    def evaluate(s: Subject) -> Verdict | None:
        bad, where, answered = _reports(s, answer, incidents, phase)
        if bad:
            return verdict(FAIL, f"{len(bad)} observer report(s): {_shown(bad)}", *entries(where))
        if answered:
            return verdict(PASS, f"{answered} observer report(s) answer it; none reports a breach")
        return None

    return evaluate


_ARMED = observed("no_armed_persons", {IncidentKind.ARMED_PRESENCE})


def cx3(s: Subject) -> Verdict:
    stations = s.flag("armed_presence.at_stations")
    teams = s.flag("armed_presence.with_mobile_teams")
    found = [
        (key, what)
        for key, value, what in (
            ("at_stations", stations, "at polling stations"),
            ("with_mobile_teams", teams, "with the door-to-door teams"),
        )
        if value is True
    ]
    from_reports = _ARMED(s)
    if found:
        evidence = f"armed persons {' and '.join(w for _, w in found)}"
        keys = [f"facts.armed_presence.{k}" for k, _ in found]
        if from_reports is not None and from_reports.status is FAIL:
            evidence += f"; {from_reports.evidence}"
            keys += from_reports.keys
        return verdict(FAIL, evidence, *keys)
    if from_reports is not None:
        return from_reports
    if stations is False and teams is False:
        return verdict(PASS, "no armed presence at stations or with teams", "facts.armed_presence")
    notes = " ".join(s.manifest.context.notes)
    return unknown(
        f"no fact or observer report on armed presence. "
        f"{f'Context notes: {notes}' if notes else ''}".strip()
    )


def sh1(s: Subject) -> Verdict:
    if not s.has(LocationKind.MOBILE_TEAM):
        return verdict(NA, "the manifest has no door-to-door voting", "locations")
    escorted = s.flag("armed_presence.with_mobile_teams")
    reports = observed(
        "secrecy_respected", {IncidentKind.OPEN_VOTING, IncidentKind.ARMED_PRESENCE}, "mobile"
    )(s)
    if escorted is True:
        return verdict(
            FAIL,
            "door-to-door teams went with armed escorts: a voter marking a ballot at the door in "
            "front of armed men does not vote in secret",
            "facts.armed_presence.with_mobile_teams",
            *(reports.keys if reports is not None and reports.status is FAIL else ()),
        )
    if reports is not None:
        return reports
    if escorted is False:
        return verdict(
            PASS,
            "door-to-door teams went without armed escort",
            "facts.armed_presence.with_mobile_teams",
        )
    return unknown("whether door-to-door teams were escorted is not stated; no mobile-phase report")
