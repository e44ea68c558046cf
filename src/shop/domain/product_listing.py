"""Listing the catalogue: which products (the filter), in which order, and where a page ends."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

from shop.domain.errors import InvalidInput
from shop.domain.limits import MAX_NAME_LENGTH, MAX_PRICE
from shop.domain.pagination import CursorValue, InvalidCursor, id_in_cursor

if TYPE_CHECKING:
    from shop.domain.products import Product


class ProductSortField(StrEnum):
    ID = "id"
    NAME = "name"
    PRICE = "price"
    CREATED_AT = "created_at"


SortValue: TypeAlias = int | str | Decimal | datetime
SortKey: TypeAlias = tuple[SortValue, ...]
"""A product's place in an ordering: its sort value (unless sorted by id), then its id."""


@dataclass(frozen=True, slots=True)
class ProductOrdering:
    """A sort order of the catalogue; ties are broken by id in the same direction."""

    field: ProductSortField = ProductSortField.ID
    descending: bool = False

    @classmethod
    def parse(cls, text: str) -> "ProductOrdering":
        """Read `price`, `-price`, ... as the API spells them."""
        descending = text.startswith("-")
        try:
            field = ProductSortField(text.removeprefix("-"))
        except ValueError:
            allowed = ", ".join(f"{f}, -{f}" for f in ProductSortField)
            raise InvalidInput(f"Unknown sort order; use one of {allowed}.", "sort") from None
        return cls(field, descending)

    def __str__(self) -> str:
        return f"-{self.field}" if self.descending else str(self.field)

    def key_of(self, product: "Product") -> list[CursorValue]:
        """The position of `product` in this order, as plain values for a cursor."""
        if self.field is ProductSortField.ID:
            return [product.id]
        value = getattr(product, self.field)
        text = value.isoformat() if isinstance(value, datetime) else str(value)
        return [text, product.id]

    def key_from(self, values: list[CursorValue]) -> SortKey:
        """Typed sort key from cursor values made by `key_of`, or InvalidCursor."""
        *head, last = values
        last_id = id_in_cursor(last)
        if self.field is ProductSortField.ID:
            return (last_id,)
        (raw,) = head
        if not isinstance(raw, str):
            raise InvalidCursor
        try:
            return (self._typed(raw), last_id)
        except (ValueError, ArithmeticError):
            raise InvalidCursor from None

    def _typed(self, raw: str) -> SortValue:
        """The sort value in a cursor, refused unless a stored product could have it."""
        if self.field is ProductSortField.PRICE:
            price = Decimal(raw)
            if not price.is_finite() or not 0 <= price <= MAX_PRICE:
                raise InvalidCursor
            return price
        if self.field is ProductSortField.CREATED_AT:
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                raise InvalidCursor
            return moment.astimezone(UTC)  # OverflowError at the calendar's edges
        if "\x00" in raw or len(raw) > MAX_NAME_LENGTH:
            raise InvalidCursor
        raw.encode()  # a lone surrogate cannot be sent to the database
        return raw

    @property
    def arity(self) -> int:
        return 1 if self.field is ProductSortField.ID else 2


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """Which products a listing shows; every criterion left at None is not applied."""

    name_contains: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None

    def __post_init__(self) -> None:
        for field, bound in (("min_price", self.min_price), ("max_price", self.max_price)):
            if bound is not None and (not bound.is_finite() or bound < 0 or bound > MAX_PRICE):
                raise InvalidInput(f"{field} is a price from 0 to {MAX_PRICE}.", field)
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise InvalidInput("min_price must not exceed max_price.", "min_price")
