"""A first-come-first-served gate in front of the connection pool."""

import asyncio
from collections import deque

from shop.domain.errors import StorageUnavailable
from shop.settings import Settings


class ConnectionGate:
    """At most `capacity` units of work hold connections at once; the rest queue in order.

    SQLAlchemy's pool lets a late request overtake one that has waited long (p99 of seconds
    under load); queueing here, in arrival order, keeps the tail short. A request that waits
    longer than `patience` seconds gets StorageUnavailable (a 503), as an exhausted pool would.

    Every waiter has the same patience, so the oldest one is always the next to run out: one
    timer, set for the oldest waiter, serves the whole queue, rather than one per request.
    """

    def __init__(self, capacity: int, patience: float) -> None:
        self._free = capacity
        self._patience = patience
        self._queue: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    async def enter(self) -> None:
        if self._free and not self._queue:
            self._free -= 1
            return
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        self._queue.append((loop.time() + self._patience, turn))
        if self._timer is None:
            self._timer = loop.call_at(self._queue[0][0], self._turn_away_expired)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                self.leave()  # the slot came just as the wait was given up: pass it on
            raise

    def leave(self) -> None:
        """Give the slot to the longest waiting request, or free it."""
        while self._queue:
            _, turn = self._queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1

    def _turn_away_expired(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._queue and self._queue[0][0] <= now:
            _, turn = self._queue.popleft()
            if not turn.done():
                turn.set_exception(
                    StorageUnavailable("Every database connection is busy; retry shortly.")
                )
        self._timer = None
        if self._queue:
            self._timer = loop.call_at(self._queue[0][0], self._turn_away_expired)


def pool_sized_gate(settings: Settings) -> ConnectionGate:
    """A gate as wide as the pool's steady size.

    Wider, and sustained load would keep opening overflow connections only to close them
    again at check-in (the pool keeps `pool_size` idle): a new connection per request. The
    overflow stays for what does not pass the gate (start-up and readiness checks).
    """
    return ConnectionGate(settings.db_pool_size, settings.db_pool_timeout)
