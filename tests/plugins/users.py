"""Users and their tokens: an administrator and two customers, logged in through the API."""

from dataclasses import dataclass

import pytest
from httpx import AsyncClient

from shop.container import Container


@dataclass(frozen=True)
class Caller:
    """A registered user and the headers that make requests as them."""

    id: int
    email: str
    username: str
    password: str
    headers: dict[str, str]


async def log_in(client: AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def a_caller(container: Container, client: AsyncClient, name: str, *, admin: bool) -> Caller:
    email, password = f"{name}@example.com", f"{name}-password-1"
    users = container.user_service()
    add = users.create_admin if admin else users.register_user
    user = await add(email, name, password)
    return Caller(user.id, email, name, password, await log_in(client, email, password))


@pytest.fixture
async def admin(container: Container, client: AsyncClient) -> Caller:
    return await a_caller(container, client, "root", admin=True)


@pytest.fixture
async def customer(container: Container, client: AsyncClient) -> Caller:
    return await a_caller(container, client, "ada", admin=False)


@pytest.fixture
async def other_customer(container: Container, client: AsyncClient) -> Caller:
    return await a_caller(container, client, "bob", admin=False)
