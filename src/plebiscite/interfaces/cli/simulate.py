"""``plebiscite simulate``: synthetic voters and devices against a running board service."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from plebiscite.errors import InputError


@click.command()
@click.option("--server", required=True, help="base URL of `plebiscite serve --demo-clock`")
@click.option("--voters", required=True, type=click.IntRange(min=1), help="how many voters")
@click.option(
    "--receipts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write every receipt here (JSON lines)",
)
@click.option(
    "--concurrency",
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="voters at once",
)
@click.option(
    "--admin-token",
    envvar="PLEBISCITE_ADMIN_TOKEN",
    required=True,
    help="the authority token of the server (env PLEBISCITE_ADMIN_TOKEN)",
)
@click.option("--seed", default=1, show_default=True, type=int, help="same seed, same voters")
@click.option(
    "--challenge-share",
    default=0.1,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="share of voters who challenge the device once",
)
@click.option(
    "--home-share",
    default=0.15,
    show_default=True,
    type=click.FloatRange(0, 1),
    help=(
        "share of voters without a home-voting application who ask the mobile team anyway "
        "(only where the manifest does not require applications; applicants always vote at home)"
    ),
)
@click.option(
    "--override-share",
    default=0.3,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="share of home voters who override in a booth",
)
@click.option(
    "--duplicates",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="share of booth voters who try a double vote from two devices at once, and a retry",
)
@click.option("--close", is_flag=True, help="close voting at the end")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the outcome as JSON to this file",
)
def simulate(
    server: str,
    voters: int,
    receipts: Path | None,
    concurrency: int,
    admin_token: str,
    seed: int,
    challenge_share: float,
    home_share: float,
    override_share: float,
    duplicates: float,
    close: bool,
    json_out: Path | None,
) -> None:
    """Drive devices and synthetic voters over HTTP through the schedule; print the truth."""
    from plebiscite.interfaces.api.client import HttpVotingServer
    from plebiscite.services.simulation.simulate import simulate as run

    console = Console(stderr=True)
    client = HttpVotingServer(server, admin_token, connections=concurrency + 2)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=console) as bar:

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            result = run(
                client,
                voters,
                seed=seed,
                concurrency=concurrency,
                challenge_share=challenge_share,
                home_share=home_share,
                override_share=override_share,
                duplicates=duplicates,
                receipts_path=receipts,
                close=close,
                progress=progress,
            )
        finally:
            client.close_client()
    table = Table(title="plaintext truth (counted ballots)")
    for column in ("region", "question", "option", "votes"):
        table.add_column(column)
    for region, questions in sorted(result.truth.items()):
        for question, options in questions.items():
            for option, n in options.items():
                table.add_row(region, question, option, str(n))
    Console().print(table)
    click.echo(
        f"cast {result.cast}, challenged {result.challenged}, superseded {result.superseded}, "
        f"refused as expected {len(result.refusals) - len(result.unexpected)}"
        f"/{len(result.refusals)}, receipts {result.receipts}; double votes tried "
        f"{result.duplicates}, second ballots refused {result.duplicates_refused}, retries "
        f"given the same receipt {result.retries_same_receipt}; 503 back-offs {client.backoffs}"
    )
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n")
    if result.unexpected:
        raise InputError("; ".join(result.unexpected))
