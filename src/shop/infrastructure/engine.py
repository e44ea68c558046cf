"""The process-wide pooled engine, its pool's event hooks, and lending its driver connections."""

import socket
import time
from typing import Any
from uuid import uuid4

from sqlalchemy import URL, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine.interfaces import PoolProxiedConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.util import await_, greenlet_spawn

from shop.settings import Settings

# PgBouncer in transaction mode hands each transaction any server connection: statements
# prepared on one are unknown on the next, so nothing is cached and every name is unique.
_PGBOUNCER_CONNECT_ARGS: dict[str, Any] = {
    "statement_cache_size": 0,
    "prepared_statement_cache_size": 0,
    "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
}


def create_engine(settings: Settings, url: URL) -> AsyncEngine:
    """The process-wide pooled engine."""
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_recycle=settings.db_pool_recycle,
        # Pre-ping is done by `_ping_if_idle` in one round trip instead of three.
        pool_pre_ping=False,
        pool_timeout=settings.db_pool_timeout,
        # Errors (and so logged stack traces) never quote the rows' values.
        hide_parameters=True,
        connect_args={
            "timeout": min(settings.db_connect_timeout, settings.db_socket_timeout),
            "command_timeout": settings.db_statement_timeout,
            "server_settings": {"application_name": "shop"},
            **(_PGBOUNCER_CONNECT_ARGS if settings.db_pgbouncer else {}),
        },
    )
    event.listen(engine.sync_engine.pool, "connect", _SocketTimeouts(settings.db_socket_timeout))
    if settings.db_pool_pre_ping:
        event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
        event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
    return engine


def reads_on_driver(settings: Settings) -> bool:
    """Whether read-only units read in autocommit on the bare driver connection.

    Not behind PgBouncer in transaction mode, where a statement outside a transaction may
    be prepared on one server connection and run on another: there, reads keep theirs.
    """
    return not settings.db_pgbouncer


class _SocketTimeouts:
    """Make the kernel give up a TCP connection that has gone `seconds` without an answer.

    A network cut or a hung host sends no reset: without this, a request waits on its
    socket until `DB_STATEMENT_TIMEOUT`, and an idle pooled connection looks alive until it
    is used. TCP_USER_TIMEOUT bounds how long sent data may stay unacknowledged; keepalive
    probes make an idle or waiting connection send something to be acknowledged. Either way
    the connection fails with an OS error within about `seconds`, which is a 503.
    """

    def __init__(self, seconds: float) -> None:
        self._user_timeout_ms = max(1, int(seconds * 1000))
        self._probe_every = max(1, int(seconds / 3))

    def __call__(self, dbapi_connection: Any, record: object) -> None:
        # asyncpg offers no socket options, and its transport is private; the socket is
        # the one it connected (a Unix socket, where none of this applies, is left alone).
        transport = getattr(dbapi_connection.driver_connection, "_transport", None)
        sock = transport.get_extra_info("socket") if transport is not None else None
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, self._probe_every)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, self._probe_every)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, self._user_timeout_ms)


PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN_AT = "shop_checked_in_at"


def _note_checkin(dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: object) -> None:
    """Test a connection that sat idle before handing it out; a dead one is replaced.

    A connection back from a request less than a second ago was working then; under load
    that is nearly every checkout, and a ping each time would double the round trips of a
    simple read. After an idle spell (a server restart, a firewall's idle timeout) it is
    tested. SQLAlchemy's own pre-ping for asyncpg would also wrap its ping in BEGIN and
    ROLLBACK; a statement without parameters goes over the simple query protocol instead:
    one round trip, nothing prepared, just as safe behind PgBouncer.
    """
    idle_since = record.info.get(_CHECKED_IN_AT)
    if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        await_(dbapi_connection.driver_connection.execute("SELECT 1"))
    except Exception as error:
        raise sa_exc.DisconnectionError from error


async def give_back(engine: AsyncEngine, lent: PoolProxiedConnection, broken: bool) -> None:
    """Return a connection lent by `engine.raw_connection()` to its pool.

    A check-in that keeps the connection is plain bookkeeping, done here and now. Closing
    one (broken, or an overflow connection meeting a full pool) talks to the server, which
    SQLAlchemy's async pool may only do inside its greenlet bridge.
    """
    pool = engine.sync_engine.pool
    if broken:
        await greenlet_spawn(lent.invalidate)
    elif isinstance(pool, QueuePool) and pool.checkedin() < pool.size():
        lent.close()
    else:
        await greenlet_spawn(lent.close)
