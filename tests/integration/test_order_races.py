"""Orders racing for stock, for one order's state, and behind one Idempotency-Key.

Every request of a race goes out together over the one client (`asyncio.gather`), so the app
serves them concurrently on its pool (5 + 10 connections) with real commits. Whatever the
interleaving, the products table must balance: the stock at the start equals the stock left
plus what the live (not cancelled) orders hold, no line is ever taken twice, and no request
fails with a 5xx (a deadlock or a pool timeout would show as one).
"""

import asyncio
import random
from collections import Counter
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import act, create_product, rows, stock
from tests.integration.problems import assert_problem
from tests.plugins.users import a_caller

if TYPE_CHECKING:
    from shop.container import Container
    from tests.plugins.users import Caller

PRICE = "3.50"
"""What every product here costs: the races are about stock, not money."""


# --- helpers -----------------------------------------------------------------------------------


async def buyers(container: "Container", client: AsyncClient, count: int) -> list["Caller"]:
    return [await a_caller(container, client, f"buyer{n}", admin=False) for n in range(count)]


def order_body(lines: list[tuple[int, int]]) -> dict[str, Any]:
    return {"items": [{"product_id": pid, "quantity": qty} for pid, qty in lines]}


async def place(
    client: AsyncClient, caller: "Caller", lines: list[tuple[int, int]], key: str | None = None
) -> Response:
    headers = {**caller.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return await client.post("/orders", json=order_body(lines), headers=headers)


async def held_by_live_orders(db: AsyncEngine) -> dict[int, int]:
    """Per product, the quantity that orders not cancelled hold, from order_items."""
    held = await rows(
        db,
        "SELECT i.product_id, sum(i.quantity) AS held FROM order_items i "
        "JOIN orders o ON o.id = i.order_id WHERE o.status <> 'cancelled' "
        "GROUP BY i.product_id",
    )
    return {r["product_id"]: int(r["held"]) for r in held}


async def assert_stock_balances(db: AsyncEngine, initial: dict[int, int]) -> dict[int, int]:
    """Initial stock == stock left + what live orders hold, for every product; none negative."""
    left, held = await stock(db), await held_by_live_orders(db)
    assert all(quantity >= 0 for quantity in left.values()), left
    assert {pid: left[pid] + held.get(pid, 0) for pid in initial} == initial, (left, held)
    return left


class PoolWatch:
    """The most connections the app held from its pool at once since the last `reset`."""

    def __init__(self, container: "Container") -> None:
        self.pool = container.engine().sync_engine.pool
        self.peak = 0

    def reset(self) -> None:
        self.peak = self.pool.checkedout()

    def on_checkout(self, *_: Any) -> None:
        self.peak = max(self.peak, self.pool.checkedout())


async def race(watch: PoolWatch, calls: list[Coroutine[Any, Any, Response]]) -> list[Response]:
    """Send every request at once; fail unless they really overlapped on the app's pool."""
    watch.reset()
    responses = list(await asyncio.gather(*calls))
    assert watch.peak >= 2, f"{len(calls)} requests never held two connections at once"
    return responses


def statuses(responses: list[Response]) -> Counter[int]:
    return Counter(response.status_code for response in responses)


async def order_count(db: AsyncEngine) -> int:
    [row] = await rows(db, "SELECT count(*) AS n FROM orders")
    return int(row["n"])


@pytest.fixture
def pool_watch(container: "Container") -> Iterator[PoolWatch]:
    """Proof that a race really ran concurrently: several connections were busy at once."""
    watch = PoolWatch(container)
    event.listen(watch.pool, "checkout", watch.on_checkout)
    yield watch
    event.remove(watch.pool, "checkout", watch.on_checkout)


# --- racing for stock --------------------------------------------------------------------------


async def test_of_100_buyers_racing_for_10_items_exactly_10_get_one(
    container: "Container",
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    pool_watch: PoolWatch,
) -> None:
    product = await create_product(
        client, admin, "Limited edition grinder", price=PRICE, quantity=10
    )
    customers = await buyers(container, client, 5)
    callers = [customers[n % len(customers)] for n in range(100)]

    responses = await race(
        pool_watch, [place(client, caller, [(product["id"], 1)]) for caller in callers]
    )

    assert statuses(responses) == {201: 10, 409: 90}, [r.text for r in responses]
    won = [
        (caller, r.json())
        for caller, r in zip(callers, responses, strict=True)
        if r.status_code == 201
    ]
    assert len({order["id"] for _, order in won}) == 10
    assert all(order["user_id"] == caller.id for caller, order in won)
    for response in responses:
        if response.status_code == 409:
            assert "Limited edition grinder" in assert_problem(response, 409)["detail"]
    assert await stock(db) == {product["id"]: 0}
    [taken] = await rows(
        db, "SELECT count(DISTINCT order_id) AS orders, sum(quantity) AS items FROM order_items"
    )
    assert (taken["orders"], taken["items"]) == (10, 10)
    assert await order_count(db) == 10
    stored = await rows(db, "SELECT id, user_id FROM orders ORDER BY id")
    assert stored == sorted(
        ({"id": order["id"], "user_id": caller.id} for caller, order in won),
        key=lambda row: row["id"],
    )


def random_orders(
    rng: random.Random, product_ids: list[int], count: int
) -> list[list[tuple[int, int]]]:
    """Multi-line orders whose lines list the products ascending, descending or shuffled."""
    orders = []
    for n in range(count):
        chosen = sorted(rng.sample(product_ids, rng.randint(2, len(product_ids))))
        if n % 3 == 1:
            chosen.reverse()
        elif n % 3 == 2:
            rng.shuffle(chosen)
        orders.append([(pid, rng.randint(1, 3)) for pid in chosen])
    return orders


async def test_multi_line_orders_listing_products_in_opposite_orders_never_deadlock_or_oversell(
    container: "Container",
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    pool_watch: PoolWatch,
) -> None:
    rng = random.Random(20261125)  # noqa: S311 - a repeatable mix, not a secret
    products = [
        await create_product(client, admin, f"Part {n}", price=PRICE, quantity=25) for n in range(6)
    ]
    product_ids = [p["id"] for p in products]
    initial = await stock(db)
    customers = await buyers(container, client, 4)
    # The extreme pair first: every product, one order ascending and one descending.
    everything = [(pid, 1) for pid in product_ids]
    first_wave = [everything, everything[::-1], *random_orders(rng, product_ids, 78)]

    placed = await race(
        pool_watch,
        [place(client, customers[n % 4], lines) for n, lines in enumerate(first_wave)],
    )

    assert set(statuses(placed)) <= {201, 409}, statuses(placed)
    assert statuses(placed)[201] >= 2, "the shelves hold enough for a few orders at least"
    assert statuses(placed)[409] >= 1, "the race must exhaust some product"
    await assert_stock_balances(db, initial)
    for lines, response in zip(first_wave, placed, strict=True):
        if response.status_code == 201:
            assert sorted((i["product_id"], i["quantity"]) for i in response.json()["items"]) == (
                sorted(lines)
            )

    # Second wave: every order of the first is cancelled (by its owner or an admin) while
    # new orders, again in opposite line orders, race for what comes back.
    winners = [
        (customers[n % 4], response.json()["id"])
        for n, response in enumerate(placed)
        if response.status_code == 201
    ]
    cancels = [
        act(client, owner if n % 2 else admin, "cancel", order_id)
        for n, (owner, order_id) in enumerate(winners)
    ]
    second_wave = random_orders(rng, product_ids, 40)
    places = [place(client, customers[n % 4], lines) for n, lines in enumerate(second_wave)]
    racing = [coroutine for pair in zip(places, cancels, strict=False) for coroutine in pair]
    racing += places[len(cancels) :] + cancels[len(places) :]

    responses = await race(pool_watch, racing)

    cancelled = [r for r in responses if r.request.url.path.endswith("/cancel")]
    assert statuses(cancelled) == {200: len(winners)}, [r.text for r in cancelled]
    assert set(statuses(responses)) <= {200, 201, 409}, statuses(responses)
    await assert_stock_balances(db, initial)
    live = await rows(db, "SELECT id FROM orders WHERE status <> 'cancelled' ORDER BY id")
    new = sorted(r.json()["id"] for r in responses if r.status_code == 201)
    assert [row["id"] for row in live] == new


# --- racing for one order's state --------------------------------------------------------------


@pytest.mark.parametrize("state", ["pending", "paid"])
async def test_of_concurrent_cancels_and_pays_exactly_one_cancel_wins_and_stock_returns_once(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    state: str,
    pool_watch: PoolWatch,
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=10)
    scale = await create_product(client, admin, "Scale", price=PRICE, quantity=10)
    initial = await stock(db)
    order = (await place(client, customer, [(kettle["id"], 4), (scale["id"], 7)])).json()
    if state == "paid":
        assert (await act(client, customer, "pay", order["id"])).status_code == 200

    calls = []
    for n in range(10):
        calls.append(act(client, customer if n % 2 else admin, "cancel", order["id"]))
        calls.append(act(client, customer, "pay", order["id"]))
    responses = await race(pool_watch, calls)

    cancels, pays = responses[0::2], responses[1::2]
    assert statuses(cancels) == {200: 1, 409: 9}, [r.text for r in cancels]
    most_pays = 1 if state == "pending" else 0
    assert statuses(pays)[200] <= most_pays, [r.text for r in pays]
    assert set(statuses(pays)) <= {200, 409}
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409)
    [row] = await rows(db, "SELECT status FROM orders WHERE id = :id", id=order["id"])
    assert row["status"] == "cancelled"
    assert await stock(db) == initial


