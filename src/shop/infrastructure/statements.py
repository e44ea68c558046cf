"""Running SQLAlchemy Core statements for a unit of work: reads the fast safe way.

A repository names a read's shape (a hashable key) and how to build it with named
`bindparam`s, then passes the values; the statement is built and compiled once per shape.
In a read-only unit the compiled SQL runs straight on the asyncpg connection that SQLAlchemy's
pool lent out: SQLAlchemy still owns the pool and the connection's life, but no execution
context, result wrapping or greenlet hop is paid per query. In a writing unit every
statement goes through SQLAlchemy, inside its transaction.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import CursorResult, Executable, Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.domain.unit_of_work import ReadOnlyUnitOfWork

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

Fields: TypeAlias = Mapping[Any, Any]
"""A row, by column name: an asyncpg record or a SQLAlchemy row mapping."""
Build: TypeAlias = Callable[[], Select[Any]]
Parameters: TypeAlias = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Written: TypeAlias = CursorResult[*tuple[Any, ...]]
"""What a write returns: SQLAlchemy's result, with any RETURNING rows."""


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


class StatementRunner(ABC):
    """Runs one unit of work's statements on its connection."""

    @abstractmethod
    async def rows(self, shape: Hashable, build: Build, **values: Any) -> Sequence[Fields]:
        """The rows of the read `build` makes, built once per `shape`, with these values."""

    async def row(self, shape: Hashable, build: Build, **values: Any) -> Fields | None:
        found = await self.rows(shape, build, **values)
        return found[0] if found else None

    @abstractmethod
    async def execute(self, statement: Executable, parameters: Parameters = None) -> Written:
        """Run a write (or a locking read) in the unit's transaction."""


class DriverStatementRunner(StatementRunner):
    """A read-only unit's: compiled reads on the asyncpg connection, in autocommit."""

    def __init__(self, driver_connection: Any) -> None:
        self._driver = driver_connection

    async def rows(self, shape: Hashable, build: Build, **values: Any) -> Sequence[Fields]:
        prepared = _prepare(shape, build)
        given = {**prepared.constants, **values}
        arguments = [given[name] for name in prepared.parameter_names]
        records: Sequence[Fields] = await self._driver.fetch(prepared.sql, *arguments)
        return records

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Written:
        raise ReadOnlyUnitOfWork("a read-only unit of work cannot write or lock rows")


class SqlAlchemyStatementRunner(StatementRunner):
    """A writing unit's: everything through SQLAlchemy, in its transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def rows(self, shape: Hashable, build: Build, **values: Any) -> Sequence[Fields]:
        result = await self._connection.execute(_prepare(shape, build).statement, values)
        mappings: Sequence[Fields] = result.mappings().all()
        return mappings

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Written:
        return await self._connection.execute(statement, parameters)
