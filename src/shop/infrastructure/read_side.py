"""The SQLAlchemy read side: reads on a pooled connection, outside any transaction.

Each `async with` borrows one connection from the engine that `engine_for_use` names for
that use (the primary's today; a replica's, when reads are routed elsewhere). Usually the
pool's asyncpg connection itself, reading in autocommit: no BEGIN or ROLLBACK round trips,
no SQLAlchemy connection to set up per request. Behind PgBouncer in transaction mode
(`on_driver` off), where a statement outside a transaction may be prepared on one server
connection and run on another, the reads run in a read-only transaction through SQLAlchemy
instead: the same repositories, the same refusals, only slower.
"""

from collections.abc import Callable

from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.domain.errors import DomainError
from shop.domain.read_side import AbstractReadSide
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.connection_outcomes import GatedConnectionUse
from shop.infrastructure.engine import give_back
from shop.infrastructure.order_repository import SqlAlchemyOrderReader
from shop.infrastructure.product_repository import SqlAlchemyProductReader
from shop.infrastructure.statements import DriverReads, Reads, TransactionReads
from shop.infrastructure.user_repository import SqlAlchemyUserReader

EngineForUse = Callable[[], AsyncEngine]
"""Which engine one use of the read side reads from, asked at each `async with`."""


class SqlAlchemyReadSide(GatedConnectionUse, AbstractReadSide):
    """One connection per `async with` (one instance serves one block at a time)."""

    def __init__(
        self, engine_for_use: EngineForUse, gate: ConnectionGate, on_driver: bool = True
    ) -> None:
        super().__init__(gate)
        self._engine_for_use = engine_for_use
        self._on_driver = on_driver
        self._engine: AsyncEngine | None = None
        self._lent: PoolProxiedConnection | None = None
        self._connection: AsyncConnection | None = None

    async def _open(self) -> None:
        self._engine = engine = self._engine_for_use()
        if self._on_driver:
            self._lent = await engine.raw_connection()
            reads: Reads = DriverReads(self._lent.driver_connection)
        else:
            self._connection = await engine.connect()
            # BEGIN READ ONLY: the database refuses a write as well, should one get this far.
            await self._connection.execution_options(postgresql_readonly=True)
            reads = TransactionReads(self._connection)
        self.products = SqlAlchemyProductReader(reads)
        self.users = SqlAlchemyUserReader(reads)
        self.orders = SqlAlchemyOrderReader(reads)

    async def _close(self, exc: BaseException | None) -> None:
        engine, self._engine = self._engine, None
        lent, self._lent = self._lent, None
        connection, self._connection = self._connection, None
        if connection is not None:
            if exc is not None and is_connection_error(exc):
                await connection.invalidate()  # a ROLLBACK might wait for ever
            await connection.close()  # ends the read-only transaction
        if lent is not None and engine is not None:
            # A read the driver broke off (an error, a cancelled request) may leave the
            # connection mid-protocol: the pool replaces it rather than lend it out again.
            broken = exc is not None and not isinstance(exc, DomainError)
            await give_back(engine, lent, broken)
