"""Reads from a real streaming replica (DATABASE_REPLICA_URLS), with read-your-writes.

The primary and the replica are the embedded PostgreSQL's own binaries (`replication.py`);
the replica's replay is paused to make it lag on demand. Which server served a read is read
from the service's own `shop_db_reads_total{server=...}` counter.
"""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client import REGISTRY

from shop.api.app import create_app
from shop.consistency import parse_lsn
from shop.container import Container
from tests.integration.helpers import create_product
from tests.integration.replication import StreamingPair, start_streaming_pair
from tests.plugins.databases import migrate
from tests.plugins.settings import settings_for
from tests.plugins.users import Caller, a_caller

pytestmark = pytest.mark.slow

MAX_LAG = 2.0
TOKEN_WAIT = 0.5
CHECK_INTERVAL = 0.1
TOKEN = "X-Consistency-Token"


@dataclass
class Replicated:
    pair: StreamingPair
    client: AsyncClient
    container: Container
    admin: Caller

    @property
    def replica_name(self) -> str:
        return self.container.replicas().replicas[0].name

    def reads(self) -> Counter[str]:
        """Read-side uses so far, by the server that served them."""
        counts: Counter[str] = Counter()
        for server, label in (("primary", "primary"), ("replica", self.replica_name)):
            value = REGISTRY.get_sample_value("shop_db_reads_total", {"server": label})
            counts[server] = int(value or 0)
        return counts

    async def replica_serving(self, serving: bool = True, seconds: float = 15) -> None:
        """Wait until the service's own checks find the replica serving (or not)."""
        deadline = time.monotonic() + seconds
        replica = self.container.replicas().replicas[0]
        while self.container.replicas()._serving(replica) is not serving:
            assert time.monotonic() < deadline, f"the replica never became serving={serving}"
            await asyncio.sleep(0.05)


@pytest.fixture
def streaming_pair() -> Iterator[StreamingPair]:
    yield from start_streaming_pair()


@pytest.fixture
async def replicated(streaming_pair: StreamingPair) -> AsyncIterator[Replicated]:
    await streaming_pair.primary.scalar("CREATE DATABASE shop")
    primary_url = streaming_pair.primary.url("shop")
    await migrate(primary_url)
    replica_url = streaming_pair.replica.url("shop").render_as_string(hide_password=False)
    container = Container()
    settings = settings_for(
        primary_url,
        database_replica_urls=(replica_url,),
        db_replica_max_lag=MAX_LAG,
        db_replica_wait=TOKEN_WAIT,
        db_replica_check_interval=CHECK_INTERVAL,
    )
    container.settings.override(providers.Object(settings))
    app: FastAPI = create_app(container)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://shop.test") as client,
    ):
        admin = await a_caller(container, client, "root", admin=True)
        await streaming_pair.caught_up()
        replicated = Replicated(streaming_pair, client, container, admin)
        await replicated.replica_serving()
        yield replicated
        if streaming_pair.replica.running:
            await streaming_pair.resume_replay()


async def test_a_write_answers_with_a_token_and_a_read_with_it_sees_the_write_despite_paused_replay(
    replicated: Replicated,
) -> None:
    client, pair = replicated.client, replicated.pair
    await pair.pause_replay()
    product = await client.post(
        "/products",
        json={"name": "Fresh", "price": "3.00", "quantity": 1},
        headers=replicated.admin.headers,
    )
    assert product.status_code == 201
    token = product.headers[TOKEN]
    assert parse_lsn(token) is not None, token
    path = f"/products/{product.json()['id']}"

    before, started = replicated.reads(), time.monotonic()
    seen = await client.get(path, headers={TOKEN: token})
    waited = time.monotonic() - started
    assert seen.status_code == 200, seen.text
    assert seen.json()["name"] == "Fresh"
    # The replica could not replay the write: after the bounded wait, the primary served it.
    assert replicated.reads() - before == Counter(primary=1)
    assert waited >= TOKEN_WAIT

    # The same read without the token: the paused replica serves it, as it stood. This is
    # the documented staleness of a read without a token, within DB_REPLICA_MAX_LAG.
    before = replicated.reads()
    stale = await client.get(path)
    assert stale.status_code == 404
    assert replicated.reads() - before == Counter(replica=1)

    await pair.resume_replay()
    await pair.caught_up()
    before = replicated.reads()
    seen_on_replica = await client.get(path, headers={TOKEN: token})
    assert seen_on_replica.status_code == 200
    assert seen_on_replica.json()["name"] == "Fresh"
    assert replicated.reads() - before == Counter(replica=1)


