"""The catalogue's hot reads: one statement per request, and every listing walks an index."""

import asyncio
import json
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.api.schemas.products import ProductSort
from shop.container import Container
from tests.integration.statements import counting_statements
from tests.plugins.users import Caller

SORTS = [str(sort) for sort in ProductSort]
CATALOGUE_SIZE = 20_000


async def fill_catalogue(db: AsyncEngine) -> None:
    async with db.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO products (name, price, quantity, created_at) "
                "SELECT 'Part ' || md5(n::text), (n % 997) + 0.99, n % 7, "
                "now() - n * interval '1 second' FROM generate_series(1, :size) AS n"
            ),
            {"size": CATALOGUE_SIZE},
        )
        await connection.execute(text("ANALYZE products"))


@pytest.mark.parametrize(
    "path",
    [
        "/products/1",
        "/products",
        "/products?limit=100&sort=-price",
        "/products?q=part&min_price=1&max_price=500&in_stock=true&sort=name",
    ],
)
async def test_a_catalogue_read_is_one_statement(
    client: AsyncClient, container: Container, admin: Caller, path: str
) -> None:
    await client.post(
        "/products", json={"name": "Part 1", "price": "2.50", "quantity": 3}, headers=admin.headers
    )
    async with counting_statements(container) as sent:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    assert len(sent) == 1, sent


async def test_reading_as_a_signed_in_user_adds_only_the_caller(
    client: AsyncClient, container: Container, customer: Caller
) -> None:
    async with counting_statements(container) as sent:
        response = await client.get("/users/me", headers=customer.headers)
    assert response.status_code == 200
    assert len(sent) == 1, sent


async def listing_queries(
    client: AsyncClient, container: Container, sort: str
) -> list[tuple[str, tuple[Any, ...]]]:
    """The first page and a page deep in the keyset, as the app sends them, with arguments."""
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def capture(query: Any) -> None:
        if "FROM products" in query.query:
            captured.append((query.query, tuple(query.args)))

    def attach(connection: Any, *_: object) -> None:
        connection.driver_connection.add_query_logger(capture)

    def detach(connection: Any, *_: object) -> None:
        connection.driver_connection.remove_query_logger(capture)

    engine = container.engine().sync_engine
    event.listen(engine.pool, "checkout", attach)
    event.listen(engine.pool, "checkin", detach)
    try:
        first = await client.get("/products", params={"sort": sort, "limit": 20})
        page = first.json()
        for _ in range(3):
            page = (
                await client.get(
                    "/products", params={"sort": sort, "limit": 100, "cursor": page["next_cursor"]}
                )
            ).json()
        await asyncio.sleep(0)  # asyncpg calls its query loggers with call_soon
    finally:
        event.remove(engine.pool, "checkout", attach)
        event.remove(engine.pool, "checkin", detach)
    return captured


@pytest.mark.parametrize("sort", SORTS)
async def test_every_sort_order_pages_through_an_index_without_sorting(
    client: AsyncClient, container: Container, db: AsyncEngine, sort: str
) -> None:
    await fill_catalogue(db)
    queries = await listing_queries(client, container, sort)
    assert len(queries) == 4
    async with container.engine().connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        for query, args in queries:
            (plan_json,) = await driver.fetchrow(f"EXPLAIN (FORMAT JSON) {query}", *args)
            plan = json.dumps(json.loads(plan_json) if isinstance(plan_json, str) else plan_json)
            assert '"Index' in plan, (sort, plan)
            assert '"Sort"' not in plan, (sort, plan)
            assert '"Seq Scan"' not in plan, (sort, plan)
