"""A connect the driver cancels on its own is a 503; a cancelled request stays cancelled."""

import asyncio
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
