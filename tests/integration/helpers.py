"""Helpers that several integration test files share: request bodies, calls, rows."""

import base64
import json
from typing import TYPE_CHECKING, Any

from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from tests.plugins.users import Caller

MISSING = object()
"""A field set to MISSING is left out of the request body."""


def with_overrides(body: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """`body` with `overrides` replacing its fields; a field set to MISSING is left out."""
    body = {**body, **overrides}
    return {key: value for key, value in body.items() if value is not MISSING}


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
    client: AsyncClient, admin: "Caller", name: str, *, price: str, quantity: int
) -> dict[str, Any]:
    """A product added by `admin` through the API, as the API answers it."""
    body = {"name": name, "price": price, "quantity": quantity}
    response = await client.post("/products", json=body, headers=admin.headers)
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


async def stock(db: AsyncEngine) -> dict[int, int]:
    """Every product's stock on hand, by id, as the products table holds it."""
    return {r["id"]: r["quantity"] for r in await rows(db, "SELECT id, quantity FROM products")}
