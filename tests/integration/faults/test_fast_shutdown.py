"""PostgreSQL is shut down politely (`pg_ctl stop -m fast`: every session ended) and started."""

import asyncio
import time
from collections.abc import Callable

import pytest

from tests.integration.faults.harness import Shop, Traffic, check_fault, expect_unready, reported
from tests.integration.test_outage import OwnPostgres

OUTAGE_SECONDS = 2.0


@pytest.mark.slow
async def test_a_fast_shutdown_of_postgresql_is_a_503_and_the_service_heals_after_its_start(
    shop: Shop, own_postgres: OwnPostgres, record_property: Callable[[str, object], None]
) -> None:
    with reported(record_property, "fast shutdown and start") as figures:
        async with Traffic(shop) as traffic:
            await asyncio.sleep(1)
            await asyncio.to_thread(own_postgres.stop, "fast")
            await expect_unready(shop)
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(own_postgres.start)
            await check_fault(shop, traffic, figures, time.monotonic())
