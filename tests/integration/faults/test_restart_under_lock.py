"""PostgreSQL restarts while a long transaction holds the lock the orders are waiting for."""

import asyncio
import time
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.integration.faults.harness import Shop, Traffic, check_fault, expect_unready, reported
from tests.integration.test_outage import OwnPostgres, wait_for_lock_waiter

LOCK_SECONDS = 1.0


@pytest.mark.slow
async def test_a_restart_while_orders_wait_on_a_lock_rolls_them_back_whole_as_503s(
    shop: Shop, own_postgres: OwnPostgres, record_property: Callable[[str, object], None]
) -> None:
    side = create_async_engine(own_postgres.url, poolclass=NullPool)
    holder = await side.connect()
    with reported(record_property, "restart while a long transaction holds a lock") as figures:
        async with Traffic(shop) as traffic:
            await asyncio.sleep(1)
            await holder.execute(
                text("SELECT 1 FROM products WHERE id = ANY(:ids) FOR UPDATE"),
                {"ids": shop.product_ids},
            )
            await wait_for_lock_waiter(side)
            await asyncio.sleep(LOCK_SECONDS)
            await asyncio.to_thread(own_postgres.stop, "fast")
            await holder.invalidate()
            await expect_unready(shop)
            await asyncio.to_thread(own_postgres.start)
            await check_fault(shop, traffic, figures, time.monotonic())
    await side.dispose()
