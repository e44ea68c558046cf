"""Registering (POST /users): a customer is made, its password stored only as an Argon2id
hash, and every bad or taken value refused with nothing stored.
"""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import MISSING, rows
from tests.integration.problems import assert_problem, error_fields
from tests.integration.users.accounts import (
    CAROL_PASSWORD,
    USER_KEYS,
    WRONG_PASSWORD,
    assert_user,
    register,
    registration,
    token_response,
    user_count,
    user_row,
    verifies,
)
from tests.plugins.users import log_in


async def test_registering_creates_a_customer_and_answers_201_with_its_location(
    client: AsyncClient, db: AsyncEngine
) -> None:
    response = await client.post(
        "/users", json=registration(email="Carol.Smith@Example.COM", username="Carol_S")
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body.keys() == USER_KEYS
    assert body["role"] == "customer"
    assert body["email"] == "carol.smith@example.com"
    assert body["username"] == "Carol_S"
    assert response.headers["location"] == f"/users/{body['id']}"
    row = await user_row(db, body["id"])
    assert_user(body, row)
    assert row["email"] == "carol.smith@example.com"


async def test_the_location_of_a_new_user_serves_that_user_to_them(client: AsyncClient) -> None:
    response = await client.post("/users", json=registration())
    headers = await log_in(client, "carol@example.com", CAROL_PASSWORD)

    fetched = await client.get(response.headers["location"], headers=headers)

    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == response.json()


async def test_a_registration_answer_never_carries_the_password_or_its_hash(
    client: AsyncClient,
) -> None:
    response = await client.post("/users", json=registration())

    assert response.status_code == 201
    body = response.json()
    assert "password" not in body
    assert "hashed_password" not in body
    assert CAROL_PASSWORD not in response.text


async def test_the_stored_password_is_an_argon2id_hash_of_it_not_the_password(
    client: AsyncClient, db: AsyncEngine
) -> None:
    user = await register(client)

    stored = (await user_row(db, user["id"]))["hashed_password"]

    assert stored.startswith("$argon2id$")
    assert CAROL_PASSWORD not in stored
    assert verifies(CAROL_PASSWORD, stored)
    assert not verifies(WRONG_PASSWORD, stored)


async def test_two_users_with_the_same_password_get_different_hashes(
    client: AsyncClient, db: AsyncEngine
) -> None:
    first = await register(client)
    second = await register(client, email="dave@example.com", username="dave")

    first_hash = (await user_row(db, first["id"]))["hashed_password"]
    second_hash = (await user_row(db, second["id"]))["hashed_password"]

    assert first_hash != second_hash


@pytest.mark.parametrize(
    "email",
    ["carol@example.com", "CAROL@EXAMPLE.COM", "Carol@Example.com", "carol@EXAMPLE.com"],
    ids=["same case", "upper case", "capitalised", "upper-case domain"],
)
async def test_an_email_already_taken_in_any_letter_case_is_a_409(
    client: AsyncClient, db: AsyncEngine, email: str
) -> None:
    await register(client)

    response = await client.post("/users", json=registration(email=email, username="carol2"))

    assert_problem(response, 409)
    assert await rows(db, "SELECT username FROM users") == [{"username": "carol"}]


async def test_a_taken_username_is_a_409(client: AsyncClient, db: AsyncEngine) -> None:
    await register(client)

    response = await client.post("/users", json=registration(email="other-carol@example.com"))

    assert_problem(response, 409)
    assert await rows(db, "SELECT email FROM users") == [{"email": "carol@example.com"}]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "carol@"}, "email"),
        ({"email": "@example.com"}, "email"),
        ({"email": "carol smith@example.com"}, "email"),
        ({"email": ""}, "email"),
        ({"email": 42}, "email"),
        ({"username": "ab"}, "username"),
        ({"username": "a" * 51}, "username"),
        ({"username": "carol smith"}, "username"),
        ({"username": "carol!"}, "username"),
        ({"username": ""}, "username"),
        ({"password": "seven77"}, "password"),
        ({"password": ""}, "password"),
        ({"email": MISSING}, "email"),
        ({"username": MISSING}, "username"),
        ({"password": MISSING}, "password"),
        ({"role": "admin"}, "role"),
        ({"is_admin": True}, "is_admin"),
    ],
    ids=[
        "e-mail without @",
        "e-mail without domain",
        "e-mail without local part",
        "e-mail with a space",
        "empty e-mail",
        "e-mail not a string",
        "username of 2 characters",
        "username of 51 characters",
        "username with a space",
        "username with !",
        "empty username",
        "password of 7 characters",
        "empty password",
        "missing e-mail",
        "missing username",
        "missing password",
        "extra field role",
        "extra field is_admin",
    ],
)
async def test_an_invalid_registration_is_a_422_naming_the_field_and_stores_nothing(
    client: AsyncClient, db: AsyncEngine, overrides: dict[str, Any], field: str
) -> None:
    response = await client.post("/users", json=registration(**overrides))

    problem = assert_problem(response, 422)
    assert field in error_fields(problem)
    assert await user_count(db) == 0


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", "null"],
    ids=["not JSON", "a JSON array", "JSON null"],
)
async def test_a_registration_body_that_is_not_an_object_is_a_422(
    client: AsyncClient, db: AsyncEngine, body: str
) -> None:
    response = await client.post(
        "/users", content=body, headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 422)
    assert await user_count(db) == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"username": "abc"},
        {"username": "a" * 50},
        {"username": "A.b_c-9"},
        {"password": "eight-ch"},
    ],
    ids=[
        "username of 3 characters",
        "username of 50 characters",
        "username of every allowed kind of character",
        "password of 8 characters",
    ],
)
async def test_a_registration_at_the_limits_is_accepted(
    client: AsyncClient, db: AsyncEngine, overrides: dict[str, Any]
) -> None:
    body = registration(**overrides)

    user = await register(client, **overrides)

    assert user["username"] == body["username"]
    assert_user(user, await user_row(db, user["id"]))
    assert (await token_response(client, body["email"], body["password"])).status_code == 200


async def test_registration_cannot_make_an_admin(client: AsyncClient, db: AsyncEngine) -> None:
    user = await register(client)

    assert user["role"] == "customer"
    assert (await user_row(db, user["id"]))["role"] == "customer"
