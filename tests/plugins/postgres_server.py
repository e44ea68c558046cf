"""Where the test database server comes from: the one choice, in one place.

`SHOP_TEST_DATABASE` chooses:

- `auto` (the default): the server of `TEST_DATABASE_URL` when it is set; else a throwaway
  `postgres:18-alpine` container (testcontainers) when a Docker engine answers and the image is
  on it or can be pulled; else the embedded PostgreSQL, with one line saying why not a container;
- `container`: the container, or the run stops saying why (`make test-containers`);
- `embedded`: the embedded PostgreSQL in a temporary directory, Docker or not;
- `url`: the server of `TEST_DATABASE_URL`, which must then be set.

One server per test session (under pytest-xdist: one per worker), announced in one line. If
the chosen one cannot be had, the tests fail with one clear message, never a skip.
"""

import contextlib
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import URL, make_url

from shop.infrastructure.embedded_postgres import start_embedded_postgres

CHOICE_VARIABLE = "SHOP_TEST_DATABASE"
CHOICES = ("auto", "container", "embedded", "url")
POSTGRES_IMAGE = "postgres:18-alpine"
DEFAULT_SOCKET = Path("/var/run/docker.sock")
ENGINE_TIMEOUT_SECONDS = 10


class Unavailable(Exception):
    """A source that cannot serve this run; the message says why, in one line."""


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _docker_client() -> Any:
    """A client of the Docker engine that testcontainers would use, once it has answered."""
    address = os.environ.get("DOCKER_HOST") or (
        f"unix://{DEFAULT_SOCKET}" if DEFAULT_SOCKET.exists() else None
    )
    if address is None:
        raise Unavailable(f"no Docker engine (DOCKER_HOST is unset, no {DEFAULT_SOCKET})")
    import docker

    try:
        client = docker.from_env(timeout=ENGINE_TIMEOUT_SECONDS)
        client.ping()
    except Exception as error:  # docker-py raises its own errors and requests' alike
        raise Unavailable(
            f"the Docker engine at {address} does not answer ({_first_line(error)})"
        ) from None
    return client


def _have_image(client: Any, image: str) -> None:
    """The image is on the engine, or pulled now; Unavailable when neither."""
    import docker.errors

    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        try:
            client.images.pull(image)
        except docker.errors.DockerException as error:
            raise Unavailable(
                f"the image {image} is not on the engine and cannot be pulled "
                f"({_first_line(error)})"
            ) from None


def _container_prerequisites() -> None:
    """What testcontainers needs before it starts ours: an engine, our image and its reaper's."""
    from testcontainers.core.config import testcontainers_config

    client = _docker_client()
    try:
        _have_image(client, POSTGRES_IMAGE)
        if not testcontainers_config.ryuk_disabled:
            try:
                _have_image(client, testcontainers_config.ryuk_image)
            except Unavailable as why:
                raise Unavailable(
                    f"{why}; where the reaper cannot be had, set TESTCONTAINERS_RYUK_DISABLED=true"
                ) from None
    finally:
        client.close()


def _reachable(url: URL) -> None:
    host, port = str(url.host), int(url.port or 5432)
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as error:
        raise Unavailable(
            f"the container's published port {host}:{port} does not answer ({error}); inside a "
            "container, or where /.dockerenv exists, set TESTCONTAINERS_CONNECTION_MODE=docker_host"
        ) from None


def _container_server(stack: contextlib.ExitStack) -> URL:
    """A started PostgreSQL container's admin URL; it is removed when `stack` closes."""
    _container_prerequisites()
    from testcontainers.community.postgres import PostgresContainer

    container = PostgresContainer(POSTGRES_IMAGE, driver="asyncpg")
    with contextlib.ExitStack() as attempt:
        attempt.callback(container.stop)  # at once if it fails, even half-way through a start
        try:
            container.start()
        except Exception as error:  # whatever the engine or the wait says, it is of no use
            raise Unavailable(
                f"the {POSTGRES_IMAGE} container did not start ({_first_line(error)})"
            ) from None
        url = make_url(container.get_connection_url()).set(database="postgres")
        _reachable(url)
        stack.push(attempt.pop_all())  # it works: kept until the session ends
    return url


def _embedded_server() -> URL:
    data_dir = Path(tempfile.gettempdir()) / f"shop-test-pg-{uuid.uuid4().hex[:8]}"
    try:
        # The server stops and its directory is deleted when the test process exits.
        return start_embedded_postgres(data_dir, "postgres", keep=False)
    except Exception as error:
        pytest.fail(
            "No PostgreSQL for the integration tests: the embedded server did not start "
            f"({_first_line(error)}). Set TEST_DATABASE_URL=postgresql://user:pass@host/postgres "
            f"and {CHOICE_VARIABLE}=url to use a server of your own.",
            pytrace=False,
        )


def _stop(config: pytest.Config, message: str, code: int) -> NoReturn:
    """End the run with one line; an xdist worker cannot end it, so its tests fail with the line."""
    if hasattr(config, "workeroutput"):
        pytest.fail(message, pytrace=False)
    pytest.exit(message, returncode=code)


def _choice(config: pytest.Config) -> str:
    choice = os.environ.get(CHOICE_VARIABLE, "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        _stop(config, f"{CHOICE_VARIABLE}={choice!r}: use one of {', '.join(CHOICES)}", 4)
    return choice


def _server(config: pytest.Config, stack: contextlib.ExitStack) -> tuple[URL, str]:
    """The chosen server's admin URL, and the line that says what it is."""
    choice = _choice(config)
    named = os.environ.get("TEST_DATABASE_URL")
    if choice == "url" or (choice == "auto" and named):
        if not named:
            _stop(
                config,
                f"{CHOICE_VARIABLE}=url needs TEST_DATABASE_URL=postgresql://user:pass@host/postgres",
                4,
            )
        url = make_url(named).set(drivername="postgresql+asyncpg")
        return url, f"the server of TEST_DATABASE_URL ({url.host}:{url.port or 5432})"
    why_not_a_container = f"{CHOICE_VARIABLE}=embedded"
    if choice in ("auto", "container"):
        try:
            url = _container_server(stack)
        except Unavailable as why:
            if choice == "container":
                _stop(config, f"{CHOICE_VARIABLE}=container, but {why}", 1)
            why_not_a_container = str(why)
        else:
            return url, f"a testcontainers {POSTGRES_IMAGE} container (on {url.host})"
    return _embedded_server(), f"the embedded PostgreSQL, not a container: {why_not_a_container}"


_ANNOUNCED = pytest.StashKey[set[str]]()
_WORKER_OUTPUT_KEY = "shop_test_database"


def _announce(config: pytest.Config, line: str) -> None:
    """One line on the terminal, past pytest's output capture.

    A pytest-xdist worker has no terminal of its own: it hands the line to the controller,
    which shows each different line once (`pytest_testnodedown` below).
    """
    worker_output = getattr(config, "workeroutput", None)
    if worker_output is not None:
        worker_output[_WORKER_OUTPUT_KEY] = line
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line, file=sys.stderr)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: a finished worker's line about its database, once per kind."""
    line = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT_KEY)
    shown = node.config.stash.setdefault(_ANNOUNCED, set())
    if line and line not in shown:
        shown.add(line)
        _announce(node.config, line)


@pytest.fixture(scope="session")
def postgres_server(pytestconfig: pytest.Config) -> Iterator[URL]:
    """An administrative URL (database `postgres`) of a server the tests may create databases on."""
    with contextlib.ExitStack() as stack:
        url, what = _server(pytestconfig, stack)
        _announce(pytestconfig, f"test database: {what}")
        yield url
