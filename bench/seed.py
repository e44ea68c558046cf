"""Bulk seeding of a migrated benchmark database with asyncpg COPY.

Every product has stock enough (10^9) that no POST round of the benchmark ever runs out.
Product 1 is the hot product; orders on "many products" pick among the others.
"""

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

HOT_PRODUCT_ID = 1
STOCK = 1_000_000_000
PASSWORD = "bench-password-1"  # noqa: S105 - the seeded customers' password, for logging in
MAX_LINES_PER_ORDER = 4
ORDER_STATUSES = ("pending", "pending", "paid", "paid", "shipped", "cancelled")
_COPY_BATCH = 100_000

_ADJECTIVES = ("red", "compact", "quiet", "steel", "wooden", "smart", "classic", "portable")
_NOUNS = ("kettle", "lamp", "chair", "grinder", "speaker", "backpack", "desk", "blender")
_PRODUCT_COLUMNS = ("id", "name", "description", "price", "quantity")
_ORDER_COLUMNS = ("id", "user_id", "status", "total")
_ITEM_COLUMNS = ("order_id", "product_id", "product_name", "quantity", "unit_price")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Names and prices of the seeded products, by id (index 0 is unused)."""

    names: list[str]
    prices: list[Decimal]

    @property
    def size(self) -> int:
        return len(self.names) - 1


ProductRow = tuple[int, str, str, Decimal, int]


def _product_rows(count: int, rng: random.Random) -> Iterator[ProductRow]:
    for product_id in range(1, count + 1):
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {product_id}"
        price = Decimal(rng.randrange(100, 1_000_000)) / 100
        yield (product_id, name, f"The {name}, for benchmarks.", price, STOCK)


def _batches(rows: Iterator[Sequence[object]]) -> Iterator[list[Sequence[object]]]:
    batch: list[Sequence[object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _COPY_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def _copy(
    connection: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterator[Sequence[object]],
) -> None:
    for batch in _batches(rows):
        await connection.copy_records_to_table(table, records=batch, columns=list(columns))


async def _seed_products(
    connection: asyncpg.Connection, count: int, rng: random.Random
) -> Catalogue:
    names, prices = [""], [Decimal(0)]

    def remembered() -> Iterator[ProductRow]:
        for row in _product_rows(count, rng):
            names.append(row[1])
            prices.append(row[3])
            yield row

    await _copy(connection, "products", _PRODUCT_COLUMNS, remembered())
    return Catalogue(names, prices)


def _user_rows(count: int, password_hash: str) -> Iterator[Sequence[object]]:
    for user_id in range(1, count + 1):
        yield (user_id, f"customer{user_id}@bench.example", f"customer{user_id}", password_hash)


def _order_lines(catalogue: Catalogue, rng: random.Random) -> list[tuple[int, int]]:
    """Product ids (never the hot one) and quantities of one order, 1 to 4 distinct products."""
    count = rng.randint(1, min(MAX_LINES_PER_ORDER, catalogue.size - 1))
    chosen = rng.sample(range(HOT_PRODUCT_ID + 1, catalogue.size + 1), count)
    return [(product_id, rng.randint(1, 3)) for product_id in chosen]


async def _seed_orders(
    connection: asyncpg.Connection,
    count: int,
    users: int,
    catalogue: Catalogue,
    rng: random.Random,
) -> None:
    orders: list[Sequence[object]] = []
    items: list[Sequence[object]] = []
    for order_id in range(1, count + 1):
        lines = _order_lines(catalogue, rng)
        total = sum((catalogue.prices[p] * q for p, q in lines), Decimal("0.00"))
        orders.append((order_id, rng.randint(1, users), rng.choice(ORDER_STATUSES), total))
        items.extend((order_id, p, catalogue.names[p], q, catalogue.prices[p]) for p, q in lines)
    await _copy(connection, "orders", _ORDER_COLUMNS, iter(orders))
    await _copy(connection, "order_items", _ITEM_COLUMNS, iter(items))


async def _finish(connection: asyncpg.Connection, tables: Sequence[str]) -> None:
    """Move the id sequences past the seeded ids, then vacuum and analyse as autovacuum would."""
    for table in tables:
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
            f"coalesce((SELECT max(id) FROM {table}), 1))"
        )
        await connection.execute(f"VACUUM ANALYZE {table}")


async def seed_shop(
    dsn: str, products: int, users: int, orders: int, password_hash: str, seed: int = 1
) -> None:
    """Products, customers (all with PASSWORD) and orders with lines spread over them."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    connection = await asyncpg.connect(dsn)
    try:
        catalogue = await _seed_products(connection, products, rng)
        await _copy(
            connection,
            "users",
            ("id", "email", "username", "hashed_password"),
            _user_rows(users, password_hash),
        )
        await _seed_orders(connection, orders, users, catalogue, rng)
        await _finish(connection, ("products", "users", "orders", "order_items"))
    finally:
        await connection.close()


async def seed_products(dsn: str, products: int, seed: int = 1) -> None:
    """Only products: the catalogue of the flat-paging check."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    connection = await asyncpg.connect(dsn)
    try:
        await _copy(connection, "products", _PRODUCT_COLUMNS, _product_rows(products, rng))
        await _finish(connection, ("products",))
    finally:
        await connection.close()
