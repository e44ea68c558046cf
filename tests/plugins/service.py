"""The service in-process: its container on the test's database, the app, and an HTTP client.

The client goes through the app's ASGI interface (no socket), and every exchange passes the
watch (`secret_watch`, tests/plugins/watch.py).
"""

from collections.abc import AsyncIterator

import pytest
from dependency_injector import providers
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL

from shop.api.app import create_app
from shop.container import Container
from tests.plugins.settings import settings_for
from tests.plugins.watch import SecretWatch


@pytest.fixture
def container(database_url: URL) -> Container:
    container = Container()
    container.settings.override(providers.Object(settings_for(database_url)))
    return container


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
