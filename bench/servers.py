"""The processes under test: the embedded PostgreSQL, `shop serve` and the yardstick."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import URL

from shop.infrastructure.embedded_postgres import start_embedded_postgres

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
YARDSTICK = Path(__file__).with_name("yardstick.py")
MIB = 1024 * 1024
START_SECONDS = 60
STOP_SECONDS = 30


def start_database() -> URL:
    """A throwaway embedded PostgreSQL: stopped and deleted when this process exits."""
    data_dir = Path(tempfile.gettempdir()) / f"shop-bench-pg-{uuid.uuid4().hex[:8]}"
    return start_embedded_postgres(data_dir, "postgres", keep=False)


def libpq_url(url: URL) -> str:
    """The URL as asyncpg and libpq spell it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clean_environment() -> dict[str, str]:
    """This environment without any database setting that would point elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "DATABASE_"))}


def migrate(url: URL, log: Path) -> None:
    """The real migrations, as `make migrate` runs them."""
    environment = _clean_environment() | {"DATABASE_URL": url.render_as_string(hide_password=False)}
    with log.open("a") as output:
        subprocess.run(  # noqa: S603 - the project's own alembic
            [str(BIN / "alembic"), "-c", str(PROJECT_ROOT / "alembic.ini"), "upgrade", "head"],
            env=environment,
            cwd=log.parent,  # away from the project's .env
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
        )


@dataclass
class Server:
    """A running HTTP server process (and its worker processes)."""

    name: str
    workers: int
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def worker_processes(self) -> list[psutil.Process]:
        """uvicorn's workers: the process itself with one worker, its spawned children with more."""
        if self.workers == 1:
            return [psutil.Process(self.process.pid)]
        children = psutil.Process(self.process.pid).children()
        return [c for c in children if "spawn_main" in " ".join(c.cmdline())]

    def rss_per_worker_mib(self) -> list[float]:
        return [p.memory_info().rss / MIB for p in self.worker_processes()]

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def request_json(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One HTTP request; the status and the decoded JSON body (None when there is none)."""
    request = urllib.request.Request(url, body, headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None


def _wait_until_ready(server: Server, ready_path: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at start-up:\n{server.log_tail()}")
        with contextlib.suppress(OSError):
            answered = request_json("GET", server.base_url + ready_path)[0] == 200
            if answered and len(server.worker_processes()) == server.workers:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer in {START_SECONDS} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def _running(
    name: str, command: list[str], environment: dict[str, str], workers: int, log_dir: Path
) -> Iterator[Server]:
    port = free_port()
    log_path = log_dir / f"{name}-{workers}w-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - the project's own commands
            [*command, "--port", str(port), "--workers", str(workers)],
            env=environment,
            cwd=log_dir,  # away from the project's .env
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, workers, f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_ready(server, "/health/ready" if name == "service" else "/products/1")
        yield server
    finally:
        _stop(process)


def service_environment(url: URL, secret: str, data_dir: Path) -> dict[str, str]:
    """The service's settings on the benchmark database, as in production."""
    return _clean_environment() | {
        "SHOP_ENV": "production",
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "JWT_SECRET": secret,
        "SHOP_DATA_DIR": str(data_dir),
    }


def yardstick_environment(url: URL, secret: str) -> dict[str, str]:
    """The yardstick's settings on the same database."""
    return _clean_environment() | {"YARDSTICK_DATABASE_URL": libpq_url(url), "JWT_SECRET": secret}


def running_service(
    url: URL, secret: str, workers: int, log_dir: Path, **settings: str
) -> AbstractContextManager[Server]:
    """`shop serve` as in production, on the benchmark database (and any further settings)."""
    environment = service_environment(url, secret, log_dir / "shop-data") | settings
    return _running("service", [str(BIN / "shop"), "serve"], environment, workers, log_dir)


def running_yardstick(
    url: URL, secret: str, workers: int, log_dir: Path
) -> AbstractContextManager[Server]:
    """The raw Starlette + asyncpg yardstick on the same database."""
    environment = yardstick_environment(url, secret)
    return _running("yardstick", [sys.executable, str(YARDSTICK)], environment, workers, log_dir)


def log_in(server: Server, email: str, password: str) -> str:
    """A bearer token from the service's own login (POST /auth/token)."""
    form = urllib.parse.urlencode({"username": email, "password": password}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = request_json("POST", server.base_url + "/auth/token", form, headers)
    if status != 200:
        raise RuntimeError(f"login as {email} answered {status}: {body}")
    return str(body["access_token"])
