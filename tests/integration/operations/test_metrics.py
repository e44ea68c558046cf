"""Prometheus metrics of a real server with two workers: request counts and latencies summed
over the workers, route-template labels, pool gauges and order counters.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from httpx import AsyncClient
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import URL

from tests.integration.operations.harness import (
    a_customer,
    a_product,
    an_admin,
    direct_engine,
    pool_gauges,
    row_locked,
    scrape,
    until_pool_gauges,
    until_requests_wait_on_the_lock,
    value,
)
from tests.plugins.databases import create_database, drop_database
from tests.plugins.processes import LiveServer, running_server

pytestmark = pytest.mark.slow  # real processes

HEALTH = {"method": "GET", "route": "/health/live", "status": "200"}


@dataclass(frozen=True)
class MetricsServer:
    server: LiveServer
    database_url: URL
    metrics_directory: Path
    workers: int


@pytest.fixture(scope="module")
async def two_workers(
    postgres_server: URL, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[MetricsServer]:
    """`shop serve --workers 2`, its multiprocess metrics in a folder of our choosing."""
    url = await create_database(postgres_server, "shop_metrics", template=template_database)
    folder = tmp_path_factory.mktemp("prometheus")
    try:
        with running_server(
            url,
            tmp_path_factory.mktemp("metrics-log"),
            workers=2,
            PROMETHEUS_MULTIPROC_DIR=str(folder),
        ) as server:
            yield MetricsServer(server, url, folder, 2)
    finally:
        await drop_database(url)


def health_checks_per_worker(folder: Path) -> list[float]:
    """From each worker's own counter file: how many GET /health/live it answered."""
    counts = []
    for file in sorted(folder.glob("counter_*.db")):
        merged = MultiProcessCollector.merge([str(file)], accumulate=True)
        counts.append(
            sum(
                sample.value
                for metric in merged
                for sample in metric.samples
                if sample.name == "shop_http_requests_total" and sample.labels == HEALTH
            )
        )
    return counts


async def test_request_counts_and_latencies_are_summed_over_the_workers(
    two_workers: MetricsServer,
) -> None:
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection each time
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10, limits=limits) as http:
        before = await scrape(http)
        sent = 0
        for _ in range(20):  # until both workers have answered some (usually the first batch)
            batch = await asyncio.gather(*(http.get("/health/live") for _ in range(20)))
            assert {r.status_code for r in batch} == {200}
            sent += len(batch)
            if sum(1 for n in health_checks_per_worker(two_workers.metrics_directory) if n) >= 2:
                break
        after = await scrape(http)

    per_worker = health_checks_per_worker(two_workers.metrics_directory)
    assert sum(1 for n in per_worker if n) == two_workers.workers, per_worker
    requests = "shop_http_requests_total"
    latencies = "shop_http_request_duration_seconds_count"
    assert value(after, requests, **HEALTH) - value(before, requests, **HEALTH) == sent
    assert value(after, latencies, **HEALTH) - value(before, latencies, **HEALTH) == sent
    assert value(after, requests, **HEALTH) == sum(per_worker)
    buckets = {
        dict(labels)["le"]
        for name, labels in after
        if name == "shop_http_request_duration_seconds_bucket" and HEALTH.items() <= labels
    }
    assert {"0.005", "1.0", "+Inf"} <= buckets


async def test_requests_are_labelled_by_route_template_and_unmatched_paths_share_one_label(
    two_workers: MetricsServer,
) -> None:
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10) as http:
        before = await scrape(http)
        assert (await http.get("/products/424242")).status_code == 404
        assert (await http.get(f"/no/such/{uuid.uuid4().hex}")).status_code == 404
        after = await scrape(http)

    product = {"method": "GET", "route": "/products/{product_id}", "status": "404"}
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    for labels in (product, unmatched):
        moved = value(after, "shop_http_requests_total", **labels) - value(
            before, "shop_http_requests_total", **labels
        )
        assert moved == 1, labels
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and ("424242" in route or "/no/such" in route) for route in routes)


async def test_the_pool_gauges_are_exposed_and_sum_the_pools_of_the_workers(
    two_workers: MetricsServer,
) -> None:
    # Each worker sets its gauges when its start-up finishes; under load one may lag.
    deadline = time.monotonic() + 15
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10) as http:
        gauges = pool_gauges(await scrape(http))
        while gauges.get("shop_db_pool_size") != 10 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            gauges = pool_gauges(await scrape(http))

    assert gauges.keys() == {
        "shop_db_pool_size",
        "shop_db_pool_checked_out",
        "shop_db_pool_overflow",
    }
    assert gauges["shop_db_pool_size"] == 5 * two_workers.workers  # DB_POOL_SIZE defaults to 5


async def test_an_order_placed_and_one_refused_for_stock_move_their_counters_by_exactly_one(
    two_workers: MetricsServer,
) -> None:
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10) as http:
        admin = await an_admin(http, two_workers.database_url)
        product = await a_product(http, admin, quantity=1)
        customer = await a_customer(http, "orderer", "orderer-password-1")
        order = {"items": [{"product_id": product, "quantity": 1}]}
        before = await scrape(http)

        placed = await http.post("/orders", json=order, headers=customer)
        refused = await http.post("/orders", json=order, headers=customer)
        after = await scrape(http)

    assert (placed.status_code, refused.status_code) == (201, 409)
    refusals = {"reason": "out_of_stock"}
    assert value(after, "shop_orders_placed_total") - value(before, "shop_orders_placed_total") == 1
    assert (
        value(after, "shop_orders_refused_total", **refusals)
        - value(before, "shop_orders_refused_total", **refusals)
        == 1
    )


IDLE = {"shop_db_pool_size": 2, "shop_db_pool_checked_out": 0, "shop_db_pool_overflow": 0}


TWO_IN_USE = {"shop_db_pool_size": 2, "shop_db_pool_checked_out": 2, "shop_db_pool_overflow": 0}


async def test_the_pool_gauges_count_connections_in_use_then_fall_back_to_zero(
    database_url: URL, tmp_path: Path
) -> None:
    with running_server(database_url, tmp_path, DB_POOL_SIZE="2") as server:
        async with (
            AsyncClient(base_url=server.base_url, timeout=20) as http,
            direct_engine(database_url) as engine,
        ):
            admin = await an_admin(http, database_url)
            product = await a_product(http, admin, quantity=1)
            idle_before = await until_pool_gauges(http, IDLE)
            async with row_locked(engine, product):
                patches = [
                    asyncio.create_task(
                        http.patch(f"/products/{product}", json={"quantity": q}, headers=admin)
                    )
                    for q in (5, 6)
                ]
                await until_requests_wait_on_the_lock(engine, 2)
                busy = await until_pool_gauges(http, TWO_IN_USE)
            statuses = [(await asyncio.wait_for(p, 10)).status_code for p in patches]
            idle_after = await until_pool_gauges(http, IDLE)

    assert statuses == [200, 200]
    assert (idle_before, busy, idle_after) == (IDLE, TWO_IN_USE, IDLE)