async def test_a_paid_order_raced_by_ships_and_cancels_ends_shipped_or_cancelled_never_both(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller", pool_watch: PoolWatch
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=10)
    order = (await place(client, customer, [(kettle["id"], 4)])).json()
    assert (await act(client, customer, "pay", order["id"])).status_code == 200

    calls = [act(client, admin, "ship" if n % 2 else "cancel", order["id"]) for n in range(16)]
    responses = await race(pool_watch, calls)

    ships, cancels = responses[1::2], responses[0::2]
    assert statuses(responses) == {200: 1, 409: 15}, [r.text for r in responses]
    [row] = await rows(db, "SELECT status FROM orders WHERE id = :id", id=order["id"])
    if statuses(ships)[200]:
        assert row["status"] == "shipped"
        assert await stock(db) == {kettle["id"]: 6}
    else:
        assert statuses(cancels)[200] == 1
        assert row["status"] == "cancelled"
        assert await stock(db) == {kettle["id"]: 10}


# --- idempotent retries ------------------------------------------------------------------------


async def test_a_retry_with_the_same_key_and_body_returns_the_first_order_and_takes_no_stock(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=3)
    lines = [(kettle["id"], 3)]  # the whole shelf: a retry that ordered again would be a 409

    first = await place(client, customer, lines, key="order-2026-0001")
    retries = [await place(client, customer, lines, key="order-2026-0001") for _ in range(3)]

    assert first.status_code == 201, first.text
    for retry in retries:
        assert retry.status_code in {200, 201}, retry.text
        if retry.status_code == 200:
            assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json() == first.json()
        assert retry.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert await stock(db) == {kettle["id"]: 0}
    assert await order_count(db) == 1


