"""Who may do what with products: anyone reads, only an admin writes.

These tests take the admin's token away, or send a customer's, to show what is refused.
"""

from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product, product_body
from tests.integration.problems import assert_problem
from tests.integration.products.catalogue import product_rows, send_without_credentials

if TYPE_CHECKING:
    from tests.plugins.users import Caller


WRITES = [
    pytest.param("POST", "/products", product_body(name="Intruder"), id="create"),
    pytest.param("PATCH", "/products/{id}", {"name": "Intruder"}, id="update"),
    pytest.param("DELETE", "/products/{id}", None, id="delete"),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic cm9vdDpyb290"])
async def test_a_write_without_a_valid_token_is_a_401_problem_and_changes_nothing(
    client: AsyncClient,
    db: AsyncEngine,
    method: str,
    path: str,
    body: Any,
    authorization: str | None,
) -> None:
    product = await create_product(client)
    before = await product_rows(db)
    url = path.format(id=product["id"])

    if authorization is None:
        response = await send_without_credentials(client, method, url, body)
    else:
        response = await client.request(
            method, url, json=body, headers={"Authorization": authorization}
        )

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert await product_rows(db) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
async def test_a_customer_may_not_write_and_gets_a_403_problem(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", method: str, path: str, body: Any
) -> None:
    product = await create_product(client)
    before = await product_rows(db)

    response = await client.request(
        method, path.format(id=product["id"]), json=body, headers=customer.headers
    )

    assert_problem(response, 403)
    assert await product_rows(db) == before


async def test_anyone_may_read_the_catalogue_without_a_token(client: AsyncClient) -> None:
    product = await create_product(client)

    listing = await send_without_credentials(client, "GET", "/products")
    single = await send_without_credentials(client, "GET", f"/products/{product['id']}")

    assert listing.status_code == 200
    assert listing.json()["items"] == [product]
    assert single.status_code == 200
    assert single.json() == product
