"""The receipt complaint page: a voter files a device-signed receipt whose ballot is not on
the board (``docs/devices.md``, "A receipt whose ballot is not on the board").

The one public page that writes to the board, and only through
:func:`plebiscite.services.voting.receipt_complaint.file_receipt_complaint`, the same checker as
``plebiscite complaint --receipt``: the device's signature must verify under its enrolled
key (a forged or altered receipt is refused, 422, and nothing is filed), a receipt whose
ballot is on the board is answered with where it is (nothing filed), and only then is the
finding filed as a ``complaint`` carrying the receipt, which the verifier judges again (V72).
The receipt is pasted, or read from a file by a small script into the same field.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from plebiscite.errors import PlebisciteError, SignatureError
from plebiscite.interfaces.pages.common import PagesState, form, render
from plebiscite.services.voting.receipt_complaint import file_receipt_complaint


def build(state: PagesState) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    service = state.service

    @router.get("/complaint", response_class=HTMLResponse)
    def complaint_get(request: Request) -> HTMLResponse:
        return render(request, state, "complaint.html", {"receipt_text": ""})

    @router.post("/complaint", response_class=HTMLResponse)
    async def complaint_post(request: Request) -> HTMLResponse:
        text = (await form(request)).get("receipt", "")
        context: dict[str, Any] = {"receipt_text": text}
        try:
            data = json.loads(text)
        except ValueError:
            context["error"] = "the receipt is not JSON: paste the whole receipt file"
            return render(request, state, "complaint.html", context, status=422)
        service.catch_up()
        try:
            outcome = file_receipt_complaint(service.board, data, service.clock.now())
        except SignatureError:
            context["forged"] = True
            context["error"] = "the device's signature does not verify: the receipt is refused"
            return render(request, state, "complaint.html", context, status=422)
        except PlebisciteError as exc:
            context["error"] = str(exc)
            return render(request, state, "complaint.html", context, status=422)
        context["outcome"] = outcome
        return render(request, state, "complaint.html", context)

    return router


__all__ = ["build"]
