"""The read side, real and fake: it reads what the write side committed, and only reads."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import URL, Select, event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql.dml import UpdateBase

from shop.domain.orders import (
    IdempotencyRecord,
    OrderItem,
    OrderLine,
    OrderRepository,
    OrderRequest,
    OrderStatus,
    take_stock,
)
from shop.domain.product_listing import ProductFilter, ProductOrdering
from shop.domain.products import ProductNotFound, ProductRepository
from shop.domain.read_side import AbstractReadSide, WriteOnReadSide
from shop.domain.unit_of_work import AbstractUnitOfWork, AlreadyOpen
from shop.domain.users import NewUser, Role, UserRepository
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.read_side import SqlAlchemyReadSide
from shop.infrastructure.statements import DriverReads, Query, TransactionReads, Write
from shop.infrastructure.tables import products
from shop.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import FakeReadSide, FakeUnitOfWork, a_new_product


class Boom(Exception):
    pass


@dataclass
class Sides:
    uow: AbstractUnitOfWork
    reads: AbstractReadSide
    engine: AsyncEngine | None = None


def real_sides(url: URL, *, on_driver: bool, pool_size: int = 1) -> Sides:
    """Both sides on one engine whose pool holds a single connection, so a leak shows."""
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=5)
    gate = ConnectionGate(capacity=pool_size, patience=5)
    return Sides(
        SqlAlchemyUnitOfWork(engine, gate),
        SqlAlchemyReadSide(lambda: engine, gate, on_driver),
        engine,
    )


@pytest.fixture(params=["fake", "driver", "transaction"])
def kind(request: pytest.FixtureRequest) -> tuple[str, URL | None]:
    """The fake; the real one on the bare driver; the real one as behind PgBouncer."""
    if request.param == "fake":
        return request.param, None
    # Only the real ones need a database (and a sync fixture may ask for async ones).
    url: URL = request.getfixturevalue("database_url")
    return request.param, url


@pytest.fixture
async def sides(kind: tuple[str, URL | None]) -> AsyncIterator[Sides]:
    name, url = kind
    if url is None:
        uow = FakeUnitOfWork()
        yield Sides(uow, FakeReadSide(uow))
        return
    real = real_sides(url, on_driver=name == "driver")
    yield real
    assert real.engine is not None
    pool: Any = real.engine.sync_engine.pool
    assert pool.checkedout() == 0, "a connection was not given back"
    await real.engine.dispose()


async def test_the_read_side_reads_the_same_entities_as_the_write_side(sides: Sides) -> None:
    uow, reads = sides.uow, sides.reads
    async with uow:
        for name, price in [("Mug", "4.50"), ("Kettle", "20.00"), ("100% tea", "4.50")]:
            await uow.products.add(a_new_product(name=name, price=Decimal(price)))
        await uow.commit()
    by_price = ProductOrdering.parse("-price")
    criteria = ProductFilter(name_contains="%", min_price=Decimal("1"), in_stock=True)
    seen = []
    for side in (uow, reads):
        async with side:
            one = await side.products.get(2)
            listed = await side.products.list_page(ProductFilter(), by_price, (Decimal(20), 2), 5)
            found = await side.products.list_page(criteria, by_price, None, 5)
        assert one is not None
        seen.append(
            (
                (one.id, one.name, one.price, one.quantity, one.created_at, one.version),
                [(p.id, p.price) for p in listed],
                [p.name for p in found],
            )
        )
    assert seen[0] == seen[1]
    assert seen[0][1] == [(3, Decimal("4.50")), (1, Decimal("4.50"))]
    assert seen[0][2] == ["100% tea"]


async def test_the_read_side_reads_the_same_users_and_orders_as_the_write_side(
    sides: Sides,
) -> None:
    uow, reads = sides.uow, sides.reads
    async with uow:
        product = await uow.products.add(a_new_product(price=Decimal("2.50")))
        user = await uow.users.add(NewUser("ada@example.com", "ada", "hash", Role.CUSTOMER))
        request = OrderRequest((OrderItem(product.id, 2),))
        new_order = take_stock(user.id, request, [product])
        placed = await uow.orders.add(new_order, "key-1", request.fingerprint())
        await uow.commit()
    seen = []
    for side in (uow, reads):
        async with side:
            one_user = await side.users.get(user.id)
            by_email = await side.users.get_by_email("ADA@example.com")
            users = await side.users.list_page(None, 5)
            order = await side.orders.get(placed.id)
            orders = await side.orders.list_page(user.id, OrderStatus.PENDING, None, 5)
            record = await side.orders.idempotency_record(user.id, "key-1")
        assert one_user is not None
        assert by_email is not None
        assert order is not None
        seen.append(
            (
                vars_of(one_user),
                vars_of(by_email),
                [vars_of(u) for u in users],
                vars_of(order),
                [vars_of(o) for o in orders],
                record,
            )
        )
    assert seen[0] == seen[1]
    assert seen[0][3]["lines"] == [OrderLine(product.id, "Espresso machine", 2, Decimal("2.50"))]
    assert seen[0][5] == IdempotencyRecord(request.fingerprint(), placed.id)


def vars_of(entity: object) -> dict[str, Any]:
    """Every field of an entity (they have slots, not a __dict__)."""
    return {name: getattr(entity, name) for name in entity.__slots__}  # type: ignore[attr-defined]


async def test_the_read_side_sees_only_what_was_committed(sides: Sides) -> None:
    uow, reads = sides.uow, sides.reads
    async with uow:
        kept = await uow.products.add(a_new_product(name="kept"))
        await uow.commit()
    async with uow:
        await uow.products.add(a_new_product(name="dropped"))
    async with reads:
        listed = await reads.products.list_page(ProductFilter(), ProductOrdering(), None, 10)
    assert [p.id for p in listed] == [kept.id]


_LOCKING_AND_WRITING = {
    "products": sorted(n for n in vars(ProductRepository) if not n.startswith("_")),
    "users": sorted(n for n in vars(UserRepository) if not n.startswith("_")),
    "orders": sorted(n for n in vars(OrderRepository) if not n.startswith("_")),
}


def test_the_write_side_adds_locking_and_writing_to_the_reads() -> None:
    assert _LOCKING_AND_WRITING == {
        "products": ["add", "get_for_update", "lock_many", "remove", "save", "save_stock"],
        "users": ["add", "get_for_update", "save"],
        "orders": ["add", "get_for_update", "save_status"],
    }


async def test_the_read_side_offers_no_way_to_lock_write_or_commit(sides: Sides) -> None:
    reads = sides.reads
    async with reads:
        for repository, methods in _LOCKING_AND_WRITING.items():
            for method in methods:
                with pytest.raises(AttributeError):
                    getattr(getattr(reads, repository), method)
        for method in ("commit", "rollback"):
            with pytest.raises(AttributeError):
                getattr(reads, method)
        assert await reads.products.get(1) is None  # and it still reads


async def test_nesting_a_side_in_itself_is_refused_and_leaks_nothing(sides: Sides) -> None:
    uow, reads = sides.uow, sides.reads
    for side in (uow, reads):
        async with side:
            with pytest.raises(AlreadyOpen):
                async with side:
                    pass
            assert await side.products.get(1) is None  # the outer block still works
    async with uow:  # and the connection was given back: the pool's only one is free
        added = await uow.products.add(a_new_product())
        await uow.commit()
    async with reads:
        assert await reads.products.get(added.id) is not None


def _a_locking_read() -> Select[Any]:
    return select(products).where(products.c.id == 1).with_for_update()


def _a_write() -> UpdateBase:
    return update(products).where(products.c.id == 1).values(quantity=0)


@pytest.mark.parametrize("on_driver", [True, False], ids=["driver", "transaction"])
@pytest.mark.parametrize(
    "statement", [Query(_a_locking_read), Write(_a_write)], ids=["locking read", "write"]
)
async def test_a_locking_read_or_a_write_is_refused_on_the_real_read_side(
    database_url: URL, on_driver: bool, statement: Query[()]
) -> None:
    """What the types rule out is refused at run time too, before any SQL is sent."""
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0)
    refused = statement.shaped()
    sent: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    try:
        if on_driver:
            lent = await engine.raw_connection()
            driver: Any = lent.driver_connection
            driver.add_query_logger(lambda query: sent.append(query.query))
            try:
                with pytest.raises(WriteOnReadSide):
                    await DriverReads(driver).rows(refused)
            finally:
                lent.close()
        else:
            async with engine.connect() as connection:
                with pytest.raises(WriteOnReadSide):
                    await TransactionReads(connection).rows(refused)
        assert not any("FOR UPDATE" in sql or "UPDATE products" in sql for sql in sent), sent
    finally:
        await engine.dispose()


async def test_after_a_read_only_transaction_the_same_connection_writes(database_url: URL) -> None:
    """Behind PgBouncer the read side reads in BEGIN READ ONLY; the pool must not keep that."""
    real = real_sides(database_url, on_driver=False)
    assert real.engine is not None
    try:
        async with real.reads:
            assert await real.reads.products.get(1) is None
        async with real.uow:
            added = await real.uow.products.add(a_new_product())
            await real.uow.commit()
        async with real.reads:
            assert await real.reads.products.get(added.id) is not None
    finally:
        await real.engine.dispose()


async def read_then_raise(reads: AbstractReadSide, raised: Exception) -> None:
    async with reads:
        await reads.products.get(1)
        raise raised


@pytest.mark.parametrize(
    ("raised", "replaced"),
    [(ProductNotFound(1), False), (Boom(), True)],
    ids=["a domain error keeps it", "any other error replaces it"],
)
async def test_the_driver_read_side_returns_its_connection_to_the_pool_unless_broken_off(
    database_url: URL, raised: Exception, replaced: bool
) -> None:
    real = real_sides(database_url, on_driver=True)
    assert real.engine is not None
    invalidated: list[object] = []
    pool: Any = real.engine.sync_engine.pool
    event.listen(pool, "invalidate", lambda *args: invalidated.append(args))
    try:
        with pytest.raises(type(raised)):
            await read_then_raise(real.reads, raised)
        assert len(invalidated) == (1 if replaced else 0)
        assert pool.checkedin() == 1  # back in the pool either way: a replaced one reconnects
        async with real.reads:  # the pool's one connection, or its replacement
            assert await real.reads.products.get(1) is None
    finally:
        await real.engine.dispose()


async def test_each_use_of_the_read_side_asks_which_engine_to_read_from(
    database_url: URL,
) -> None:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0)
    asked: list[AsyncEngine] = []

    def engine_for_use() -> AsyncEngine:
        asked.append(engine)
        return engine

    reads = SqlAlchemyReadSide(engine_for_use, ConnectionGate(capacity=1, patience=5))
    try:
        for _ in range(2):
            async with reads:
                await reads.products.get(1)
        assert asked == [engine, engine]
    finally:
        await engine.dispose()
