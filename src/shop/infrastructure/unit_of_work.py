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
from shop.infrastructure.read_routing import ReadRouting, RoutedReads
from shop.infrastructure.statements import (
    DriverStatementRunner,
    SqlAlchemyStatementRunner,
    StatementRunner,
)
from shop.infrastructure.user_repository import SqlAlchemyUserRepository
from shop.infrastructure.wal_positions import note_commit_position


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Checks out one connection per `async with` (so one instance serves one block at a time).

    A writing unit runs in a SQLAlchemy transaction that only `commit()` keeps. A reading
    unit (`read_only()`) borrows the pool's asyncpg connection itself and reads in autocommit:
    no BEGIN or ROLLBACK round trips, no SQLAlchemy connection to set up per request. With
    `reads_on_driver` off (behind PgBouncer) reads run in transactions too.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        gate: ConnectionGate,
        reads_on_driver: bool = True,
        commit_positions: bool = False,
        routing: ReadRouting | None = None,
    ) -> None:
        self._commit_positions = commit_positions
        self._routing = routing
        self._routed: RoutedReads | None = None
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
        if self._read_only and self._reads_on_driver and self._routing is not None:
            statements = await self._open_routed(self._routing)
        else:
            statements = await self._open_gated()
        self.products = SqlAlchemyProductRepository(statements)
        self.users = SqlAlchemyUserRepository(statements)
        self.orders = SqlAlchemyOrderRepository(statements)
        return self

    async def _open_routed(self, routing: ReadRouting) -> StatementRunner:
        """Reads from a replica the request may use, through that server's own gate."""
        routed = RoutedReads(routing)
        try:
            await routed.open()
        except BaseException as error:
            self._read_only = False
            if isinstance(error, Exception):
                raise self._translated(error) from error
            raise
        self._routed = routed
        return DriverStatementRunner(routed)

    async def _open_gated(self) -> StatementRunner:
        await self._gate.enter()
        try:
            return await self._open()
        except BaseException as error:
            self._read_only = False
            self._gate.leave()
            if isinstance(error, Exception):
                raise self._translated(error) from error
            if isinstance(error, asyncio.CancelledError) and not _being_cancelled():
                # The driver's connect gave up on its own (a connection attempt cut short by
                # a server going away): the request itself was not cancelled.
                self._gate.database_lost()
                raise StorageUnavailable(_UNAVAILABLE) from error
            raise

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
        routed, self._routed = self._routed, None
        try:
            if routed is not None:
                await routed.close(exc)
            else:
                await self._close(exc)
        except Exception as close_error:
            if exc is None:
                raise self._translated(close_error) from close_error
        finally:
            self._read_only = False
            if routed is None:
                self._gate.leave()
        if routed is None and (exc is None or isinstance(exc, DomainError)):
            self._gate.database_answered()
        elif exc is not None and is_connection_error(exc):
            if routed is None:
                self._gate.database_lost()
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
        if self._commit_positions:  # reads may come from replicas: say where this write is
            await note_commit_position(self._active)

    async def rollback(self) -> None:
        await self._active.rollback()

    def _translated(self, error: Exception) -> Exception:
        """A lost connection as StorageUnavailable (and the gate told); anything else as is."""
        if is_connection_error(error):
            self._gate.database_lost()
            return StorageUnavailable(_UNAVAILABLE)
        return error

    @property
    def _active(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("commit() and rollback() need an open, writing unit of work")
        return self._connection


_UNAVAILABLE = "The database is unavailable; retry shortly."


def _being_cancelled() -> bool:
    """Whether the running task has been asked to stop (a client gone, a shutdown)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
