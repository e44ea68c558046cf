"""What the operability tests share: running the project's commands, users and products
made over HTTP on a real server, the server's connections as PostgreSQL sees them, and
Prometheus scrapes.

Every wait is bounded; every `shop` or `alembic` process runs on a test database (or on a
port nobody listens on), never on the project's own embedded database.
"""

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tests.plugins.processes import LiveServer, server_environment
from tests.plugins.settings import PROJECT_ROOT
from tests.plugins.users import log_in

BIN = Path(sys.executable).parent


SHOP, ALEMBIC = str(BIN / "shop"), str(BIN / "alembic")


ADMIN_EMAIL, ADMIN_PASSWORD = "boss@example.com", "boss-password-for-ops-1"


def run_command(
    command: list[str], environment: dict[str, str], timeout: float = 20
) -> tuple[int, str, float]:
    """Run a project command from the project root: exit code, stdout+stderr, seconds taken."""
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - the project's own commands, fixed arguments
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout, time.monotonic() - started


async def an_admin(http: AsyncClient, database_url: URL) -> dict[str, str]:
    """An administrator made with the real `shop create-admin`, logged in over HTTP."""
    environment = server_environment(database_url, SHOP_ADMIN_PASSWORD=ADMIN_PASSWORD)
    code, output, _ = await asyncio.to_thread(
        run_command, [SHOP, "create-admin", "--email", ADMIN_EMAIL], environment
    )
    assert code == 0, output
    return await log_in(http, ADMIN_EMAIL, ADMIN_PASSWORD)


async def a_customer(http: AsyncClient, name: str, password: str) -> dict[str, str]:
    email = f"{name}@example.com"
    response = await http.post(
        "/users", json={"email": email, "username": name, "password": password}
    )
    assert response.status_code == 201, response.text
    return await log_in(http, email, password)


async def a_product(http: AsyncClient, admin: dict[str, str], quantity: int) -> int:
    response = await http.post(
        "/products", json={"name": "Kettle", "price": "19.99", "quantity": quantity}, headers=admin
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@asynccontextmanager
async def direct_engine(url: URL) -> AsyncIterator[AsyncEngine]:
    """Our own connections to the test database (not named 'shop', so not counted as the app's)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        await engine.dispose()


async def shop_connections(engine: AsyncEngine, *, waiting_on_a_lock: bool = False) -> int:
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = 'shop' AND datname = current_database()"
    )
    if waiting_on_a_lock:
        query += " AND wait_event_type = 'Lock'"
    async with engine.connect() as connection:
        return int(await connection.scalar(text(query)) or 0)


async def until_requests_wait_on_the_lock(engine: AsyncEngine, count: int) -> None:
    deadline = time.monotonic() + 10
    while await shop_connections(engine, waiting_on_a_lock=True) < count:
        assert time.monotonic() < deadline, f"{count} request(s) never reached the row lock"
        await asyncio.sleep(0.05)


async def until_no_shop_connection_is_left(engine: AsyncEngine) -> int:
    """The app's connections once its process is gone (the server drops ended sessions at
    once, but pg_stat_activity may lag by a few milliseconds)."""
    deadline = time.monotonic() + 2
    while True:
        left = await shop_connections(engine)
        if left == 0 or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.05)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples_of(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def scrape(http: AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples_of(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 when it was never written (a labelled counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def pool_gauges(samples: Samples) -> dict[str, float]:
    names = ("shop_db_pool_size", "shop_db_pool_checked_out", "shop_db_pool_overflow")
    return {name: samples[(name, frozenset())] for name in names if (name, frozenset()) in samples}


async def until_pool_gauges(
    http: AsyncClient, expected: dict[str, float], seconds: float = 5
) -> dict[str, float]:
    """The pool gauges once they read `expected` (they are sampled every second)."""
    deadline = time.monotonic() + seconds
    while True:
        gauges = pool_gauges(await scrape(http))
        if gauges == expected or time.monotonic() > deadline:
            return gauges
        await asyncio.sleep(0.1)


async def until_logged(server: LiveServer, fragment: str, seconds: float = 3) -> str:
    """The server's log once it holds `fragment` (the access line follows the response)."""
    deadline = time.monotonic() + seconds
    while True:
        log = server.log()
        if fragment in log or time.monotonic() > deadline:
            return log
        await asyncio.sleep(0.05)


def stop(server: LiveServer) -> int:
    server.process.send_signal(signal.SIGTERM)
    return server.process.wait(timeout=15)


@asynccontextmanager
async def row_locked(engine: AsyncEngine, product_id: int) -> AsyncIterator[None]:
    """Hold the product's row lock in an open transaction until the block ends."""
    async with engine.connect() as connection:
        await connection.execute(
            text("SELECT id FROM products WHERE id = :id FOR UPDATE"), {"id": product_id}
        )
        try:
            yield
        finally:
            await connection.rollback()
