"""The access log: one line per request, written in small batches off the request's path."""

import asyncio
import logging
from dataclasses import dataclass

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

    Writing a line as each request ends costs more than all the rest of the request's
    bookkeeping: the logging machinery runs cold between requests. Written in a batch, each
    line still carries its own request's time and id, and goes through the configured
    handlers and formatters like any other record. `flush()` writes what waits (shutdown
    calls it).
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
        if not self._logger.isEnabledFor(logging.INFO):
            return
        for finished in waiting:
            self._logger.handle(self._record_of(finished))

    def _record_of(self, finished: FinishedRequest) -> logging.LogRecord:
        milliseconds = finished.seconds * 1000
        record = self._logger.makeRecord(
            self._logger.name,
            logging.INFO,
            __file__,
            0,
            "%s %s %d %.1fms",
            (finished.method, finished.path, finished.status, milliseconds),
            None,
            extra={
                "method": finished.method,
                "route": finished.route,
                "status": finished.status,
                "duration_ms": round(milliseconds, 2),
                "request_id": finished.request_id,
            },
        )
        _stamp(record, finished.finished_at)
        return record


def _stamp(record: logging.LogRecord, at: float) -> None:
    """Give the record the time its request finished, not the time it is written."""
    record.relativeCreated -= (record.created - at) * 1000
    record.created = at
    record.msecs = int((at - int(at)) * 1000) + 0.0
