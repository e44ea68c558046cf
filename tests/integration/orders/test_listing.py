"""Listing orders (GET /orders): a customer sees their own, an admin everyone's, newest first."""

import base64
from typing import TYPE_CHECKING, Any

from httpx import AsyncClient

from tests.integration.helpers import (
    DB_INT_MAX,
    cursor_of,
    ids,
    walk_pages,
)
from tests.integration.orders.ordering import act_ok, list_orders, place_ok, wrong_refusals
from tests.integration.problems import assert_problem

if TYPE_CHECKING:
    from tests.plugins.users import Caller


async def place_many(
    client: AsyncClient, caller: "Caller", product_id: int, quantities: list[int]
) -> list[dict[str, Any]]:
    """One order per quantity, one after the other (so ids grow in this order)."""
    return [await place_ok(client, caller, (product_id, q)) for q in quantities]


async def test_a_customer_lists_only_their_own_orders_newest_first(
    client: AsyncClient,
    customer: "Caller",
    other_customer: "Caller",
    beans: dict[str, Any],
) -> None:
    mine = await place_many(client, customer, beans["id"], [1, 2])
    theirs = await place_many(client, other_customer, beans["id"], [3])
    mine += await place_many(client, customer, beans["id"], [4])

    page = await list_orders(client, customer)
    their_page = await list_orders(client, other_customer)

    assert page == {"items": list(reversed(mine)), "next_cursor": None}
    assert their_page == {"items": theirs, "next_cursor": None}


async def test_an_admin_lists_everyones_orders_newest_first(
    client: AsyncClient,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
    beans: dict[str, Any],
) -> None:
    placed = [
        await place_ok(client, caller, (beans["id"], 1))
        for caller in (customer, other_customer, admin, customer)
    ]

    page = await list_orders(client, admin)

    assert page == {"items": list(reversed(placed)), "next_cursor": None}


async def test_an_admin_lists_one_users_orders_with_user_id(
    client: AsyncClient,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
    beans: dict[str, Any],
) -> None:
    mine = await place_many(client, customer, beans["id"], [1])
    theirs = await place_many(client, other_customer, beans["id"], [1, 2])
    mine += await place_many(client, customer, beans["id"], [3])

    assert ids((await list_orders(client, admin, user_id=customer.id))["items"]) == ids(
        list(reversed(mine))
    )
    assert ids((await list_orders(client, admin, user_id=other_customer.id))["items"]) == ids(
        list(reversed(theirs))
    )
    assert (await list_orders(client, admin, user_id=admin.id))["items"] == []


async def test_a_customer_may_name_themself_as_user_id(
    client: AsyncClient, customer: "Caller", other_customer: "Caller", beans: dict[str, Any]
) -> None:
    mine = await place_many(client, customer, beans["id"], [1])
    await place_many(client, other_customer, beans["id"], [1])

    assert (await list_orders(client, customer, user_id=customer.id))["items"] == mine


async def test_a_customer_asking_for_another_users_orders_is_a_403(
    client: AsyncClient, customer: "Caller", other_customer: "Caller", beans: dict[str, Any]
) -> None:
    await place_many(client, other_customer, beans["id"], [1])

    response = await client.get(
        "/orders", params={"user_id": other_customer.id}, headers=customer.headers
    )

    problem = assert_problem(response, 403)
    assert str(other_customer.id) not in problem["detail"]


