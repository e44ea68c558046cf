"""What the products tests share: the shape of a product, a catalogue with ties, the rows."""

import re
from datetime import datetime
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product, rows

PRODUCT_KEYS = {"id", "name", "description", "price", "quantity", "created_at", "updated_at"}


STRONG_ETAG = re.compile(r'"[^"]*"')


JSON_HEADERS = {"Content-Type": "application/json"}


# A catalogue with ties on name (up to case), on price, and on stock, and both price extremes.
CATALOGUE = [
    ("Apple", "5.00", 3),
    ("apple", "5.00", 0),
    ("Banana", "0.00", 7),
    ("banana", "12.50", 0),
    ("Cherry", "5.00", 1),
    ("cherry pie", "12.50", 2),
    ("Date", "9999999999.99", 0),
    ("Elderberry", "0.99", 4),
    ("Fig", "5.00", 0),
    ("Grape", "12.50", 9),
    ("Grape", "3.10", 1),
    ("Grape", "3.10", 0),
    ("Kiwi", "100.00", 5),
    ("Lime", "0.00", 0),
]


async def create_catalogue(client: AsyncClient) -> list[dict[str, Any]]:
    return [
        await create_product(client, name=name, price=price, quantity=quantity)
        for name, price, quantity in CATALOGUE
    ]


async def send(client: AsyncClient, method: str, url: str, body: Any, **headers: str) -> Response:
    """Send `body` as JSON, or verbatim when it is a str (for malformed or non-standard JSON)."""
    if isinstance(body, str):
        return await client.request(method, url, content=body, headers={**JSON_HEADERS, **headers})
    return await client.request(method, url, json=body, headers=headers)


async def product_rows(db: AsyncEngine) -> list[dict[str, Any]]:
    return await rows(db, "SELECT * FROM products ORDER BY id")


async def product_row(db: AsyncEngine, product_id: int) -> dict[str, Any] | None:
    found = await rows(db, "SELECT * FROM products WHERE id = :id", id=product_id)
    return found[0] if found else None


async def add_order_for(db: AsyncEngine, product_id: int) -> None:
    async with db.begin() as connection:
        user_id = (
            await connection.execute(
                text(
                    "INSERT INTO users (email, username, hashed_password) "
                    "VALUES ('buyer@example.com', 'buyer', 'not-a-real-hash') RETURNING id"
                )
            )
        ).scalar_one()
        await connection.execute(
            text(
                "WITH o AS (INSERT INTO orders (user_id, total) VALUES (:u, 1) RETURNING id) "
                "INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price)"
                " SELECT o.id, :p, 'x', 1, 1 FROM o"
            ),
            {"u": user_id, "p": product_id},
        )


def assert_product_shape(product: dict[str, Any]) -> None:
    assert product.keys() == PRODUCT_KEYS
    assert isinstance(product["price"], str)
    assert re.fullmatch(r"\d+\.\d\d", product["price"]), product["price"]
    for stamp in ("created_at", "updated_at"):
        assert datetime.fromisoformat(product[stamp]).utcoffset() is not None


# Each sort order as SQL: the oracle for listings (the database's collation orders names).
SORTED_IDS_SQL = {
    "id": "SELECT id FROM products ORDER BY id",
    "-id": "SELECT id FROM products ORDER BY id DESC",
    "name": "SELECT id FROM products ORDER BY name, id",
    "-name": "SELECT id FROM products ORDER BY name DESC, id DESC",
    "price": "SELECT id FROM products ORDER BY price, id",
    "-price": "SELECT id FROM products ORDER BY price DESC, id DESC",
    "created_at": "SELECT id FROM products ORDER BY created_at, id",
    "-created_at": "SELECT id FROM products ORDER BY created_at DESC, id DESC",
}


SORTS = list(SORTED_IDS_SQL)


async def send_without_credentials(
    client: AsyncClient, method: str, url: str, body: Any = None
) -> Response:
    request = client.build_request(method, url, json=body)
    del request.headers["Authorization"]
    return await client.send(request)
