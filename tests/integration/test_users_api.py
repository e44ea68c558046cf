"""Registration, logging in, one's own profile and (for admins) everyone's, over HTTP.

Every answer is checked against the `users` rows behind it. Passwords here are long, odd
phrases: the conftest hooks fail a test if one of them ever shows up in a response or a log line.
"""

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from httpx import AsyncClient, Response
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import MISSING, cursor_of, rows, walk_pages, with_overrides
from tests.integration.problems import assert_problem, error_fields
from tests.plugins.settings import TEST_JWT_SECRET
from tests.plugins.users import log_in

if TYPE_CHECKING:
    from tests.plugins.users import Caller

USER_KEYS = {"id", "email", "username", "role", "created_at"}
TOKEN_KEYS = {"access_token", "token_type", "expires_in"}
DB_INT_MAX = 2_147_483_647

CAROL_PASSWORD = "carol-likes-long-walks-7"
NEW_PASSWORD = "a-brand-new-phrase-42"
WRONG_PASSWORD = "definitely-not-it-99"


# --- helpers -----------------------------------------------------------------------------------


def registration(**overrides: Any) -> dict[str, Any]:
    """A valid POST /users body; `overrides` replace fields, MISSING leaves one out."""
    body = {"email": "carol@example.com", "username": "carol", "password": CAROL_PASSWORD}
    return with_overrides(body, **overrides)


async def register(client: AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/users", json=registration(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def token_response(client: AsyncClient, email: str, password: str) -> Response:
    return await client.post("/auth/token", data={"username": email, "password": password})


async def user_row(db: AsyncEngine, user_id: int) -> dict[str, Any]:
    (row,) = await rows(db, "SELECT * FROM users WHERE id = :id", id=user_id)
    return row


async def user_count(db: AsyncEngine) -> int:
    (row,) = await rows(db, "SELECT count(*) AS n FROM users")
    return int(row["n"])


async def set_password_hash(db: AsyncEngine, user_id: int, password_hash: str) -> None:
    async with db.begin() as connection:
        await connection.execute(
            text("UPDATE users SET hashed_password = :h WHERE id = :id"),
            {"h": password_hash, "id": user_id},
        )


def assert_unauthorized(response: Response) -> dict[str, Any]:
    problem = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    return problem


def names(problem: dict[str, Any], field: str) -> bool:
    """Whether a 422's errors point at `field`, by location or (for whole-body rules) message."""
    return field in error_fields(problem) or any(field in e["msg"] for e in problem["errors"])


def assert_user(body: dict[str, Any], row: dict[str, Any]) -> None:
    """A user on the wire: exactly the public fields, equal to the row's."""
    assert body.keys() == USER_KEYS
    assert body["id"] == row["id"]
    assert body["email"] == row["email"]
    assert body["username"] == row["username"]
    assert body["role"] == row["role"]
    created_at = datetime.fromisoformat(body["created_at"])
    assert created_at.utcoffset() is not None
    assert created_at == row["created_at"]


def verifies(password: str, password_hash: str) -> bool:
    return bool(PasswordHash((Argon2Hasher(),)).verify(password, password_hash))


def without_id(problem: dict[str, Any], user_id: int) -> dict[str, Any]:
    """A problem with the user id it names blanked out, to compare shapes across ids."""
    return {
        key: re.sub(rf"\b{user_id}\b", "{id}", value) if isinstance(value, str) else value
        for key, value in problem.items()
    }


@pytest.fixture
def everyone(admin: "Caller", customer: "Caller", other_customer: "Caller") -> dict[str, "Caller"]:
    """The fixture users by fixture name, for tests parametrized over who calls."""
    return {"admin": admin, "customer": customer, "other_customer": other_customer}


# --- POST /users -------------------------------------------------------------------------------


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


# --- POST /auth/token --------------------------------------------------------------------------


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


async def test_a_token_request_sent_as_json_instead_of_a_form_is_a_422(
    client: AsyncClient, customer: "Caller"
) -> None:
    response = await client.post(
        "/auth/token", json={"username": customer.email, "password": customer.password}
    )

    assert_problem(response, 422)


# --- password hashes renewed on login ----------------------------------------------------------


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


# --- GET /users/me -----------------------------------------------------------------------------


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


# --- PATCH /users/me ---------------------------------------------------------------------------


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


# --- GET /users --------------------------------------------------------------------------------


async def add_users(db: AsyncEngine, count: int) -> None:
    """`count` more customers, straight into the table (no one logs in as them)."""
    async with db.begin() as connection:
        for n in range(count):
            await connection.execute(
                text(
                    "INSERT INTO users (email, username, hashed_password) "
                    "VALUES (:email, :username, 'not-a-real-hash')"
                ),
                {"email": f"user{n}@example.com", "username": f"user{n}"},
            )


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8, 100])
async def test_an_admin_walks_every_user_exactly_once_in_id_order(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller", limit: int
) -> None:
    await add_users(db, 6)  # 8 users in all

    pages = await walk_pages(client, "/users", admin.headers, limit=limit)

    expected = await rows(db, "SELECT * FROM users ORDER BY id")
    listed = [user for page in pages for user in page]
    assert [user["id"] for user in listed] == [row["id"] for row in expected]
    for body, row in zip(listed, expected, strict=True):
        assert_user(body, row)
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit
    assert len(pages) == -(-len(expected) // limit)


async def test_the_users_list_pages_20_by_default(
    client: AsyncClient, db: AsyncEngine, admin: "Caller"
) -> None:
    await add_users(db, 24)  # 25 users in all

    first = await client.get("/users", headers=admin.headers)

    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 20
    assert page["next_cursor"]
    second = await client.get(
        "/users", params={"cursor": page["next_cursor"]}, headers=admin.headers
    )
    assert len(second.json()["items"]) == 5
    assert second.json()["next_cursor"] is None


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", ""])
async def test_a_users_page_size_outside_1_to_100_is_a_422(
    client: AsyncClient, admin: "Caller", limit: str
) -> None:
    response = await client.get("/users", params={"limit": limit}, headers=admin.headers)

    problem = assert_problem(response, 422)
    assert "limit" in error_fields(problem)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!not-base64!!!",
        "",
        cursor_of("users"),
        cursor_of({"users": 1}),
        cursor_of(["users"]),
        cursor_of(["users", 1, 2]),
        cursor_of(["users", "1"]),
        cursor_of(["users", True]),
        cursor_of(["users", 1.5]),
        cursor_of(["users", None]),
        cursor_of(["id", 1]),
        cursor_of(["users", DB_INT_MAX + 1]),
        cursor_of(["users", -(2**63) - 1]),
        "x" * 513,
    ],
    ids=[
        "not base64 JSON",
        "not base64 at all",
        "empty",
        "a bare string",
        "an object",
        "no key",
        "a key too long",
        "an id as a string",
        "an id that is a boolean",
        "an id that is a fraction",
        "an id that is null",
        "a products cursor",
        "an id beyond the integer column",
        "an id beyond 64 bits",
        "513 characters",
    ],
)
async def test_a_malformed_users_cursor_is_a_422_not_a_500(
    client: AsyncClient, admin: "Caller", cursor: str
) -> None:
    response = await client.get("/users", params={"cursor": cursor}, headers=admin.headers)

    problem = assert_problem(response, 422)
    assert "cursor" in error_fields(problem)


