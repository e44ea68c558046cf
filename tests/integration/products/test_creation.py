"""Adding a product (POST /products): what is stored, what is answered, what is refused.

Every request is made as an admin (tests/integration/products/conftest.py).
"""

from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import DB_INT_MAX, MISSING, create_product, product_body, rows
from tests.integration.problems import assert_problem, error_fields
from tests.integration.products.catalogue import (
    JSON_HEADERS,
    STRONG_ETAG,
    assert_product_shape,
    product_row,
    product_rows,
    send,
)


async def test_creating_a_product_answers_201_with_location_etag_and_the_product(
    client: AsyncClient, db: AsyncEngine
) -> None:
    response = await client.post("/products", json=product_body())

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    product = response.json()
    assert_product_shape(product)
    assert product["name"] == "Espresso machine"
    assert product["description"] == "15 bar"
    assert product["price"] == "249.90"
    assert product["quantity"] == 12
    assert product["created_at"] == product["updated_at"]
    assert response.headers["location"] == f"/products/{product['id']}"
    assert STRONG_ETAG.fullmatch(response.headers["etag"])

    row = await product_row(db, product["id"])
    assert row is not None
    assert (row["name"], row["description"], row["price"], row["quantity"]) == (
        "Espresso machine",
        "15 bar",
        Decimal("249.90"),
        12,
    )


async def test_the_location_of_a_new_product_serves_it_with_the_same_etag(
    client: AsyncClient,
) -> None:
    created = await client.post("/products", json=product_body())

    fetched = await client.get(created.headers["location"])

    assert fetched.status_code == 200
    assert fetched.json() == created.json()
    assert fetched.headers["etag"] == created.headers["etag"]


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (1500, "1500.00"),
        ("1500", "1500.00"),
        ("1500.00", "1500.00"),
        (19.99, "19.99"),
        ("19.99", "19.99"),
        (0.1, "0.10"),
        ("1.5", "1.50"),
        (0, "0.00"),
        ("0.00", "0.00"),
        (9999999999.99, "9999999999.99"),
        ("9999999999.99", "9999999999.99"),
    ],
)
async def test_a_price_sent_as_number_or_string_is_stored_exactly_and_shown_with_two_places(
    client: AsyncClient, db: AsyncEngine, sent: Any, shown: str
) -> None:
    product = await create_product(client, price=sent)

    assert product["price"] == shown
    [row] = await rows(
        db, "SELECT price, price::text AS price_text FROM products WHERE id = :id", id=product["id"]
    )
    assert row["price"] == Decimal(shown)
    assert row["price_text"] == shown
    assert (await client.get(f"/products/{product['id']}")).json()["price"] == shown


async def test_the_description_is_optional_and_then_null(
    client: AsyncClient, db: AsyncEngine
) -> None:
    product = await create_product(client, description=MISSING)

    assert product["description"] is None
    row = await product_row(db, product["id"])
    assert row is not None
    assert row["description"] is None


async def test_names_at_the_limits_are_kept_as_sent(client: AsyncClient, db: AsyncEngine) -> None:
    longest = "é" * 200
    padded = "  Padded name  "

    first = await create_product(client, name=longest)
    second = await create_product(client, name=padded)

    assert first["name"] == longest
    assert second["name"] == padded
    assert [row["name"] for row in await product_rows(db)] == [longest, padded]


async def test_quantity_bounds_are_inclusive(client: AsyncClient) -> None:
    assert (await create_product(client, quantity=0))["quantity"] == 0
    assert (await create_product(client, quantity=DB_INT_MAX))["quantity"] == DB_INT_MAX


BAD_CREATE_BODIES = [
    pytest.param(product_body(price=-1), "price", id="negative price"),
    pytest.param(product_body(price="-0.01"), "price", id="negative price string"),
    pytest.param(product_body(price="1.999"), "price", id="three decimals as string"),
    pytest.param(product_body(price=1.999), "price", id="three decimals as number"),
    pytest.param(product_body(price="NaN"), "price", id="NaN string"),
    pytest.param(product_body(price="Infinity"), "price", id="Infinity string"),
    pytest.param(product_body(price="-Infinity"), "price", id="minus Infinity string"),
    pytest.param(
        '{"name": "x", "price": NaN, "quantity": 1}', "price", id="NaN literal in the JSON"
    ),
    pytest.param('{"name": "x", "price": Infinity, "quantity": 1}', "price", id="Infinity literal"),
    pytest.param('{"name": "x", "price": 1e400, "quantity": 1}', "price", id="number overflow"),
    pytest.param(product_body(price="10000000000.00"), "price", id="price over the maximum"),
    pytest.param(product_body(price=10000000000), "price", id="price over the maximum, number"),
    pytest.param(product_body(price="abc"), "price", id="price not a number"),
    pytest.param(product_body(price=True), "price", id="price a boolean"),
    pytest.param(product_body(name="n" * 300), "name", id="300-char name"),
    pytest.param(product_body(name="n" * 201), "name", id="201-char name"),
    pytest.param(product_body(name=""), "name", id="empty name"),
    pytest.param(product_body(name="   \t\n"), "name", id="whitespace-only name"),
    pytest.param(product_body(name="nul\x00byte"), "name", id="NUL in the name"),
    pytest.param('{"name": "\\ud800", "price": 1, "quantity": 1}', "name", id="lone surrogate"),
    pytest.param(product_body(name=42), "name", id="name a number"),
    pytest.param(product_body(description="nul\x00byte"), "description", id="NUL in description"),
    pytest.param(product_body(description="d" * 5001), "description", id="5001-char description"),
    pytest.param(product_body(quantity=-1), "quantity", id="quantity -1"),
    pytest.param(product_body(quantity=DB_INT_MAX + 1), "quantity", id="quantity 2147483648"),
    pytest.param(product_body(quantity="5"), "quantity", id="quantity as string"),
    pytest.param(product_body(quantity=5.5), "quantity", id="quantity as float"),
    pytest.param(product_body(quantity=True), "quantity", id="quantity a boolean"),
    pytest.param(product_body(colour="red"), "colour", id="unknown extra field"),
    pytest.param(product_body(name=None), "name", id="null name"),
    pytest.param(product_body(name=MISSING), "name", id="missing name"),
    pytest.param(product_body(price=MISSING), "price", id="missing price"),
    pytest.param(product_body(quantity=MISSING), "quantity", id="missing quantity"),
    pytest.param({}, "name", id="empty object"),
    pytest.param('{"name": "x", "price": 1,', None, id="truncated JSON"),
    pytest.param("{'name': 'x'}", None, id="single-quoted pseudo JSON"),
    pytest.param("", None, id="no body at all"),
    pytest.param("[]", None, id="a list instead of an object"),
    pytest.param('"a string"', None, id="a string instead of an object"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CREATE_BODIES)
async def test_bad_input_on_create_is_a_422_problem_and_writes_nothing(
    client: AsyncClient, db: AsyncEngine, body: Any, field: str | None
) -> None:
    response = await send(client, "POST", "/products", body)

    problem = assert_problem(response, 422)
    if field is not None:
        assert field in error_fields(problem), problem["errors"]
    assert "location" not in response.headers
    assert "etag" not in response.headers
    assert await product_rows(db) == []


async def test_a_body_that_is_not_utf8_is_a_client_error_and_writes_nothing(
    client: AsyncClient, db: AsyncEngine
) -> None:
    response = await client.post("/products", content=b"\xff\xfe", headers=JSON_HEADERS)

    assert response.status_code in {400, 422}
    assert_problem(response, response.status_code)
    assert await product_rows(db) == []
