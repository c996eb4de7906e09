"""``plebiscite device serve``: the team's booth pages, served by the device itself, offline.

The same flow as a station's booth (``docs/pages.md``) without the board: the team member
checks the voter in against the device's roll, the voter chooses, reviews and casts, and the
page shows the device-signed receipt (the code in groups of four, and as a QR image) once the
ballot is durable in the queue (``docs/devices.md``). Challenges are not offered offline.

Bound to 127.0.0.1 by default: the pages are for the device's own screen. The queue file is
opened for each request under one lock (SQLite connections stay in their thread).
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from plebiscite.crypto.hashing import canonical_json
from plebiscite.errors import PlebisciteError
from plebiscite.interfaces.pages.common import form
from plebiscite.services.codes import grouped
from plebiscite.services.device import OfflineDevice

_STYLE = "body{font-family:sans-serif;max-width:40em;margin:2em auto}code{font-size:1.4em}"


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>"
        f"{html.escape(title)}</title><style>{_STYLE}</style></head><body><h1>"
        f"{html.escape(title)}</h1>{body}</body></html>"
    )


def create_device_app(queue: Path, clock: dt.datetime | None = None) -> FastAPI:
    """The device's pages over its queue file; ``clock`` fixes the time (tests, rehearsals)."""
    app = FastAPI(title="plebiscite device", docs_url=None, redoc_url=None, openapi_url=None)
    lock = threading.Lock()

    @contextmanager
    def device() -> Iterator[OfflineDevice]:
        with lock:
            d = OfflineDevice.open(queue)
            try:
                yield d
            finally:
                d.close()

    def refusal(exc: PlebisciteError) -> HTMLResponse:
        response = _page("Refused", f"<p>{html.escape(str(exc))}</p><p><a href='/'>Back</a></p>")
        response.status_code = 409
        return response

    @app.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        with device() as d:
            status = d.status()
        rows = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in status.items()
        )
        return _page(
            f"Device {status['device']}",
            f"<table>{rows}</table><h2>Check a voter in</h2><form method='post' "
            "action='/check-in'><label>Voter pseudonym <input name='voter' required></label> "
            "<button>Check in</button></form>",
        )

    @app.post("/check-in", response_class=HTMLResponse)
    async def check_in(request: Request) -> HTMLResponse:
        voter = (await form(request)).get("voter", "")
        with device() as d:
            try:
                d.check_in(voter)
            except PlebisciteError as exc:
                return refusal(exc)
            questions = d.booth.questions
        fields = "".join(
            f"<fieldset><legend>{html.escape(q.text.get('en', q.id))}</legend>"
            + "".join(
                f"<label><input type='radio' name='{html.escape(q.id)}' "
                f"value='{html.escape(o.id)}' required> {html.escape(o.label.get('en', o.id))}"
                "</label><br>"
                for o in q.options
            )
            + "</fieldset>"
            for q in questions
        )
        return _page(
            "Your ballot",
            f"<form method='post' action='/vote'><input type='hidden' name='voter' "
            f"value='{html.escape(voter)}'>{fields}<button>Cast</button></form>",
        )

    @app.post("/vote", response_class=HTMLResponse)
    async def vote(request: Request) -> HTMLResponse:
        data = await form(request)
        voter = data.pop("voter", "")
        selections: dict[str, str | None] = dict(data)
        at = clock or dt.datetime.now(dt.UTC)
        with device() as d:
            try:
                receipt = d.vote(voter, selections, at)
            except PlebisciteError as exc:
                return refusal(exc)
        import segno

        qr = segno.make(canonical_json(receipt.to_json()).decode(), error="m")
        return _page(
            "Your receipt",
            f"<p>Tracking code</p><p><code>{grouped(receipt.tracking_code)}</code></p>"
            f"<p>Cast at {html.escape(receipt.cast_at)} by device {html.escape(receipt.device)}"
            f"; signed by the device.</p>{qr.svg_inline(scale=3)}"
            "<p><a href='/'>Next voter</a></p>",
        )

    return app


__all__ = ["create_device_app"]
