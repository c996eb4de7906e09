"""Every tracking code on the board: a public page, a JSON API and a download.

Voters of verifiable elections expect to find their code in the published list, not only to
ask the server about it (``docs/pages.md``). ``/codes`` lists every ballot's code (cast or
challenged) in code order, searchable by prefix (spaces, dashes and case ignored), paged;
each links to its receipt check. ``GET /tracking-codes`` is the same as JSON, paged with
``after``; ``/tracking-codes.txt`` is every code, one a line. Pages come from the board's index
of codes (``record/guard_sql.py``), so a server holds no list of ballots.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, StreamingResponse

from plebiscite.errors import InputError
from plebiscite.interfaces.pages.common import PagesState, language, refusal, render
from plebiscite.services.voting.codes import grouped, normalise

PAGE = 100


def build(state: PagesState) -> APIRouter:
    router = APIRouter()
    service = state.service

    def page_of(
        prefix: str, after: str, limit: int
    ) -> tuple[list[dict[str, Any]], str | None, int]:
        clean = normalise(prefix) if prefix.strip() else ""
        found, total = service.board.codes_page(clean, after, limit + 1)
        more = len(found) > limit
        rows: list[dict[str, Any]] = [
            {"tracking_code": code, "kind": kind, "leaf_index": leaf}
            for code, leaf, kind in found[:limit]
        ]
        return rows, (found[limit - 1][0] if more else None), total

    @router.get("/tracking-codes", tags=["board"], summary="Every ballot's tracking code")
    def tracking_codes(
        prefix: str = Query("", description="the codes starting so (spaces and case ignored)"),
        after: str = Query("", description="the page after this code (the previous `next`)"),
        limit: int = Query(PAGE, ge=1, le=1000),
    ) -> dict[str, Any]:
        """Tracking codes of every ballot on the board (cast or challenged), in code order."""
        if after and len(normalise(after)) != 64:
            raise InputError("after must be a whole tracking code (a previous page's next)")
        rows, following, total = page_of(prefix, normalise(after) if after else "", limit)
        return {"total": total, "codes": rows, "next": following}

    @router.get(
        "/tracking-codes.txt",
        tags=["board"],
        summary="Every tracking code, as text",
        response_class=PlainTextResponse,
        responses={200: {"description": "one code a line, in code order"}},
    )
    def tracking_codes_text() -> StreamingResponse:
        def lines() -> Iterator[bytes]:
            after = ""
            while True:
                found, _total = service.board.codes_page("", after, 1000)
                if not found:
                    return
                yield "".join(code + "\n" for code, _leaf, _kind in found).encode()
                after = found[-1][0]

        return StreamingResponse(
            lines(),
            media_type="text/plain; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="tracking-codes.txt"'},
        )

    @router.get("/codes", response_class=HTMLResponse, include_in_schema=False)
    def codes_page(request: Request, prefix: str = "", after: str = "") -> HTMLResponse:
        context: dict[str, Any] = {"prefix": prefix, "rows": [], "next": None, "total": 0}
        status = 200
        try:
            clean_after = normalise(after) if after else ""
            rows, following, total = page_of(prefix, clean_after, PAGE)
            for row in rows:
                row["shown"] = grouped(row["tracking_code"])
            context.update(rows=rows, next=following, total=total)
        except InputError as exc:
            context["error"] = refusal(language(request), exc)
            status = 422
        return render(request, state, "codes.html", context, status=status)

    return router


__all__ = ["PAGE", "build"]
