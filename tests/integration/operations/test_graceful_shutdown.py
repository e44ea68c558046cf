"""SIGTERM: the request under way finishes, new ones are refused, the pool is closed, exit 0."""

import asyncio
import signal
import time

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import URL, text

from tests.integration.operations.harness import (
    a_product,
    an_admin,
    direct_engine,
    row_locked,
    until_no_shop_connection_is_left,
    until_requests_wait_on_the_lock,
)
from tests.plugins.processes import LiveServer

pytestmark = pytest.mark.slow  # real processes


async def until_connections_are_refused(base_url: str, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    async with AsyncClient(base_url=base_url, timeout=1) as http:
        while True:
            try:
                await http.get("/health/live", headers={"Connection": "close"})
            except httpx.ConnectError:
                return
            except (httpx.RemoteProtocolError, httpx.ReadError):
                # Accepted just before the listener closed, then closed unanswered by the
                # shutdown: the listener is on its way down; wait for it to refuse outright.
                pass
            assert time.monotonic() < deadline, "still accepting connections after SIGTERM"
            await asyncio.sleep(0.05)


async def test_sigterm_finishes_the_request_under_way_refuses_new_ones_closes_the_pool_and_exits_0(
    live_server: LiveServer, database_url: URL
) -> None:
    async with (
        AsyncClient(base_url=live_server.base_url, timeout=20) as http,
        direct_engine(database_url) as engine,
    ):
        admin = await an_admin(http, database_url)
        product = await a_product(http, admin, quantity=1)
        async with row_locked(engine, product):
            in_flight = asyncio.create_task(
                http.patch(f"/products/{product}", json={"quantity": 7}, headers=admin)
            )
            await until_requests_wait_on_the_lock(engine, 1)

            live_server.process.send_signal(signal.SIGTERM)
            await until_connections_are_refused(live_server.base_url)
            assert not in_flight.done()
            assert live_server.process.poll() is None  # still waiting for the request
        response = await asyncio.wait_for(in_flight, 10)
        exit_code = await asyncio.to_thread(live_server.process.wait, 10)
        left = await until_no_shop_connection_is_left(engine)
        async with engine.connect() as connection:
            stock = await connection.scalar(
                text("SELECT quantity FROM products WHERE id = :id"), {"id": product}
            )

    assert response.status_code == 200, response.text
    assert response.json()["quantity"] == 7
    assert stock == 7
    assert left == 0
    log = live_server.log()
    assert "Application shutdown complete" in log  # the lifespan's end, which disposes the pool
    assert "Traceback" not in log
    assert exit_code == 0, f"exit status {exit_code} (negative: killed by that signal)"
