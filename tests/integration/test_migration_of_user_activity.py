"""The revision that adds `users.is_active` and `users.token_version`: kept data, safe way back."""

import pytest
from alembic.util import CommandError
from sqlalchemy import URL, Connection, text

from shop.infrastructure.migrations import current_revision, downgrade
from tests.integration.test_migrations import CONFIG, on
from tests.plugins.databases import migrate

REVISION = "d1a4f6b8c0e2"
BEFORE = "c6d8e0f2a4b7"


def add_user(connection: Connection) -> None:
    connection.execute(
        text(
            "INSERT INTO users (email, username, hashed_password) "
            "VALUES ('ada@example.com', 'ada', 'h')"
        )
    )


def users(connection: Connection) -> list[tuple[object, ...]]:
    return [tuple(row) for row in connection.execute(text("SELECT * FROM users ORDER BY id"))]


async def test_existing_users_stay_active_at_token_version_0(empty_database_url: URL) -> None:
    await migrate(empty_database_url, BEFORE)
    await on(empty_database_url, add_user)

    await migrate(empty_database_url, REVISION)

    rows = await on(
        empty_database_url,
        lambda c: c.execute(text("SELECT is_active, token_version FROM users")).all(),
    )
    assert [tuple(row) for row in rows] == [(True, 0)]


async def test_the_way_back_refuses_while_a_user_is_deactivated_and_changes_nothing(
    empty_database_url: URL,
) -> None:
    await migrate(empty_database_url, REVISION)
    await on(empty_database_url, add_user)
    await on(empty_database_url, lambda c: c.execute(text("UPDATE users SET is_active = false")))
    before = await on(empty_database_url, users)

    with pytest.raises(CommandError, match="1 user\\(s\\) are deactivated"):
        await on(empty_database_url, lambda c: downgrade(c, CONFIG, BEFORE))

    assert await on(empty_database_url, current_revision) == REVISION
    assert await on(empty_database_url, users) == before


async def test_the_way_back_keeps_active_users(empty_database_url: URL) -> None:
    await migrate(empty_database_url, REVISION)
    await on(empty_database_url, add_user)

    await on(empty_database_url, lambda c: downgrade(c, CONFIG, BEFORE))

    assert await on(empty_database_url, current_revision) == BEFORE
    assert [row[1] for row in await on(empty_database_url, users)] == ["ada@example.com"]
