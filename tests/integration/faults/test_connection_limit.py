"""Another client takes every connection PostgreSQL allows (`max_connections`, SQLSTATE 53300)."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.integration.faults.harness import (
    Shop,
    Traffic,
    check_fault,
    expect_unready,
    reported,
    shop_on,
)
from tests.integration.test_outage import OwnPostgres

MAX_CONNECTIONS = 30
HOG_SECONDS = 2.0


@pytest.fixture
async def limited_shop(own_postgres: OwnPostgres, tmp_path: Path) -> AsyncIterator[Shop]:
    """The service on a server that allows few connections (so few are enough to take all)."""
    connection = await _connect(own_postgres)
    await connection.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
    await connection.close()
    await asyncio.to_thread(own_postgres.stop, "fast")
    await asyncio.to_thread(own_postgres.start)
    async with shop_on(own_postgres.url, tmp_path) as shop:
        yield shop


async def _connect(server: OwnPostgres) -> Any:
    return await asyncpg.connect(
        host=str(server.url.query["host"]), user="postgres", database="shop"
    )


async def take_every_connection(server: OwnPostgres, hog: list[Any]) -> None:
    """Connect (into `hog`) until refused, ending the service's sessions: it must reconnect.

    The service reconnects as soon as its sessions end, so the freed slots are raced for:
    as many connections as were freed are asked for at once, again until none is left.
    """
    wanted = MAX_CONNECTIONS
    for _ in range(50):
        tries = await asyncio.gather(
            *(_connect(server) for _ in range(wanted)), return_exceptions=True
        )
        hog.extend(t for t in tries if not isinstance(t, BaseException))
        if any(isinstance(t, asyncpg.exceptions.TooManyConnectionsError) for t in tries):
            ended = await hog[0].fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'shop'"
            )
            if not ended:
                return
            wanted = ended + 1
            await asyncio.sleep(0.01)  # the ended backends exit
    pytest.fail("the service kept its connections")


@pytest.mark.slow
async def test_every_connection_taken_by_another_client_is_a_503_and_heals_when_freed(
    limited_shop: Shop, own_postgres: OwnPostgres, record_property: Callable[[str, object], None]
) -> None:
    shop = limited_shop
    with reported(record_property, "max_connections taken by another client (53300)") as figures:
        async with Traffic(shop) as traffic:
            await asyncio.sleep(1)
            hog: list[Any] = []
            try:
                await take_every_connection(own_postgres, hog)
                await expect_unready(shop)
                await asyncio.sleep(HOG_SECONDS)
                await take_every_connection(own_postgres, hog)  # any the service got back
            finally:
                await asyncio.gather(*(connection.close() for connection in hog))
            figures.extra["connections_taken"] = len(hog)
            await check_fault(shop, traffic, figures, time.monotonic())
