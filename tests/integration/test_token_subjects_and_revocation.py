"""Which tokens speak for a user: only the subject the service writes, and only until the
user's password changes or an administrator deactivates them (API.md, "Users")."""

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import create_product
from tests.integration.problems import assert_problem
from tests.integration.statements import counting_statements
from tests.plugins.settings import TEST_JWT_SECRET
from tests.plugins.users import log_in

if TYPE_CHECKING:
    from shop.container import Container
    from tests.plugins.users import Caller


def token_with(**claims: Any) -> dict[str, str]:
    issued = datetime.now(UTC)
    body = {"iss": "shop", "iat": issued, "exp": issued + timedelta(hours=1), **claims}
    return {"Authorization": f"Bearer {jwt.encode(body, TEST_JWT_SECRET, algorithm='HS256')}"}


async def assert_refused(client: AsyncClient, headers: dict[str, str]) -> None:
    response = await client.get("/users/me", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


async def user_row(db: AsyncEngine, user_id: int) -> dict[str, Any]:
    async with db.connect() as connection:
        result = await connection.execute(
            text("SELECT is_active, token_version FROM users WHERE id = :id"), {"id": user_id}
        )
        return dict(result.mappings().one())


# --- the subject -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        "99999999999999999999",
        "2147483648",
        "\u0661",
        "\u0967",
        " 1",
        "1 ",
        "+1",
        "-1",
        "01",
        "0",
        "1_0",
        "1.0",
        "",
        "\uff11",
    ],
    ids=[
        "past the bigint range",
        "past the id range",
        "arabic-indic one",
        "devanagari one",
        "leading space",
        "trailing space",
        "plus sign",
        "negative",
        "leading zero",
        "zero",
        "underscore",
        "decimal point",
        "empty",
        "fullwidth one",
    ],
)
async def test_a_signed_token_with_a_non_canonical_subject_is_a_401(
    client: AsyncClient, customer: "Caller", subject: str
) -> None:
    await assert_refused(client, token_with(sub=subject))


@pytest.mark.parametrize("subject", [1, None, ["1"]], ids=["number", "null", "list"])
async def test_a_signed_token_whose_subject_is_not_a_string_is_a_401(
    client: AsyncClient, customer: "Caller", subject: object
) -> None:
    await assert_refused(client, token_with(sub=subject))


@pytest.mark.parametrize("version", ["0", True, 1.0, None], ids=["string", "bool", "float", "null"])
async def test_a_signed_token_with_a_malformed_version_is_a_401(
    client: AsyncClient, customer: "Caller", version: object
) -> None:
    await assert_refused(client, token_with(sub=str(customer.id), ver=version))


async def test_the_largest_id_is_a_valid_subject_of_nobody(client: AsyncClient) -> None:
    await assert_refused(client, token_with(sub="2147483647"))


async def test_the_canonical_subject_is_accepted(client: AsyncClient, customer: "Caller") -> None:
    response = await client.get("/users/me", headers=token_with(sub=str(customer.id), ver=0))

    assert response.status_code == 200, response.text
    assert response.json()["id"] == customer.id


async def test_checking_a_token_costs_only_the_lookup_of_its_user(
    container: "Container", client: AsyncClient, customer: "Caller"
) -> None:
    async with counting_statements(container) as sent:
        response = await client.get("/users/me", headers=customer.headers)

    assert response.status_code == 200
    assert len(sent) == 1, sent


# --- a password change -------------------------------------------------------------------------


