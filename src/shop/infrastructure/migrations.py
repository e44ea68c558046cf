"""Alembic, driven from code: where the migrations are, their head, the database's revision."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.domain.readiness import Readiness
from shop.infrastructure.connection_health import is_connection_error

_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(configured: Path) -> Config:
    """The Alembic configuration at `configured`, else the one beside this source tree."""
    for candidate in (configured, _PROJECT_ROOT / "alembic.ini"):
        if candidate.is_file():
            return Config(str(candidate))
    raise FileNotFoundError(f"no Alembic configuration at {configured} (ALEMBIC_CONFIG)")


def head_revision(config: Config) -> str:
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("the migrations have no head revision")
    return head


def upgrade(connection: Connection, config: Config, revision: str = "head") -> None:
    """Migrate through an open connection (call it with `AsyncConnection.run_sync`)."""
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def downgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


class DatabaseReadinessProbe:
    """Asks the database for its schema revision and compares it with the code's head."""

    def __init__(self, engine: AsyncEngine, head: str) -> None:
        self._engine = engine
        self._head = head

    async def check(self) -> Readiness:
        try:
            async with self._engine.connect() as connection:
                revision = await connection.run_sync(current_revision)
        except Exception as error:
            if not is_connection_error(error):
                raise
            return Readiness(False, None, self._head)
        return Readiness(True, revision, self._head)
