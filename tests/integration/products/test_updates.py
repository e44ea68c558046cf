"""Changing a product (PATCH /products/{id}): partial updates, ETags and If-Match, refusals."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import DB_INT_MAX, create_product, product_body
from tests.integration.problems import assert_problem, error_fields
from tests.integration.products.catalogue import (
    PRODUCT_KEYS,
    STRONG_ETAG,
    assert_product_shape,
    product_row,
    product_rows,
    send,
)


async def test_a_partial_update_changes_only_the_given_fields(
    client: AsyncClient, db: AsyncEngine
) -> None:
    created = await client.post("/products", json=product_body())
    before = created.json()

    response = await client.patch(created.headers["location"], json={"price": "12.50"})

    assert response.status_code == 200
    after = response.json()
    assert_product_shape(after)
    assert after["price"] == "12.50"
    unchanged = PRODUCT_KEYS - {"price", "updated_at"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    row = await product_row(db, before["id"])
    assert row is not None
    assert (row["name"], row["description"], row["price"], row["quantity"]) == (
        "Espresso machine",
        "15 bar",
        Decimal("12.50"),
        12,
    )
    assert (await client.get(created.headers["location"])).json() == after


async def test_an_update_gives_a_new_etag_and_moves_updated_at_forward(
    client: AsyncClient,
) -> None:
    created = await client.post("/products", json=product_body())

    response = await client.patch(created.headers["location"], json={"name": "Grinder"})

    assert STRONG_ETAG.fullmatch(response.headers["etag"])
    assert response.headers["etag"] != created.headers["etag"]
    before, after = created.json(), response.json()
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
        before["updated_at"]
    )
    assert after["created_at"] == before["created_at"]
    fetched = await client.get(created.headers["location"])
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_every_update_gives_an_etag_never_seen_before(client: AsyncClient) -> None:
    created = await client.post("/products", json=product_body())
    etags = [created.headers["etag"]]

    for quantity in range(1, 6):
        response = await client.patch(created.headers["location"], json={"quantity": quantity})
        etags.append(response.headers["etag"])

    assert len(set(etags)) == len(etags)


async def test_an_update_may_change_every_field_at_once(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client)
    changes = {"name": "Grinder", "description": "Burr", "price": 80, "quantity": 0}

    response = await client.patch(f"/products/{product['id']}", json=changes)

    assert response.status_code == 200
    assert {key: response.json()[key] for key in changes} == {**changes, "price": "80.00"}
    row = await product_row(db, product["id"])
    assert row is not None
    assert (row["name"], row["description"], row["price"], row["quantity"]) == (
        "Grinder",
        "Burr",
        Decimal("80.00"),
        0,
    )


@pytest.mark.parametrize("if_match", ["{etag}", '"0", {etag}', "*"])
async def test_if_match_with_the_current_etag_or_a_star_lets_the_update_through(
    client: AsyncClient, db: AsyncEngine, if_match: str
) -> None:
    created = await client.post("/products", json=product_body())

    response = await client.patch(
        created.headers["location"],
        json={"quantity": 3},
        headers={"If-Match": if_match.format(etag=created.headers["etag"])},
    )

    assert response.status_code == 200
    assert response.json()["quantity"] == 3
    row = await product_row(db, created.json()["id"])
    assert row is not None
    assert row["quantity"] == 3


@pytest.mark.parametrize(
    ("stale", "status"), [("old", 412), ("W/{etag}", 412), ('"999"', 412), ("garbage", 422)]
)
async def test_a_stale_or_malformed_if_match_is_refused_and_changes_nothing(
    client: AsyncClient, db: AsyncEngine, stale: str, status: int
) -> None:
    created = await client.post("/products", json=product_body())
    old_etag = created.headers["etag"]
    await client.patch(created.headers["location"], json={"quantity": 3})
    current = await client.get(created.headers["location"])
    before = await product_rows(db)
    if_match = old_etag if stale == "old" else stale.format(etag=current.headers["etag"])

    response = await client.patch(
        created.headers["location"], json={"name": "Lost update"}, headers={"If-Match": if_match}
    )

    assert_problem(response, status)
    assert await product_rows(db) == before
    after = await client.get(created.headers["location"])
    assert after.json() == current.json()
    assert after.headers["etag"] == current.headers["etag"]


async def test_the_description_can_be_cleared_with_null(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client, description="To be removed")

    response = await client.patch(f"/products/{product['id']}", json={"description": None})

    assert response.status_code == 200
    assert response.json()["description"] is None
    row = await product_row(db, product["id"])
    assert row is not None
    assert row["description"] is None


async def test_an_empty_update_answers_the_product_and_keeps_its_etag(
    client: AsyncClient, db: AsyncEngine
) -> None:
    created = await client.post("/products", json=product_body())
    before = await product_rows(db)

    response = await client.patch(created.headers["location"], json={})

    assert response.status_code == 200
    assert response.json() == created.json()
    assert response.headers["etag"] == created.headers["etag"]
    assert await product_rows(db) == before


@pytest.mark.parametrize(
    ("price", "shown"),
    [
        ("0", "0.00"),
        (-0.0, "0.00"),
        ("10", "10.00"),
        (7, "7.00"),
        (0.1, "0.10"),
        ("9999999999.99", "9999999999.99"),
    ],
)
async def test_an_update_answers_the_product_exactly_as_it_is_stored(
    client: AsyncClient, price: Any, shown: str
) -> None:
    product = await create_product(client)

    response = await client.patch(f"/products/{product['id']}", json={"price": price})

    assert response.status_code == 200
    assert response.json()["price"] == shown
    assert (await client.get(f"/products/{product['id']}")).json() == response.json()


async def test_a_whole_number_written_as_5_0_is_an_integer_as_json_schema_says(
    client: AsyncClient,
) -> None:
    response = await client.post("/products", json=product_body(quantity=5.0))

    assert response.status_code == 201, response.text
    assert response.json()["quantity"] == 5


@pytest.mark.parametrize("price", ["-0", "1E+1", "+5", " 5", "5.", ".5", "05", "1,5"])
async def test_a_price_string_is_plain_digits_with_at_most_two_places(
    client: AsyncClient, db: AsyncEngine, price: str
) -> None:
    product = await create_product(client)
    before = await product_rows(db)

    response = await client.patch(f"/products/{product['id']}", json={"price": price})

    assert_problem(response, 422)
    assert await product_rows(db) == before


BAD_UPDATE_BODIES = [
    pytest.param({"name": None}, None, id="null name"),
    pytest.param({"price": None}, None, id="null price"),
    pytest.param({"quantity": None}, None, id="null quantity"),
    pytest.param({"name": ""}, "name", id="empty name"),
    pytest.param({"name": "  "}, "name", id="whitespace-only name"),
    pytest.param({"name": "n" * 300}, "name", id="300-char name"),
    pytest.param({"name": "nul\x00"}, "name", id="NUL in the name"),
    pytest.param({"description": "nul\x00"}, "description", id="NUL in the description"),
    pytest.param({"price": -1}, "price", id="negative price"),
    pytest.param({"price": "1.999"}, "price", id="three decimals"),
    pytest.param({"price": 1.999}, "price", id="three decimals as number"),
    pytest.param({"price": "NaN"}, "price", id="NaN"),
    pytest.param({"price": "Infinity"}, "price", id="Infinity"),
    pytest.param({"price": "10000000000"}, "price", id="price over the maximum"),
    pytest.param({"quantity": -1}, "quantity", id="quantity -1"),
    pytest.param({"quantity": DB_INT_MAX + 1}, "quantity", id="quantity 2147483648"),
    pytest.param({"quantity": "5"}, "quantity", id="quantity as string"),
    pytest.param({"quantity": 5.5}, "quantity", id="quantity as float"),
    pytest.param({"colour": "red"}, "colour", id="unknown field"),
    pytest.param({"id": 7}, "id", id="the id"),
    pytest.param({"quantity": 1, "version": 9}, "version", id="the version"),
    pytest.param('{"quantity": 1', None, id="truncated JSON"),
    pytest.param("[]", None, id="a list"),
    pytest.param("", None, id="no body"),
]


@pytest.mark.parametrize(("body", "field"), BAD_UPDATE_BODIES)
async def test_a_bad_update_is_a_422_problem_and_changes_nothing(
    client: AsyncClient, db: AsyncEngine, body: Any, field: str | None
) -> None:
    created = await client.post("/products", json=product_body())
    before = await product_rows(db)

    response = await send(client, "PATCH", created.headers["location"], body)

    problem = assert_problem(response, 422)
    if field is not None:
        assert field in error_fields(problem), problem["errors"]
    assert "etag" not in response.headers
    assert await product_rows(db) == before


async def test_updating_a_missing_product_is_a_404_problem(
    client: AsyncClient, db: AsyncEngine
) -> None:
    await create_product(client)
    before = await product_rows(db)

    for headers in [{}, {"If-Match": '"1"'}]:
        response = await client.patch("/products/999", json={"quantity": 1}, headers=headers)
        assert_problem(response, 404)

    assert await product_rows(db) == before
