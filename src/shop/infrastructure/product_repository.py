"""Products in PostgreSQL: SQLAlchemy Core statements, rows turned into domain entities."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    delete,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.dml import UpdateBase

from shop.domain.product_listing import ProductFilter, ProductOrdering, SortKey
from shop.domain.products import NewProduct, Product, ProductInUse
from shop.infrastructure.refused_writes import FOREIGN_KEY_VIOLATION, RefusedWrite, violates
from shop.infrastructure.statements import Fields, Query, Runner, RunsStatements, Write, Writes
from shop.infrastructure.tables import products


def product_from_row(row: Fields) -> Product:
    """The entity from a products row; columns it does not know are left alone."""
    return Product(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        price=row["price"],
        quantity=row["quantity"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _like_pattern(fragment: str) -> str:
    """`%fragment%` with LIKE's own wildcards in `fragment` taken literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@Query
def _by_id(lock: bool) -> Select[Any]:
    statement = select(products).where(products.c.id == bindparam("product_id"))
    return statement.with_for_update() if lock else statement


@dataclass(frozen=True, slots=True)
class _ListingShape:
    """Which filters a listing applies and how it is ordered; the values are parameters."""

    ordering: ProductOrdering
    name_pattern: bool
    min_price: bool
    max_price: bool
    in_stock: bool | None
    continues: bool

    @classmethod
    def of(
        cls, criteria: ProductFilter, ordering: ProductOrdering, continues: bool
    ) -> "_ListingShape":
        return cls(
            ordering,
            bool(criteria.name_contains),
            criteria.min_price is not None,
            criteria.max_price is not None,
            criteria.in_stock,
            continues,
        )


@Query
def _listing(shape: _ListingShape) -> Select[Any]:
    """The listing statement of one shape; every value is a named parameter."""
    ordering = shape.ordering
    statement = select(products)
    if shape.name_pattern:
        statement = statement.where(products.c.name.ilike(bindparam("pattern"), escape="\\"))
    if shape.min_price:
        statement = statement.where(products.c.price >= bindparam("min_price"))
    if shape.max_price:
        statement = statement.where(products.c.price <= bindparam("max_price"))
    if shape.in_stock is not None:
        in_stock = products.c.quantity > 0 if shape.in_stock else products.c.quantity == 0
        statement = statement.where(in_stock)
    columns = [products.c[ordering.field]]
    if ordering.field != "id":
        columns.append(products.c.id)
    if shape.continues:
        key = tuple_(*columns) if len(columns) > 1 else columns[0]
        names: list[Any] = [bindparam(f"after_{i}") for i in range(len(columns))]
        bound = tuple_(*names) if len(names) > 1 else names[0]
        position: ColumnElement[bool] = key < bound if ordering.descending else key > bound
        statement = statement.where(position)
    ordered = statement.order_by(*(c.desc() if ordering.descending else c.asc() for c in columns))
    return ordered.limit(bindparam("limit"))


def _listing_values(criteria: ProductFilter) -> dict[str, Any]:
    """The filter values a listing passes, by the names its statement uses."""
    values: dict[str, Any] = {}
    if criteria.name_contains:
        values["pattern"] = _like_pattern(criteria.name_contains)
    if criteria.min_price is not None:
        values["min_price"] = criteria.min_price
    if criteria.max_price is not None:
        values["max_price"] = criteria.max_price
    return values


class SqlAlchemyProductReader(RunsStatements[Runner]):
    """The read side's products: looking up and listing."""

    async def get(self, product_id: int) -> Product | None:
        return await self._statements.one(
            _by_id.shaped(False), product_from_row, product_id=product_id
        )

    async def list_page(
        self, criteria: ProductFilter, ordering: ProductOrdering, after: SortKey | None, limit: int
    ) -> list[Product]:
        values = _listing_values(criteria)
        for i, value in enumerate(after or ()):
            values[f"after_{i}"] = value
        shape = _ListingShape.of(criteria, ordering, after is not None)
        rows = await self._statements.rows(_listing.shaped(shape), limit=limit, **values)
        return [product_from_row(row) for row in rows]


@Query
def _locking_many() -> Select[Any]:
    """The products with these ids, locked in id order (the same order for every caller, so
    two orders for the same products wait for each other instead of deadlocking)."""
    ids = bindparam("product_ids", type_=ARRAY(Integer))
    return (
        select(products)
        .where(products.c.id == func.any(ids))
        .order_by(products.c.id)
        .with_for_update()
    )


def stock_update(ids: str, levels: str) -> UpdateBase:
    """Each product's stock set to what is left, for any number of products in one statement:
    the ids and the stock levels come as two array parameters of these names."""
    stock = select(
        func.unnest(bindparam(ids, type_=ARRAY(Integer))).label("id"),
        func.unnest(bindparam(levels, type_=ARRAY(Integer))).label("quantity"),
    ).subquery("stock")
    return (
        update(products)
        .where(products.c.id == stock.c.id)
        .values(quantity=stock.c.quantity, version=products.c.version + 1, updated_at=func.now())
        .returning(products.c.id, products.c.version, products.c.updated_at)
    )


@Write
def _saving_stock() -> UpdateBase:
    return stock_update("product_ids", "quantities")


_EDITABLE = ("name", "description", "price", "quantity")
"""The columns a product is created with and edited by, named as the entity's fields."""


def _editable_values(product: NewProduct | Product) -> dict[str, Any]:
    return {column: getattr(product, column) for column in _EDITABLE}


_adding = Write.inserting(products, _EDITABLE)


@Write
def _saving() -> UpdateBase:
    return (
        update(products)
        .where(products.c.id == bindparam("product_id"))
        .values(
            {c: bindparam(c) for c in _EDITABLE}
            | {"version": products.c.version + 1, "updated_at": func.now()}
        )
        .returning(products.c.version, products.c.updated_at)
    )


@Write
def _removing() -> UpdateBase:
    return delete(products).where(products.c.id == bindparam("product_id")).returning(products.c.id)


class SqlAlchemyProductRepository(SqlAlchemyProductReader[Writes]):
    """The write side's products: the reads, and locking and writing in the unit's transaction."""

    async def get_for_update(self, product_id: int) -> Product | None:
        return await self._statements.one(
            _by_id.shaped(True), product_from_row, product_id=product_id
        )

    async def lock_many(self, product_ids: list[int]) -> list[Product]:
        rows = await self._statements.rows(_locking_many.shaped(), product_ids=product_ids)
        return [product_from_row(row) for row in rows]

    async def save_stock(self, changed: list[Product]) -> None:
        if not changed:
            return
        saved = await self._statements.rows(
            _saving_stock.shaped(),
            product_ids=[p.id for p in changed],
            quantities=[p.quantity for p in changed],
        )
        by_id = {p.id: p for p in changed}
        for row in saved:
            product = by_id[row["id"]]
            product.version, product.updated_at = row["version"], row["updated_at"]

    async def add(self, new: NewProduct) -> Product:
        (added,) = await self._statements.rows(_adding.shaped(), **_editable_values(new))
        return product_from_row(added)

    async def save(self, product: Product) -> None:
        (saved,) = await self._statements.rows(
            _saving.shaped(), product_id=product.id, **_editable_values(product)
        )
        product.version, product.updated_at = saved["version"], saved["updated_at"]

    async def remove(self, product_id: int) -> bool:
        try:
            deleted = await self._statements.rows(_removing.shaped(), product_id=product_id)
        except RefusedWrite as error:
            if violates(error, FOREIGN_KEY_VIOLATION):
                raise ProductInUse(product_id) from None
            raise
        return bool(deleted)
