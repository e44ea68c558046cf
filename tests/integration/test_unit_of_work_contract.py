"""One contract, two implementations: the in-memory fake must behave as the real thing does."""

from decimal import Decimal

import pytest
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shop.domain.product_listing import ProductFilter, ProductOrdering
from shop.domain.products import ProductInUse
from shop.domain.unit_of_work import AbstractUnitOfWork
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import FakeUnitOfWork, a_new_product


class Boom(Exception):
    pass


@pytest.fixture(params=["fake", "sqlalchemy"])
def uow(request: pytest.FixtureRequest) -> AbstractUnitOfWork:
    if request.param == "fake":
        return FakeUnitOfWork()
    # Only the real one needs a database (and a sync fixture may ask for async ones).
    url: URL = request.getfixturevalue("database_url")
    engine = create_async_engine(url, poolclass=NullPool)
    return SqlAlchemyUnitOfWork(engine, ConnectionGate(capacity=5, patience=10))


async def test_what_is_committed_is_there_next_time(uow: AbstractUnitOfWork) -> None:
    async with uow:
        added = await uow.products.add(a_new_product(price=Decimal("2.50")))
        await uow.commit()
    async with uow:
        found = await uow.products.get(added.id)
    assert found is not None
    assert (found.name, found.price, found.quantity, found.version) == (
        "Espresso machine",
        Decimal("2.50"),
        5,
        1,
    )
    assert found.created_at == added.created_at


async def test_what_is_not_committed_is_rolled_back(uow: AbstractUnitOfWork) -> None:
    async with uow:
        added = await uow.products.add(a_new_product())
    async with uow:
        assert await uow.products.get(added.id) is None


async def test_an_error_inside_the_unit_rolls_everything_back(uow: AbstractUnitOfWork) -> None:
    async with uow:
        kept = await uow.products.add(a_new_product(name="kept"))
        await uow.commit()
    with pytest.raises(Boom):  # noqa: PT012 - the whole unit is what is under test
        async with uow:
            product = await uow.products.get_for_update(kept.id)
            assert product is not None
            product.reserve(5)
            await uow.products.save(product)
            await uow.products.add(a_new_product(name="lost"))
            raise Boom
    async with uow:
        again = await uow.products.get(kept.id)
        everything = await uow.products.list_page(ProductFilter(), ProductOrdering(), None, 10)
    assert again is not None
    assert again.quantity == 5
    assert [p.name for p in everything] == ["kept"]


async def test_saving_bumps_the_version_and_the_update_time(uow: AbstractUnitOfWork) -> None:
    async with uow:
        added = await uow.products.add(a_new_product())
        await uow.commit()
    async with uow:
        product = await uow.products.get_for_update(added.id)
        assert product is not None
        product.release(1)
        await uow.products.save(product)
        await uow.commit()
    assert product.version == 2
    assert product.updated_at > added.updated_at


async def test_removing_says_whether_there_was_something_to_remove(
    uow: AbstractUnitOfWork,
) -> None:
    async with uow:
        added = await uow.products.add(a_new_product())
        await uow.commit()
    async with uow:
        assert await uow.products.remove(added.id) is True
        assert await uow.products.remove(added.id) is False


async def test_listing_filters_sorts_and_continues_after_a_key(uow: AbstractUnitOfWork) -> None:
    async with uow:
        for name, price, quantity in [
            ("Blue mug", "4.50", 3),
            ("green MUG", "4.50", 0),
            ("Kettle", "20.00", 1),
            ("100% mug", "1.00", 2),
        ]:
            await uow.products.add(
                a_new_product(name=name, price=Decimal(price), quantity=quantity)
            )
        await uow.commit()
    cheap_first = ProductOrdering.parse("price")
    async with uow:
        mugs = await uow.products.list_page(
            ProductFilter(name_contains="mug"), cheap_first, None, 10
        )
        in_stock = await uow.products.list_page(
            ProductFilter(in_stock=True, min_price=Decimal("2")), cheap_first, None, 10
        )
        literal_percent = await uow.products.list_page(
            ProductFilter(name_contains="0%"), cheap_first, None, 10
        )
        first = mugs[0]
        after_first = await uow.products.list_page(
            ProductFilter(name_contains="mug"), cheap_first, (first.price, first.id), 10
        )
    assert [p.name for p in mugs] == ["100% mug", "Blue mug", "green MUG"]
    assert [p.name for p in in_stock] == ["Blue mug", "Kettle"]
    assert [p.name for p in literal_percent] == ["100% mug"]
    assert [p.name for p in after_first] == ["Blue mug", "green MUG"]


async def test_a_referenced_product_cannot_be_removed(
    request: pytest.FixtureRequest, uow: AbstractUnitOfWork
) -> None:
    async with uow:
        added = await uow.products.add(a_new_product())
        await uow.commit()
    if isinstance(uow, FakeUnitOfWork):
        uow.referenced_products.add(added.id)
    else:
        # Already set up by the `uow` fixture, so this returns at once.
        url: URL = request.getfixturevalue("database_url")
        engine = create_async_engine(url, poolclass=NullPool)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, email, username, hashed_password) "
                    "VALUES (1, 'a@example.com', 'a', 'x')"
                )
            )
            await connection.execute(
                text("INSERT INTO orders (id, user_id, total) VALUES (1, 1, 1)")
            )
            await connection.execute(
                text(
                    "INSERT INTO order_items (order_id, product_id, product_name, quantity,"
                    " unit_price) VALUES (1, :p, 'x', 1, 1)"
                ),
                {"p": added.id},
            )
    with pytest.raises(ProductInUse):
        async with uow:
            await uow.products.remove(added.id)
    async with uow:
        assert await uow.products.get(added.id) is not None
