"""Where a committed write reached in PostgreSQL's write-ahead log."""

import logging
from typing import Any

from shop import consistency
from shop.consistency import parse_lsn

logger = logging.getLogger(__name__)


async def position_after_commit(driver: Any) -> int:
    """A WAL position at or past the commit just made on the asyncpg connection `driver`.

    Asked after the commit returned (a commit's own record is written then, so nothing
    earlier would do): one round trip, no transaction.
    """
    position = parse_lsn(await driver.fetchval("SELECT pg_current_wal_lsn()::text"))
    if position is None:
        raise RuntimeError("the server answered its WAL position in an unknown form")
    return position


async def note_commit_position(driver: Any) -> None:
    """Hand the request being served the position of the commit just made on `driver`."""
    if consistency.current() is None:
        return
    try:
        consistency.note_commit(await position_after_commit(driver))
    except Exception as error:
        # The write is committed: failing the request now would invite a retry that writes
        # it twice. Without a token, the client's next reads may lag, within the bound.
        logger.warning("no consistency token for a committed write (%s)", type(error).__name__)
