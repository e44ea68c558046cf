"""RFC 9457 problem details: the one shape of every error the API returns."""

from http import HTTPStatus
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shop.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
)
from shop.domain.orders import IdempotencyKeyReused, IdempotentRequestInProgress
from shop.domain.products import StaleProduct
from shop.domain.throttling import TooManyAttempts

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = "2"
_RETRIED_STATUSES = (429, 503)

# RFC 9110 renamed two reason phrases that Python 3.11's HTTPStatus still spells the old way.
_RFC_9110_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def reason_phrase(status: int) -> str:
    """The status's reason phrase as RFC 9110 spells it: the one title of its problems."""
    return _RFC_9110_PHRASES.get(status) or HTTPStatus(status).phrase


_STATUS_OF_DOMAIN_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (PreconditionFailed, 412),
    (TooManyAttempts, 429),
)

_IN_HTTP_WORDS: dict[type[DomainError], tuple[str, str | None]] = {
    IdempotencyKeyReused: (
        "This Idempotency-Key was already used with a different request body.",
        "Idempotency-Key",
    ),
    IdempotentRequestInProgress: (
        "A request with this Idempotency-Key is still being processed; retry.",
        None,
    ),
}
"""The detail (and field) of errors whose domain words name what HTTP calls a header."""


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem_response(
    status: int,
    instance: str,
    detail: str | None = None,
    *,
    problem_type: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    phrase = reason_phrase(status)
    body = {
        "type": problem_type,
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
        "instance": instance,
        **extensions,
    }
    if status in _RETRIED_STATUSES:
        headers = {"Retry-After": RETRY_AFTER_SECONDS, **(headers or {})}
    return ProblemResponse(body, status_code=status, headers=headers)


def _slug(error: DomainError) -> str:
    name = type(error).__name__
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def _problem_type(error: DomainError) -> str:
    return f"urn:problem:shop:{_slug(error)}"


def problem_type_and_detail(error: DomainError) -> tuple[str, str]:
    """The `type` and `detail` of the problem that answers `error`."""
    return _problem_type(error), _http_words(error)[0]


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (the router names only the first route's)."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]
    if "GET" in allowed and "HEAD" not in allowed:
        allowed.insert(allowed.index("GET") + 1, "HEAD")  # served wherever GET is: see head.py
    return ", ".join(allowed)


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    error = cast(StarletteHTTPException, exc)
    if error.status_code == 400:
        # The framework's word for a body it could not even decode: invalid input, like
        # any other, answered as the 422 every operation documents.
        body_error = {"loc": ["body"], "msg": "cannot be parsed", "type": "body_unparsable"}
        return problem_response(
            422, request.url.path, "The request body cannot be parsed.", errors=[body_error]
        )
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    detail = error.detail if isinstance(error.detail, str) else None
    return problem_response(error.status_code, request.url.path, detail, headers=headers)


def _message(error: Any) -> str:
    """Pydantic's message, without the "Value error, " it puts before our own validators' words."""
    raised = error.get("ctx", {}).get("error")
    if error["type"] in ("value_error", "assertion_error") and raised is not None:
        return str(raised)
    return str(error["msg"])


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    error = cast(RequestValidationError, exc)
    # Only where, what and which kind: the rejected input itself may be a password.
    errors = [
        {"loc": list(e["loc"]), "msg": _message(e), "type": e["type"]} for e in error.errors()
    ]
    return problem_response(
        422, request.url.path, "The request is not valid; see errors.", errors=errors
    )


async def _on_domain_error(request: Request, exc: Exception) -> Response:
    error = cast(DomainError, exc)
    status = next(code for kind, code in _STATUS_OF_DOMAIN_ERROR if isinstance(error, kind))
    detail, field = _http_words(error)
    extensions: dict[str, Any] = {}
    if isinstance(error, InvalidInput):
        loc = [field] if field else []
        extensions["errors"] = [{"loc": loc, "msg": detail, "type": _slug(error)}]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(error.retry_after)}
    return problem_response(
        status,
        request.url.path,
        detail,
        problem_type=_problem_type(error),
        headers=headers,
        **extensions,
    )


def _http_words(error: DomainError) -> tuple[str, str | None]:
    """The error's detail and field as a client of the HTTP API knows them."""
    if isinstance(error, StaleProduct):
        detail = (
            f"Product {error.product_id} has changed since the version named in If-Match; "
            "fetch it again and retry."
        )
        return detail, None
    if type(error) in _IN_HTTP_WORDS:
        return _IN_HTTP_WORDS[type(error)]
    return error.detail, error.field if isinstance(error, InvalidInput) else None


async def _on_storage_unavailable(request: Request, exc: Exception) -> Response:
    error = cast(StorageUnavailable, exc)
    return problem_response(
        503,
        request.url.path,
        error.detail,
        problem_type="urn:problem:shop:storage-unavailable",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(StorageUnavailable, _on_storage_unavailable)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the error `statuses` an operation may answer.

    Their problem+json content, headers and examples are filled in by `shop.api.openapi`.
    """
    return {status: {"description": reason_phrase(status)} for status in statuses}
