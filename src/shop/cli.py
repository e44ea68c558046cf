"""The `shop` command."""

import asyncio
import logging
import logging.config
import os
import re
import signal
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click
import uvicorn
from sqlalchemy import URL
from sqlalchemy import exc as sa_exc

from shop.api.log_setup import configured_secrets, log_config
from shop.api.prometheus_exposition import MULTIPROCESS_DIRECTORY_VARIABLE
from shop.container import Container
from shop.domain.errors import DomainError, StorageUnavailable
from shop.domain.users import EmailTaken, User
from shop.infrastructure.database_location import start_or_locate_server
from shop.infrastructure.engine import create_engine
from shop.infrastructure.startup_wait import DatabaseUnreachable, wait_for_database
from shop.settings import ConfigurationError, Settings, load_settings

logger = logging.getLogger("shop.cli")

GRACEFUL_SHUTDOWN_SECONDS = 30
WORKER_HEALTHCHECK_SECONDS = 30
"""How long the server process waits for a worker to answer its health check before it kills
and replaces it. Uvicorn's 5 s kills workers that are only slow to start on a busy machine."""
ADMIN_PASSWORD_VARIABLE = "SHOP_ADMIN_PASSWORD"  # noqa: S105 - a variable name


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"shop: {message}", err=True)
    sys.exit(code)


def _settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except ConfigurationError as error:
        _fail(str(error), 2)
    return settings


@click.group()
def main() -> None:
    """Run and administer the shop service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=os.cpu_count() or 1,
    show_default="the number of CPU cores",
    type=click.IntRange(min=1),
)
@click.option(
    "--reload",
    is_flag=True,
    help="Restart when the code changes (development; one worker only).",
)
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the API until SIGTERM or Ctrl-C, then finish the requests under way and stop."""
    if reload and workers > 1:
        _fail("--reload serves one worker: leave out --workers or pass --workers 1", 2)
    settings = _settings_or_exit()
    try:
        url = start_or_locate_server(settings)
    except ConfigurationError as error:
        _fail(str(error), 2)
    if settings.uses_embedded_database:
        # The embedded server was started here, once: point every worker at it.
        os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
    try:
        asyncio.run(_database_answers(settings, url))
    except DatabaseUnreachable as error:
        _fail(str(error))
    if workers > 1:
        _share_metrics_between_workers()
    # After a graceful shutdown uvicorn re-raises SIGTERM under the handler it found; make
    # that one exit 0, as a clean stop should (the default handler would kill the process).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logging_config = log_config(
        settings.log_format, settings.log_level, configured_secrets(settings)
    )
    # A log line, not a print: with LOG_FORMAT=json every line of output is one JSON object.
    logging.config.dictConfig(logging_config)
    base_url = f"http://{host}:{port}"
    logger.info("serving %s with %d worker(s); API docs at %s/docs", base_url, workers, base_url)
    uvicorn.run(
        "shop.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        reload_dirs=[str(Path(__file__).parent)] if reload else None,
        log_config=logging_config,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        # The client address throttles logins: X-Forwarded-For names it only when the
        # setting says which proxies to believe (uvicorn alone believes 127.0.0.1).
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips or "",
    )


async def _database_answers(settings: Settings, url: URL) -> None:
    engine = create_engine(settings, url)
    try:
        await wait_for_database(engine, settings.db_connect_timeout)
    finally:
        await engine.dispose()


def _share_metrics_between_workers() -> None:
    """Prometheus multiprocess mode: each worker writes its metrics to files in one folder."""
    folder = os.environ.get(MULTIPROCESS_DIRECTORY_VARIABLE)
    if folder is None:
        folder = tempfile.mkdtemp(prefix="shop-metrics-")
        os.environ[MULTIPROCESS_DIRECTORY_VARIABLE] = folder
    for stale in Path(folder).glob("*.db"):
        stale.unlink()


def _username_from(email: str) -> str:
    """A username from the e-mail's local part, made to fit the username rules."""
    local = re.sub(r"[^A-Za-z0-9_.-]", "_", email.partition("@")[0])[:50]
    return local.ljust(3, "_")


def _admin_password() -> str:
    from_environment = os.environ.get(ADMIN_PASSWORD_VARIABLE)
    if from_environment:
        return from_environment
    if not sys.stdin.isatty():
        _fail(f"set {ADMIN_PASSWORD_VARIABLE}, or run in a terminal to be asked", 2)
    prompted: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return prompted


@main.command("create-admin")
@click.option("--email", required=True, help="The administrator's e-mail address.")
@click.option("--username", help="Defaults to the part of the e-mail address before the @.")
def create_admin(email: str, username: str | None) -> None:
    """Create an administrator (password from SHOP_ADMIN_PASSWORD, or asked for)."""
    settings = _settings_or_exit()
    password = _admin_password()
    try:
        user = asyncio.run(
            _create_admin(settings, email, username or _username_from(email), password)
        )
    except ConfigurationError as error:
        _fail(str(error), 2)
    except EmailTaken:
        _fail(f"a user with the e-mail address {email} already exists; nothing changed")
    except (DomainError, StorageUnavailable) as error:
        _fail(error.detail, 2)
    except sa_exc.ProgrammingError:
        _fail("the database schema is missing or old; run `make migrate` first")
    click.echo(f"created administrator {user.email} (id {user.id}, username {user.username})")


async def _create_admin(settings: Settings, email: str, username: str, password: str) -> User:
    container = Container()
    container.settings.override(settings)
    try:
        user: User = await container.user_service().create_admin(email, username, password)
    finally:
        await container.engine().dispose()
    return user
