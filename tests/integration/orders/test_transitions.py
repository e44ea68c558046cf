"""Paying, shipping and cancelling an order: who may make each move, from which state, and
the stock a cancellation returns.
"""

from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import act, create_product, rows, stock
from tests.integration.orders.ordering import (
    act_ok,
    assert_order_shape,
    at,
    count,
    masked,
    order_row,
    place_ok,
)
from tests.integration.problems import assert_problem

if TYPE_CHECKING:
    from tests.plugins.users import Caller


async def order_in_state(
    client: AsyncClient, admin: "Caller", owner: "Caller", lines: list[tuple[int, int]], state: str
) -> dict[str, Any]:
    """An order of `owner`'s, moved by the rightful callers into `state`."""
    order = await place_ok(client, owner, *lines)
    path = {
        "pending": [],
        "paid": [(owner, "pay")],
        "shipped": [(owner, "pay"), (admin, "ship")],
        "cancelled": [(owner, "cancel")],
    }[state]
    for caller, action in path:
        order = await act_ok(client, caller, action, order["id"])
    assert order["status"] == state
    return order


async def snapshot(db: AsyncEngine) -> tuple[list[dict[str, Any]], dict[int, int], int]:
    """The orders rows, the stock of every product and the number of order items."""
    orders = await rows(db, "SELECT * FROM orders ORDER BY id")
    return orders, await stock(db), await count(db, "order_items")


async def test_the_owner_pays_a_pending_order(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", espresso: dict[str, Any]
) -> None:
    order = await place_ok(client, customer, (espresso["id"], 2))

    paid = await act_ok(client, customer, "pay", order["id"])

    assert_order_shape(paid)
    assert paid["status"] == "paid"
    assert {k: v for k, v in paid.items() if k not in {"status", "updated_at"}} == {
        k: v for k, v in order.items() if k not in {"status", "updated_at"}
    }
    assert at(paid, "updated_at") > at(order, "updated_at")
    row = await order_row(db, order["id"])
    assert (row["status"], row["updated_at"]) == ("paid", at(paid, "updated_at"))
    assert await stock(db) == {espresso["id"]: 8}
    fetched = await client.get(f"/orders/{order['id']}", headers=customer.headers)
    assert fetched.json() == paid


async def test_an_admin_ships_a_paid_order(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    espresso: dict[str, Any],
) -> None:
    paid = await order_in_state(client, admin, customer, [(espresso["id"], 2)], "paid")

    shipped = await act_ok(client, admin, "ship", paid["id"])

    assert shipped["status"] == "shipped"
    assert shipped["user_id"] == customer.id
    assert shipped["items"] == paid["items"]
    assert at(shipped, "updated_at") > at(paid, "updated_at")
    assert (await order_row(db, paid["id"]))["status"] == "shipped"
    assert await stock(db) == {espresso["id"]: 8}


async def test_updated_at_moves_on_every_transition_and_created_at_never(
    client: AsyncClient, admin: "Caller", customer: "Caller", espresso: dict[str, Any]
) -> None:
    placed = await place_ok(client, customer, (espresso["id"], 1))
    paid = await act_ok(client, customer, "pay", placed["id"])
    shipped = await act_ok(client, admin, "ship", placed["id"])
    other = await place_ok(client, customer, (espresso["id"], 1))
    cancelled = await act_ok(client, customer, "cancel", other["id"])

    assert at(placed, "updated_at") < at(paid, "updated_at") < at(shipped, "updated_at")
    assert at(other, "updated_at") < at(cancelled, "updated_at")
    assert placed["created_at"] == paid["created_at"] == shipped["created_at"]
    assert other["created_at"] == cancelled["created_at"]


