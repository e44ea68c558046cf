"""Request bodies over 1 MiB are refused with a 413 problem and change nothing, however they
are sent; one of exactly 1 MiB is read.
"""

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.api.app import MAX_BODY_SIZE
from tests.integration.helpers import GENERATED_REQUEST_ID
from tests.plugins.processes import LiveServer


def registration(name: str, size: int) -> bytes:
    """A registration, padded with JSON whitespace to exactly `size` bytes."""
    body = json.dumps(
        {"email": f"{name}@example.com", "username": name, "password": f"{name}-password-1"}
    ).encode()
    return body + b" " * (size - len(body))


async def streamed(body: bytes, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), chunk):
        yield body[start : start + chunk]


async def users_named(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as connection:
        query = text("SELECT count(*) FROM users WHERE username = :name")
        return int(await connection.scalar(query, {"name": name}) or 0)


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert GENERATED_REQUEST_ID.fullmatch(response.headers["X-Request-ID"])
    problem = response.json()
    assert problem["status"] == 413
    assert problem["instance"] == "/users"
    assert str(MAX_BODY_SIZE) in problem["detail"]


JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def raw_client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """In-process, like `client`, without its hooks (they read the body, so cannot stream it)."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://shop.test") as c:
        yield c


def sent_as(transfer: str, body: bytes) -> bytes | AsyncIterator[bytes]:
    return body if transfer == "content-length" else streamed(body)


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
async def test_a_body_of_exactly_one_mebibyte_is_read(
    raw_client: AsyncClient, transfer: str
) -> None:
    body = registration(f"full_{transfer[0]}", MAX_BODY_SIZE)

    response = await raw_client.post("/users", content=sent_as(transfer, body), headers=JSON)

    assert response.status_code == 201, response.text


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
async def test_a_body_over_one_mebibyte_is_refused_with_413_problem_and_changes_nothing(
    raw_client: AsyncClient, db: AsyncEngine, transfer: str
) -> None:
    body = registration("too_big", MAX_BODY_SIZE + 1)

    response = await raw_client.post("/users", content=sent_as(transfer, body), headers=JSON)

    assert_too_large(response)
    declared = response.request.headers.get("content-length")
    assert declared == (str(len(body)) if transfer == "content-length" else None)
    assert await users_named(db, "too_big") == 0


@pytest.mark.slow  # a real process
async def test_a_chunked_body_over_one_mebibyte_is_refused_by_the_real_server(
    live_server: LiveServer,
) -> None:
    async with AsyncClient(base_url=live_server.base_url, timeout=10) as http:
        response = await http.post(
            "/users", content=streamed(registration("huge", 2 * MAX_BODY_SIZE)), headers=JSON
        )

    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_too_large(response)
