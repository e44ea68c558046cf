"""Alembic environment: async, on the service's own settings and metadata.

A bad setting or an unreachable database ends `alembic` (and `make migrate`) with one
`FAILED: ...` line naming the setting or the host, not a traceback.
"""

import asyncio
from logging.config import fileConfig

from alembic import context
from alembic.util import CommandError
from sqlalchemy import URL, Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shop.infrastructure.database_location import configured_server_url, start_or_locate_server
from shop.infrastructure.startup_wait import DatabaseUnreachable, wait_for_database
from shop.infrastructure.tables import metadata
from shop.settings import ConfigurationError, Settings, load_settings

config = context.config
# Programmatic callers (the tests, the app) hand over a connection and keep their own logging.
injected_connection: Connection | None = config.attributes.get("connection")
if config.config_file_name is not None and injected_connection is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as error:
        raise CommandError(str(error)) from None


def run_migrations_offline() -> None:
    """Emit the SQL to stdout instead of running it (`alembic upgrade head --sql`)."""
    # Offline, the embedded server is not started: the SQL needs only the dialect.
    url: URL = configured_server_url(settings()) or make_url("postgresql+asyncpg://")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    configured = settings()
    try:
        url = start_or_locate_server(configured)
    except ConfigurationError as error:
        raise CommandError(str(error)) from None
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        await wait_for_database(engine, configured.db_connect_timeout)
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    except DatabaseUnreachable as error:
        raise CommandError(str(error)) from None
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif injected_connection is not None:
    do_run_migrations(injected_connection)
else:
    asyncio.run(run_async_migrations())
