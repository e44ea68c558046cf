"""A worker process is SIGKILLed while its orders wait inside their transactions.

Its customers' connections drop without an answer; they retry with the same
Idempotency-Key and reach the other worker. The killed worker's transactions end with its
connections and are rolled back whole; every key ends with exactly one order; the server
process starts a new worker by itself.
"""

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shop.cli import WORKER_HEALTHCHECK_SECONDS
from tests.integration.faults.harness import (
    Shop,
    Traffic,
    check_fault,
    reported,
    shop_on,
    wait_until,
)

WORKERS = 2


@pytest.fixture
async def two_worker_shop(database_url: URL, tmp_path: Path) -> AsyncIterator[Shop]:
    async with shop_on(database_url, tmp_path, workers=WORKERS) as shop:
        yield shop


def workers_of(pid: int) -> list[int]:
    """The worker processes of the server process (not multiprocessing's resource tracker)."""
    children = [
        int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    ]
    return [child for child in children if b"spawn_main" in _command_line(child)]


def clients_of(pid: int, port: int) -> int:
    """How many established TCP connections on `port` the process `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    established = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:
                established += 1
    return established


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


async def orders_waiting_on_a_lock(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = 'shop' AND wait_event_type = 'Lock'"
            )
        )
    return int(waiting or 0)


@pytest.mark.slow
async def test_a_worker_killed_mid_order_leaves_no_half_order_and_retries_get_exactly_one(
    two_worker_shop: Shop, record_property: Callable[[str, object], None]
) -> None:
    shop = two_worker_shop
    side = create_async_engine(shop.url, poolclass=NullPool)
    workers = await wait_until_workers(shop, WORKERS)
    with reported(record_property, "a worker SIGKILLed while placing orders") as figures:
        async with Traffic(shop, clients=8) as traffic:
            await asyncio.sleep(1)
            async with side.connect() as holder:
                await holder.execute(
                    text("SELECT 1 FROM products WHERE id = ANY(:ids) FOR UPDATE"),
                    {"ids": shop.product_ids},
                )

                async def several_waiting() -> bool:
                    return await orders_waiting_on_a_lock(side) >= 3

                await wait_until(several_waiting, 10, "orders waiting on the lock")
                # The worker serving the most customers (the first worker to start may
                # have taken every keep-alive connection).
                port = int(shop.base_url.rsplit(":", 1)[1])
                busiest = max(workers, key=lambda pid: clients_of(pid, port))
                assert clients_of(busiest, port) > 0
                os.kill(busiest, signal.SIGKILL)
                killed_at = time.monotonic()
                await asyncio.sleep(0.5)
                await holder.rollback()
            # The other worker serves meanwhile: the service is back before the replacement,
            # which uvicorn's supervisor may start only after a whole health check (below).
            await check_fault(shop, traffic, figures, killed_at, cut_off_allowed=True)
        await wait_until_replaced(shop, busiest)
        figures.extra["replacement_started_s"] = round(time.monotonic() - killed_at, 2)
        cut = [a for a in traffic.answers if a.status is None]
        figures.extra["cut_off_requests"] = len(cut)
        assert cut, "no request was cut off: the killed worker had none in flight"
    await side.dispose()


async def wait_until_workers(shop: Shop, count: int) -> list[int]:
    async def all_up() -> bool:
        return len(workers_of(shop.server.process.pid)) == count

    await wait_until(all_up, 30, f"{count} workers")
    return workers_of(shop.server.process.pid)


async def wait_until_replaced(shop: Shop, killed: int) -> None:
    async def replaced() -> bool:
        now = workers_of(shop.server.process.pid)
        return killed not in now and len(now) == WORKERS

    # Uvicorn's supervisor checks its workers in turn and waits up to WORKER_HEALTHCHECK_SECONDS
    # for a live one to answer before it looks at the next: on a loaded machine the dead
    # worker may be noticed only after a whole health check of the other.
    patience = WORKER_HEALTHCHECK_SECONDS + 20
    await wait_until(replaced, patience, "a new worker in place of the killed one")