async def test_the_same_lines_in_another_order_are_the_same_body(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=10)
    scale = await create_product(client, admin, "Scale", price=PRICE, quantity=10)

    first = await place(client, customer, [(kettle["id"], 1), (scale["id"], 2)], key="k-1")
    again = await place(client, customer, [(scale["id"], 2), (kettle["id"], 1)], key="k-1")

    assert first.status_code == 201, first.text
    assert again.status_code in {200, 201}, again.text
    assert again.json()["id"] == first.json()["id"]
    assert await stock(db) == {kettle["id"]: 9, scale["id"]: 8}
    assert await order_count(db) == 1


@pytest.mark.parametrize(
    "change",
    ["another quantity", "another product", "one line more", "one line less"],
)
async def test_the_same_key_with_a_different_body_is_a_422_that_takes_nothing(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller", change: str
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=10)
    scale = await create_product(client, admin, "Scale", price=PRICE, quantity=10)
    lines = [(kettle["id"], 1), (scale["id"], 1)]
    first = await place(client, customer, lines, key="k-1")
    assert first.status_code == 201, first.text
    other = {
        "another quantity": [(kettle["id"], 2), (scale["id"], 1)],
        "another product": [(kettle["id"], 1), (scale["id"] + 1, 1)],
        "one line more": [*lines, (scale["id"] + 1, 1)],
        "one line less": lines[:1],
    }[change]
    if change in {"another product", "one line more"}:
        await create_product(client, admin, "Milk jug", price=PRICE, quantity=10)

    response = await place(client, customer, other, key="k-1")

    problem = assert_problem(response, 422)
    assert "Idempotency-Key" in str(problem["errors"]) or "Idempotency-Key" in problem["detail"]
    assert "location" not in response.headers
    assert await order_count(db) == 1
    assert (await stock(db))[kettle["id"]] == 9
    assert (await stock(db))[scale["id"]] == 9
    # The key still names the first order.
    retry = await place(client, customer, lines, key="k-1")
    assert retry.json()["id"] == first.json()["id"]


