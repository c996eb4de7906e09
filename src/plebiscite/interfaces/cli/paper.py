"""``plebiscite paper``: enter paper records into a board and print paper results
(``docs/paper.md``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest_hash import manifest_hash
from plebiscite.domain.paper import LINES
from plebiscite.errors import EncodingError, InputError, VotingClosedError
from plebiscite.interfaces.cli.options import DB_HELP
from plebiscite.record.events import Event, EventType
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election.definition import load_election, publish_manifest
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.paper.filing import (
    SUBMITTERS,
    Submission,
    load_paper,
    paper_findings,
    paper_results,
    results_document,
    submit,
)
from plebiscite.services.paper.signing import KINDS, sign_submission
from plebiscite.services.voting.casting import check_identifier

_DB_HELP = DB_HELP
_HELP = {
    "protocol": "a precinct result protocol (or a corrected one: next version, with a reason), "
    "signed by the filing device (plebiscite paper sign)",
    "trip": "a mobile-box trip, signed by the filing device (plebiscite paper sign)",
    "custody": "a daily custody act (one box, one day, one packet), signed by the filing device",
    "report": "an observer's visit report",
    "complaint": "a complaint, or the decision on one",
}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise InputError(f"{path}: not JSON: {exc}") from None


def _print_submissions(console: Console, done: list[Submission]) -> None:
    for item in done:
        flags = item.flags
        hard = [c for c in flags if c.hard]
        if not flags:
            console.print(
                f"[green]stored[/] {item.kind.value} {item.subject} at entry {item.index}"
            )
            continue
        label = "[bold red]stored, FLAGGED[/]" if hard else "[yellow]stored, with warnings[/]"
        console.print(f"{label} {item.kind.value} {item.subject} at entry {item.index}")
        for check in flags:
            kind = "hard" if check.hard else "soft"
            console.print(f"  {check.id} ({kind}: {check.rule}): {check.message}")


@click.group()
def paper() -> None:
    """The paper count: protocols, mobile trips, custody acts, observers and complaints."""


@paper.command()
@click.option("--db", required=True, help=_DB_HELP)
@click.option(
    "--manifest",
    "manifest_path",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="the referendum manifest (TOML, or its JSON form)",
)
def init(db: str, manifest_path: Path) -> None:
    """Create the board in DB if needed and publish the manifest on it (once)."""
    manifest = load_manifest(manifest_path)
    with SqlBoard.open(db, create=True) as board:
        election = load_election(board)
        if election.manifest is None:
            index = publish_manifest(board, manifest)
            Console().print(f"[green]published[/] manifest {manifest.id} at entry {index}")
        elif election.manifest_hash != manifest_hash(manifest):
            raise InputError(f"the board already holds another manifest ({election.manifest.id})")
        else:
            Console().print(f"the board already holds manifest {manifest.id}")


def _submit_command(kind: str) -> click.Command:
    @click.command(name=kind, help=f"Store {_HELP[kind]} from FILE (one JSON object or a list).")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--db", required=True, help=_DB_HELP)
    def command(file: Path, db: str) -> None:
        data = _read_json(file)
        with SqlBoard.open(db) as board:
            done = submit(board, kind, data)
        _print_submissions(Console(), done)

    return command


for _kind in SUBMITTERS:
    paper.add_command(_submit_command(_kind))


def _read_seed(path: Path) -> SigningKey:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a device key (64 hexadecimal digits)") from None
    try:
        return SigningKey(bytes.fromhex(text))
    except (ValueError, EncodingError):
        raise InputError(f"{path}: not a device key (64 hexadecimal digits)") from None


@paper.command()
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", required=True, help=_DB_HELP)
@click.option("--device", "device_id", required=True, help="the filing device's id")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the device's Ed25519 seed (a file of 64 hexadecimal digits)",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the signed records here (default: standard output)",
)
def sign(kind: str, file: Path, db: str, device_id: str, key_path: Path, out: Path | None) -> None:
    """Sign the protocols, trips or custody acts in FILE as the filing device (docs/paper.md 9).

    The records are written as the board will store them, with the device's id and signature;
    submit the output with `plebiscite paper KIND`."""
    data = _read_json(file)
    key = _read_seed(key_path)
    with SqlBoard.open(db) as board:
        election = load_election(board)
    if election.manifest is None:
        raise InputError(f"{db}: the board has no manifest yet (plebiscite paper init)")
    batch = data if isinstance(data, list) else [data]
    signed = []
    for i, item in enumerate(batch):
        try:
            signed.append(
                sign_submission(
                    KINDS[kind],
                    item,
                    device=device_id,
                    key=key,
                    election=election.manifest_hash.hex(),
                )
            )
        except InputError as exc:
            where = f"{file}: item {i}" if len(batch) > 1 else str(file)
            raise InputError(f"{where}: {exc}") from None
    result = signed if isinstance(data, list) else signed[0]
    text = json.dumps(result, indent=1, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        Console(stderr=True).print(f"wrote {len(signed)} signed {kind} record(s) to {out}")


@paper.command()
@click.option("--db", required=True, help=_DB_HELP)
@click.option("--device", "device_id", required=True, help="the new device's id")
@click.option("--location", required=True, help="the manifest location it is enrolled at")
@click.option(
    "--key-out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the device's new key here (a new file, readable by its owner only)",
)
def enrol(db: str, device_id: str, location: str, key_out: Path) -> None:
    """Enrol a commission's filing device on a paper board (before voting closes)."""
    from plebiscite.interfaces.board_key import write_secret

    check_identifier(device_id, "a device id")
    if key_out.exists():
        raise InputError(f"{key_out}: exists already (a device key is never overwritten)")
    key = SigningKey.generate()
    with SqlBoard.open(db) as board:
        election = load_election(board)
        manifest = election.manifest
        if manifest is None:
            raise InputError(f"{db}: the board has no manifest yet (plebiscite paper init)")
        if election.closed_at is not None:
            raise VotingClosedError(f"voting closed at {election.closed_at.isoformat()}")
        if location not in manifest.location_by_id:
            raise InputError(f"no location has the id {location[:64]!r}")
        if board.device(device_id) is not None:
            raise InputError(f"device {device_id!r} is enrolled already")
        write_secret(key_out, key.seed.hex() + "\n")
        payload = {
            "device": device_id,
            "location": location,
            "public_key": key.verify_key.hex(),
            "enrolled_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        try:
            index = board.append(Event.create(EventType.DEVICE_ENROLMENT, payload))
        except BaseException:
            key_out.unlink(missing_ok=True)  # no key for a device the board did not take
            raise
    Console().print(
        f"[green]enrolled[/] {device_id} at {location} (entry {index}); key in {key_out}"
    )


@paper.command()
@click.option("--db", required=True, help=_DB_HELP)
@click.option("--exclude", multiple=True, help="leave this precinct out (repeatable)")
@click.option("--keep-annulled", is_flag=True, help="count precincts annulled by complaints")
@click.option(
    "--level",
    type=click.Choice(["region", "district", "precinct"]),
    default="district",
    help="print units down to this level",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the results as JSON to this file",
)
def results(
    db: str, exclude: tuple[str, ...], keep_annulled: bool, level: str, json_out: Path | None
) -> None:
    """Paper results per region, district and precinct, summed from the precinct protocols."""
    with SqlBoard.open(db) as board:
        manifest, record = load_paper(board)
    res = paper_results(manifest, record, exclude=exclude, apply_annulments=not keep_annulled)
    depth = ["region", "district", "precinct"].index(level)
    console = Console()
    table = Table(title=f"Paper results: {manifest.id}")
    for column in ("unit", "question", "protocols"):
        table.add_column(column)
    shown = [line for line in LINES if line.code not in ("lost", "surplus")]
    for line in shown:
        table.add_column(f"{line.number} {line.code.replace('_', ' ')}", justify="right")
    table.add_column("options", justify="right")
    for t in res.totals:
        if ["region", "district", "precinct"].index(t.level) > depth:
            continue
        indent = "  " * ["region", "district", "precinct"].index(t.level)
        options = ", ".join(f"{k} {v:,}" for k, v in t.options.items())
        table.add_row(
            f"{indent}{t.unit_id}",
            t.question_id,
            f"{t.reporting}/{t.expected}" + (f" (-{len(t.excluded)})" if t.excluded else ""),
            *(f"{t.lines[line.code]:,}" for line in shown),
            options,
        )
    console.print(table)
    console.print(
        f"annulled by complaints: {', '.join(sorted(res.annulled)) or 'none'}; "
        f"excluded: {', '.join(sorted(res.excluded)) or 'none'}"
    )
    if json_out is not None:
        text = json.dumps(results_document(res), indent=2, ensure_ascii=False) + "\n"
        json_out.write_text(text, encoding="utf-8")
        console.print(f"wrote {json_out}")


@paper.command()
@click.option("--db", required=True, help=_DB_HELP)
def checks(db: str) -> None:
    """Every failing check on the paper records in force, recomputed from the board."""
    with SqlBoard.open(db) as board:
        manifest, record = load_paper(board)
    bad = [f for f in paper_findings(manifest, record) if not f.check.ok]
    console = Console()
    if not bad:
        console.print("[green]no failing check[/]")
        return
    table = Table(title=f"Failing checks ({len(bad)})")
    for column in ("entry", "record", "check", "explanation"):
        table.add_column(column)
    for f in bad:
        style = "bold red" if f.check.hard else "yellow"
        table.add_row(
            str(f.index), f"{f.kind} {f.subject}", f"[{style}]{f.check.id}[/]", f.check.message
        )
    console.print(table)


@paper.command()
@click.option(
    "--record",
    "record_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="an election record folder (manifest.json, events.jsonl, results.json)",
)
@click.option("--all", "show_all", is_flag=True, help="print every cell, not only the differing")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the comparison as JSON to this file",
)
def compare(record_dir: Path, show_all: bool, json_out: Path | None) -> None:
    """The paper protocols beside the decrypted counts, per published cell; every difference."""
    from plebiscite.services.paper.compare import compare_record

    result = compare_record(record_dir)
    console = Console()
    rows = result.rows if show_all else result.differing
    differ = f"{len(result.differing)} of {len(result.rows)} cells differ"
    table = Table(title=f"Paper against decrypted ({differ})")
    for column in ("region", "cell", "paper", "decrypted", "difference"):
        table.add_column(column, justify="left" if column in ("region", "cell") else "right")
    for r in rows:

        def fmt(counts: dict[str, int]) -> str:
            return ", ".join(f"{k} {v:,}" for k, v in counts.items())

        note = f" (no protocol: {', '.join(r.missing)})" if r.missing else ""
        table.add_row(
            r.region,
            f"{r.level} {', '.join(r.units)}{note}",
            fmt(r.paper),
            fmt(r.decrypted),
            ", ".join(f"{k} {v:+,}" for k, v in r.differences.items()) or "-",
        )
    if not result.protocols:
        console.print("the record holds no paper protocol: nothing to compare")
    else:
        console.print(table)
        console.print(
            f"{result.protocols} protocols in force; {len(result.differing)} of "
            f"{len(result.rows)} published cells differ between paper and decrypted counts"
        )
    if json_out is not None:
        json_out.write_text(
            json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        console.print(f"wrote {json_out}")
