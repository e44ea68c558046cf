"""What the orders tests share: the shape of an order, placing and moving one, the rows."""

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import act, rows
from tests.integration.problems import assert_problem, error_fields

if TYPE_CHECKING:
    from tests.plugins.users import Caller


ORDER_KEYS = {"id", "user_id", "status", "items", "total", "created_at", "updated_at"}


LINE_KEYS = {"product_id", "product_name", "quantity", "unit_price", "line_total"}


MONEY = re.compile(r"\d+\.\d\d")


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


async def list_orders(client: AsyncClient, caller: "Caller", **params: Any) -> dict[str, Any]:
    response = await client.get("/orders", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page.keys() == {"items", "next_cursor"}
    return page
