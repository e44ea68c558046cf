"""The order's rules: what may be ordered, how stock is taken, and the lifecycle."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shop.domain.orders import (
    InvalidOrder,
    Order,
    OrderItem,
    OrderLine,
    OrderRequest,
    OrderStatus,
    OrderTooLarge,
    UnknownProducts,
    WrongOrderState,
    take_stock,
)
from shop.domain.products import OutOfStock, Product

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def a_product(product_id: int, price: str, quantity: int) -> Product:
    return Product(product_id, f"P{product_id}", None, Decimal(price), quantity, NOW, NOW)


def a_request(*lines: tuple[int, int]) -> OrderRequest:
    return OrderRequest(tuple(OrderItem(pid, qty) for pid, qty in lines))


def an_order(status: OrderStatus) -> Order:
    return Order(1, 7, status, [OrderLine(1, "P1", 2, Decimal("2.50"))], NOW, NOW)


@pytest.mark.parametrize(
    "lines",
    [(), tuple((i, 1) for i in range(1, 52)), ((1, 0),), ((1, 1001),), ((1, 1), (1, 2))],
    ids=["empty", "51 lines", "quantity 0", "quantity 1001", "a product twice"],
)
def test_an_order_has_1_to_50_lines_of_1_to_1000_each_product_once(
    lines: tuple[tuple[int, int], ...],
) -> None:
    with pytest.raises(InvalidOrder):
        a_request(*lines)


@pytest.mark.parametrize("quantity", [0, 1001])
def test_a_line_refuses_a_quantity_outside_1_to_1000_on_its_own(quantity: int) -> None:
    with pytest.raises(InvalidOrder) as refused:
        OrderItem(1, quantity)
    assert refused.value.detail == "A line orders 1 to 1000 items."
    assert refused.value.field == "items.quantity"


def test_requests_for_the_same_things_share_a_fingerprint_whatever_the_line_order() -> None:
    assert a_request((1, 2), (3, 4)).fingerprint() == a_request((3, 4), (1, 2)).fingerprint()
    assert a_request((1, 2)).fingerprint() != a_request((1, 3)).fingerprint()


def test_taking_stock_reserves_every_line_and_keeps_the_prices_of_the_day() -> None:
    kettle, mug = a_product(1, "20.00", 5), a_product(2, "4.50", 3)
    order = take_stock(7, a_request((2, 3), (1, 1)), [kettle, mug])
    assert (kettle.quantity, mug.quantity) == (4, 0)
    assert [(line.product_id, line.unit_price) for line in order.lines] == [
        (1, Decimal("20.00")),
        (2, Decimal("4.50")),
    ]
    assert order.total == Decimal("33.50")


def test_one_short_line_takes_nothing_from_any_line() -> None:
    kettle, mug = a_product(1, "20.00", 5), a_product(2, "4.50", 1)
    with pytest.raises(OutOfStock) as refused:
        take_stock(7, a_request((1, 2), (2, 2)), [kettle, mug])
    assert (kettle.quantity, mug.quantity) == (5, 1)
    assert "P2" in refused.value.detail


def test_unknown_products_are_named() -> None:
    with pytest.raises(UnknownProducts) as refused:
        take_stock(7, a_request((1, 1), (8, 1), (9, 1)), [a_product(1, "1.00", 5)])
    assert refused.value.product_ids == [8, 9]


def test_an_order_whose_total_does_not_fit_the_money_column_is_refused() -> None:
    dear = a_product(1, "9999999999.99", 5)
    with pytest.raises(OrderTooLarge):
        take_stock(7, a_request((1, 2)), [dear])
    assert dear.quantity == 5


def test_the_total_is_the_exact_sum_of_the_line_totals() -> None:
    order = Order(
        1,
        7,
        OrderStatus.PENDING,
        [OrderLine(1, "a", 3, Decimal("0.10")), OrderLine(2, "b", 1, Decimal("0.20"))],
        NOW,
        NOW,
    )
    assert [line.line_total for line in order.lines] == [Decimal("0.30"), Decimal("0.20")]
    assert order.total == Decimal("0.50")


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        (OrderStatus.PENDING, "pay", OrderStatus.PAID),
        (OrderStatus.PAID, "ship", OrderStatus.SHIPPED),
        (OrderStatus.PENDING, "cancel", OrderStatus.CANCELLED),
        (OrderStatus.PAID, "cancel", OrderStatus.CANCELLED),
    ],
)
def test_an_order_moves_along_its_lifecycle(
    start: OrderStatus, action: str, end: OrderStatus
) -> None:
    order = an_order(start)
    getattr(order, action)()
    assert order.status is end


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (OrderStatus.PAID, "pay"),
        (OrderStatus.SHIPPED, "pay"),
        (OrderStatus.CANCELLED, "pay"),
        (OrderStatus.PENDING, "ship"),
        (OrderStatus.SHIPPED, "ship"),
        (OrderStatus.CANCELLED, "ship"),
        (OrderStatus.SHIPPED, "cancel"),
        (OrderStatus.CANCELLED, "cancel"),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(
    start: OrderStatus, action: str
) -> None:
    order = an_order(start)
    with pytest.raises(WrongOrderState):
        getattr(order, action)()
    assert order.status is start


def test_cancelling_hands_back_the_lines_whose_stock_returns() -> None:
    order = an_order(OrderStatus.PAID)
    assert [(line.product_id, line.quantity) for line in order.cancel()] == [(1, 2)]
