"""`make bench`: the shop service against a raw Starlette + asyncpg yardstick, under wrk.

Starts a throwaway embedded PostgreSQL, migrates and seeds it, then for each worker count runs
`shop serve` and the yardstick side by side and drives both with wrk in alternating rounds:
the machine is shared and noisy, so only ratios measured in the same run mean much. Then a
leak check (RSS per worker of a fresh service after 20,000 and 100,000 requests) and a
flat-paging check (1,000,000 products: the first page against one of the last), and the
scaled set-ups (bench/scaling.py: replica reads against primary reads, three instances behind
HAProxy against one). Prints a
table and writes bench/results/<timestamp>.json and .png, copied to latest.json and .png.

    python bench/run.py            # the full benchmark, about 20 minutes on 2 cores
    python bench/run.py --quick    # small data and short rounds: every phase, in minutes
"""

import argparse
import asyncio
import contextlib
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from loadgen import WRK_MISSING, Load, Pressure, run_wrk, wrk_path
from report import Comparison, Leak, Paging, Report, Sample, Series, Setup, save, table
from scaling import INSTANCES, balancer_phase, replica_phase
from seed import HOT_PRODUCT_ID, PASSWORD, seed_products, seed_shop
from servers import (
    PROJECT_ROOT,
    Server,
    libpq_url,
    log_in,
    migrate,
    request_json,
    running_service,
    running_yardstick,
    start_database,
)
from sqlalchemy import URL

from shop.domain.pagination import encode_cursor
from shop.domain.product_listing import ProductOrdering
from shop.domain.products import Product
from shop.infrastructure.passwords import Argon2PasswordHasher

RESULTS_DIR = Path(__file__).with_name("results")
CUSTOMERS_LOGGED_IN = 8
LEAK_WORKERS = 1
"""One worker takes every request of the leak check: the strictest case."""
PAGING_WORKERS = 1
PAGING_SORTS = ("id", "price")
DEEP_PAGE_FROM_END = 30
"""The deep page starts after the product this far from the end of the listing."""
LEAK_CHUNK_SECONDS = 5
SETTLE_SECONDS = 2.0
"""wrk runs for its whole duration even when every thread has sent its share: keep runs short."""
PRESETS: dict[str, dict[str, Any]] = {
    "full": {
        "products": 100_000,
        "users": 1_000,
        "orders": 100_000,
        "paging_products": 1_000_000,
        "rounds": 3,
        "seconds": 10,
        "warmup_seconds": 3,
        "leak_requests": (20_000, 100_000),
    },
    "quick": {
        "products": 5_000,
        "users": 100,
        "orders": 5_000,
        "paging_products": 50_000,
        "rounds": 1,
        "seconds": 2,
        "warmup_seconds": 1,
        "leak_requests": (2_000, 10_000),
    },
}


