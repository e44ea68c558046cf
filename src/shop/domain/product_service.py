"""Product use cases: the catalogue as the API and the command line see it."""

from shop.domain.pagination import Page, decode_cursor, encode_cursor, page_of
from shop.domain.product_listing import ProductFilter, ProductOrdering
from shop.domain.products import NewProduct, Product, ProductChanges, ProductNotFound, StaleProduct
from shop.domain.read_side import AbstractReadSide
from shop.domain.unit_of_work import AbstractUnitOfWork
from shop.domain.users import User


class ProductService:
    def __init__(self, uow: AbstractUnitOfWork, reads: AbstractReadSide) -> None:
        self._uow = uow
        self._reads = reads

    async def create_product(self, actor: User, new: NewProduct) -> Product:
        actor.require_admin()
        async with self._uow as uow:
            product = await uow.products.add(new)
            await uow.commit()
        return product

    async def get_product(self, product_id: int) -> Product:
        async with self._reads as reads:
            product = await reads.products.get(product_id)
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
        async with self._reads as reads:
            rows = await reads.products.list_page(criteria, ordering, after, limit + 1)
        return page_of(
            rows, limit, lambda last: encode_cursor(str(ordering), ordering.key_of(last))
        )

    async def update_product(
        self,
        actor: User,
        product_id: int,
        changes: ProductChanges,
        expected_versions: frozenset[int] | None = None,
    ) -> Product:
        """Apply `changes`; with `expected_versions`, only while the product is at one of them."""
        actor.require_admin()
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

    async def delete_product(self, actor: User, product_id: int) -> None:
        actor.require_admin()
        async with self._uow as uow:
            if not await uow.products.remove(product_id):
                raise ProductNotFound(product_id)
            await uow.commit()
