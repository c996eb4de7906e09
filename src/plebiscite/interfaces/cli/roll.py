"""``plebiscite roll``: synthetic rolls, roll checks, pseudonym keys and roll commitments."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.roll import build_roll
from plebiscite.services.election.setup import (
    load_manifest,
    load_roll_entries,
    read_roll_key,
)

_FILE = click.Path(path_type=Path, dir_okay=False)
_MANIFEST = click.option(
    "--manifest",
    "manifest_path",
    type=_FILE,
    required=True,
    help="the referendum manifest (TOML, or its JSON form)",
)


@click.group("roll")
def roll() -> None:
    """Electoral rolls: generate, check, commit."""


@roll.command("generate")
@_MANIFEST
@click.option("--voters", type=click.IntRange(min=0), required=True, help="how many voters")
@click.option("--seed", type=int, default=0, show_default=True, help="same seed, same roll")
@click.option("--out", type=_FILE, required=True, help="the CSV file to write")
def generate(manifest_path: Path, voters: int, seed: int, out: Path) -> None:
    """Write a roll of synthetic voters spread over the manifest's precincts."""
    import random

    from plebiscite.domain.roll import generate_roll, render_roll_csv
    from plebiscite.interfaces.board_key import write_secret

    m = load_manifest(manifest_path)
    entries = generate_roll(m, voters, random.Random(seed))
    write_secret(out, render_roll_csv(entries), replace=True)  # voter ids: owner only
    click.echo(f"wrote {len(entries)} voters to {out}")


@roll.command("check")
@_MANIFEST
@click.argument("roll_file", type=_FILE)
def check(manifest_path: Path, roll_file: Path) -> None:
    """Check ROLL_FILE against the manifest; print voters per region."""
    m = load_manifest(manifest_path)
    entries = load_roll_entries(roll_file, m)
    table = Table(title=f"Roll {roll_file}")
    for name in ("region", "on the roll", "home voting", "registered (manifest)"):
        table.add_column(name, justify="left" if name == "region" else "right")
    for region in m.regions:
        mine = [e for e in entries if e.region_id == region.id]
        table.add_row(
            region.id,
            f"{len(mine):,}",
            f"{sum(e.home_voting for e in mine):,}",
            f"{m.registered_voters(region.id):,}",
        )
    Console(width=120).print(table)
    click.echo(f"{len(entries)} voters, no errors")


@roll.command("keygen")
@click.option("--out", type=_FILE, required=True, help="where to write the key (hex)")
def keygen(out: Path) -> None:
    """Write a new random 32-byte pseudonym key. Keep it secret: it links pseudonyms to ids."""
    from plebiscite.interfaces.board_key import write_secret

    write_secret(out, secrets.token_hex(32) + "\n")  # 0600 from its first byte; never replaced
    click.echo(f"wrote {out}")


@roll.command("commit")
@_MANIFEST
@click.option(
    "--roll-key",
    "--key-file",
    "key_file",
    type=_FILE,
    required=True,
    help="the roll's pseudonym key file (hex; --key-file is the old name)",
)
@click.option("--json", "json_out", type=_FILE, help="also write the commitments as JSON")
@click.argument("roll_file", type=_FILE)
def commit(manifest_path: Path, key_file: Path, json_out: Path | None, roll_file: Path) -> None:
    """Print the roll commitment of every region (a hash over its sorted pseudonyms)."""
    m = load_manifest(manifest_path)
    digest = manifest_hash(m)
    entries = load_roll_entries(roll_file, m)
    the_roll = build_roll(m, digest, entries, read_roll_key(key_file))
    commitments = the_roll.commitments()
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.region_id] = counts.get(entry.region_id, 0) + 1
    for region_id, value in commitments.items():
        click.echo(f"{region_id}\t{counts[region_id]}\t{value.hex()}")
    if json_out is not None:
        document = {
            "manifest_hash": digest.hex(),
            "regions": {
                region_id: {"voters": counts[region_id], "commitment": value.hex()}
                for region_id, value in commitments.items()
            },
        }
        json_out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
