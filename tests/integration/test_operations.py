"""Operability (issue 5), on real processes: request ids and logs, Prometheus metrics with
several workers, one-line configuration errors, 413 for large bodies, graceful shutdown.

Every wait is bounded; every `shop` or `alembic` process runs on a test database (or on a
port nobody listens on), never on the project's own embedded database.
"""

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shop.api.app import MAX_BODY_SIZE
from tests.plugins.databases import create_database, drop_database
from tests.plugins.processes import LiveServer, free_port, running_server, server_environment
from tests.plugins.settings import PROJECT_ROOT, TEST_JWT_SECRET
from tests.plugins.users import log_in

BIN = Path(sys.executable).parent
SHOP, ALEMBIC = str(BIN / "shop"), str(BIN / "alembic")
GENERATED_REQUEST_ID = re.compile(r"[0-9a-f]{32}")
ADMIN_EMAIL, ADMIN_PASSWORD = "boss@example.com", "boss-password-for-ops-1"
HEALTH = {"method": "GET", "route": "/health/live", "status": "200"}


# --- helpers ------------------------------------------------------------------------------


def run_command(
    command: list[str], environment: dict[str, str], timeout: float = 20
) -> tuple[int, str, float]:
    """Run a project command from the project root: exit code, stdout+stderr, seconds taken."""
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - the project's own commands, fixed arguments
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return result.returncode, result.stdout, time.monotonic() - started


async def an_admin(http: AsyncClient, database_url: URL) -> dict[str, str]:
    """An administrator made with the real `shop create-admin`, logged in over HTTP."""
    environment = server_environment(database_url, SHOP_ADMIN_PASSWORD=ADMIN_PASSWORD)
    code, output, _ = await asyncio.to_thread(
        run_command, [SHOP, "create-admin", "--email", ADMIN_EMAIL], environment
    )
    assert code == 0, output
    return await log_in(http, ADMIN_EMAIL, ADMIN_PASSWORD)


async def a_customer(http: AsyncClient, name: str, password: str) -> dict[str, str]:
    email = f"{name}@example.com"
    response = await http.post(
        "/users", json={"email": email, "username": name, "password": password}
    )
    assert response.status_code == 201, response.text
    return await log_in(http, email, password)


async def a_product(http: AsyncClient, admin: dict[str, str], quantity: int) -> int:
    response = await http.post(
        "/products", json={"name": "Kettle", "price": "19.99", "quantity": quantity}, headers=admin
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@asynccontextmanager
async def direct_engine(url: URL) -> AsyncIterator[AsyncEngine]:
    """Our own connections to the test database (not named 'shop', so not counted as the app's)."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        await engine.dispose()


async def shop_connections(engine: AsyncEngine, *, waiting_on_a_lock: bool = False) -> int:
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = 'shop' AND datname = current_database()"
    )
    if waiting_on_a_lock:
        query += " AND wait_event_type = 'Lock'"
    async with engine.connect() as connection:
        return int(await connection.scalar(text(query)) or 0)


async def until_requests_wait_on_the_lock(engine: AsyncEngine, count: int) -> None:
    deadline = time.monotonic() + 10
    while await shop_connections(engine, waiting_on_a_lock=True) < count:
        assert time.monotonic() < deadline, f"{count} request(s) never reached the row lock"
        await asyncio.sleep(0.05)


async def until_no_shop_connection_is_left(engine: AsyncEngine) -> int:
    """The app's connections once its process is gone (the server drops ended sessions at
    once, but pg_stat_activity may lag by a few milliseconds)."""
    deadline = time.monotonic() + 2
    while True:
        left = await shop_connections(engine)
        if left == 0 or time.monotonic() > deadline:
            return left
        await asyncio.sleep(0.05)


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples_of(exposition: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def scrape(http: AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples_of(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 when it was never written (a labelled counter never incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def pool_gauges(samples: Samples) -> dict[str, float]:
    names = ("shop_db_pool_size", "shop_db_pool_checked_out", "shop_db_pool_overflow")
    return {name: samples[(name, frozenset())] for name in names if (name, frozenset()) in samples}


async def until_pool_gauges(
    http: AsyncClient, expected: dict[str, float], seconds: float = 5
) -> dict[str, float]:
    """The pool gauges once they read `expected` (they are sampled every second)."""
    deadline = time.monotonic() + seconds
    while True:
        gauges = pool_gauges(await scrape(http))
        if gauges == expected or time.monotonic() > deadline:
            return gauges
        await asyncio.sleep(0.1)


async def until_logged(server: LiveServer, fragment: str, seconds: float = 3) -> str:
    """The server's log once it holds `fragment` (the access line follows the response)."""
    deadline = time.monotonic() + seconds
    while True:
        log = server.log()
        if fragment in log or time.monotonic() > deadline:
            return log
        await asyncio.sleep(0.05)


