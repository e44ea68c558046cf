"""Where the test database server comes from: the one choice, in one place.

In this order: TEST_DATABASE_URL (a server you name), a Docker engine that answers
(testcontainers), else an embedded PostgreSQL in a temporary directory. One server per test
session (under pytest-xdist: one per worker); if none can start, the tests fail with one clear
message, never a skip.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, make_url

from shop.infrastructure.embedded_postgres import start_embedded_postgres


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
