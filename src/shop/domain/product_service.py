"""Product use cases: the catalogue as the API and the command line see it."""

from shop.domain.pagination import Page, decode_cursor, encode_cursor
from shop.domain.products import (
    NewProduct,
    Product,
    ProductChanges,
    ProductFilter,
    ProductNotFound,
    ProductOrdering,
    StaleProduct,
)
from shop.domain.unit_of_work import AbstractUnitOfWork


class ProductService:
    def __init__(self, uow: AbstractUnitOfWork) -> None:
        self._uow = uow

    async def create_product(self, new: NewProduct) -> Product:
        async with self._uow as uow:
            product = await uow.products.add(new)
            await uow.commit()
        return product

    async def get_product(self, product_id: int) -> Product:
        async with self._uow as uow:
            product = await uow.products.get(product_id)
        if product is None:
            raise ProductNotFound(product_id)
        return product

    async def list_products(
        self,
        criteria: ProductFilter,
        ordering: ProductOrdering,
        limit: int,
        cursor: str | None = None,
    ) -> Page[Product]:
        after = None
        if cursor is not None:
            after = ordering.key_from(decode_cursor(cursor, str(ordering), ordering.arity))
        async with self._uow as uow:
            # One row more than asked tells whether another page follows.
            rows = await uow.products.list_page(criteria, ordering, after, limit + 1)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor(str(ordering), ordering.key_of(items[-1]))
        return Page(items, next_cursor)

    async def update_product(
        self,
        product_id: int,
        changes: ProductChanges,
        expected_versions: frozenset[int] | None = None,
    ) -> Product:
        """Apply `changes`; with `expected_versions`, only while the product is at one of them."""
        async with self._uow as uow:
            product = await uow.products.get_for_update(product_id)
            if product is None:
                raise ProductNotFound(product_id)
            if not product.matches(expected_versions):
                raise StaleProduct(product_id)
            if product.apply(changes):
                await uow.products.save(product)
                await uow.commit()
        return product

    async def delete_product(self, product_id: int) -> None:
        async with self._uow as uow:
            if not await uow.products.remove(product_id):
                raise ProductNotFound(product_id)
            await uow.commit()
