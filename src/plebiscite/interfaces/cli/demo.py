"""``plebiscite demo``: the seed referendum end to end, with progress and a summary."""

from __future__ import annotations

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

from plebiscite.errors import VerificationError
from plebiscite.interfaces.cli.options import program
from plebiscite.interfaces.demo import DemoResult, run_demo


@click.command()
@click.option("--voters", default=5000, show_default=True, help="voters on the synthetic roll")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("demo-out"),
    show_default=True,
    help="output folder (must be new or empty)",
)
@click.option(
    "--db",
    default=None,
    help="the board, a new one: a SQLite file path or postgresql+psycopg://USER@HOST/DB "
    "(default: board.sqlite in the output folder)",
)
@click.option("--seed", default=2022, show_default=True, help="seed of the simulation")
@click.option("--port", default=None, type=int, help="loopback port (default: a free one)")
@click.option("--workers", default=2, show_default=True, help="processes for tally and verify")
@click.option(
    "--serve-workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 16),
    help="processes serving the voting days (`plebiscite serve --workers N`)",
)
@click.option(
    "--duplicates",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="share of booth voters who try a double vote and a retry (see `simulate`)",
)
def demo(
    voters: int,
    out: Path,
    db: str | None,
    seed: int,
    port: int | None,
    workers: int,
    serve_workers: int,
    duplicates: float,
) -> None:
    """The seed referendum end to end: ceremony, five voting days, tally, record, verifier."""
    console = Console()
    console.print(f"[bold]plebiscite demo[/]: {voters:,} voters, four regions, five days -> {out}/")
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        result = run_demo(out, voters=voters, db=db, seed=seed, port=port, workers=workers,
                          progress=report, serve_workers=serve_workers,
                          duplicates=duplicates)  # fmt: skip
    show(console, result)
    if result.verification is not None and not result.verification.get("ok"):
        raise VerificationError("demo", "the verifier found problems: see verification.json")
    if not result.matches_truth():
        raise VerificationError("demo", "the decrypted results differ from the simulation")


def show(console: Console, result: DemoResult) -> None:
    sim = result.simulation
    console.print(
        f"ceremony: qualified trustees {result.ceremony['qualified']}; "
        + "; ".join(
            f"trustee {t} excluded: {why}" for t, why in result.ceremony["disqualified"].items()
        )
    )
    console.print(
        f"voting: {sim['cast']:,} ballots cast, {sim['challenged']:,} challenged, "
        f"{sim['superseded']:,} superseded in a booth, "
        f"{len(sim['refusals'])} refused attempts (board unchanged: "
        f"{all(r.get('board_unchanged') for r in sim['refusals'])})"
    )
    if sim.get("duplicates"):
        console.print(
            f"double votes: {sim['duplicates']:,} voters sent a ballot from two devices at once "
            f"and once more; {sim['duplicates_refused']:,} second ballots refused, "
            f"{sim['retries_same_receipt']:,} retries given the first receipt"
        )
    table = Table(title="results beside the simulation's plaintext truth")
    for column in ("region", "option", "decrypted", "truth", "share", "turnout"):
        table.add_column(column, justify="right" if column != "region" else "left")
    for region in result.results["regions"]:
        for q in region["questions"]:
            valid = sum(q["options"].values())
            for option, n in q["options"].items():
                truth = result.truth.get(region["region"], {}).get(q["question"], {}).get(option, 0)
                mark = "" if truth == n else " [red]differs[/]"
                table.add_row(
                    region["name"],
                    option,
                    f"{n:,}",
                    f"{truth:,}{mark}",
                    f"{100 * n / valid:.1f}%" if valid else "-",
                    f"{100 * region['ballots'] / region['registered']:.1f}%"
                    if region["registered"]
                    else "-",
                )
    console.print(table)
    verification = result.verification
    if verification is None:
        console.print("verifier: not available in this installation")
    else:
        console.print(
            f"verifier: {'[green]passed[/]' if verification.get('ok') else '[red]FAILED[/]'}"
        )
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    console.print(f"timings: {timings}; peak memory {result.peak_rss_mib:,.0f} MiB")
    code = result.receipt_example or "TRACKING-CODE"
    console.print("\n[bold]next[/]: check it yourself")
    # Plain lines, never wrapped, with the path of this very program: they are for copying.
    me = program()
    click.echo(f"  {me} verify {result.record}")
    click.echo(f"  {me} receipt {code} --record {result.record}")
    click.echo(f"  {me} serve --db {result.db}   (then open http://127.0.0.1:8000/)")
