"""The SQLAlchemy unit of work: one pooled connection, committed only when told, always closed."""

import asyncio
from types import TracebackType
from typing import Self

from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.domain.errors import DomainError, StorageUnavailable
from shop.domain.unit_of_work import AbstractUnitOfWork, ReadOnlyUnitOfWork
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.engine import give_back
from shop.infrastructure.order_repository import SqlAlchemyOrderRepository
from shop.infrastructure.product_repository import SqlAlchemyProductRepository
from shop.infrastructure.statements import (
    DriverStatementRunner,
    SqlAlchemyStatementRunner,
    StatementRunner,
)
from shop.infrastructure.user_repository import SqlAlchemyUserRepository


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Checks out one connection per `async with` (so one instance serves one block at a time).

    A writing unit runs in a SQLAlchemy transaction that only `commit()` keeps. A reading
    unit (`read_only()`) borrows the pool's asyncpg connection itself and reads in autocommit:
    no BEGIN or ROLLBACK round trips, no SQLAlchemy connection to set up per request. With
    `reads_on_driver` off (behind PgBouncer) reads run in transactions too.
    """

    def __init__(
        self, engine: AsyncEngine, gate: ConnectionGate, reads_on_driver: bool = True
    ) -> None:
        self._engine = engine
        self._gate = gate
        self._reads_on_driver = reads_on_driver
        self._connection: AsyncConnection | None = None
        self._lent: PoolProxiedConnection | None = None
        self._read_only = False

    def read_only(self) -> Self:
        self._read_only = True
        return self

    async def __aenter__(self) -> Self:
        await self._gate.enter()
        try:
            statements = await self._open()
        except BaseException as error:
            self._read_only = False
            self._gate.leave()
            if isinstance(error, Exception):
                raise _translated(error) from error
            if isinstance(error, asyncio.CancelledError) and not _being_cancelled():
                # The driver's connect gave up on its own (a connection attempt cut short by
                # a server going away): the request itself was not cancelled.
                raise StorageUnavailable(_UNAVAILABLE) from error
            raise
        self.products = SqlAlchemyProductRepository(statements)
        self.users = SqlAlchemyUserRepository(statements)
        self.orders = SqlAlchemyOrderRepository(statements)
        return self

    async def _open(self) -> StatementRunner:
        if self._read_only and self._reads_on_driver:
            self._lent = await self._engine.raw_connection()
            return DriverStatementRunner(self._lent.driver_connection)
        self._connection = await self._engine.connect()
        return SqlAlchemyStatementRunner(self._connection)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._close(exc)
        except Exception as close_error:
            if exc is None:
                raise _translated(close_error) from close_error
        finally:
            self._read_only = False
            self._gate.leave()
        if exc is not None and is_connection_error(exc):
            raise StorageUnavailable(_UNAVAILABLE) from exc

    async def _close(self, exc: BaseException | None) -> None:
        connection, self._connection = self._connection, None
        lent, self._lent = self._lent, None
        if connection is not None:
            if exc is not None and is_connection_error(exc):
                # Gone or hung: a ROLLBACK would wait for an answer that may never come,
                # and the server rolls back by itself when the connection ends.
                await connection.invalidate()
            # Closing rolls back whatever was not committed and returns the connection.
            await connection.close()
        if lent is not None:
            # A read the driver broke off (an error, a cancelled request) may leave the
            # connection mid-protocol: the pool replaces it rather than lend it out again.
            broken = exc is not None and not isinstance(exc, DomainError)
            await give_back(self._engine, lent, broken)

    async def commit(self) -> None:
        if self._read_only:
            raise ReadOnlyUnitOfWork("a read-only unit of work has nothing to commit")
        await self._active.commit()

    async def rollback(self) -> None:
        await self._active.rollback()

    @property
    def _active(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("commit() and rollback() need an open, writing unit of work")
        return self._connection


_UNAVAILABLE = "The database is unavailable; retry shortly."


def _translated(error: Exception) -> Exception:
    if is_connection_error(error):
        return StorageUnavailable(_UNAVAILABLE)
    return error


def _being_cancelled() -> bool:
    """Whether the running task has been asked to stop (a client gone, a shutdown)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
