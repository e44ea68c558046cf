"""What every test's service runs with, in-process or as a real process."""

from pathlib import Path
from typing import Any

from sqlalchemy import URL

from shop.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]

TEST_JWT_SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def service_fields(url: URL) -> dict[str, Any]:
    """The settings' fields, by name, for a service on the database at `url`."""
    return {
        "shop_env": "test",
        "database_url": url.render_as_string(hide_password=False),
        "jwt_secret": TEST_JWT_SECRET,
        # Argon2id all the same, at a cost that keeps hundreds of logins quick.
        "argon2_time_cost": 1,
        "argon2_memory_cost": 1024,
        # Races of a hundred buyers through one pool test the database, not overload: no
        # one is refused for the queue's length (the overload test sets its own limit).
        "db_queue_limit": 0,
    }


def settings_for(url: URL, **overrides: Any) -> Settings:
    fields = service_fields(url) | {"alembic_config": PROJECT_ROOT / "alembic.ini"}
    return Settings(_env_file=None, **(fields | overrides))  # type: ignore[call-arg]
