"""The SQLAlchemy read side: reads on a pooled connection, outside any transaction.

Each `async with` borrows one connection from the engine that `engine_for_use` names for
that use (the primary's today; a replica's, when reads are routed elsewhere). Usually the
pool's asyncpg connection itself, reading in autocommit: no BEGIN or ROLLBACK round trips,
no SQLAlchemy connection to set up per request. Behind PgBouncer in transaction mode
(`on_driver` off), where a statement outside a transaction may be prepared on one server
connection and run on another, the reads run in a read-only transaction through SQLAlchemy
instead: the same repositories, the same refusals, only slower.

With read replicas (`routing`), each use reads where `ReadRouting` sends it (a replica that
may serve the request, else the primary), through that server's own gate, on the driver.
"""

from collections.abc import Callable
from typing import Self

from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shop.domain.read_side import AbstractReadSide
from shop.domain.unit_of_work import AlreadyOpen, ExcInfo
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.connection_outcomes import (
    broke_off,
    raise_close_failure,
    raise_connect_failure,
    settle,
)
from shop.infrastructure.engine import give_back
from shop.infrastructure.order_repository import SqlAlchemyOrderReader
from shop.infrastructure.product_repository import SqlAlchemyProductReader
from shop.infrastructure.read_routing import ReadRouting, RoutedReads
from shop.infrastructure.statements import DriverReads, Reads, TransactionReads
from shop.infrastructure.user_repository import SqlAlchemyUserReader

EngineForUse = Callable[[], AsyncEngine]
"""Which engine one use of the read side reads from, asked at each `async with`."""


class SqlAlchemyReadSide(AbstractReadSide):
    """One connection per `async with` (one instance serves one block at a time)."""

    def __init__(
        self,
        engine_for_use: EngineForUse,
        gate: ConnectionGate,
        on_driver: bool = True,
        routing: ReadRouting | None = None,
    ) -> None:
        # Without replicas, or behind PgBouncer (not on the driver), reads stay on the primary.
        self._routing = routing if on_driver and routing else None
        self._routed: RoutedReads | None = None
        self._engine_for_use = engine_for_use
        self._gate = gate
        self._on_driver = on_driver
        self._engine: AsyncEngine | None = None
        self._lent: PoolProxiedConnection | None = None
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._engine is not None or self._routed is not None:
            raise AlreadyOpen("this read side is already open; nest another instance")
        if self._routing is not None:
            return self._with_readers(await self._open_routed(self._routing))
        await self._gate.enter()
        try:
            self._engine = self._engine_for_use()
            reads = await self._open(self._engine)
        except BaseException as error:
            self._engine = None
            self._gate.leave()
            raise_connect_failure(error, self._gate)
        return self._with_readers(reads)

    def _with_readers(self, reads: Reads) -> Self:
        self.products = SqlAlchemyProductReader(reads)
        self.users = SqlAlchemyUserReader(reads)
        self.orders = SqlAlchemyOrderReader(reads)
        return self

    async def _open_routed(self, routing: ReadRouting) -> Reads:
        routed = RoutedReads(routing)
        try:
            await routed.open()  # a replica's failure falls back to the primary in there
        except BaseException as error:
            raise_connect_failure(error, self._gate)
        self._routed = routed
        return DriverReads(routed)

    async def _open(self, engine: AsyncEngine) -> Reads:
        if self._on_driver:
            self._lent = await engine.raw_connection()
            return DriverReads(self._lent.driver_connection)
        connection = await engine.connect()
        self._connection = connection
        # BEGIN READ ONLY: the database refuses a write as well, should one get this far.
        await connection.execution_options(postgresql_readonly=True)
        return TransactionReads(connection)

    async def __aexit__(self, *exc_info: *ExcInfo) -> None:
        exc = exc_info[1]
        routed, self._routed = self._routed, None
        if routed is not None:
            await self._close_routed(routed, exc)
            return
        try:
            await self._close(exc)
        except Exception as close_error:
            raise_close_failure(close_error, exc, self._gate)
        finally:
            self._gate.leave()
        settle(exc, self._gate)

    async def _close_routed(self, routed: RoutedReads, exc: BaseException | None) -> None:
        gate = routed.gate or self._gate
        try:
            await routed.close(exc)
        except Exception as close_error:
            raise_close_failure(close_error, exc, gate)
        settle(exc, gate)

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
            await give_back(engine, lent, broke_off(exc))
