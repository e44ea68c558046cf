"""The database connection: which server, the pooled engine, and telling outages apart."""

import asyncio
import logging
import time

from sqlalchemy import URL, make_url, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shop.infrastructure.embedded_postgres import start_embedded_postgres
from shop.infrastructure.metrics import instrument_pool
from shop.settings import Settings

logger = logging.getLogger(__name__)

_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


class DatabaseUnreachable(RuntimeError):
    """The database did not answer within the connect timeout."""


def database_url(settings: Settings) -> URL:
    """The asyncpg URL of the configured server, starting the embedded one when none is."""
    if settings.database_url is not None:
        url = make_url(settings.database_url.get_secret_value())
        return url.set(drivername="postgresql+asyncpg")
    if settings.postgres_host is not None:
        return URL.create(
            "postgresql+asyncpg",
            username=settings.postgres_user,
            password=settings.postgres_password.get_secret_value() or None,
            host=settings.postgres_host,
            port=settings.postgres_port,
            database=settings.postgres_db,
        )
    return start_embedded_postgres(settings.shop_data_dir / "postgres", settings.postgres_db)


def create_engine(settings: Settings, url: URL) -> AsyncEngine:
    """The process-wide pooled engine."""
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=settings.db_pool_pre_ping,
        pool_timeout=settings.db_pool_timeout,
        connect_args={
            "timeout": settings.db_connect_timeout,
            "command_timeout": settings.db_statement_timeout,
            "server_settings": {"application_name": "shop"},
        },
    )
    instrument_pool(engine)
    return engine


def describe(url: URL) -> str:
    """Where the database is, for messages: host and database, never the password."""
    host = url.host or url.query.get("host") or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database}"


def is_connection_error(error: BaseException) -> bool:
    """Whether `error` means the database is out of reach, rather than a bad statement."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
            return True
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        return sqlstate.startswith(_CONNECTION_SQLSTATES) or (
            error.orig is not None and is_connection_error(error.orig)
        )
    # asyncpg raises bare OS errors (socket gone, refused) that SQLAlchemy does not wrap.
    return isinstance(error, OSError | TimeoutError | sa_exc.TimeoutError) or (
        type(error).__module__.startswith("asyncpg")
        and (getattr(error, "sqlstate", None) or "").startswith(_CONNECTION_SQLSTATES)
    )


async def wait_for_database(engine: AsyncEngine, patience: float) -> str:
    """Return the server's version once it answers; DatabaseUnreachable after `patience` s."""
    deadline = time.monotonic() + patience
    while True:
        try:
            async with engine.connect() as connection:
                version = await connection.scalar(text("SELECT version()"))
                return str(version)
        except Exception as error:
            if not is_connection_error(error):
                raise
            if time.monotonic() >= deadline:
                raise DatabaseUnreachable(
                    f"database {describe(engine.url)} is unreachable after {patience:g} s "
                    "(DB_CONNECT_TIMEOUT)"
                ) from None
            logger.info("waiting for database %s", describe(engine.url))
            await asyncio.sleep(0.5)
