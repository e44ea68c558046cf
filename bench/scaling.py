"""The scaled set-ups of the README's Scaling section, each against its baseline in one run.

- Replica reads: the service reading from a streaming replica (DATABASE_REPLICA_URLS) against
  the same service reading from the primary. The pair is the tests' own harness
  (tests/integration/replication.py: the embedded binaries, `pg_basebackup -R`).
- Three instances behind HAProxy (deploy/haproxy.cfg, one worker each) against one instance
  with one worker, on the benchmark's database.
"""

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from loadgen import Load
from report import Series, Setup
from seed import seed_products
from servers import PROJECT_ROOT, Server, free_port, libpq_url, migrate, running_service
from sqlalchemy import URL

sys.path.insert(0, str(PROJECT_ROOT))  # the replica harness lives with the tests
from tests.integration.replication import start_streaming_pair

HAPROXY_CONFIG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
INSTANCES = 3
READY_SECONDS = 30

Alternate = Callable[[dict[str, tuple[Server, Load]]], dict[str, Series]]
"""run.py's `alternate`, bound to its options and log: rounds of each run in turn."""


def read_loads(products: int) -> list[tuple[str, Load]]:
    return [
        ("GET /products/{id}", Load("product", products=products)),
        ("GET /products?limit=20", Load("path", path="/products?limit=20")),
    ]


def replica_phase(products: int, secret: str, workdir: Path, alternate: Alternate) -> list[Setup]:
    """Reads from a streaming replica against reads from its primary, one worker each."""
    setups = []
    pair_cleanup = start_streaming_pair()
    pair = next(pair_cleanup)
    try:
        asyncio.run(pair.primary.scalar("CREATE DATABASE shop"))
        primary_url = pair.primary.url("shop")
        migrate(primary_url, workdir / "migrate.log")
        asyncio.run(seed_products(libpq_url(primary_url), products))
        asyncio.run(pair.caught_up())
        replica_url = pair.replica.url("shop").render_as_string(hide_password=False)
        with (
            running_service(primary_url, secret, 1, workdir) as on_primary,
            running_service(
                primary_url, secret, 1, workdir, DATABASE_REPLICA_URLS=replica_url
            ) as on_replica,
        ):
            on_primary.name, on_replica.name = "primary", "replica"
            for endpoint, load in read_loads(products):
                series = alternate({"primary": (on_primary, load), "replica": (on_replica, load)})
                setups.append(
                    Setup(
                        "replica reads (1 worker)", endpoint, series["primary"], series["replica"]
                    )
                )
    finally:
        with contextlib.suppress(StopIteration):
            next(pair_cleanup)
    return setups


def _haproxy() -> str | None:
    found = shutil.which("haproxy")
    return found or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)


@contextlib.contextmanager
def behind_haproxy(instances: list[Server], workdir: Path) -> Iterator[Server]:
    """deploy/haproxy.cfg in front of `instances`, as a Server the load can be sent to."""
    binary = _haproxy()
    if binary is None:
        raise RuntimeError("haproxy is not installed: apt-get install -y haproxy (as root)")
    port = free_port()
    environment = {
        **os.environ,
        "SHOP_LB_BIND": f"127.0.0.1:{port}",
        "SHOP_LB_STATS": str(workdir / "haproxy.sock"),
        **{
            f"SHOP_INSTANCE_{n}": i.base_url.removeprefix("http://")
            for n, i in enumerate(instances, start=1)
        },
    }
    log_path = workdir / "haproxy.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the system's haproxy, the repository's config
            [binary, "-db", "-f", str(HAPROXY_CONFIG)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"{len(instances)}xHAProxy", len(instances), f"http://127.0.0.1:{port}",
                    process, log_path)  # fmt: skip
    try:
        _wait_for_every_instance(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_every_instance(balancer: Server) -> None:
    """Until each instance has answered through the balancer (each is in its rotation)."""
    import urllib.request  # noqa: PLC0415 - only here

    seen: set[str] = set()
    deadline = time.monotonic() + READY_SECONDS
    while len(seen) < balancer.workers:
        if balancer.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"haproxy did not serve every instance:\n{balancer.log_tail()}")
        with contextlib.suppress(OSError):
            url = balancer.base_url + "/health/ready"
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback
                seen.add(answer.headers.get("X-Served-By", ""))
        time.sleep(0.05)


def balancer_phase(
    url: URL, products: int, secret: str, workdir: Path, alternate: Alternate
) -> list[Setup]:
    """Three one-worker instances behind HAProxy against one one-worker instance."""
    setups = []
    with contextlib.ExitStack() as stack:
        single = stack.enter_context(running_service(url, secret, 1, workdir))
        single.name = "1 instance"
        instances = [
            stack.enter_context(running_service(url, secret, 1, workdir)) for _ in range(INSTANCES)
        ]
        balanced = stack.enter_context(behind_haproxy(instances, workdir))
        for endpoint, load in read_loads(products):
            series = alternate({single.name: (single, load), balanced.name: (balanced, load)})
            setups.append(
                Setup(
                    f"{INSTANCES} instances behind HAProxy",
                    endpoint,
                    series[single.name],
                    series[balanced.name],
                )
            )
    return setups
