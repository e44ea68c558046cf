"""Three `shop serve` instances behind HAProxy: one killed under load is dropped, then rejoins.

HAProxy (Debian's package; `make test` installs it) runs the repository's own
`deploy/haproxy.cfg`, its addresses given through the environment as a deployment gives
them. The three instances share the test's database. Customers place a stream of orders
and read products through the balancer while one instance is SIGKILLed: a request cut off
with it comes back as a 502 or a connection closed without an answer, and its client
retries with the same `Idempotency-Key`.
"""

import asyncio
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.container import Container
from tests.integration.helpers import create_product, rows
from tests.plugins.processes import free_port, server_environment
from tests.plugins.settings import PROJECT_ROOT, settings_for
from tests.plugins.users import Caller, a_caller

pytestmark = pytest.mark.slow

HAPROXY_CONFIG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
# The check timing of deploy/haproxy.cfg: `inter 1s fastinter 200ms fall 2`. After a death
# the next check comes within `inter`, the confirming one `fastinter` later.
CHECK_INTERVAL = 1.0
DOWN_AFTER = CHECK_INTERVAL + 0.2
LOADED_MACHINE_MARGIN = 2.0
CUSTOMERS = 6
START_SECONDS = 90
"""A start on a loaded 2-core machine (imports, the database check) can take a while."""
HOT_STOCK = 40
PLENTY_STOCK = 100_000
# Statuses a client may meet while an instance dies; each is retried with the same key.
RETRIED = {502, 503, 504}
FINAL_ORDER_STATUSES = {200, 201, 409}


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if found is None:
        pytest.fail("haproxy is not installed: `make test` installs it (apt-get install haproxy)")
    return found


