"""`shop create-admin`: the first administrator, made from the command line."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.plugins.processes import server_environment

pytestmark = pytest.mark.slow  # real processes

SHOP = str(Path(sys.executable).parent / "shop")


def create_admin(url: URL, email: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = server_environment(url, **env)
    if "SHOP_ADMIN_PASSWORD" not in env:
        environment.pop("SHOP_ADMIN_PASSWORD", None)
    return subprocess.run(  # noqa: S603 - the project's own command
        [SHOP, "create-admin", "--email", email],
        env=environment,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


async def admins(db: AsyncEngine) -> list[tuple[str, str, str, str]]:
    async with db.connect() as connection:
        rows = await connection.execute(
            text("SELECT email, username, role, hashed_password FROM users ORDER BY id")
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_create_admin_makes_an_administrator_with_a_hashed_password(
    database_url: URL, db: AsyncEngine
) -> None:
    result = create_admin(database_url, "Root@Example.com", SHOP_ADMIN_PASSWORD="root-password-1")

    assert result.returncode == 0, result.stderr
    assert "created administrator root@example.com" in result.stdout
    [(email, username, role, hashed)] = await admins(db)
    assert (email, username, role) == ("root@example.com", "Root", "admin")
    assert hashed.startswith("$argon2id$")
    assert "root-password-1" not in result.stdout + result.stderr


async def test_running_it_twice_for_one_email_says_so_and_changes_nothing(
    database_url: URL, db: AsyncEngine
) -> None:
    create_admin(database_url, "root@example.com", SHOP_ADMIN_PASSWORD="root-password-1")
    before = await admins(db)

    again = create_admin(database_url, "ROOT@example.com", SHOP_ADMIN_PASSWORD="other-password-2")

    assert again.returncode == 1
    assert again.stderr.strip() == (
        "shop: a user with the e-mail address ROOT@example.com already exists; nothing changed"
    )
    assert await admins(db) == before


async def test_with_no_password_and_no_terminal_it_says_where_the_password_comes_from(
    database_url: URL, db: AsyncEngine
) -> None:
    result = create_admin(database_url, "root@example.com")

    assert result.returncode == 2
    assert "SHOP_ADMIN_PASSWORD" in result.stderr
    assert await admins(db) == []


async def test_a_short_password_is_refused_in_one_line(database_url: URL, db: AsyncEngine) -> None:
    result = create_admin(database_url, "root@example.com", SHOP_ADMIN_PASSWORD="short")

    assert result.returncode == 2
    assert result.stderr.strip().startswith("shop: A password is 8 to 256 characters")
    assert "Traceback" not in result.stderr
    assert await admins(db) == []
