"""The database pool's size and use, sampled into Prometheus gauges."""

import asyncio
from typing import Any

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.infrastructure.background import BackgroundTask

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
        self._sampling = BackgroundTask(self._sample_every_second)

    def _sample(self) -> None:
        POOL_SIZE.set(self._pool.size())
        POOL_CHECKED_OUT.set(self._pool.checkedout())
        POOL_OVERFLOW.set(max(self._pool.overflow(), 0))

    def start(self) -> None:
        self._sampling.start()

    async def stop(self) -> None:
        await self._sampling.stop()

    async def _sample_every_second(self) -> None:
        while True:
            self._sample()
            await asyncio.sleep(POOL_SAMPLE_SECONDS)
