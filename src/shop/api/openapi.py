"""The OpenAPI document as client generators, validators and fuzzers read it.

Operation ids follow one scheme: the route function's name in lower camel case
(`list_products` is `listProducts`), so they read well and change only when a route is
renamed. Every error status of every operation is documented as `application/problem+json`
with its schema (`Problem`, or `ValidationProblem` for 422) and an example of its own status
and type, so a generated client parses each error into a typed problem.
"""

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic.json_schema import models_json_schema

from shop.api.problems import (
    PROBLEM_MEDIA_TYPE,
    RETRY_AFTER_SECONDS,
    problem_type_and_detail,
    reason_phrase,
)
from shop.api.schemas.problems import Problem, ValidationProblem
from shop.domain.errors import DomainError
from shop.domain.orders import OrderNotFound, OrderStatus, WrongOrderState
from shop.domain.products import OutOfStock, ProductInUse, ProductNotFound, StaleProduct
from shop.domain.throttling import TooManyAttempts
from shop.domain.users import (
    AdminOnly,
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    UserNotFound,
    WrongPassword,
)

Document = dict[str, Any]
_SCHEMAS = "#/components/schemas/"


def operation_id(route: APIRoute) -> str:
    """`listProducts` for the route function `list_products`."""
    first, *rest = route.name.split("_")
    return first + "".join(word.capitalize() for word in rest)


_HEADERS_OF_STATUS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with.",
            "schema": {"type": "string", "enum": ["Bearer"]},
        }
    },
    405: {
        "Allow": {
            "description": "The methods this path serves.",
            "schema": {"type": "string", "examples": ["GET, HEAD, POST"]},
        }
    },
    **{
        status: {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
                "example": RETRY_AFTER_SECONDS,
            }
        }
        for status in (429, 503)
    },
}

_DESCRIPTION_OF_STATUS = {
    401: "No valid bearer token (or, at log-in, wrong credentials).",
    403: "Authenticated, but not allowed to do this.",
    404: "No such record, or not one the caller may see.",
    405: "The path does not serve this method; `Allow` lists the ones it does.",
    409: "The request conflicts with the current state.",
    412: "`If-Match` names a version the product is no longer at.",
    413: "The request body is larger than 1 MiB.",
    415: "The request body is not in a media type this operation reads.",
    422: "The request is not valid; `errors` says where and why.",
    429: "Too many attempts; `Retry-After` says when to try again.",
    500: "An unexpected error; the body names no cause.",
    503: "The database is out of reach or overloaded; `Retry-After` says when to retry.",
}

# Each example is the problem the server sends for that status on that resource (the longest
# matching path prefix wins), made from the very error that answers with it.
_EXAMPLE_ERRORS: dict[tuple[str, int], DomainError] = {
    ("", 401): InvalidToken(),
    ("/auth", 401): InvalidCredentials(),
    ("", 403): AdminOnly(),
    ("/users/me", 403): WrongPassword(),
    ("/products", 404): ProductNotFound(42),
    ("/orders", 404): OrderNotFound(42),
    ("/users", 404): UserNotFound(42),
    ("/products", 409): ProductInUse(42),
    ("/orders", 409): OutOfStock(42, "Espresso machine", requested=3, available=1),
    ("/orders/", 409): WrongOrderState(42, OrderStatus.SHIPPED, "cancelled"),
    ("/users", 409): EmailTaken(),
    ("", 412): StaleProduct(42),
    ("", 429): TooManyAttempts("Too many attempts; try again in a few seconds.", retry_after=2),
}
# The problems no domain error answers with, on any resource; any other status has the
# type `about:blank` and its reason phrase for a detail.
_OTHER_PROBLEMS: dict[int, tuple[str, str]] = {
    413: ("about:blank", "The request body is larger than 1048576 bytes."),
    415: ("about:blank", "The request body must be application/json."),
    422: ("about:blank", "The request is not valid; see errors."),
    503: ("urn:problem:shop:storage-unavailable", "The database is unavailable; retry shortly."),
}


def _type_and_detail(path: str, status: int) -> tuple[str, str]:
    """The most specific example: by the longest path prefix that has one for `status`."""
    prefixes = sorted(
        (prefix for prefix, code in _EXAMPLE_ERRORS if code == status and path.startswith(prefix)),
        key=len,
        reverse=True,
    )
    if prefixes:
        return problem_type_and_detail(_EXAMPLE_ERRORS[prefixes[0], status])
    return _OTHER_PROBLEMS.get(status) or ("about:blank", reason_phrase(status))


_FIELD_ERROR_OF_BODY = {"loc": ["body"], "msg": "Field required", "type": "missing"}
_FIELD_ERROR_OF_QUERY = {
    "loc": ["query", "limit"],
    "msg": "Input should be less than or equal to 100",
    "type": "less_than_equal",
}


def _example(path: str, status: int, has_body: bool) -> dict[str, Any]:
    problem_type, detail = _type_and_detail(path, status)
    example: dict[str, Any] = {
        "type": problem_type,
        "title": reason_phrase(status),
        "status": status,
        "detail": detail,
        "instance": re.sub(r"\{[a-z_]+\}", "42", path),
    }
    if status == 422:
        example["errors"] = [_FIELD_ERROR_OF_BODY if has_body else _FIELD_ERROR_OF_QUERY]
    return example


def _problem_response(
    path: str, status: int, described: dict[str, Any], has_body: bool
) -> dict[str, Any]:
    schema = ValidationProblem if status == 422 else Problem
    response: dict[str, Any] = {
        "description": _DESCRIPTION_OF_STATUS.get(status, reason_phrase(status)),
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {"$ref": f"{_SCHEMAS}{schema.__name__}"},
                "example": _example(path, status, has_body),
            }
        },
    }
    headers = {**described.get("headers", {}), **_HEADERS_OF_STATUS.get(status, {})}
    if headers:
        response["headers"] = headers
    return response


def _document_problems(document: Document) -> None:
    _, definitions = models_json_schema(
        [(Problem, "serialization"), (ValidationProblem, "serialization")],
        ref_template=_SCHEMAS + "{model}",
    )
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(definitions["$defs"])
    for path, path_item in document.get("paths", {}).items():
        for operation in path_item.values():
            responses: dict[str, Any] = operation["responses"]
            # Answers any operation may get: a method the path does not serve, a failure.
            statuses = {405, 500}
            has_body = "requestBody" in operation
            if has_body:
                statuses |= {413, 415}
            for status in statuses:
                responses.setdefault(str(status), {})
            for code, described in list(responses.items()):
                if code.isdigit() and int(code) >= 400:
                    responses[code] = _problem_response(path, int(code), described, has_body)
            operation["responses"] = dict(sorted(responses.items()))
    # FastAPI's own validation error shapes are never sent: ValidationProblem replaces them.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""
    generate: Callable[[], Document] = app.openapi

    def openapi() -> Document:
        if not getattr(app.state, "openapi_completed", False):
            _document_problems(generate())
            app.state.openapi_completed = True
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]
