"""Every column of every table reads the same on the bare driver as through SQLAlchemy, and a
parameter is written the same.

Both sides run their statements on the asyncpg connection (the read side behind PgBouncer
reads through SQLAlchemy). A column or parameter whose type needs SQLAlchemy's processing
must not read or write differently on the driver.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    URL,
    Select,
    TypeDecorator,
    bindparam,
    func,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import Integer, Numeric

from shop.infrastructure.statements import (
    DriverReads,
    Prepared,
    Query,
    TransactionReads,
    Write,
    Writes,
)
from shop.infrastructure.tables import metadata, order_items, products

# One row (or more, to cover NULLs) in every table; a new table needs its rows here.
ROWS = [
    "INSERT INTO products (id, name, description, price, quantity) VALUES "
    "(1, 'Mug', 'Blue', 4.50, 3), (2, 'Kettle', NULL, 20.00, 0)",
    "INSERT INTO users (id, email, username, hashed_password, role, is_active, token_version) "
    "VALUES (1, 'ada@example.com', 'ada', 'x', 'admin', true, 0), "
    "(2, 'bob@example.com', 'bob', 'y', 'customer', false, 2)",
    "INSERT INTO orders (id, user_id, status, total) VALUES (1, 2, 'paid', 29.00)",
    "INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price) VALUES "
    "(1, 1, 'Mug', 2, 4.50), (1, 2, 'Kettle', 1, 20.00)",
    "INSERT INTO idempotency_keys (user_id, key, request_fingerprint, order_id) VALUES "
    "(2, 'k-1', 'f', 1)",
    "INSERT INTO auth_attempts (key, window_index, current_count, previous_count) VALUES "
    "('login:ada@example.com', 29473890, 3, 1)",
]


def _every_column(table_name: str) -> Select[Any]:
    table = metadata.tables[table_name]
    return select(table).order_by(*table.primary_key.columns)


_EVERY_COLUMN = Query(_every_column)


class Cents(TypeDecorator[int]):
    """A column type with result processing of its own: a price read as whole cents."""

    impl = Numeric(12, 2)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> int | None:
        return None if value is None else int(value * 100)


def _processed_columns() -> Select[Any]:
    """Columns whose values SQLAlchemy processes after the driver: a TypeDecorator, arrays."""
    return select(
        products.c.id,
        type_coerce(products.c.price, Cents).label("cents"),
        select(func.array_agg(order_items.c.unit_price))
        .where(order_items.c.product_id == products.c.id)
        .scalar_subquery()
        .label("unit_prices"),
        select(func.array_agg(type_coerce(order_items.c.quantity, Integer)))
        .where(order_items.c.product_id == products.c.id)
        .scalar_subquery()
        .label("quantities"),
    ).order_by(products.c.id)


_PROCESSED_COLUMNS = Query(_processed_columns)


class CentsParameter(TypeDecorator[int]):
    """A parameter type with bind processing of its own: a price given in whole cents."""

    impl = Numeric(12, 2)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value) / 100


def _repricing() -> UpdateBase:
    return (
        update(products)
        .where(products.c.id == bindparam("product_id"))
        .values(price=bindparam("cents", type_=CentsParameter))
        .returning(products.c.price)
    )


_REPRICING = Write(_repricing)


async def both_ways(engine: AsyncEngine, read: Prepared) -> tuple[list[Any], list[Any]]:
    """The rows of `read` on the driver and through SQLAlchemy, with each value's type."""
    lent = await engine.raw_connection()
    try:
        on_driver = await DriverReads(lent.driver_connection).rows(read)
    finally:
        lent.close()
    async with engine.connect() as connection:
        through_sqlalchemy = await TransactionReads(connection).rows(read)

    def typed(rows: Any) -> list[Any]:
        return [{name: (value, type(value)) for name, value in row.items()} for row in rows]

    return typed(on_driver), typed(through_sqlalchemy)


async def test_every_column_of_every_table_reads_the_same_on_the_driver(database_url: URL) -> None:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            for statement in ROWS:
                await connection.execute(text(statement))
        for table in metadata.sorted_tables:
            on_driver, through_sqlalchemy = await both_ways(
                engine, _EVERY_COLUMN.shaped(table.name)
            )
            assert through_sqlalchemy, f"add rows of the table {table.name} to ROWS"
            assert on_driver == through_sqlalchemy, table.name
            assert set(on_driver[0]) == set(table.columns.keys())
    finally:
        await engine.dispose()


async def test_a_column_type_that_processes_results_reads_the_same_on_the_driver(
    database_url: URL,
) -> None:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            for statement in ROWS:
                await connection.execute(text(statement))
        on_driver, through_sqlalchemy = await both_ways(engine, _PROCESSED_COLUMNS.shaped())
        assert on_driver == through_sqlalchemy
        assert [row["cents"] for row in on_driver] == [(450, int), (2000, int)]
    finally:
        await engine.dispose()


async def test_a_parameter_type_that_processes_binds_writes_the_same_on_the_driver(
    database_url: URL,
) -> None:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0)
    repricing = _REPRICING.shaped()
    try:
        async with engine.begin() as connection:
            for statement in ROWS:
                await connection.execute(text(statement))
        lent = await engine.raw_connection()
        try:
            driver: Any = lent.driver_connection
            async with driver.transaction():
                on_driver = await Writes(driver).rows(repricing, product_id=1, cents=1999)
        finally:
            lent.close()
        async with engine.begin() as connection:
            values = {"product_id": 2, "cents": 1999}
            through_sqlalchemy = (await connection.execute(repricing.statement, values)).all()
        assert [row["price"] for row in on_driver] == [Decimal("19.99")]
        assert [row.price for row in through_sqlalchemy] == [Decimal("19.99")]
    finally:
        await engine.dispose()
