"""What both sides do as a use of a connection begins and ends: the gate passed and left,
errors in the shop's words, and the gate told whether the database answered."""

import asyncio
from abc import ABC, abstractmethod
from types import TracebackType
from typing import NoReturn, Self

from shop.domain.errors import DomainError, StorageUnavailable
from shop.domain.unit_of_work import AlreadyOpen
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


def settle(exc: BaseException | None, gate: ConnectionGate) -> None:
    """After a use: the gate learns whether the database answered; a lost one is a 503."""
    if exc is None or isinstance(exc, DomainError):
        gate.database_answered()
    elif is_connection_error(exc):
        gate.database_lost()
        raise StorageUnavailable(UNAVAILABLE) from exc


def _being_cancelled() -> bool:
    """Whether the running task has been asked to stop (a client gone, a shutdown)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class GatedConnectionUse(ABC):
    """One connection per `async with` block, through the gate; one block at a time.

    Subclasses say how a use opens its connection and how it gives it back; entering twice
    without leaving is refused (AlreadyOpen) before anything is taken.
    """

    def __init__(self, gate: ConnectionGate) -> None:
        self._gate = gate
        self._in_use = False

    async def __aenter__(self) -> Self:
        await self._begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._end(exc)

    async def _begin(self) -> None:
        if self._in_use:
            raise AlreadyOpen(f"this {type(self).__name__} is already open; use another one")
        await self._gate.enter()
        try:
            await self._open()
        except BaseException as error:
            try:
                await self._close(error)
            finally:
                self._gate.leave()
            raise_connect_failure(error, self._gate)
        self._in_use = True

    async def _end(self, exc: BaseException | None) -> None:
        try:
            await self._close(exc)
        except Exception as close_error:
            if exc is None:
                raise translated(close_error, self._gate) from close_error
        finally:
            self._in_use = False
            self._gate.leave()
        settle(exc, self._gate)

    @abstractmethod
    async def _open(self) -> None:
        """Take this use's connection."""

    @abstractmethod
    async def _close(self, exc: BaseException | None) -> None:
        """Give back whatever `_open` took (also after it failed half way)."""
