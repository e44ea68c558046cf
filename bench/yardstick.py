"""The yardstick: the benchmarked endpoints as raw Starlette + asyncpg + orjson, nothing more.

Same tables, same JSON shapes and a pool as large as the service's (5 + 10 connections per
worker), so the service's figures can be read as a ratio to what the stack costs by itself.
`bench/run.py` starts it; by hand:

    YARDSTICK_DATABASE_URL=postgresql://... JWT_SECRET=... python bench/yardstick.py --port 8100

Routes: GET /products/{id}, GET /products (keyset on id), GET /orders (the bearer's own,
newest first) and POST /orders (lock the products FOR UPDATE in id order, take the stock,
insert the order and its lines, one transaction).
"""

import argparse
import base64
import binascii
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import asyncpg
import jwt
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_MIN, POOL_MAX = 5, 15
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
MAX_LINES = 50
ISSUER = "shop"
_INT_MAX = 2_147_483_647

GET_PRODUCT = (
    "SELECT id, name, description, price, quantity, created_at, updated_at, version "
    "FROM products WHERE id = $1"
)
PRODUCTS_PAGE = (
    "SELECT id, name, description, price, quantity, created_at, updated_at "
    "FROM products WHERE id > $1 ORDER BY id LIMIT $2"
)
ORDERS_PAGE = """
SELECT o.id, o.user_id, o.status, o.created_at, o.updated_at,
       l.product_ids, l.product_names, l.quantities, l.unit_prices
FROM orders o
CROSS JOIN LATERAL (
    SELECT array_agg(i.product_id ORDER BY i.id) AS product_ids,
           array_agg(i.product_name ORDER BY i.id) AS product_names,
           array_agg(i.quantity ORDER BY i.id) AS quantities,
           array_agg(i.unit_price ORDER BY i.id) AS unit_prices
    FROM order_items i WHERE i.order_id = o.id
) l
WHERE o.user_id = $1 AND o.id < $2
ORDER BY o.id DESC LIMIT $3
"""
LOCK_PRODUCTS = (
    "SELECT id, name, price, quantity FROM products WHERE id = ANY($1::int[]) "
    "ORDER BY id FOR UPDATE"
)
TAKE_STOCK = (
    "UPDATE products p SET quantity = p.quantity - s.n, version = p.version + 1, "
    "updated_at = now() FROM unnest($1::int[], $2::int[]) AS s(id, n) WHERE p.id = s.id"
)
INSERT_ORDER = (
    "INSERT INTO orders (user_id, total) VALUES ($1, $2) "
    "RETURNING id, user_id, status, created_at, updated_at"
)
INSERT_LINES = (
    "INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price) "
    "SELECT $1, * FROM unnest($2::int[], $3::text[], $4::int[], $5::numeric[])"
)


