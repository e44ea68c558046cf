"""PostgreSQL WAL positions (LSNs): their text form, and where a committed write reached."""

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

LSN_PATTERN = r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"
"""How PostgreSQL writes an LSN (`16/B374D848`): two 32-bit halves in hexadecimal."""
_LSN = re.compile(LSN_PATTERN)


def parse_lsn(text: str) -> int | None:
    """The position `text` names, or None when it is not an LSN."""
    if not _LSN.fullmatch(text):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


async def position_after_commit(connection: AsyncConnection) -> int:
    """A WAL position at or past the commit just made on `connection`'s server.

    Asked after the commit returned (a commit's own record is written then, so nothing
    earlier would do), on the bare driver connection: one round trip, no transaction.
    """
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    position = parse_lsn(await driver.fetchval("SELECT pg_current_wal_lsn()::text"))
    if position is None:
        raise RuntimeError("the server answered its WAL position in an unknown form")
    return position
