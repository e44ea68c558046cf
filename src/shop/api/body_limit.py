"""Refuse request bodies over a size limit with 413, before they fill memory."""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shop.api.problems import problem_response


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class BodySizeLimitMiddleware:
    """Pure ASGI: a declared Content-Length over the limit is refused at once; a chunked body
    that turns out larger while it streams in stops the read with BodyTooLarge, an
    HTTPException that FastAPI passes through to the problem handlers."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = _declared_length(scope)
            if declared is None:
                await self.app(scope, self._counting(receive), send)
                return
            if declared > self.max_bytes:
                error = BodyTooLarge(self.max_bytes)
                await problem_response(413, scope["path"], error.detail)(scope, receive, send)
                return
        # Not HTTP, or a body the server holds to its declared length: nothing to count.
        await self.app(scope, receive, send)

    def _counting(self, receive: Receive) -> Receive:
        """`receive` for a chunked body, stopped with BodyTooLarge once it passes the limit."""
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        return counting_receive


def _declared_length(scope: Scope) -> int | None:
    """The body's declared length (0 without a body); None when it streams in, chunked."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
        if name == b"transfer-encoding":
            return None
    return 0
