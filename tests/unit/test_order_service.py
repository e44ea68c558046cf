"""Placing and moving orders, against the in-memory unit of work."""

from decimal import Decimal

import pytest

from shop.domain.order_service import OrderService
from shop.domain.orders import (
    IdempotencyKeyReused,
    NotYourOrder,
    OrderItem,
    OrderNotFound,
    OrderRequest,
    OrderStatus,
)
from shop.domain.products import OutOfStock
from shop.domain.users import AdminOnly, Role
from tests.fakes import FakeReadSide, FakeUnitOfWork, RecordingOrderEvents, a_new_product, a_user

ADMIN = a_user(Role.ADMIN, 1)
ADA = a_user(Role.CUSTOMER, 2)
BOB = a_user(Role.CUSTOMER, 3)


@pytest.fixture
async def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    async with uow:
        for quantity in (5, 2):
            await uow.products.add(a_new_product(price=Decimal("2.50"), quantity=quantity))
        await uow.commit()
    return uow


@pytest.fixture
def events() -> RecordingOrderEvents:
    return RecordingOrderEvents()


@pytest.fixture
def service(uow: FakeUnitOfWork, events: RecordingOrderEvents) -> OrderService:
    return OrderService(uow, FakeReadSide(uow), events)


def stock(uow: FakeUnitOfWork) -> list[int]:
    return [p.quantity for p in uow.committed_products.values()]


def a_request(*lines: tuple[int, int]) -> OrderRequest:
    return OrderRequest(tuple(OrderItem(pid, qty) for pid, qty in lines))


async def test_placing_takes_the_stock_and_records_the_order(
    service: OrderService, uow: FakeUnitOfWork
) -> None:
    placed = await service.place_order(ADA, a_request((1, 2), (2, 1)))
    assert not placed.replayed
    assert stock(uow) == [3, 1]
    assert uow.committed_orders[placed.order.id].total == Decimal("7.50")


async def test_a_short_line_places_nothing_and_takes_nothing(
    service: OrderService, uow: FakeUnitOfWork
) -> None:
    with pytest.raises(OutOfStock):
        await service.place_order(ADA, a_request((1, 2), (2, 3)))
    assert stock(uow) == [5, 2]
    assert uow.committed_orders == {}


async def test_a_retry_with_the_same_key_returns_the_first_order_and_takes_nothing(
    service: OrderService, uow: FakeUnitOfWork
) -> None:
    first = await service.place_order(ADA, a_request((1, 1), (2, 1)), "key-1")
    again = await service.place_order(ADA, a_request((2, 1), (1, 1)), "key-1")
    assert again.replayed
    assert again.order.id == first.order.id
    assert stock(uow) == [4, 1]


async def test_the_same_key_with_another_request_is_refused(service: OrderService) -> None:
    await service.place_order(ADA, a_request((1, 1)), "key-1")
    with pytest.raises(IdempotencyKeyReused):
        await service.place_order(ADA, a_request((1, 2)), "key-1")


async def test_keys_belong_to_their_user(service: OrderService, uow: FakeUnitOfWork) -> None:
    mine = await service.place_order(ADA, a_request((1, 1)), "key-1")
    theirs = await service.place_order(BOB, a_request((1, 1)), "key-1")
    assert mine.order.id != theirs.order.id
    assert stock(uow) == [3, 2]


async def test_cancelling_a_paid_order_returns_stock(
    service: OrderService, uow: FakeUnitOfWork
) -> None:
    placed = await service.place_order(ADA, a_request((1, 3), (2, 2)))
    await service.pay_order(ADA, placed.order.id)
    cancelled = await service.cancel_order(ADA, placed.order.id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert stock(uow) == [5, 2]


async def test_an_admin_cancels_anyones_order(service: OrderService, uow: FakeUnitOfWork) -> None:
    placed = await service.place_order(ADA, a_request((1, 3)))
    await service.cancel_order(ADMIN, placed.order.id)
    assert stock(uow) == [5, 2]


async def test_another_customers_order_does_not_exist_for_them(service: OrderService) -> None:
    placed = await service.place_order(ADA, a_request((1, 1)))
    for action in (service.get_order, service.pay_order, service.cancel_order):
        with pytest.raises(OrderNotFound):
            await action(BOB, placed.order.id)


async def test_only_the_owner_pays_and_only_an_admin_ships(service: OrderService) -> None:
    placed = await service.place_order(ADA, a_request((1, 1)))
    with pytest.raises(NotYourOrder):
        await service.pay_order(ADMIN, placed.order.id)
    await service.pay_order(ADA, placed.order.id)
    with pytest.raises(AdminOnly):
        await service.ship_order(ADA, placed.order.id)
    shipped = await service.ship_order(ADMIN, placed.order.id)
    assert shipped.status is OrderStatus.SHIPPED


async def test_customers_list_their_own_orders_admins_anyones(service: OrderService) -> None:
    for buyer in (ADA, BOB, ADA):
        await service.place_order(buyer, a_request((1, 1)))
    mine = await service.list_orders(ADA, 10)
    assert [o.user_id for o in mine.items] == [2, 2]
    assert [o.id for o in mine.items] == [3, 1]
    everyone = await service.list_orders(ADMIN, 2)
    rest = await service.list_orders(ADMIN, 2, everyone.next_cursor)
    assert [o.id for o in everyone.items + rest.items] == [3, 2, 1]
    bobs = await service.list_orders(ADMIN, 10, user_id=BOB.id)
    assert [o.user_id for o in bobs.items] == [3]
    with pytest.raises(AdminOnly):
        await service.list_orders(ADA, 10, user_id=BOB.id)


async def test_orders_can_be_listed_by_status(service: OrderService) -> None:
    first = await service.place_order(ADA, a_request((1, 1)))
    await service.place_order(ADA, a_request((1, 1)))
    await service.pay_order(ADA, first.order.id)
    paid = await service.list_orders(ADA, 10, status=OrderStatus.PAID)
    assert [o.id for o in paid.items] == [first.order.id]


async def test_placed_and_refused_orders_are_told_to_whoever_counts_them(
    service: OrderService, events: RecordingOrderEvents
) -> None:
    placed = await service.place_order(ADA, a_request((1, 1)), "key-1")
    await service.place_order(ADA, a_request((1, 1)), "key-1")
    with pytest.raises(OutOfStock):
        await service.place_order(ADA, a_request((2, 3)))
    assert events.placed == [placed.order.id]
    assert events.refused == ["out_of_stock"]
