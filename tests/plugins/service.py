"""The service in-process: its container on the test's database, the app, and an HTTP client.

The client goes through the app's ASGI interface (no socket), and every exchange passes the
watch (`secret_watch`, tests/plugins/watch.py).
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL

from shop.api.app import create_app
from shop.container import Container
from tests.plugins.settings import settings_for
from tests.plugins.watch import SecretWatch


def container_for(database_url: URL, **overrides: Any) -> Container:
    """The service's container on the database at `database_url`, with these settings changed."""
    container = Container()
    container.settings.override(providers.Object(settings_for(database_url, **overrides)))
    return container


@pytest.fixture
def container(database_url: URL) -> Container:
    return container_for(database_url)


@pytest.fixture
async def app(container: Container) -> AsyncIterator[FastAPI]:
    app = create_app(container)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI, secret_watch: SecretWatch) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://shop.test",
        event_hooks={
            "request": [secret_watch.remember_secrets_sent],
            "response": [secret_watch.check_response],
        },
    ) as c:
        yield c