@dataclass(frozen=True, slots=True)
class Options:
    """How big the data is and how hard and long the load."""

    products: int
    users: int
    orders: int
    paging_products: int
    rounds: int
    seconds: float
    warmup_seconds: float
    leak_requests: tuple[int, int]
    workers: tuple[int, ...]
    connections: int
    threads: int
    results_dir: Path

    def pressure(self, seconds: float | None = None) -> Pressure:
        return Pressure(
            self.connections, self.threads, self.seconds if seconds is None else seconds
        )


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One benchmarked endpoint: its label, its load, and the req/s ratio it should reach."""

    label: str
    load: Load
    ratio_target: float | None = None


_started = time.monotonic()


def say(message: str) -> None:
    minutes, seconds = divmod(int(time.monotonic() - _started), 60)
    print(f"[{minutes:02d}:{seconds:02d}] {message}", flush=True)


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, short rounds")
    parser.add_argument("--products", type=int, help="products seeded (full: 100,000)")
    parser.add_argument("--users", type=int, help="customers seeded (full: 1,000)")
    parser.add_argument("--orders", type=int, help="orders seeded (full: 100,000)")
    parser.add_argument("--paging-products", type=int, help="products of the paging check")
    parser.add_argument("--rounds", type=int, help="measured rounds per server and endpoint")
    parser.add_argument("--seconds", type=int, help="length of a round")
    parser.add_argument("--warmup-seconds", type=int, help="length of the warm-up round")
    parser.add_argument("--leak-requests", type=int, nargs=2, metavar=("FIRST", "LAST"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    given = vars(parser.parse_args(argv))
    preset = PRESETS["quick" if given.pop("quick") else "full"]
    values = {name: preset[name] if given.get(name) is None else given[name] for name in preset}
    values["leak_requests"] = tuple(values["leak_requests"])
    return Options(
        **values,
        workers=tuple(given["workers"]),
        connections=given["connections"],
        threads=given["threads"],
        results_dir=given["results_dir"],
    )


async def _execute(url: URL, statement: str) -> None:
    connection = await asyncpg.connect(libpq_url(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_database(server: URL, name: str, log: Path) -> URL:
    """A new database on `server`, migrated to the head revision."""
    asyncio.run(_execute(server, f'CREATE DATABASE "{name}"'))
    url = server.set(database=name)
    migrate(url, log)
    return url


def endpoints(options: Options, tokens: tuple[str, ...]) -> list[Endpoint]:
    products = options.products
    return [
        Endpoint("GET /products/{id}", Load("product", products=products), 0.60),
        Endpoint("GET /products?limit=20", Load("path", path="/products?limit=20"), 0.60),
        Endpoint(
            "GET /orders?limit=20", Load("orders", path="/orders?limit=20", tokens=tokens), 0.55
        ),
        Endpoint(
            "POST /orders (many products)",
            Load("order_many", products=products, hot_product=HOT_PRODUCT_ID, tokens=tokens),
            0.50,
        ),
        Endpoint(
            "POST /orders (hot product)",
            Load("order_hot", hot_product=HOT_PRODUCT_ID, tokens=tokens),
            0.50,
        ),
    ]


def alternate(
    runs: dict[str, tuple[Server, Load]], options: Options, log: Path
) -> dict[str, Series]:
    """A warm-up for each run, then measured rounds in turn, the order flipped every round."""
    for server, load in runs.values():
        run_wrk(server.base_url, load, options.pressure(options.warmup_seconds), log)
    series = {name: Series(name) for name in runs}
    names = list(runs)
    for round_number in range(options.rounds):
        for name in names if round_number % 2 == 0 else names[::-1]:
            server, load = runs[name]
            result = run_wrk(server.base_url, load, options.pressure(), log)
            series[name].samples.append(Sample(result, server.rss_per_worker_mib()))
            # wrk hangs up with requests still queued in the server, which it serves for a
            # moment after; the next round starts on a server that has caught up.
            time.sleep(SETTLE_SECONDS)
    return series


def _shape(value: Any) -> Any:
    """The structure of a JSON value: keys and types, not values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def check_same_answers(service: Server, yardstick: Server, token: str) -> None:
    """Both servers answer every benchmarked request with success and the same JSON shape."""
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    order = b'{"items": [{"product_id": 2, "quantity": 1}]}'
    requests = [
        ("GET", "/products/1", None, {}),
        ("GET", "/products?limit=20", None, {}),
        ("GET", "/orders?limit=20", None, auth),
        ("POST", "/orders", order, auth),
    ]
    for method, path, body, headers in requests:
        answers = [
            request_json(method, s.base_url + path, body, headers) for s in (service, yardstick)
        ]
        for server, (status, _) in zip((service, yardstick), answers, strict=True):
            if status >= 300:
                raise RuntimeError(f"{server.name} answered {method} {path} with {status}")
        if _shape(answers[0][1]) != _shape(answers[1][1]):
            say(f"warning: {method} {path}: the yardstick's JSON is shaped unlike the service's")


