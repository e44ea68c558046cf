"""Placing an order (POST /orders): prices of the day, stock taken, and every refusal
taking nothing.

After each refusal the test reads the products, orders and order_items tables to prove
nothing was written.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import DB_INT_MAX, create_product, insert_products, rows, stock
from tests.integration.orders.ordering import (
    act_ok,
    assert_order_shape,
    count,
    order_body,
    order_row,
    place,
    place_ok,
    wrong_refusals,
)
from tests.integration.problems import assert_problem, error_fields

if TYPE_CHECKING:
    from tests.plugins.users import Caller


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
    first, *fifty = await insert_products(db, 51, price=Decimal("1.25"), quantity=1000)

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
    product_ids = await insert_products(db, 51, price=Decimal("1.25"), quantity=5000)

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
