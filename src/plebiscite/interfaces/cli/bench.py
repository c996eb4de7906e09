"""``plebiscite bench crypto [--json]``: crypto speeds on this machine, in one run."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from plebiscite.services.simulation.bench import arithmetic_note, run_crypto_bench


@click.group()
def bench() -> None:
    """Measure plebiscite's speed on this machine."""


@bench.command("crypto")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--ballots", default=400, show_default=True, help="Yes/no ballots to encrypt.")
def crypto(as_json: bool, ballots: int) -> None:
    """Scalar multiplications, and yes/no ballot encrypt+prove and verify, per second."""
    if ballots < 1:
        raise click.BadParameter("must be at least 1", param_hint="--ballots")
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=as_json,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)

        result = run_crypto_bench(ballots, report)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    table = Table(title="plebiscite bench crypto (ristretto255)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("arbitrary-point scalar mult /s", f"{result.scalar_mult_per_s:,.0f}")
    table.add_row("yes/no ballot encrypt+prove /s (1 core)", f"{result.encrypt_ballots_per_s:,.0f}")
    table.add_row("yes/no ballot verify /s (1 core)", f"{result.verify_ballots_per_s:,.0f}")
    table.add_row(
        "yes/no ballot verify /s (1 core, batches)", f"{result.verify_ballots_per_s_batch:,.0f}"
    )
    table.add_row(
        "yes/no ballot verify /s (1 core, libsodium)",
        f"{result.verify_ballots_per_s_libsodium:,.0f}",
    )
    table.add_row(
        f"yes/no ballot verify /s ({result.cores} cores)",
        f"{result.verify_ballots_per_s_all_cores:,.0f}",
    )
    table.add_row("arbitrary-point mults per verify", str(result.scalar_mults_per_verify))
    Console().print(table)
    Console().print(f"arithmetic: {arithmetic_note(result.arithmetic)}", highlight=False)
