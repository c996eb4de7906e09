"""The board service: FastAPI app factory (``plebiscite serve``; ``docs/voting.md``).

Roles: the authority (a bearer token) enrols and revokes devices, closes voting and, in demo
mode only, sets the clock; enrolled devices authenticate by their Ed25519 signatures on what
they submit; everyone else reads. Errors are RFC 9457 problem details, mapped in
:mod:`plebiscite.interfaces.api.problems`.

In-process use (tests, the demo)::

    service = CastingService(board, head_key, clock)
    app = create_app(service, admin_token="secret", demo_clock=clock)
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest_hash import manifest_document
from plebiscite.errors import InputError, PlebisciteError
from plebiscite.interfaces import pages
from plebiscite.interfaces.api import models as m
from plebiscite.interfaces.api.fast import FastPaths, cast_answer, check_in_answer
from plebiscite.interfaces.api.guards import (
    MAX_IN_FLIGHT,
    REQUEST_TIMEOUT_S,
    JsonBodies,
    Shed,
    pass_on,
)
from plebiscite.interfaces.api.problems import (
    PROBLEM_MEDIA_TYPE,
    error_response,
    http_problem,
    problem_body,
)
from plebiscite.record.sql import SqlBoard
from plebiscite.services.election.witness import CosignatureDesk
from plebiscite.services.voting.casting import (
    CastingService,
    Clock,
    NotFoundError,
    SimulatedClock,
    SystemClock,
    parse_time,
)
from plebiscite.services.voting.chain_ends import ChainEnds
from plebiscite.services.voting.clock import BoardClock
from plebiscite.services.voting.proof_pool import ProofPool

#: Larger bodies are refused before they are read whole (a ballot is a few kilobytes).
MAX_BODY_BYTES = 256 * 1024
MAX_ENTRIES_PER_PAGE = 1000

ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


_BEARER = HTTPBearer(auto_error=False, description="the authority's admin token")


class _AuthorityRequiredError(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse (413) a body over ``limit`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = declared is not None and (not declared.isdigit() or int(declared) > self.limit)
        chunks: list[bytes] = []
        if not too_big:
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.limit:
                    too_big = True
                    break
                chunks.append(chunk)
                more = message.get("more_body", False)
        if too_big:
            response = http_problem(
                "body-too-large", f"request bodies are limited to {self.limit} bytes"
            )
            await response(scope, receive, send)
            return
        body = b"".join(chunks)
        await pass_on(self.app, scope, receive, send, body)


def _created(body: dict[str, Any]) -> JSONResponse:
    """A 201 answer written as is: the hot endpoints build their answers from checked values,
    so FastAPI's validation of the response against its model (a second pass over a receipt)
    is skipped; the model still documents it."""
    return JSONResponse(body, status_code=201)


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": m.ProblemModel, "content": {PROBLEM_MEDIA_TYPE: {}}} for s in statuses}


def create_app(
    service: CastingService,
    *,
    admin_token: str | None,
    demo_clock: SimulatedClock | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_in_flight: int = MAX_IN_FLIGHT,
) -> FastAPI:
    """The API over ``service``; ``demo_clock`` (its clock) enables PUT /authority/clock."""
    app = FastAPI(
        title="plebiscite board",
        version="1",
        summary="Bulletin board, device enrolment, check-in, cast or challenge, receipts",
        description="Problem types are `urn:plebiscite:problem:<slug>`; see docs/voting.md.",
        docs_url=None,  # the pages serve /docs themselves, with no asset from a CDN
        redoc_url=None,
    )
    app.state.service = service
    # Innermost first: the ballot's two requests skip the routing once the guards let them in.
    app.add_middleware(FastPaths, service=service)
    app.add_middleware(JsonBodies)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_middleware(Shed, limit=max_in_flight)  # outermost: a shed request costs nothing

    def authority(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
    ) -> None:
        if admin_token is None or credentials is None:
            raise _AuthorityRequiredError("send 'Authorization: Bearer <authority token>'")
        if not hmac.compare_digest(credentials.credentials.encode(), admin_token.encode()):
            raise _AuthorityRequiredError("the authority token is wrong")

    as_authority = [Depends(authority)]

    # --- errors -----------------------------------------------------------------------------

    @app.exception_handler(PlebisciteError)
    async def _plebiscite_error(_: Request, exc: PlebisciteError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(_AuthorityRequiredError)
    async def _unauthorised(_: Request, exc: _AuthorityRequiredError) -> JSONResponse:
        response = http_problem("unauthorized", str(exc))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()[:20]
        ]
        body = problem_body(
            "malformed-body", 422, "the request is malformed", "see errors", errors=problems
        )
        return JSONResponse(body, status_code=422, media_type=PROBLEM_MEDIA_TYPE)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # 400 is Starlette failing to parse a body: the same problem as any malformed body.
        slug = {400: "malformed-body", 404: "not-found", 405: "method-not-allowed"}.get(
            exc.status_code
        )
        if slug is None:
            body = problem_body(
                f"http-{exc.status_code}", exc.status_code, "error", str(exc.detail)
            )
            response = JSONResponse(
                body, status_code=exc.status_code, media_type=PROBLEM_MEDIA_TYPE
            )
        else:
            response = http_problem(slug, str(exc.detail))
        response.headers.update(exc.headers or {})  # e.g. Allow on a 405
        return response

    # --- public -------------------------------------------------------------------------------

    @app.get("/election", response_model=m.ElectionModel, tags=["public"])
    def election() -> dict[str, Any]:
        """What the board says the referendum is, and the board's head key."""
        service.catch_up()
        e = service.election
        return {
            "manifest_hash": e.manifest_hash.hex() if e.manifest is not None else None,
            "election_key": None if e.election_key is None else e.election_key.hex(),
            "threshold": e.threshold,
            "board_key": service.head_key.verify_key.hex(),
            "board_size": service.board.size(),
            "closed_at": None if e.closed_at is None else e.closed_at.isoformat(),
            "demo_clock": demo_clock is not None,
        }

    @app.get("/manifest", response_model=m.ManifestModel, responses=_problems(409), tags=["public"])
    def manifest() -> dict[str, Any]:
        service.catch_up()
        e = service.election
        if e.manifest is None:
            raise NotFoundError("the board has no manifest yet")
        return {"hash": e.manifest_hash.hex(), "manifest": manifest_document(e.manifest)}

    @app.get("/roll", response_model=m.RollModel, tags=["public"])
    def roll() -> dict[str, Any]:
        """The roll commitment of each region and its number of voters (additions included)."""
        return service.roll_summary()

    @app.get("/roll/voters", response_model=m.VotersModel, tags=["public"])
    def roll_voters(
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> dict[str, Any]:
        """The published pseudonyms, in board order, a page at a time."""
        page = service.board.roll_page(offset, limit)
        return {
            "total": sum(service.board.roll_counts().values()),
            "voters": [
                {"voter": v, "region": r, "precinct": p, "home_voting": h} for v, r, p, h in page
            ],
        }

    @app.get("/clock", response_model=m.ClockModel, tags=["public"])
    def clock() -> dict[str, Any]:
        """The server's time, the one the schedule is checked against."""
        return {"now": service.clock.now().isoformat(), "demo": demo_clock is not None}

    @app.get(
        "/board/heads/latest",
        response_model=m.HeadModel,
        responses=_problems(404),
        tags=["board"],
    )
    def latest_head() -> dict[str, Any]:
        service.flush_head()  # store the head receipts were last given, if it is newer
        head = service.board.latest_head()
        if head is None:
            raise NotFoundError("the board has signed no head yet")
        return head.to_json()

    @app.get("/board/heads", response_model=list[m.HeadModel], tags=["board"])
    def heads(
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        out = []
        for i, head in enumerate(service.board.heads()):
            if i >= offset + limit:
                break
            if i >= offset:
                out.append(head.to_json())
        return out

    @app.get(
        "/board/entries",
        response_model=m.EntriesModel,
        responses=_problems(422),
        tags=["board"],
    )
    def entries(
        start: Annotated[int, Query(ge=0)] = 0,
        stop: Annotated[int | None, Query(ge=0)] = None,
    ) -> dict[str, Any]:
        """Entries ``start .. stop-1`` (at most 1000 per page), each as its canonical event."""
        size = service.board.size()
        end = min(size, start + MAX_ENTRIES_PER_PAGE, size if stop is None else stop)
        return {
            "size": size,
            "entries": [
                {
                    "index": e.index,
                    "leaf_hash": e.leaf_hash.hex(),
                    "event": {
                        "type": e.event.type.value,
                        "version": e.event.version,
                        "payload": e.event.payload,
                    },
                }
                for e in service.board.entries(start, max(start, end))
            ],
        }

    @app.get(
        "/board/proofs/inclusion",
        response_model=m.InclusionProofModel,
        responses=_problems(422),
        tags=["board"],
    )
    def inclusion(
        index: Annotated[int, Query(ge=0)],
        tree_size: Annotated[int | None, Query(ge=1)] = None,
    ) -> dict[str, object]:
        size = service.board.size() if tree_size is None else tree_size
        if index >= size:
            raise InputError(f"leaf {index} is not in a tree of size {size}")
        return service.board.inclusion_proof(index, size).to_json()

    @app.get(
        "/board/proofs/consistency",
        response_model=m.ConsistencyProofModel,
        responses=_problems(422),
        tags=["board"],
    )
    def consistency(
        first: Annotated[int, Query(ge=0)],
        second: Annotated[int | None, Query(ge=0)] = None,
    ) -> dict[str, object]:
        size = service.board.size() if second is None else second
        if first > size:
            raise InputError(f"tree size {first} is larger than {size}")
        return service.board.consistency_proof(first, size).to_json()

    @app.get(
        "/receipts/{tracking_code}",
        response_model=m.ReceiptModel,
        responses=_problems(404),
        tags=["public"],
    )
    def receipt(tracking_code: str) -> dict[str, Any]:
        """A ballot's receipt (cast or challenged) against a head that covers it."""
        return service.receipt(tracking_code).to_json()

    @app.get(
        "/devices/{device_id}",
        response_model=m.DeviceModel,
        responses=_problems(403),
        tags=["public"],
    )
    def device(device_id: str) -> dict[str, Any]:
        """An enrolled device and its chain head (the next ballot's ``previous_code``)."""
        d = service.device_info(device_id)
        head = d.chain_head
        return {
            "device": d.id,
            "location": d.location,
            "public_key": d.public_key.hex(),
            "enrolled_at": d.enrolled_at,
            "revoked": d.revoked,
            "chain_head": head,
        }

    # --- devices ------------------------------------------------------------------------------

    @app.post(
        "/devices/{device_id}/check-ins",
        response_model=m.LeafModel,
        status_code=201,
        responses=_problems(403, 409, 422),
        tags=["devices"],
    )
    def check_in(device_id: str, body: m.CheckInRequest) -> JSONResponse:
        """Record that the device checked a voter in (signed by the device).

        A body this route's model accepts is answered before routing, by the same call
        (:class:`~plebiscite.interfaces.api.fast.FastPaths`); this route describes it."""
        return _created(check_in_answer(service, device_id, body))

    @app.post(
        "/ballots",
        response_model=m.ReceiptModel,
        status_code=201,
        responses=_problems(403, 409, 422, 503),
        tags=["devices"],
    )
    def cast(body: m.CastRequest) -> JSONResponse:
        """Cast a signed ballot; the receipt comes only once it is durably on the board.
        Sending the same signed ballot again returns the same receipt.

        A body this route's model accepts is answered before routing, by the same call
        (:class:`~plebiscite.interfaces.api.fast.FastPaths`); this route describes it."""
        return _created(cast_answer(service, body))

    @app.post(
        "/challenges",
        response_model=m.ReceiptModel,
        status_code=201,
        responses=_problems(403, 409, 422, 503),
        tags=["devices"],
    )
    def challenge(body: m.ChallengeRequest) -> dict[str, Any]:
        """Publish a challenged ballot with its opening; it is never counted."""
        return service.challenge(
            body.ballot.model_dump(),
            body.signature,
            body.opening.model_dump(),
            body.cast_at,
            body.cast_at_signature,
        ).to_json()

    chain_ends = ChainEnds(service.board)
    desk = CosignatureDesk(service.board)

    @app.post(
        "/board/cosignatures",
        response_model=m.LeafModel,
        status_code=201,
        responses=_problems(403, 409, 422),
        tags=["board"],
    )
    def cosignature(body: m.CosignatureRequest) -> dict[str, int]:
        """A witness (a trustee) cosigns one of the board's heads; see docs/board.md."""
        return {"leaf_index": desk.record(body.model_dump())}

    @app.post(
        "/devices/{device_id}/chain-end",
        response_model=m.LeafModel,
        status_code=201,
        responses=_problems(403, 409, 422),
        tags=["devices"],
    )
    def chain_end(device_id: str, body: m.ChainEndRequest) -> dict[str, int]:
        """The device's signed end of its chain (count, last tracking code); refused unless
        the board's chain for the device ends there. The device takes no ballot after it."""
        at = service.clock.now()
        return {"leaf_index": chain_ends.post(device_id, body.model_dump(), at)}

    @app.post(
        "/authority/chain-ends/unreported",
        response_model=m.LeavesModel,
        status_code=201,
        responses=_problems(401, 409),
        tags=["authority"],
        dependencies=as_authority,
    )
    def unreported_chain_ends() -> dict[str, list[int]]:
        """After the close, name every device that signed no chain end (the tally does too)."""
        return {"leaf_indices": chain_ends.name_unreported(service.clock.now())}

    # --- authority ----------------------------------------------------------------------------

    @app.post(
        "/authority/devices",
        response_model=m.LeafModel,
        status_code=201,
        responses=_problems(401, 409, 422),
        tags=["authority"],
        dependencies=as_authority,
    )
    def enrol(body: m.EnrolRequest) -> dict[str, int]:
        """Enrol a device: its Ed25519 key, bound to one location."""
        return {"leaf_index": service.enrol_device(body.device, body.location, body.public_key)}

    @app.post(
        "/authority/devices/{device_id}/revoke",
        response_model=m.LeafModel,
        status_code=201,
        responses=_problems(401, 403, 422),
        tags=["authority"],
        dependencies=as_authority,
    )
    def revoke(device_id: str, body: m.RevokeRequest) -> dict[str, int]:
        return {"leaf_index": service.revoke_device(device_id, body.reason)}

    @app.post(
        "/authority/close",
        response_model=m.LeafModel,
        status_code=201,
        responses=_problems(401, 409),
        tags=["authority"],
        dependencies=as_authority,
    )
    def close() -> dict[str, int]:
        """Close voting now (server time): every later submission is refused."""
        return {"leaf_index": service.close_voting()}

    if demo_clock is not None:

        @app.put(
            "/authority/clock",
            response_model=m.ClockModel,
            responses=_problems(401, 422),
            tags=["authority"],
            dependencies=as_authority,
        )
        def set_clock(body: m.ClockRequest) -> dict[str, Any]:
            """Demo mode only: set the simulated clock."""
            demo_clock.set(parse_time(body.now, "now"))
            return {"now": demo_clock.now().isoformat(), "demo": True}

    app.include_router(pages.router_for(app, service, admin_token, demo_clock))
    _document_problems(app)
    return app


def _document_problems(app: FastAPI) -> None:
    """Every 4xx/5xx answer in the OpenAPI is a problem-details document (FastAPI would
    describe its 422 as plain JSON); bodies may be refused as too large."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemModel"}}}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if method in ("post", "put"):
                    responses.setdefault("413", {"description": "body too large"})
                for status, response in responses.items():
                    if status[0] in "45":
                        response["content"] = problem
                        if status == "422":
                            response["description"] = "malformed or invalid request"
        schema.setdefault("components", {}).setdefault("schemas", {})["ProblemModel"] = (
            m.ProblemModel.model_json_schema()
        )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def load_board_key(path: Path, *, create: bool) -> SigningKey:
    """The board's head-signing key: a file holding the 32-byte seed in hex."""
    if path.exists():
        try:
            return SigningKey(bytes.fromhex(path.read_text(encoding="utf-8").strip()))
        except ValueError as exc:
            raise InputError(f"{path}: not a hex Ed25519 seed") from exc
    if not create:
        raise InputError(f"{path}: no board key there")
    from plebiscite.interfaces.board_key import write_new_key

    return write_new_key(path)


def new_admin_token() -> str:
    return secrets.token_urlsafe(24)


def default_board_key_path(db: str) -> Path | None:
    """Beside a SQLite file: ``<file>.board-key``; a PostgreSQL board needs an explicit one."""
    if "://" in db and not db.startswith("sqlite"):
        return None
    path = db.split("///", 1)[-1] if "://" in db else db
    return Path(path + ".board-key")


def open_app(
    db: str,
    *,
    admin_token: str | None,
    board_key: Path | None = None,
    signing_key: SigningKey | None = None,
    demo_clock: bool = False,
    demo_start: dt.datetime | None = None,
    proof_workers: int = 0,
    max_in_flight: int = MAX_IN_FLIGHT,
) -> tuple[FastAPI, CastingService]:
    """Open (creating if needed) the board in ``db`` and build the app over it.

    ``proof_workers > 0`` checks ballot proofs in that many worker processes
    (:class:`~plebiscite.services.voting.proof_pool.ProofPool`); close ``service.proof_checker``
    after.
    """
    key = signing_key
    if key is None:  # ``plebiscite serve`` resolves and checks it first (interfaces.board_key)
        key_path = board_key or default_board_key_path(db)
        if key_path is None:
            raise InputError("a PostgreSQL board needs --board-key FILE (the head-signing key)")
        key = load_board_key(key_path, create=True)
    board = SqlBoard.open(db, create=True)
    clock: Clock
    simulated: SimulatedClock | None = None
    if demo_clock:
        # One clock for every process serving this board: kept in the board itself.
        simulated = BoardClock(board, demo_start or SystemClock().now())
        if demo_start is not None:
            simulated.set(demo_start)
        clock = simulated
    else:
        clock = SystemClock()
    checker = ProofPool(proof_workers) if proof_workers > 0 else None
    service = CastingService(board, key, clock, checker)
    anchored = service.election.board_key
    if anchored and anchored != key.verify_key.hex():
        board.close()
        raise InputError(
            f"the head-signing key {key.verify_key.hex()[:16]}... is not the board key this "
            f"election anchors ({anchored[:16]}...): heads signed with it would fail verification"
        )
    app = create_app(
        service, admin_token=admin_token, demo_clock=simulated, max_in_flight=max_in_flight
    )
    return app, service


#: ``plebiscite serve --workers N`` hands its settings to each worker process in these.
SERVE_ENV = {
    "db": "PLEBISCITE_SERVE_DB",
    "admin_token": "PLEBISCITE_SERVE_TOKEN",
    "board_key": "PLEBISCITE_SERVE_BOARD_KEY",
    "demo_clock": "PLEBISCITE_SERVE_DEMO_CLOCK",
    "proof_workers": "PLEBISCITE_SERVE_PROOF_WORKERS",
    "max_in_flight": "PLEBISCITE_SERVE_MAX_IN_FLIGHT",
    "request_timeout": "PLEBISCITE_SERVE_REQUEST_TIMEOUT",
}


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``plebiscite serve --workers N`` (a uvicorn factory).

    The parent created the board, its key and the demo clock's start before starting the
    workers; a worker only opens them, so a worker restarted mid-day changes nothing.
    """
    import os

    from plebiscite.interfaces.api.guards import GuardedHttpToolsProtocol

    env = {name: os.environ.get(var, "") for name, var in SERVE_ENV.items()}
    GuardedHttpToolsProtocol.request_timeout = float(env["request_timeout"] or REQUEST_TIMEOUT_S)
    app, _service = open_app(
        env["db"],
        admin_token=env["admin_token"] or None,
        board_key=Path(env["board_key"]) if env["board_key"] else None,
        demo_clock=env["demo_clock"] == "1",
        proof_workers=int(env["proof_workers"] or 0),
        max_in_flight=int(env["max_in_flight"] or MAX_IN_FLIGHT),
    )
    return app


__all__ = [
    "MAX_BODY_BYTES",
    "SERVE_ENV",
    "BodyLimit",
    "app_from_environment",
    "create_app",
    "load_board_key",
    "new_admin_token",
    "open_app",
]
