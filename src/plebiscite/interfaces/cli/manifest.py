"""``plebiscite manifest``: check a manifest and print its summary; publish its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from plebiscite.domain.manifest import LocationKind, Manifest
from plebiscite.domain.manifest_file import manifest_json_schema
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.errors import ManifestError
from plebiscite.services.election.setup import load_manifest

_KINDS = (LocationKind.MOBILE_TEAM, LocationKind.MAKESHIFT_STATION, LocationKind.REGULAR_STATION)
_SHORT = {
    LocationKind.MOBILE_TEAM: "mobile teams",
    LocationKind.MAKESHIFT_STATION: "makeshift st.",
    LocationKind.REGULAR_STATION: "regular st.",
}


def schema_text() -> str:
    """The published schema file's exact text."""
    return json.dumps(manifest_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _territory_table(m: Manifest) -> Table:
    table = Table(title="Regions (voters: registered, from the manifest)")
    table.add_column("region")
    table.add_column("districts", justify="right")
    table.add_column("precincts", justify="right")
    for kind in _KINDS:
        table.add_column(_SHORT[kind], justify="right")
    table.add_column("voters", justify="right")
    table.add_column("questions", justify="right")
    for region in m.regions:
        locations = [loc for loc in m.locations if loc.region_id == region.id]
        table.add_row(
            region.id,
            str(sum(d.region_id == region.id for d in m.districts)),
            str(sum(p.region_id == region.id for p in m.precincts)),
            *(str(sum(loc.kind is kind for loc in locations)) for kind in _KINDS),
            f"{m.registered_voters(region.id):,}",
            str(len(region.questions)),
        )
    table.add_section()
    table.add_row(
        "total",
        str(len(m.districts)),
        str(len(m.precincts)),
        *(str(sum(loc.kind is kind for loc in m.locations)) for kind in _KINDS),
        f"{m.registered_voters():,}",
        str(sum(len(r.questions) for r in m.regions)),
    )
    return table


def _schedule_table(m: Manifest) -> Table:
    table = Table(title=f"Schedule ({m.time_zone})")
    table.add_column("day", justify="right")
    table.add_column("date")
    for kind in _KINDS:
        table.add_column(kind.value.replace("_", " "))
    all_regions = frozenset(r.id for r in m.regions)
    # A location's own hours narrow the day's window: say so, or the table overstates them.
    own: dict[object, str] = {}
    for kind in _KINDS:
        mine = [x for x in m.locations if x.kind is kind]
        narrowed = [x for x in mine if x.hours is not None]
        if narrowed:
            hours = ", ".join(sorted({str(x.hours) for x in narrowed}))
            own[kind] = f"{len(narrowed)} of {len(mine)} locations: {hours}"
    for day in m.days:
        cells = []
        for kind in _KINDS:
            spans = [
                str(w.hours)
                + ("" if w.regions == all_regions else f" ({', '.join(sorted(w.regions))})")
                for w in day.windows
                if kind in w.kinds
            ]
            if spans and kind in own:
                spans.append(own[kind])
            cells.append("\n".join(spans) if spans else "-")
        table.add_row(str(day.number), f"{day.date:%a %d %b %Y}", *cells)
    return table


def print_summary(m: Manifest, console: Console) -> None:
    console.print(f"[bold]{m.title}[/bold]")
    console.print(f"id {m.id}, {m.effect}, protocol {m.protocol_version}")
    console.print(f"manifest hash {manifest_hash(m).hex()}", soft_wrap=True)
    console.print(
        f"trustees: {m.trustees.k} of {m.trustees.n} "
        f"({sum(t.independent_of_authority for t in m.trustees.members)} independent of the "
        "authority)"
    )
    console.print(_territory_table(m))
    console.print(_schedule_table(m))
    context = m.context
    observers = "admitted" if context.independent_observers_admitted else "NOT admitted"
    console.print(f"independent observers: {observers}")
    stated = sum(v not in (None, (), {}) for v in m.facts.values.values())
    kinds = sorted({p.kind for p in m.provenance})
    console.print(
        f"facts stated: {stated}; provenance entries: {len(m.provenance)}"
        f"{' (' + ', '.join(kinds) + ')' if kinds else ''}"
    )
    for e in context.emergencies:
        until = e.end.isoformat() if e.end else "in force"
        regions = ", ".join(sorted(e.regions))
        console.print(
            f"{e.kind.replace('_', ' ')} since {e.start.isoformat()} ({until}): {regions}"
        )


@click.group("manifest")
def manifest() -> None:
    """Check referendum manifests."""


@manifest.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check(file: Path) -> None:
    """Check FILE and print a summary (regions, locations, schedule, voters) or the errors."""
    m = load_manifest(file)
    print_summary(m, Console(width=120))


@manifest.command("schema")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="write it here")
@click.option("--check", "check_only", is_flag=True, help="fail if --out is not up to date")
def schema(out: Path | None, check_only: bool) -> None:
    """Print (or write) the JSON Schema of the manifest's JSON form."""
    text = schema_text()
    if out is None:
        click.echo(text, nl=False)
    elif check_only:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            raise ManifestError(f"{out} is not up to date: run plebiscite manifest schema --out")
        click.echo(f"{out} is up to date")
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
