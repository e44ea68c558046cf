"""Order use cases: placing, paying, shipping, cancelling, and who may see which order."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from shop.domain.orders import (
    IdempotencyKeyReused,
    IdempotentRequestInProgress,
    NotYourOrder,
    Order,
    OrderEvents,
    OrderNotFound,
    OrderRequest,
    OrderStatus,
    return_stock,
    take_stock,
)
from shop.domain.pagination import Page, decode_cursor, encode_cursor, id_in_cursor, page_of
from shop.domain.products import OutOfStock
from shop.domain.read_side import AbstractReadSide
from shop.domain.unit_of_work import AbstractUnitOfWork
from shop.domain.users import AdminOnly, User

_ORDERS_CURSOR = "orders"


@dataclass(frozen=True, slots=True)
class Placement:
    order: Order
    replayed: bool = False
    """True when the idempotency key named an order placed before: nothing new was done."""


class OrderService:
    def __init__(
        self, uow: AbstractUnitOfWork, reads: AbstractReadSide, events: OrderEvents
    ) -> None:
        self._uow = uow
        self._reads = reads
        self._events = events

    async def place_order(
        self, actor: User, request: OrderRequest, idempotency_key: str | None = None
    ) -> Placement:
        """Take the stock of every line and record the order, all or nothing.

        With an `idempotency_key`, a retry of the same request returns the first order and
        takes no more stock; the same key with another request is IdempotencyKeyReused.
        """
        fingerprint = request.fingerprint() if idempotency_key else None
        if idempotency_key is not None:
            replay = await self._replay(actor, idempotency_key, request)
            if replay is not None:
                return replay
        try:
            async with self._uow as uow:
                products = await uow.products.lock_many(request.product_ids)
                new_order = take_stock(actor.id, request, products)
                order = await uow.orders.add(new_order, idempotency_key, fingerprint)
                await uow.commit()
        except OutOfStock:
            self._events.order_refused("out_of_stock")
            raise
        except IdempotentRequestInProgress:
            if idempotency_key is None:
                raise
            # A twin request with the same key committed first: answer with its order.
            replay = await self._replay(actor, idempotency_key, request)
            if replay is None:
                raise
            return replay
        self._events.order_placed(order)
        return Placement(order)

    async def _replay(self, actor: User, key: str, request: OrderRequest) -> Placement | None:
        async with self._reads as reads:
            record = await reads.orders.idempotency_record(actor.id, key)
            if record is None:
                return None
            if record.request_fingerprint != request.fingerprint():
                raise IdempotencyKeyReused
            order = await reads.orders.get(record.order_id)
        if order is None:
            return None
        return Placement(order, replayed=True)

    async def get_order(self, actor: User, order_id: int) -> Order:
        async with self._reads as reads:
            order = await reads.orders.get(order_id)
        return self._visible(actor, order, order_id)

    async def pay_order(self, actor: User, order_id: int) -> Order:
        """Its owner pays a pending order."""
        async with self._changing(actor, order_id) as (_, order):
            if order.user_id != actor.id:
                raise NotYourOrder("pay")
            order.pay()
        return order

    async def ship_order(self, actor: User, order_id: int) -> Order:
        """An admin ships a paid order."""
        async with self._changing(actor, order_id) as (_, order):
            if not actor.is_admin:
                raise AdminOnly
            order.ship()
        return order

    async def cancel_order(self, actor: User, order_id: int) -> Order:
        """Its owner or an admin cancels a pending or paid order; the stock goes back."""
        async with self._changing(actor, order_id) as (uow, order):
            returned = order.cancel()
            products = await uow.products.lock_many(sorted(line.product_id for line in returned))
            return_stock(returned, products)
            await uow.products.save_stock(products)
        return order

    @asynccontextmanager
    async def _changing(
        self, actor: User, order_id: int
    ) -> AsyncIterator[tuple[AbstractUnitOfWork, Order]]:
        """The order, locked in a unit of work, if the actor may see it; the block moves it to
        another status, which is stored and committed when the block ends without an error."""
        async with self._uow as uow:
            order = self._visible(actor, await uow.orders.get_for_update(order_id), order_id)
            yield uow, order
            await uow.orders.save_status(order)
            await uow.commit()

    async def list_orders(
        self,
        actor: User,
        limit: int,
        cursor: str | None = None,
        *,
        status: OrderStatus | None = None,
        user_id: int | None = None,
    ) -> Page[Order]:
        """A customer's own orders, or (for an admin) everyone's or one user's; newest first."""
        if not actor.is_admin:
            if user_id not in (None, actor.id):
                raise AdminOnly
            user_id = actor.id
        before = None
        if cursor is not None:
            (last_id,) = decode_cursor(cursor, _ORDERS_CURSOR, 1)
            before = id_in_cursor(last_id)
        async with self._reads as reads:
            rows = await reads.orders.list_page(user_id, status, before, limit + 1)
        return page_of(rows, limit, lambda last: encode_cursor(_ORDERS_CURSOR, [last.id]))

    @staticmethod
    def _visible(actor: User, order: Order | None, order_id: int) -> Order:
        """The order if the actor may see it; to anyone else it does not exist."""
        if order is None or not actor.may_see(order.user_id):
            raise OrderNotFound(order_id)
        return order
