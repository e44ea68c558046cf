"""Registrations racing for one e-mail address or one username: exactly one wins.

The requests go out together over one client (`asyncio.gather`), so they reach the service
concurrently: whatever check the service makes before inserting, only the database's unique
constraints can decide such a race, and the loser must still get a clean 409.
"""

import asyncio

import pytest
from httpx import AsyncClient, Response
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.container import Container
from tests.integration.helpers import rows
from tests.integration.problems import assert_problem
from tests.plugins.service import container_for

PASSWORD = "racing-for-the-same-name-3"


@pytest.fixture
def container(database_url: URL) -> Container:
    """The service as usual, but no racer is refused for waiting on its password hash: on a
    busy machine ten hashes in a row can outlast the half second a request may wait for one,
    and what these races test is the database's unique constraints, not that queue."""
    return container_for(database_url, password_hashing_patience=30.0)


def case_variant(word: str, n: int) -> str:
    """The n-th spelling of `word`: letter i is in upper case when bit i of n is set."""
    return "".join(c.upper() if (n >> i) & 1 else c.lower() for i, c in enumerate(word))


def bodies_sharing_the_email(racers: int) -> list[dict[str, str]]:
    """One e-mail address, spelled in as many letter cases as there are racers; distinct names."""
    return [
        {
            "email": case_variant("racer@example.com", n),
            "username": f"racer_{n}",
            "password": PASSWORD,
        }
        for n in range(racers)
    ]


def bodies_sharing_the_username(racers: int) -> list[dict[str, str]]:
    """One username; distinct e-mail addresses."""
    return [
        {"email": f"racer{n}@example.com", "username": "racer", "password": PASSWORD}
        for n in range(racers)
    ]


async def race(client: AsyncClient, bodies: list[dict[str, str]]) -> list[Response]:
    return list(await asyncio.gather(*(client.post("/users", json=body) for body in bodies)))


def assert_one_winner(responses: list[Response]) -> Response:
    """Exactly one 201; every other answer a 409 problem."""
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (len(responses) - 1), [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409)
    (winner,) = (response for response in responses if response.status_code == 201)
    return winner


def test_the_email_variants_really_differ_in_letter_case_only() -> None:
    bodies = bodies_sharing_the_email(10)

    assert len({body["email"] for body in bodies}) == 10
    assert {body["email"].lower() for body in bodies} == {"racer@example.com"}
    assert len({body["username"] for body in bodies}) == 10


@pytest.mark.parametrize("racers", [2, 10])
async def test_of_registrations_racing_for_one_email_exactly_one_wins(
    client: AsyncClient, db: AsyncEngine, racers: int
) -> None:
    responses = await race(client, bodies_sharing_the_email(racers))

    winner = assert_one_winner(responses)
    stored = await rows(db, "SELECT * FROM users WHERE lower(email) = 'racer@example.com'")
    assert len(stored) == 1
    assert stored[0]["id"] == winner.json()["id"]
    assert stored[0]["username"] == winner.json()["username"]
    assert stored[0]["email"] == "racer@example.com"
    assert await rows(db, "SELECT * FROM users WHERE username LIKE 'racer%'") == stored


@pytest.mark.parametrize("racers", [2, 10])
async def test_of_registrations_racing_for_one_username_exactly_one_wins(
    client: AsyncClient, db: AsyncEngine, racers: int
) -> None:
    responses = await race(client, bodies_sharing_the_username(racers))

    winner = assert_one_winner(responses)
    stored = await rows(db, "SELECT * FROM users WHERE username = 'racer'")
    assert len(stored) == 1
    assert stored[0]["id"] == winner.json()["id"]
    assert stored[0]["email"] == winner.json()["email"]
    assert await rows(db, "SELECT * FROM users WHERE email LIKE 'racer%'") == stored


@pytest.mark.parametrize("racers", [2, 10])
async def test_the_winner_of_a_registration_race_can_log_in(
    client: AsyncClient, racers: int
) -> None:
    winner = assert_one_winner(await race(client, bodies_sharing_the_email(racers)))

    response = await client.post(
        "/auth/token", data={"username": winner.json()["email"], "password": PASSWORD}
    )

    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == winner.json()
