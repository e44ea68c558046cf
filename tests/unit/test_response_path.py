"""Routes answer the one way: a declared body type, serialized by the same object."""

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from shop.api.app import _add_routes, create_app

NO_JSON_BODY = {("DELETE", "/products/{product_id}"), ("GET", "/metrics")}


def test_every_route_with_a_json_body_declares_its_response_model() -> None:
    routes = [r for r in create_app().routes if isinstance(r, APIRoute) and r.include_in_schema]
    undeclared = [
        (method, route.path)
        for route in routes
        for method in route.methods
        if (method, route.path) not in NO_JSON_BODY and route.response_model is None
    ]
    assert routes
    assert undeclared == []


def test_a_router_whose_settings_would_be_dropped_is_refused() -> None:
    def dependency() -> None:
        return None

    router = APIRouter(prefix="/x", dependencies=[Depends(dependency)])
    with pytest.raises(RuntimeError, match="include_router"):
        _add_routes(FastAPI(), router)
