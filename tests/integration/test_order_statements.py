"""How many SQL statements an orders request sends: a fixed number, whatever the size.

`counting_statements` (tests/integration/statements.py) counts every statement the app sends
while one request is served (the requests run one at a time). Reading 1 order or 100, an
order of 1 line or 50, placing or cancelling 1 line or 50: the same count each time, so
there is no N+1.
The budgets are the counts measured when these tests were written: a change that adds a
round trip to every request fails here and has to say why.
"""

from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import rows
from tests.integration.statements import counting_statements

if TYPE_CHECKING:
    from shop.container import Container
    from tests.plugins.users import Caller

# Each budget counts the statement that finds the caller behind the bearer token.
LIST_BUDGET = 2  # the caller; one page of orders with their lines
READ_BUDGET = 2  # the caller; the order with its lines
PLACE_BUDGET = 3  # the caller; lock the products; the order with its lines and the stock left
PLACE_WITH_KEY_BUDGET = 4  # ... and look the key up first (stored with the order)
REPLAY_BUDGET = 3  # the caller; the key; the order it names
CANCEL_BUDGET = 5  # the caller; lock the order; lock its products; save the stock; the status


# --- helpers -----------------------------------------------------------------------------------


async def statements_of(
    container: "Container", client: AsyncClient, method: str, url: str, **kwargs: Any
) -> tuple[Response, list[str]]:
    async with counting_statements(container) as sent:
        response = await client.request(method, url, **kwargs)
    return response, list(sent)


def shown(statements: list[str]) -> str:
    return "\n".join(f"  {n}. {' '.join(s.split())[:160]}" for n, s in enumerate(statements, 1))


def assert_same_budget(budget: int, **counted: list[str]) -> None:
    """Every request sent exactly `budget` statements; the message shows what each sent."""
    counts = {name: len(statements) for name, statements in counted.items()}
    details = "\n".join(f"{name}: {len(s)}\n{shown(s)}" for name, s in counted.items())
    assert set(counts.values()) == {budget}, f"budget {budget}, sent {counts}\n{details}"


async def insert_products(db: AsyncEngine, count: int, quantity: int) -> list[int]:
    async with db.begin() as connection:
        result = await connection.execute(
            text(
                "INSERT INTO products (name, price, quantity) "
                "SELECT 'Part ' || n, 2.50, :q FROM generate_series(1, :count) AS n "
                "RETURNING id"
            ),
            {"q": quantity, "count": count},
        )
        return sorted(result.scalars())


def order_body(product_ids: list[int], quantity: int = 1) -> dict[str, Any]:
    return {"items": [{"product_id": pid, "quantity": quantity} for pid in product_ids]}


async def place_ok(client: AsyncClient, caller: "Caller", product_ids: list[int]) -> int:
    response = await client.post("/orders", json=order_body(product_ids), headers=caller.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# --- the budgets -------------------------------------------------------------------------------


async def test_listing_1_or_100_orders_of_several_lines_sends_the_same_statements(
    container: "Container",
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    other_customer: "Caller",
) -> None:
    product_ids = await insert_products(db, 4, quantity=1000)
    for n in range(105):
        buyer = customer if n % 2 else other_customer
        await place_ok(client, buyer, product_ids[: 2 + n % 3])

    one, one_sent = await statements_of(
        container, client, "GET", "/orders", params={"limit": 1}, headers=admin.headers
    )
    hundred, hundred_sent = await statements_of(
        container, client, "GET", "/orders", params={"limit": 100}, headers=admin.headers
    )
    own, own_sent = await statements_of(
        container, client, "GET", "/orders", params={"limit": 100}, headers=customer.headers
    )

    assert len(one.json()["items"]) == 1
    assert len(hundred.json()["items"]) == 100
    assert len(own.json()["items"]) == 52
    assert {len(order["items"]) for order in hundred.json()["items"]} == {2, 3, 4}
    assert_same_budget(LIST_BUDGET, limit_1=one_sent, limit_100=hundred_sent, own_orders=own_sent)


async def test_reading_an_order_of_1_or_50_lines_sends_the_same_statements(
    container: "Container", client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    product_ids = await insert_products(db, 50, quantity=10)
    narrow = await place_ok(client, customer, product_ids[:1])
    wide = await place_ok(client, customer, product_ids)

    one, one_sent = await statements_of(
        container, client, "GET", f"/orders/{narrow}", headers=customer.headers
    )
    fifty, fifty_sent = await statements_of(
        container, client, "GET", f"/orders/{wide}", headers=customer.headers
    )

    assert len(one.json()["items"]) == 1
    assert len(fifty.json()["items"]) == 50
    assert_same_budget(READ_BUDGET, one_line=one_sent, fifty_lines=fifty_sent)


@pytest.mark.parametrize(
    ("key", "budget"),
    [(None, PLACE_BUDGET), ("with-a-key", PLACE_WITH_KEY_BUDGET)],
    ids=["without a key", "with an Idempotency-Key"],
)
async def test_placing_an_order_of_1_or_50_lines_sends_the_same_statements(
    container: "Container",
    client: AsyncClient,
    db: AsyncEngine,
    customer: "Caller",
    key: str | None,
    budget: int,
) -> None:
    product_ids = await insert_products(db, 50, quantity=10)
    sent: dict[str, list[str]] = {}

    for name, lines in (("one_line", product_ids[:1]), ("fifty_lines", product_ids)):
        headers = {**customer.headers, **({"Idempotency-Key": f"{key}-{name}"} if key else {})}
        response, sent[name] = await statements_of(
            container, client, "POST", "/orders", json=order_body(lines), headers=headers
        )
        assert response.status_code == 201, response.text
        assert len(response.json()["items"]) == len(lines)

    assert_same_budget(budget, **sent)
    [taken] = await rows(db, "SELECT sum(10 - quantity) AS taken FROM products")
    assert taken["taken"] == 51


async def test_replaying_an_order_of_1_or_50_lines_sends_the_same_statements(
    container: "Container", client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    product_ids = await insert_products(db, 50, quantity=10)
    sent: dict[str, list[str]] = {}

    for name, lines in (("one_line", product_ids[:1]), ("fifty_lines", product_ids)):
        headers = {**customer.headers, "Idempotency-Key": name}
        first = await client.post("/orders", json=order_body(lines), headers=headers)
        replay, sent[name] = await statements_of(
            container, client, "POST", "/orders", json=order_body(lines), headers=headers
        )
        assert replay.status_code in {200, 201}, replay.text
        assert replay.json() == first.json()

    assert_same_budget(REPLAY_BUDGET, **sent)


async def test_cancelling_an_order_of_1_or_50_lines_sends_the_same_statements(
    container: "Container", client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    product_ids = await insert_products(db, 50, quantity=10)
    narrow = await place_ok(client, customer, product_ids[:1])
    wide = await place_ok(client, customer, product_ids)

    one, one_sent = await statements_of(
        container, client, "POST", f"/orders/{narrow}/cancel", headers=customer.headers
    )
    fifty, fifty_sent = await statements_of(
        container, client, "POST", f"/orders/{wide}/cancel", headers=customer.headers
    )

    assert (one.json()["status"], fifty.json()["status"]) == ("cancelled", "cancelled")
    assert_same_budget(CANCEL_BUDGET, one_line=one_sent, fifty_lines=fifty_sent)
    [left] = await rows(db, "SELECT min(quantity) AS low, max(quantity) AS high FROM products")
    assert (left["low"], left["high"]) == (10, 10)
