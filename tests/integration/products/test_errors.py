"""Errors around the products endpoints: 405 naming the allowed methods, 404 for unknown
paths, and no SQL or internals in any error body.
"""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product, product_body
from tests.integration.problems import assert_problem
from tests.integration.products.catalogue import add_order_for


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/products", {"GET", "POST"}),
        ("DELETE", "/products", {"GET", "POST"}),
        ("PATCH", "/products", {"GET", "POST"}),
        ("PUT", "/products/1", {"GET", "PATCH", "DELETE"}),
        ("POST", "/products/1", {"GET", "PATCH", "DELETE"}),
    ],
)
async def test_an_unsupported_method_is_a_405_problem_naming_the_allowed_ones(
    client: AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    await create_product(client)

    response = await client.request(method, path, json=product_body())

    assert_problem(response, 405)
    named = {part.strip() for part in response.headers.get("allow", "").split(",")} - {""}
    assert allowed <= named, f"Allow: {response.headers.get('allow')!r}"
    assert method not in named


@pytest.mark.parametrize("path", ["/nope", "/products/1/extra", "/product"])
async def test_an_unknown_path_is_a_404_problem(client: AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 404)


async def test_error_bodies_hold_no_sql_or_internals(client: AsyncClient, db: AsyncEngine) -> None:
    product = await create_product(client)
    await add_order_for(db, product["id"])

    responses = [
        await client.delete(f"/products/{product['id']}"),
        await client.post("/products", json=product_body(price="1.999")),
        await client.get("/products", params={"cursor": "garbage"}),
    ]

    for response in responses:
        body = response.text.lower()
        for leak in ["select", "delete from", "sqlalchemy", "asyncpg", "traceback", "foreign key"]:
            assert leak not in body, (leak, response.text)
