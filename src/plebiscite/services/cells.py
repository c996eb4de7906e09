"""Tally cells and the small-cell rule (``docs/tally.md`` section 2).

Counted ballots are first summed into *base cells*, one per (region, precinct, channel,
voting day). Published cells are unions of base cells at five levels per region: the region
total, districts, precincts (within their district), channels and voting days.

No published subtotal may reveal a vote. Within each group of siblings (the districts of a
region, the precincts of a district, the channels of a region, the days of a region), every
cell with fewer counted ballots than the manifest's ``small_cell_threshold`` is merged into an
"other" cell of that group; if the "other" cell is itself non-empty and still under the
threshold, the smallest remaining siblings join it until it reaches the threshold or takes the
whole group, in which case the group publishes nothing (its parent carries the total). Since
the parent minus the published siblings equals the "other" cell, no cell under the threshold
can be computed by subtraction either. The region total is always published: it is the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from plebiscite.domain.manifest import LocationKind, Manifest

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


def _merge_group(
    level: str,
    region: str,
    parent: str,
    children: Mapping[str, frozenset[BaseKey]],
    counts: Mapping[BaseKey, int],
    threshold: int,
) -> list[CellSpec]:
    size = {unit: sum(counts.get(k, 0) for k in members) for unit, members in children.items()}
    other = sorted(u for u in children if size[u] < threshold)
    kept = sorted((u for u in children if size[u] >= threshold), key=lambda u: (size[u], u))
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


def published_cells(
    manifest: Manifest, counts: Mapping[BaseKey, int], threshold: int | None = None
) -> list[CellSpec]:
    """Every cell to decrypt, with small cells merged as the module docstring says."""
    t = manifest.small_cell_threshold if threshold is None else threshold
    keys = list(counts)
    cells: list[CellSpec] = []
    for region in manifest.regions:
        r = region.id
        mine = [k for k in keys if k[0] == r]
        cells.append(CellSpec(f"region:{r}", "region", r, (r,), frozenset(mine)))
        districts = {d.id: d for d in manifest.districts if d.region_id == r}
        precinct_district = {p.id: p.district_id for p in manifest.precincts if p.region_id == r}
        by_district = {
            d: frozenset(k for k in mine if precinct_district.get(k[1]) == d) for d in districts
        }
        district_cells = _merge_group("district", r, r, by_district, counts, t)
        cells += district_cells
        # Precincts are published only inside a district published on its own: a district that
        # sits in the region's "other" cell could otherwise be rebuilt from its precincts, and
        # then subtracted from that "other" cell to reveal a small district beside it.
        alone = {c.units[0] for c in district_cells if "other@" not in c.id}
        for d in sorted(alone):
            by_precinct = {
                p: frozenset(k for k in mine if k[1] == p)
                for p, dd in precinct_district.items()
                if dd == d
            }
            cells += _merge_group("precinct", r, d, by_precinct, counts, t)
        by_channel = {
            kind.value: frozenset(k for k in mine if k[2] == kind.value) for kind in LocationKind
        }
        cells += _merge_group("channel", r, r, by_channel, counts, t)
        by_day = {
            str(day.number): frozenset(k for k in mine if k[3] == day.number)
            for day in manifest.days
        }
        cells += _merge_group("day", r, r, by_day, counts, t)
    return cells


def cell_count(cell: CellSpec, counts: Mapping[BaseKey, int]) -> int:
    return sum(counts.get(k, 0) for k in cell.members)


def smallest_published(cells: Iterable[CellSpec], counts: Mapping[BaseKey, int]) -> int | None:
    """The fewest ballots any non-region published cell holds (for tests and the verifier)."""
    sizes = [cell_count(c, counts) for c in cells if c.level != "region"]
    return min(sizes) if sizes else None
