"""Databases on the test server: one template migrated once, and a fresh one for each test.

Copying the template (`CREATE DATABASE ... TEMPLATE`) is much cheaper than migrating each
time, and emptying a database a test is done with is cheaper still (a copy and a drop cost
about 400 ms here; emptying it, about 20 ms). So a test gets a database at the migration head
with no rows, either a new copy or one a previous test used and that was then emptied, and
only when nothing but rows had changed: same schema, same migration, no connection left. A
database in doubt is dropped. Tests never share a database at the same time, and every
pytest-xdist worker has its own.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import URL, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from shop.infrastructure.migrations import alembic_config, upgrade
from tests.plugins.settings import PROJECT_ROOT


async def execute_autocommit(server: URL, *statements: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def create_database(server: URL, prefix: str, template: str | None = None) -> URL:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    template_clause = f' TEMPLATE "{template}"' if template else ""
    await execute_autocommit(server, f'CREATE DATABASE "{name}"{template_clause}')
    return server.set(database=name)


async def drop_database(url: URL) -> None:
    server = url.set(database="postgres")
    await execute_autocommit(server, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


async def migrate(url: URL, revision: str = "head") -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                upgrade, alembic_config(PROJECT_ROOT / "alembic.ini"), revision
            )
    finally:
        await engine.dispose()


# What a database is, apart from its rows: relations and their columns, constraints, indexes,
# types, functions, triggers, the migration it is at. Equal fingerprints, equal schemas.
_SCHEMA_FINGERPRINT = """
WITH ours AS (
    SELECT oid FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%'
), parts AS (
    SELECT format('rel %s %s', c.oid::regclass, c.relkind) AS part
    FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ours)
    UNION ALL
    SELECT format('col %s %s %s %s %s', a.attrelid::regclass, a.attname,
                  format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON (d.adrelid, d.adnum) = (a.attrelid, a.attnum)
    WHERE c.relnamespace IN (SELECT oid FROM ours) AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ours)
    UNION ALL
    SELECT format('idx %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE c.relnamespace IN (SELECT oid FROM ours)
    UNION ALL
    SELECT format('enum %s %s', enumtypid::regtype, enumlabel) FROM pg_enum
    UNION ALL
    SELECT format('fn %s %s', p.oid::regprocedure, md5(p.prosrc))
    FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ours)
    UNION ALL
    SELECT format('trigger %s %s', tgrelid::regclass, tgname) FROM pg_trigger
    WHERE NOT tgisinternal
    UNION ALL
    SELECT format('at %s', version_num) FROM alembic_version
)
SELECT md5(string_agg(part, ' | ' ORDER BY part)) FROM parts
"""
_TABLES = """
SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND c.relname <> 'alembic_version' AND NOT c.relispartition
"""
_FOREIGN_KEYS = (
    "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
    "WHERE contype = 'f' AND conrelid <> confrelid"
)
_BUSY = "another connection"


@dataclass
class Template:
    """The database every test's database starts as: the migrations' head, with no rows."""

    name: str
    fingerprint: str
    tables: list[str]
    """Every table but alembic_version, each before the tables it refers to."""
    empty: bool
    """Whether those tables are all empty: only then may a used copy be emptied."""

    def reset_script(self) -> str:
        """One round trip that empties a used copy, or fails when more than rows changed.

        DELETE for the few rows most tests leave: several times quicker than TRUNCATE, which
        makes new files for every table and index; TRUNCATE when a test left thousands.
        """
        many = " OR ".join(f"EXISTS (SELECT FROM {table} OFFSET 1000)" for table in self.tables)
        deletes = "".join(f"        DELETE FROM {table};\n" for table in self.tables)  # noqa: S608
        # Table names from the catalogue and a hex digest: nothing here comes from outside.
        return f"""