def stop(server: LiveServer) -> int:
    server.process.send_signal(signal.SIGTERM)
    return server.process.wait(timeout=15)


# --- 1. request ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/live", 200),
        ("GET", "/no/such/route", 404),
        ("GET", "/users/me", 401),
        ("POST", "/users", 422),
    ],
)
async def test_a_sane_request_id_is_echoed_on_every_response(
    client: AsyncClient, method: str, path: str, status: int
) -> None:
    sent = "client-chosen_id.42:a"
    response = await client.request(method, path, json={}, headers={"X-Request-ID": sent})

    assert response.status_code == status
    assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize(
    "sent",
    [None, "has spaces in it", "a;b=c", "x" * 129, ""],
    ids=["none", "spaces", "punctuation", "too-long", "empty"],
)
async def test_a_missing_or_unsafe_request_id_is_replaced_by_a_generated_one(
    client: AsyncClient, sent: str | None
) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent}
    first = await client.get("/health/live", headers=headers)
    second = await client.get("/health/live", headers=headers)

    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(GENERATED_REQUEST_ID.fullmatch(i) for i in ids), ids
    assert ids[0] != ids[1]


# --- 1. logs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonLogRun:
    """A JSON-logging server's whole log, and what was sent to it."""

    lines: list[str]
    request_ids: dict[str, str]
    """The X-Request-ID sent for each named request."""
    secrets: list[str]


def with_a_database_password(url: URL) -> URL:
    """The test server trusts local connections: give the URL a password it must never log.
    A server of your own (TEST_DATABASE_URL) keeps the password it has."""
    return url if url.password else url.set(password=f"db-password-{uuid.uuid4().hex}")


