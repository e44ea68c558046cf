"""One router per resource; each turns HTTP into a service call and the result back."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.types import DecoratedCallable

from shop.api.direct_route import DirectRoute
from shop.api.openapi import operation_id
from shop.api.problems import problem_responses
from shop.api.responses import JsonBody


def resource_router(resource: str) -> APIRouter:
    """The router of `/<resource>`, tagged with its name, its operations named after their
    route functions (`listProducts`); a route that needs only its path is called directly."""
    return APIRouter(
        prefix=f"/{resource}",
        tags=[resource],
        generate_unique_id_function=operation_id,
        route_class=DirectRoute,
    )


def listing_route(
    router: APIRouter, page: JsonBody[Any]
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Declares the router's listing, `GET /<resource>`, answered with `page`: a page the
    caller may be refused (401, 403), ask for wrongly (422) or have to retry (503)."""
    return router.get(
        "", response_model=page.model, responses=problem_responses(401, 403, 422, 503)
    )
