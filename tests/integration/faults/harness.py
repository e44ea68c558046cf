"""What every fault of the matrix shares: a shop of its own, a stream of customers, the checks.

Each fault test runs a real `shop serve` against a PostgreSQL of its own (breaking it harms
no other test), keeps customers placing orders and reading products while it breaks
something and mends it, and then checks what the customers saw and what the database holds:

- while it lasts, every answer is a 200/201, or a 503 problem with `Retry-After`: no other
  status, no request cut off or left hanging past the bound the test names;
- `/health/ready` answers 503 and `/health/live` 200 during the fault;
- the service serves again within RECOVERY_SECONDS of the fault's end, without a restart;
- the database holds exactly one order per order answered 201 (or, for a cut whose commit
  was in doubt, per retry answered 200 with the same Idempotency-Key), and every product's
  stock plus what was ordered of it is its initial stock.

Customers retry an order that got a 503 or no answer with the same Idempotency-Key, as the
API asks them to: that is also how the checks tell an order committed just before the cut
(the retry replays it, 200) from one that never was (the retry places it, 201).
"""

import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shop.container import Container
from tests.plugins.databases import migrate
from tests.plugins.fault_figures import FIGURES_PROPERTY
from tests.plugins.processes import LiveServer, running_server
from tests.plugins.settings import settings_for

RECOVERY_SECONDS = 10.0
"""The service serves again this soon after the fault ends, by itself."""

STARTUP_SECONDS = 90.0
"""Room for `shop serve` to start on a busy machine (each worker imports the app afresh)."""

INITIAL_STOCK = 1_000_000
CUSTOMERS = 4
PRODUCTS = 3
ANSWERED = frozenset({200, 201})
RETRY_PAUSE_SECONDS = 0.1
"""How long a customer waits before retrying an order that failed (Retry-After is longer, but
the test wants many tries in a short fault)."""


FAULT_ENVIRONMENT = {
    # A dead socket is given up after 2 s without an answer (TCP_USER_TIMEOUT, keepalive),
    # a connection attempt after 2 s: the bounds the network-cut test checks, kept short.
    "DB_SOCKET_TIMEOUT": "2",
    "LOG_LEVEL": "INFO",
}


@dataclass(frozen=True)
class Answer:
    """One request of the stream and what came back (status None: no answer at all)."""

    kind: str
    started: float
    seconds: float
    status: int | None
    retry_after: str | None = None
    key: str | None = None
    error: str | None = None

    @property
    def finished(self) -> float:
        return self.started + self.seconds


@dataclass
class Shop:
    """A running service, its database, and the customers and products the stream uses."""

    server: LiveServer
    url: URL
    customers: list[dict[str, str]]
    product_ids: list[int]

    @property
    def base_url(self) -> str:
        return self.server.base_url


async def seed(url: URL, base_url: str) -> tuple[list[dict[str, str]], list[int]]:
    """An admin, CUSTOMERS customers (their auth headers) and PRODUCTS well-stocked products."""
    container = Container()
    container.settings.override(providers.Object(settings_for(url)))
    users = container.user_service()
    try:
        await users.create_admin("root@example.com", "root", "root-password-1")
        for n in range(CUSTOMERS):
            await users.register_user(f"c{n}@example.com", f"customer{n}", f"c{n}-password-1")
    finally:
        await container.engine().dispose()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def headers(email: str, password: str) -> dict[str, str]:
            form = {"username": email, "password": password}
            response = await client.post("/auth/token", data=form)
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        admin = await headers("root@example.com", "root-password-1")
        customers = [
            await headers(f"c{n}@example.com", f"c{n}-password-1") for n in range(CUSTOMERS)
        ]
        product_ids = []
        for n in range(PRODUCTS):
            body = {"name": f"Part {n}", "price": "1.50", "quantity": INITIAL_STOCK}
            created = await client.post("/products", json=body, headers=admin)
            assert created.status_code == 201, created.text
            product_ids.append(created.json()["id"])
    return customers, product_ids


