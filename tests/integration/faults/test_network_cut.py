"""The network to PostgreSQL is cut without a reset: packets dropped, connections hanging.

No request may wait past REQUEST_BOUND_SECONDS: a statement on a dead socket fails after
DB_SOCKET_TIMEOUT (TCP_USER_TIMEOUT and keepalive), a connection attempt after the same
time, and while the database is lost the gate refuses what would have to queue. A request
can meet two of those waits (a pooled connection's ping, then a new connection), hence twice
the timeout, plus room for a busy machine.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.faults.harness import (
    FAULT_ENVIRONMENT,
    Shop,
    Traffic,
    check_fault,
    expect_unready,
    reported,
    shop_on,
)
from tests.integration.faults.network_namespace import NamespacedPostgres, postgres_in_a_namespace

SOCKET_TIMEOUT_SECONDS = float(FAULT_ENVIRONMENT["DB_SOCKET_TIMEOUT"])
REQUEST_BOUND_SECONDS = 2 * SOCKET_TIMEOUT_SECONDS + 2.0
CUT_SECONDS = 2 * REQUEST_BOUND_SECONDS


@pytest.fixture
def namespaced_postgres() -> Iterator[NamespacedPostgres]:
    with postgres_in_a_namespace() as server:
        yield server


@pytest.fixture
async def shop_across_a_link(
    namespaced_postgres: NamespacedPostgres, tmp_path: Path
) -> AsyncIterator[Shop]:
    async with shop_on(namespaced_postgres.url, tmp_path) as shop:
        yield shop


@pytest.mark.slow
@pytest.mark.needs_root
async def test_a_network_cut_without_a_reset_is_a_503_within_the_bound_and_heals(
    shop_across_a_link: Shop,
    namespaced_postgres: NamespacedPostgres,
    record_property: Callable[[str, object], None],
) -> None:
    shop = shop_across_a_link
    with reported(record_property, "network cut without reset (veth down)") as figures:
        async with Traffic(shop, timeout=3 * REQUEST_BOUND_SECONDS) as traffic:
            await asyncio.sleep(1)
            cut_at = time.monotonic()
            namespaced_postgres.cut()
            await expect_unready(shop, within=REQUEST_BOUND_SECONDS)
            await asyncio.sleep(max(0.0, cut_at + CUT_SECONDS - time.monotonic()))
            namespaced_postgres.mend()
            await check_fault(shop, traffic, figures, time.monotonic())
        first_refusal = traffic.first_refusal_after(cut_at)
        figures.extra["first_503_after_cut_s"] = first_refusal and round(first_refusal, 2)
        assert first_refusal is not None
        assert first_refusal <= REQUEST_BOUND_SECONDS
        assert figures.longest_seconds <= REQUEST_BOUND_SECONDS, figures.as_json()