def compare_servers(
    options: Options, service: Server, yardstick: Server, tokens: tuple[str, ...], log: Path
) -> list[Comparison]:
    comparisons = []
    for endpoint in endpoints(options, tokens):
        runs = {"service": (service, endpoint.load), "yardstick": (yardstick, endpoint.load)}
        series = alternate(runs, options, log)
        comparison = Comparison(
            service.workers,
            endpoint.label,
            series["service"],
            series["yardstick"],
            endpoint.ratio_target,
        )
        say(
            f"  {endpoint.label:<30} service {comparison.service.requests_per_second:>7,.0f} "
            f"req/s, yardstick {comparison.yardstick.requests_per_second:>7,.0f} req/s, "
            f"ratio {comparison.ratio:.2f}"
        )
        comparisons.append(comparison)
    return comparisons


def main_phase(options: Options, url: URL, secret: str, workdir: Path) -> list[Comparison]:
    """Service and yardstick on every endpoint, for each worker count."""
    log = workdir / "wrk.log"
    tokens: tuple[str, ...] = ()
    comparisons = []
    for workers in options.workers:
        say(f"{workers} worker(s): starting the service and the yardstick")
        with (
            running_service(url, secret, workers, workdir) as service,
            running_yardstick(url, secret, workers, workdir) as yardstick,
        ):
            if not tokens:
                emails = [f"customer{i}@bench.example" for i in range(1, CUSTOMERS_LOGGED_IN + 1)]
                tokens = tuple(log_in(service, email, PASSWORD) for email in emails)
                check_same_answers(service, yardstick, tokens[0])
            comparisons.extend(compare_servers(options, service, yardstick, tokens, log))
    return comparisons


def _send(service: Server, load: Load, count: int, options: Options, log: Path) -> int:
    """Send about `count` requests in short wrk runs; return how many were answered."""
    answered = 0
    while answered < count:
        pressure = options.pressure(LEAK_CHUNK_SECONDS)
        chunk = run_wrk(service.base_url, load, pressure, log, count - answered).requests
        if chunk == 0:
            raise RuntimeError(f"the service answered nothing:\n{service.log_tail()}")
        answered += chunk
    return answered


def leak_phase(options: Options, url: URL, secret: str, workdir: Path) -> Leak:
    """RSS per worker of a fresh service after the first and the last number of requests."""
    load, log = Load("product", products=options.products), workdir / "wrk.log"
    first, last = options.leak_requests
    say(f"leak check: {last:,} requests on GET /products/{{id}}, {LEAK_WORKERS} worker(s)")
    with running_service(url, secret, LEAK_WORKERS, workdir) as service:
        served_first = _send(service, load, first, options, log)
        before = service.rss_per_worker_mib()
        served_last = served_first + _send(service, load, last - served_first, options, log)
        after = service.rss_per_worker_mib()
    return Leak(LEAK_WORKERS, (served_first, served_last), (before, after))


_PRODUCT_AT = "SELECT id, name, description, price, quantity, created_at, updated_at, version "
_NTH_PRODUCT = {
    "id": _PRODUCT_AT + "FROM products ORDER BY id OFFSET $1 LIMIT 1",
    "price": _PRODUCT_AT + "FROM products ORDER BY price, id OFFSET $1 LIMIT 1",
}


async def _product_at(url: URL, sort: str, position: int) -> Product:
    connection = await asyncpg.connect(libpq_url(url))
    try:
        row = await connection.fetchrow(_NTH_PRODUCT[sort], position)
    finally:
        await connection.close()
    return Product(**dict(row))


def deep_page_path(url: URL, sort: str, products: int) -> str:
    """The path of one of the last pages, with a cursor as the service makes them."""
    ordering = ProductOrdering.parse(sort)
    last_seen = asyncio.run(_product_at(url, sort, products - DEEP_PAGE_FROM_END))
    cursor = encode_cursor(str(ordering), ordering.key_of(last_seen))
    return f"/products?limit=20&sort={sort}&cursor={cursor}"


def _check_deep_page(server: Server, path: str) -> None:
    status, body = request_json("GET", server.base_url + path)
    if status != 200 or len(body["items"]) != 20:
        raise RuntimeError(
            f"{server.name} answered the deep page {path} with {status}: has the cursor "
            "format changed? (bench/run.py builds it with shop.domain.pagination.encode_cursor)"
        )


