"""Browsers on the origins in CORS_ORIGINS may call the API and read what it exposes; others not."""

from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL

from shop.api.app import create_app
from tests.plugins.service import container_for

ALLOWED = "https://shop.example.com"
ELSEWHERE = "https://evil.example.net"
EXPOSED = {
    "etag",
    "location",
    "x-request-id",
    "idempotent-replayed",
    "retry-after",
    "x-consistency-token",
}


@pytest.fixture
async def cors_client(database_url: URL) -> AsyncIterator[AsyncClient]:
    """The app with CORS_ORIGINS naming one origin."""
    app = create_app(container_for(database_url, cors_origins=[ALLOWED]))
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://shop.test") as client,
    ):
        yield client


def preflight(origin: str, method: str = "PATCH") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, if-match",
    }


async def test_a_configured_origin_gets_a_preflight_answer(cors_client: AsyncClient) -> None:
    response = await cors_client.options("/products/1", headers=preflight(ALLOWED))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "PATCH" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "if-match"} <= set(allowed_headers.split(", "))
    assert "access-control-allow-credentials" not in response.headers


async def test_another_origin_gets_no_preflight_answer(cors_client: AsyncClient) -> None:
    response = await cors_client.options("/products/1", headers=preflight(ELSEWHERE))

    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_answers_to_a_configured_origin_expose_the_headers_clients_need(
    cors_client: AsyncClient,
) -> None:
    response = await cors_client.get("/products/999", headers={"Origin": ALLOWED})

    assert response.status_code == 404  # errors too: the page must be able to read them
    assert response.headers["access-control-allow-origin"] == ALLOWED
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert exposed == EXPOSED


async def test_answers_to_another_origin_carry_no_cors_headers(cors_client: AsyncClient) -> None:
    response = await cors_client.get("/health/live", headers={"Origin": ELSEWHERE})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_without_cors_origins_no_origin_is_answered(client: AsyncClient) -> None:
    response = await client.options("/products/1", headers=preflight(ALLOWED))

    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    get = await client.get("/health/live", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in get.headers