@asynccontextmanager
async def shop_on(
    url: URL,
    log_dir: Path,
    *,
    workers: int = 1,
    served_through: URL | None = None,
    **environment: str,
) -> AsyncIterator[Shop]:
    """Migrate the database at `url`, serve it with `shop serve`, and seed it.

    The service reaches the database through `served_through` (a PgBouncer) when given;
    the test itself always goes straight to `url`.
    """
    await migrate(url)
    served = served_through or url
    settings = FAULT_ENVIRONMENT | environment
    with running_server(
        served, log_dir, workers=workers, live_within=STARTUP_SECONDS, **settings
    ) as server:
        customers, product_ids = await seed(url, server.base_url)
        yield Shop(server, url, customers, product_ids)


class Traffic:
    """Customers each placing orders and reading products in a loop, every answer recorded."""

    def __init__(self, shop: Shop, clients: int = 6, timeout: float = 20.0) -> None:
        self._shop = shop
        self._clients = clients
        self._timeout = timeout
        self.answers: list[Answer] = []
        self._running = False
        self._tasks: list[asyncio.Task[None]] = []
        self._keys = itertools.count()

    def start(self) -> None:
        self._running = True
        self._tasks = [asyncio.create_task(self._customer(n)) for n in range(self._clients)]

    async def stop(self) -> None:
        self._running = False
        tasks, self._tasks = self._tasks, []
        await asyncio.gather(*tasks)

    async def __aenter__(self) -> "Traffic":
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def _customer(self, n: int) -> None:
        headers = self._shop.customers[n % len(self._shop.customers)]
        product_id = self._shop.product_ids[n % len(self._shop.product_ids)]
        async with httpx.AsyncClient(base_url=self._shop.base_url, timeout=self._timeout) as c:
            while self._running:
                await self._order(c, headers, product_id, f"stream-{next(self._keys)}")
                await self._ask(c, "product", "GET", f"/products/{product_id}")
                await self._ask(c, "list", "GET", "/products", params={"limit": 5})

    async def _order(
        self, client: httpx.AsyncClient, headers: dict[str, str], product_id: int, key: str
    ) -> None:
        """Place one order, retrying with the same key until it is answered (or the end)."""
        body = {"items": [{"product_id": product_id, "quantity": 1}]}
        while True:
            answer = await self._ask(
                client,
                "order",
                "POST",
                "/orders",
                json=body,
                headers={**headers, "Idempotency-Key": key},
                key=key,
            )
            if answer.status in ANSWERED or not self._running:
                return
            await asyncio.sleep(RETRY_PAUSE_SECONDS)

    async def _ask(
        self,
        client: httpx.AsyncClient,
        kind: str,
        method: str,
        path: str,
        key: str | None = None,
        **request: Any,
    ) -> Answer:
        started = time.monotonic()
        try:
            response = await client.request(method, path, **request)
        except httpx.TransportError as error:
            answer = Answer(
                kind, started, time.monotonic() - started, None, key=key, error=type(error).__name__
            )
        else:
            answer = Answer(
                kind,
                started,
                time.monotonic() - started,
                response.status_code,
                response.headers.get("retry-after"),
                key,
                None if response.status_code in ANSWERED else response.text[:300],
            )
        self.answers.append(answer)
        return answer

    # --- what the customers saw -----------------------------------------------------------

    def codes(self) -> Counter[str]:
        return Counter(str(a.status or a.error) for a in self.answers)

    def longest(self) -> float:
        return max(a.seconds for a in self.answers)

    def unexpected(self, *, cut_off_allowed: bool = False) -> list[Answer]:
        """Answers no fault may give: anything but 200/201 or a 503 with Retry-After."""
        return [
            a
            for a in self.answers
            if not (
                a.status in ANSWERED
                or (a.status == 503 and a.retry_after)
                or (a.status is None and cut_off_allowed and a.error != "ReadTimeout")
            )
        ]

    def first_refusal_after(self, moment: float) -> float | None:
        """Seconds from `moment` until the first 503 that was asked for after it."""
        refused = [a.finished for a in self.answers if a.status == 503 and a.started >= moment]
        return min(refused) - moment if refused else None

    def placed_keys(self) -> set[str]:
        return {a.key for a in self.answers if a.kind == "order" and a.status == 201 and a.key}

    def replayed_keys(self) -> set[str]:
        return {a.key for a in self.answers if a.kind == "order" and a.status == 200 and a.key}


