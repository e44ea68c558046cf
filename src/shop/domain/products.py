"""Products: what the shop sells, at what price, and how many are on the shelf."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Protocol

from shop.domain.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from shop.domain.limits import (
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PRICE,
    MAX_STOCK_QUANTITY,
)
from shop.domain.product_listing import ProductFilter, ProductOrdering, SortKey

CENT = Decimal("0.01")


class InvalidProduct(InvalidInput):
    pass


class ProductNotFound(NotFound):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"Product {product_id} does not exist.")
        self.product_id = product_id


class ProductInUse(Conflict):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"Product {product_id} is referenced by orders and cannot be deleted.")
        self.product_id = product_id


class StaleProduct(PreconditionFailed):
    def __init__(self, product_id: int) -> None:
        super().__init__(
            f"Product {product_id} has changed since the version the request expected; "
            "fetch it again and retry."
        )
        self.product_id = product_id


class OutOfStock(Conflict):
    def __init__(self, product_id: int, name: str, requested: int, available: int) -> None:
        super().__init__(
            f"Not enough stock of product {product_id} ({name!r}): "
            f"{requested} requested, {available} available."
        )
        self.product_id = product_id
        self.requested = requested
        self.available = available


def checked_name(name: str) -> str:
    if not name.strip():
        raise InvalidProduct("A product name must not be blank.", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidProduct(
            f"A product name is at most {MAX_NAME_LENGTH} characters.", field="name"
        )
    return name


def checked_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidProduct(
            f"A description is at most {MAX_DESCRIPTION_LENGTH} characters.", field="description"
        )
    return description


def checked_price(price: Decimal) -> Decimal:
    """Return the price with exactly two places, or refuse it."""
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        raise InvalidProduct(f"A price is a finite amount from 0 to {MAX_PRICE}.", field="price")
    try:
        exact = price.quantize(CENT)
    except InvalidOperation:
        raise InvalidProduct("A price has at most 2 decimal places.", field="price") from None
    if exact != price:
        raise InvalidProduct("A price has at most 2 decimal places.", field="price")
    return exact.copy_abs()  # -0.00 is 0.00


def checked_quantity(quantity: int) -> int:
    if not 0 <= quantity <= MAX_STOCK_QUANTITY:
        raise InvalidProduct(
            f"A stock quantity is a whole number from 0 to {MAX_STOCK_QUANTITY}.", field="quantity"
        )
    return quantity


@dataclass(frozen=True, slots=True, kw_only=True)
class NewProduct:
    """A product about to be added; checks the same rules as `Product`."""

    name: str
    description: str | None = None
    price: Decimal
    quantity: int

    def __post_init__(self) -> None:
        checked_name(self.name)
        checked_description(self.description)
        object.__setattr__(self, "price", checked_price(self.price))
        checked_quantity(self.quantity)


class Keep(Enum):
    """Marks a field that a change leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class ProductChanges:
    """A partial update: every field left at KEEP stays as it is."""

    name: str | Keep = KEEP
    description: str | Keep | None = KEEP
    price: Decimal | Keep = KEEP
    quantity: int | Keep = KEEP


@dataclass(eq=False, slots=True)
class Product:
    """A product in the catalogue; `quantity` is the stock on hand, `version` counts its updates."""

    id: int
    name: str
    description: str | None
    price: Decimal
    quantity: int
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def apply(self, changes: ProductChanges) -> bool:
        """Apply a partial update; return whether anything changed."""
        before = (self.name, self.description, self.price, self.quantity)
        if not isinstance(changes.name, Keep):
            self.name = checked_name(changes.name)
        if not isinstance(changes.description, Keep):
            self.description = checked_description(changes.description)
        if not isinstance(changes.price, Keep):
            self.price = checked_price(changes.price)
        if not isinstance(changes.quantity, Keep):
            self.quantity = checked_quantity(changes.quantity)
        return before != (self.name, self.description, self.price, self.quantity)

    def ensure_available(self, amount: int) -> None:
        """Raise OutOfStock unless `amount` can be taken from the shelf."""
        if amount > self.quantity:
            raise OutOfStock(self.id, self.name, amount, self.quantity)

    def reserve(self, amount: int) -> None:
        """Take `amount` from the shelf, refusing to go below zero."""
        if amount <= 0:
            raise InvalidProduct("A reservation takes at least one item.", field="quantity")
        self.ensure_available(amount)
        self.quantity -= amount

    def release(self, amount: int) -> None:
        """Put `amount` back on the shelf."""
        if amount <= 0:
            raise InvalidProduct("A release returns at least one item.", field="quantity")
        self.quantity = checked_quantity(self.quantity + amount)

    def matches(self, versions: frozenset[int] | None) -> bool:
        """Whether this product is at one of `versions` (None: any version will do)."""
        return versions is None or self.version in versions


class ProductReader(Protocol):
    """The catalogue as the read side sees it: looking up and listing, nothing that locks."""

    async def get(self, product_id: int) -> Product | None: ...

    async def list_page(
        self, criteria: ProductFilter, ordering: ProductOrdering, after: SortKey | None, limit: int
    ) -> list[Product]:
        """Up to `limit` products in `ordering`, starting after the key `after`."""
        ...


class ProductRepository(ProductReader, Protocol):
    """The catalogue as a collection a unit of work changes; never leaks its storage upwards."""

    async def get_for_update(self, product_id: int) -> Product | None:
        """Like `get`, and holds the product against concurrent changes until the unit ends."""
        ...

    async def lock_many(self, product_ids: list[int]) -> list[Product]:
        """The products that exist among `product_ids`, locked in ascending id order.

        One lock order for every transaction is what keeps two orders from deadlocking.
        """
        ...

    async def save_stock(self, changed: list[Product]) -> None:
        """Store the stock of several products at once; bumps their versions in place."""
        ...

    async def add(self, new: NewProduct) -> Product: ...

    async def save(self, product: Product) -> None:
        """Store the product's changes; bumps its version and `updated_at` in place."""
        ...

    async def remove(self, product_id: int) -> bool:
        """Delete the product; False when it did not exist, ProductInUse when orders need it."""
        ...
