"""The SQLAlchemy unit of work: one pooled connection, committed only when told, always closed."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.domain.errors import StorageUnavailable
from shop.domain.unit_of_work import AbstractUnitOfWork
from shop.infrastructure.database import ConnectionGate, is_connection_error
from shop.infrastructure.order_repository import SqlAlchemyOrderRepository
from shop.infrastructure.product_repository import SqlAlchemyProductRepository
from shop.infrastructure.statements import StatementRunner
from shop.infrastructure.user_repository import SqlAlchemyUserRepository


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Checks out one connection per `async with` (so one instance serves one block at a time).

    A writing unit runs in a transaction that only `commit()` keeps. A reading unit
    (`read_only()`) runs in autocommit on `reading_engine`: no BEGIN and no ROLLBACK round
    trips, and its queries go straight to the driver. Without a reading engine (behind
    PgBouncer) reads run in transactions too.
    """

    def __init__(
        self, engine: AsyncEngine, reading_engine: AsyncEngine | None, gate: ConnectionGate
    ) -> None:
        self._engine = engine
        self._reading_engine = reading_engine
        self._gate = gate
        self._connection: AsyncConnection | None = None
        self._read_only = False

    def read_only(self) -> Self:
        self._read_only = True
        return self

    async def __aenter__(self) -> Self:
        reading = self._reading_engine if self._read_only else None
        engine = reading or self._engine
        autocommit = reading is not None
        await self._gate.enter()
        try:
            self._connection = await engine.connect()
        except BaseException as error:
            self._gate.leave()
            if isinstance(error, Exception):
                raise _translated(error) from error
            raise
        statements = StatementRunner(self._connection, straight_to_driver=autocommit)
        self.products = SqlAlchemyProductRepository(self._connection, statements)
        self.users = SqlAlchemyUserRepository(self._connection, statements)
        self.orders = SqlAlchemyOrderRepository(self._connection, statements)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection, self._read_only = self._connection, None, False
        try:
            # Closing rolls back whatever was not committed and returns the connection.
            if connection is not None:
                await connection.close()
        except Exception as close_error:
            if exc is None:
                raise _translated(close_error) from close_error
        finally:
            self._gate.leave()
        if exc is not None and is_connection_error(exc):
            raise StorageUnavailable("The database is unavailable; retry shortly.") from exc

    async def commit(self) -> None:
        await self._active.commit()

    async def rollback(self) -> None:
        await self._active.rollback()

    @property
    def _active(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is used outside `async with`")
        return self._connection


def _translated(error: Exception) -> Exception:
    if is_connection_error(error):
        return StorageUnavailable("The database is unavailable; retry shortly.")
    return error