# --- GET /users/{id} ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["admin", "customer", "other_customer"])
async def test_an_admin_reads_any_user(
    client: AsyncClient,
    db: AsyncEngine,
    everyone: dict[str, "Caller"],
    target: str,
) -> None:
    admin, user = everyone["admin"], everyone[target]

    response = await client.get(f"/users/{user.id}", headers=admin.headers)

    assert response.status_code == 200, response.text
    assert_user(response.json(), await user_row(db, user.id))


async def test_a_customer_reads_their_own_record(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    response = await client.get(f"/users/{customer.id}", headers=customer.headers)

    assert response.status_code == 200, response.text
    assert_user(response.json(), await user_row(db, customer.id))
    assert response.json() == (await client.get("/users/me", headers=customer.headers)).json()


@pytest.mark.parametrize("target", ["other_customer", "admin"])
async def test_another_user_s_record_is_a_404_indistinguishable_from_a_missing_one(
    client: AsyncClient,
    db: AsyncEngine,
    everyone: dict[str, "Caller"],
    target: str,
) -> None:
    customer, other = everyone["customer"], everyone[target]
    (last,) = await rows(db, "SELECT max(id) AS id FROM users")
    missing_id = last["id"] + 1000

    hidden = await client.get(f"/users/{other.id}", headers=customer.headers)
    missing = await client.get(f"/users/{missing_id}", headers=customer.headers)

    hidden_problem = assert_problem(hidden, 404)
    missing_problem = assert_problem(missing, 404)
    assert without_id(hidden_problem, other.id) == without_id(missing_problem, missing_id)
    assert hidden.headers["content-type"] == missing.headers["content-type"]
    assert other.email not in hidden.text
    assert other.username not in hidden.text


async def test_an_admin_asking_for_a_missing_user_gets_a_404(
    client: AsyncClient, admin: "Caller"
) -> None:
    response = await client.get("/users/999999", headers=admin.headers)

    assert_problem(response, 404)


@pytest.mark.parametrize(
    "user_id",
    ["0", "-1", "abc", "1.5", str(DB_INT_MAX + 1)],
    ids=["zero", "negative", "not a number", "a fraction", "beyond the integer column"],
)
async def test_a_user_id_that_cannot_exist_is_a_422(
    client: AsyncClient, admin: "Caller", user_id: str
) -> None:
    response = await client.get(f"/users/{user_id}", headers=admin.headers)

    problem = assert_problem(response, 422)
    assert "user_id" in error_fields(problem)
