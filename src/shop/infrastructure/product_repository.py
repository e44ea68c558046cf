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
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import array

from shop.domain.product_listing import ProductFilter, ProductOrdering, SortKey
from shop.domain.products import NewProduct, Product, ProductInUse
from shop.infrastructure.refused_writes import FOREIGN_KEY_VIOLATION, violates
from shop.infrastructure.statements import Fields, Query, Runner, RunsStatements, Writes
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


def _by_id(lock: bool) -> Select[Any]:
    statement = select(products).where(products.c.id == bindparam("product_id"))
    return statement.with_for_update() if lock else statement


_BY_ID = Query(_by_id)


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


_LISTING = Query(_listing)


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
            _BY_ID.shaped(False), product_from_row, product_id=product_id
        )

    async def list_page(
        self, criteria: ProductFilter, ordering: ProductOrdering, after: SortKey | None, limit: int
    ) -> list[Product]:
        values = _listing_values(criteria)
        for i, value in enumerate(after or ()):
            values[f"after_{i}"] = value
        shape = _ListingShape.of(criteria, ordering, after is not None)
        rows = await self._statements.rows(_LISTING.shaped(shape), limit=limit, **values)
        return [product_from_row(row) for row in rows]


class SqlAlchemyProductRepository(SqlAlchemyProductReader[Writes]):
    """The write side's products: the reads, and locking and writing in the unit's transaction."""

    async def get_for_update(self, product_id: int) -> Product | None:
        return await self._statements.one(
            _BY_ID.shaped(True), product_from_row, product_id=product_id
        )

    async def lock_many(self, product_ids: list[int]) -> list[Product]:
        statement = (
            select(products)
            .where(products.c.id.in_(product_ids))
            .order_by(products.c.id)
            .with_for_update()
        )
        result = await self._statements.execute(statement)
        return [product_from_row(row) for row in result.mappings()]

    async def save_stock(self, changed: list[Product]) -> None:
        if not changed:
            return
        # One statement for every product: the new quantities ride along as arrays.
        stock = select(
            func.unnest(array([p.id for p in changed], type_=Integer)).label("id"),
            func.unnest(array([p.quantity for p in changed], type_=Integer)).label("quantity"),
        ).subquery("stock")
        statement = (
            update(products)
            .where(products.c.id == stock.c.id)
            .values(
                quantity=stock.c.quantity,
                version=products.c.version + 1,
                updated_at=func.now(),
            )
            .returning(products.c.id, products.c.version, products.c.updated_at)
        )
        by_id = {p.id: p for p in changed}
        for product_id, version, updated_at in await self._statements.execute(statement):
            by_id[product_id].version, by_id[product_id].updated_at = version, updated_at

    async def add(self, new: NewProduct) -> Product:
        statement = (
            insert(products)
            .values(
                name=new.name,
                description=new.description,
                price=new.price,
                quantity=new.quantity,
            )
            .returning(*products.c)
        )
        return product_from_row((await self._statements.execute(statement)).mappings().one())

    async def save(self, product: Product) -> None:
        statement = (
            update(products)
            .where(products.c.id == product.id)
            .values(
                name=product.name,
                description=product.description,
                price=product.price,
                quantity=product.quantity,
                version=products.c.version + 1,
                updated_at=func.now(),
            )
            .returning(products.c.version, products.c.updated_at)
        )
        product.version, product.updated_at = (await self._statements.execute(statement)).one()

    async def remove(self, product_id: int) -> bool:
        statement = delete(products).where(products.c.id == product_id).returning(products.c.id)
        try:
            deleted = (await self._statements.execute(statement)).one_or_none()
        except sa_exc.IntegrityError as error:
            if violates(error, FOREIGN_KEY_VIOLATION):
                raise ProductInUse(product_id) from None
            raise
        return deleted is not None
