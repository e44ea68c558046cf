"""Orders in PostgreSQL: an order row, its item rows, and the idempotency keys behind them."""

from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql.dml import UpdateBase

from shop.domain.orders import (
    IdempotencyRecord,
    IdempotentRequestInProgress,
    NewOrder,
    Order,
    OrderLine,
    OrderStatus,
)
from shop.infrastructure.product_repository import stock_update
from shop.infrastructure.refused_writes import UNIQUE_VIOLATION, RefusedWrite, violates
from shop.infrastructure.statements import Fields, Query, Runner, RunsStatements, Write, Writes
from shop.infrastructure.tables import idempotency_keys, order_items, orders


@Write
def _placing(with_key: bool) -> Select[Any]:
    """One statement for an order, its lines, the stock left on its products (and the key
    that placed it): one round trip.

    The lines travel as parallel arrays and are inserted in their order (WITH ORDINALITY),
    so their ids keep the order the customer gave. A key already taken fails the whole
    statement with a unique violation, as its own INSERT would, and nothing is stored.
    """
    new_order = (
        insert(orders)
        .values(user_id=bindparam("user_id"), total=bindparam("total"))
        .returning(orders.c.id, orders.c.status, orders.c.created_at, orders.c.updated_at)
        .cte("new_order")
    )
    given = (
        func.unnest(
            bindparam("product_ids", type_=ARRAY(order_items.c.product_id.type)),
            bindparam("product_names", type_=ARRAY(order_items.c.product_name.type)),
            bindparam("quantities", type_=ARRAY(order_items.c.quantity.type)),
            bindparam("unit_prices", type_=ARRAY(order_items.c.unit_price.type)),
        )
        .table_valued(
            "product_id", "product_name", "quantity", "unit_price", with_ordinality="position"
        )
        .render_derived(name="given")
    )
    columns = ["product_id", "product_name", "quantity", "unit_price"]
    items = (
        insert(order_items)
        .from_select(
            ["order_id", *columns],
            select(new_order.c.id, *(given.c[name] for name in columns))
            .select_from(new_order.join(given, true()))
            .order_by(given.c.position),
        )
        .cte("items")
    )
    stock_left = stock_update("stock_ids", "stock_levels").cte("stock_left")
    placed = select(
        new_order.c.id, new_order.c.status, new_order.c.created_at, new_order.c.updated_at
    ).add_cte(items, stock_left)
    if with_key:
        key = (
            insert(idempotency_keys)
            .from_select(
                ["user_id", "key", "request_fingerprint", "order_id"],
                select(
                    bindparam("user_id", type_=idempotency_keys.c.user_id.type),
                    bindparam("key", type_=idempotency_keys.c.key.type),
                    bindparam("fingerprint", type_=idempotency_keys.c.request_fingerprint.type),
                    new_order.c.id,
                ),
            )
            .cte("key")
        )
        placed = placed.add_cte(key)
    return placed


def _lines_of(item: Any, label: str) -> Any:
    """One item column of all of an order's lines, as an array in the order they were written."""
    return func.array_agg(aggregate_order_by(item, order_items.c.id)).label(label)


# Each order row carries its lines as parallel arrays: one statement per order or page,
# whatever the number of lines (no N+1, no second round trip).
_LINES = (
    select(
        _lines_of(order_items.c.product_id, "product_ids"),
        _lines_of(order_items.c.product_name, "product_names"),
        _lines_of(order_items.c.quantity, "quantities"),
        _lines_of(order_items.c.unit_price, "unit_prices"),
    )
    .where(order_items.c.order_id == orders.c.id)
    .lateral("lines")
)
_ORDER_WITH_LINES = select(
    orders.c.id,
    orders.c.user_id,
    orders.c.status,
    orders.c.created_at,
    orders.c.updated_at,
    *_LINES.c,
).select_from(orders.join(_LINES, true()))


def order_from_row(fields: Fields) -> Order:
    lines = [
        OrderLine(product_id, name, quantity, unit_price)
        for product_id, name, quantity, unit_price in zip(
            fields["product_ids"] or [],
            fields["product_names"] or [],
            fields["quantities"] or [],
            fields["unit_prices"] or [],
            strict=True,
        )
    ]
    return Order(
        id=fields["id"],
        user_id=fields["user_id"],
        status=OrderStatus(fields["status"]),
        lines=lines,
        created_at=fields["created_at"],
        updated_at=fields["updated_at"],
    )


