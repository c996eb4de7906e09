"""Tally cells and the small-cell rule (``docs/tally.md`` section 2).

Counted ballots are first summed into *base cells*, one per (region, precinct, channel,
voting day) for booth ballots and one per region, ``(region, "", "door_to_door", 0)``, for the
door-to-door ballots the override filter keeps (``docs/tally.md`` 2). Published cells are
unions of base cells at five levels per region: the region total, districts, precincts (within
their district), channels and voting days.

No published subtotal may reveal a vote. Within each group of siblings (the districts of a
region, the precincts of a district, the channels of a region, the days of a region), every
cell with fewer counted ballots than the manifest's ``small_cell_threshold`` is merged into an
"other" cell of that group; if the "other" cell is itself non-empty and still under the
threshold, the smallest remaining siblings join it until it reaches the threshold or takes the
whole group, in which case the group publishes nothing (its parent carries the total). Since
the parent minus the published siblings equals the "other" cell, no cell under the threshold
can be computed by subtraction either. The region total is always published: it is the result.

Siblings are not the only way to subtract: the channels, the days and the districts of a region
partition the same ballots, so "day 1 minus the makeshift stations" is the door-to-door ballots
of day 1 whenever every makeshift ballot was cast on day 1. After the sibling rule, the layout
is audited (:mod:`plebiscite.domain.disclosure`): while some combination of the region's
published cells with coefficients -1, 0 or 1 isolates between 1 and ``threshold - 1`` ballots,
the smallest published cell taking part in such a combination joins its group's "other" cell
(an "other" cell taking part takes its smallest published sibling in), and the groups are laid
out again. Each step moves one unit for good, so the loop ends; its result depends on the
counts alone, and the verifier rebuilds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from plebiscite.domain.disclosure import find_opening, takes_part
from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.mixing import DOOR_TO_DOOR

#: (region, precinct, channel, day number)
BaseKey = tuple[str, str, str, int]


@dataclass(frozen=True)
class CellSpec:
    """A published cell: an id, its level, its region and the base cells it unites."""

    id: str
    level: str  # region, district, precinct, channel, day
    region: str
    units: tuple[str, ...]  # the district/precinct/channel/day ids it covers
    members: frozenset[BaseKey]


#: a group of siblings: (level, parent id)
GroupKey = tuple[str, str]


def _merge_group(
    level: str,
    region: str,
    parent: str,
    children: Mapping[str, frozenset[BaseKey]],
    counts: Mapping[BaseKey, int],
    threshold: int,
    forced: frozenset[str] = frozenset(),
) -> list[CellSpec]:
    size = {unit: sum(counts.get(k, 0) for k in members) for unit, members in children.items()}
    other = sorted(u for u in children if size[u] < threshold or u in forced)
    kept = sorted((u for u in children if u not in other), key=lambda u: (size[u], u))
    while kept and 0 < sum(size[u] for u in other) < threshold:
        other.append(kept.pop(0))
    cells = [
        CellSpec(f"{level}:{region}:{u}", level, region, (u,), children[u]) for u in sorted(kept)
    ]
    other_total = sum(size[u] for u in other)
    if kept and other and other_total > 0:
        members = frozenset().union(*(children[u] for u in other))
        cells.append(
            CellSpec(
                f"{level}:{region}:other@{parent}", level, region, tuple(sorted(other)), members
            )
        )
    return cells


def _region_layout(
    manifest: Manifest,
    r: str,
    counts: Mapping[BaseKey, int],
    t: int,
    forced: Mapping[GroupKey, frozenset[str]],
) -> list[tuple[CellSpec, GroupKey]]:
    """The region's cells by the sibling rule, with ``forced`` units sent to "other" cells."""
    mine = frozenset(k for k in counts if k[0] == r)
    out: list[tuple[CellSpec, GroupKey]] = [
        (CellSpec(f"region:{r}", "region", r, (r,), mine), ("region", r))
    ]

    def group(level: str, parent: str, children: Mapping[str, frozenset[BaseKey]]) -> None:
        key = (level, parent)
        made = _merge_group(level, r, parent, children, counts, t, forced.get(key, frozenset()))
        out.extend((cell, key) for cell in made)

    districts = [d.id for d in manifest.districts if d.region_id == r]
    precinct_district = {p.id: p.district_id for p in manifest.precincts if p.region_id == r}
    group(
        "district",
        r,
        {d: frozenset(k for k in mine if precinct_district.get(k[1]) == d) for d in districts},
    )
    # Precincts are published only inside a district published on its own: a district that
    # sits in the region's "other" cell could otherwise be rebuilt from its precincts, and
    # then subtracted from that "other" cell to reveal a small district beside it.
    alone = {c.units[0] for c, _ in out if c.level == "district" and "other@" not in c.id}
    for d in sorted(alone):
        group(
            "precinct",
            d,
            {
                p: frozenset(k for k in mine if k[1] == p)
                for p, dd in precinct_district.items()
                if dd == d
            },
        )
    group(
        "channel",
        r,
        {unit: frozenset(k for k in mine if k[2] == unit) for unit in _channels()},
    )
    group(
        "day",
        r,
        {
            str(day.number): frozenset(k for k in mine if k[3] == day.number)
            for day in manifest.days
        },
    )
    return out


