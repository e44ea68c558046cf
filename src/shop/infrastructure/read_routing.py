"""Where one use of the read side reads: a replica when the request allows it, else the primary.

`RoutedReads` stands where the read side would hold the bare asyncpg connection: it offers
the same `fetch` and `prepare`, and behind it borrows from the replica `ReplicaSet` chooses
(waiting for one that has replayed the request's consistency token, if it has one), through
that server's own gate. A replica that cannot be reached, or drops the read, is marked lost
and the read runs again on the primary: replica trouble never reaches the client.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped
from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncEngine

from shop import consistency
from shop.domain.errors import DomainError
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.engine import give_back
from shop.infrastructure.replicas import PRIMARY, READS, Replica, ReplicaSet


@dataclass(frozen=True, slots=True)
class ReadServer:
    name: str
    engine: AsyncEngine
    gate: ConnectionGate
    replica: Replica | None = None


class ReadRouting:
    """The primary and the replicas the read side may read from."""

    def __init__(self, primary: AsyncEngine, gate: ConnectionGate, replicas: ReplicaSet) -> None:
        self.primary = ReadServer(PRIMARY, primary, gate)
        self._replicas = replicas

    def __bool__(self) -> bool:
        """Whether there is a replica to route to at all."""
        return bool(self._replicas)

    async def server(self) -> ReadServer:
        """A replica for a request that may read from one and whose token it replayed."""
        scope = consistency.current()
        if scope is not None and scope.replica_allowed:
            replica = await self._replicas.choose(scope.must_see)
            if replica is not None:
                return ReadServer(replica.name, replica.engine, replica.gate, replica)
        return self.primary


_RECOVERY_CONFLICT = "40001"
"""A hot standby cancels a read that conflicts with the WAL it is replaying."""


def _recovery_conflict(error: BaseException) -> bool:
    return getattr(error, "sqlstate", None) == _RECOVERY_CONFLICT


def _replica_trouble(error: BaseException) -> bool:
    """Whether a read failed because of the replica, not the read: then the primary runs it.

    Besides losing the connection: a replica's recovery conflict, and the driver finding
    itself mid-protocol on a connection a shutting-down server closed.
    """
    return (
        is_connection_error(error)
        or _recovery_conflict(error)
        or isinstance(error, asyncpg.exceptions.InternalClientError)
    )


class RoutedReads:
    """One borrowed connection for reads, on the server routing picked; `fetch` as asyncpg's."""

    def __init__(self, routing: ReadRouting) -> None:
        self._routing = routing
        self._server: ReadServer | None = None
        self._lent: PoolProxiedConnection | None = None
        self._used_gate: ConnectionGate | None = None

    async def open(self) -> None:
        server = await self._routing.server()
        try:
            await self._borrow(server)
        except Exception as error:
            if server.replica is None or not _replica_trouble(error):
                raise
            await self._fail_over(server.replica)

    async def fetch(self, sql: str, *arguments: Any) -> Sequence[Any]:
        records: Sequence[Any] = await self._on_driver("fetch", sql, *arguments)
        return records

    async def prepare(self, sql: str) -> Any:
        return await self._on_driver("prepare", sql)

    async def _on_driver(self, method: str, *arguments: Any) -> Any:
        """The driver connection's `method`; on replica trouble, again on the primary."""
        if self._lent is None or self._server is None:
            raise RuntimeError("RoutedReads needs to be open")
        driver: Any = self._lent.driver_connection
        try:
            return await getattr(driver, method)(*arguments)
        except Exception as error:
            replica = self._server.replica
            if replica is None or not _replica_trouble(error):
                raise
            await self._give_back(broken=True)
            await self._fail_over(replica, lost=not _recovery_conflict(error))
            return await self._on_driver(method, *arguments)

    @property
    def gate(self) -> ConnectionGate | None:
        """The gate of the server the reads ran on (after `close()` too)."""
        return self._used_gate

    async def close(self, exc: BaseException | None) -> None:
        """Give the connection back (replaced, after any error but a domain error)."""
        await self._give_back(broken=exc is not None and not isinstance(exc, DomainError))

    async def _borrow(self, server: ReadServer) -> None:
        await server.gate.enter()
        try:
            self._lent = await server.engine.raw_connection()
        except BaseException:
            server.gate.leave()
            raise
        self._server, self._used_gate = server, server.gate
        READS.labels(server.name).inc()

    async def _fail_over(self, replica: Replica, lost: bool = True) -> None:
        if lost:
            replica.lost()
        await self._borrow(self._routing.primary)

    async def _give_back(self, broken: bool) -> None:
        server, self._server = self._server, None
        lent, self._lent = self._lent, None
        if server is None or lent is None:
            return
        try:
            await give_back(server.engine, lent, broken)
        finally:
            server.gate.leave()
