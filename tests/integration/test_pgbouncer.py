"""Behind PgBouncer in transaction mode (DB_PGBOUNCER=true): the order race still never oversells.

A real PgBouncer (the Debian package; `make test` installs it) runs in front of the test's
database. PgBouncer refuses to run as root, so as root it runs as the embedded server's
system user, which can also reach that server's socket.
"""

import asyncio
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.api.app import create_app
from shop.container import Container
from tests.plugins.processes import free_port
from tests.plugins.settings import settings_for
from tests.plugins.users import a_caller

pytestmark = pytest.mark.slow  # real processes

RUN_AS = "embedded_postgres"


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        pytest.fail(
            "pgbouncer is not installed: `make test` installs it (apt-get install pgbouncer)"
        )
    return found


def answers(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class PgBouncer:
    """PgBouncer in transaction mode on a free local port, in front of the database at `backend`.

    `start()` again after `kill()` brings it back on the same port with the same settings.
    """

    def __init__(self, backend_url: URL) -> None:
        self.port = free_port()
        host = backend_url.host or str(backend_url.query.get("host"))
        backend = f"host={host} port={backend_url.port or 5432} dbname={backend_url.database}"
        backend += f" user={backend_url.username or 'postgres'}"
        if backend_url.password:
            backend += f" password={backend_url.password}"
        # Not under pytest's tmp_path: its parents are closed to other users.
        self.folder = Path(tempfile.mkdtemp(prefix="shop-pgbouncer-"))
        self.config = self.folder / "pgbouncer.ini"
        self.config.write_text(
            f"[databases]\nshop = {backend}\n\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
            f"unix_socket_dir =\nauth_type = trust\nauth_file = {self.folder / 'users.txt'}\n"
            "pool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 200\n"
            "ignore_startup_parameters = extra_float_digits,application_name\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\n"
        )
        (self.folder / "users.txt").write_text('"postgres" ""\n')
        self._user = RUN_AS if os.geteuid() == 0 else None
        if self._user is not None:
            account = pwd.getpwnam(self._user)
            for path in (self.folder, *self.folder.iterdir()):
                os.chown(path, account.pw_uid, account.pw_gid)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> URL:
        return URL.create(
            "postgresql+asyncpg", username="postgres", host="127.0.0.1", port=self.port,
            database="shop",
        )  # fmt: skip

    def start(self) -> None:
        self._process = process = subprocess.Popen(  # noqa: S603 - the system's pgbouncer
            [pgbouncer_binary(), str(self.config)],
            user=self._user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while not answers(self.port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = self.folder / "pgbouncer.log"
                pytest.fail(f"pgbouncer did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: every client connection drops at once, with no goodbye."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def pgbouncer(database_url: URL) -> Iterator[URL]:
    """PgBouncer in transaction mode on a free local port, in front of the test's database."""
    bouncer = PgBouncer(database_url)
    try:
        bouncer.start()
        yield bouncer.url
    finally:
        bouncer.stop()


@pytest.fixture
async def pgbouncer_app(pgbouncer: URL) -> AsyncIterator[tuple[FastAPI, Container]]:
    container = Container()
    container.settings.override(providers.Object(settings_for(pgbouncer, db_pgbouncer=True)))
    app = create_app(container)
    async with app.router.lifespan_context(app):
        yield app, container


async def test_the_order_race_through_pgbouncer_never_oversells(
    pgbouncer_app: tuple[FastAPI, Container], db: AsyncEngine
) -> None:
    app, container = pgbouncer_app
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://shop.test") as client:
        admin = await a_caller(container, client, "root", admin=True)
        buyers = [await a_caller(container, client, f"buyer{n}", admin=False) for n in range(4)]
        created = await client.post(
            "/products",
            json={"name": "Hot", "price": "9.99", "quantity": 10},
            headers=admin.headers,
        )
        product_id = created.json()["id"]
        body = {"items": [{"product_id": product_id, "quantity": 1}]}

        responses = await asyncio.gather(
            *(client.post("/orders", json=body, headers=buyers[n % 4].headers) for n in range(60))
        )
        statuses = sorted(r.status_code for r in responses)
        # Reads behind PgBouncer run in transactions; they work all the same.
        listed = await client.get("/products", params={"limit": 5})
        mine = await client.get("/orders", headers=buyers[0].headers)

    assert statuses == [201] * 10 + [409] * 50
    assert listed.status_code == 200
    assert mine.status_code == 200
    async with db.connect() as connection:
        stock = await connection.scalar(
            text("SELECT quantity FROM products WHERE id = :id"), {"id": product_id}
        )
        ordered = await connection.scalar(text("SELECT sum(quantity) FROM order_items"))
    assert (stock, ordered) == (0, 10)