async def test_the_status_filter_keeps_only_orders_in_that_status(
    client: AsyncClient,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
    beans: dict[str, Any],
) -> None:
    placed: dict[str, list[dict[str, Any]]] = {
        s: [] for s in ("pending", "paid", "shipped", "cancelled")
    }
    for caller in (customer, other_customer):
        pending, paid, shipped, cancelled, pending_too = await place_many(
            client, caller, beans["id"], [1, 1, 1, 1, 1]
        )
        await act_ok(client, caller, "pay", paid["id"])
        await act_ok(client, caller, "pay", shipped["id"])
        await act_ok(client, admin, "ship", shipped["id"])
        await act_ok(client, caller, "cancel", cancelled["id"])
        placed["pending"] += [pending, pending_too]
        placed["paid"].append(paid)
        placed["shipped"].append(shipped)
        placed["cancelled"].append(cancelled)

    for status, orders in placed.items():
        everyones = (await list_orders(client, admin, status=status))["items"]
        own = (await list_orders(client, customer, status=status))["items"]
        one_users = await list_orders(client, admin, status=status, user_id=other_customer.id)

        assert ids(everyones) == sorted(ids(orders), reverse=True), status
        assert {order["status"] for order in everyones} == {status}
        expected_own = [o for o in everyones if o["user_id"] == customer.id]
        assert ids(own) == ids(expected_own) != [], status
        expected_theirs = [o for o in everyones if o["user_id"] == other_customer.id]
        assert ids(one_users["items"]) == ids(expected_theirs) != [], status


async def test_walking_every_page_lists_each_order_once_newest_first(
    client: AsyncClient,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
    beans: dict[str, Any],
) -> None:
    placed = []
    for n in range(7):
        caller = customer if n % 3 else other_customer
        placed.append((await place_ok(client, caller, (beans["id"], 1)))["id"])
    mine = sorted((p for n, p in enumerate(placed) if n % 3), reverse=True)

    for limit in (1, 2, 3, 4, 6, 7, 8, 100):
        everyones = [
            ids(p) for p in await walk_pages(client, "/orders", admin.headers, limit=limit)
        ]
        own = [ids(p) for p in await walk_pages(client, "/orders", customer.headers, limit=limit)]

        assert [len(page) for page in everyones[:-1]] == [limit] * (len(everyones) - 1)
        assert 1 <= len(everyones[-1]) <= limit, (limit, everyones)
        assert [i for page in everyones for i in page] == sorted(placed, reverse=True), limit
        assert [i for page in own for i in page] == mine, limit


MALFORMED_CURSORS = {
    "empty": "",
    "not base64": "garbage!",
    "not JSON": base64.urlsafe_b64encode(b"not json").decode(),
    "an object": cursor_of({"orders": 5}),
    "the products listing's cursor": cursor_of(["id", 5]),
    "no key": cursor_of(["orders"]),
    "two keys": cursor_of(["orders", 5, 6]),
    "id as string": cursor_of(["orders", "5"]),
    "id as boolean": cursor_of(["orders", True]),
    "id as float": cursor_of(["orders", 5.0]),
    "id 0": cursor_of(["orders", 0]),
    "negative id": cursor_of(["orders", -1]),
    "id 2147483648": cursor_of(["orders", DB_INT_MAX + 1]),
    "513 characters": "A" * 513,
}


async def test_a_malformed_cursor_is_a_422_problem(
    client: AsyncClient, admin: "Caller", customer: "Caller", beans: dict[str, Any]
) -> None:
    await place_many(client, customer, beans["id"], [1, 1])

    answers = {
        f"{case} as {who}": await client.get(
            "/orders", params={"cursor": cursor}, headers=caller.headers
        )
        for case, cursor in MALFORMED_CURSORS.items()
        for who, caller in (("customer", customer), ("admin", admin))
    }

    assert wrong_refusals(answers, 422, "cursor") == []


async def test_a_bad_listing_parameter_is_a_422_problem(
    client: AsyncClient, admin: "Caller"
) -> None:
    bad = [
        ("limit", "0"),
        ("limit", "101"),
        ("limit", "ten"),
        ("status", "lost"),
        ("status", "PENDING"),
        ("user_id", "0"),
        ("user_id", str(DB_INT_MAX + 1)),
        ("user_id", "me"),
    ]

    wrong = [
        mistake
        for param, value in bad
        for mistake in wrong_refusals(
            {
                f"{param}={value}": await client.get(
                    "/orders", params={param: value}, headers=admin.headers
                )
            },
            422,
            param,
        )
    ]

    assert wrong == []


async def test_no_orders_is_one_empty_page(client: AsyncClient, customer: "Caller") -> None:
    assert await list_orders(client, customer) == {"items": [], "next_cursor": None}
