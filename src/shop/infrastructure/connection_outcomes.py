"""What both sides do when a use of a connection ends: errors in the shop's words, and the
gate told whether the database answered."""

import asyncio
from typing import NoReturn

from shop.domain.errors import DomainError, StorageUnavailable
from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.connection_health import is_connection_error

UNAVAILABLE = "The database is unavailable; retry shortly."


def translated(error: Exception, gate: ConnectionGate) -> Exception:
    """A lost connection as StorageUnavailable (and the gate told); anything else as is."""
    if is_connection_error(error):
        gate.database_lost()
        return StorageUnavailable(UNAVAILABLE)
    return error


def raise_connect_failure(error: BaseException, gate: ConnectionGate) -> NoReturn:
    """Re-raise what stopped a side from getting its connection, in the shop's words."""
    if isinstance(error, Exception):
        raise translated(error, gate) from error
    if isinstance(error, asyncio.CancelledError) and not _being_cancelled():
        # The driver's connect gave up on its own (a connection attempt cut short by
        # a server going away): the request itself was not cancelled.
        gate.database_lost()
        raise StorageUnavailable(UNAVAILABLE) from error
    raise error


def raise_close_failure(
    error: Exception, block_error: BaseException | None, gate: ConnectionGate
) -> None:
    """Re-raise a failure to close, in the shop's words, unless the block using the connection
    failed already: its own error says more, and is the one raised."""
    if block_error is None:
        raise translated(error, gate) from error


def settle(exc: BaseException | None, gate: ConnectionGate) -> None:
    """After a use: the gate learns whether the database answered; a lost one is a 503."""
    if exc is None or isinstance(exc, DomainError):
        gate.database_answered()
    elif is_connection_error(exc):
        gate.database_lost()
        raise StorageUnavailable(UNAVAILABLE) from exc


def broke_off(exc: BaseException | None) -> bool:
    """Whether a use of a driver connection that ended with `exc` may have left it
    mid-statement: a domain error is raised between statements, anything else (a lost
    connection, a cancelled request, a bug) may have cut one off. Such a connection is
    replaced, not lent out again."""
    return exc is not None and not isinstance(exc, DomainError)


def _being_cancelled() -> bool:
    """Whether the running task has been asked to stop (a client gone, a shutdown)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
