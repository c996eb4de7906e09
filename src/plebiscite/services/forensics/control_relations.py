"""Control relations of the precinct protocol: arithmetic every honest protocol satisfies.

Federal Law of the Russian Federation no. 67-FZ, art. 67-68, and the control relations listed
in the CEC's protocol forms (see ``reference/forensics-audits.md`` section 4.3); the Venice
Commission's Code of Good Practice on Referendums (CDL-AD(2007)008rev, I.3.2.a) asks for the
same two criteria: ballots cast against slips in the box.

Each relation is checked on every unit that publishes the lines it needs.  *Identities* must
hold exactly (the Russian GAS "Vybory" system refuses protocols that break them, so official
data satisfy them and a rewritten protocol keeps them: passing is necessary, not sufficient).
*Bounds* are not legal identities but strong red flags (more ballots in the boxes than were
issued; more ballots than voters).  A failing unit is a finding with its source row, never a
crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from plebiscite.services.forensics.table import BoolArray, IntArray, StationTable


@dataclass(frozen=True)
class Relation:
    id: str
    kind: str  # "identity" or "bound"
    text: str
    needs: tuple[str, ...]
    holds: Callable[[dict[str, IntArray]], BoolArray]


def _received_balance(c: dict[str, IntArray]) -> BoolArray:
    out: BoolArray = c["received"] == (c["issued"] + c["cancelled"] + c["lost"] - c["unaccounted"])
    return out


RELATIONS: tuple[Relation, ...] = (
    Relation(
        "issued_le_registered",
        "bound",
        "ballots issued <= voters on the list",
        ("issued", "registered"),
        lambda c: c["issued"] <= c["registered"],
    ),
    Relation(
        "found_le_registered",
        "bound",
        "ballots found <= voters on the list",
        ("found", "registered"),
        lambda c: c["found"] <= c["registered"],
    ),
    Relation(
        "found_le_issued",
        "bound",
        "ballots found in the boxes <= ballots issued",
        ("found", "issued"),
        lambda c: c["found"] <= c["issued"],
    ),
    Relation(
        "found_eq_valid_invalid",
        "identity",
        "ballots found = valid + invalid",
        ("found", "valid_or_sum", "invalid"),
        lambda c: c["found"] == c["valid_or_sum"] + c["invalid"],
    ),
    Relation(
        "valid_eq_options",
        "identity",
        "valid ballots = sum of the votes for the options",
        ("valid", "options_sum"),
        lambda c: c["valid"] == c["options_sum"],
    ),
    Relation(
        "received_balance",
        "identity",
        "ballots received = issued + cancelled + lost - not counted on receipt",
        ("received", "issued", "cancelled", "lost", "unaccounted"),
        _received_balance,
    ),
    Relation(
        "boxes_eq_parts",
        "identity",
        "ballots found = mobile boxes + stationary boxes",
        ("found", "found_mobile", "found_stationary"),
        lambda c: c["found"] == c["found_mobile"] + c["found_stationary"],
    ),
)


@dataclass(frozen=True)
class RelationResult:
    id: str
    kind: str
    text: str
    checked: int
    failed: int
    failing_units: IntArray  # indices into the table


@dataclass(frozen=True)
class ControlRelations:
    checked: int  # units with at least one relation checked
    failed: int  # units failing at least one relation
    relations: tuple[RelationResult, ...]
    skipped: tuple[str, ...]  # relations whose lines the source does not publish
    failing_units: IntArray


def control_relations(table: StationTable) -> ControlRelations:
    """Check every relation the table's lines allow."""
    columns: dict[str, IntArray] = dict(table.lines)
    columns["options_sum"] = table.valid_votes
    columns["valid_or_sum"] = table.lines.get("valid", table.valid_votes)
    n = table.n_units
    any_checked = np.zeros(n, dtype=bool)
    any_failed = np.zeros(n, dtype=bool)
    results: list[RelationResult] = []
    skipped: list[str] = []
    for rel in RELATIONS:
        if not all(k in columns for k in rel.needs):
            skipped.append(rel.id)
            continue
        if rel.id == "found_eq_valid_invalid" and "found" not in table.lines:
            skipped.append(rel.id)  # found was derived from these very lines
            continue
        ok = rel.holds(columns)
        bad = np.flatnonzero(~ok)
        any_checked[:] = True
        any_failed[bad] = True
        results.append(RelationResult(rel.id, rel.kind, rel.text, n, len(bad), bad))
    return ControlRelations(
        checked=int(np.count_nonzero(any_checked)),
        failed=int(np.count_nonzero(any_failed)),
        relations=tuple(results),
        skipped=tuple(skipped),
        failing_units=np.flatnonzero(any_failed),
    )
