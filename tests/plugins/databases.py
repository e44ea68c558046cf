"""Databases on the test server: one template migrated once, and a fresh copy per test.

Copying the template (`CREATE DATABASE ... TEMPLATE`) is much cheaper than migrating each
time; every database a test gets is uniquely named and dropped afterwards, so tests (and
pytest-xdist workers) never share one.
"""

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shop.infrastructure.migrations import alembic_config, upgrade
from tests.plugins.settings import PROJECT_ROOT


async def execute_autocommit(server: URL, *statements: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def create_database(server: URL, prefix: str, template: str | None = None) -> URL:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    template_clause = f' TEMPLATE "{template}"' if template else ""
    await execute_autocommit(server, f'CREATE DATABASE "{name}"{template_clause}')
    return server.set(database=name)


async def drop_database(url: URL) -> None:
    server = url.set(database="postgres")
    await execute_autocommit(server, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


async def migrate(url: URL, revision: str = "head") -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                upgrade, alembic_config(PROJECT_ROOT / "alembic.ini"), revision
            )
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def template_database(postgres_server: URL) -> AsyncIterator[str]:
    """A database migrated to head, copied for each test (copying beats migrating each time)."""
    url = await create_database(postgres_server, "shop_template")
    await migrate(url)
    yield str(url.database)
    await drop_database(url)


@pytest.fixture
async def database_url(postgres_server: URL, template_database: str) -> AsyncIterator[URL]:
    """A fresh database at the migration head, for this test alone."""
    url = await create_database(postgres_server, "shop_test", template=template_database)
    yield url
    await drop_database(url)


@pytest.fixture
async def empty_database_url(postgres_server: URL) -> AsyncIterator[URL]:
    """A fresh database with no schema at all, for the migration tests."""
    url = await create_database(postgres_server, "shop_empty")
    yield url
    await drop_database(url)


@pytest.fixture
async def db(database_url: URL) -> AsyncIterator[AsyncEngine]:
    """Direct access to the test's database, to check the rows behind the API's answers."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()
