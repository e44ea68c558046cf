"""Helpers that several integration test files share: request bodies, calls, rows."""

import base64
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from tests.plugins.users import Caller

MISSING = object()
"""A field set to MISSING is left out of the request body."""

GENERATED_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
"""The request id the service makes up when the client sends none, or none it may echo."""

DB_INT_MAX = 2_147_483_647
"""The largest PostgreSQL `integer`: the top of every id and quantity column."""


def with_overrides(body: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """`body` with `overrides` replacing its fields; a field set to MISSING is left out."""
    body = {**body, **overrides}
    return {key: value for key, value in body.items() if value is not MISSING}


def product_body(**overrides: Any) -> dict[str, Any]:
    """A valid create body; `overrides` replace fields, and a field set to MISSING is left out."""
    body = {"name": "Espresso machine", "description": "15 bar", "price": "249.90", "quantity": 12}
    return with_overrides(body, **overrides)


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


def cursor_of(payload: Any) -> str:
    """An opaque-looking cursor around any JSON, the way the service spells its own."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()


# --- over HTTP ---------------------------------------------------------------------------------


async def walk_pages(
    client: AsyncClient, path: str, headers: dict[str, str] | None = None, **params: Any
) -> list[list[dict[str, Any]]]:
    """Every page of the listing at `path`, following next_cursor until it is null."""
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page.keys() == {"items", "next_cursor"}
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) <= 100, "next_cursor never ends"


async def create_product(
    client: AsyncClient, admin: "Caller | None" = None, name: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A product added through the API, as the API answers it.

    Sent as `admin`, or with the client's own headers when no admin is named; every field not
    given is product_body()'s.
    """
    body = product_body(**fields) | ({} if name is None else {"name": name})
    headers = None if admin is None else admin.headers
    response = await client.post("/products", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def act(client: AsyncClient, caller: "Caller", action: str, order_id: int) -> Response:
    """POST /orders/{id}/{action} (pay, ship or cancel) as `caller`."""
    return await client.post(f"/orders/{order_id}/{action}", headers=caller.headers)


# --- in the database ---------------------------------------------------------------------------


async def rows(db: AsyncEngine, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db.connect() as connection:
        result = await connection.execute(text(sql), params)
        return [dict(row._mapping) for row in result]


async def insert_products(
    db: AsyncEngine, count: int, *, price: Decimal | None = None, quantity: int | None = None
) -> list[int]:
    """`count` products straight into the table, for tests that need dozens; their ids.

    Named Bulk 1 to Bulk n; product n costs n and has n in stock unless `price` or `quantity`
    say otherwise.
    """
    async with db.begin() as connection:
        result = await connection.execute(
            text(
                "INSERT INTO products (name, price, quantity) "
                "SELECT 'Bulk ' || n, coalesce(CAST(:price AS numeric), n), "
                "coalesce(CAST(:quantity AS integer), n) "
                "FROM generate_series(1, :count) AS n RETURNING id"
            ),
            {"price": price, "quantity": quantity, "count": count},
        )
        return sorted(result.scalars())


async def stock(db: AsyncEngine) -> dict[int, int]:
    """Every product's stock on hand, by id, as the products table holds it."""
    return {r["id"]: r["quantity"] for r in await rows(db, "SELECT id, quantity FROM products")}
