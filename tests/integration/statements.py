"""Counting the SQL statements the app sends, to pin how many round trips a request costs."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event

from shop.container import Container

# asyncpg's own one-off queries, the first time a connection meets a type: not the request's.
_DRIVER_INTROSPECTION = ("typeinfo_tree", "set_config('jit'", "current_setting('jit')")
# A transaction's own statements: BEGIN and its end come with every unit of work, and are
# not what a budget is about.
_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@contextlib.asynccontextmanager
async def counting_statements(container: Container) -> AsyncIterator[list[str]]:
    """Every SQL statement the app sends inside the block, in order.

    Two kinds: those SQLAlchemy executes (its `before_cursor_execute` event: the read side
    behind PgBouncer, the login throttle), and those the read side and the units of work run
    straight on asyncpg (a query logger on each connection the pool hands out; it sees no
    prepared statement SQLAlchemy runs). Not counted: BEGIN, COMMIT and ROLLBACK, the pool's
    liveness ping, run before the logger is attached, and asyncpg's type introspection.
    """
    sent: list[str] = []

    def through_sqlalchemy(*args: Any) -> None:
        sent.append(args[2])  # (connection, cursor, statement, parameters, context, many)

    def straight_to_driver(query: Any) -> None:
        text = query.query
        if not text.startswith(_TRANSACTION_CONTROL) and not any(
            m in text for m in _DRIVER_INTROSPECTION
        ):
            sent.append(text)

    def attach(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.driver_connection.add_query_logger(straight_to_driver)

    def detach(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.driver_connection.remove_query_logger(straight_to_driver)

    engine = container.engine().sync_engine
    listeners = [
        (engine, "before_cursor_execute", through_sqlalchemy),
        (engine.pool, "checkout", attach),
        (engine.pool, "checkin", detach),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield sent
        # asyncpg hands queries to its loggers with call_soon: let those calls run.
        for _ in range(3):
            await asyncio.sleep(0)
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
