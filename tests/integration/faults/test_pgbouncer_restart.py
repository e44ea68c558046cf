"""The PgBouncer in front of the service is killed (SIGKILL) and started again."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL

from tests.integration.faults.harness import (
    Shop,
    Traffic,
    check_fault,
    expect_unready,
    reported,
    shop_on,
)
from tests.integration.test_pgbouncer import PgBouncer

OUTAGE_SECONDS = 2.0


@pytest.fixture
def bouncer(database_url: URL) -> Iterator[PgBouncer]:
    bouncer = PgBouncer(database_url)
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture
async def shop_behind_pgbouncer(
    database_url: URL, bouncer: PgBouncer, tmp_path: Path
) -> AsyncIterator[Shop]:
    async with shop_on(
        database_url, tmp_path, served_through=bouncer.url, DB_PGBOUNCER="true"
    ) as shop:
        yield shop


@pytest.mark.slow
async def test_a_killed_pgbouncer_is_a_503_and_the_service_heals_when_it_is_back(
    shop_behind_pgbouncer: Shop,
    bouncer: PgBouncer,
    record_property: Callable[[str, object], None],
) -> None:
    shop = shop_behind_pgbouncer
    with reported(record_property, "PgBouncer killed (SIGKILL) and restarted") as figures:
        async with Traffic(shop) as traffic:
            await asyncio.sleep(1)
            bouncer.kill()
            await expect_unready(shop)
            await asyncio.sleep(OUTAGE_SECONDS)
            await asyncio.to_thread(bouncer.start)
            await check_fault(shop, traffic, figures, time.monotonic())