@Query
def _by_id(lock: bool) -> Select[Any]:
    statement = _ORDER_WITH_LINES.where(orders.c.id == bindparam("order_id"))
    return statement.with_for_update(of=orders) if lock else statement


@Query
def _listing(shape: frozenset[str]) -> Select[Any]:
    """Newest first, filtered by whichever of the named parameters the shape has."""
    statement = _ORDER_WITH_LINES.order_by(orders.c.id.desc()).limit(bindparam("limit"))
    if "user_id" in shape:
        statement = statement.where(orders.c.user_id == bindparam("user_id"))
    if "status" in shape:
        statement = statement.where(orders.c.status == bindparam("status"))
    if "before_id" in shape:
        statement = statement.where(orders.c.id < bindparam("before_id"))
    return statement


@Query
def _idempotency_record() -> Select[Any]:
    return select(idempotency_keys.c.request_fingerprint, idempotency_keys.c.order_id).where(
        idempotency_keys.c.user_id == bindparam("user_id"),
        idempotency_keys.c.key == bindparam("key"),
    )


@Write
def _saving_status() -> UpdateBase:
    return (
        update(orders)
        .where(orders.c.id == bindparam("order_id"))
        .values(status=bindparam("status"), updated_at=func.now())
        .returning(orders.c.updated_at)
    )


def _record_from_row(fields: Fields) -> IdempotencyRecord:
    return IdempotencyRecord(fields["request_fingerprint"], fields["order_id"])


class SqlAlchemyOrderReader(RunsStatements[Runner]):
    """The read side's orders: looking up, listing, and the idempotency keys behind them."""

    async def get(self, order_id: int) -> Order | None:
        return await self._statements.one(_by_id.shaped(False), order_from_row, order_id=order_id)

    async def idempotency_record(self, user_id: int, key: str) -> IdempotencyRecord | None:
        return await self._statements.one(
            _idempotency_record.shaped(), _record_from_row, user_id=user_id, key=key
        )

    async def list_page(
        self, user_id: int | None, status: OrderStatus | None, before_id: int | None, limit: int
    ) -> list[Order]:
        values: dict[str, Any] = {"limit": limit}
        if user_id is not None:
            values["user_id"] = user_id
        if status is not None:
            values["status"] = status.value
        if before_id is not None:
            values["before_id"] = before_id
        shape = frozenset(values)
        rows = await self._statements.rows(_listing.shaped(shape), **values)
        return [order_from_row(row) for row in rows]


class SqlAlchemyOrderRepository(SqlAlchemyOrderReader[Writes]):
    """The write side's orders: the reads, and locking and writing in the unit's transaction."""

    async def get_for_update(self, order_id: int) -> Order | None:
        return await self._statements.one(_by_id.shaped(True), order_from_row, order_id=order_id)

    async def add(
        self, new: NewOrder, idempotency_key: str | None, request_fingerprint: str | None
    ) -> Order:
        with_key = idempotency_key is not None and request_fingerprint is not None
        lines = new.lines
        values = {
            "user_id": new.user_id,
            "total": new.total,
            "product_ids": [line.product_id for line in lines],
            "product_names": [line.product_name for line in lines],
            "quantities": [line.quantity for line in lines],
            "unit_prices": [line.unit_price for line in lines],
            "stock_ids": [product.id for product in new.taken_from],
            "stock_levels": [product.quantity for product in new.taken_from],
        }
        if with_key:
            values |= {"key": idempotency_key, "fingerprint": request_fingerprint}
        try:
            (placed,) = await self._statements.rows(_placing.shaped(with_key), **values)
        except RefusedWrite as error:
            if with_key and violates(error, UNIQUE_VIOLATION):
                raise IdempotentRequestInProgress from None
            raise
        return Order(
            placed["id"],
            new.user_id,
            OrderStatus(placed["status"]),
            list(lines),
            placed["created_at"],
            placed["updated_at"],
        )

    async def save_status(self, order: Order) -> None:
        (saved,) = await self._statements.rows(
            _saving_status.shaped(), order_id=order.id, status=order.status.value
        )
        order.updated_at = saved["updated_at"]
