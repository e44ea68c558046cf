"""A first-come-first-served gate in front of the connection pool."""

import asyncio
from collections import deque

from shop.domain.errors import StorageUnavailable
from shop.settings import Settings

_BUSY = "Every database connection is busy; retry shortly."
_UNREACHABLE = "The database is unavailable; retry shortly."


class ConnectionGate:
    """At most `capacity` units of work hold connections at once; the rest queue in order.

    SQLAlchemy's pool lets a late request overtake one that has waited long (p99 of seconds
    under load); queueing here, in arrival order, keeps the tail short. A request that waits
    longer than `patience` seconds gets StorageUnavailable (a 503), as an exhausted pool would.

    Every waiter has the same patience, so the oldest one is always the next to run out: one
    timer, set for the oldest waiter, serves the whole queue, rather than one per request.

    Two cases are refused at once rather than after `patience`: a request that finds
    `max_waiting` others already queued (overload: it would only wait to be refused), and,
    while the database is out of reach (`database_lost()` since the last
    `database_answered()`), any request that finds no free slot: those already queued are
    turned away there and then, and only requests that find a slot free try the database,
    so one of them notices when it is back.
    """

    def __init__(self, capacity: int, patience: float, max_waiting: int | None = None) -> None:
        self._free = capacity
        self._patience = patience
        self._max_waiting = max_waiting
        self._queue: deque[tuple[float, asyncio.Future[None]]] = deque()
        # Requests waiting now; the queue may also hold turns given up (a cancelled request)
        # that `leave()` has not reached yet, which must not count against `max_waiting`.
        self._waiting = 0
        self._timer: asyncio.TimerHandle | None = None
        self._database_lost = False

    async def enter(self) -> None:
        if self._free and not self._queue:
            self._free -= 1
            return
        if self._database_lost:
            raise StorageUnavailable(_UNREACHABLE)
        if self._max_waiting is not None and self._waiting >= self._max_waiting:
            raise StorageUnavailable(_BUSY)
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self._queue.append((loop.time() + self._patience, turn))
        if self._timer is None:
            self._timer = loop.call_at(self._queue[0][0], self._turn_away_expired)
        self._waiting += 1
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self.leave()  # the slot came just as the wait was given up: pass it on
            raise
        finally:
            self._waiting -= 1

    def leave(self) -> None:
        """Give the slot to the longest waiting request, or free it."""
        while self._queue:
            _, turn = self._queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1

    def database_lost(self) -> None:
        """A connection failed: turn the queue away, and queue no one until one succeeds."""
        self._database_lost = True
        while self._queue:
            _, turn = self._queue.popleft()
            if not turn.done():
                turn.set_exception(StorageUnavailable(_UNREACHABLE))

    def database_answered(self) -> None:
        self._database_lost = False

    def _turn_away_expired(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._queue and self._queue[0][0] <= now:
            _, turn = self._queue.popleft()
            if not turn.done():
                turn.set_exception(StorageUnavailable(_BUSY))
        self._timer = None
        if self._queue:
            self._timer = loop.call_at(self._queue[0][0], self._turn_away_expired)


def pool_sized_gate(settings: Settings) -> ConnectionGate:
    """A gate as wide as the pool's steady size.

    Wider, and sustained load would keep opening overflow connections only to close them
    again at check-in (the pool keeps `pool_size` idle): a new connection per request. The
    overflow stays for what does not pass the gate (start-up and readiness checks).
    """
    return ConnectionGate(
        settings.db_pool_size, settings.db_pool_timeout, settings.db_queue_limit or None
    )
