"""``plebiscite serve``: the board, its API and its pages, over HTTP, in one or N processes."""

from __future__ import annotations

import os
from pathlib import Path

import click

from plebiscite.services.casting import parse_time

_DB_HELP = "board database: a SQLite file (default plebiscite.db) or a postgresql:// URL"
PROTOCOL = "plebiscite.interfaces.api.guards:GuardedH11Protocol"
#: Seconds an idle keep-alive connection is kept open between requests.
KEEP_ALIVE_S = 5


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
    demo_clock: bool,
    demo_start: str | None,
    proof_workers: int,
    workers: int,
    max_in_flight: int,
    request_timeout: float,
) -> None:
    """Serve the bulletin board, device enrolment, check-in, cast/challenge and receipts."""
    import uvicorn

    from plebiscite.interfaces.api.guards import GuardedH11Protocol
    from plebiscite.interfaces.app import (
        SERVE_ENV,
        default_board_key_path,
        new_admin_token,
        open_app,
    )

    start = parse_time(demo_start, "--demo-start") if demo_start else None
    if start is not None and not demo_clock:
        raise click.UsageError("--demo-start needs --demo-clock")
    if admin_token is None:
        admin_token = new_admin_token()
        click.echo(f"authority token (generated): {admin_token}", err=True)
    GuardedH11Protocol.request_timeout = request_timeout
    # Open once here: create or upgrade the board, create its key, set the demo clock's start.
    app, service = open_app(
        db,
        admin_token=admin_token,
        board_key=board_key,
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
    if workers == 1:
        try:
            uvicorn.run(app, **common)  # type: ignore[arg-type]
        finally:
            close = getattr(service.proof_checker, "close", None)
            if close is not None:
                close()
            service.board.close()
        return
    service.board.close()
    key_path = board_key or default_board_key_path(db)
    settings = {
        "db": db,
        "admin_token": admin_token,
        "board_key": str(key_path),
        "demo_clock": "1" if demo_clock else "",
        "proof_workers": str(proof_workers),
        "max_in_flight": str(max_in_flight),
        "request_timeout": str(request_timeout),
    }
    os.environ.update({SERVE_ENV[name]: value for name, value in settings.items()})
    uvicorn.run(
        "plebiscite.interfaces.app:app_from_environment",
        factory=True,
        workers=workers,
        **common,  # type: ignore[arg-type]
    )
