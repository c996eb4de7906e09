"""The sibling rule of the small-cell layout, case by case at its edges (``docs/tally.md`` 2).

A group of siblings publishes every child of at least ``threshold`` ballots; the others join
one "other" cell, which takes the smallest published siblings in while it is non-empty and
under the threshold; an "other" cell of no ballots is not published; a child the subtraction
audit forced out joins the "other" cell whatever its size. Each case here sits on one of those
edges, so a rule moved by one (``<=`` for ``<``, a default of 1 for 0, a forced child
forgotten) changes the layout and fails.
"""

from __future__ import annotations

import pytest

from plebiscite.domain.cells import BaseKey, CellSpec, _merge_group, cell_count

T = 10


def _children(sizes: dict[str, int]) -> tuple[dict[str, frozenset[BaseKey]], dict[BaseKey, int]]:
    children = {u: frozenset({("r", u, "regular_station", 5)}) for u in sizes}
    counts = {("r", u, "regular_station", 5): n for u, n in sizes.items() if n}
    return children, counts


def _layout(sizes: dict[str, int], forced: frozenset[str] = frozenset()) -> dict[str, int]:
    children, counts = _children(sizes)
    cells = _merge_group("precinct", "r", "d", children, counts, T, forced)
    return {c.id: cell_count(c, counts) for c in cells}


@pytest.mark.parametrize(
    ("sizes", "forced", "expected"),
    [
        # exactly the threshold is published on its own
        ({"a": 10, "b": 20, "c": 30}, (), {"a": 10, "b": 20, "c": 30}),
        # "other" takes the smallest sibling in and stops on reaching the threshold
        ({"a": 3, "b": 7, "c": 30}, (), {"c": 30, "other@d": 10}),
        # one ballot alone is still a cell to hide
        ({"a": 1, "b": 20, "c": 30}, (), {"c": 30, "other@d": 21}),
        # an empty child makes no "other" cell
        ({"a": 0, "b": 20, "c": 30}, (), {"b": 20, "c": 30}),
        # the whole group under the threshold publishes nothing
        ({"a": 3, "b": 4}, (), {}),
        # a child forced out by the audit joins "other" whatever its size
        ({"a": 20, "b": 30, "c": 40}, ("b",), {"a": 20, "c": 40, "other@d": 30}),
    ],
    ids=["at-threshold", "fills-to-threshold", "one-ballot", "empty", "all-small", "forced"],
)
def test_the_sibling_rule_at_its_edges(
    sizes: dict[str, int], forced: tuple[str, ...], expected: dict[str, int]
) -> None:
    want = {f"precinct:r:{u}": n for u, n in expected.items()}
    assert _layout(sizes, frozenset(forced)) == want


def test_an_other_cell_names_its_units_in_order_and_holds_their_members() -> None:
    children, counts = _children({"b": 3, "a": 7, "c": 30})
    cells = _merge_group("precinct", "r", "d", children, counts, T)
    (other,) = [c for c in cells if c.id.endswith("other@d")]
    assert other == CellSpec(
        "precinct:r:other@d", "precinct", "r", ("a", "b"), children["a"] | children["b"]
    )


def test_a_base_cell_with_no_ballots_counts_zero() -> None:
    children, counts = _children({"a": 4, "b": 0})
    cell = CellSpec("x", "district", "r", ("a", "b"), children["a"] | children["b"])
    assert cell_count(cell, counts) == 4