@pytest.fixture(scope="module")
async def json_log_run(
    postgres_server: URL, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> JsonLogRun:
    """Register, log in (once wrongly), read, change the password, on a JSON-logging server;
    then stop it, so that its log is complete."""
    url = with_a_database_password(
        await create_database(postgres_server, "shop_logs", template=template_database)
    )
    password, wrong, new_password = "first-Password-of-zed", "wrong-Password-of-zed", "new-Pw-zed-2"
    ids = {
        name: f"{name}-{uuid.uuid4().hex[:8]}"
        for name in ("register", "login", "bad-login", "read", "missing", "patch")
    }
    try:
        with running_server(url, tmp_path_factory.mktemp("logs"), LOG_FORMAT="json") as server:
            async with AsyncClient(base_url=server.base_url, timeout=10) as http:

                async def send(name: str, request: httpx.Request, status: int) -> httpx.Response:
                    request.headers["X-Request-ID"] = ids[name]
                    response = await http.send(request)
                    assert response.status_code == status, response.text
                    assert response.headers["X-Request-ID"] == ids[name]
                    return response

                account = {"email": "zed@example.com", "username": "zed", "password": password}
                registered = await send(
                    "register", http.build_request("POST", "/users", json=account), 201
                )
                user_id = registered.json()["id"]
                form = {"username": "zed@example.com", "password": password}
                login = await send(
                    "login", http.build_request("POST", "/auth/token", data=form), 200
                )
                token = login.json()["access_token"]
                bearer = {"Authorization": f"Bearer {token}"}
                form = {"username": "zed@example.com", "password": wrong}
                await send("bad-login", http.build_request("POST", "/auth/token", data=form), 401)
                await send(
                    "read", http.build_request("GET", f"/users/{user_id}", headers=bearer), 200
                )
                await send("missing", http.build_request("GET", "/products/987654"), 404)
                change = {"password": new_password, "current_password": password}
                request = http.build_request("PATCH", "/users/me", json=change, headers=bearer)
                await send("patch", request, 200)
            stop(server)  # its exit status is the shutdown test's business
            lines = [line for line in server.log().splitlines() if line.strip()]
    finally:
        await drop_database(url)
    secrets = [password, wrong, new_password, token, TEST_JWT_SECRET, "$argon2", "Traceback"]
    if url.password and len(url.password) >= 8:
        secrets.append(url.password)
    return JsonLogRun(lines, ids, secrets)


def parsed(run: JsonLogRun) -> list[dict[str, object]]:
    return [json.loads(line) for line in run.lines]


def access_lines_of(run: JsonLogRun, request_id: str) -> list[dict[str, object]]:
    return [
        record
        for record in parsed(run)
        if record["logger"] == "shop.access" and record["request_id"] == request_id
    ]


def test_with_log_format_json_every_line_is_one_json_object_with_the_common_fields(
    json_log_run: JsonLogRun,
) -> None:
    assert len(json_log_run.lines) >= 8  # start-up, the requests, shutdown
    for line in json_log_run.lines:
        record = json.loads(line)  # fails on any line that is not JSON
        assert isinstance(record, dict), line
        assert {"timestamp", "level", "logger", "message", "request_id"} <= record.keys(), line
        assert datetime.fromisoformat(str(record["timestamp"])).tzinfo is not None, line
        assert record["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, line


@pytest.mark.parametrize(
    ("request_name", "method", "route", "status"),
    [
        ("register", "POST", "/users", 201),
        ("login", "POST", "/auth/token", 200),
        ("bad-login", "POST", "/auth/token", 401),
        ("read", "GET", "/users/{user_id}", 200),
        ("missing", "GET", "/products/{product_id}", 404),
        ("patch", "PATCH", "/users/me", 200),
    ],
)
def test_each_request_has_one_json_access_line_with_its_id_method_route_status_and_duration(
    json_log_run: JsonLogRun, request_name: str, method: str, route: str, status: int
) -> None:
    request_id = json_log_run.request_ids[request_name]

    lines = access_lines_of(json_log_run, request_id)

    assert len(lines) == 1, lines
    (line,) = lines
    assert (line["method"], line["route"], line["status"]) == (method, route, status)
    assert isinstance(line["duration_ms"], int | float)
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"


def test_no_two_access_lines_share_a_request_id(json_log_run: JsonLogRun) -> None:
    ids = [r["request_id"] for r in parsed(json_log_run) if r["logger"] == "shop.access"]
    assert len(ids) >= len(json_log_run.request_ids)
    assert len(ids) == len(set(ids)), ids


def test_no_log_line_holds_a_password_a_token_a_hash_or_the_database_password(
    json_log_run: JsonLogRun,
) -> None:
    leaks = [
        (secret[:12], line)
        for line in json_log_run.lines
        for secret in json_log_run.secrets
        if secret in line
    ]
    assert leaks == []


async def test_text_logs_are_the_default_and_carry_the_request_id(live_server: LiveServer) -> None:
    request_id = f"text-{uuid.uuid4().hex[:12]}"
    async with AsyncClient(base_url=live_server.base_url, timeout=10) as http:
        response = await http.get("/products/987654", headers={"X-Request-ID": request_id})
    assert response.status_code == 404

    log = await until_logged(live_server, f"[{request_id}]")

    lines = [line for line in log.splitlines() if f"[{request_id}]" in line]
    assert len(lines) == 1, log
    (line,) = lines
    assert not line.lstrip().startswith("{")
    assert "shop.access" in line
    assert "GET /products/987654 404" in line
    assert re.search(r"\d+(\.\d+)?ms$", line), line


# --- 2. metrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricsServer:
    server: LiveServer
    database_url: URL
    metrics_directory: Path
    workers: int


@pytest.fixture(scope="module")
async def two_workers(
    postgres_server: URL, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[MetricsServer]:
    """`shop serve --workers 2`, its multiprocess metrics in a folder of our choosing."""
    url = await create_database(postgres_server, "shop_metrics", template=template_database)
    folder = tmp_path_factory.mktemp("prometheus")
    try:
        with running_server(
            url,
            tmp_path_factory.mktemp("metrics-log"),
            workers=2,
            PROMETHEUS_MULTIPROC_DIR=str(folder),
        ) as server:
            yield MetricsServer(server, url, folder, 2)
    finally:
        await drop_database(url)


def health_checks_per_worker(folder: Path) -> list[float]:
    """From each worker's own counter file: how many GET /health/live it answered."""
    counts = []
    for file in sorted(folder.glob("counter_*.db")):
        merged = MultiProcessCollector.merge([str(file)], accumulate=True)
        counts.append(
            sum(
                sample.value
                for metric in merged
                for sample in metric.samples
                if sample.name == "shop_http_requests_total" and sample.labels == HEALTH
            )
        )
    return counts


async def test_request_counts_and_latencies_are_summed_over_the_workers(
    two_workers: MetricsServer,
) -> None:
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection each time
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10, limits=limits) as http:
        before = await scrape(http)
        sent = 0
        for _ in range(20):  # until both workers have answered some (usually the first batch)
            batch = await asyncio.gather(*(http.get("/health/live") for _ in range(20)))
            assert {r.status_code for r in batch} == {200}
            sent += len(batch)
            if sum(1 for n in health_checks_per_worker(two_workers.metrics_directory) if n) >= 2:
                break
        after = await scrape(http)

    per_worker = health_checks_per_worker(two_workers.metrics_directory)
    assert sum(1 for n in per_worker if n) == two_workers.workers, per_worker
    requests = "shop_http_requests_total"
    latencies = "shop_http_request_duration_seconds_count"
    assert value(after, requests, **HEALTH) - value(before, requests, **HEALTH) == sent
    assert value(after, latencies, **HEALTH) - value(before, latencies, **HEALTH) == sent
    assert value(after, requests, **HEALTH) == sum(per_worker)
    buckets = {
        dict(labels)["le"]
        for name, labels in after
        if name == "shop_http_request_duration_seconds_bucket" and HEALTH.items() <= labels
    }
    assert {"0.005", "1.0", "+Inf"} <= buckets


async def test_requests_are_labelled_by_route_template_and_unmatched_paths_share_one_label(
    two_workers: MetricsServer,
) -> None:
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10) as http:
        before = await scrape(http)
        assert (await http.get("/products/424242")).status_code == 404
        assert (await http.get(f"/no/such/{uuid.uuid4().hex}")).status_code == 404
        after = await scrape(http)

    product = {"method": "GET", "route": "/products/{product_id}", "status": "404"}
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    for labels in (product, unmatched):
        moved = value(after, "shop_http_requests_total", **labels) - value(
            before, "shop_http_requests_total", **labels
        )
        assert moved == 1, labels
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and ("424242" in route or "/no/such" in route) for route in routes)


