"""The SQLAlchemy unit of work: one pooled connection, one transaction, committed only when
told, always given back."""

from typing import Any, Self

from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.domain.unit_of_work import AbstractUnitOfWork, AlreadyOpen, ExcInfo
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_outcomes import (
    broke_off,
    raise_close_failure,
    raise_connect_failure,
    settle,
)
from shop.infrastructure.engine import give_back
from shop.infrastructure.order_repository import SqlAlchemyOrderRepository
from shop.infrastructure.product_repository import SqlAlchemyProductRepository
from shop.infrastructure.statements import Writes
from shop.infrastructure.user_repository import SqlAlchemyUserRepository
from shop.infrastructure.wal_positions import note_commit_position


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Borrows one connection from the engine's pool per `async with` (one instance serves
    one block at a time) and runs everything in one transaction that only `commit()` keeps.

    The statements run on the pool's asyncpg connection itself, in a transaction begun on
    it (see `shop.infrastructure.statements`). Leaving the block rolls back the rest and
    gives the connection back; a connection an unexpected error or a cancellation broke off
    mid-statement is closed instead, and the server rolls its transaction back.
    """

    def __init__(
        self, engine: AsyncEngine, gate: ConnectionGate, commit_positions: bool = False
    ) -> None:
        self._commit_positions = commit_positions
        self._engine = engine
        self._gate = gate
        self._lent: PoolProxiedConnection | None = None
        self._transaction: Any = None

    async def __aenter__(self) -> Self:
        if self._lent is not None:
            raise AlreadyOpen("this unit of work is already open; nest another instance")
        await self._gate.enter()
        lent = None
        try:
            lent = self._lent = await self._engine.raw_connection()
            driver: Any = lent.driver_connection
            self._transaction = driver.transaction()
            await self._transaction.start()
        except BaseException as error:
            self._lent = self._transaction = None
            try:
                if lent is not None:
                    await give_back(self._engine, lent, broken=True)
            finally:
                self._gate.leave()
            raise_connect_failure(error, self._gate)
        writes = Writes(driver)
        self.products = SqlAlchemyProductRepository(writes)
        self.users = SqlAlchemyUserRepository(writes)
        self.orders = SqlAlchemyOrderRepository(writes)
        return self

    async def __aexit__(self, *exc_info: *ExcInfo) -> None:
        exc = exc_info[1]
        lent, self._lent = self._lent, None
        transaction, self._transaction = self._transaction, None
        try:
            if lent is not None:
                await self._end(lent, transaction, broke_off(exc))
        except Exception as close_error:
            raise_close_failure(close_error, exc, self._gate)
        finally:
            self._gate.leave()
        settle(exc, self._gate)

    async def _end(self, lent: PoolProxiedConnection, transaction: Any, broken: bool) -> None:
        """Roll back what was neither committed nor rolled back, and give the connection
        back; one whose rollback failed is given back as broken (the pool replaces it)."""
        driver: Any = lent.driver_connection
        try:
            if not broken and transaction is not None and driver.is_in_transaction():
                await transaction.rollback()
        except BaseException:
            broken = True
            raise
        finally:
            await give_back(self._engine, lent, broken)

    async def commit(self) -> None:
        await self._active.commit()
        if self._commit_positions and self._lent is not None:
            # Reads may come from replicas: say where this write is.
            await note_commit_position(self._lent.driver_connection)

    async def rollback(self) -> None:
        await self._active.rollback()

    @property
    def _active(self) -> Any:
        """The transaction of the open block."""
        if self._transaction is None:
            raise RuntimeError("commit() and rollback() need an open unit of work")
        return self._transaction
