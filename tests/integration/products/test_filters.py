"""Filtering the catalogue (GET /products): name search, price and stock bounds, combined."""

from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product, ids, rows, walk_pages
from tests.integration.problems import assert_problem, error_fields
from tests.integration.products.catalogue import CATALOGUE, create_catalogue


async def listed_names(client: AsyncClient, **params: Any) -> list[str]:
    pages = await walk_pages(client, "/products", limit=100, **params)
    return [product["name"] for page in pages for product in page]


async def test_q_finds_names_containing_it_whatever_the_case(client: AsyncClient) -> None:
    for name in ["Red Apple", "apple pie", "PINEAPPLE", "Banana", "Appel"]:
        await create_product(client, name=name)

    assert await listed_names(client, q="APPLE") == ["Red Apple", "apple pie", "PINEAPPLE"]
    assert await listed_names(client, q="pLe P") == ["apple pie"]
    assert await listed_names(client, q="cherry") == []


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("%", ["100% cotton"]),
        ("0%", ["100% cotton"]),
        ("_", ["a_b"]),
        ("a_b", ["a_b"]),
        ("\\", ["back\\slash"]),
        ("'", ["it's"]),
    ],
)
async def test_like_wildcards_in_q_are_taken_literally(
    client: AsyncClient, q: str, found: list[str]
) -> None:
    for name in ["100% cotton", "100 cotton", "a_b", "axb", "ab", "back\\slash", "it's"]:
        await create_product(client, name=name)

    assert await listed_names(client, q=q) == found


async def test_min_and_max_price_are_inclusive_bounds(client: AsyncClient) -> None:
    await create_catalogue(client)

    prices = [
        Decimal(product["price"])
        for page in await walk_pages(
            client, "/products", min_price="3.10", max_price="12.50", sort="price"
        )
        for product in page
    ]

    assert prices == sorted(
        Decimal(price)
        for _, price, _ in CATALOGUE
        if Decimal("3.10") <= Decimal(price) <= Decimal("12.50")
    )
    assert prices[0] == Decimal("3.10")
    assert prices[-1] == Decimal("12.50")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"min_price": "100"}, lambda price, quantity: price >= 100),
        ({"max_price": "0"}, lambda price, quantity: price == 0),
        ({"max_price": 5}, lambda price, quantity: price <= 5),
        ({"in_stock": "true"}, lambda price, quantity: quantity > 0),
        ({"in_stock": "false"}, lambda price, quantity: quantity == 0),
        ({"min_price": "5", "max_price": "5"}, lambda price, quantity: price == 5),
        (
            {"min_price": "1", "max_price": "20", "in_stock": "false"},
            lambda price, quantity: 1 <= price <= 20 and quantity == 0,
        ),
    ],
    ids=["min", "max 0", "max as int", "in stock", "sold out", "min = max", "combined"],
)
async def test_price_and_stock_filters_keep_exactly_the_matching_products(
    client: AsyncClient, params: dict[str, Any], expected: Any
) -> None:
    catalogue = await create_catalogue(client)

    listed = [
        product
        for page in await walk_pages(client, "/products", limit=3, **params)
        for product in page
    ]

    assert ids(listed) == [
        product["id"]
        for product in catalogue
        if expected(Decimal(product["price"]), product["quantity"])
    ]


async def test_all_filters_combine_and_page_in_any_order(
    client: AsyncClient, db: AsyncEngine
) -> None:
    await create_catalogue(client)

    listed = [
        product
        for page in await walk_pages(
            client,
            "/products",
            q="GRAPE",
            min_price="3.10",
            max_price="12.50",
            in_stock="true",
            sort="-price",
            limit=1,
        )
        for product in page
    ]

    expected = await rows(
        db,
        "SELECT id FROM products WHERE name ILIKE '%grape%' AND price BETWEEN 3.10 AND 12.50 "
        "AND quantity > 0 ORDER BY price DESC, id DESC",
    )
    assert ids(listed) == [row["id"] for row in expected]
    assert len(listed) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "10", "max_price": "9.99"}, "min_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"max_price": "10000000000"}, "max_price"),
        ({"min_price": "1.999"}, "min_price"),
        ({"min_price": "NaN"}, "min_price"),
        ({"max_price": "Infinity"}, "max_price"),
        ({"max_price": "cheap"}, "max_price"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"q": ""}, "q"),
        ({"q": "n" * 201}, "q"),
        ({"q": "nul\x00"}, "q"),
    ],
)
async def test_a_bad_filter_is_a_422_problem(
    client: AsyncClient, params: dict[str, str], field: str
) -> None:
    await create_catalogue(client)

    problem = assert_problem(await client.get("/products", params=params), 422)

    assert field in error_fields(problem)