async def test_the_pool_gauges_are_exposed_and_sum_the_pools_of_the_workers(
    two_workers: MetricsServer,
) -> None:
    # Each worker sets its gauges when its start-up finishes; under load one may lag.
    deadline = time.monotonic() + 15
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10) as http:
        gauges = pool_gauges(await scrape(http))
        while gauges.get("shop_db_pool_size") != 10 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            gauges = pool_gauges(await scrape(http))

    assert gauges.keys() == {
        "shop_db_pool_size",
        "shop_db_pool_checked_out",
        "shop_db_pool_overflow",
    }
    assert gauges["shop_db_pool_size"] == 5 * two_workers.workers  # DB_POOL_SIZE defaults to 5


async def test_an_order_placed_and_one_refused_for_stock_move_their_counters_by_exactly_one(
    two_workers: MetricsServer,
) -> None:
    async with AsyncClient(base_url=two_workers.server.base_url, timeout=10) as http:
        admin = await an_admin(http, two_workers.database_url)
        product = await a_product(http, admin, quantity=1)
        customer = await a_customer(http, "orderer", "orderer-password-1")
        order = {"items": [{"product_id": product, "quantity": 1}]}
        before = await scrape(http)

        placed = await http.post("/orders", json=order, headers=customer)
        refused = await http.post("/orders", json=order, headers=customer)
        after = await scrape(http)

    assert (placed.status_code, refused.status_code) == (201, 409)
    refusals = {"reason": "out_of_stock"}
    assert value(after, "shop_orders_placed_total") - value(before, "shop_orders_placed_total") == 1
    assert (
        value(after, "shop_orders_refused_total", **refusals)
        - value(before, "shop_orders_refused_total", **refusals)
        == 1
    )


@asynccontextmanager
async def row_locked(engine: AsyncEngine, product_id: int) -> AsyncIterator[None]:
    """Hold the product's row lock in an open transaction until the block ends."""
    async with engine.connect() as connection:
        await connection.execute(
            text("SELECT id FROM products WHERE id = :id FOR UPDATE"), {"id": product_id}
        )
        try:
            yield
        finally:
            await connection.rollback()


IDLE = {"shop_db_pool_size": 2, "shop_db_pool_checked_out": 0, "shop_db_pool_overflow": 0}
TWO_IN_USE = {"shop_db_pool_size": 2, "shop_db_pool_checked_out": 2, "shop_db_pool_overflow": 0}


