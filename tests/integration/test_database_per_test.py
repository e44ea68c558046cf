"""Each test gets a database of its own at the migration head with no rows, whatever the test
before it did there (tests/plugins/databases.py). The tests run in file order: each pair is a
test that leaves something behind and one that must not see it.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.helpers import rows


async def row_counts(db: AsyncEngine) -> dict[str, int]:
    tables = await rows(
        db,
        "SELECT relname FROM pg_class WHERE relkind = 'r' "
        "AND relnamespace = 'public'::regnamespace AND relname <> 'alembic_version'",
    )
    counts = {}
    for table in tables:
        name = table["relname"]
        (row,) = await rows(db, f'SELECT count(*) AS n FROM "{name}"')  # noqa: S608 - catalogue
        counts[name] = row["n"]
    return counts


async def test_a_test_may_leave_rows_behind(db: AsyncEngine) -> None:
    async with db.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO products (name, price, quantity) VALUES ('Left', 1, 1), ('Over', 2, 2)"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO users (email, username, hashed_password) "
                "VALUES ('left@example.com', 'left', 'not-a-hash')"
            )
        )
    assert set((await row_counts(db)).values()) >= {1, 2}


async def test_the_next_test_sees_no_rows_and_ids_start_again_at_1(db: AsyncEngine) -> None:
    assert set((await row_counts(db)).values()) == {0}
    async with db.begin() as connection:
        new_id = await connection.scalar(
            text("INSERT INTO products (name, price, quantity) VALUES ('New', 1, 1) RETURNING id")
        )
    assert new_id == 1
    (at,) = await rows(db, "SELECT version_num FROM alembic_version")
    assert at["version_num"]


async def test_a_test_may_change_the_schema(db: AsyncEngine) -> None:
    async with db.begin() as connection:
        await connection.execute(text("ALTER TABLE products ADD COLUMN left_behind integer"))
        await connection.execute(text("CREATE TABLE stray (n integer)"))


async def test_the_next_test_sees_the_schema_the_migrations_made(db: AsyncEngine) -> None:
    columns = await rows(
        db,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'products'",
    )
    tables = await rows(
        db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    assert "left_behind" not in {c["column_name"] for c in columns}
    assert "stray" not in {t["table_name"] for t in tables}
    assert set((await row_counts(db)).values()) == {0}