DO $reset$
BEGIN
    PERFORM set_config('lock_timeout', '1s', true);  -- never wait behind a straggler
    IF EXISTS (SELECT FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()) THEN
        RAISE EXCEPTION '{_BUSY}';
    END IF;
    IF ({_SCHEMA_FINGERPRINT}) IS DISTINCT FROM '{self.fingerprint}' THEN
        RAISE EXCEPTION 'the schema changed';
    END IF;
    IF {many} THEN
        TRUNCATE {", ".join(self.tables)} CASCADE;
    ELSE
{deletes}    END IF;
    PERFORM setval((schemaname || '.' || sequencename)::regclass, start_value, false)
    FROM pg_sequences;
END
$reset$"""  # noqa: S608


def _referrers_first(tables: list[str], references: list[tuple[str, str]]) -> list[str]:
    """`tables` ordered so that a table comes before every table it refers to."""
    ordered: list[str] = []
    left = list(tables)
    while left:
        referred = {parent for child, parent in references if child in left}
        free = [table for table in left if table not in referred] or left[:1]
        ordered += free
        left = [table for table in left if table not in free]
    return ordered


async def _describe(url: URL) -> Template:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            fingerprint = str(await connection.scalar(text(_SCHEMA_FINGERPRINT)))
            tables = list((await connection.scalars(text(_TABLES))).all())
            references = [(r[0], r[1]) for r in await connection.execute(text(_FOREIGN_KEYS))]
            empty = True
            for table in tables:
                has_rows = f"SELECT EXISTS (SELECT FROM {table})"  # noqa: S608 - catalogue names
                empty = empty and not await connection.scalar(text(has_rows))
    finally:
        await engine.dispose()
    return Template(str(url.database), fingerprint, _referrers_first(tables, references), empty)


@dataclass
class DatabasePool:
    """Databases at the template's state, each lent to one test at a time."""

    server: URL
    template: Template
    free: list[URL] = field(default_factory=list)

    async def take(self) -> URL:
        if self.free:
            return self.free.pop()
        return await create_database(self.server, "shop_test", template=self.template.name)

    async def give_back(self, url: URL) -> None:
        """Empty the database for the next test, or drop it when more than rows changed."""
        if self.template.empty and await self._emptied(url):
            self.free.append(url)
        else:
            await drop_database(url)

    async def _emptied(self, url: URL, seconds: float = 0.5) -> bool:
        """Whether the reset went through; a backend may take a moment to leave after its
        client has closed, so a busy database is tried again for up to `seconds`."""
        engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + seconds
        try:
            async with engine.connect() as connection:
                while True:
                    try:
                        await connection.exec_driver_sql(self.template.reset_script())
                    except DBAPIError as error:
                        if _BUSY not in str(error) or time.monotonic() > deadline:
                            return False  # anything odd: the database is dropped, not reused
                        await asyncio.sleep(0.01)
                    else:
                        return True
        except Exception:
            return False
        finally:
            await engine.dispose()

    async def close(self) -> None:
        for url in self.free:
            await drop_database(url)
        self.free.clear()


@pytest.fixture(scope="session")
async def template_database(postgres_server: URL) -> AsyncIterator[str]:
    """A database migrated to head, the state every test's database starts in."""
    url = await create_database(postgres_server, "shop_template")
    await migrate(url)
    yield str(url.database)
    await drop_database(url)


@pytest.fixture(scope="session")
async def database_pool(
    postgres_server: URL, template_database: str
) -> AsyncIterator[DatabasePool]:
    template = await _describe(postgres_server.set(database=template_database))
    pool = DatabasePool(postgres_server, template)
    yield pool
    await pool.close()


@pytest.fixture
async def database_url(database_pool: DatabasePool) -> AsyncIterator[URL]:
    """A database at the migration head with no rows, for this test alone."""
    url = await database_pool.take()
    yield url
    await database_pool.give_back(url)


@pytest.fixture
async def empty_database_url(postgres_server: URL) -> AsyncIterator[URL]:
    """A fresh database with no schema at all, for the migration tests."""
    url = await create_database(postgres_server, "shop_empty")
    yield url
    await drop_database(url)


@pytest.fixture
async def db(database_url: URL) -> AsyncIterator[AsyncEngine]:
    """Direct access to the test's database, to check the rows behind the API's answers."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()
