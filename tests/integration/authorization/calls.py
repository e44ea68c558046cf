"""How to make each call of the matrix, what it must have done in the database, and the
world of users, products and orders every case runs in.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jwt
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.authorization.matrix import (
    ADMIN,
    ANOTHER_SECRET,
    BASIC,
    EMPTY_BEARER,
    EXPIRED,
    FOREIGN_ISSUER,
    FOREIGN_SECRET,
    NEW_ORDER_QUANTITY,
    NOT_A_JWT,
    ORDER_QUANTITY,
    PRODUCT_STOCK,
    UNSIGNED,
)
from tests.plugins.settings import TEST_JWT_SECRET
from tests.plugins.users import a_caller

if TYPE_CHECKING:
    from shop.container import Container
    from tests.plugins.users import Caller


@dataclass(frozen=True)
class World:
    """Three users, one product, the caller under test, and the order a call aims at (if any)."""

    admin: "Caller"
    customer: "Caller"
    other_customer: "Caller"
    product_id: int
    caller: str
    headers: dict[str, str]
    own_id: int
    other_id: int
    order_id: int | None = None


def signed(claims: dict[str, Any], secret: str = TEST_JWT_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def claims_for(
    user_id: int, *, issuer: str = "shop", age: timedelta = timedelta()
) -> dict[str, Any]:
    issued = datetime.now(UTC) - age
    return {"sub": str(user_id), "iss": issuer, "iat": issued, "exp": issued + timedelta(hours=1)}


# The Authorization header each remaining bad-credential caller sends, naming this user id.
FORGED_AUTHORIZATION: dict[str, Callable[[int], str]] = {
    EXPIRED: lambda user_id: f"Bearer {signed(claims_for(user_id, age=timedelta(hours=2)))}",
    FOREIGN_SECRET: lambda user_id: f"Bearer {signed(claims_for(user_id), ANOTHER_SECRET)}",
    UNSIGNED: lambda user_id: f"Bearer {jwt.encode(claims_for(user_id), None, algorithm='none')}",
    FOREIGN_ISSUER: lambda user_id: f"Bearer {signed(claims_for(user_id, issuer='someone-else'))}",
    NOT_A_JWT: lambda user_id: "Bearer not-a-jwt",
    BASIC: lambda user_id: "Basic abc",
    EMPTY_BEARER: lambda user_id: "Bearer",
}


async def deleted_user_headers(
    container: "Container", client: AsyncClient, db: AsyncEngine
) -> tuple[int, dict[str, str]]:
    """A real token, whose user is then deleted behind the service's back."""
    gone = await a_caller(container, client, "gone", admin=False)
    async with db.begin() as connection:
        await connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": gone.id})
    return gone.id, gone.headers


Check = Callable[[AsyncEngine, World, Response], Awaitable[None]]


async def scalar(db: AsyncEngine, sql: str, **params: Any) -> Any:
    async with db.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar()


async def token_issued(db: AsyncEngine, world: World, response: Response) -> None:
    assert response.json()["token_type"] == "bearer"
    assert response.json()["access_token"]


async def customer_registered(db: AsyncEngine, world: World, response: Response) -> None:
    role = await scalar(db, "SELECT role FROM users WHERE email = 'newcomer@example.com'")
    assert role == "customer"
    assert response.json()["role"] == "customer"


async def is_own_record(db: AsyncEngine, world: World, response: Response) -> None:
    if response.is_success:
        assert response.json()["id"] == world.own_id


async def is_other_record(db: AsyncEngine, world: World, response: Response) -> None:
    if response.is_success:
        assert response.json()["id"] == world.other_id


async def renamed_only_when_allowed(db: AsyncEngine, world: World, response: Response) -> None:
    renamed = await scalar(db, "SELECT id FROM users WHERE username = 'renamed'")
    assert renamed == (world.own_id if response.is_success else None)


async def deactivated_only_when_allowed(db: AsyncEngine, world: World, response: Response) -> None:
    active = await scalar(db, "SELECT is_active FROM users WHERE id = :id", id=world.other_id)
    assert active is (not response.is_success)
    if response.is_success:
        assert response.json()["is_active"] is False


async def users_listed(db: AsyncEngine, world: World, response: Response) -> None:
    if response.is_success:
        listed = [user["id"] for user in response.json()["items"]]
        assert listed == [world.admin.id, world.customer.id, world.other_customer.id]


async def product_added_only_when_allowed(
    db: AsyncEngine, world: World, response: Response
) -> None:
    added = await scalar(db, "SELECT count(*) FROM products WHERE name = 'Floor lamp'")
    assert added == (1 if response.is_success else 0)


