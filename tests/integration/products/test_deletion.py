"""Deleting a product (DELETE /products/{id}), and why one that orders name stays."""

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product, ids
from tests.integration.problems import assert_problem
from tests.integration.products.catalogue import add_order_for, product_rows


async def test_deleting_a_product_answers_204_and_removes_the_row(
    client: AsyncClient, db: AsyncEngine
) -> None:
    doomed = await create_product(client, name="Doomed")
    kept = await create_product(client, name="Kept")

    response = await client.delete(f"/products/{doomed['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert [row["id"] for row in await product_rows(db)] == [kept["id"]]
    assert_problem(await client.get(f"/products/{doomed['id']}"), 404)
    assert ids((await client.get("/products")).json()["items"]) == [kept["id"]]


async def test_deleting_twice_is_a_404_problem_the_second_time(client: AsyncClient) -> None:
    product = await create_product(client)
    await client.delete(f"/products/{product['id']}")

    problem = assert_problem(await client.delete(f"/products/{product['id']}"), 404)

    assert str(product["id"]) in problem["detail"]


async def test_deleting_a_product_that_orders_reference_is_a_409_problem_and_keeps_it(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client)
    await add_order_for(db, product["id"])
    before = await product_rows(db)

    response = await client.delete(f"/products/{product['id']}")

    assert_problem(response, 409)
    assert await product_rows(db) == before
    assert (await client.get(f"/products/{product['id']}")).json() == product