async def change_password(client: AsyncClient, caller: "Caller", new_password: str) -> None:
    body = {"password": new_password, "current_password": caller.password}
    response = await client.patch("/users/me", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text


async def test_a_password_change_ends_every_token_issued_before_it(
    client: AsyncClient, db: AsyncEngine, customer: "Caller"
) -> None:
    second_token = await log_in(client, customer.email, customer.password)

    await change_password(client, customer, "a-brand-new-password")

    await assert_refused(client, customer.headers)
    await assert_refused(client, second_token)
    assert (await user_row(db, customer.id))["token_version"] == 1
    fresh = await log_in(client, customer.email, "a-brand-new-password")
    assert (await client.get("/users/me", headers=fresh)).status_code == 200


async def test_a_password_change_leaves_other_users_tokens_alone(
    client: AsyncClient, customer: "Caller", other_customer: "Caller"
) -> None:
    await change_password(client, customer, "a-brand-new-password")

    response = await client.get("/users/me", headers=other_customer.headers)
    assert response.status_code == 200, response.text


async def test_a_rename_keeps_the_tokens(client: AsyncClient, customer: "Caller") -> None:
    renamed = await client.patch(
        "/users/me", json={"username": "ada-lovelace"}, headers=customer.headers
    )
    assert renamed.status_code == 200, renamed.text

    response = await client.get("/users/me", headers=customer.headers)
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "ada-lovelace"


# --- deactivation by an administrator ----------------------------------------------------------


async def set_active(
    client: AsyncClient, admin: "Caller", user_id: int, active: bool
) -> dict[str, Any]:
    response = await client.patch(
        f"/users/{user_id}", json={"is_active": active}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_deactivation_ends_the_users_tokens_and_keeps_their_orders(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    product = await create_product(client, admin, "Kettle", price="20.00", quantity=3)
    order = await client.post(
        "/orders",
        json={"items": [{"product_id": product["id"], "quantity": 1}]},
        headers=customer.headers,
    )
    assert order.status_code == 201, order.text

    body = await set_active(client, admin, customer.id, False)

    assert body["id"] == customer.id
    assert body["is_active"] is False
    await assert_refused(client, customer.headers)
    assert await user_row(db, customer.id) == {"is_active": False, "token_version": 1}
    seen_by_admin = await client.get(f"/orders/{order.json()['id']}", headers=admin.headers)
    assert seen_by_admin.status_code == 200
    assert seen_by_admin.json()["user_id"] == customer.id


async def test_a_deactivated_user_is_refused_at_login_as_a_wrong_password_is(
    client: AsyncClient, admin: "Caller", customer: "Caller"
) -> None:
    wrong = await client.post(
        "/auth/token", data={"username": customer.email, "password": "not-the-password"}
    )
    await set_active(client, admin, customer.id, False)

    right = await client.post(
        "/auth/token", data={"username": customer.email, "password": customer.password}
    )

    assert_problem(right, 401)
    assert right.json() == wrong.json()


async def test_reactivation_allows_logging_in_again_but_not_the_old_tokens(
    client: AsyncClient, admin: "Caller", customer: "Caller"
) -> None:
    await set_active(client, admin, customer.id, False)

    body = await set_active(client, admin, customer.id, True)

    assert body["is_active"] is True
    await assert_refused(client, customer.headers)
    fresh = await log_in(client, customer.email, customer.password)
    assert (await client.get("/users/me", headers=fresh)).status_code == 200


async def test_an_admin_changes_a_users_role(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller"
) -> None:
    response = await client.patch(
        f"/users/{customer.id}", json={"role": "admin"}, headers=admin.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    listed = await client.get("/users", headers=customer.headers)
    assert listed.status_code == 200, listed.text


async def test_an_admin_cannot_deactivate_or_demote_themself(
    client: AsyncClient, db: AsyncEngine, admin: "Caller"
) -> None:
    for body in ({"is_active": False}, {"role": "customer"}):
        response = await client.patch(f"/users/{admin.id}", json=body, headers=admin.headers)
        assert_problem(response, 403)
    assert await user_row(db, admin.id) == {"is_active": True, "token_version": 0}


async def test_administering_a_user_who_does_not_exist_is_a_404(
    client: AsyncClient, admin: "Caller"
) -> None:
    response = await client.patch(
        "/users/2147483647", json={"is_active": False}, headers=admin.headers
    )
    assert_problem(response, 404)


@pytest.mark.parametrize(
    "body",
    [
        {"is_active": None},
        {"is_active": "maybe"},
        {"is_active": 0},
        {"role": "owner"},
        {"email": "x@example.com"},
    ],
    ids=["null", "not a boolean", "a number", "unknown role", "unknown field"],
)
async def test_an_invalid_administration_is_a_422_that_changes_nothing(
    client: AsyncClient, db: AsyncEngine, admin: "Caller", customer: "Caller", body: dict[str, Any]
) -> None:
    response = await client.patch(f"/users/{customer.id}", json=body, headers=admin.headers)

    assert_problem(response, 422)
    assert await user_row(db, customer.id) == {"is_active": True, "token_version": 0}
