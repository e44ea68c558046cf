"""Running SQLAlchemy Core statements: each shape built and compiled once, run the fast safe way.

A repository names a statement's shape (a hashable key) and how to build it with named
`bindparam`s, then passes the values. In a read-only unit (autocommit, no transaction for
SQLAlchemy to keep track of) the compiled SQL runs straight on the asyncpg connection under
the pooled SQLAlchemy one: SQLAlchemy still owns the pool and the connection's life, but no
execution context, result wrapping or greenlet hop is paid per row. In a writing unit the
same statement goes through SQLAlchemy, inside its transaction.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

Fields: TypeAlias = Mapping[Any, Any]
"""A row, by column name: an asyncpg record or a SQLAlchemy row mapping."""
Build: TypeAlias = Callable[[], Select[Any]]


@dataclass(frozen=True, slots=True)
class _Prepared:
    statement: Select[Any]
    sql: str
    parameter_names: tuple[str, ...]
    constants: Mapping[str, Any]
    """Values the statement carries itself (`quantity > 0` binds its 0)."""


_prepared: dict[Hashable, _Prepared] = {}


def _prepare(shape: Hashable, build: Build) -> _Prepared:
    found = _prepared.get(shape)
    if found is None:
        statement = build()
        compiled = statement.compile(dialect=_DIALECT)
        found = _prepared[shape] = _Prepared(
            statement, str(compiled), tuple(compiled.positiontup or ()), compiled.params
        )
    return found


class StatementRunner:
    """Runs statements on one unit of work's connection."""

    def __init__(self, connection: AsyncConnection, straight_to_driver: bool) -> None:
        self._connection = connection
        self._straight_to_driver = straight_to_driver

    async def rows(self, shape: Hashable, build: Build, **values: Any) -> Sequence[Fields]:
        prepared = _prepare(shape, build)
        if self._straight_to_driver:
            raw = await self._connection.get_raw_connection()
            driver: Any = raw.driver_connection
            given = {**prepared.constants, **values}
            arguments = [given[name] for name in prepared.parameter_names]
            records: Sequence[Fields] = await driver.fetch(prepared.sql, *arguments)
            return records
        result = await self._connection.execute(prepared.statement, values)
        mappings: Sequence[Fields] = result.mappings().all()
        return mappings

    async def row(self, shape: Hashable, build: Build, **values: Any) -> Fields | None:
        found = await self.rows(shape, build, **values)
        return found[0] if found else None
