"""Minimum samples and the p-value floor, stated once for every method and every output.

Below its minimum a method says "too few units" instead of printing a number: a chi-square on
five counts, a fraud-model fit on fifty stations or a turnout peak of a dozen stations is noise
that reads like a finding.  The minimums are round figures chosen so each method's
approximation holds:

* integer percentages: 100 stations kept by the filter (the expectation is then about 20
  stations, enough for the normal tail);
* second and last digit: 100 counts (every expected digit count at least 8, the chi-square's
  rule of thumb being 5);
* Sobyanin-Sukhovolsky: 30 stations for a regression slope and its standard error;
* Shpilkin: 300 stations, so that the 1 % turnout bins have a peak to speak of;
* fingerprint corner: 100 stations (one station is 1 % of the corner share);
* Klimek's fit: 1,000 stations, since its distance is taken over a 20 x 20 histogram;
* channels: 30 stations in a class (stations abroad, or one region's stations) to set the
  class's typical share and spread.

p-values below :data:`P_FLOOR` are not meaningful (the normal and chi-square tails are
approximations far beyond the sample's resolution): every output shows them as ``< 1e-12`` and
the JSON holds the floor itself, with ``p_floor`` stated once at the top of the report.
"""

from __future__ import annotations

import math

P_FLOOR = 1e-12

MIN_UNITS: dict[str, int] = {
    "integer_percentages": 100,
    "second_digit": 100,
    "last_digit": 100,
    "sobyanin": 30,
    "shpilkin": 300,
    "fingerprint": 100,
    "klimek": 1_000,
    "channels": 30,
}

TOO_FEW = "too few units"


def floor_p(p: float | None) -> float | None:
    """``p`` raised to the floor; None when undefined."""
    if p is None or not math.isfinite(p):
        return None
    return max(float(p), P_FLOOR)


def format_p(p: float | None) -> str:
    """The one way a p-value is written, in text and HTML alike."""
    if p is None or not math.isfinite(p):
        return "not defined"
    return f"< {P_FLOOR:.0e}" if p <= P_FLOOR else f"{p:.2g}"


def enough(method: str, n: int) -> bool:
    return n >= MIN_UNITS[method]


def too_few(method: str, n: int) -> dict[str, object]:
    """The object a method reports instead of numbers below its minimum."""
    return {"status": TOO_FEW, "n_units": n, "min_units": MIN_UNITS[method]}


def p_text(p: float | None) -> str:
    """``p = 0.21`` or ``p < 1e-12``: the form used in the table, the prose and the HTML."""
    shown = format_p(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"
