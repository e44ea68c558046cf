"""Streaming replicas for the read side: which one may serve a read, judged by what it replayed.

Every `check_interval` seconds the primary is asked for its WAL position and each replica for
the position it has replayed. A replica that replayed position L has everything the primary
had committed when the primary was last seen at or before L: the time of that sighting bounds
how stale the replica is, without trusting any clock but this process's own, and whether the
primary is busy or idle. A replica staler than `max_lag`, or unreachable, serves nothing
until a later check finds it well. A read that must see a write (its consistency token, the
write's WAL position) is served by a replica that has replayed that position, waiting up to
`wait` seconds for one to get there; otherwise by the primary.
"""

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.consistency import parse_lsn
from shop.domain.readiness import Readiness, ReadinessProbe, ReplicaReadiness
from shop.infrastructure.background import BackgroundTask
from shop.infrastructure.connection_gate import ConnectionGate, pool_sized_gate
from shop.infrastructure.connection_health import is_connection_error
from shop.infrastructure.database_location import describe
from shop.infrastructure.engine import create_engine, give_back
from shop.settings import Settings

logger = logging.getLogger(__name__)

REPLICA_UP = Gauge(
    "shop_db_replica_up",
    "1 when the replica answers and is within DB_REPLICA_MAX_LAG, else 0.",
    ["replica"],
    multiprocess_mode="livemin",
)
REPLICA_LAG = Gauge(
    "shop_db_replica_lag_seconds",
    "How far behind the primary the replica may be, at most.",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_POOL_SIZE = Gauge(
    "shop_db_replica_pool_size",
    "Connections the replica's pool keeps open.",
    ["replica"],
    multiprocess_mode="livesum",
)
REPLICA_POOL_CHECKED_OUT = Gauge(
    "shop_db_replica_pool_checked_out",
    "Replica connections in use by requests.",
    ["replica"],
    multiprocess_mode="livesum",
)
READS = Counter(
    "shop_db_reads", "Read-side units of work, by the server that served them.", ["server"]
)
PRIMARY = "primary"

CHECK_TIMEOUT_SECONDS = 2.0
"""A replica that takes longer to say where it is counts as unreachable until the next check."""
_RECHECK_SECONDS = 0.01
"""How often a read waiting for its token asks the replicas again."""


class PrimaryHistory:
    """When the primary was seen at which WAL position, for the last `keep` seconds."""

    def __init__(self, keep: float) -> None:
        self._keep = keep
        self._sightings: deque[tuple[float, int]] = deque()

    def saw(self, at: float, position: int) -> None:
        self._sightings.append((at, position))
        while self._sightings and self._sightings[0][0] < at - self._keep:
            self._sightings.popleft()

    def fresh_as_of(self, replayed: int) -> float | None:
        """The latest time the primary had nothing past `replayed`: a replica that replayed
        it has every commit made before then. None when that is longer ago than kept."""
        for at, position in reversed(self._sightings):
            if position <= replayed:
                return at
        return None


@dataclass(eq=False)
class Replica:
    """One streaming replica: its pool, its gate, and what the last check found."""

    name: str
    engine: AsyncEngine
    gate: ConnectionGate
    replayed: int | None = None
    reachable: bool = False
    _refreshing: "asyncio.Task[None] | None" = field(default=None, init=False, repr=False)

    async def refresh(self) -> None:
        """Ask the replica how far it replayed; concurrent callers share one question."""
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.get_running_loop().create_task(self._ask())
        await asyncio.shield(self._refreshing)

    async def _ask(self) -> None:
        try:
            replayed = await _wal_position(self.engine, "SELECT pg_last_wal_replay_lsn()::text")
        except Exception as error:
            if not is_connection_error(error):
                logger.warning("replica %s: its check failed (%s)", self.name, type(error).__name__)
            self.lost()
            return
        # None: the server is not in recovery (promoted, or not a replica at all).
        self.replayed = replayed
        self.reachable = replayed is not None

    def lost(self) -> None:
        if self.reachable:
            logger.warning("replica %s is unreachable; reads go elsewhere", self.name)
        self.reachable = False


async def _wal_position(engine: AsyncEngine, sql: str) -> int | None:
    """The WAL position a server answers `sql` with (None for NULL), on a connection of its
    own, waited for at most CHECK_TIMEOUT_SECONDS."""
    async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
        lent = await engine.raw_connection()
        broken = True
        try:
            driver: Any = lent.driver_connection
            answer = await driver.fetchval(sql)
            broken = False
        finally:
            await give_back(engine, lent, broken)
    return None if answer is None else parse_lsn(str(answer))


@dataclass(frozen=True, slots=True)
class ReplicaState:
    name: str
    reachable: bool
    lag_seconds: float | None
    """At most this far behind the primary; None when not known (unreachable, or too far)."""
    serving: bool


class ReplicaSet:
    """Picks the replica for each read, from checks made every `check_interval` seconds."""

    def __init__(
        self,
        primary: AsyncEngine,
        replicas: Sequence[Replica],
        *,
        max_lag: float,
        wait: float,
        check_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self.replicas = tuple(replicas)
        self._max_lag = max_lag
        self._wait = wait
        self._interval = check_interval
        self._clock = clock
        self._history = PrimaryHistory(keep=max_lag + 2 * check_interval)
        self._turn = itertools.count()
        self._checking = BackgroundTask(self._check_every_interval)

    def __bool__(self) -> bool:
        return bool(self.replicas)

    def lag(self, replica: Replica) -> float | None:
        """How stale `replica` may be, in seconds, if it is usable at all."""
        if not replica.reachable or replica.replayed is None:
            return None
        since = self._history.fresh_as_of(replica.replayed)
        return None if since is None else max(self._clock() - since, 0.0)

    def _serving(self, replica: Replica) -> bool:
        lag = self.lag(replica)
        return lag is not None and lag <= self._max_lag

    def pick(self, must_see: int | None = None) -> Replica | None:
        """A replica fit to serve a read now (in turn), or None for the primary."""
        fit = [
            r
            for r in self.replicas
            if self._serving(r) and (must_see is None or (r.replayed or 0) >= must_see)
        ]
        return fit[next(self._turn) % len(fit)] if fit else None

    async def choose(self, must_see: int | None = None) -> Replica | None:
        """`pick`, but a read that must see `must_see` waits up to `wait` s for a replica."""
        chosen = self.pick(must_see)
        if chosen is not None or must_see is None or self._wait <= 0:
            return chosen
        behind = [r for r in self.replicas if self._serving(r)]
        deadline = self._clock() + self._wait
        while behind and self._clock() < deadline:
            await asyncio.sleep(_RECHECK_SECONDS)
            await asyncio.gather(*(r.refresh() for r in behind))
            chosen = self.pick(must_see)
            if chosen is not None:
                return chosen
            behind = [r for r in behind if self._serving(r)]
        return None

    async def check(self) -> None:
        """Where the primary is, then how far each replica replayed; gauges follow."""
        try:
            position = await _wal_position(self._primary, "SELECT pg_current_wal_lsn()::text")
        except Exception as error:
            # Without a sighting of the primary the replicas' lag only grows: they stop
            # serving once it passes the bound, which is the safe way to be wrong.
            if not is_connection_error(error):
                raise
        else:
            if position is not None:
                self._history.saw(self._clock(), position)
        await asyncio.gather(*(r.refresh() for r in self.replicas))
        for replica in self.replicas:
            lag = self.lag(replica)
            REPLICA_UP.labels(replica.name).set(1 if self._serving(replica) else 0)
            REPLICA_LAG.labels(replica.name).set(-1 if lag is None else lag)
            pool = replica.engine.sync_engine.pool
            REPLICA_POOL_SIZE.labels(replica.name).set(pool.size())  # type: ignore[attr-defined]
            REPLICA_POOL_CHECKED_OUT.labels(replica.name).set(pool.checkedout())  # type: ignore[attr-defined]

    def states(self) -> list[ReplicaState]:
        return [
            ReplicaState(r.name, r.reachable, self.lag(r), self._serving(r)) for r in self.replicas
        ]

    async def start(self) -> None:
        """Check once (so the first reads can use the replicas), then every interval."""
        if not self.replicas:
            return
        await self.check()
        self._checking.start()

    async def stop(self) -> None:
        await self._checking.stop()
        for replica in self.replicas:
            await replica.engine.dispose()

    async def _check_every_interval(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.check()
            except Exception as error:
                logger.warning("replica check failed (%s)", type(error).__name__)


class ReadinessWithReplicas:
    """The primary's readiness, with each replica's state beside it (not part of it)."""

    def __init__(self, primary: ReadinessProbe, replicas: ReplicaSet) -> None:
        self._primary = primary
        self._replicas = replicas

    async def check(self) -> Readiness:
        readiness = await self._primary.check()
        states = tuple(
            ReplicaReadiness(s.name, s.reachable, s.serving, s.lag_seconds)
            for s in self._replicas.states()
        )
        return replace(readiness, replicas=states)


def reads_from_replicas(settings: Settings) -> bool:
    """Whether any read may come from a replica (so writes hand out consistency tokens)."""
    return bool(settings.database_replica_urls)


def replica_set(settings: Settings, primary: AsyncEngine) -> ReplicaSet:
    """The replicas of DATABASE_REPLICA_URLS, each with its own pool and gate."""
    replicas: list[Replica] = []
    for url in settings.database_replica_urls:
        parsed = make_url(url.get_secret_value()).set(drivername="postgresql+asyncpg")
        name = describe(parsed)
        if any(r.name == name for r in replicas):
            name = f"{name}#{len(replicas) + 1}"
        engine = create_engine(settings, parsed)
        replicas.append(Replica(name, engine, pool_sized_gate(settings)))
    return ReplicaSet(
        primary,
        replicas,
        max_lag=settings.db_replica_max_lag,
        wait=settings.db_replica_wait,
        check_interval=settings.db_replica_check_interval,
    )
