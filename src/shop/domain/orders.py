"""Orders: what a customer bought, at which prices, and where the order stands."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from shop.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from shop.domain.limits import MAX_LINE_QUANTITY, MAX_LINES, MAX_PRICE
from shop.domain.products import Product


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class InvalidOrder(InvalidInput):
    pass


class UnknownProducts(InvalidInput):
    def __init__(self, product_ids: list[int]) -> None:
        listed = ", ".join(map(str, product_ids))
        super().__init__(f"No product with id {listed}.", field="items")
        self.product_ids = product_ids


class OrderTooLarge(InvalidInput):
    def __init__(self) -> None:
        super().__init__(f"An order's total is at most {MAX_PRICE}.", field="items")


class OrderNotFound(NotFound):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"Order {order_id} does not exist.")


class WrongOrderState(Conflict):
    def __init__(self, order_id: int, status: OrderStatus, action: str) -> None:
        super().__init__(f"Order {order_id} is {status}; it cannot be {action}.")


class NotYourOrder(Forbidden):
    def __init__(self, action: str) -> None:
        super().__init__(f"You may not {action} this order.")


class IdempotencyKeyReused(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "This idempotency key was already used with a different request.",
            field="idempotency_key",
        )


class IdempotentRequestInProgress(Conflict):
    detail = "A request with this idempotency key is still being processed; retry."


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One line of an order as the customer asks for it."""

    product_id: int
    quantity: int

    def __post_init__(self) -> None:
        if not 1 <= self.quantity <= MAX_LINE_QUANTITY:
            raise InvalidOrder(
                f"A line orders 1 to {MAX_LINE_QUANTITY} items.", field="items.quantity"
            )


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a customer asks for: 1 to 50 lines (each checks its own quantity, 1 to 1000),
    every product at most once."""

    items: tuple[OrderItem, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.items) <= MAX_LINES:
            raise InvalidOrder(f"An order has 1 to {MAX_LINES} lines.", field="items")
        if len({item.product_id for item in self.items}) != len(self.items):
            raise InvalidOrder("A product appears at most once in an order.", field="items")

    @property
    def product_ids(self) -> list[int]:
        """The products, in ascending id order: the order every placement locks them in."""
        return sorted(item.product_id for item in self.items)

    def fingerprint(self) -> str:
        """Equal for requests that ask for the same things, whatever the order of the lines."""
        canonical = sorted((item.product_id, item.quantity) for item in self.items)
        return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A line as ordered: the product's name and price are kept as they were then."""

    product_id: int
    product_name: str
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


def total_of(lines: list[OrderLine]) -> Decimal:
    return sum((line.line_total for line in lines), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order to store, and the products its lines took their stock from (locked by the
    unit of work, with the stock that is left): the order and that stock are stored together."""

    user_id: int
    lines: list[OrderLine]
    taken_from: list[Product]

    @property
    def total(self) -> Decimal:
        return total_of(self.lines)


def take_stock(user_id: int, request: OrderRequest, products: list[Product]) -> NewOrder:
    """Reserve every line's quantity from `products` (locked by the caller), all or nothing.

    Raises UnknownProducts, OutOfStock (for the first short product, by id) or OrderTooLarge;
    the products are only changed when every line can be served.
    """
    by_id = {product.id: product for product in products}
    missing = [pid for pid in request.product_ids if pid not in by_id]
    if missing:
        raise UnknownProducts(missing)
    wanted = {item.product_id: item.quantity for item in request.items}
    for product_id in request.product_ids:
        product = by_id[product_id]
        product.ensure_available(wanted[product_id])
    lines = [
        OrderLine(pid, by_id[pid].name, wanted[pid], by_id[pid].price)
        for pid in request.product_ids
    ]
    if total_of(lines) > MAX_PRICE:
        raise OrderTooLarge
    for line in lines:
        by_id[line.product_id].reserve(line.quantity)
    return NewOrder(user_id, lines, [by_id[line.product_id] for line in lines])


def return_stock(lines: list[OrderLine], products: list[Product]) -> None:
    """Put every line's quantity back on its product's shelf (`products` locked by the caller)."""
    by_id = {product.id: product for product in products}
    for line in lines:
        by_id[line.product_id].release(line.quantity)


_ALLOWED = {
    "paid": {OrderStatus.PENDING},
    "shipped": {OrderStatus.PAID},
    "cancelled": {OrderStatus.PENDING, OrderStatus.PAID},
}


@dataclass(eq=False, slots=True)
class Order:
    id: int
    user_id: int
    status: OrderStatus
    lines: list[OrderLine]
    created_at: datetime
    updated_at: datetime

    @property
    def total(self) -> Decimal:
        return total_of(self.lines)

    def pay(self) -> None:
        self._move(OrderStatus.PAID)

    def ship(self) -> None:
        self._move(OrderStatus.SHIPPED)

    def cancel(self) -> list[OrderLine]:
        """Cancel the order; returns the lines whose stock goes back on the shelf."""
        self._move(OrderStatus.CANCELLED)
        return list(self.lines)

    def _move(self, target: OrderStatus) -> None:
        if self.status not in _ALLOWED[target]:
            raise WrongOrderState(self.id, self.status, target.value)
        self.status = target


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What a request carrying an idempotency key produced."""

    request_fingerprint: str
    order_id: int


class OrderEvents(Protocol):
    """Told what became of each order request, for whoever keeps count."""

    def order_placed(self, order: Order) -> None: ...

    def order_refused(self, reason: str) -> None: ...


class OrderReader(Protocol):
    """Orders as the read side sees them: looking up and listing, nothing that locks."""

    async def get(self, order_id: int) -> Order | None: ...

    async def idempotency_record(self, user_id: int, key: str) -> IdempotencyRecord | None: ...

    async def list_page(
        self, user_id: int | None, status: OrderStatus | None, before_id: int | None, limit: int
    ) -> list[Order]:
        """Up to `limit` orders, newest first, starting before `before_id`."""
        ...


class OrderRepository(OrderReader, Protocol):
    """Orders as a unit of work changes them."""

    async def get_for_update(self, order_id: int) -> Order | None:
        """Like `get`, holding the order against concurrent transitions until the unit ends."""
        ...

    async def add(
        self, new: NewOrder, idempotency_key: str | None, request_fingerprint: str | None
    ) -> Order:
        """Store the order, the stock left on the products it took from, and the key that
        produced it, all or nothing; IdempotentRequestInProgress when another unit stored the
        same key for the same user meanwhile."""
        ...

    async def save_status(self, order: Order) -> None: ...
