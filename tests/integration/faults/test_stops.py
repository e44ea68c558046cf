"""PostgreSQL stopped and started again: a crash (`pg_ctl stop -m immediate`, as a kill -9 or a
power cut) and a polite fast shutdown (`-m fast`: every session ended)."""

import asyncio
import time
from collections.abc import Callable

import pytest

from tests.integration.faults.harness import Shop, Traffic, check_fault, expect_unready, reported
from tests.integration.test_outage import OwnPostgres

OUTAGE_SECONDS = 2.0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "fault"),
    [("immediate", "crash (-m immediate) and restart"), ("fast", "fast shutdown and start")],
    ids=["crash", "fast-shutdown"],
)
async def test_a_stop_of_postgresql_is_a_503_and_the_service_heals_after_its_start(
    mode: str,
    fault: str,
    shop: Shop,
    own_postgres: OwnPostgres,
    record_property: Callable[[str, object], None],
) -> None:
    with reported(record_property, fault) as figures:
        async with Traffic(shop) as traffic:
            await asyncio.sleep(1)
            await asyncio.to_thread(own_postgres.stop, mode)
            await expect_unready(shop)
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(own_postgres.start)
            await check_fault(shop, traffic, figures, time.monotonic())
