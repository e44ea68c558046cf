"""HEAD wherever GET is served: the GET route answers, and its body is left out."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    """Pure ASGI: a HEAD request is served as a GET whose body is dropped (headers, status and
    Content-Length stay those of the GET, as RFC 9110 asks). Routes declare GET only, so the
    OpenAPI document lists no HEAD twin of each operation."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server keeps its own scope saying HEAD, and so sends no body either.
        as_get = {**scope, "method": "GET"}
        try:
            await self.app(as_get, receive, send_without_body)
        finally:
            if "route" in as_get:  # the matched route, for the access log and the metrics
                scope["route"] = as_get["route"]
