"""Who may call what: every route of the contract against every kind of caller, one test each.

The table below is the specification (API.md, "Conventions" and the endpoint tables):

- public routes (health, metrics, logging in, registering, reading the catalogue) answer
  everyone the same; credentials sent to them, good or bad, are not looked at;
- protected routes answer 401 problem+json with `WWW-Authenticate: Bearer` to anyone without a
  valid token: none at all, or one that is expired, forged, unsigned, from another issuer, of a
  user who no longer exists, or not a bearer token at all;
- admin-only routes answer 403 to a customer;
- a customer asking for another user's record gets 404, as if it did not exist;
- orders: any user places and lists their own; an admin lists everyone's, a customer asking
  for another user's list gets 403; another customer's order is a 404 to read, pay, ship or
  cancel; only its owner pays it (an admin who is not the owner gets 403), only an admin ships
  it (its owner gets 403), its owner or an admin cancels it.

Every case also checks the database: a refused write changed nothing, an allowed one did.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product
from tests.integration.problems import assert_problem
from tests.plugins.settings import TEST_JWT_SECRET
from tests.plugins.users import a_caller

if TYPE_CHECKING:
    from fastapi import FastAPI

    from shop.container import Container
    from tests.plugins.users import Caller

ANOTHER_SECRET = "another-secret-that-is-also-long-enough-for-hs256"
PRODUCT_STOCK = 5
ORDER_QUANTITY = 1
"""How many items each order placed before a call takes."""
NEW_ORDER_QUANTITY = 2
"""How many items the order of `POST /orders` asks for."""

# --- the callers -------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
CUSTOMER = "customer"
OTHER_CUSTOMER = "another customer"
ADMIN = "admin"

# Every way of not proving who one is, other than sending nothing.
EXPIRED = "expired token"
DELETED_USER = "token of a deleted user"
FOREIGN_SECRET = "token signed with another secret"
UNSIGNED = "unsigned token (alg none)"
FOREIGN_ISSUER = "token from another issuer"
NOT_A_JWT = "Bearer not-a-jwt"
BASIC = "Basic credentials"
EMPTY_BEARER = "Bearer with nothing"
BAD_CREDENTIALS = (
    EXPIRED,
    DELETED_USER,
    FOREIGN_SECRET,
    UNSIGNED,
    FOREIGN_ISSUER,
    NOT_A_JWT,
    BASIC,
    EMPTY_BEARER,
)

# --- the expectations --------------------------------------------------------------------------

# "Own id" is the id of the user the caller's token names (the customer's, for callers with no
# user of their own); "another user" is always someone else. "Own order" and "another
# customer's order" are read the same way. Paying, shipping and cancelling act on an order of
# the customer, in the state the action starts from: for them, "customer" is the order's owner.
# The last column stands for every caller in BAD_CREDENTIALS.
#
#                                                           anonymous
#                                                           |    customer
#                                                           |    |    another customer
#                                                           |    |    |    admin
#                                                           |    |    |    |    bad credentials
MATRIX: dict[str, tuple[int, int, int, int, int]] = {
    "GET /health/live":                                    (200, 200, 200, 200, 200),
    "GET /health/ready":                                   (200, 200, 200, 200, 200),
    "GET /metrics":                                        (200, 200, 200, 200, 200),
    "POST /auth/token":                                    (200, 200, 200, 200, 200),
    "POST /users":                                         (201, 201, 201, 201, 201),
    "GET /users/me":                                       (401, 200, 200, 200, 401),
    "PATCH /users/me":                                     (401, 200, 200, 200, 401),
    "GET /users":                                          (401, 403, 403, 200, 401),
    "GET /users/{id} (own id)":                            (401, 200, 200, 200, 401),
    "GET /users/{id} (another user)":                      (401, 404, 404, 200, 401),
    "PATCH /users/{id} (another user)":                    (401, 403, 403, 200, 401),
    "GET /products":                                       (200, 200, 200, 200, 200),
    "GET /products/{id}":                                  (200, 200, 200, 200, 200),
    "POST /products":                                      (401, 403, 403, 201, 401),
    "PATCH /products/{id}":                                (401, 403, 403, 200, 401),
    "DELETE /products/{id}":                               (401, 403, 403, 204, 401),
    "POST /orders":                                        (401, 201, 201, 201, 401),
    "GET /orders (own orders)":                            (401, 200, 200, 200, 401),
    "GET /orders (user_id of another user)":               (401, 403, 403, 200, 401),
    "GET /orders/{id} (own order)":                        (401, 200, 200, 200, 401),
    "GET /orders/{id} (another customer's order)":         (401, 404, 404, 200, 401),
    "POST /orders/{id}/pay (customer's pending order)":    (401, 200, 404, 403, 401),
    "POST /orders/{id}/ship (customer's paid order)":      (401, 403, 404, 200, 401),
    "POST /orders/{id}/cancel (customer's pending order)": (401, 200, 404, 200, 401),
}  # fmt: skip

CALLERS = (ANONYMOUS, CUSTOMER, OTHER_CUSTOMER, ADMIN, *BAD_CREDENTIALS)


def expected_status(route: str, caller: str) -> int:
    anonymous, customer, other_customer, admin, bad = MATRIX[route]
    by_caller = {ANONYMOUS: anonymous, CUSTOMER: customer, OTHER_CUSTOMER: other_customer}
    return {**by_caller, ADMIN: admin}.get(caller, bad)


CASES = [(route, caller) for route in MATRIX for caller in CALLERS]


# --- the world every case runs in --------------------------------------------------------------


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


@pytest.fixture
async def world(
    request: pytest.FixtureRequest,
    container: "Container",
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
) -> World:
    caller: str = request.param
    product = await create_product(
        client, admin, "Desk lamp", price="30.00", quantity=PRODUCT_STOCK
    )

    own_id, other_id = customer.id, other_customer.id
    headers: dict[str, str] = {}
    if caller in (CUSTOMER, OTHER_CUSTOMER, ADMIN):
        me = {CUSTOMER: customer, OTHER_CUSTOMER: other_customer, ADMIN: admin}[caller]
        headers, own_id = me.headers, me.id
        other_id = customer.id if me is not customer else other_customer.id
    elif caller == DELETED_USER:
        own_id, headers = await deleted_user_headers(container, client, db)
    elif caller in FORGED_AUTHORIZATION:
        headers = {"Authorization": FORGED_AUTHORIZATION[caller](customer.id)}
    else:
        assert caller == ANONYMOUS, f"no credentials defined for {caller!r}"
    return World(admin, customer, other_customer, product["id"], caller, headers, own_id, other_id)


# --- the routes: how to call each, and what a call must have done ------------------------------


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


# --- the orders a call needs, placed through the API before it ----------------------------------


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


# --- the matrix --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "world"),
    CASES,
    ids=[f"{route} as {caller}" for route, caller in CASES],
    indirect=["world"],
)
async def test_route_answers_caller_as_the_matrix_says(
    client: AsyncClient, db: AsyncEngine, route: str, world: World
) -> None:
    expected = expected_status(route, world.caller)
    world = await CALLS[route].arrange(client, world)

    response = await call(client, route, world)

    assert response.status_code == expected, response.text
    if expected == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    if expected >= 400:
        assert_problem(response, expected)
    await CALLS[route].check(db, world, response)


async def test_a_token_made_like_the_forged_ones_but_valid_is_accepted(
    client: AsyncClient, customer: "Caller"
) -> None:
    """The control for the forged tokens: each is refused for its one defect, not by accident."""
    token = signed(claims_for(customer.id))

    response = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200, response.text
    assert response.json()["id"] == customer.id


# --- the matrix itself stays complete ----------------------------------------------------------


def route_key(method: str, path: str) -> str:
    for name in ("{user_id}", "{product_id}", "{order_id}"):
        path = path.replace(name, "{id}")
    return f"{method} {path}"


COVERED_PREFIXES = ("/health", "/metrics", "/auth", "/users", "/products", "/orders")


async def test_the_matrix_covers_every_route_of_the_covered_apis(app: "FastAPI") -> None:
    # The OpenAPI document lists every route the app serves, by path template and method.
    served = {
        route_key(method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(COVERED_PREFIXES)
        for method in operations
    }
    in_matrix = {name.split(" (")[0] for name in MATRIX}

    assert served == in_matrix


def test_every_route_in_the_matrix_has_a_way_to_call_it() -> None:
    assert CALLS.keys() == MATRIX.keys()
