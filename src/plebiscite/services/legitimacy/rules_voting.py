"""Conditions decided from the schedule, the locations and the paper record: channels, secrecy,
observers, mobile boxes and custody (``docs/legitimacy.md``, "The conditions").

Where a record is read, a finding names the board entries that show it; the door-to-door share
by day comes from the custody acts, observers as witnesses from the trips and acts they signed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from plebiscite.domain.manifest import LocationKind
from plebiscite.domain.paper import BoxKind, IncidentKind
from plebiscite.services.legitimacy.evidence import (
    Status,
    Subject,
    Verdict,
    dates,
    entries,
    from_record,
    unknown,
    verdict,
)
from plebiscite.services.legitimacy.rules_context import observed

PASS, FAIL, UNKNOWN, NA = Status.PASS, Status.FAIL, Status.UNKNOWN, Status.NOT_APPLICABLE
MOBILE, MAKESHIFT, REGULAR = (
    LocationKind.MOBILE_TEAM,
    LocationKind.MAKESHIFT_STATION,
    LocationKind.REGULAR_STATION,
)


def f5(s: Subject) -> Verdict:
    """I.3.2.a.ii asks that voters can always vote at a station: a station open on at least one
    voting day in every precinct meets it (door-to-door as a main channel is F9's, booths
    S1's)."""
    regular = s.open_days(REGULAR)
    without = sorted(p for p, days in regular.items() if not days)
    note = s.sample_note("precincts", "locations")
    if without:
        return verdict(
            FAIL,
            f"{len(without)} of {len(regular)} precincts have no regular station open on any "
            f"voting day{note}: {', '.join(without[:10])}",
            "locations",
            "days",
        )
    open_on = set().union(*regular.values()) if regular else set()
    return verdict(
        PASS,
        f"every precinct ({len(regular)}{note}) has a regular station open on at least one "
        f"voting day ({dates(open_on)})",
        "locations",
        "days",
    )


def _door_to_door_days(s: Subject) -> tuple[int, set[dt.date]]:
    """Precincts whose mobile team works on days their regular station is closed, and those days."""
    regular, mobile = s.open_days(REGULAR), s.open_days(MOBILE)
    precincts, days = 0, set()
    for precinct, mobile_days in mobile.items():
        extra = mobile_days - regular[precinct]
        if extra:
            precincts += 1
            days |= extra
    return precincts, days


def door_to_door_share(s: Subject) -> str:
    """The share of ballots in mobile boxes per day, from the custody acts ("" if none)."""
    if s.record is None or not s.record.acts:
        return ""
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for item in s.record.acts:
        act = item.value
        per_day[act.date][0 if act.box_kind is BoxKind.MOBILE else 1] += act.count
    shares = [
        f"{day}: {100 * mobile / (mobile + fixed):.0f} %"
        for day, (mobile, fixed) in sorted(per_day.items())
        if mobile + fixed
    ]
    return f"door-to-door share of the ballots by day (custody acts): {'; '.join(shares)}"


def home_ballots(s: Subject) -> str:
    """Ballots issued at home against the applications the trips carried ("" if no trips)."""
    if s.record is None:
        return ""
    trips = [t.value for t in s.record.current_trips().values()]
    if not trips:
        return ""
    issued = sum(t.issued for t in trips)
    applications = sum(t.applications for t in trips)
    return (
        f"home ballots issued against applications: {issued} against {applications} over "
        f"{len(trips)} trip(s)"
    )


def f9(s: Subject) -> Verdict:
    if not s.has(MOBILE):
        return verdict(NA, "the manifest has no mobile teams", "locations")
    precincts, days = _door_to_door_days(s)
    trips = from_record(s, "trip", {"T1", "T2", "T3", "T4"}, "mobile trips", "no trip to check")
    share = "; ".join(x for x in (home_ballots(s), door_to_door_share(s)) if x)
    parts, keys = [], list(trips.keys)
    if precincts:
        parts.append(
            f"mobile teams go door to door in {precincts} precinct(s){s.sample_note('precincts')} "
            f"on {len(days)} day(s) when the regular station is closed ({dates(days)}): "
            f"door-to-door collection is a main channel, not an exception granted on application"
        )
        keys = ["days", "locations", *keys]
    if trips.status is FAIL:
        parts.append(f"mobile trips: {trips.evidence}")
    if share:
        parts.append(share)
    if precincts or trips.status is FAIL:
        return verdict(FAIL, "; ".join(parts), *keys)
    status = PASS if trips.status is PASS else UNKNOWN
    return verdict(
        status, "; ".join(["mobile teams only on station days", trips.evidence, *parts[1:]]), *keys
    )


def _booth_days(s: Subject) -> tuple[set[dt.date], bool]:
    """Days on which some precinct offers no place whose booth is recorded; and whether
    makeshift stations played a part (their booths are a fact, never assumed)."""
    booths = s.flag("voting.makeshift_booths") is True
    regular, makeshift = s.open_days(REGULAR), s.open_days(MAKESHIFT)
    voting_days = {d.date for d in s.manifest.days}
    bad: set[dt.date] = set()
    relies = False
    for precinct, reg in regular.items():
        with_booth = reg | (makeshift[precinct] if booths else set())
        missing = voting_days - with_booth
        bad |= missing
        relies = relies or bool(missing & makeshift[precinct])
    return bad, relies


_SECRECY = observed("secrecy_respected", {IncidentKind.OPEN_VOTING, IncidentKind.FAMILY_VOTING})


def s1(s: Subject) -> Verdict:
    reports = _SECRECY(s)
    if reports is not None and reports.status is FAIL:
        return reports
    bad, relies = _booth_days(s)
    booths = s.flag("voting.makeshift_booths")
    escorted = s.flag("armed_presence.with_mobile_teams")
    if bad:
        where = "mobile teams" + (
            " and makeshift stations whose booths are not recorded"
            if relies and booths is None
            else ""
        )
        evidence = (
            f"on {len(bad)} of {len(s.manifest.days)} voting days ({dates(bad)}) voters could "
            f"vote only through {where}"
        )
        keys = ["days", "locations"]
        if booths is False:
            keys.append("facts.voting.makeshift_booths")
            return verdict(FAIL, f"{evidence}; makeshift stations had no booth", *keys)
        if escorted is True:
            keys.append("facts.armed_presence.with_mobile_teams")
            return verdict(FAIL, f"{evidence}, and the teams went with armed escorts", *keys)
        return verdict(
            UNKNOWN, f"{evidence}; no fact or report shows whether the secret was kept", *keys
        )
    if reports is not None:
        return reports
    return unknown(
        "a booth is available on every voting day; whether secrecy was respected needs "
        "observer reports"
    )


def d3(s: Subject) -> Verdict:
    if not (s.has(MOBILE) or s.has(MAKESHIFT)):
        return verdict(NA, "only regular stations", "locations")
    booths = s.flag("voting.makeshift_booths")
    mobile = sum(loc.kind is MOBILE for loc in s.manifest.locations)
    if booths is False and s.has(MAKESHIFT):
        return verdict(FAIL, "makeshift stations had no booth", "facts.voting.makeshift_booths")
    return unknown(
        f"{mobile} of {len(s.manifest.locations)} locations{s.sample_note('locations')} are "
        f"mobile teams with no booth; "
        f"makeshift booths {'recorded' if booths else 'not recorded'} "
        f"(facts.voting.makeshift_booths)"
    )


def observers_admitted(s: Subject) -> Verdict:
    ctx = s.manifest.context
    key = "context.independent_observers_admitted"
    if not ctx.independent_observers_admitted:
        return verdict(FAIL, f"no independent observers were admitted: {ctx.observers_note}", key)
    evidence = f"independent observers admitted. {ctx.observers_note}".strip()
    if s.record is not None:
        filed = {r.value.observer for r in s.record.reports if r.value.independent}
        evidence += f"; {len(filed)} independent observer(s) filed reports on the board"
    return verdict(PASS, evidence, key)


_UNHINDERED = observed("observers_unhindered", {IncidentKind.OBSERVER_OBSTRUCTED})


def p3(s: Subject) -> Verdict:
    if not s.manifest.context.independent_observers_admitted:
        return verdict(
            FAIL,
            "no independent observer was admitted anywhere",
            "context.independent_observers_admitted",
        )
    return _UNHINDERED(s) or unknown("no observer report says where observers could go")


def f13(s: Subject) -> Verdict:
    no_side = s.flag("campaign.no_side_observers")
    parts, keys, status = [], [], UNKNOWN
    if no_side is False:
        parts.append("the 'No' side had no observers")
        keys.append("facts.campaign.no_side_observers")
        status = FAIL
    elif no_side is True:
        parts.append("observers of both sides were present")
        keys.append("facts.campaign.no_side_observers")
        status = PASS
    if s.record is not None:
        trips = s.record.current_trips().values()
        alone = [t for t in trips if not t.value.observers]
        witnessed = sum(bool(a.value.observers) for a in s.record.acts)
        if alone:
            parts.append(f"{len(alone)} of {len(trips)} mobile trip(s) went without any observer")
            keys += entries(t.index for t in alone)
            status = FAIL
        elif trips:
            parts.append(f"every one of {len(trips)} mobile trip(s) had an observer")
            status = PASS if status is UNKNOWN else status
        if s.record.acts:
            parts.append(f"observers signed {witnessed} of {len(s.record.acts)} custody act(s)")
    if not parts:
        return unknown(
            "observers of each side are not stated (facts.campaign.no_side_observers) and no "
            "record was read"
        )
    return verdict(status, "; ".join(parts), *keys)


def p5(s: Subject) -> Verdict:
    if s.record is None:
        return unknown("only a manifest was read: no complaints to show")
    complaints = s.record.current_complaints()
    decided = [c for c in complaints.values() if c.value.decision is not None]
    if not decided:
        return unknown(f"{len(complaints)} complaint(s) on the board, none decided yet")
    annulled = sorted(s.record.annulled())
    return verdict(
        PASS,
        f"{len(decided)} of {len(complaints)} complaint(s) decided; annulled precincts: "
        f"{', '.join(annulled) or 'none'}; results are recomputed without them",
        *entries(c.index for c in decided),
    )


def p7(s: Subject) -> Verdict:
    if s.record is None:
        return unknown("only a manifest was read: no precinct protocols to show")
    current = s.record.current_protocols()
    if not current:
        return unknown("the board holds no precinct protocol")
    expected = {
        (p.id, q.id)
        for p in s.manifest.precincts
        for q in s.manifest.region_by_id[p.region_id].questions
    }
    missing = sorted(expected - set(current))
    if missing:
        shown = ", ".join(f"{p}/{q}" for p, q in missing[:10])
        return verdict(
            FAIL, f"{len(missing)} of {len(expected)} protocols missing: {shown}", "precincts"
        )
    return verdict(PASS, f"all {len(expected)} precinct protocols are on the board")


def mobile(ids: set[str], none: str) -> Callable[[Subject], Verdict]:
    """From the trips' checks ``ids``; not applicable without mobile teams."""

    def evaluate(s: Subject) -> Verdict:
        if not s.has(MOBILE):
            return verdict(NA, "the manifest has no mobile teams", "locations")
        return from_record(s, "trip", ids, "mobile trips", none)

    return evaluate


def m1(s: Subject) -> Verdict:
    """Home voting on application: the trips' T5 (issued against applications), and the
    door-to-door ballots on the board against the roll's applications, per region."""
    trips = mobile({"T5"}, "no applications register to check")(s)
    home = s.home
    if trips.status is NA or home is None or not home.roll_read:
        return trips
    counts = home.describe()
    over = home.over()
    if over:
        excess = "; ".join(
            f"{r}: {home.ballots[r]} door-to-door ballots against {home.applications[r]} "
            "applications"
            for r in over
        )
        kept = [i for r in over for i in home.entries.get(r, [])]
        return verdict(
            FAIL,
            f"more door-to-door ballots than home-voting applications in {excess} ({counts}); "
            f"mobile trips: {trips.evidence}",
            *entries(kept),
        )
    if trips.status is FAIL:
        return verdict(FAIL, f"{trips.evidence}; {counts}", *trips.keys)
    if trips.status is PASS or home.ballots.total():
        return verdict(PASS, f"{counts}; mobile trips: {trips.evidence}", *trips.keys)
    return verdict(trips.status, f"{trips.evidence}; {counts}", *trips.keys)


def m6(s: Subject) -> Verdict:
    if not s.has(MOBILE):
        return verdict(NA, "the manifest has no mobile teams", "locations")
    if s.record is None or not s.record.current_protocols():
        return unknown("no precinct protocols to show the mobile lines")
    found = mobile = 0
    for item in s.record.current_protocols().values():
        found += item.value.found
        mobile += item.value.lines["in_mobile_boxes"]
    share = f"{100 * mobile / found:.1f} %" if found else "n/a"
    evidence = (
        f"every protocol carries lines 5 and 7; {mobile} of {found} ballots found were in "
        f"mobile boxes ({share})"
    )
    by_day = door_to_door_share(s)
    return verdict(PASS, f"{evidence}; {by_day}" if by_day else evidence)


def d1(s: Subject) -> Verdict:
    if len(s.manifest.days) == 1:
        return verdict(NA, "voting lasts one day", "days")
    return from_record(
        s,
        "custody",
        {"D1M", "D1S"},
        "protocols with daily acts",
        f"voting lasts {len(s.manifest.days)} days; a daily act per box is needed",
    )


def d2(s: Subject) -> Verdict:
    if len(s.manifest.days) == 1:
        return verdict(NA, "voting lasts one day: no overnight storage", "days")
    return from_record(
        s, "act+custody", {"C1", "C2", "C3"}, "custody records", "no custody act to check"
    )
