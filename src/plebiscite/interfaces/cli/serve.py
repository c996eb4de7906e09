"""``plebiscite serve``: the board, its API and its pages, over HTTP."""

from __future__ import annotations

from pathlib import Path

import click

from plebiscite.interfaces.board_key import OPTION_HELP, resolve
from plebiscite.interfaces.cli.options import DB_HELP, open_existing

#: Shortest authority token accepted on the command line (a generated one has 32 characters).
MIN_TOKEN = 8


@click.command()
@click.option("--db", required=True, envvar="PLEBISCITE_DB", help=DB_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=int, help="port to listen on")
@click.option(
    "--admin-token",
    envvar="PLEBISCITE_ADMIN_TOKEN",
    help="the authority's bearer token (env PLEBISCITE_ADMIN_TOKEN); generated if absent",
)
@click.option("--board-key", type=click.Path(dir_okay=False, path_type=Path), help=OPTION_HELP)
@click.option(
    "--sign-every",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="seconds between signed heads while entries arrive (0: only with receipts)",
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
    sign_every: float,
    demo_clock: bool,
    demo_start: str | None,
    proof_workers: int,
) -> None:
    """Serve the bulletin board, device enrolment, check-in, cast/challenge, receipts, pages.

    The board must exist (``plebiscite election publish`` creates it). Its head-signing key
    must be the one its stored heads carry: a different key is refused, naming where the
    right one is.
    """
    import uvicorn

    from plebiscite.interfaces.app import new_admin_token, open_app
    from plebiscite.interfaces.head_timer import HeadTimer
    from plebiscite.services.casting import parse_time

    start = parse_time(demo_start, "--demo-start") if demo_start else None
    if start is not None and not demo_clock:
        raise click.UsageError("--demo-start needs --demo-clock")
    if admin_token is not None and len(admin_token.strip()) < MIN_TOKEN:
        raise click.UsageError(
            f"--admin-token must have at least {MIN_TOKEN} characters (omit it to generate one)"
        )
    with open_existing(db) as board:
        key = resolve(db, board, board_key, create=True)
    if admin_token is None:
        admin_token = new_admin_token()
        click.echo(f"authority token (generated): {admin_token}", err=True)
    app, service = open_app(
        db,
        admin_token=admin_token,
        signing_key=key,
        demo_clock=demo_clock,
        demo_start=start,
        proof_workers=proof_workers,
    )
    click.echo(
        f"plebiscite board on http://{host}:{port} ({service.board.size()} entries, board key "
        f"{service.head_key.verify_key.hex()}){'; DEMO CLOCK' if demo_clock else ''}",
        err=True,
    )
    timer = HeadTimer(service, sign_every) if sign_every > 0 else None
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if timer is not None:
            timer.stop()
        close = getattr(service.proof_checker, "close", None)
        if close is not None:
            close()
        service.board.close()
