"""Listing the catalogue (GET /products): page sizes, sort orders, and cursors.

The database's own ORDER BY is the oracle for every sort order (SORTED_IDS_SQL).
"""

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import (
    DB_INT_MAX,
    cursor_of,
    ids,
    insert_products,
    rows,
    walk_pages,
)
from tests.integration.problems import assert_problem, error_fields
from tests.integration.products.catalogue import (
    SORTED_IDS_SQL,
    SORTS,
    assert_product_shape,
    create_catalogue,
)


async def test_an_empty_catalogue_is_one_empty_page(client: AsyncClient) -> None:
    response = await client.get("/products")

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_a_listing_holds_20_products_by_default(client: AsyncClient, db: AsyncEngine) -> None:
    await insert_products(db, 25)

    first = (await client.get("/products")).json()
    second = (await client.get("/products", params={"cursor": first["next_cursor"]})).json()

    assert len(first["items"]) == 20
    assert isinstance(first["next_cursor"], str)
    assert len(second["items"]) == 5
    assert second["next_cursor"] is None
    for item in first["items"] + second["items"]:
        assert_product_shape(item)


async def test_a_page_that_takes_the_last_product_has_no_next_cursor(
    client: AsyncClient, db: AsyncEngine
) -> None:
    await insert_products(db, 20)

    page = (await client.get("/products")).json()

    assert len(page["items"]) == 20
    assert page["next_cursor"] is None


@pytest.mark.parametrize("limit", [1, 100])
async def test_limits_from_1_to_100_are_accepted(
    client: AsyncClient, db: AsyncEngine, limit: int
) -> None:
    await insert_products(db, 101)

    page = (await client.get("/products", params={"limit": limit})).json()

    assert len(page["items"]) == limit
    assert page["next_cursor"] is not None


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5", ""])
async def test_a_limit_outside_1_to_100_is_a_422_problem(client: AsyncClient, limit: str) -> None:
    problem = assert_problem(await client.get("/products", params={"limit": limit}), 422)

    assert "limit" in error_fields(problem)


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("limit", [1, 4])
async def test_walking_every_page_lists_each_product_once_in_sort_order(
    client: AsyncClient, db: AsyncEngine, sort: str, limit: int
) -> None:
    await create_catalogue(client)
    # Products imported together share a creation time: ties for created_at too.
    async with db.begin() as connection:
        await connection.execute(
            text("UPDATE products SET created_at = '2026-01-01T00:00:00Z' WHERE id % 3 = 0")
        )

    pages = await walk_pages(client, "/products", sort=sort, limit=limit)

    listed = [product for page in pages for product in page]
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit
    assert ids(listed) == [row["id"] for row in await rows(db, SORTED_IDS_SQL[sort])]


@pytest.mark.parametrize("sort", ["price", "-price", "created_at", "-created_at"])
async def test_ties_are_broken_by_id_in_the_direction_of_the_sort(
    client: AsyncClient, db: AsyncEngine, sort: str
) -> None:
    await create_catalogue(client)
    async with db.begin() as connection:
        await connection.execute(
            text("UPDATE products SET created_at = '2026-01-01T00:00:00Z' WHERE id % 3 = 0")
        )
    field = sort.removeprefix("-")
    descending = sort.startswith("-")

    listed = [
        product
        for page in await walk_pages(client, "/products", sort=sort, limit=3)
        for product in page
    ]

    def key(product: dict[str, Any]) -> tuple[Any, int]:
        value = product[field]
        typed = Decimal(value) if field == "price" else datetime.fromisoformat(value)
        return (typed, product["id"])

    assert listed == sorted(listed, key=key, reverse=descending)
    assert len({key(product)[0] for product in listed}) < len(listed), "the catalogue has ties"


@pytest.mark.parametrize("sort", ["name", "-name"])
async def test_products_with_the_same_name_are_ordered_by_id(
    client: AsyncClient, sort: str
) -> None:
    await create_catalogue(client)

    listed = [
        product
        for page in await walk_pages(client, "/products", sort=sort, limit=2)
        for product in page
    ]

    grapes = [product["id"] for product in listed if product["name"] == "Grape"]
    assert len(grapes) == 3
    assert grapes == sorted(grapes, reverse=sort.startswith("-"))


