"""The catalogue's use cases, against the in-memory unit of work."""

from decimal import Decimal

import pytest

from shop.domain.pagination import InvalidCursor
from shop.domain.product_listing import ProductFilter, ProductOrdering
from shop.domain.product_service import ProductService
from shop.domain.products import (
    InvalidProduct,
    ProductChanges,
    ProductInUse,
    ProductNotFound,
    StaleProduct,
)
from shop.domain.users import AdminOnly
from tests.fakes import ADMIN, CUSTOMER, FakeReadSide, FakeUnitOfWork, a_new_product


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def service(uow: FakeUnitOfWork) -> ProductService:
    return ProductService(uow, FakeReadSide(uow))


async def test_creating_a_product_commits_it(service: ProductService, uow: FakeUnitOfWork) -> None:
    product = await service.create_product(ADMIN, a_new_product())
    assert uow.committed_products[product.id].name == "Espresso machine"
    assert await service.get_product(product.id) is not product


async def test_getting_a_missing_product_is_not_found(service: ProductService) -> None:
    with pytest.raises(ProductNotFound):
        await service.get_product(404)


async def test_updating_bumps_the_version_and_commits(
    service: ProductService, uow: FakeUnitOfWork
) -> None:
    created = await service.create_product(ADMIN, a_new_product())
    updated = await service.update_product(ADMIN, created.id, ProductChanges(quantity=9))
    assert (updated.quantity, updated.version) == (9, 2)
    assert updated.updated_at > created.updated_at
    assert uow.committed_products[created.id].quantity == 9


async def test_an_update_that_changes_nothing_keeps_the_version(service: ProductService) -> None:
    created = await service.create_product(ADMIN, a_new_product(quantity=3))
    unchanged = await service.update_product(ADMIN, created.id, ProductChanges(quantity=3))
    assert unchanged.version == 1


async def test_an_update_against_a_stale_version_is_refused_and_changes_nothing(
    service: ProductService, uow: FakeUnitOfWork
) -> None:
    created = await service.create_product(ADMIN, a_new_product())
    await service.update_product(ADMIN, created.id, ProductChanges(quantity=1), frozenset({1}))
    with pytest.raises(StaleProduct):
        await service.update_product(ADMIN, created.id, ProductChanges(quantity=2), frozenset({1}))
    assert uow.committed_products[created.id].quantity == 1


async def test_an_invalid_update_is_refused_and_changes_nothing(
    service: ProductService, uow: FakeUnitOfWork
) -> None:
    created = await service.create_product(ADMIN, a_new_product())
    with pytest.raises(InvalidProduct):
        await service.update_product(
            ADMIN, created.id, ProductChanges(name="ok", price=Decimal("-1"))
        )
    assert uow.committed_products[created.id].name == "Espresso machine"


async def test_updating_a_missing_product_is_not_found(service: ProductService) -> None:
    with pytest.raises(ProductNotFound):
        await service.update_product(ADMIN, 1, ProductChanges(quantity=1))


async def test_deleting_removes_the_product(service: ProductService, uow: FakeUnitOfWork) -> None:
    created = await service.create_product(ADMIN, a_new_product())
    await service.delete_product(ADMIN, created.id)
    assert created.id not in uow.committed_products
    with pytest.raises(ProductNotFound):
        await service.delete_product(ADMIN, created.id)


async def test_a_product_that_orders_reference_cannot_be_deleted(
    service: ProductService, uow: FakeUnitOfWork
) -> None:
    created = await service.create_product(ADMIN, a_new_product())
    uow.referenced_products.add(created.id)
    with pytest.raises(ProductInUse):
        await service.delete_product(ADMIN, created.id)
    assert created.id in uow.committed_products


async def test_listing_walks_every_page_once_in_order(service: ProductService) -> None:
    for price in ["3", "1", "2", "1", "3"]:
        await service.create_product(ADMIN, a_new_product(price=Decimal(price)))
    ordering = ProductOrdering.parse("-price")
    seen, cursor = [], None
    while True:
        page = await service.list_products(ProductFilter(), ordering, 2, cursor)
        seen.extend((p.price, p.id) for p in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 5


async def test_the_last_full_page_has_no_next_cursor(service: ProductService) -> None:
    for _ in range(2):
        await service.create_product(ADMIN, a_new_product())
    page = await service.list_products(ProductFilter(), ProductOrdering(), 2)
    assert page.next_cursor is None


async def test_a_cursor_from_another_ordering_is_refused(service: ProductService) -> None:
    for _ in range(3):
        await service.create_product(ADMIN, a_new_product())
    page = await service.list_products(ProductFilter(), ProductOrdering.parse("name"), 1)
    assert page.next_cursor is not None
    with pytest.raises(InvalidCursor):
        await service.list_products(
            ProductFilter(), ProductOrdering.parse("price"), 1, page.next_cursor
        )


async def test_only_an_admin_may_change_the_catalogue(
    service: ProductService, uow: FakeUnitOfWork
) -> None:
    created = await service.create_product(ADMIN, a_new_product())
    with pytest.raises(AdminOnly):
        await service.create_product(CUSTOMER, a_new_product())
    with pytest.raises(AdminOnly):
        await service.update_product(CUSTOMER, created.id, ProductChanges(quantity=0))
    with pytest.raises(AdminOnly):
        await service.delete_product(CUSTOMER, created.id)
    assert next(iter(uow.committed_products.values())).quantity == 5
    assert len(uow.committed_products) == 1
