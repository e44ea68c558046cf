"""Logins and registrations are throttled per account and per client address, in PostgreSQL,
so the limits hold however many instances serve (API.md: 429 with `Retry-After`)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.api.app import create_app
from shop.container import Container
from tests.integration.problems import PROBLEM_JSON, assert_problem
from tests.plugins.service import container_for

PER_ACCOUNT = 3
PER_ADDRESS = 5
REGISTRATIONS = 2
WINDOW = 60
EMAIL, PASSWORD = "ada@example.com", "ada-password-1"
WRONG_PASSWORD = "wrong-password"


@asynccontextmanager
async def an_instance(database_url: URL, **overrides: Any) -> AsyncIterator[FastAPI]:
    """One instance of the service (its own container, pool and memory) on the database."""
    limits = {
        "login_attempts_per_account": PER_ACCOUNT,
        "login_attempts_per_address": PER_ADDRESS,
        "registrations_per_address": REGISTRATIONS,
        "auth_throttle_window": WINDOW,
    }
    app = create_app(container_for(database_url, **(limits | overrides)))
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[AsyncClient]:
    """A client the service sees connecting from `address`."""
    transport = ASGITransport(app=app, client=(address, 40000))
    async with AsyncClient(transport=transport, base_url="http://shop.test") as client:
        yield client


async def register_ada(app: FastAPI) -> None:
    container: Container = app.state.container
    await container.user_service().register_user(EMAIL, "ada", PASSWORD)


@pytest.fixture
async def instance(database_url: URL) -> AsyncIterator[FastAPI]:
    async with an_instance(database_url) as app:
        await register_ada(app)
        yield app


async def log_in(
    app: FastAPI, address: str, email: str = EMAIL, password: str = WRONG_PASSWORD
) -> Response:
    async with client_at(app, address) as client:
        return await client.post("/auth/token", data={"username": email, "password": password})


def assert_throttled(response: Response, window: int = WINDOW) -> int:
    """A 429 problem whose Retry-After is whole seconds within two windows."""
    assert_problem(response, 429)
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    assert 1 <= int(retry_after) <= 2 * window
    return int(retry_after)


# --- per account, per address ------------------------------------------------------------------


async def test_an_account_is_refused_after_its_limit_from_any_address(instance: FastAPI) -> None:
    for n in range(PER_ACCOUNT):
        assert (await log_in(instance, f"192.0.2.{n}")).status_code == 401

    refused = await log_in(instance, "198.51.100.1", password=PASSWORD)

    assert_throttled(refused)
    assert "access_token" not in refused.text
    other_account = await log_in(instance, "198.51.100.1", email="bob@example.com")
    assert other_account.status_code == 401


async def test_an_address_is_refused_after_its_limit_whatever_the_accounts(
    instance: FastAPI,
) -> None:
    for n in range(PER_ADDRESS):
        assert (
            await log_in(instance, "192.0.2.1", email=f"user{n}@example.com")
        ).status_code == 401

    assert_throttled(await log_in(instance, "192.0.2.1", email="new@example.com"))
    assert (await log_in(instance, "192.0.2.2", email="new@example.com")).status_code == 401


async def test_concurrent_attempts_let_exactly_the_limit_through(instance: FastAPI) -> None:
    responses = await asyncio.gather(*(log_in(instance, f"192.0.2.{n}") for n in range(20)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * PER_ACCOUNT + [429] * (20 - PER_ACCOUNT)


async def test_the_owner_logs_in_once_retry_after_has_passed(database_url: URL) -> None:
    async with an_instance(database_url, auth_throttle_window=2) as app:
        await register_ada(app)
        for _ in range(PER_ACCOUNT):
            await log_in(app, "203.0.113.9")
        retry_after = assert_throttled(await log_in(app, "203.0.113.9"), window=2)

        await asyncio.sleep(retry_after)

        owner = await log_in(app, "192.0.2.1", password=PASSWORD)
        assert owner.status_code == 200, owner.text
        assert owner.json()["access_token"]


# --- across instances --------------------------------------------------------------------------


async def test_the_limit_holds_across_two_instances_sharing_the_database(
    database_url: URL,
) -> None:
    async with an_instance(database_url) as first, an_instance(database_url) as second:
        await register_ada(first)
        statuses = [
            (await log_in(app, f"192.0.2.{n}")).status_code
            for n, app in enumerate([first, second] * PER_ACCOUNT)
        ]

    assert statuses == [401] * PER_ACCOUNT + [429] * PER_ACCOUNT


async def test_the_ledger_keeps_no_address_or_email_in_clear(
    instance: FastAPI, db: AsyncEngine
) -> None:
    await log_in(instance, "192.0.2.77")

    async with db.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM auth_attempts"))).mappings().all()
        persistence = (
            await connection.execute(
                text("SELECT relpersistence::text FROM pg_class WHERE relname = 'auth_attempts'")
            )
        ).scalar_one()

    assert len(rows) == 2
    assert all(len(row["key"]) == 64 and "ada" not in row["key"] for row in rows)
    assert [row["current_count"] for row in rows] == [1, 1]
    assert persistence == "u", "UNLOGGED"


# --- registrations -----------------------------------------------------------------------------


async def register(app: FastAPI, address: str, name: str) -> Response:
    body = {"email": f"{name}@example.com", "username": name, "password": "a-long-password"}
    async with client_at(app, address) as client:
        return await client.post("/users", json=body)


async def test_registrations_are_refused_after_the_limit_per_address(
    instance: FastAPI, db: AsyncEngine
) -> None:
    for n in range(REGISTRATIONS):
        assert (await register(instance, "192.0.2.1", f"user{n}")).status_code == 201

    assert_throttled(await register(instance, "192.0.2.1", "refused"))
    assert (await register(instance, "192.0.2.2", "elsewhere")).status_code == 201
    async with db.connect() as connection:
        names = (await connection.execute(text("SELECT username FROM users"))).scalars().all()
    assert "refused" not in names


# --- the contract ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "method"), [("/auth/token", "post"), ("/users", "post")])
async def test_the_429_is_documented_as_a_problem(
    instance: FastAPI, path: str, method: str
) -> None:
    async with client_at(instance, "192.0.2.1") as client:
        document = (await client.get("/openapi.json")).json()

    assert PROBLEM_JSON in document["paths"][path][method]["responses"]["429"]["content"]