async def test_a_replica_further_behind_than_the_bound_is_skipped_until_it_catches_up(
    replicated: Replicated,
) -> None:
    client, pair = replicated.client, replicated.pair
    product = await create_product(client, replicated.admin, "Kettle", price="20.00", quantity=5)
    path = f"/products/{product['id']}"
    await pair.caught_up()
    await pair.pause_replay()
    changed = await client.patch(path, json={"price": "25.00"}, headers=replicated.admin.headers)
    assert changed.status_code == 200

    before = replicated.reads()
    within_bound = await client.get(path)
    assert within_bound.json()["price"] == "20.00", "a read without a token may be stale"
    assert replicated.reads() - before == Counter(replica=1)

    await replicated.replica_serving(False, seconds=MAX_LAG + 5)
    ready = (await client.get("/health/ready")).json()
    assert ready["status"] == "ok"
    assert [r["status"] for r in ready["replicas"]] == ["behind"]
    before = replicated.reads()
    past_bound = await client.get(path)
    assert past_bound.json()["price"] == "25.00"
    assert replicated.reads() - before == Counter(primary=1)

    await pair.resume_replay()
    await replicated.replica_serving()
    before = replicated.reads()
    caught_up = await client.get(path)
    assert caught_up.json()["price"] == "25.00"
    assert replicated.reads() - before == Counter(replica=1)
    ready = (await client.get("/health/ready")).json()
    assert [r["status"] for r in ready["replicas"]] == ["ok"]


async def test_reads_move_to_the_primary_when_the_replica_stops_under_load_and_come_back(
    replicated: Replicated,
) -> None:
    client, pair = replicated.client, replicated.pair
    product = await create_product(client, replicated.admin, "Lamp", price="9.00", quantity=3)
    await pair.caught_up()
    statuses: Counter[int] = Counter()
    stop = asyncio.Event()

    async def reader() -> None:
        while not stop.is_set():
            for path in (f"/products/{product['id']}", "/products?limit=20"):
                statuses[(await client.get(path)).status_code] += 1

    readers = [asyncio.create_task(reader()) for _ in range(8)]
    await asyncio.sleep(1)
    before_stop = replicated.reads()
    assert before_stop["replica"] > 0

    await asyncio.to_thread(pair.replica.stop)
    await replicated.replica_serving(False)
    ready = (await client.get("/health/ready")).json()
    assert (ready["status"], [r["status"] for r in ready["replicas"]]) == ("ok", ["unreachable"])
    while_down = replicated.reads()
    await asyncio.sleep(1)
    on_primary = replicated.reads() - while_down
    assert on_primary["primary"] > 0
    assert on_primary["replica"] == 0

    await asyncio.to_thread(pair.replica.start)
    await replicated.replica_serving()
    back = replicated.reads()
    await asyncio.sleep(1)
    stop.set()
    await asyncio.gather(*readers)
    assert (replicated.reads() - back)["replica"] > 0
    assert set(statuses) == {200}, statuses
    print(f"\nreplica stopped under load: statuses {dict(statuses)}")


async def test_a_malformed_token_is_a_422(replicated: Replicated) -> None:
    answer = await replicated.client.get("/products", headers={TOKEN: "not-a-position"})
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["loc"] == ["header", TOKEN]


async def test_the_openapi_document_names_the_token_on_reads_and_on_writes(
    replicated: Replicated,
) -> None:
    paths = (await replicated.client.get("/openapi.json")).json()["paths"]

    read_parameters = [p["name"] for p in paths["/products/{product_id}"]["get"]["parameters"]]
    write_headers = paths["/orders"]["post"]["responses"]["201"]["headers"]

    assert TOKEN in read_parameters
    assert TOKEN in write_headers