async def test_the_pool_gauges_count_connections_in_use_then_fall_back_to_zero(
    database_url: URL, tmp_path: Path
) -> None:
    with running_server(database_url, tmp_path, DB_POOL_SIZE="2") as server:
        async with (
            AsyncClient(base_url=server.base_url, timeout=20) as http,
            direct_engine(database_url) as engine,
        ):
            admin = await an_admin(http, database_url)
            product = await a_product(http, admin, quantity=1)
            idle_before = await until_pool_gauges(http, IDLE)
            async with row_locked(engine, product):
                patches = [
                    asyncio.create_task(
                        http.patch(f"/products/{product}", json={"quantity": q}, headers=admin)
                    )
                    for q in (5, 6)
                ]
                await until_requests_wait_on_the_lock(engine, 2)
                busy = await until_pool_gauges(http, TWO_IN_USE)
            statuses = [(await asyncio.wait_for(p, 10)).status_code for p in patches]
            idle_after = await until_pool_gauges(http, IDLE)

    assert statuses == [200, 200]
    assert (idle_before, busy, idle_after) == (IDLE, TWO_IN_USE, IDLE)


# --- 4. configuration errors ----------------------------------------------------------------


@dataclass(frozen=True)
class BadSetting:
    environment: dict[str, str | None]
    """Over the test environment; None removes the variable."""
    named: str
    """What the one line must name: the setting, or the host and port."""
    secret: str | None = None
    """A value the line must not show."""


UNREACHABLE_PORT = free_port()
BAD_SETTINGS = {
    "non-numeric POSTGRES_PORT": BadSetting(
        {"DATABASE_URL": None, "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "five-four-three"},
        "POSTGRES_PORT",
    ),
    "unknown SHOP_ENV": BadSetting({"SHOP_ENV": "staging"}, "SHOP_ENV"),
    "JWT_SECRET missing in production": BadSetting(
        {"SHOP_ENV": "production", "JWT_SECRET": None}, "JWT_SECRET"
    ),
    "JWT_SECRET shorter than 32 characters": BadSetting(
        {"JWT_SECRET": "short-secret-31-characters-long"},  # 31 characters: one too few
        "JWT_SECRET",
        "short-secret-31",
    ),
    "database unreachable": BadSetting(
        {
            "DATABASE_URL": None,
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(UNREACHABLE_PORT),
            "POSTGRES_PASSWORD": "db-password-never-shown",
            "DB_CONNECT_TIMEOUT": "1",
        },
        f"127.0.0.1:{UNREACHABLE_PORT}",
        "db-password-never-shown",
    ),
    "DATABASE_URL that is no URL": BadSetting(
        {"DATABASE_URL": "postgresql://shop:url-password-1@db.example:port/shop"},
        "DATABASE_URL",
        "url-password-1",
    ),
    "DATABASE_URL of another database": BadSetting(
        {"DATABASE_URL": "mysql://shop:url-password-2@db.example/shop"},
        "DATABASE_URL",
        "url-password-2",
    ),
}
COMMANDS = {
    "shop serve": [SHOP, "serve", "--port", str(free_port()), "--workers", "1"],
    "alembic upgrade head": [ALEMBIC, "upgrade", "head"],
}


@pytest.fixture(params=list(COMMANDS))
def command(request: pytest.FixtureRequest) -> tuple[str, list[str]]:
    return request.param, COMMANDS[request.param]


@pytest.mark.parametrize("case", list(BAD_SETTINGS))
def test_a_bad_setting_stops_the_command_with_one_line_naming_it_and_no_traceback(
    database_url: URL, command: tuple[str, list[str]], case: str
) -> None:
    name, argv = command
    bad = BAD_SETTINGS[case]
    environment = server_environment(database_url)  # a real database, had the setting been fine
    for variable, setting in bad.environment.items():
        if setting is None:
            environment.pop(variable, None)
        else:
            environment[variable] = setting

    code, output, seconds = run_command(argv, environment, timeout=20)

    lines = [line for line in output.splitlines() if line.strip()]
    assert code > 0, f"{name} exited with {code}:\n{output}"
    assert "Traceback" not in output
    assert len(lines) == 1, output
    (line,) = lines
    assert bad.named in line, line
    if bad.secret:
        assert bad.secret not in line
    if name.startswith("alembic"):
        assert line.startswith("FAILED: "), line
    if case == "database unreachable":
        assert 1 <= seconds < 10  # retried for DB_CONNECT_TIMEOUT, then gave up


# --- 6. request bodies over 1 MiB ---------------------------------------------------------


def registration(name: str, size: int) -> bytes:
    """A registration, padded with JSON whitespace to exactly `size` bytes."""
    body = json.dumps(
        {"email": f"{name}@example.com", "username": name, "password": f"{name}-password-1"}
    ).encode()
    return body + b" " * (size - len(body))


async def streamed(body: bytes, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), chunk):
        yield body[start : start + chunk]


