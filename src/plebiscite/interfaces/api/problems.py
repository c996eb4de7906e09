"""Errors as RFC 9457 problem details, mapped in this one place.

Every error has a stable ``type`` (``urn:plebiscite:problem:<slug>``); clients branch on it,
never on ``title`` or ``detail``. The table follows the error tree of :mod:`plebiscite.errors`
(and the casting service's subclasses of it): the most specific class listed wins.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from plebiscite import errors
from plebiscite.services.voting import casting

PROBLEM_PREFIX = "urn:plebiscite:problem:"
PROBLEM_MEDIA_TYPE = "application/problem+json"

#: error class -> (slug, HTTP status, plain words for the CLI and the booth)
PROBLEMS: dict[type[BaseException], tuple[str, int, str]] = {
    errors.PlebisciteError: ("internal", 500, "the server failed"),
    errors.SetupError: ("setup", 500, "the server is not set up properly"),
    errors.InputError: ("invalid-input", 422, "the request is invalid"),
    errors.CryptoError: ("invalid-crypto", 422, "invalid cryptographic data"),
    errors.EncodingError: ("malformed-body", 422, "the request is malformed"),
    errors.ProofError: ("bad-proof", 422, "a proof in the ballot does not verify"),
    errors.SignatureError: ("bad-signature", 403, "the device signature does not verify"),
    errors.RuleError: ("refused", 409, "refused by a protocol rule"),
    errors.ScheduleError: ("location-closed", 409, "the location is closed now"),
    errors.EligibilityError: ("not-eligible", 403, "the voter is not on this region's roll"),
    errors.DuplicateBallotError: ("already-voted", 409, "the voter has already voted"),
    errors.BoardError: ("board-unavailable", 503, "the bulletin board is unavailable"),
    errors.RecordError: ("corrupt-record", 500, "the board's record is corrupt"),
    casting.UnknownDeviceError: ("unknown-device", 403, "this device is not enrolled here"),
    casting.RevokedDeviceError: ("revoked-device", 403, "this device has been revoked"),
    casting.DeviceExistsError: ("device-exists", 409, "a device with this id is enrolled"),
    casting.WrongElectionError: ("wrong-election", 422, "the ballot is for another election"),
    casting.ChainError: ("chain-broken", 409, "the ballot does not continue the device's chain"),
    casting.ReplayError: ("replayed-ballot", 409, "the ballot copies one already on the board"),
    casting.VotingClosedError: ("voting-closed", 409, "voting has closed"),
    casting.NotReadyError: ("not-ready", 409, "the election is not set up on this board yet"),
    casting.NotFoundError: ("not-found", 404, "not found"),
}

#: Problems raised by the HTTP layer itself.
HTTP_PROBLEMS: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "authority credentials are missing or wrong"),
    "body-too-large": (413, "the request body is too large"),
    "malformed-body": (422, "the request is malformed"),
    "not-found": (404, "not found"),
    "method-not-allowed": (405, "method not allowed"),
    "bad-request": (400, "the HTTP request is malformed"),
    "request-timeout": (408, "the request took too long to arrive"),
    "unsupported-media-type": (415, "the body must be application/json in UTF-8"),
    "overloaded": (503, "the server is busy: send again after Retry-After seconds"),
}


def problem_for(exc: BaseException) -> tuple[str, int, str]:
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return PROBLEMS[errors.PlebisciteError]


def problem_body(slug: str, status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": PROBLEM_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


#: Seconds a client should wait before retrying when the board is unavailable (503).
RETRY_AFTER_S = 2


def problem_response(slug: str, status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    # A 503 is temporary (the database restarting, a full disk being grown): say when to retry.
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return JSONResponse(
        problem_body(slug, status, title, detail, **extra),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def error_response(exc: BaseException) -> JSONResponse:
    slug, status, title = problem_for(exc)
    return problem_response(slug, status, title, str(exc))


def http_problem(slug: str, detail: str) -> JSONResponse:
    status, title = HTTP_PROBLEMS[slug]
    return problem_response(slug, status, title, detail)


def plain_words(problem: dict[str, Any]) -> str:
    """One line for a person: the title, and the detail when it says more."""
    title = str(problem.get("title", "error"))
    detail = str(problem.get("detail", ""))
    return f"{title}: {detail}" if detail and detail != title else title


__all__ = [
    "HTTP_PROBLEMS",
    "PROBLEMS",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_PREFIX",
    "error_response",
    "http_problem",
    "plain_words",
    "problem_body",
    "problem_for",
    "problem_response",
]
