"""Logging in (POST /auth/token): a bearer token for the right password, one 401 for every
wrong guess, and hashes made with older Argon2 parameters renewed on the way.
"""

from typing import TYPE_CHECKING

import jwt
import pytest
from httpx import AsyncClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.problems import assert_problem, error_fields
from tests.integration.users.accounts import (
    TOKEN_KEYS,
    WRONG_PASSWORD,
    assert_unauthorized,
    set_password_hash,
    token_response,
    user_row,
    verifies,
)
from tests.plugins.settings import TEST_JWT_SECRET

if TYPE_CHECKING:
    from tests.plugins.users import Caller


async def test_logging_in_answers_a_bearer_token_for_that_user(
    client: AsyncClient, customer: "Caller"
) -> None:
    response = await token_response(client, customer.email, customer.password)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body.keys() == TOKEN_KEYS
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 0
    claims = jwt.decode(body["access_token"], TEST_JWT_SECRET, algorithms=["HS256"], issuer="shop")
    assert claims["sub"] == str(customer.id)
    assert claims["exp"] - claims["iat"] == body["expires_in"]


async def test_the_token_from_logging_in_authenticates_its_user(
    client: AsyncClient, customer: "Caller"
) -> None:
    token = (await token_response(client, customer.email, customer.password)).json()

    response = await client.get(
        "/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["id"] == customer.id


async def test_an_unknown_email_and_a_wrong_password_get_the_same_401(
    client: AsyncClient, customer: "Caller"
) -> None:
    unknown = await token_response(client, "nobody@example.com", customer.password)
    wrong = await token_response(client, customer.email, WRONG_PASSWORD)

    unknown_problem = assert_unauthorized(unknown)
    wrong_problem = assert_unauthorized(wrong)
    assert unknown_problem == wrong_problem
    assert unknown.headers["www-authenticate"] == wrong.headers["www-authenticate"]
    assert "access_token" not in unknown_problem


@pytest.mark.parametrize(
    "username",
    ["not-an-email", "ada@", "@example.com"],
    ids=["no @", "no domain", "no local part"],
)
async def test_logging_in_with_something_that_is_not_an_email_is_the_same_401(
    client: AsyncClient, customer: "Caller", username: str
) -> None:
    reference = assert_unauthorized(await token_response(client, customer.email, WRONG_PASSWORD))

    response = await token_response(client, username, customer.password)

    assert assert_unauthorized(response) == reference


@pytest.mark.parametrize(
    "email",
    ["ADA@EXAMPLE.COM", "Ada@Example.com", "ada@EXAMPLE.com"],
    ids=["upper case", "capitalised", "upper-case domain"],
)
async def test_logging_in_matches_the_email_in_any_letter_case(
    client: AsyncClient, customer: "Caller", email: str
) -> None:
    response = await token_response(client, email, customer.password)

    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == customer.id


async def test_the_password_is_matched_exactly(client: AsyncClient, customer: "Caller") -> None:
    response = await token_response(client, customer.email, customer.password.upper())

    assert_unauthorized(response)


@pytest.mark.parametrize(
    "form",
    [
        {"password": "ada-password-1"},
        {"username": "ada@example.com"},
        {},
    ],
    ids=["missing username", "missing password", "empty form"],
)
async def test_a_token_request_missing_a_form_field_is_a_422(
    client: AsyncClient, form: dict[str, str]
) -> None:
    response = await client.post("/auth/token", data=form)

    problem = assert_problem(response, 422)
    assert {"username", "password"} - form.keys() <= error_fields(problem)


async def test_a_token_request_sent_as_json_instead_of_a_form_is_a_415(
    client: AsyncClient, customer: "Caller"
) -> None:
    response = await client.post(
        "/auth/token", json={"username": customer.email, "password": customer.password}
    )

    assert_problem(response, 415)


OLD_PARAMETERS_HASHER = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=2048),))


async def test_logging_in_renews_a_hash_made_with_older_argon2_parameters(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    old_hash = OLD_PARAMETERS_HASHER.hash(customer.password)
    await set_password_hash(db, customer.id, old_hash)

    response = await token_response(client, customer.email, customer.password)

    assert response.status_code == 200, response.text
    new_hash = (await user_row(db, customer.id))["hashed_password"]
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert "m=2048,t=2" not in new_hash
    assert verifies(customer.password, new_hash)
    # The renewed hash is current: the next login keeps it.
    assert (await token_response(client, customer.email, customer.password)).status_code == 200
    assert (await user_row(db, customer.id))["hashed_password"] == new_hash


async def test_a_failed_login_leaves_an_outdated_hash_alone(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    old_hash = OLD_PARAMETERS_HASHER.hash(customer.password)
    await set_password_hash(db, customer.id, old_hash)

    response = await token_response(client, customer.email, WRONG_PASSWORD)

    assert_unauthorized(response)
    assert (await user_row(db, customer.id))["hashed_password"] == old_hash


async def test_a_current_hash_is_not_rewritten_on_login(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    before = (await user_row(db, customer.id))["hashed_password"]

    assert (await token_response(client, customer.email, customer.password)).status_code == 200

    assert (await user_row(db, customer.id))["hashed_password"] == before
