"""A precinct result protocol whose lines satisfy every control relation, for the paper tests.

Importable from any test (``tests/`` is on the path through ``tests/conftest.py``).
"""

from __future__ import annotations

from typing import Any

HONEST_LINES = {
    "voters_on_list": 1855,
    "ballots_received": 1900,
    "issued_early": 1200,
    "issued_in_station": 300,
    "issued_at_home": 0,
    "cancelled": 400,
    "in_mobile_boxes": 900,
    "in_stationary_boxes": 600,
    "invalid": 10,
    "valid": 1490,
    "lost": 0,
    "surplus": 0,
}


def protocol_data(
    precinct: str = "dn-0101",
    question: str = "dn-q1",
    signed_by: tuple[str, ...] = ("chair", "secretary"),
    **lines: int,
) -> dict[str, Any]:
    """The protocol as submitted (JSON), with ``lines`` overriding the honest ones."""
    return {
        "precinct": precinct,
        "question": question,
        "lines": {**HONEST_LINES, **lines},
        "options": {"yes": 1400, "no": 90},
        "signed_by": list(signed_by),
        "signed_at": "2022-09-27T21:40:00+03:00",
    }
