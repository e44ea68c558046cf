"""The `shop` command."""

import os
import sys

import click
import uvicorn

from shop.api.log_setup import log_config
from shop.infrastructure.database import database_url
from shop.settings import ConfigurationError, Settings, load_settings


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as error:
        click.echo(f"shop: {error}", err=True)
        sys.exit(2)


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
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API."""
    settings = _settings_or_exit()
    if settings.uses_embedded_database:
        # Start the embedded server once, here, and point every worker at it.
        url = database_url(settings)
        os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
    uvicorn.run(
        "shop.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(),
    )
