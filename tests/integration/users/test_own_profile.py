"""One's own record (GET and PATCH /users/me): renaming oneself and changing the password."""

from typing import TYPE_CHECKING, Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import MISSING
from tests.integration.problems import assert_problem, error_fields
from tests.integration.users.accounts import (
    NEW_PASSWORD,
    WRONG_PASSWORD,
    assert_unauthorized,
    assert_user,
    names,
    token_response,
    user_row,
    verifies,
)

if TYPE_CHECKING:
    from tests.plugins.users import Caller


@pytest.mark.parametrize("who", ["customer", "admin"])
async def test_me_is_the_caller_s_own_record(
    client: AsyncClient, db: AsyncEngine, everyone: dict[str, "Caller"], who: str
) -> None:
    caller = everyone[who]

    response = await client.get("/users/me", headers=caller.headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert_user(body, await user_row(db, caller.id))
    assert body["role"] == who
    assert body["email"] == caller.email


async def test_renaming_oneself_changes_the_username_everywhere(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    response = await client.patch(
        "/users/me", json={"username": "ada.lovelace"}, headers=customer.headers
    )

    assert response.status_code == 200, response.text
    row = await user_row(db, customer.id)
    assert row["username"] == "ada.lovelace"
    assert_user(response.json(), row)
    assert (await client.get("/users/me", headers=customer.headers)).json() == response.json()
    # The password is untouched.
    assert (await token_response(client, customer.email, customer.password)).status_code == 200


async def test_renaming_oneself_to_one_s_own_username_changes_nothing(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    response = await client.patch(
        "/users/me", json={"username": customer.username}, headers=customer.headers
    )

    assert response.status_code == 200, response.text
    assert (await user_row(db, customer.id))["username"] == customer.username


async def test_an_empty_patch_changes_nothing(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    before = await user_row(db, customer.id)

    response = await client.patch("/users/me", json={}, headers=customer.headers)

    assert response.status_code == 200, response.text
    assert await user_row(db, customer.id) == before
    assert_user(response.json(), before)


async def test_renaming_oneself_to_a_taken_username_is_a_409(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", other_customer: "Caller"
) -> None:
    response = await client.patch(
        "/users/me", json={"username": other_customer.username}, headers=customer.headers
    )

    assert_problem(response, 409)
    assert (await user_row(db, customer.id))["username"] == customer.username


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "a" * 51}, "username"),
        ({"username": "ada lovelace"}, "username"),
        ({"username": "ada!"}, "username"),
        ({"username": None}, "username"),
        ({"password": None, "current_password": "ada-password-1"}, "password"),
        ({"current_password": None}, "current_password"),
        ({"role": "admin"}, "role"),
        ({"email": "ada2@example.com"}, "email"),
    ],
    ids=[
        "username of 2 characters",
        "username of 51 characters",
        "username with a space",
        "username with !",
        "null username",
        "null password",
        "null current_password",
        "role",
        "email",
    ],
)
async def test_an_invalid_profile_change_is_a_422_and_changes_nothing(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", body: dict[str, Any], field: str
) -> None:
    before = await user_row(db, customer.id)

    response = await client.patch("/users/me", json=body, headers=customer.headers)

    problem = assert_problem(response, 422)
    assert names(problem, field)
    assert await user_row(db, customer.id) == before


@pytest.mark.parametrize(
    ("current_password", "status"),
    [(MISSING, 422), (WRONG_PASSWORD, 403), ("", 403)],
    ids=["without the current password", "with a wrong one", "with an empty one"],
)
async def test_changing_the_password_needs_the_current_one(
    client: AsyncClient, db: AsyncEngine, customer: "Caller", current_password: object, status: int
) -> None:
    before = await user_row(db, customer.id)
    body: dict[str, Any] = {"password": NEW_PASSWORD}
    if current_password is not MISSING:
        body["current_password"] = current_password

    response = await client.patch("/users/me", json=body, headers=customer.headers)

    problem = assert_problem(response, status)
    assert "current_password" in (error_fields(problem) if status == 422 else problem["detail"])
    assert await user_row(db, customer.id) == before
    assert (await token_response(client, customer.email, customer.password)).status_code == 200
    assert_unauthorized(await token_response(client, customer.email, NEW_PASSWORD))


async def test_a_new_password_shorter_than_8_characters_is_a_422(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    before = await user_row(db, customer.id)

    response = await client.patch(
        "/users/me",
        json={"password": "seven77", "current_password": customer.password},
        headers=customer.headers,
    )

    problem = assert_problem(response, 422)
    assert "password" in error_fields(problem)
    assert await user_row(db, customer.id) == before


async def test_changing_the_password_with_the_current_one_replaces_it(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    response = await client.patch(
        "/users/me",
        json={"password": NEW_PASSWORD, "current_password": customer.password},
        headers=customer.headers,
    )

    assert response.status_code == 200, response.text
    assert_user(response.json(), await user_row(db, customer.id))
    stored = (await user_row(db, customer.id))["hashed_password"]
    assert stored.startswith("$argon2id$")
    assert verifies(NEW_PASSWORD, stored)
    assert (await token_response(client, customer.email, NEW_PASSWORD)).status_code == 200
    assert_unauthorized(await token_response(client, customer.email, customer.password))


async def test_renaming_and_changing_the_password_at_once_does_both(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    response = await client.patch(
        "/users/me",
        json={
            "username": "countess",
            "password": NEW_PASSWORD,
            "current_password": customer.password,
        },
        headers=customer.headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["username"] == "countess"
    assert (await user_row(db, customer.id))["username"] == "countess"
    assert (await token_response(client, customer.email, NEW_PASSWORD)).status_code == 200


async def test_a_rename_to_a_taken_username_does_not_change_the_password_either(
    client: AsyncClient, customer: "Caller", other_customer: "Caller"
) -> None:
    response = await client.patch(
        "/users/me",
        json={
            "username": other_customer.username,
            "password": NEW_PASSWORD,
            "current_password": customer.password,
        },
        headers=customer.headers,
    )

    assert_problem(response, 409)
    assert (await token_response(client, customer.email, customer.password)).status_code == 200
    assert_unauthorized(await token_response(client, customer.email, NEW_PASSWORD))