def paging_phase(options: Options, server_url: URL, secret: str, workdir: Path) -> list[Paging]:
    """First page against one of the last, for the service (id, price) and the yardstick (id)."""
    log = workdir / "wrk.log"
    say(f"flat paging: seeding {options.paging_products:,} products")
    url = create_database(server_url, "shop_paging", workdir / "migrate.log")
    asyncio.run(seed_products(libpq_url(url), options.paging_products))
    deep = {sort: deep_page_path(url, sort, options.paging_products) for sort in PAGING_SORTS}
    results = []
    with (
        running_service(url, secret, PAGING_WORKERS, workdir) as service,
        running_yardstick(url, secret, PAGING_WORKERS, workdir) as yardstick,
    ):
        for server, sorts in ((service, PAGING_SORTS), (yardstick, ("id",))):
            for sort in sorts:
                _check_deep_page(server, deep[sort])
                first = Load("path", path=f"/products?limit=20&sort={sort}")
                runs = {"first": (server, first), "deep": (server, Load("path", path=deep[sort]))}
                series = alternate(runs, options, log)
                paging = Paging(server.name, sort, series["first"], series["deep"])
                say(f"  {server.name} sort={sort}: a deep page costs {paging.cost_ratio:.2f}x")
                results.append(paging)
    return results


def settings_of(options: Options) -> dict[str, Any]:
    """How the run was made: the options, the code measured and the machine."""
    revision = subprocess.run(
        ["git", "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    options_dict = asdict(options) | {"results_dir": str(options.results_dir)}
    return options_dict | {
        "revision": revision,
        "python": sys.version.split()[0],
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
    }


def cpu_model() -> str:
    """The processor's name as Linux reports it: ratios differ from one CPU to another."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def benchmark(options: Options, workdir: Path) -> Report:
    report = Report(settings_of(options))
    say("starting a throwaway PostgreSQL")
    server_url = start_database()
    url = create_database(server_url, "shop", workdir / "migrate.log")
    say(
        f"seeding {options.products:,} products, {options.users:,} users, {options.orders:,} orders"
    )
    password_hash = asyncio.run(Argon2PasswordHasher().hash(PASSWORD))
    asyncio.run(
        seed_shop(libpq_url(url), options.products, options.users, options.orders, password_hash)
    )
    secret = secrets.token_urlsafe(48)
    report.comparisons = main_phase(options, url, secret, workdir)
    report.leak = leak_phase(options, url, secret, workdir)
    report.paging = paging_phase(options, server_url, secret, workdir)
    report.setups = scaling_phase(options, url, secret, workdir)
    return report


def scaling_phase(options: Options, url: URL, secret: str, workdir: Path) -> list[Setup]:
    """Replica reads against primary reads; three instances behind HAProxy against one."""
    log = workdir / "wrk.log"

    def rounds(runs: dict[str, tuple[Server, Load]]) -> dict[str, Series]:
        return alternate(runs, options, log)

    say("replica reads: a primary and a streaming replica, seeding products")
    setups = replica_phase(options.products, secret, workdir, rounds)
    say(f"{INSTANCES} instances behind HAProxy against one instance")
    setups += balancer_phase(url, options.products, secret, workdir, rounds)
    for setup in setups:
        say(f"  {setup.name}, {setup.endpoint}: x{setup.ratio:.2f}")
    return setups


def _exit_on_sigterm(signal_number: int, _frame: object) -> None:
    """SIGTERM ends the run like Ctrl-C: servers stopped, the database stopped and deleted."""
    sys.exit(128 + signal_number)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    options = parse_options(argv)
    if wrk_path() is None:
        print(WRK_MISSING, file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="shop-bench-"))
    try:
        report = benchmark(options, workdir)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"bench: {error}\nbench: logs kept in {workdir}", file=sys.stderr)
        return 1
    report.seconds = time.monotonic() - _started
    shutil.rmtree(workdir)
    print()
    print(table(report))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for path in save(report, options.results_dir, stamp):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