@pytest.mark.parametrize("canceller", ["owner", "admin"])
@pytest.mark.parametrize("state", ["pending", "paid"])
async def test_cancelling_an_order_returns_its_stock_exactly(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    espresso: dict[str, Any],
    beans: dict[str, Any],
    state: str,
    canceller: str,
) -> None:
    untouched = await create_product(client, admin, "Milk jug", price="12.00", quantity=4)
    order = await order_in_state(
        client, admin, customer, [(espresso["id"], 3), (beans["id"], 7)], state
    )
    other = await place_ok(client, customer, (espresso["id"], 1))
    assert await stock(db) == {espresso["id"]: 6, beans["id"]: 43, untouched["id"]: 4}

    who = customer if canceller == "owner" else admin
    cancelled = await act_ok(client, who, "cancel", order["id"])

    assert cancelled["status"] == "cancelled"
    assert cancelled["items"] == order["items"]
    assert cancelled["total"] == order["total"]
    assert at(cancelled, "updated_at") > at(order, "updated_at")
    assert await stock(db) == {espresso["id"]: 9, beans["id"]: 50, untouched["id"]: 4}
    assert (await order_row(db, order["id"]))["status"] == "cancelled"
    assert (await order_row(db, other["id"]))["status"] == "pending"
    # The lines stay on record: a cancelled order still says what was ordered.
    assert await count(db, "order_items") == 3


@pytest.mark.parametrize(
    ("state", "caller", "action"),
    [("pending", "admin", "pay"), ("paid", "owner", "ship")],
    ids=["an admin may not pay a customer's order", "its owner may not ship even a paid order"],
)
async def test_a_move_the_caller_may_not_make_is_a_403_that_changes_nothing(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    espresso: dict[str, Any],
    state: str,
    caller: str,
    action: str,
) -> None:
    order = await order_in_state(client, admin, customer, [(espresso["id"], 1)], state)
    before = await snapshot(db)

    response = await act(client, customer if caller == "owner" else admin, action, order["id"])

    assert_problem(response, 403)
    assert await snapshot(db) == before


async def test_another_customer_cannot_even_see_an_order_to_move_it(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
    espresso: dict[str, Any],
) -> None:
    orders = [
        await order_in_state(client, admin, customer, [(espresso["id"], 1)], state)
        for state in ("pending", "paid")
    ]
    missing_id = orders[-1]["id"] + 1
    before = await snapshot(db)

    for order in orders:
        for action in ("pay", "ship", "cancel"):
            hidden = await act(client, other_customer, action, order["id"])
            missing = await act(client, other_customer, action, missing_id)

            assert_problem(hidden, 404)
            assert_problem(missing, 404)
            assert masked(hidden, order["id"]) == masked(missing, missing_id)
    assert await snapshot(db) == before


async def test_moving_a_missing_order_is_a_404(
    client: AsyncClient, admin: "Caller", customer: "Caller"
) -> None:
    for caller, action in ((customer, "pay"), (admin, "ship"), (customer, "cancel")):
        problem = assert_problem(await act(client, caller, action, 999), 404)
        assert "999" in problem["detail"]


WRONG_TRANSITIONS = [
    ("paid", "owner", "pay"),
    ("shipped", "owner", "pay"),
    ("cancelled", "owner", "pay"),
    ("pending", "admin", "ship"),
    ("shipped", "admin", "ship"),
    ("cancelled", "admin", "ship"),
    ("shipped", "owner", "cancel"),
    ("shipped", "admin", "cancel"),
    ("cancelled", "owner", "cancel"),
    ("cancelled", "admin", "cancel"),
]


@pytest.mark.parametrize(
    ("state", "caller", "action"),
    WRONG_TRANSITIONS,
    ids=[f"{action} a {state} order as {caller}" for state, caller, action in WRONG_TRANSITIONS],
)
async def test_a_transition_from_the_wrong_state_is_a_409_that_changes_nothing(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    espresso: dict[str, Any],
    beans: dict[str, Any],
    state: str,
    caller: str,
    action: str,
) -> None:
    order = await order_in_state(
        client, admin, customer, [(espresso["id"], 2), (beans["id"], 5)], state
    )
    before = await snapshot(db)

    response = await act(client, customer if caller == "owner" else admin, action, order["id"])

    problem = assert_problem(response, 409)
    assert state in problem["detail"]
    assert await snapshot(db) == before
    fetched = await client.get(f"/orders/{order['id']}", headers=customer.headers)
    assert fetched.json() == order