async def users_named(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as connection:
        query = text("SELECT count(*) FROM users WHERE username = :name")
        return int(await connection.scalar(query, {"name": name}) or 0)


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert GENERATED_REQUEST_ID.fullmatch(response.headers["X-Request-ID"])
    problem = response.json()
    assert problem["status"] == 413
    assert problem["instance"] == "/users"
    assert str(MAX_BODY_SIZE) in problem["detail"]


JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def raw_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """In-process, like `client`, without its hooks (they read the body, so cannot stream it)."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://shop.test") as c:
        yield c


def sent_as(transfer: str, body: bytes) -> bytes | AsyncIterator[bytes]:
    return body if transfer == "content-length" else streamed(body)


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
async def test_a_body_of_exactly_one_mebibyte_is_read(
    raw_client: AsyncClient, transfer: str
) -> None:
    body = registration(f"full_{transfer[0]}", MAX_BODY_SIZE)

    response = await raw_client.post("/users", content=sent_as(transfer, body), headers=JSON)

    assert response.status_code == 201, response.text


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
async def test_a_body_over_one_mebibyte_is_refused_with_413_problem_and_changes_nothing(
    raw_client: AsyncClient, db: AsyncEngine, transfer: str
) -> None:
    body = registration("too_big", MAX_BODY_SIZE + 1)

    response = await raw_client.post("/users", content=sent_as(transfer, body), headers=JSON)

    assert_too_large(response)
    declared = response.request.headers.get("content-length")
    assert declared == (str(len(body)) if transfer == "content-length" else None)
    assert await users_named(db, "too_big") == 0


async def test_a_chunked_body_over_one_mebibyte_is_refused_by_the_real_server(
    live_server: LiveServer,
) -> None:
    async with AsyncClient(base_url=live_server.base_url, timeout=10) as http:
        response = await http.post(
            "/users", content=streamed(registration("huge", 2 * MAX_BODY_SIZE)), headers=JSON
        )

    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_too_large(response)


# --- 7. graceful shutdown -----------------------------------------------------------------


async def until_connections_are_refused(base_url: str, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    async with AsyncClient(base_url=base_url, timeout=1) as http:
        while True:
            try:
                await http.get("/health/live", headers={"Connection": "close"})
            except httpx.ConnectError:
                return
            assert time.monotonic() < deadline, "still accepting connections after SIGTERM"
            await asyncio.sleep(0.05)


async def test_sigterm_finishes_the_request_under_way_refuses_new_ones_closes_the_pool_and_exits_0(
    live_server: LiveServer, database_url: URL
) -> None:
    async with (
        AsyncClient(base_url=live_server.base_url, timeout=20) as http,
        direct_engine(database_url) as engine,
    ):
        admin = await an_admin(http, database_url)
        product = await a_product(http, admin, quantity=1)
        async with row_locked(engine, product):
            in_flight = asyncio.create_task(
                http.patch(f"/products/{product}", json={"quantity": 7}, headers=admin)
            )
            await until_requests_wait_on_the_lock(engine, 1)

            live_server.process.send_signal(signal.SIGTERM)
            await until_connections_are_refused(live_server.base_url)
            assert not in_flight.done()
            assert live_server.process.poll() is None  # still waiting for the request
        response = await asyncio.wait_for(in_flight, 10)
        exit_code = await asyncio.to_thread(live_server.process.wait, 10)
        left = await until_no_shop_connection_is_left(engine)
        async with engine.connect() as connection:
            stock = await connection.scalar(
                text("SELECT quantity FROM products WHERE id = :id"), {"id": product}
            )

    assert response.status_code == 200, response.text
    assert response.json()["quantity"] == 7
    assert stock == 7
    assert left == 0
    log = live_server.log()
    assert "Application shutdown complete" in log  # the lifespan's end, which disposes the pool
    assert "Traceback" not in log
    assert exit_code == 0, f"exit status {exit_code} (negative: killed by that signal)"
