"""Plain-language readings of each finding, one paragraph per method.

The wording states what was measured, what it would look like if nothing were wrong, and how
far the data are from that, with the caveats of each method.  It never says "fraud proven":
statistics show where protocols are unlikely to be honest counts, not who did what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plebiscite.services.forensics.limits import TOO_FEW, p_text

Json = dict[str, Any]


def _pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}" if k == 1 else f"{k} {noun}s"


def _p(p: float | None) -> str:
    return p_text(p)


def control_relations(t: Json) -> str:
    if not t["checked"]:
        return "The input publishes too few protocol lines to check any control relation."
    fails = [r for r in t["relations"] if r["failed"]]
    if not fails:
        return (
            f"All {_n(len(t['relations']), 'control relation')} checked hold at all "
            f"{t['checked']:,} units. "
            "Official data usually do: a protocol rewritten on purpose keeps its arithmetic, "
            "so this is a necessary check, not evidence of an honest count."
        )
    parts = "; ".join(f"{r['text']}: {r['failed']:,} units" for r in fails)
    return (
        f"{t['failed']:,} of {t['checked']:,} units break at least one control relation "
        f"({parts}). Each is listed with its source row; a broken identity means the protocol "
        "as published cannot be right, a broken bound (such as more ballots in the boxes than "
        "were issued) is a strong reason to look at that station."
    )


def integer_percentages(t: Json) -> str:
    verdict = (
        "far more than chance allows"
        if t["z"] >= 5
        else "more than chance easily allows"
        if t["z"] >= 3
        else "within what chance allows"
    )
    return (
        f"Of {t['n_units']:,} stations (at least 100 voters, turnout and leader share at most "
        f"99 %), {t['observed']:,} report a turnout or leader share within 0.05 points of a "
        f"whole percent. Honest binomial counts would give {t['expected']:,.1f} on average, so "
        f"the excess is {t['excess']:,.1f} stations, {t['z']:.1f} standard deviations "
        f"({_p(t['p_value'])}): {verdict}. Round percentages in excess are what one sees "
        "when commissions write down a target figure instead of counting."
    )


def fingerprint(t: Json) -> str:
    text = (
        f"{t['corner_units']:,} stations ({_pct(t['corner_unit_share'], 2)}) report at least "
        f"95 % turnout and at least 95 % for the leader, holding "
        f"{_pct(t['corner_leader_vote_share'], 2)} of the leader's votes. In elections without "
        "ballot stuffing this corner is practically empty."
    )
    if t.get("fit_status") == TOO_FEW:
        text += (
            f" Klimek's fraud model is not fitted: {t['fit_units']:,} stations, fewer than the "
            f"{t['fit_min_units']:,} its fit needs."
        )
    elif t.get("f_incremental") is not None:
        text += (
            f" Klimek's fraud model fits best with incremental fraud at "
            f"{_pct(t['f_incremental'])} of stations and extreme fraud at "
            f"{_pct(t['f_extreme'])} (fit distance {t['fit_distance']:,.0f} against "
            f"{t['fair_distance']:,.0f} for the fair model); the model assumes a bell-shaped "
            "clean cluster, so read the shares as orders of magnitude."
        )
    return text


def shpilkin(t: Json) -> str:
    if t["excess_votes"] is None:
        return "Shpilkin's estimate could not be made: no clean turnout peak was found."
    return (
        f"Assuming the leader's share does not depend on turnout, the stations in the "
        f"turnout bin at {t['clean_turnout']:.0f} % (taken as the clean part of the election) "
        f"give the leader {_pct(t['clean_leader_share'])} against "
        f"{_pct(t['official_leader_share'])} officially. Extrapolated, the leader received "
        f"about {t['excess_votes']:,.0f} votes more than that ({_pct(t['excess_share'])} of "
        "the leader's votes). This is an estimate resting on that assumption, not a test; "
        "turnout and support can also be linked for honest reasons. Each region's estimate "
        "takes this clean turnout as its reference and is never negative (see the regions)."
        + (
            " A negative excess means the peak chosen is not the clean part of the election "
            "(the peak of the others' votes lies among suspect stations); choose the clean "
            "turnout by hand (--clean-turnout) after looking at the picture."
            if t["excess_votes"] < 0
            else ""
        )
    )


def sobyanin(t: Json) -> str:
    if t.get("slope") is None or t.get("others_slope") is None:
        return (
            "Too few stations with known turnout to fit the Sobyanin-Sukhovolsky slope: "
            "the test was not run."
        )
    return (
        f"Across stations, each additional point of turnout comes with {t['slope']:.3f} points "
        f"of leader votes per registered voter, and {t['others_slope']:+.3f} for everyone else. "
        f"If extra turnout were ordinary voters the slope would be near the leader's share "
        f"({t['leader_share']:.3f}); a slope above 1 with a negative slope for the others "
        "means extra ballots went to the leader and votes were taken from the others."
    )


def second_digit(t: Json) -> str:
    if not t["n_counts"]:
        return "No counts of 10 or more: the second-digit test was not run."
    return (
        f"The mean second digit of {t['n_counts']:,} leader vote counts is {t['mean']:.4f} "
        f"against {t['expected_mean']:.4f} under Benford's law (chi-square {t['chi2']:.1f}, "
        f"9 df, {_p(t['p_value'])}). Precinct counts need not follow Benford's law even "
        "when honest, so a deviation is a weak signal on its own."
    )


def last_digit(t: Json) -> str:
    return (
        f"The last digits of {t['n_counts']:,} leader vote counts average {t['mean']:.4f} "
        f"(4.5 if uniform); {_pct(t['c05'])} end in 0 or 5 (20 % expected); chi-square "
        f"{t['chi2']:.1f}, 9 df, {_p(t['p_value'])}. Invented numbers tend to avoid or "
        "favour some digits; with large counts honest last digits are uniform."
    )


def channels(t: Json) -> str:
    if not t["channels"]:
        return "The input does not break ballots down by channel."
    parts = []
    for c in t["channels"]:
        text = (
            f"{c['channel'].removeprefix('issued_').replace('_', ' ')}: {_pct(c['total_share'])} "
            f"of ballots at home, {c['outliers']:,} outlying stations of {c['n_units']:,} scored"
        )
        if c["abroad_units"]:
            text += f", {_pct(c['abroad_share'] or 0.0)} abroad ({c['abroad_units']:,} stations)"
        parts.append(text)
    return (
        "Ballots by channel (" + "; ".join(parts) + "). Each station is compared with its "
        "class: the stations abroad, where early voting is normal, together, and every other "
        "region on its own. An outlying station issued a share of its ballots through that "
        "channel more than 5 class standard deviations above the class median; mobile and "
        "early voting escape observation most easily."
    )


def _guard(read: Callable[[Json], str]) -> Callable[[Json], str]:
    def reading(t: Json) -> str:
        if t.get("status") == TOO_FEW:
            return (
                f"Too few units: {t['n_units']:,}, fewer than the {t['min_units']:,} this "
                "method needs, so no figure is given."
            )
        return read(t)

    return reading


_READERS = {
    "control_relations": control_relations,
    "integer_percentages": integer_percentages,
    "fingerprint": fingerprint,
    "shpilkin": shpilkin,
    "sobyanin": sobyanin,
    "second_digit": second_digit,
    "last_digit": last_digit,
    "channels": channels,
}


READERS = {name: _guard(read) for name, read in _READERS.items()}
