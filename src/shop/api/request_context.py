"""Per-request context: the request id, the access log line, the metrics, the last-resort 500."""

import logging
import random
import re
import time
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.api.access_log import AccessLog, FinishedRequest
from shop.api.http_metrics import UNMATCHED_ROUTE, observe_request
from shop.api.problems import problem_response

logger = logging.getLogger("shop.request")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_HEADER_NAME = REQUEST_ID_HEADER.lower().encode()
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every record that lacks one, so formatters can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.setdefault("request_id", request_id_var.get())
        record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
        return True


def _request_id(scope: Scope) -> str:
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    # A correlation id, not a secret: the process's seeded generator is enough, and cheaper
    # than asking the kernel for randomness on every request.
    return f"{random.getrandbits(128):032x}"


def _route_of(scope: Scope) -> str:
    """The route template (`/products/{product_id}`), never the raw path: bounded labels."""
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware) around every request: tags it with an id, logs one
    access line, records its metrics, and answers 500 for any error that escaped.

    An unexpected error is logged with its stack trace, the request's id, method and route
    (the log handlers' SecretRedactingFilter blanks out any secret the trace carries); the
    client gets a bare 500 problem, never the trace.
    """

    def __init__(self, app: ASGIApp, access_log: AccessLog) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        status, response_started = 500, False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                headers = message.get("headers", ())
                message["headers"] = [*headers, (_REQUEST_ID_HEADER_NAME, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as error:
            method, route = scope["method"], _route_of(scope)
            logger.error(
                "unhandled %s while serving %s %s",
                type(error).__name__,
                method,
                route,
                exc_info=error,
                extra={"request_id": request_id, "method": method, "route": route},
            )
            if not response_started:
                response = problem_response(500, scope["path"])
                await response(scope, receive, send_with_request_id)
        finally:
            self._record(scope, status, time.perf_counter() - started_at, request_id)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        method, route = scope["method"], _route_of(scope)
        observe_request(method, route, status, seconds)
        self.access_log.add(
            FinishedRequest(method, scope["path"], route, status, seconds, request_id)
        )
