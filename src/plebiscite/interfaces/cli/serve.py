"""``plebiscite serve``: the board, its API and its pages, over HTTP, in one or N processes."""

from __future__ import annotations

import os
from pathlib import Path

import click

from plebiscite.interfaces.board_key import OPTION_HELP, default_places, read_key, resolve
from plebiscite.interfaces.cli.options import DB_HELP, open_existing

#: Shortest authority token accepted on the command line (a generated one has 32 characters).
MIN_TOKEN = 8
PROTOCOL = "plebiscite.interfaces.api.guards:GuardedHttpToolsProtocol"
#: Seconds an idle keep-alive connection is kept open between requests.
KEEP_ALIVE_S = 5


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
    type=click.IntRange(min=0),
    help="processes checking ballot proofs; 0 checks them in the request thread (best on a "
    "2-core machine shared with clients; more workers pay off with more cores)",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="server processes on this port (they share nothing but the board)",
)
@click.option(
    "--max-in-flight",
    default=48,
    show_default=True,
    type=click.IntRange(min=1),
    help="requests in progress per process before new ones get 503 and Retry-After",
)
@click.option(
    "--request-timeout",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="seconds a client has to send a whole request before it is answered 408 and closed",
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
    workers: int,
    max_in_flight: int,
    request_timeout: float,
) -> None:
    """Serve the bulletin board, device enrolment, check-in, cast/challenge, receipts, pages.

    The board must exist (``plebiscite election publish`` creates it). Its head-signing key
    must be the one its stored heads carry: a different key is refused, naming where the
    right one is.
    """
    import uvicorn

    from plebiscite.interfaces.api.guards import GuardedHttpToolsProtocol
    from plebiscite.interfaces.app import SERVE_ENV, new_admin_token, open_app
    from plebiscite.interfaces.head_timer import HeadTimer
    from plebiscite.services.voting.casting import parse_time

    start = parse_time(demo_start, "--demo-start") if demo_start else None
    if start is not None and not demo_clock:
        raise click.UsageError("--demo-start needs --demo-clock")
    if admin_token is not None and len(admin_token.strip()) < MIN_TOKEN:
        raise click.UsageError(
            f"--admin-token must have at least {MIN_TOKEN} characters (omit it to generate one)"
        )
    with open_existing(db) as board:
        key = resolve(db, board, board_key, create=True)
    assert key is not None  # create=True: found, or made for a board with no head yet
    key_file = board_key or next(
        (p for p in default_places(db) if p.is_file() and read_key(p).verify_key == key.verify_key),
        None,
    )
    if workers > 1 and key_file is None:
        raise click.UsageError("--workers above 1 needs --board-key FILE (each process reads it)")
    if admin_token is None:
        admin_token = new_admin_token()
        click.echo(f"authority token (generated): {admin_token}", err=True)
    GuardedHttpToolsProtocol.request_timeout = request_timeout
    # Open once here: create or upgrade the board, create its key, set the demo clock's start.
    app, service = open_app(
        db,
        admin_token=admin_token,
        signing_key=key,
        demo_clock=demo_clock,
        demo_start=start,
        proof_workers=proof_workers if workers == 1 else 0,
        max_in_flight=max_in_flight,
    )
    click.echo(
        f"plebiscite board on http://{host}:{port} ({service.board.size()} entries, board key "
        f"{service.head_key.verify_key.hex()}, {workers} process{'es' if workers > 1 else ''})"
        f"{'; DEMO CLOCK' if demo_clock else ''}",
        err=True,
    )
    common = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "http": PROTOCOL,
        "timeout_keep_alive": KEEP_ALIVE_S,
    }
    # The head timer runs in this process, the parent of the workers when there are several.
    timer = HeadTimer(service, sign_every) if sign_every > 0 else None
    if workers == 1:
        try:
            uvicorn.run(app, **common)  # type: ignore[arg-type]
        finally:
            if timer is not None:
                timer.stop()
            close = getattr(service.proof_checker, "close", None)
            if close is not None:
                close()
            service.board.close()
        return
    settings = {
        "db": db,
        "admin_token": admin_token,
        "board_key": str(key_file),
        "demo_clock": "1" if demo_clock else "",
        "proof_workers": str(proof_workers),
        "max_in_flight": str(max_in_flight),
        "request_timeout": str(request_timeout),
    }
    os.environ.update({SERVE_ENV[name]: value for name, value in settings.items()})
    try:
        uvicorn.run(
            "plebiscite.interfaces.app:app_from_environment",
            factory=True,
            workers=workers,
            **common,  # type: ignore[arg-type]
        )
    finally:
        if timer is not None:
            timer.stop()
        service.board.close()