async def test_the_same_key_from_another_user_places_that_users_own_order(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=10)

    mine = await place(client, customer, [(kettle["id"], 2)], key="shared-key")
    theirs = await place(client, other_customer, [(kettle["id"], 2)], key="shared-key")
    theirs_different = await place(client, admin, [(kettle["id"], 5)], key="shared-key")

    assert (mine.status_code, theirs.status_code, theirs_different.status_code) == (201, 201, 201)
    assert mine.json()["user_id"] == customer.id
    assert theirs.json()["user_id"] == other_customer.id
    assert theirs_different.json()["user_id"] == admin.id
    assert len({mine.json()["id"], theirs.json()["id"], theirs_different.json()["id"]}) == 3
    assert await stock(db) == {kettle["id"]: 1}
    assert await order_count(db) == 3


async def test_concurrent_requests_with_one_key_make_one_order_and_take_stock_once(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller", pool_watch: PoolWatch
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=100)
    scale = await create_product(client, admin, "Scale", price=PRICE, quantity=100)
    lines = [(kettle["id"], 2), (scale["id"], 3)]

    responses = await race(
        pool_watch, [place(client, customer, lines, key="double-click") for _ in range(10)]
    )

    assert set(statuses(responses)) <= {200, 201, 409}, [r.text for r in responses]
    answered = [r for r in responses if r.status_code in {200, 201}]
    assert answered, "at least the first request is served"
    assert len({r.json()["id"] for r in answered}) == 1
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409)
    assert await order_count(db) == 1
    assert await stock(db) == {kettle["id"]: 98, scale["id"]: 97}
    [record] = await rows(db, "SELECT user_id, key, order_id FROM idempotency_keys")
    assert record == {
        "user_id": customer.id,
        "key": "double-click",
        "order_id": answered[0].json()["id"],
    }


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"k" * 256, id="256 characters"),
        pytest.param(b"two words", id="a space"),
        pytest.param("clé-à-molette".encode(), id="non-ASCII"),
        pytest.param(b"tab\there", id="a tab"),
    ],
)
async def test_an_invalid_idempotency_key_is_a_422_that_takes_nothing(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller", key: bytes
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=10)

    response = await client.post(
        "/orders",
        json=order_body([(kettle["id"], 1)]),
        headers={**customer.headers, "Idempotency-Key": key},
    )

    problem = assert_problem(response, 422)
    assert any("idempotency" in str(e["loc"]).lower() for e in problem["errors"]), problem
    assert await stock(db) == {kettle["id"]: 10}
    assert await order_count(db) == 0


async def test_the_longest_key_and_any_visible_ascii_are_valid_keys(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    kettle = await create_product(client, admin, "Kettle", price=PRICE, quantity=10)
    longest, punctuated = "k" * 255, "".join(chr(c) for c in range(0x21, 0x7F))

    for key in (longest, punctuated):
        first = await place(client, customer, [(kettle["id"], 1)], key=key)
        again = await place(client, customer, [(kettle["id"], 1)], key=key)
        assert first.status_code == 201, first.text
        assert again.json()["id"] == first.json()["id"]

    assert await stock(db) == {kettle["id"]: 8}
    stored = await rows(db, "SELECT key FROM idempotency_keys ORDER BY key")
    assert sorted(row["key"] for row in stored) == sorted([longest, punctuated])
