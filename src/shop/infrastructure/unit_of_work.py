"""The SQLAlchemy unit of work: one pooled connection, committed only when told, always closed."""

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.domain.unit_of_work import AbstractUnitOfWork
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.connection_outcomes import GatedConnectionUse
from shop.infrastructure.order_repository import SqlAlchemyOrderRepository
from shop.infrastructure.product_repository import SqlAlchemyProductRepository
from shop.infrastructure.statements import Writes
from shop.infrastructure.user_repository import SqlAlchemyUserRepository


class SqlAlchemyUnitOfWork(GatedConnectionUse, AbstractUnitOfWork):
    """Checks out one connection per `async with` (one instance serves one block at a time).

    Everything runs in a SQLAlchemy transaction that only `commit()` keeps; leaving the block
    rolls back the rest and returns the connection.
    """

    def __init__(self, engine: AsyncEngine, gate: ConnectionGate) -> None:
        super().__init__(gate)
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def _open(self) -> None:
        self._connection = await self._engine.connect()
        writes = Writes(self._connection)
        self.products = SqlAlchemyProductRepository(writes)
        self.users = SqlAlchemyUserRepository(writes)
        self.orders = SqlAlchemyOrderRepository(writes)

    async def _close(self, exc: BaseException | None) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if exc is not None and is_connection_error(exc):
            # Gone or hung: a ROLLBACK would wait for an answer that may never come,
            # and the server rolls back by itself when the connection ends.
            await connection.invalidate()
        # Closing rolls back whatever was not committed and returns the connection.
        await connection.close()

    async def commit(self) -> None:
        await self._active.commit()

    async def rollback(self) -> None:
        await self._active.rollback()

    @property
    def _active(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("commit() and rollback() need an open unit of work")
        return self._connection
