"""Every route answers every kind of caller as the matrix (matrix.py) says, and does what
the answer promises (calls.py), and the matrix keeps covering every route.
"""

from typing import TYPE_CHECKING

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.authorization.calls import CALLS, World, call, claims_for, signed
from tests.integration.authorization.matrix import CASES, MATRIX, expected_status
from tests.integration.problems import assert_problem

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tests.plugins.users import Caller


@pytest.mark.parametrize(
    ("route", "world"),
    CASES,
    ids=[f"{route} as {caller}" for route, caller in CASES],
    indirect=["world"],
)
async def test_route_answers_caller_as_the_matrix_says(
    client: AsyncClient, db: AsyncEngine, route: str, world: World
) -> None:
    expected = expected_status(route, world.caller)
    world = await CALLS[route].arrange(client, world)

    response = await call(client, route, world)

    assert response.status_code == expected, response.text
    if expected == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    if expected >= 400:
        assert_problem(response, expected)
    await CALLS[route].check(db, world, response)


async def test_a_token_made_like_the_forged_ones_but_valid_is_accepted(
    client: AsyncClient, customer: "Caller"
) -> None:
    """The control for the forged tokens: each is refused for its one defect, not by accident."""
    token = signed(claims_for(customer.id))

    response = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.text
    assert response.json()["id"] == customer.id


def route_key(method: str, path: str) -> str:
    for name in ("{user_id}", "{product_id}", "{order_id}"):
        path = path.replace(name, "{id}")
    return f"{method} {path}"


COVERED_PREFIXES = ("/health", "/metrics", "/auth", "/users", "/products", "/orders")


async def test_the_matrix_covers_every_route_of_the_covered_apis(app: "FastAPI") -> None:
    # The OpenAPI document lists every route the app serves, by path template and method.
    served = {
        route_key(method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(COVERED_PREFIXES)
        for method in operations
    }
    in_matrix = {name.split(" (")[0] for name in MATRIX}

    assert served == in_matrix


def test_every_route_in_the_matrix_has_a_way_to_call_it() -> None:
    assert CALLS.keys() == MATRIX.keys()
