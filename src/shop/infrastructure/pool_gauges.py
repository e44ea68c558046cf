"""The database pool's size and use, sampled into Prometheus gauges."""

import asyncio
import contextlib
from typing import Any

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

POOL_SIZE = Gauge(
    "shop_db_pool_size", "Connections the pool keeps open.", multiprocess_mode="livesum"
)
POOL_CHECKED_OUT = Gauge(
    "shop_db_pool_checked_out", "Connections in use by requests.", multiprocess_mode="livesum"
)
POOL_OVERFLOW = Gauge(
    "shop_db_pool_overflow",
    "Connections open beyond the pool size.",
    multiprocess_mode="livesum",
)


POOL_SAMPLE_SECONDS = 1.0


class PoolGauges:
    """Samples the pool into its gauges every second, from `start()` to `stop()`.

    Counting at each checkout and checkin instead would cost every request two event
    dispatches and two gauge writes (about 4% of a product read), for gauges that are
    scraped every few seconds at most.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._pool: Any = engine.sync_engine.pool
        self._sampling: asyncio.Task[None] | None = None

    def _sample(self) -> None:
        POOL_SIZE.set(self._pool.size())
        POOL_CHECKED_OUT.set(self._pool.checkedout())
        POOL_OVERFLOW.set(max(self._pool.overflow(), 0))

    def start(self) -> None:
        self._sampling = asyncio.get_running_loop().create_task(self._sample_every_second())

    async def stop(self) -> None:
        if self._sampling is not None:
            self._sampling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampling
            self._sampling = None

    async def _sample_every_second(self) -> None:
        while True:
            self._sample()
            await asyncio.sleep(POOL_SAMPLE_SECONDS)
