"""Returning stock: a cancelled order's lines go back on their products' shelves."""

from datetime import UTC, datetime
from decimal import Decimal

from shop.domain.orders import OrderItem, OrderRequest, return_stock, take_stock
from shop.domain.products import Product

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_returning_stock_puts_back_exactly_what_taking_it_took() -> None:
    kettle = Product(1, "Kettle", None, Decimal("20.00"), 5, NOW, NOW)
    mug = Product(2, "Mug", None, Decimal("4.50"), 3, NOW, NOW)
    order = take_stock(7, OrderRequest((OrderItem(2, 3), OrderItem(1, 1))), [kettle, mug])
    assert (kettle.quantity, mug.quantity) == (4, 0)
    return_stock(order.lines, [kettle, mug])
    assert (kettle.quantity, mug.quantity) == (5, 3)
