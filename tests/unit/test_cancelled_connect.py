"""A connect the driver cancels on its own is a 503; a cancelled request stays cancelled; a
connection whose rollback fails goes back to the pool as broken."""

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from shop.domain.errors import StorageUnavailable
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.read_side import SqlAlchemyReadSide
from shop.infrastructure.unit_of_work import SqlAlchemyUnitOfWork


class EngineWhoseConnectIsCancelled:
    """Stands in for the engine: its pool's connect ends in CancelledError, as asyncpg's can."""

    async def raw_connection(self) -> Any:
        raise asyncio.CancelledError


def side(read: bool) -> SqlAlchemyReadSide | SqlAlchemyUnitOfWork:
    """The read side or a writing unit of work (both on the driver connection), on that engine."""
    engine: Any = EngineWhoseConnectIsCancelled()
    gate = ConnectionGate(capacity=1, patience=1.0)
    return SqlAlchemyReadSide(lambda: engine, gate) if read else SqlAlchemyUnitOfWork(engine, gate)


@pytest.mark.parametrize("read", [True, False], ids=["read side", "unit of work"])
async def test_a_connect_cancelled_by_the_driver_is_storage_unavailable(read: bool) -> None:
    use = side(read)
    with pytest.raises(StorageUnavailable):
        async with use:
            pass
    async with asyncio.timeout(1):  # the gate's slot was given back
        with pytest.raises(StorageUnavailable):
            async with use:
                pass


async def test_a_request_that_is_itself_cancelled_stays_cancelled() -> None:
    started = asyncio.Event()

    class SlowEngine:
        async def raw_connection(self) -> Any:
            started.set()
            await asyncio.sleep(10)

    uow = SqlAlchemyUnitOfWork(SlowEngine(), ConnectionGate(1, 1.0))  # type: ignore[arg-type]

    async def request() -> None:
        async with uow:
            pass

    task = asyncio.create_task(request())
    async with asyncio.timeout(5):  # the unit of work asked the engine for its connection
        await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


class ConnectionWhoseRollbackFails:
    """A pooled connection whose transaction starts, but whose ROLLBACK finds it gone."""

    def __init__(self) -> None:
        self.invalidated = False
        self.driver_connection = self

    def transaction(self) -> "ConnectionWhoseRollbackFails":
        return self

    async def start(self) -> None:
        pass

    def is_in_transaction(self) -> bool:
        return True

    async def rollback(self) -> None:
        raise ConnectionResetError("the server went away")

    def invalidate(self) -> None:
        self.invalidated = True


async def test_a_connection_whose_rollback_fails_goes_back_to_the_pool_as_broken() -> None:
    lent = ConnectionWhoseRollbackFails()

    class Engine:
        sync_engine = SimpleNamespace(pool=None)

        async def raw_connection(self) -> Any:
            return lent

    gate = ConnectionGate(capacity=1, patience=1.0)
    uow = SqlAlchemyUnitOfWork(Engine(), gate)  # type: ignore[arg-type]
    with pytest.raises(StorageUnavailable):
        async with uow:
            pass  # nothing committed: leaving rolls back, and the rollback fails
    assert lent.invalidated  # given back, and replaced rather than lent out again
    async with asyncio.timeout(1):  # the gate's slot was given back too
        await gate.enter()
