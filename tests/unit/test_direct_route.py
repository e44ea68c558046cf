"""A route that needs only its path is called directly, and answers as FastAPI's own would."""

from typing import Annotated, Any

import pytest
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Cookie,
    Depends,
    FastAPI,
    Header,
    HTTPException,
    Path,
    Request,
)
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel

from shop.api.app import _add_routes, create_app
from shop.api.direct_route import DirectRoute, needs_only_its_path

ItemId = Annotated[int, Path(ge=1, le=1_000)]


def _router(route_class: type[APIRoute]) -> APIRouter:
    router = APIRouter(prefix="/items", route_class=route_class)

    @router.get("/{item_id}/{flavourName}")
    async def read_item(
        item_id: ItemId,
        flavour: Annotated[str, Path(alias="flavourName", min_length=2)],
        request: Request,
    ) -> Response:
        return JSONResponse(
            {"id": item_id, "flavour": flavour, "path": request.url.path},
            headers={"ETag": f'"{item_id}"'},
        )

    @router.get("/gone/{item_id}")
    async def read_gone(item_id: ItemId) -> Response:
        raise HTTPException(404, f"item {item_id} is gone", headers={"ETag": '"gone"'})

    @router.get("/{item_id}")
    async def read_with_query(item_id: ItemId, q: str = "none") -> Response:
        return JSONResponse({"id": item_id, "q": q})

    return router


def _app(route_class: type[APIRoute]) -> FastAPI:
    """An app whose routes are added the service's way (`include_router` would rebuild
    each route's ASGI app)."""
    app = FastAPI()
    _add_routes(app, _router(route_class))
    return app


async def _answers(app: FastAPI, paths: list[str]) -> list[tuple[int, Any, str | None]]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
        answers = []
        for path in paths:
            response = await client.get(path)
            answers.append((response.status_code, response.json(), response.headers.get("etag")))
        return answers


@pytest.mark.parametrize(
    "paths",
    [
        ["/items/7/plain", "/items/1000/%C3%A9t%C3%A9"],
        ["/items/0/plain", "/items/1001/plain", "/items/seven/plain", "/items/-3/x"],
        ["/items/7", "/items/7?q=both", "/items/zero?q=1"],
        ["/items/gone/5", "/items/gone/0"],
    ],
    ids=["valid", "invalid path parameters", "a query parameter", "an error raised"],
)
async def test_a_direct_route_answers_as_fastapis_own_route_does(paths: list[str]) -> None:
    direct = await _answers(_app(DirectRoute), paths)
    standard = await _answers(_app(APIRoute), paths)

    assert direct == standard
    assert {status for status, _, _ in direct} <= {200, 404, 422}


async def test_a_bad_path_parameter_is_refused_with_the_parameter_named() -> None:
    [(status, body, _)] = await _answers(_app(DirectRoute), ["/items/0/plain"])

    assert status == 422
    assert [error["loc"] for error in body["detail"]] == [["path", "item_id"]]


async def test_an_endpoint_that_returns_no_response_fails_loudly() -> None:
    router = APIRouter(route_class=DirectRoute)

    @router.get("/{n}")
    async def not_a_response(n: int) -> Response:
        return {"n": n}  # type: ignore[return-value]

    app = FastAPI()
    _add_routes(app, router)
    with pytest.raises(TypeError, match="not_a_response returned dict"):
        await _answers(app, ["/1"])


class _Body(BaseModel):
    name: str


def _caller() -> str:
    return "caller"


async def _with_query(n: int, q: str) -> Response:
    return Response()


async def _with_header(n: int, x_tag: Annotated[str, Header()]) -> Response:
    return Response()


async def _with_cookie(n: int, session: Annotated[str, Cookie()]) -> Response:
    return Response()


async def _with_body(n: int, body: _Body) -> Response:
    return Response()


async def _with_dependency(n: int, caller: Annotated[str, Depends(_caller)]) -> Response:
    return Response()


async def _with_background_tasks(n: int, tasks: BackgroundTasks) -> Response:
    return Response()


async def _with_a_model_returned(n: int) -> _Body:
    return _Body(name="x")


def _synchronous(n: int) -> Response:
    return Response()


async def _path_and_request(n: int, request: Request) -> Response:
    return Response()


@pytest.mark.parametrize(
    ("endpoint", "direct"),
    [
        (_path_and_request, True),
        (_with_query, False),
        (_with_header, False),
        (_with_cookie, False),
        (_with_body, False),
        (_with_dependency, False),
        (_with_background_tasks, False),
        (_with_a_model_returned, False),
        (_synchronous, False),
    ],
)
def test_only_an_async_endpoint_of_path_and_request_returning_a_response_is_called_directly(
    endpoint: Any, direct: bool
) -> None:
    route = DirectRoute("/{n}", endpoint, methods=["POST"])

    assert needs_only_its_path(route.endpoint, route.dependant) is direct


def test_the_product_read_and_the_health_checks_are_the_service_s_direct_routes() -> None:
    direct = {
        (method, route.path)
        for route in create_app().routes
        if isinstance(route, DirectRoute) and needs_only_its_path(route.endpoint, route.dependant)
        for method in route.methods
    }

    assert direct == {
        ("GET", "/products/{product_id}"),
        ("GET", "/health/live"),
        ("GET", "/health/ready"),
    }
