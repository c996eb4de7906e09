"""Conditions decided from the manifest's facts on the campaign, the voters, the options and the
rules of the count, and from its legal-basis dates (``docs/legitimacy.md``, "The conditions").

Each evaluator names the key paths it rests on; a fact the manifest does not state leaves the
condition ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable

from plebiscite.services.legitimacy.evidence import Status, Subject, Verdict, unknown, verdict

PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN
SOV_ORGANISED = "facts.sovereignty.organised_by_state_concerned"


def _state(s: Subject) -> str:
    return s.manifest.facts.text("sovereignty.state_concerned") or "the state concerned"


def _fact(key: str, bad: str, good: str, missing: str) -> Callable[[Subject], Verdict]:
    def evaluate(s: Subject) -> Verdict:
        value = s.flag(key)
        if value is None:
            return unknown(f"{missing} (facts.{key})")
        return verdict(PASS if value else FAIL, good if value else bad, f"facts.{key}")

    return evaluate


fm1 = _fact(
    "campaign.media_free",
    "media and networks did not work freely (shutdowns, detentions)",
    "media and networks worked freely",
    "freedom of the media is not stated",
)


def rg1(s: Subject) -> Verdict:
    # the fact is a breach when true, so the words are swapped round
    value = s.flag("registration.station_registers_on_voting_day")
    key = "facts.registration.station_registers_on_voting_day"
    if value is None:
        return unknown(f"registration on voting day is not stated ({key})")
    if value:
        return verdict(
            FAIL,
            "polling stations added voters to the list on voting day, without a prior decision",
            key,
        )
    return verdict(PASS, "no voter is added by the station on voting day", key)


def dv1(s: Subject) -> Verdict:
    f = s.manifest.facts
    displaced, abroad = s.flag("displaced.displaced_can_vote"), s.flag("displaced.abroad_can_vote")
    elsewhere = s.flag("displaced.polling_in_other_state")
    organised = s.flag("sovereignty.organised_by_state_concerned")  # polling abroad needs it
    wrong, keys = [], []
    if displaced is False:
        wrong.append("displaced voters cannot vote")
        keys.append("facts.displaced.displaced_can_vote")
    if abroad is False:
        wrong.append("voters abroad cannot vote")
        keys.append("facts.displaced.abroad_can_vote")
    if elsewhere is True and organised is False:
        other = f.text("displaced.other_state") or "another state"
        wrong.append(
            f"polling was held on the territory of {other} by authorities other than those "
            f"of {_state(s)}"
        )
        keys += ["facts.displaced.polling_in_other_state", SOV_ORGANISED]
    if wrong:
        return verdict(FAIL, "; ".join(wrong), *keys)
    if displaced is True and abroad is True:
        return verdict(PASS, "displaced voters and voters abroad can vote", "facts.displaced")
    return unknown(
        "whether displaced voters and voters abroad can vote is not stated (facts.displaced)"
    )


def ns1(s: Subject) -> Verdict:
    campaigned, observers = (
        s.flag("campaign.no_side_campaigned"),
        s.flag("campaign.no_side_observers"),
    )
    wrong, keys = [], []
    if campaigned is False:
        wrong.append("the 'No' side could not campaign")
        keys.append("facts.campaign.no_side_campaigned")
    if observers is False:
        wrong.append("the 'No' side had no observers at voting and counting")
        keys.append("facts.campaign.no_side_observers")
    if wrong:
        return verdict(FAIL, "; ".join(wrong), *keys)
    if campaigned is True and observers is True:
        return verdict(
            PASS,
            "the 'No' side campaigned and observed",
            "facts.campaign.no_side_campaigned",
            "facts.campaign.no_side_observers",
        )
    return unknown("the 'No' side's campaign and observers are not stated (facts.campaign)")


e2 = _fact(
    "campaign.no_side_campaigned",
    "the 'No' side could not campaign: no equality of opportunity",
    "both sides could campaign",
    "campaign opportunities per side are not stated",
)


def om1(s: Subject) -> Verdict:
    options, majority = (
        s.flag("rules.options_set_in_advance"),
        s.flag("rules.majority_rule_set_in_advance"),
    )
    wrong = [
        (f"facts.rules.{key}", what)
        for key, value, what in (
            ("options_set_in_advance", options, "the options were not settled before the call"),
            (
                "majority_rule_set_in_advance",
                majority,
                "the majority required was not set beforehand",
            ),
        )
        if value is False
    ]
    if wrong:
        return verdict(FAIL, "; ".join(w for _, w in wrong), *(k for k, _ in wrong))
    if options is True and majority is True:
        return verdict(
            PASS, "options and the majority required were settled in advance", "facts.rules"
        )
    return unknown("whether the options and the majority were settled in advance is not stated")


def q1(s: Subject) -> Verdict:
    quorum = s.manifest.quorum.turnout_min_percent
    if quorum is None:
        return verdict(PASS, "no turnout quorum", "referendum.quorum")
    return verdict(
        FAIL,
        f"a turnout quorum of {quorum} % treats abstention as a 'No' and invites boycotts",
        "referendum.quorum.turnout_min_percent",
    )


def q2(s: Subject) -> Verdict:
    quorum = s.manifest.quorum.approval_min_percent
    if quorum is None:
        return verdict(PASS, "no approval quorum", "referendum.quorum")
    return verdict(
        UNKNOWN,
        f"an approval quorum of {quorum} % of registered voters; is it too high?",
        "referendum.quorum.approval_min_percent",
    )


def q3(s: Subject) -> Verdict:
    effect = s.manifest.effect
    source = s.manifest.facts.values.get("rules.effect_set_by")
    if source in ("constitution", "law"):
        return verdict(
            PASS,
            f"the effect ({effect}) is set by the {source}",
            "referendum.effect",
            "facts.rules.effect_set_by",
        )
    if source == "decision":
        return verdict(
            FAIL,
            f"the effect claimed ({effect}) is set by a decision, not by the constitution or a law",
            "referendum.effect",
            "facts.rules.effect_set_by",
        )
    return verdict(
        UNKNOWN,
        f"the manifest states the effect ({effect}) but not what sets it "
        f"(facts.rules.effect_set_by); it must be the constitution or a law",
        "referendum.effect",
    )


def lb2(s: Subject) -> Verdict:
    basis = s.manifest.legal_basis
    keys = ("referendum.legal_basis.enacted", "referendum.legal_basis.called")
    if basis.enacted >= basis.called:
        return verdict(
            FAIL,
            f"the rules were enacted on {basis.enacted} and the referendum called on "
            f"{basis.called}: rules made for this referendum (ad hoc)",
            *keys,
        )
    return verdict(PASS, f"rules enacted {basis.enacted}, before the call on {basis.called}", *keys)


def lb3(s: Subject) -> Verdict:
    enacted, start = s.manifest.legal_basis.enacted, s.manifest.days[0].date
    gap = (start - enacted).days
    keys = ("referendum.legal_basis.enacted", "days[0].date")
    if gap < 365:
        return verdict(
            FAIL, f"rules enacted {enacted}, only {gap} days before voting began {start}", *keys
        )
    return verdict(PASS, f"rules enacted {enacted}, {gap} days before voting began {start}", *keys)


def lb4(s: Subject) -> Verdict:
    issues = s.manifest.facts.issues()
    questions = [q.id for r in s.manifest.regions for q in r.questions]
    bundled = {q: issues[q] for q in questions if len(issues.get(q, ())) > 1}
    if bundled:
        shown = "; ".join(
            f"{q} decides {len(i)} issues with one answer ({', '.join(i)})"
            for q, i in bundled.items()
        )
        return verdict(
            FAIL,
            f"no unity of content: {shown}",
            *(f"facts.rules.question_issues.{q}" for q in bundled),
        )
    if questions and all(q in issues for q in questions):
        return verdict(PASS, "each question decides one issue", "facts.rules.question_issues")
    return unknown(
        f"{len(questions)} question(s); the issues each decides are not stated "
        f"(facts.rules.question_issues)"
    )


#: Fewer days between the call and the vote than this, and official information cannot reach
#: voters "sufficiently in advance": a threshold of plebiscite's own, not a figure of the Code.
MIN_INFORMATION_DAYS = 14


def f3(s: Subject) -> Verdict:
    called, start = s.manifest.legal_basis.called, s.manifest.days[0].date
    gap = (start - called).days
    if gap < MIN_INFORMATION_DAYS:
        return verdict(
            FAIL,
            f"the vote was called on {called}, {gap} day(s) before voting began on {start}: "
            f"too short for balanced official information to reach voters in good time "
            f"(plebiscite's threshold: {MIN_INFORMATION_DAYS} days)",
            "referendum.legal_basis.called",
            "days[0].date",
        )
    return unknown(
        f"called {gap} days ahead; publication and dispatch of official information are not "
        f"recorded"
    )


def f1(s: Subject) -> Verdict:
    """A question that decides several issues with one answer cannot tell voters what their
    answer does: the same fact as LB4, shown here and counted there."""
    found = lb4(s)
    if found.status is FAIL:
        return verdict(
            FAIL, f"the question is not clear about what it decides: {found.evidence}", *found.keys
        )
    return unknown("clarity of the question needs a reviewer")
