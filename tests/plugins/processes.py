"""The service as real processes: `shop serve` on a free port, on the test's database."""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import URL

from tests.plugins.settings import service_fields


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_environment(url: URL, **extra: str) -> dict[str, str]:
    """The environment of a real `shop` process on the test's database."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("POSTGRES_", "DATABASE_"))
    }
    environment.update({name.upper(): str(value) for name, value in service_fields(url).items()})
    # Never the project's own .data; one directory per pytest-xdist worker.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    environment["SHOP_DATA_DIR"] = str(Path(tempfile.gettempdir()) / f"shop-test-data-{worker}")
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
    url: URL, log_dir: Path, *, workers: int = 1, live_within: float = 30, **extra_env: str
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
        _wait_until_live(server, live_within)
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
