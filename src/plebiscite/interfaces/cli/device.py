"""``plebiscite device ...``: a door-to-door team's offline device (``docs/devices.md``)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from plebiscite.errors import InputError
from plebiscite.services.voting.codes import grouped
from plebiscite.services.voting.device import OfflineDevice, init_device, write_receipt

if TYPE_CHECKING:
    from plebiscite.interfaces.api.client import HttpVotingServer

_QUEUE = click.option(
    "--queue",
    "queue_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="the device's SQLite file (its key, roll and queue)",
)


def _time(text: str | None) -> dt.datetime:
    """The device clock, or ``--at`` (an ISO-8601 time with an offset: rehearsals, tests)."""
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--at {text!r} is not an ISO-8601 time") from None
    if t.utcoffset() is None:
        raise InputError(f"--at {text!r} needs a UTC offset, e.g. +02:00")
    return t


def _server(url: str, token: str | None = None) -> HttpVotingServer:
    from plebiscite.interfaces.api.client import HttpVotingServer

    return HttpVotingServer(url, token, patience_s=30.0)


@click.group()
def device() -> None:
    """A mobile team's device: enrol online, vote offline, sync later."""


@device.command()
@_QUEUE
@click.option("--server", required=True, help="the board service, e.g. http://127.0.0.1:8000")
@click.option("--device", "device_id", required=True, help="the device's id")
@click.option("--location", required=True, help="the mobile team's location id")
@click.option("--token", default=None, help="the authority's token (or PLEBISCITE_ADMIN_TOKEN)")
def init(queue_path: Path, server: str, device_id: str, location: str, token: str | None) -> None:
    """Enrol a new device and store the manifest, key and region roll on it (online)."""
    token = token or os.environ.get("PLEBISCITE_ADMIN_TOKEN")
    d = init_device(_server(server, token), queue_path, device_id, location)
    click.echo(f"enrolled {d.device_id} at {location}; {d.queue.roll_size()} voters on its roll")
    d.close()


@device.command()
@_QUEUE
@click.argument("voter")
@click.option("--at", default=None, help="the time to record instead of the clock's")
def checkin(queue_path: Path, voter: str, at: str | None) -> None:
    """Check VOTER (a roll pseudonym) in against the device's roll (offline); the device
    signs when (its clock, or --at), and the board judges the upload by that time."""
    when = _time(at)
    d = OfflineDevice.open(queue_path)
    try:
        d.check_in(voter, when)
        click.echo(f"checked in {voter[:16]}...")
    finally:
        d.close()


@device.command()
@_QUEUE
@click.argument("voter")
@click.option("--choice", "choices", multiple=True, help="QUESTION=OPTION (repeat per question)")
@click.option("--at", default=None, help="the time to record instead of the clock's")
@click.option(
    "--receipts",
    default="receipts",
    type=click.Path(file_okay=False, path_type=Path),
    help="where receipts (JSON and QR PNG) are written",
)
def vote(queue_path: Path, voter: str, choices: tuple[str, ...], at: str | None,
         receipts: Path) -> None:  # fmt: skip
    """Cast VOTER's ballot offline; print the device-signed receipt once it is queued."""
    selections: dict[str, str | None] = {}
    for choice in choices:
        question, sep, option = choice.partition("=")
        if not sep:
            raise click.UsageError(f"--choice {choice!r} is not QUESTION=OPTION")
        selections[question] = option or None
    d = OfflineDevice.open(queue_path)
    try:
        receipt = d.vote(voter, selections, _time(at))
    finally:
        d.close()
    path = write_receipt(receipt, receipts)
    click.echo(f"tracking code  {grouped(receipt.tracking_code)}")
    click.echo(f"cast at        {receipt.cast_at} by {receipt.device}")
    click.echo(f"receipt        {path} (QR: {path.with_suffix('.png')})")


@device.command()
@_QUEUE
@click.option("--server", required=True, help="the board service")
def sync(queue_path: Path, server: str) -> None:
    """Upload the queue in order; keep the board's receipts (idempotent, resumable)."""
    from plebiscite.services.voting.device_sync import sync as run_sync

    d = OfflineDevice.open(queue_path)
    try:
        report = run_sync(d, _server(server))
    finally:
        d.close()
    click.echo(
        f"sent {report.sent} rows: {report.ballots} ballots, {report.challenged} challenged, "
        f"{report.check_ins} check-ins; {report.already} were synced before"
    )


@device.command()
@_QUEUE
@click.option("--server", required=True, help="the board service")
def end(queue_path: Path, server: str) -> None:
    """Post the device's signed chain end (after its last sync; it casts no more)."""
    d = OfflineDevice.open(queue_path)
    try:
        body = d.chain_end()
        index = _server(server).chain_end(d.device_id, body)
    finally:
        d.close()
    click.echo(f"chain end of {body['count']} ballots posted at entry {index}")


@device.command()
@_QUEUE
@click.option("--host", default="127.0.0.1", show_default=True, help="the address to serve on")
@click.option("--port", default=8080, show_default=True, help="the port")
def serve(queue_path: Path, host: str, port: int) -> None:
    """Serve the booth pages from the device itself (offline: check-in, choose, review,
    tracking code, cast or challenge, receipt)."""
    import uvicorn

    from plebiscite.interfaces.device_pages import create_device_app

    OfflineDevice.open(queue_path).close()  # refuse a missing or foreign file before serving
    uvicorn.run(create_device_app(queue_path), host=host, port=port, log_level="warning")


@device.command()
@_QUEUE
def status(queue_path: Path) -> None:
    """What the device holds: ballots, what waits for a sync, refusals, chain head."""
    d = OfflineDevice.open(queue_path)
    try:
        click.echo(json.dumps(d.status(), indent=1))
    finally:
        d.close()


__all__ = ["device"]