async def product_changed_only_when_allowed(
    db: AsyncEngine, world: World, response: Response
) -> None:
    price = await scalar(db, "SELECT price FROM products WHERE id = :id", id=world.product_id)
    assert price == (Decimal("12.34") if response.is_success else Decimal("30.00"))


async def product_deleted_only_when_allowed(
    db: AsyncEngine, world: World, response: Response
) -> None:
    left = await scalar(db, "SELECT count(*) FROM products WHERE id = :id", id=world.product_id)
    assert left == (0 if response.is_success else 1)


async def column(db: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with db.connect() as connection:
        return list((await connection.execute(text(sql), params)).scalars())


async def stock(db: AsyncEngine, world: World) -> int:
    return int(
        await scalar(db, "SELECT quantity FROM products WHERE id = :id", id=world.product_id)
    )


async def order_ids(db: AsyncEngine, user_id: int | None = None) -> list[int]:
    """The orders (of one user, or everyone's), newest first, as the list answers them."""
    if user_id is None:
        return await column(db, "SELECT id FROM orders ORDER BY id DESC")
    return await column(
        db, "SELECT id FROM orders WHERE user_id = :id ORDER BY id DESC", id=user_id
    )


async def order_placed_only_when_allowed(db: AsyncEngine, world: World, response: Response) -> None:
    owners = await column(db, "SELECT user_id FROM orders")
    if response.is_success:
        assert owners == [world.own_id]
        assert response.json()["user_id"] == world.own_id
        assert await stock(db, world) == PRODUCT_STOCK - NEW_ORDER_QUANTITY
    else:
        assert owners == []
        assert await stock(db, world) == PRODUCT_STOCK


async def own_orders_listed(db: AsyncEngine, world: World, response: Response) -> None:
    """A customer sees their own orders; an admin everyone's (every user placed one)."""
    if response.is_success:
        listed = [order["id"] for order in response.json()["items"]]
        everyone = world.caller == ADMIN
        assert listed == await order_ids(db, None if everyone else world.own_id)


async def other_users_orders_listed(db: AsyncEngine, world: World, response: Response) -> None:
    if response.is_success:
        listed = [order["id"] for order in response.json()["items"]]
        assert listed == await order_ids(db, world.other_id)
        assert len(listed) == 1


async def is_the_order(db: AsyncEngine, world: World, response: Response) -> None:
    if response.is_success:
        assert response.json()["id"] == world.order_id


def order_moves(allowed: str, refused: str, *, restocks: bool = False) -> Check:
    """The order is in state `allowed` after a success, still `refused` otherwise; a cancelled
    order's stock is back on the shelf, a refused cancel leaves it taken."""

    async def check(db: AsyncEngine, world: World, response: Response) -> None:
        status = await scalar(db, "SELECT status FROM orders WHERE id = :id", id=world.order_id)
        assert status == (allowed if response.is_success else refused)
        if response.is_success:
            assert response.json()["status"] == allowed
        back_on_shelf = restocks and response.is_success
        taken = 0 if back_on_shelf else ORDER_QUANTITY
        assert await stock(db, world) == PRODUCT_STOCK - taken

    return check


async def metrics_exposed(db: AsyncEngine, world: World, response: Response) -> None:
    assert response.headers["content-type"].startswith("text/plain")
    assert "shop_http_requests" in response.text


async def nothing_to_check(db: AsyncEngine, world: World, response: Response) -> None:
    return None


Arrange = Callable[[AsyncClient, World], Awaitable[World]]


def user_with_id(world: World, user_id: int) -> "Caller":
    """The user with this id; the customer for callers with no user of their own."""
    users = {u.id: u for u in (world.admin, world.customer, world.other_customer)}
    return users.get(user_id, world.customer)


async def place_order(client: AsyncClient, world: World, owner: "Caller") -> int:
    body = {"items": [{"product_id": world.product_id, "quantity": ORDER_QUANTITY}]}
    response = await client.post("/orders", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def one_order_each(client: AsyncClient, world: World) -> World:
    for owner in (world.customer, world.other_customer, world.admin):
        await place_order(client, world, owner)
    return world


async def own_order(client: AsyncClient, world: World) -> World:
    owner = user_with_id(world, world.own_id)
    return replace(world, order_id=await place_order(client, world, owner))


async def another_customers_order(client: AsyncClient, world: World) -> World:
    owner = user_with_id(world, world.other_id)
    assert owner.id == world.other_id, "another user is always one of the two customers"
    return replace(world, order_id=await place_order(client, world, owner))


async def customers_pending_order(client: AsyncClient, world: World) -> World:
    return replace(world, order_id=await place_order(client, world, world.customer))


async def customers_paid_order(client: AsyncClient, world: World) -> World:
    order_id = await place_order(client, world, world.customer)
    paid = await client.post(f"/orders/{order_id}/pay", headers=world.customer.headers)
    assert paid.status_code == 200, paid.text
    return replace(world, order_id=order_id)


async def nothing_to_arrange(client: AsyncClient, world: World) -> World:
    return world


@dataclass(frozen=True)
class Call:
    method: str
    url: Callable[[World], str]
    check: Check = nothing_to_check
    json: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    form: Callable[[World], dict[str, str]] | None = None
    arrange: Arrange = nothing_to_arrange


CALLS: dict[str, Call] = {
    "GET /health/live": Call("GET", lambda w: "/health/live"),
    "GET /health/ready": Call("GET", lambda w: "/health/ready"),
    "GET /metrics": Call("GET", lambda w: "/metrics", metrics_exposed),
    "POST /auth/token": Call(
        "POST",
        lambda w: "/auth/token",
        token_issued,
        form=lambda w: {"username": w.customer.email, "password": w.customer.password},
    ),
    "POST /users": Call(
        "POST",
        lambda w: "/users",
        customer_registered,
        json={
            "email": "newcomer@example.com",
            "username": "newcomer",
            "password": "newcomer-password-9",
        },
    ),
    "GET /users/me": Call("GET", lambda w: "/users/me", is_own_record),
    "PATCH /users/me": Call(
        "PATCH", lambda w: "/users/me", renamed_only_when_allowed, json={"username": "renamed"}
    ),
    "GET /users": Call("GET", lambda w: "/users", users_listed),
    "GET /users/{id} (own id)": Call("GET", lambda w: f"/users/{w.own_id}", is_own_record),
    "GET /users/{id} (another user)": Call(
        "GET", lambda w: f"/users/{w.other_id}", is_other_record
    ),
    "PATCH /users/{id} (another user)": Call(
        "PATCH",
        lambda w: f"/users/{w.other_id}",
        deactivated_only_when_allowed,
        json={"is_active": False},
    ),
    "GET /products": Call("GET", lambda w: "/products"),
    "GET /products/{id}": Call("GET", lambda w: f"/products/{w.product_id}"),
    "POST /products": Call(
        "POST",
        lambda w: "/products",
        product_added_only_when_allowed,
        json={"name": "Floor lamp", "price": "80.00", "quantity": 2},
    ),
    "PATCH /products/{id}": Call(
        "PATCH",
        lambda w: f"/products/{w.product_id}",
        product_changed_only_when_allowed,
        json={"price": "12.34"},
    ),
    "DELETE /products/{id}": Call(
        "DELETE", lambda w: f"/products/{w.product_id}", product_deleted_only_when_allowed
    ),
    "POST /orders": Call(
        "POST",
        lambda w: "/orders",
        order_placed_only_when_allowed,
        json=lambda w: {"items": [{"product_id": w.product_id, "quantity": NEW_ORDER_QUANTITY}]},
    ),
    "GET /orders (own orders)": Call(
        "GET", lambda w: "/orders", own_orders_listed, arrange=one_order_each
    ),
    "GET /orders (user_id of another user)": Call(
        "GET",
        lambda w: f"/orders?user_id={w.other_id}",
        other_users_orders_listed,
        arrange=one_order_each,
    ),
    "GET /orders/{id} (own order)": Call(
        "GET", lambda w: f"/orders/{w.order_id}", is_the_order, arrange=own_order
    ),
    "GET /orders/{id} (another customer's order)": Call(
        "GET", lambda w: f"/orders/{w.order_id}", is_the_order, arrange=another_customers_order
    ),
    "POST /orders/{id}/pay (customer's pending order)": Call(
        "POST",
        lambda w: f"/orders/{w.order_id}/pay",
        order_moves("paid", "pending"),
        arrange=customers_pending_order,
    ),
    "POST /orders/{id}/ship (customer's paid order)": Call(
        "POST",
        lambda w: f"/orders/{w.order_id}/ship",
        order_moves("shipped", "paid"),
        arrange=customers_paid_order,
    ),
    "POST /orders/{id}/cancel (customer's pending order)": Call(
        "POST",
        lambda w: f"/orders/{w.order_id}/cancel",
        order_moves("cancelled", "pending", restocks=True),
        arrange=customers_pending_order,
    ),
}


async def call(client: AsyncClient, route: str, world: World) -> Response:
    spec = CALLS[route]
    return await client.request(
        spec.method,
        spec.url(world),
        headers=world.headers,
        json=spec.json(world) if callable(spec.json) else spec.json,
        data=spec.form(world) if spec.form else None,
    )
