"""The orders endpoints over HTTP, as customers and admins see them, checked against the rows.

Products are made by the admin through the API (or, where a test needs dozens, inserted
directly); every other change goes through the endpoints under test. After each refusal the
test reads the products, orders and order_items tables to prove nothing was written.
"""

import base64
import json
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import act, create_product, cursor_of, rows, stock
from tests.integration.problems import assert_problem, error_fields

if TYPE_CHECKING:
    from tests.plugins.users import Caller

ORDER_KEYS = {"id", "user_id", "status", "items", "total", "created_at", "updated_at"}
LINE_KEYS = {"product_id", "product_name", "quantity", "unit_price", "line_total"}
MONEY = re.compile(r"\d+\.\d\d")
DB_INT_MAX = 2_147_483_647


# --- helpers -----------------------------------------------------------------------------------


async def insert_products(db: AsyncEngine, count: int, quantity: int) -> list[int]:
    """`count` products straight into the table (setup for tests that need dozens)."""
    async with db.begin() as connection:
        result = await connection.execute(
            text(
                "INSERT INTO products (name, price, quantity) "
                "SELECT 'Bulk ' || n, 1.25, :q FROM generate_series(1, :count) AS n "
                "RETURNING id"
            ),
            {"q": quantity, "count": count},
        )
        return sorted(result.scalars())


def order_body(*lines: tuple[int, int]) -> dict[str, Any]:
    return {"items": [{"product_id": pid, "quantity": qty} for pid, qty in lines]}


async def place(client: AsyncClient, caller: "Caller", *lines: tuple[int, int]) -> Response:
    return await client.post("/orders", json=order_body(*lines), headers=caller.headers)


async def place_ok(
    client: AsyncClient, caller: "Caller", *lines: tuple[int, int]
) -> dict[str, Any]:
    response = await place(client, caller, *lines)
    assert response.status_code == 201, response.text
    return response.json()


async def act_ok(
    client: AsyncClient, caller: "Caller", action: str, order_id: int
) -> dict[str, Any]:
    response = await act(client, caller, action, order_id)
    assert response.status_code == 200, response.text
    return response.json()


async def order_row(db: AsyncEngine, order_id: int) -> dict[str, Any]:
    [row] = await rows(db, "SELECT * FROM orders WHERE id = :id", id=order_id)
    return row


async def count(db: AsyncEngine, table: str) -> int:
    [row] = await rows(db, f"SELECT count(*) AS n FROM {table}")  # noqa: S608 - fixed names
    return int(row["n"])


def wrong_refusals(
    answers: dict[str, Response], status: int, field: str | None = None
) -> list[str]:
    """The cases (by name) that were not refused with a `status` problem naming `field`.

    For tables of refusals checked against one database: every case is tried and all the
    wrong ones are reported together.
    """
    wrong = []
    for case, response in answers.items():
        try:
            problem = assert_problem(response, status)
            if field is not None:
                assert field in error_fields(problem), problem["errors"]
        except AssertionError as error:
            wrong.append(f"{case}: {error}")
    return wrong


def assert_order_shape(order: dict[str, Any]) -> None:
    assert order.keys() == ORDER_KEYS
    assert MONEY.fullmatch(order["total"]), order["total"]
    for line in order["items"]:
        assert line.keys() == LINE_KEYS
        assert MONEY.fullmatch(line["unit_price"]), line
        assert MONEY.fullmatch(line["line_total"]), line
    for stamp in ("created_at", "updated_at"):
        assert datetime.fromisoformat(order[stamp]).utcoffset() is not None


def masked(response: Response, order_id: int) -> Any:
    """The JSON body with the order's id written as ID: to compare answers about two ids."""
    return json.loads(re.sub(rf"\b{order_id}\b", "ID", response.text))


def at(order: dict[str, Any], stamp: str) -> datetime:
    return datetime.fromisoformat(order[stamp])


def ids(orders: list[dict[str, Any]]) -> list[int]:
    return [order["id"] for order in orders]


