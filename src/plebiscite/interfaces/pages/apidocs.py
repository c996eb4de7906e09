"""``/docs``: the HTTP API's reference, rendered by the server from its own OpenAPI schema.

FastAPI's default ``/docs`` loads Swagger UI from a CDN and shows a blank page without
internet, which is where observers and officials often are. This page needs no script and
no external asset: every path and method with its summary, parameters, request body and
answers, from ``app.openapi()``; the schema itself stays at ``/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from plebiscite.interfaces.pages.common import PagesState, render

_METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return str(ref).rsplit("/", 1)[-1] if ref else str(schema.get("type", ""))


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per path and method, in the schema's order."""
    rows = []
    for path, item in schema.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            rows.append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "tags": op.get("tags", []),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p.get("name"),
                            "where": p.get("in"),
                            "required": p.get("required", False),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [
                        f"{kind}: {_ref_name(v.get('schema', {}))}" for kind, v in body.items()
                    ],
                    "responses": [
                        f"{code} {r.get('description', '')}"
                        for code, r in op.get("responses", {}).items()
                    ],
                }
            )
    return rows


def build(app: FastAPI, state: PagesState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/docs", response_class=HTMLResponse)
    def docs(request: Request) -> HTMLResponse:
        schema = app.openapi()
        info = schema.get("info", {})
        return render(
            request,
            state,
            "apidocs.html",
            {"info": info, "operations": operations(schema)},
        )

    return router


__all__ = ["build", "operations"]