def _force_one(
    layout: list[tuple[CellSpec, GroupKey]],
    counts: Mapping[BaseKey, int],
    t: int,
    forced: dict[GroupKey, frozenset[str]],
) -> bool:
    """Send one more unit to an "other" cell if some combination opens a small group.

    Returns False when no combination does. The unit chosen is the smallest published cell that
    takes part in an opening (ties by id), so the layout is a function of the counts alone and
    the verifier rebuilds it exactly; an "other" cell that takes part takes its smallest
    published sibling in.
    """
    sets = [cell.members for cell, _ in layout]
    if find_opening(sets, counts, t) is None:
        return False
    order = sorted(
        (j for j, (cell, _) in enumerate(layout) if cell.level != "region"),
        key=lambda j: (cell_count(layout[j][0], counts), layout[j][0].id),
    )
    for j in order:
        if not takes_part(sets, counts, t, j):
            continue
        cell, key = layout[j]
        if "other@" in cell.id:
            siblings = [c for c, k in layout if k == key and "other@" not in c.id]
            smallest = min(siblings, key=lambda c: (cell_count(c, counts), c.id))
            units = smallest.units
        else:
            units = cell.units
        forced[key] = forced.get(key, frozenset()) | frozenset(units)
        return True
    raise RuntimeError("the subtraction audit found an opening that no published cell takes")


def _channels() -> list[str]:
    """The channel units: the booth kinds, then the door-to-door cell (``DOOR_TO_DOOR``).

    Door-to-door ballots are counted from the shuffled rows into one base cell per region
    (precinct ``""``, day 0): they belong to no district, precinct or day, and a region's
    districts or days no longer add up to its total. The subtraction audit sees that as any
    other combination (region minus its days isolates the door-to-door cell, which is
    published as a channel anyway) and merges what would open a small group.
    """
    return [kind.value for kind in LocationKind if kind.is_booth] + [DOOR_TO_DOOR]


def published_cells(
    manifest: Manifest, counts: Mapping[BaseKey, int], threshold: int | None = None
) -> list[CellSpec]:
    """Every cell to decrypt, with small cells merged as the module docstring says."""
    t = manifest.small_cell_threshold if threshold is None else threshold
    cells: list[CellSpec] = []
    for region in manifest.regions:
        r = region.id
        forced: dict[GroupKey, frozenset[str]] = {}
        layout = _region_layout(manifest, r, counts, t, forced)
        # A region under the threshold publishes its total alone (the sibling rule already
        # merged every group away); the total is the result and is exempt.
        if cell_count(layout[0][0], counts) >= t:
            while _force_one(layout, counts, t, forced):
                layout = _region_layout(manifest, r, counts, t, forced)
        cells += [cell for cell, _ in layout]
    return cells


def cell_count(cell: CellSpec, counts: Mapping[BaseKey, int]) -> int:
    return sum(counts.get(k, 0) for k in cell.members)


def smallest_published(cells: Iterable[CellSpec], counts: Mapping[BaseKey, int]) -> int | None:
    """The fewest ballots any non-region published cell holds (for tests and the verifier)."""
    sizes = [cell_count(c, counts) for c in cells if c.level != "region"]
    return min(sizes) if sizes else None
