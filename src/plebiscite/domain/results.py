"""``results.json``: the ``results`` payload with percentages and ballot dispositions
(``docs/tally.md`` section 4).

* :func:`percent`: ``100 * part / whole`` as a string with two decimals: the exact quotient
  rounded to the nearest IEEE 754 double, then that double rounded to two decimals, ties to
  even (``3/32`` gives ``"9.38"``, ``1/32`` gives ``"3.12"``); ``"n/a"`` when ``whole`` is 0.
* :func:`summary`: every region gains ``turnout_percent`` (ballots over registered voters) and
  every question of the region total ``percent``, each option's share of the question's valid
  answers (the sum of its option counts: blanks are left out); the whole gains ``ballots``, the
  dispositions.
* :func:`dispositions`: ``cast`` and ``challenged`` ballots on the board, ``counted`` = the sum
  of the ``ballots`` of the encrypted tally's region cells (all cast ballots while there is no
  tally), ``superseded = cast - counted``.

The results writer (:mod:`plebiscite.services.tally.results`) and the verifier (V27) both use
these; the known-answer vectors are in ``tests/vectors/tally-v2.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}" if whole else "n/a"


def counted_in_tally(cells: Iterable[Mapping[str, Any]]) -> int:
    """The ballots an encrypted tally counts: the sum over its region cells."""
    return sum(int(c.get("ballots", 0)) for c in cells if c.get("level") == "region")


def dispositions(cast: int, challenged: int, counted: int | None) -> dict[str, int]:
    """The ballot dispositions; ``counted`` is None while there is no encrypted tally."""
    kept = cast if counted is None else counted
    return {"cast": cast, "challenged": challenged, "superseded": cast - kept, "counted": kept}


def summary(results: Mapping[str, Any], ballots: Mapping[str, int]) -> dict[str, Any]:
    """The results payload with percentages (as strings) added for readers."""
    regions = []
    for region in results["regions"]:
        questions = []
        for q in region["questions"]:
            valid = sum(q["options"].values())
            questions.append(
                {**q, "percent": {o: percent(n, valid) for o, n in q["options"].items()}}
            )
        regions.append(
            {
                **region,
                "turnout_percent": percent(region["ballots"], region["registered"]),
                "questions": questions,
            }
        )
    return {**results, "regions": regions, "ballots": dict(ballots)}


__all__ = ["counted_in_tally", "dispositions", "percent", "summary"]
