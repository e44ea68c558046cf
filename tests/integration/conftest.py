"""Throwaway PostgreSQL for the integration tests.

Where the server comes from, in this order: TEST_DATABASE_URL (a server you name), a Docker
engine that answers (testcontainers), else an embedded PostgreSQL in a temporary directory.
One server per test session; the migrations build one template database once, and every
test gets its own fresh copy of it, dropped afterwards.
"""

import asyncio
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Request, Response
from sqlalchemy import URL, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shop.api.app import create_app
from shop.container import Container
from shop.infrastructure.embedded_postgres import start_embedded_postgres
from shop.infrastructure.migrations import alembic_config, upgrade
from shop.settings import Settings

# The shared helper modules assert too: let pytest explain their failures as it does the tests'.
pytest.register_assert_rewrite("tests.integration.helpers", "tests.integration.problems")

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _docker_answers() -> bool:
    if not (os.environ.get("DOCKER_HOST") or Path("/var/run/docker.sock").exists()):
        return False
    try:
        import docker

        docker.from_env(timeout=1).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[URL]:
    """An administrative URL (database `postgres`) of a server the tests may create databases on."""
    if named := os.environ.get("TEST_DATABASE_URL"):
        yield make_url(named).set(drivername="postgresql+asyncpg")
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18-alpine", driver="asyncpg") as container:
            yield make_url(container.get_connection_url()).set(database="postgres")
        return
    data_dir = Path(tempfile.gettempdir()) / f"shop-test-pg-{uuid.uuid4().hex[:8]}"
    try:
        # The server stops and its directory is deleted when the test process exits.
        url = start_embedded_postgres(data_dir, "postgres", keep=False)
    except Exception as error:
        pytest.fail(
            "No PostgreSQL for the integration tests: TEST_DATABASE_URL is unset, no Docker "
            f"engine answers, and the embedded server did not start ({type(error).__name__}: "
            f"{error}). Set TEST_DATABASE_URL=postgresql://user:pass@host/postgres to use a "
            "server of your own.",
            pytrace=False,
        )
    yield url


async def execute_autocommit(server: URL, *statements: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def create_database(server: URL, prefix: str, template: str | None = None) -> URL:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    template_clause = f' TEMPLATE "{template}"' if template else ""
    await execute_autocommit(server, f'CREATE DATABASE "{name}"{template_clause}')
    return server.set(database=name)


async def drop_database(url: URL) -> None:
    server = url.set(database="postgres")
    await execute_autocommit(server, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


async def migrate(url: URL, revision: str = "head") -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                upgrade, alembic_config(PROJECT_ROOT / "alembic.ini"), revision
            )
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def template_database(postgres_server: URL) -> AsyncIterator[str]:
    """A database migrated to head, copied for each test (copying beats migrating each time)."""
    url = await create_database(postgres_server, "shop_template")
    await migrate(url)
    yield str(url.database)
    await drop_database(url)


@pytest.fixture
async def database_url(postgres_server: URL, template_database: str) -> AsyncIterator[URL]:
    """A fresh database at the migration head, for this test alone."""
    url = await create_database(postgres_server, "shop_test", template=template_database)
    yield url
    await drop_database(url)


@pytest.fixture
async def empty_database_url(postgres_server: URL) -> AsyncIterator[URL]:
    """A fresh database with no schema at all, for the migration tests."""
    url = await create_database(postgres_server, "shop_empty")
    yield url
    await drop_database(url)


TEST_JWT_SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def _test_settings(url: URL) -> dict[str, Any]:
    """What every test's service runs with, in-process or as a real process."""
    return {
        "shop_env": "test",
        "database_url": url.render_as_string(hide_password=False),
        "jwt_secret": TEST_JWT_SECRET,
        # Argon2id all the same, at a cost that keeps hundreds of logins quick.
        "argon2_time_cost": 1,
        "argon2_memory_cost": 1024,
    }


def settings_for(url: URL, **overrides: Any) -> Settings:
    fields = _test_settings(url) | {"alembic_config": PROJECT_ROOT / "alembic.ini"}
    return Settings(_env_file=None, **(fields | overrides))  # type: ignore[call-arg]


@pytest.fixture
def container(database_url: URL) -> Container:
    container = Container()
    container.settings.override(providers.Object(settings_for(database_url)))
    return container


@pytest.fixture
async def app(container: Container) -> AsyncIterator[FastAPI]:
    app = create_app(container)
    async with app.router.lifespan_context(app):
        yield app


SECRETS: set[str] = {TEST_JWT_SECRET}
"""Every password and token the tests send or receive: none may reach a log line."""

_FORBIDDEN_IN_RESPONSES = ("$argon2", "hashed_password", "Traceback")
_MIN_SECRET_LENGTH = 8


def _remember(value: object) -> None:
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
        SECRETS.add(value)


async def _remember_secrets_sent(request: Request) -> None:
    body = request.content
    if not body:
        return
    try:
        fields = json.loads(body)
    except ValueError:
        fields = dict(parse_qsl(body.decode("utf-8", "replace")))
    if isinstance(fields, dict):
        for name in ("password", "current_password"):
            _remember(fields.get(name))


async def _check_response(response: Response) -> None:
    """No hash, trace or password in any response; tokens received are remembered as secrets.

    A server error other than 503 (the answer while the database is out) fails the test at
    the request itself: no test of the `client` fixture expects one.
    """
    text = (await response.aread()).decode("utf-8", "replace")
    passwords = {s for s in SECRETS if s != TEST_JWT_SECRET and not s.startswith("ey")}
    leaked = [s for s in (*_FORBIDDEN_IN_RESPONSES, *passwords) if s in text]
    assert not leaked, f"a response to {response.request.url.path} shows {leaked}"
    if response.status_code >= 500 and response.status_code != 503:
        request = response.request
        pytest.fail(f"{request.method} {request.url} answered {response.status_code}: {text}")
    if response.request.url.path == "/auth/token" and response.status_code == 200:
        _remember(response.json()["access_token"])


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://shop.test",
        event_hooks={"request": [_remember_secrets_sent], "response": [_check_response]},
    ) as c:
        yield c