async def test_the_default_sort_is_by_id(client: AsyncClient) -> None:
    catalogue = await create_catalogue(client)

    listed = [
        product for page in await walk_pages(client, "/products", limit=5) for product in page
    ]

    assert ids(listed) == sorted(ids(catalogue))
    assert listed == catalogue


async def test_an_unknown_sort_is_a_422_problem(client: AsyncClient) -> None:
    for sort in ["colour", "--id", "+price", "ID", ""]:
        problem = assert_problem(await client.get("/products", params={"sort": sort}), 422)
        assert "sort" in error_fields(problem)


GARBAGE_CURSORS = [
    pytest.param("garbage", id="garbage"),
    pytest.param("!!!", id="punctuation"),
    pytest.param("", id="empty"),
    pytest.param("ü", id="not ascii"),
    pytest.param("A" * 600, id="too long"),
    pytest.param(base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(), id="base64 of bytes"),
    pytest.param(cursor_of({"a": 1}), id="JSON object"),
    pytest.param(cursor_of([1, 2, 3]), id="list of numbers"),
    pytest.param(cursor_of(None), id="JSON null"),
    pytest.param(cursor_of([]), id="empty list"),
    pytest.param(cursor_of(["id"]), id="no key"),
    pytest.param(cursor_of(["id", 1, 2]), id="key too long"),
    pytest.param(cursor_of(["id", "1"]), id="id as string"),
    pytest.param(cursor_of(["id", 1.5]), id="id as float"),
    pytest.param(cursor_of(["id", True]), id="id as boolean"),
    pytest.param(cursor_of(["id", [1]]), id="id as list"),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
async def test_a_garbage_cursor_is_a_422_problem(client: AsyncClient, cursor: str) -> None:
    await create_catalogue(client)

    problem = assert_problem(await client.get("/products", params={"cursor": cursor}), 422)

    assert "cursor" in error_fields(problem)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        pytest.param("id", [DB_INT_MAX + 1], id="id beyond the integer column"),
        pytest.param("id", [99999999999999999999], id="huge id"),
        pytest.param("name", ["Apple", 99999999999999999999], id="huge tie-breaking id"),
        pytest.param("price", ["5.00", -99999999999999999999], id="huge negative id"),
        pytest.param("name", ["nul\x00", 1], id="NUL in the name"),
        pytest.param("name", ["\ud800", 1], id="lone surrogate in the name"),
        pytest.param("price", ["abc", 1], id="price not a number"),
        pytest.param("price", ["NaN", 1], id="price NaN"),
        pytest.param("price", ["1e999999", 1], id="price beyond NUMERIC"),
        pytest.param("created_at", ["yesterday", 1], id="not a timestamp"),
        pytest.param("created_at", ["9999-12-31T23:59:59-14:00", 1], id="timestamp past year 9999"),
        pytest.param("created_at", ["0001-01-01T00:00:00+14:00", 1], id="timestamp before year 1"),
        pytest.param("-name", [5, 1], id="name as number"),
    ],
)
async def test_a_forged_cursor_with_impossible_values_is_a_422_problem(
    client: AsyncClient, sort: str, key: list[Any]
) -> None:
    await create_catalogue(client)

    response = await client.get(
        "/products", params={"sort": sort, "cursor": cursor_of([sort, *key])}
    )

    problem = assert_problem(response, 422)
    assert "cursor" in error_fields(problem)


@pytest.mark.parametrize(
    ("made_for", "used_with"), [("price", "name"), ("id", "-id"), ("name", "id")]
)
async def test_a_cursor_from_another_sort_order_is_a_422_problem(
    client: AsyncClient, made_for: str, used_with: str
) -> None:
    await create_catalogue(client)
    first = (await client.get("/products", params={"sort": made_for, "limit": 2})).json()

    response = await client.get(
        "/products", params={"sort": used_with, "cursor": first["next_cursor"]}
    )

    problem = assert_problem(response, 422)
    assert "cursor" in error_fields(problem)


async def test_a_cursor_keeps_working_after_its_product_is_deleted(client: AsyncClient) -> None:
    catalogue = await create_catalogue(client)
    first = (await client.get("/products", params={"limit": 2})).json()
    await client.delete(f"/products/{first['items'][-1]['id']}")

    second = await client.get("/products", params={"limit": 2, "cursor": first["next_cursor"]})

    assert second.status_code == 200
    assert ids(second.json()["items"]) == ids(catalogue[2:4])
