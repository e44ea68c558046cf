"""The Alembic history: one head, up and down step by step, no drift, data kept."""

import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shop.infrastructure.migrations import alembic_config, current_revision, downgrade, upgrade
from shop.infrastructure.tables import metadata
from tests.plugins.databases import migrate
from tests.plugins.settings import PROJECT_ROOT

CONFIG = alembic_config(PROJECT_ROOT / "alembic.ini")
SCRIPTS = ScriptDirectory.from_config(CONFIG)
SEED_HEAD = "b7e3c9d1f432"  # the seed's third migration: orders as (user, product, quantity)


def history() -> list[str]:
    """Every revision from the first to the head."""
    return [script.revision for script in reversed(list(SCRIPTS.walk_revisions()))]


async def on(url: URL, work: Callable[[Connection], Any]) -> Any:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def test_the_history_has_a_single_head() -> None:
    assert len(SCRIPTS.get_heads()) == 1


def test_the_history_replays_the_seed_first() -> None:
    assert history()[:3] == ["5c1e0a3f2b10", "8d2f4b6a9c21", SEED_HEAD]


def test_every_migration_has_a_downgrade_that_does_something() -> None:
    for script in SCRIPTS.walk_revisions():
        source = Path(script.path).read_text()
        body = source.split("def downgrade() -> None:", 1)[1]
        assert "op." in body, f"{script.revision} has an empty downgrade"


async def test_upgrading_an_empty_database_leaves_no_drift_from_the_models(
    empty_database_url: URL,
) -> None:
    await migrate(empty_database_url)

    def drift(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    assert await on(empty_database_url, drift) == []
    assert await on(empty_database_url, current_revision) == SCRIPTS.get_current_head()


async def test_downgrading_step_by_step_to_base_and_up_again(empty_database_url: URL) -> None:
    await migrate(empty_database_url)
    revisions = history()
    for expected in [*reversed(revisions[:-1]), None]:
        await on(empty_database_url, lambda c: downgrade(c, CONFIG, "-1"))
        assert await on(empty_database_url, current_revision) == expected

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}

    assert await on(empty_database_url, tables) == set()
    for expected in revisions:
        await on(empty_database_url, lambda c: upgrade(c, CONFIG, "+1"))
        assert await on(empty_database_url, current_revision) == expected


SEED_ORDERS = [(1, 1, 2, 2), (2, 2, 1, 1), (3, 1, 1, 5)]  # id, user, product, quantity


async def fill_the_seed_tables(url: URL) -> None:
    await migrate(url, SEED_HEAD)

    def seed(connection: Connection) -> None:
        connection.execute(
            text(
                "INSERT INTO products (id, name, description, price, quantity) VALUES "
                "(1, 'Kettle', NULL, 19.999, 3), (2, 'Mug', 'blue', 4.5, 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO users (id, email, username, hashed_password, created_at) VALUES "
                "(1, 'ada@example.com', 'ada', 'x', '2024-03-01 12:00:00'), "
                "(2, 'bob@example.com', 'bob', 'x', NULL)"
            )
        )
        for order in SEED_ORDERS:
            connection.execute(
                text(
                    "INSERT INTO orders (id, user_id, product_id, quantity) VALUES (:i, :u, :p, :q)"
                ),
                dict(zip("iupq", order, strict=True)),
            )

    await on(url, seed)


def seed_orders(connection: Connection) -> list[tuple[Any, ...]]:
    query = "SELECT id, user_id, product_id, quantity FROM orders ORDER BY id"
    return [tuple(row) for row in connection.execute(text(query))]


def orders_with_lines(connection: Connection) -> list[tuple[Any, ...]]:
    query = """
        SELECT o.id, o.user_id, o.status, o.total,
               array_agg(ARRAY[i.product_id, i.quantity] ORDER BY i.id),
               array_agg(i.unit_price ORDER BY i.id)
        FROM orders o JOIN order_items i ON i.order_id = o.id
        GROUP BY o.id ORDER BY o.id
    """
    return [tuple(row) for row in connection.execute(text(query))]


async def test_seed_data_survives_the_upgrade_and_the_way_back(empty_database_url: URL) -> None:
    await fill_the_seed_tables(empty_database_url)
    await migrate(empty_database_url)

    def products_and_users(connection: Connection) -> tuple[Any, ...]:
        prices = connection.execute(text("SELECT id, price FROM products ORDER BY id")).all()
        created = connection.execute(text("SELECT created_at FROM users WHERE id = 1")).scalar()
        return [tuple(p) for p in prices], created.isoformat()

    prices, created = await on(empty_database_url, products_and_users)
    assert prices == [(1, Decimal("20.00")), (2, Decimal("4.50"))]
    assert created == "2024-03-01T12:00:00+00:00"
    assert await on(empty_database_url, orders_with_lines) == [
        (1, 1, "pending", Decimal("9.00"), [[2, 2]], [Decimal("4.50")]),
        (2, 2, "pending", Decimal("20.00"), [[1, 1]], [Decimal("20.00")]),
        (3, 1, "pending", Decimal("100.00"), [[1, 5]], [Decimal("20.00")]),
    ]

    await on(empty_database_url, lambda c: downgrade(c, CONFIG, SEED_HEAD))
    assert await on(empty_database_url, seed_orders) == SEED_ORDERS


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (
            "INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price)"
            " VALUES (1, 1, 'Kettle', 1, 20.00)",
            "1 order\\(s\\) have more than one line",
        ),
        (
            "UPDATE orders SET status = 'cancelled' WHERE id IN (1, 2)",
            "2 order\\(s\\) are paid, shipped or cancelled",
        ),
    ],
    ids=["a two-line order", "cancelled orders"],
)
async def test_the_way_back_refuses_what_the_old_shape_cannot_hold_and_changes_nothing(
    empty_database_url: URL, change: str, refusal: str
) -> None:
    await fill_the_seed_tables(empty_database_url)
    await migrate(empty_database_url)
    await on(empty_database_url, lambda c: c.execute(text(change)))
    before = await on(empty_database_url, orders_with_lines)

    with pytest.raises(CommandError, match=refusal):
        await on(empty_database_url, lambda c: downgrade(c, CONFIG, SEED_HEAD))

    assert await on(empty_database_url, current_revision) == SCRIPTS.get_current_head()
    assert await on(empty_database_url, orders_with_lines) == before


def alembic(*args: str, database: URL) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRES_")}
    env["DATABASE_URL"] = database.render_as_string(hide_password=False)
    return subprocess.run(  # noqa: S603 - the project's own alembic, fixed arguments
        [str(Path(sys.executable).parent / "alembic"), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow  # a real process
@pytest.mark.parametrize("steps", [("upgrade", "head"), ("check",), ("downgrade", "base")])
def test_the_alembic_command_line_migrates_checks_and_rolls_back(
    empty_database_url: URL, steps: tuple[str, ...]
) -> None:
    if steps[0] != "upgrade":
        assert alembic("upgrade", "head", database=empty_database_url).returncode == 0
    result = alembic(*steps, database=empty_database_url)
    assert result.returncode == 0, result.stderr
    if steps == ("check",):
        assert "No new upgrade operations detected" in result.stdout + result.stderr


@pytest.mark.slow  # a real process
def test_offline_mode_prints_the_sql_without_a_database(empty_database_url: URL) -> None:
    result = alembic("upgrade", "head", "--sql", database=empty_database_url)
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE products" in result.stdout
    assert "ALTER TABLE products ALTER COLUMN price TYPE NUMERIC(12, 2)" in result.stdout
