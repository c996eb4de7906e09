"""``plebiscite serve``: the board, its API and (later) its pages, over HTTP."""

from __future__ import annotations

from pathlib import Path

import click

from plebiscite.services.casting import parse_time

_DB_HELP = "board database: a SQLite file (default plebiscite.db) or a postgresql:// URL"


@click.command()
@click.option("--db", default="plebiscite.db", show_default=True, help=_DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--admin-token",
    envvar="PLEBISCITE_ADMIN_TOKEN",
    help="the authority's bearer token (env PLEBISCITE_ADMIN_TOKEN); generated if absent",
)
@click.option(
    "--board-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="file holding the board's Ed25519 seed in hex (default: <db>.board-key for SQLite)",
)
@click.option(
    "--demo-clock",
    is_flag=True,
    help="DEMO ONLY: a simulated clock the authority sets with PUT /authority/clock",
)
@click.option("--demo-start", help="with --demo-clock: the clock's first time (ISO-8601)")
@click.option(
    "--proof-workers",
    default=0,
    show_default=True,
    type=int,
    help="processes checking ballot proofs; 0 checks them in the request thread (best on a "
    "2-core machine shared with clients; more workers pay off with more cores)",
)
def serve(
    db: str,
    host: str,
    port: int,
    admin_token: str | None,
    board_key: Path | None,
    demo_clock: bool,
    demo_start: str | None,
    proof_workers: int,
) -> None:
    """Serve the bulletin board, device enrolment, check-in, cast/challenge and receipts."""
    import uvicorn

    from plebiscite.interfaces.app import new_admin_token, open_app

    start = parse_time(demo_start, "--demo-start") if demo_start else None
    if start is not None and not demo_clock:
        raise click.UsageError("--demo-start needs --demo-clock")
    if admin_token is None:
        admin_token = new_admin_token()
        click.echo(f"authority token (generated): {admin_token}", err=True)
    app, service = open_app(
        db,
        admin_token=admin_token,
        board_key=board_key,
        demo_clock=demo_clock,
        demo_start=start,
        proof_workers=proof_workers,
    )
    click.echo(
        f"plebiscite board on http://{host}:{port} ({service.board.size()} entries, board key "
        f"{service.head_key.verify_key.hex()}){'; DEMO CLOCK' if demo_clock else ''}",
        err=True,
    )
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        close = getattr(service.proof_checker, "close", None)
        if close is not None:
            close()
        service.board.close()