# asyncpg's own one-off queries, the first time a connection meets a type: not the request's.
_DRIVER_INTROSPECTION = ("typeinfo_tree", "set_config('jit'", "current_setting('jit')")


@contextlib.asynccontextmanager
async def counting_statements(container: Container) -> AsyncIterator[list[str]]:
    """Every SQL statement the app sends inside the block, in order.

    Two kinds: those SQLAlchemy executes (its `before_cursor_execute` event), and the SELECTs
    a read-only unit runs straight on asyncpg (a query logger on each connection the pool
    hands out; it sees no prepared statement SQLAlchemy runs, and the SELECT filter keeps out
    the BEGIN, COMMIT and batched INSERTs SQLAlchemy already counted). Not counted: the
    pool's liveness ping, run before the logger is attached, and asyncpg's type introspection.
    """
    sent: list[str] = []

    def through_sqlalchemy(*args: Any) -> None:
        sent.append(args[2])  # (connection, cursor, statement, parameters, context, many)

    def straight_to_driver(query: Any) -> None:
        text = query.query
        if text.startswith("SELECT") and not any(m in text for m in _DRIVER_INTROSPECTION):
            sent.append(text)

    def attach(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.driver_connection.add_query_logger(straight_to_driver)

    def detach(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.driver_connection.remove_query_logger(straight_to_driver)

    engine = container.engine().sync_engine
    listeners = [
        (engine, "before_cursor_execute", through_sqlalchemy),
        (engine.pool, "checkout", attach),
        (engine.pool, "checkin", detach),
    ]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield sent
        # asyncpg hands queries to its loggers with call_soon: let those calls run.
        for _ in range(3):
            await asyncio.sleep(0)
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


class LogRecorder(logging.Handler):
    """Keeps every formatted log line of the run, tracebacks included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session")
def log_recorder() -> Iterator[LogRecorder]:
    root = logging.getLogger()
    recorder, level = LogRecorder(), root.level
    root.addHandler(recorder)
    root.setLevel(logging.INFO)  # what the service logs in production
    yield recorder
    root.removeHandler(recorder)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def no_secret_reaches_a_log_line(log_recorder: LogRecorder) -> Iterator[None]:
    """After each test: none of its log lines holds a secret, a hash or a stack trace."""
    first = len(log_recorder.lines)
    yield
    forbidden = (*SECRETS, "$argon2", "Traceback")
    leaked = [line for line in log_recorder.lines[first:] if any(s in line for s in forbidden)]
    assert not leaked, f"log lines leak a secret, a hash or a trace: {leaked}"


@pytest.fixture
async def db(database_url: URL) -> AsyncIterator[AsyncEngine]:
    """Direct access to the test's database, to check the rows behind the API's answers."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@dataclass(frozen=True)
class Caller:
    """A registered user and the headers that make requests as them."""

    id: int
    email: str
    username: str
    password: str
    headers: dict[str, str]


async def log_in(client: AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def a_caller(container: Container, client: AsyncClient, name: str, *, admin: bool) -> Caller:
    email, password = f"{name}@example.com", f"{name}-password-1"
    users = container.user_service()
    add = users.create_admin if admin else users.register_user
    user = await add(email, name, password)
    return Caller(user.id, email, name, password, await log_in(client, email, password))


@pytest.fixture
async def admin(container: Container, client: AsyncClient) -> Caller:
    return await a_caller(container, client, "root", admin=True)


@pytest.fixture
async def customer(container: Container, client: AsyncClient) -> Caller:
    return await a_caller(container, client, "ada", admin=False)


@pytest.fixture
async def other_customer(container: Container, client: AsyncClient) -> Caller:
    return await a_caller(container, client, "bob", admin=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(url: URL, **extra: str) -> dict[str, str]:
    """The environment of a real `shop` process on the test's database."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "DATABASE_"))
    }
    environment.update({name.upper(): str(value) for name, value in _test_settings(url).items()})
    environment["SHOP_DATA_DIR"] = str(Path(tempfile.gettempdir()) / "shop-test-data")
    environment.update(extra)
    return environment


@dataclass
class LiveServer:
    """A `shop serve` process answering on `base_url`; its output goes to `log_path`."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def running_server(
    url: URL, log_dir: Path, *, workers: int = 1, **extra_env: str
) -> Iterator[LiveServer]:
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the project's own command
            [
                str(Path(sys.executable).parent / "shop"),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env=server_environment(url, **extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_live(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_live(server: LiveServer, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"shop serve exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.base_url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"shop serve did not answer within {seconds} s:\n{server.log()}")


@pytest.fixture
def live_server(database_url: URL, tmp_path: Path) -> Iterator[LiveServer]:
    """The real server, one worker, on this test's database."""
    with running_server(database_url, tmp_path) as server:
        yield server
