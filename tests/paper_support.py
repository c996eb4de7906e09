"""A precinct result protocol whose lines satisfy every control relation, for the paper tests.

Importable from any test (``tests/`` is on the path through ``tests/conftest.py``).
"""

from __future__ import annotations

from typing import Any

from plebiscite.domain.manifest import Manifest
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.record.board import Board
from plebiscite.services.paper.filing import Submission, load_paper, submit
from plebiscite.services.paper.signing import KINDS, sign_submission
from plebiscite.services.simulation.synthetic import device_key, enrolment_events

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


# --- filing devices (docs/paper.md section 9) -------------------------------------------------


def station_location(manifest: Manifest, precinct: str, kind: str = "regular_station") -> str:
    """The id of ``precinct``'s location of ``kind`` (any location for an unknown precinct:
    the board refuses the precinct before it looks at the device)."""
    for location in manifest.locations:
        if location.precinct_id == precinct and location.kind.value == kind:
            return location.id
    return manifest.locations[0].id


def enrol_stations(board: Board, manifest: Manifest) -> None:
    """Enrol the synthetic device of every location (``synthetic-<location>``)."""
    board.append_batch(enrolment_events(manifest))


def sign(
    manifest: Manifest, kind: str, data: dict[str, Any], location: str | None = None
) -> dict[str, Any]:
    """``data`` filed and signed by the synthetic device of ``location`` (default: the regular
    station of its precinct)."""
    where = location or station_location(manifest, str(data.get("precinct")))
    return sign_submission(
        KINDS[kind],
        data,
        device=f"synthetic-{where}",
        key=device_key(where),
        election=manifest_hash(manifest).hex(),
    )


def file(board: Board, kind: str, items: Any) -> list[Submission]:
    """Submit ``items`` (one or a list), signed by their precincts' stations where the kind is
    one a device files (the board's manifest names them)."""
    manifest = load_paper(board)[0]
    batch = items if isinstance(items, list) else [items]
    if kind in KINDS:
        batch = [sign(manifest, kind, item) for item in batch]
    return submit(board, kind, batch if isinstance(items, list) else batch[0])