class Problem(Exception):
    """An error answered as application/problem+json."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = orjson.dumps(body, option=orjson.OPT_UTC_Z)
    return Response(content, status, headers, media_type="application/json")


def problem_response(problem: Problem, request: Request) -> Response:
    body = {
        "type": "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
    }
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return Response(orjson.dumps(body), problem.status, headers, "application/problem+json")


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def encode_cursor(listing: str, last_id: int) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([listing, last_id])).rstrip(b"=").decode()


def decode_cursor(cursor: str, listing: str) -> int:
    try:
        name, last_id = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise Problem(422, "Invalid input", "The cursor is malformed.") from None
    if name != listing or not isinstance(last_id, int) or not 0 < last_id <= _INT_MAX:
        raise Problem(422, "Invalid input", "The cursor belongs to another listing.")
    return last_id


def page_limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise Problem(422, "Invalid input", f"limit is a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def caller_id(request: Request) -> int:
    """The user id in the bearer token, checked with the service's secret and issuer."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "Unauthorized", "A bearer token is required.")
    try:
        claims = jwt.decode(token, request.app.state.secret, algorithms=["HS256"], issuer=ISSUER)
        return int(claims["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise Problem(401, "Unauthorized", "The token is not valid.") from None


def product_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "price": money(row["price"]),
        "quantity": row["quantity"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


Line = tuple[int, str, int, Decimal]
"""An order line: product id, product name, quantity, unit price."""


def order_json(order: asyncpg.Record, lines: Sequence[Line]) -> dict[str, Any]:
    items = [
        {
            "product_id": product_id,
            "product_name": name,
            "quantity": quantity,
            "unit_price": money(price),
            "line_total": money(price * quantity),
        }
        for product_id, name, quantity, price in lines
    ]
    return {
        "id": order["id"],
        "user_id": order["user_id"],
        "status": order["status"],
        "items": items,
        "total": money(sum((price * quantity for _, _, quantity, price in lines), Decimal(0))),
        "created_at": order["created_at"],
        "updated_at": order["updated_at"],
    }


def page_json(items: list[dict[str, Any]], limit: int, listing: str) -> dict[str, Any]:
    if len(items) <= limit:
        return {"items": items, "next_cursor": None}
    items = items[:limit]
    return {"items": items, "next_cursor": encode_cursor(listing, items[-1]["id"])}


async def get_product(request: Request) -> Response:
    product_id: int = request.path_params["product_id"]
    row = await request.app.state.pool.fetchrow(GET_PRODUCT, product_id)
    if row is None:
        raise Problem(404, "Not found", f"Product {product_id} does not exist.")
    return json_response(product_json(row), headers={"ETag": f'"{row["version"]}"'})


async def list_products(request: Request) -> Response:
    limit = page_limit(request)
    cursor = request.query_params.get("cursor")
    after = decode_cursor(cursor, "id") if cursor else 0
    rows = await request.app.state.pool.fetch(PRODUCTS_PAGE, after, limit + 1)
    return json_response(page_json([product_json(row) for row in rows], limit, "id"))


async def list_orders(request: Request) -> Response:
    user_id = caller_id(request)
    limit = page_limit(request)
    cursor = request.query_params.get("cursor")
    before = decode_cursor(cursor, "orders") if cursor else _INT_MAX
    rows = await request.app.state.pool.fetch(ORDERS_PAGE, user_id, before, limit + 1)
    orders = [
        order_json(
            row,
            list(
                zip(
                    row["product_ids"],
                    row["product_names"],
                    row["quantities"],
                    row["unit_prices"],
                    strict=True,
                )
            ),
        )
        for row in rows
    ]
    return json_response(page_json(orders, limit, "orders"))


def order_request(body: bytes) -> dict[int, int]:
    """Quantities by product id from `{"items": [{"product_id", "quantity"}, ...]}`."""
    try:
        lines = orjson.loads(body)["items"]
        wanted = {int(line["product_id"]): int(line["quantity"]) for line in lines}
    except (ValueError, TypeError, KeyError):
        raise Problem(422, "Invalid input", "items: a list of product_id and quantity.") from None
    if not 1 <= len(lines) <= MAX_LINES or len(wanted) != len(lines):
        raise Problem(422, "Invalid input", "items: 1 to 50 lines, each product at most once.")
    if not all(0 < q <= 1000 for q in wanted.values()):
        raise Problem(422, "Invalid input", "quantity is from 1 to 1000.")
    return wanted


async def place_order(request: Request) -> Response:
    user_id = caller_id(request)
    wanted = order_request(await request.body())
    ids = sorted(wanted)
    quantities = [wanted[i] for i in ids]
    async with request.app.state.pool.acquire() as connection, connection.transaction():
        products = await connection.fetch(LOCK_PRODUCTS, ids)
        if len(products) != len(ids):
            raise Problem(422, "Invalid input", "Some products do not exist.")
        for product, quantity in zip(products, quantities, strict=True):
            if product["quantity"] < quantity:
                raise Problem(409, "Conflict", f"Not enough stock of product {product['id']}.")
        await connection.execute(TAKE_STOCK, ids, quantities)
        names, prices = [p["name"] for p in products], [p["price"] for p in products]
        lines = list(zip(ids, names, quantities, prices, strict=True))
        total = sum((price * quantity for _, _, quantity, price in lines), Decimal(0))
        order = await connection.fetchrow(INSERT_ORDER, user_id, total)
        await connection.execute(INSERT_LINES, order["id"], ids, names, quantities, prices)
    return json_response(order_json(order, lines), 201, {"Location": f"/orders/{order['id']}"})


async def on_problem(request: Request, problem: Problem) -> Response:
    return problem_response(problem, request)


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.secret = os.environ["JWT_SECRET"]
    app.state.pool = await asyncpg.create_pool(
        os.environ["YARDSTICK_DATABASE_URL"], min_size=POOL_MIN, max_size=POOL_MAX
    )
    try:
        yield
    finally:
        await app.state.pool.close()


def create_app() -> Starlette:
    routes = [
        Route("/products/{product_id:int}", get_product),
        Route("/products", list_products),
        Route("/orders", list_orders, methods=["GET"]),
        Route("/orders", place_order, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={Problem: on_problem})


def main() -> None:
    """Serve the yardstick with uvicorn, uvloop and httptools."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=1)
    options = parser.parse_args()
    uvicorn.run(
        "yardstick:create_app",
        factory=True,
        host="127.0.0.1",
        port=options.port,
        workers=options.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