async def wait_until(condition: Callable[[], Any], seconds: float, what: str) -> float:
    """Poll the async `condition` until it is true; the seconds it took, or fail after `seconds`."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > seconds:
            pytest.fail(f"{what} not within {seconds} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def health(base_url: str, which: str) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        try:
            return (await client.get(f"/health/{which}")).status_code
        except httpx.TransportError:
            return 0


async def expect_unready(shop: Shop, within: float = 15.0) -> None:
    """During the fault: readiness turns 503 (within `within` s), liveness stays 200."""

    async def unready() -> bool:
        return await health(shop.base_url, "ready") == 503

    await wait_until(unready, within, "/health/ready answering 503")
    assert await health(shop.base_url, "live") == 200


async def wait_for_recovery(shop: Shop, traffic: Traffic, fault_ended: float) -> float:
    """Seconds from the fault's end until the service is ready and an order is placed again."""

    async def serving() -> bool:
        placed = any(
            a.kind == "order" and a.status == 201 and a.started >= fault_ended
            for a in traffic.answers
        )
        return placed and await health(shop.base_url, "ready") == 200

    await wait_until(serving, RECOVERY_SECONDS + 5, "the service serving again")
    recovered = time.monotonic() - fault_ended
    assert recovered <= RECOVERY_SECONDS, f"the service took {recovered:.1f} s to come back"
    return recovered


async def assert_books_balance(shop: Shop, traffic: Traffic) -> int:
    """One order per key answered 201 or replayed; stock + ordered == initial. Replays found."""
    engine = create_async_engine(shop.url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            keys = set((await connection.scalars(text("SELECT key FROM idempotency_keys"))).all())
            orders = await connection.scalar(text("SELECT count(*) FROM orders"))
            bare = await connection.scalar(
                text(
                    "SELECT count(*) FROM orders o WHERE NOT EXISTS "
                    "(SELECT FROM order_items i WHERE i.order_id = o.id)"
                )
            )
            books = (
                await connection.execute(
                    text(
                        "SELECT p.id, p.quantity + coalesce(sum(i.quantity), 0) FROM products p "
                        "LEFT JOIN order_items i ON i.product_id = p.id GROUP BY p.id"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    placed, replayed = traffic.placed_keys(), traffic.replayed_keys()
    assert not placed & replayed - placed, "a key answered 201 was never replayed as new"
    assert bare == 0, f"{bare} orders without items: a half-written order"
    assert orders == len(keys), "an order without its idempotency key"
    assert keys == placed | replayed, (
        f"orders in the database but never answered: {sorted(keys - placed - replayed)[:10]}; "
        f"answered but not in the database: {sorted((placed | replayed) - keys)[:10]}"
    )
    assert all(total == INITIAL_STOCK for _, total in books), f"stock + ordered: {books}"
    return len(replayed - placed)


@dataclass
class Figures:
    """What the note reports per fault: the codes seen, the longest request, the recovery."""

    fault: str
    codes: Counter[str] = field(default_factory=Counter)
    longest_seconds: float = 0.0
    recovery_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> str:
        return json.dumps(
            {
                "fault": self.fault,
                "codes": dict(sorted(self.codes.items())),
                "longest_s": round(self.longest_seconds, 2),
                "recovery_s": None
                if self.recovery_seconds is None
                else round(self.recovery_seconds, 2),
                **self.extra,
            }
        )


@contextmanager
def reported(record_property: Callable[[str, object], None], fault: str) -> Iterator[Figures]:
    """Figures for `fault`, attached to the test's report (the run's summary lists them)."""
    figures = Figures(fault)
    try:
        yield figures
    finally:
        record_property(FIGURES_PROPERTY, figures.as_json())


async def check_fault(
    shop: Shop,
    traffic: Traffic,
    figures: Figures,
    fault_ended: float,
    *,
    cut_off_allowed: bool = False,
) -> None:
    """Everything each fault must satisfy once it has ended (see the module's docstring)."""
    figures.recovery_seconds = await wait_for_recovery(shop, traffic, fault_ended)
    await asyncio.sleep(0.5)  # a little steady traffic after the recovery, then stop
    await traffic.stop()
    figures.codes = traffic.codes()
    figures.longest_seconds = traffic.longest()
    unexpected = traffic.unexpected(cut_off_allowed=cut_off_allowed)
    assert not unexpected, f"answers no fault may give: {unexpected[:5]}"
    figures.extra["in_doubt_replayed"] = await assert_books_balance(shop, traffic)
    log = shop.server.log()
    assert "unhandled" not in log, log[-3000:]