async def list_orders(client: AsyncClient, caller: "Caller", **params: Any) -> dict[str, Any]:
    response = await client.get("/orders", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page.keys() == {"items", "next_cursor"}
    return page


async def walk(client: AsyncClient, caller: "Caller", **params: Any) -> list[list[int]]:
    """The ids on every page of a listing, following next_cursor until it is null."""
    pages: list[list[int]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = await list_orders(client, caller, **query)
        pages.append(ids(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) <= 100, "next_cursor never ends"


@pytest.fixture
async def espresso(client: AsyncClient, admin: "Caller") -> dict[str, Any]:
    return await create_product(client, admin, "Espresso machine", price="249.90", quantity=10)


@pytest.fixture
async def beans(client: AsyncClient, admin: "Caller") -> dict[str, Any]:
    return await create_product(client, admin, "Coffee beans", price="0.99", quantity=50)


# --- POST /orders ------------------------------------------------------------------------------


async def test_placing_an_order_answers_201_with_location_and_the_order_at_todays_prices(
    client: AsyncClient,
    db: AsyncEngine,
    customer: "Caller",
    espresso: dict[str, Any],
    beans: dict[str, Any],
) -> None:
    response = await place(client, customer, (beans["id"], 3), (espresso["id"], 2))

    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"]
    order = response.json()
    assert_order_shape(order)
    assert response.headers["location"] == f"/orders/{order['id']}"
    assert order["user_id"] == customer.id
    assert order["status"] == "pending"
    assert sorted(order["items"], key=lambda line: line["product_id"]) == sorted(
        [
            {
                "product_id": espresso["id"],
                "product_name": "Espresso machine",
                "quantity": 2,
                "unit_price": "249.90",
                "line_total": "499.80",
            },
            {
                "product_id": beans["id"],
                "product_name": "Coffee beans",
                "quantity": 3,
                "unit_price": "0.99",
                "line_total": "2.97",
            },
        ],
        key=lambda line: line["product_id"],
    )
    assert order["total"] == "502.77"
    assert order["created_at"] == order["updated_at"]

    assert await stock(db) == {espresso["id"]: 8, beans["id"]: 47}
    row = await order_row(db, order["id"])
    assert (row["user_id"], row["status"], row["total"]) == (
        customer.id,
        "pending",
        Decimal("502.77"),
    )
    items = await rows(
        db,
        "SELECT product_id, product_name, quantity, unit_price FROM order_items "
        "WHERE order_id = :id ORDER BY product_id",
        id=order["id"],
    )
    assert items == [
        {
            "product_id": espresso["id"],
            "product_name": "Espresso machine",
            "quantity": 2,
            "unit_price": Decimal("249.90"),
        },
        {
            "product_id": beans["id"],
            "product_name": "Coffee beans",
            "quantity": 3,
            "unit_price": Decimal("0.99"),
        },
    ]
    assert await count(db, "orders") == 1


async def test_the_location_of_a_new_order_serves_the_same_order(
    client: AsyncClient, customer: "Caller", espresso: dict[str, Any]
) -> None:
    created = await place(client, customer, (espresso["id"], 1))

    fetched = await client.get(created.headers["location"], headers=customer.headers)

    assert fetched.status_code == 200
    assert fetched.json() == created.json()


async def test_an_order_may_take_the_last_item_on_the_shelf(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", espresso: dict[str, Any]
) -> None:
    await place_ok(client, customer, (espresso["id"], 10))

    assert await stock(db) == {espresso["id"]: 0}


async def test_the_largest_line_and_the_widest_order_are_accepted(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    first, *fifty = await insert_products(db, 51, quantity=1000)

    big = await place_ok(client, customer, (first, 1000))
    wide = await place_ok(client, customer, *((pid, 2) for pid in fifty))

    assert [line["quantity"] for line in big["items"]] == [1000]
    assert sorted(line["product_id"] for line in wide["items"]) == fifty
    assert wide["total"] == "125.00"  # 50 lines of 2 at 1.25
    assert await stock(db) == {first: 0} | dict.fromkeys(fifty, 998)


async def test_a_later_price_or_name_change_leaves_the_order_as_it_was_placed(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    espresso: dict[str, Any],
) -> None:
    order = await place_ok(client, customer, (espresso["id"], 2))

    patched = await client.patch(
        f"/products/{espresso['id']}",
        json={"price": "300.00", "name": "Espresso machine II"},
        headers=admin.headers,
    )
    assert patched.status_code == 200, patched.text

    fetched = await client.get(f"/orders/{order['id']}", headers=customer.headers)
    assert fetched.json() == order
    [line] = fetched.json()["items"]
    assert (line["unit_price"], line["line_total"], line["product_name"]) == (
        "249.90",
        "499.80",
        "Espresso machine",
    )
    assert fetched.json()["total"] == "499.80"
    [item] = await rows(db, "SELECT unit_price, product_name FROM order_items")
    assert item == {"unit_price": Decimal("249.90"), "product_name": "Espresso machine"}
    # A new order pays the new price.
    again = await place_ok(client, customer, (espresso["id"], 1))
    assert again["items"][0]["unit_price"] == again["total"] == "300.00"


async def test_placing_and_cancelling_change_the_products_etag(
    client: AsyncClient,
    db: AsyncEngine,
    admin: "Caller",
    customer: "Caller",
    espresso: dict[str, Any],
) -> None:
    before = await client.get(f"/products/{espresso['id']}")
    order = await place_ok(client, customer, (espresso["id"], 2))
    after_order = await client.get(f"/products/{espresso['id']}")
    await act_ok(client, customer, "cancel", order["id"])
    after_cancel = await client.get(f"/products/{espresso['id']}")

    etags = [r.headers["etag"] for r in (before, after_order, after_cancel)]
    assert len(set(etags)) == 3, etags
    assert [r.json()["quantity"] for r in (before, after_order, after_cancel)] == [10, 8, 10]
    # An admin editing from the page loaded before the order is stopped, not overwriting it.
    stale = await client.patch(
        f"/products/{espresso['id']}",
        json={"quantity": 99},
        headers={**admin.headers, "If-Match": etags[0]},
    )
    assert_problem(stale, 412)
    assert await stock(db) == {espresso["id"]: 10}


async def test_an_order_with_any_line_short_of_stock_is_a_409_naming_it_that_takes_nothing(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    products = [
        await create_product(client, admin, name, price="5.00", quantity=3)
        for name in ("Kettle", "Grinder", "Scale")
    ]
    before = await stock(db)

    for short, product in enumerate(products):
        lines = [(p["id"], 4 if n == short else 3) for n, p in enumerate(products)]
        for listed in (lines, lines[::-1]):
            response = await place(client, customer, *listed)

            problem = assert_problem(response, 409)
            assert product["name"] in problem["detail"], (listed, problem)
            assert "location" not in response.headers
            assert await stock(db) == before == {p["id"]: 3 for p in products}
            assert await count(db, "orders") == 0
            assert await count(db, "order_items") == 0


async def test_an_order_for_a_sold_out_product_is_a_409_naming_it(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    sold_out = await create_product(client, admin, "Sold-out mug", price="7.00", quantity=0)

    problem = assert_problem(await place(client, customer, (sold_out["id"], 1)), 409)

    assert "Sold-out mug" in problem["detail"]
    assert await stock(db) == {sold_out["id"]: 0}
    assert await count(db, "orders") == 0


async def test_an_order_naming_an_unknown_product_is_a_422_that_takes_nothing(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", espresso: dict[str, Any]
) -> None:
    unknown = espresso["id"] + 1000

    response = await place(client, customer, (espresso["id"], 1), (unknown, 1))

    problem = assert_problem(response, 422)
    assert str(unknown) in problem["detail"]
    assert "items" in error_fields(problem)
    assert await stock(db) == {espresso["id"]: 10}
    assert await count(db, "orders") == 0
    assert await count(db, "order_items") == 0


Body = Callable[[list[int]], Any]


def one_line(pid: int, **line: Any) -> dict[str, Any]:
    return {"items": [{"product_id": pid, "quantity": 1, **line}]}


# Each body gets 51 products that exist, each with 5000 in stock: a refusal must come from
# the rules, not from an unknown product or an empty shelf.
BAD_ORDER_BODIES = [
    pytest.param(lambda p: {"items": []}, "items", id="empty items"),
    pytest.param(lambda p: {}, "items", id="no items"),
    pytest.param(lambda p: {"items": None}, "items", id="null items"),
    pytest.param(lambda p: {"items": {"product_id": p[0], "quantity": 1}}, "items", id="object"),
    pytest.param(lambda p: order_body(*((pid, 1) for pid in p)), "items", id="51 lines"),
    pytest.param(lambda p: one_line(p[0], quantity=0), "quantity", id="quantity 0"),
    pytest.param(lambda p: one_line(p[0], quantity=-1), "quantity", id="quantity -1"),
    pytest.param(lambda p: one_line(p[0], quantity=1001), "quantity", id="quantity 1001"),
    pytest.param(lambda p: one_line(p[0], quantity="1"), "quantity", id="quantity as string"),
    pytest.param(lambda p: one_line(p[0], quantity=1.5), "quantity", id="quantity 1.5"),
    pytest.param(lambda p: one_line(p[0], quantity=True), "quantity", id="quantity true"),
    pytest.param(lambda p: one_line(p[0], quantity=None), "quantity", id="quantity null"),
    pytest.param(lambda p: {"items": [{"product_id": p[0]}]}, "quantity", id="no quantity"),
    pytest.param(
        lambda p: order_body((p[0], 1), (p[1], 1), (p[0], 2)), "items", id="same product twice"
    ),
    pytest.param(lambda p: one_line(p[0], colour="red"), "colour", id="extra field on a line"),
    pytest.param(
        lambda p: {**one_line(p[0]), "coupon": "FREE"}, "coupon", id="extra field on the order"
    ),
    pytest.param(lambda p: one_line(DB_INT_MAX + 1), "product_id", id="product_id 2147483648"),
    pytest.param(lambda p: one_line(0), "product_id", id="product_id 0"),
    pytest.param(lambda p: one_line(str(p[0])), "product_id", id="product_id as string"),
    pytest.param(lambda p: {"items": [{"quantity": 1}]}, "product_id", id="no product_id"),
]


@pytest.mark.parametrize(("make_body", "field"), BAD_ORDER_BODIES)
async def test_a_bad_order_body_is_a_422_problem_that_writes_nothing(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", make_body: Body, field: str
) -> None:
    product_ids = await insert_products(db, 51, quantity=5000)

    response = await client.post("/orders", json=make_body(product_ids), headers=customer.headers)

    problem = assert_problem(response, 422)
    assert field in error_fields(problem), problem["errors"]
    assert "location" not in response.headers
    assert await stock(db) == dict.fromkeys(product_ids, 5000)
    assert await count(db, "orders") == 0
    assert await count(db, "order_items") == 0


async def test_an_order_whose_total_would_not_fit_is_a_422_that_takes_nothing(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    dearest = await create_product(client, admin, "Yacht", price="9999999999.99", quantity=3)
    cent = await create_product(client, admin, "Sticker", price="0.01", quantity=3)

    too_much = [
        await place(client, customer, (dearest["id"], 2)),
        await place(client, customer, (dearest["id"], 1), (cent["id"], 1)),
    ]

    for response in too_much:
        problem = assert_problem(response, 422)
        assert "items" in error_fields(problem)
    assert await stock(db) == {dearest["id"]: 3, cent["id"]: 3}
    assert await count(db, "orders") == 0
    # The largest total that fits is fine.
    order = await place_ok(client, customer, (dearest["id"], 1))
    assert order["total"] == "9999999999.99"


async def test_a_body_that_is_not_an_order_object_is_a_422_problem(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    bodies = {
        "truncated": '{"items": [',
        "not JSON": "not json",
        "empty": "",
        "a list": "[]",
        "a string": '"items"',
    }
    headers = {**customer.headers, "Content-Type": "application/json"}

    answers = {
        case: await client.post("/orders", content=body, headers=headers)
        for case, body in bodies.items()
    }

    assert wrong_refusals(answers, 422) == []
    assert await count(db, "orders") == 0


async def test_placing_an_order_without_a_token_is_a_401_that_writes_nothing(
    client: AsyncClient, db: AsyncEngine, espresso: dict[str, Any]
) -> None:
    response = await client.post("/orders", json=order_body((espresso["id"], 1)))

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert await stock(db) == {espresso["id"]: 10}
    assert await count(db, "orders") == 0


async def test_every_order_route_needs_a_valid_token(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", espresso: dict[str, Any]
) -> None:
    order = await place_ok(client, customer, (espresso["id"], 1))
    routes = [
        ("GET", "/orders"),
        ("GET", f"/orders/{order['id']}"),
        ("POST", f"/orders/{order['id']}/pay"),
        ("POST", f"/orders/{order['id']}/ship"),
        ("POST", f"/orders/{order['id']}/cancel"),
    ]
    tokens = {"no token": {}, "a token that is no JWT": {"Authorization": "Bearer not-a-jwt"}}

    answers = {
        f"{method} {path} with {name}": await client.request(method, path, headers=headers)
        for method, path in routes
        for name, headers in tokens.items()
    }

    assert wrong_refusals(answers, 401) == []
    assert {r.headers.get("www-authenticate") for r in answers.values()} == {"Bearer"}
    assert (await order_row(db, order["id"]))["status"] == "pending"
    assert await stock(db) == {espresso["id"]: 9}


# --- GET /orders -------------------------------------------------------------------------------


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
        everyones = await walk(client, admin, limit=limit)
        own = await walk(client, customer, limit=limit)

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


# --- GET /orders/{id} --------------------------------------------------------------------------


async def test_the_owner_and_an_admin_read_an_order(
    client: AsyncClient, admin: "Caller", customer: "Caller", espresso: dict[str, Any]
) -> None:
    order = await place_ok(client, customer, (espresso["id"], 1))

    for reader in (customer, admin):
        response = await client.get(f"/orders/{order['id']}", headers=reader.headers)
        assert response.status_code == 200, response.text
        assert response.json() == order


async def test_another_customers_order_is_a_404_just_like_a_missing_one(
    client: AsyncClient, customer: "Caller", other_customer: "Caller", espresso: dict[str, Any]
) -> None:
    order = await place_ok(client, customer, (espresso["id"], 1))
    missing_id = order["id"] + 1

    hidden = await client.get(f"/orders/{order['id']}", headers=other_customer.headers)
    missing = await client.get(f"/orders/{missing_id}", headers=other_customer.headers)

    assert_problem(hidden, 404)
    assert_problem(missing, 404)
    assert masked(hidden, order["id"]) == masked(missing, missing_id)
    assert hidden.headers.keys() == missing.headers.keys()


async def test_an_impossible_order_id_is_a_422_problem(
    client: AsyncClient, admin: "Caller"
) -> None:
    answers = {
        f"{method} {path}": await client.request(method, path, headers=admin.headers)
        for order_id in ("0", "-1", str(DB_INT_MAX + 1), "abc", "1.5")
        for method, path in (
            ("GET", f"/orders/{order_id}"),
            *(("POST", f"/orders/{order_id}/{action}") for action in ("pay", "ship", "cancel")),
        )
    }

    assert wrong_refusals(answers, 422, "order_id") == []


async def test_the_largest_possible_order_id_is_simply_not_found(
    client: AsyncClient, admin: "Caller"
) -> None:
    assert_problem(await client.get(f"/orders/{DB_INT_MAX}", headers=admin.headers), 404)


# --- pay, ship, cancel -------------------------------------------------------------------------


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
