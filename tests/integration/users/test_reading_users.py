"""Reading users (GET /users, GET /users/{id}): an admin reads everyone, a customer only
themself, and another user's record is a 404 like a missing one.
"""

from typing import TYPE_CHECKING

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import DB_INT_MAX, cursor_of, rows, walk_pages
from tests.integration.problems import assert_problem, error_fields
from tests.integration.users.accounts import assert_user, user_row, without_id

if TYPE_CHECKING:
    from tests.plugins.users import Caller


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
