"""Consistency tokens: read-your-writes across requests when reads may come from replicas.

A response to a request that committed a write carries `X-Consistency-Token`: the WAL
position the commit reached. A read that sends it back in the same header is served by a
replica only once that replica has replayed the position (or by the primary). Only reads
(GET and HEAD) may use a replica at all; every other request works on the primary alone.
The app installs all of this only when replicas are configured; without them every read is
on the primary, no token is given out, read or documented.
"""

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop import consistency
from shop.api.problems import problem_response
from shop.consistency import LSN_PATTERN, format_lsn, parse_lsn

CONSISTENCY_TOKEN_HEADER = "X-Consistency-Token"  # noqa: S105 - a header name
_HEADER_NAME = CONSISTENCY_TOKEN_HEADER.lower().encode()
_READS = frozenset({"GET", "HEAD"})

_TOKEN_SCHEMA = {"type": "string", "pattern": LSN_PATTERN, "examples": ["0/1A2B3C4D"]}
_REQUEST_DESCRIPTION = (
    "The consistency token of an earlier write's response: the read reflects that write. "
    "Without it a read may be served by a replica up to DB_REPLICA_MAX_LAG seconds behind."
)
_RESPONSE_DESCRIPTION = (
    "Where this write reached in the database's write-ahead log (when reads may be served "
    "by replicas): send it with later reads to see this write."
)


class ConsistencyTokenMiddleware:
    """Pure ASGI: sets each request's consistency scope and answers with its token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reads_only = scope["method"] in _READS
        must_see = None
        # Only reads use a token; any other request ignores one, as it ignores any header
        # it does not document.
        for name, value in scope["headers"] if reads_only else ():
            if name == _HEADER_NAME:
                must_see = parse_lsn(value.decode("latin-1"))
                if must_see is None:
                    await _malformed(scope, receive, send)
                    return
                break
        request = consistency.RequestConsistency(reads_only, must_see)
        token = consistency.begin(request)

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start" and request.wrote is not None:
                written = (_HEADER_NAME, format_lsn(request.wrote).encode())
                message["headers"] = [*message.get("headers", ()), written]
            await send(message)

        try:
            await self.app(scope, receive, send_with_token)
        finally:
            consistency.end(token)


async def _malformed(scope: Scope, receive: Receive, send: Send) -> None:
    error = {"loc": ["header", CONSISTENCY_TOKEN_HEADER], "msg": "not a token", "type": "pattern"}
    detail = f"{CONSISTENCY_TOKEN_HEADER} is not a token this service gave out."
    response = problem_response(422, scope["path"], detail, errors=[error])
    await response(scope, receive, send)


def document_consistency_tokens(app: FastAPI) -> None:
    """Add the header to the OpenAPI document: sent by reads, answered by writes.

    The request header goes on every read that documents a 422 (a malformed token is one);
    the response header on every success of every other operation.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                _document(method.upper(), operation)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.get("responses", {})
    if method in _READS:
        if "422" in responses:
            parameter = {
                "name": CONSISTENCY_TOKEN_HEADER,
                "in": "header",
                "required": False,
                "description": _REQUEST_DESCRIPTION,
                "schema": _TOKEN_SCHEMA,
            }
            operation.setdefault("parameters", []).append(parameter)
        return
    for status, response in responses.items():
        if status.startswith("2"):
            header = {"description": _RESPONSE_DESCRIPTION, "schema": _TOKEN_SCHEMA}
            response.setdefault("headers", {})[CONSISTENCY_TOKEN_HEADER] = header
