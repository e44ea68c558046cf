"""Waiting at start-up until the database answers, for at most the connect timeout."""

import asyncio
import logging
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.database_location import describe

logger = logging.getLogger(__name__)

RETRY_EVERY_SECONDS = 0.5


class DatabaseUnreachable(RuntimeError):
    """The database did not answer within the connect timeout."""


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
            await asyncio.sleep(RETRY_EVERY_SECONDS)
