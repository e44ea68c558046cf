"""Products in PostgreSQL: SQLAlchemy Core statements, rows turned into domain entities."""

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from shop.domain.products import (
    NewProduct,
    Product,
    ProductFilter,
    ProductInUse,
    ProductOrdering,
    SortValue,
)
from shop.infrastructure.tables import products

_FOREIGN_KEY_VIOLATION = "23503"


def product_from_row(row: Row[Any]) -> Product:
    return Product(**row._mapping)


def _like_pattern(fragment: str) -> str:
    """`%fragment%` with LIKE's own wildcards in `fragment` taken literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(statement: Select[Any], criteria: ProductFilter) -> Select[Any]:
    if criteria.name_contains:
        statement = statement.where(
            products.c.name.ilike(_like_pattern(criteria.name_contains), escape="\\")
        )
    if criteria.min_price is not None:
        statement = statement.where(products.c.price >= criteria.min_price)
    if criteria.max_price is not None:
        statement = statement.where(products.c.price <= criteria.max_price)
    if criteria.in_stock is True:
        statement = statement.where(products.c.quantity > 0)
    elif criteria.in_stock is False:
        statement = statement.where(products.c.quantity == 0)
    return statement


def _ordered(
    statement: Select[Any], ordering: ProductOrdering, after: tuple[SortValue, ...] | None
) -> Select[Any]:
    columns = [products.c[ordering.field]]
    if ordering.field != "id":
        columns.append(products.c.id)
    key = tuple_(*columns) if len(columns) > 1 else columns[0]
    if after is not None:
        bound = tuple_(*after) if len(after) > 1 else after[0]
        position: ColumnElement[bool] = key < bound if ordering.descending else key > bound
        statement = statement.where(position)
    return statement.order_by(*(c.desc() if ordering.descending else c.asc() for c in columns))


class SqlAlchemyProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, product_id: int) -> Product | None:
        result = await self._session.execute(select(products).where(products.c.id == product_id))
        row = result.one_or_none()
        return None if row is None else product_from_row(row)

    async def get_for_update(self, product_id: int) -> Product | None:
        statement = select(products).where(products.c.id == product_id).with_for_update()
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else product_from_row(row)

    async def lock_many(self, product_ids: list[int]) -> list[Product]:
        statement = (
            select(products)
            .where(products.c.id.in_(product_ids))
            .order_by(products.c.id)
            .with_for_update()
        )
        return [product_from_row(row) for row in await self._session.execute(statement)]

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
        for product_id, version, updated_at in await self._session.execute(statement):
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
        return product_from_row((await self._session.execute(statement)).one())

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
        product.version, product.updated_at = (await self._session.execute(statement)).one()

    async def remove(self, product_id: int) -> bool:
        statement = delete(products).where(products.c.id == product_id).returning(products.c.id)
        try:
            deleted = (await self._session.execute(statement)).one_or_none()
        except sa_exc.IntegrityError as error:
            if getattr(error.orig, "sqlstate", None) == _FOREIGN_KEY_VIOLATION:
                raise ProductInUse(product_id) from None
            raise
        return deleted is not None

    async def list_page(
        self,
        criteria: ProductFilter,
        ordering: ProductOrdering,
        after: tuple[SortValue, ...] | None,
        limit: int,
    ) -> list[Product]:
        statement = _ordered(_filtered(select(products), criteria), ordering, after).limit(limit)
        result = await self._session.execute(statement)
        return [product_from_row(row) for row in result]
