"""What the users tests share: registration bodies, a user on the wire and in its row.

Passwords here are long, odd phrases: the watch (tests/plugins/watch.py) fails a test if one
of them ever shows up in a response or a log line.
"""

import re
from datetime import datetime
from typing import Any

from httpx import AsyncClient, Response
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import rows, with_overrides
from tests.integration.problems import assert_problem, error_fields

USER_KEYS = {"id", "email", "username", "role", "is_active", "created_at"}


TOKEN_KEYS = {"access_token", "token_type", "expires_in"}


CAROL_PASSWORD = "carol-likes-long-walks-7"


NEW_PASSWORD = "a-brand-new-phrase-42"


WRONG_PASSWORD = "definitely-not-it-99"


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
