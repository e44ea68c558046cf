"""A route that calls its endpoint directly when it needs nothing but its path and request.

For every request FastAPI solves the endpoint's dependencies: it parses the query string and
the cookies, builds a spare response for headers and background tasks, opens its exit
stacks, and looks each parameter's annotation over again, whether or not the endpoint
declares anything but its path. `DirectRoute` validates the path parameters with the very
fields FastAPI made of them (so a bad one gets the same 422, errors and all) and awaits the
endpoint. The product read, whose only parameters are its id and the `Request`, went from
799k to 635k instructions per request (`make bench-instructions`, December 2026). Any other
endpoint keeps FastAPI's handler, unchanged.

What a direct endpoint leaves out, it could not have used: dependencies (none), background
tasks (it declares none), response serialization (it returns a `Response`). FastAPI's
OpenTelemetry spans around the endpoint are left out too; the app turns them off.
"""

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

RouteHandler = Callable[[Request], Coroutine[Any, Any, Response]]


class DirectRoute(APIRoute):
    """An `APIRoute` whose endpoint is called directly when `needs_only_its_path` holds.

    Added to an app's own router (as `shop.api.app` adds its routes), it answers with its
    own ASGI app; through `include_router`, FastAPI rebuilds each route's app around
    `get_route_handler`, and only the direct call of the endpoint remains.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if needs_only_its_path(self.endpoint, self.dependant):
            self.app = self._direct_app()

    def _direct_app(self) -> ASGIApp:
        """The route's ASGI app without FastAPI's two exit stacks and its exception wrapper
        per request (19k instructions): a direct endpoint has nothing for them to close, and
        the app's ExceptionMiddleware answers its errors with the very same handlers."""
        handler = self.get_route_handler()

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)

        return app

    def get_route_handler(self) -> RouteHandler:
        if not needs_only_its_path(self.endpoint, self.dependant):
            return super().get_route_handler()
        endpoint = self.endpoint
        path_params = [(field, field.name, field.alias) for field in self.dependant.path_params]
        request_param = self.dependant.request_param_name

        async def call_endpoint(request: Request) -> Response:
            arguments, errors = {}, []
            for field, name, alias in path_params:
                value, field_errors = field.validate(
                    request.path_params[alias], loc=("path", alias)
                )
                arguments[name] = value
                errors += field_errors
            if errors:
                raise RequestValidationError(errors)
            if request_param is not None:
                arguments[request_param] = request
            response = await endpoint(**arguments)
            if not isinstance(response, Response):
                raise TypeError(f"{endpoint.__qualname__} returned {type(response).__name__}")
            return response

        return call_endpoint


def needs_only_its_path(endpoint: Callable[..., Any], dependant: Dependant) -> bool:
    """An `async def` endpoint returning a `Response`, taking path parameters and at most
    the `Request`: nothing from the query, headers, cookies or body, no dependencies."""
    returns = inspect.signature(endpoint).return_annotation
    returns_a_response = inspect.isclass(returns) and issubclass(returns, Response)
    takes_more = (
        dependant.dependencies,
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.body_params,
        dependant.websocket_param_name,
        dependant.http_connection_param_name,
        dependant.response_param_name,
        dependant.background_tasks_param_name,
        dependant.security_scopes_param_name,
    )
    return inspect.iscoroutinefunction(endpoint) and returns_a_response and not any(takes_more)