@dataclass
class Instance:
    """One `shop serve` on a fixed port, so that it can be killed and started again there."""

    name: str
    port: int
    database_url: URL
    log_dir: Path
    process: subprocess.Popen[bytes] | None = None

    _shop = str(Path(sys.executable).parent / "shop")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with (self.log_dir / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own command
                [self._shop, "serve", "--port", str(self.port), "--workers", "1"],
                # Unbuffered: the log shows how far a slow start got.
                env=server_environment(self.database_url, PYTHONUNBUFFERED="1"),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_SECONDS
        while not _answers(f"http://{self.address}/health/ready"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log_text = (self.log_dir / f"{self.name}.log").read_text(errors="replace")
                pytest.fail(f"{self.name} did not start:\n{log_text}")
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Balancer:
    url: str
    stats_socket: Path

    def servers(self) -> dict[str, dict[str, str]]:
        """`show stat` of the instances' backend: each server's row, by its name."""
        with socket.socket(socket.AF_UNIX) as admin:
            admin.connect(str(self.stats_socket))
            admin.sendall(b"show stat\n")
            answer = b""
            while chunk := admin.recv(65536):
                answer += chunk
        lines = answer.decode().lstrip("# ").splitlines()
        return {
            row["svname"]: row
            for row in csv.DictReader(lines)
            if row["pxname"] == "shop_instances" and row["svname"] not in ("BACKEND", "FRONTEND")
        }

    def status(self, server: str) -> str:
        return self.servers()[server]["status"]

    def sessions(self, server: str) -> int:
        """Connections the balancer has ever sent to `server`."""
        return int(self.servers()[server]["stot"])

    async def wait_for(self, server: str, status: str, seconds: float) -> float:
        """Seconds until `server` is reported `status` (UP or DOWN)."""
        started = time.monotonic()
        while not self.status(server).startswith(status):
            assert time.monotonic() - started < seconds, f"{server} never went {status}"
            await asyncio.sleep(0.02)
        return time.monotonic() - started


@pytest.fixture
def instances(database_url: URL, tmp_path: Path) -> Iterator[list[Instance]]:
    started = [Instance(f"shop{n}", free_port(), database_url, tmp_path) for n in range(1, 4)]
    try:
        for instance in started:
            instance.start()
        yield started
    finally:
        for instance in started:
            instance.stop()


@pytest.fixture
def balancer(instances: list[Instance], tmp_path: Path) -> Iterator[Balancer]:
    port = free_port()
    stats_socket = tmp_path / "haproxy.sock"
    environment = {
        **os.environ,
        "SHOP_LB_BIND": f"127.0.0.1:{port}",
        "SHOP_LB_STATS": str(stats_socket),
        **{f"SHOP_INSTANCE_{n}": i.address for n, i in enumerate(instances, start=1)},
    }
    log_path = tmp_path / "haproxy.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the system's haproxy, the repository's config
            [haproxy_binary(), "-db", "-f", str(HAPROXY_CONFIG)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    balancer = Balancer(f"http://127.0.0.1:{port}", stats_socket)
    try:
        deadline = time.monotonic() + 15
        while not stats_socket.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"haproxy did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.05)
        while not all(balancer.status(i.name).startswith("UP") for i in instances):
            assert time.monotonic() < deadline, f"not every instance is UP: {balancer.servers()}"
            time.sleep(0.05)
        yield balancer
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Traffic:
    """What the clients saw: every answer's status (or transport error) and its server."""

    statuses: Counter[str] = field(default_factory=Counter)
    served: list[tuple[float, str]] = field(default_factory=list)
    orders: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    """Idempotency-Key -> the final status and body of the order placed with it."""

    def note(self, response: httpx.Response) -> None:
        self.statuses[str(response.status_code)] += 1
        if server := response.headers.get("x-served-by"):
            self.served.append((time.monotonic(), server))

    def servers_after(self, moment: float) -> set[str]:
        return {server for at, server in self.served if at > moment}


async def _send(
    client: httpx.AsyncClient, traffic: Traffic, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    """The request, retried (same headers, same body) until an answer that is not a 5xx."""
    deadline = time.monotonic() + 30
    while True:
        try:
            response = await client.request(method, path, **kwargs)
        except httpx.TransportError as error:
            traffic.statuses[type(error).__name__] += 1
        else:
            traffic.note(response)
            in_progress = response.status_code == 409 and "still being processed" in response.text
            if response.status_code not in RETRIED and not in_progress:
                return response
        assert time.monotonic() < deadline, f"{method} {path} never got a final answer"
        await asyncio.sleep(0.05)


async def _customer(
    client: httpx.AsyncClient,
    traffic: Traffic,
    caller: Caller,
    hot_id: int,
    plenty_id: int,
    stop: asyncio.Event,
) -> None:
    """Orders (every other one also takes a hot product) and reads, until told to stop."""
    placed = 0
    while not stop.is_set():
        lines = [{"product_id": plenty_id, "quantity": 1}]
        if placed % 2:
            lines.insert(0, {"product_id": hot_id, "quantity": 1})
        key = f"{caller.username}-{uuid.uuid4().hex}"
        headers = {**caller.headers, "Idempotency-Key": key}
        answer = await _send(
            client, traffic, "POST", "/orders", json={"items": lines}, headers=headers
        )
        traffic.orders[key] = (answer.status_code, answer.json())
        placed += 1
        read = await _send(client, traffic, "GET", f"/products/{hot_id}")
        assert read.status_code == 200, read.text


async def test_a_killed_instance_is_dropped_and_rejoins_and_every_order_is_placed_once(
    instances: list[Instance], balancer: Balancer, database_url: URL, db: AsyncEngine
) -> None:
    container = Container()
    container.settings.override(providers.Object(settings_for(database_url)))
    traffic = Traffic()
    stop = asyncio.Event()
    victim = instances[1]
    async with httpx.AsyncClient(base_url=balancer.url, timeout=10) as client:
        admin = await a_caller(container, client, "root", admin=True)
        customers = [
            await a_caller(container, client, f"buyer{n}", admin=False) for n in range(CUSTOMERS)
        ]
        await container.engine().dispose()
        hot = await create_product(client, admin, "Hot", price="5.00", quantity=HOT_STOCK)
        plenty = await create_product(client, admin, "Plenty", price="1.00", quantity=PLENTY_STOCK)

        load = [
            asyncio.create_task(_customer(client, traffic, c, hot["id"], plenty["id"], stop))
            for c in customers
        ]
        try:
            await asyncio.sleep(2)
            assert victim.name in traffic.servers_after(0), "the victim took no traffic before"

            sessions_before_kill = balancer.sessions(victim.name)
            killed_at = time.monotonic()
            victim.kill()
            drop_seconds = await balancer.wait_for(victim.name, "DOWN", 15)
            dropped_at = time.monotonic()
            sessions_when_down = balancer.sessions(victim.name)
            await asyncio.sleep(3)
            sessions_while_down = balancer.sessions(victim.name)
            survivors_while_down = traffic.servers_after(dropped_at)

            await asyncio.to_thread(victim.start)  # the clients keep going meanwhile
            rejoin_seconds = await balancer.wait_for(victim.name, "UP", 15)
            back_at = time.monotonic()
            await asyncio.sleep(3)
        finally:
            stop.set()
            await asyncio.gather(*load)

    # Dropped within its check interval and the confirming check (plus a loaded machine's
    # margin), and sent nothing more once down.
    assert killed_at < dropped_at
    assert drop_seconds <= DOWN_AFTER + LOADED_MACHINE_MARGIN, drop_seconds
    assert sessions_while_down == sessions_when_down
    assert survivors_while_down == {i.name for i in instances} - {victim.name}
    # Back: it takes traffic again.
    assert victim.name in traffic.servers_after(back_at)
    # No answer but these: no 500, and a 5xx only from the instance's death (all retried).
    assert set(traffic.statuses) <= {"200", "201", "409", "502", "503", "504"} | {
        "RemoteProtocolError",
        "ReadError",
        "ConnectError",
    }, traffic.statuses

    successes = {
        key: body["id"] for key, (status, body) in traffic.orders.items() if status in (200, 201)
    }
    refused = [body for status, body in traffic.orders.values() if status == 409]
    assert {status for status, _ in traffic.orders.values()} <= FINAL_ORDER_STATUSES
    assert all("Not enough stock" in body["detail"] for body in refused), refused
    assert len(set(successes.values())) == len(successes), "two keys answered with one order"
    assert refused, "the hot product never sold out: the test did not race for stock"

    orders = await rows(db, "SELECT id FROM orders")
    keys = await rows(db, "SELECT key, order_id FROM idempotency_keys")
    print(  # the figures the test measured, for `pytest -s`
        f"\nload balancer: statuses {dict(sorted(traffic.statuses.items()))}; "
        f"{victim.name} dropped {drop_seconds:.2f} s after SIGKILL (check interval "
        f"{CHECK_INTERVAL:g} s), back {rejoin_seconds:.2f} s after restart; "
        f"orders answered {len(traffic.orders)} ({len(successes)} placed, {len(orders)} in the "
        f"database); sessions to {victim.name}: "
        f"{sessions_before_kill} at kill, {sessions_when_down} when down, "
        f"{sessions_while_down} 3 s later"
    )
    assert len(orders) == len(successes)
    assert {r["key"]: r["order_id"] for r in keys} == successes
    stocked = {r["id"]: r["quantity"] for r in await rows(db, "SELECT id, quantity FROM products")}
    taken = {
        r["product_id"]: r["taken"]
        for r in await rows(
            db, "SELECT product_id, sum(quantity) AS taken FROM order_items GROUP BY product_id"
        )
    }
    assert stocked[hot["id"]] == 0
    assert taken[hot["id"]] == HOT_STOCK
    assert stocked[plenty["id"]] + taken[plenty["id"]] == PLENTY_STOCK
    assert taken[plenty["id"]] == len(successes)
