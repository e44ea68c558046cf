"""Reading one order (GET /orders/{id}): another customer's is a 404 like a missing one."""

from typing import TYPE_CHECKING, Any

from httpx import AsyncClient

from tests.integration.helpers import DB_INT_MAX
from tests.integration.orders.ordering import masked, place_ok, wrong_refusals
from tests.integration.problems import assert_problem

if TYPE_CHECKING:
    from tests.plugins.users import Caller


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
