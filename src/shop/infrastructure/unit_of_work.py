"""The SQLAlchemy unit of work: one pooled connection, committed only when told, always closed."""

from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.domain.unit_of_work import AbstractUnitOfWork, AlreadyOpen, ExcInfo
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.connection_outcomes import (
    raise_close_failure,
    raise_connect_failure,
    settle,
)
from shop.infrastructure.order_repository import SqlAlchemyOrderRepository
from shop.infrastructure.product_repository import SqlAlchemyProductRepository
from shop.infrastructure.statements import Writes
from shop.infrastructure.user_repository import SqlAlchemyUserRepository
from shop.infrastructure.wal_positions import note_commit_position


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Checks out one connection per `async with` (one instance serves one block at a time).

    Everything runs in a SQLAlchemy transaction that only `commit()` keeps; leaving the block
    rolls back the rest and returns the connection.
    """

    def __init__(
        self, engine: AsyncEngine, gate: ConnectionGate, commit_positions: bool = False
    ) -> None:
        self._commit_positions = commit_positions
        self._engine = engine
        self._gate = gate
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise AlreadyOpen("this unit of work is already open; nest another instance")
        await self._gate.enter()
        try:
            self._connection = await self._engine.connect()
        except BaseException as error:
            self._gate.leave()
            raise_connect_failure(error, self._gate)
        writes = Writes(self._connection)
        self.products = SqlAlchemyProductRepository(writes)
        self.users = SqlAlchemyUserRepository(writes)
        self.orders = SqlAlchemyOrderRepository(writes)
        return self

    async def __aexit__(self, *exc_info: *ExcInfo) -> None:
        exc = exc_info[1]
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                if exc is not None and is_connection_error(exc):
                    # Gone or hung: a ROLLBACK would wait for an answer that may never come,
                    # and the server rolls back by itself when the connection ends.
                    await connection.invalidate()
                # Closing rolls back whatever was not committed and returns the connection.
                await connection.close()
        except Exception as close_error:
            raise_close_failure(close_error, exc, self._gate)
        finally:
            self._gate.leave()
        settle(exc, self._gate)

    async def commit(self) -> None:
        await self._active.commit()
        if self._commit_positions:  # reads may come from replicas: say where this write is
            await note_commit_position(self._active)

    async def rollback(self) -> None:
        await self._active.rollback()

    @property
    def _active(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("commit() and rollback() need an open unit of work")
        return self._connection
