"""The suite tests the PostgreSQL major the service documents and ships with: 18."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SUPPORTED_MAJOR = 18


async def test_the_test_server_is_postgresql_18(db: AsyncEngine) -> None:
    async with db.connect() as connection:
        version_num = await connection.scalar(text("SELECT current_setting('server_version_num')"))

    assert int(version_num) // 10_000 == SUPPORTED_MAJOR, f"server_version_num is {version_num}"
