"""The access log: one line per request, written in small batches off the request's path."""

import asyncio
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

FLUSH_AFTER_SECONDS = 0.05
"""How long a finished request's line may wait to be written."""

ACCESS_LOGGER = "shop.access"


@dataclass(frozen=True, slots=True)
class FinishedRequest:
    method: str
    path: str
    route: str
    status: int
    seconds: float
    request_id: str
    finished_at: float
    """Wall-clock time (`time.time()`), the line's timestamp."""


class AccessLog:
    """Keeps finished requests and writes their lines together, at most 50 ms later.

    Written one by one, as each request ends, the lines cost more than all the rest of a
    request's bookkeeping. Written in a batch, each line is still a LogRecord of its own,
    with its own request's time and id, that goes through the configured filters and
    formatters; a plain stream handler takes the whole batch in one write. `flush()`
    writes what waits (shutdown calls it).
    """

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger(ACCESS_LOGGER)
        self._waiting: list[FinishedRequest] = []

    def add(self, finished: FinishedRequest) -> None:
        if not self._waiting:
            asyncio.get_running_loop().call_later(FLUSH_AFTER_SECONDS, self.flush)
        self._waiting.append(finished)

    def flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        if not waiting or self._logger.disabled or not self._logger.isEnabledFor(logging.INFO):
            return
        records = list(_filtered(self._logger, self._records_of(waiting)))
        for handler in _handlers_of(self._logger):
            if handler.level <= logging.INFO:
                _emit(handler, records)

    def _records_of(self, waiting: Sequence[FinishedRequest]) -> Iterator[logging.LogRecord]:
        """A record made the standard way for the first request, copies of it for the rest.

        `makeRecord` looks up the thread, the process and the source file for each record:
        the same for a whole batch, and most of what a record costs.
        """
        first = self._logger.makeRecord(
            self._logger.name, logging.INFO, __file__, 0, _MESSAGE, (), None
        )
        template = first.__dict__
        for finished in waiting:
            record = logging.LogRecord.__new__(logging.LogRecord)
            record.__dict__.update(template, **_fields_of(finished))
            _stamp(record, finished.finished_at)
            yield record


_MESSAGE = "%s %s %d %.1fms"


def _fields_of(finished: FinishedRequest) -> dict[str, object]:
    milliseconds = finished.seconds * 1000
    return {
        "args": (finished.method, finished.path, finished.status, milliseconds),
        # The fields a JSON formatter writes out besides the message.
        "method": finished.method,
        "route": finished.route,
        "status": finished.status,
        "duration_ms": round(milliseconds, 2),
        "request_id": finished.request_id,
    }


def _stamp(record: logging.LogRecord, at: float) -> None:
    """Give the record the time its request finished, not the time it is written."""
    record.relativeCreated -= (record.created - at) * 1000
    record.created = at
    record.msecs = int((at - int(at)) * 1000) + 0.0


def _handlers_of(logger: logging.Logger) -> Iterator[logging.Handler]:
    """The handlers a record of `logger` reaches, as `Logger.callHandlers` walks them."""
    current: logging.Logger | None = logger
    while current is not None:
        yield from current.handlers
        current = current.parent if current.propagate else None


def _emit(handler: logging.Handler, records: list[logging.LogRecord]) -> None:
    """Each record through the handler; a plain stream handler gets them in one write."""
    if not _is_plain_stream_handler(handler):
        for record in records:
            handler.handle(record)
        return
    handler.acquire()
    try:
        passed = list(_filtered(handler, records))
        if passed:
            _write(handler, passed)
    finally:
        handler.release()


def _write(handler: "logging.StreamHandler[Any]", records: list[logging.LogRecord]) -> None:
    """What `StreamHandler.emit` does for one record, for all of them at once."""
    try:
        handler.stream.write("".join(handler.format(r) + handler.terminator for r in records))
        handler.flush()
    except RecursionError:
        raise
    except Exception:
        handler.handleError(records[0])


def _filtered(
    filterer: logging.Filterer, records: Iterable[logging.LogRecord]
) -> Iterator[logging.LogRecord]:
    for record in records:
        passed = filterer.filter(record)
        if isinstance(passed, logging.LogRecord):
            yield passed  # Python 3.12 and later: a filter may hand back a changed copy
        elif passed:
            yield record


def _is_plain_stream_handler(handler: logging.Handler) -> TypeGuard["logging.StreamHandler[Any]"]:
    # A subclass that emits its own way (FileHandler opens its file lazily, pytest's capture
    # keeps records) is left to emit each record itself.
    return isinstance(handler, logging.StreamHandler) and (
        type(handler).emit is logging.StreamHandler.emit
    )
