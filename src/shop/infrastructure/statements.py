"""Running SQLAlchemy Core statements on one connection: reads the fast safe way, writes in a
transaction.

A repository names a read's shape (a hashable key) and how to build it with named
`bindparam`s, then passes the values; the statement is built and compiled once per shape.
On the read side the compiled SQL runs straight on the asyncpg connection that SQLAlchemy's
pool lent out: SQLAlchemy still owns the pool and the connection's life, but no execution
context, result wrapping or greenlet hop is paid per query. On the write side every
statement goes through SQLAlchemy, inside its transaction.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import CursorResult, Executable, Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.domain.read_side import WriteOnReadSide

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
    locks: bool
    """Whether it is a `SELECT ... FOR UPDATE` (or `FOR SHARE`)."""


_prepared: dict[Hashable, _Prepared] = {}


def _prepare(shape: Hashable, build: Build) -> _Prepared:
    found = _prepared.get(shape)
    if found is None:
        statement = build()
        compiled = statement.compile(dialect=_DIALECT)
        found = _prepared[shape] = _Prepared(
            statement,
            str(compiled),
            tuple(compiled.positiontup or ()),
            compiled.params,
            statement._for_update_arg is not None,
        )
    return found


class Reads(ABC):
    """Runs the reads of one use of a connection; a locking read is refused (WriteOnReadSide)."""

    async def rows(self, shape: Hashable, build: Build, **values: Any) -> Sequence[Fields]:
        """The rows of the read `build` makes, built once per `shape`, with these values."""
        prepared = _prepare(shape, build)
        if prepared.locks and not self._may_lock():
            raise WriteOnReadSide("the read side cannot lock rows; use a unit of work")
        return await self._fetch(prepared, values)

    async def row(self, shape: Hashable, build: Build, **values: Any) -> Fields | None:
        found = await self.rows(shape, build, **values)
        return found[0] if found else None

    def _may_lock(self) -> bool:
        return False

    @abstractmethod
    async def _fetch(self, prepared: _Prepared, values: Mapping[str, Any]) -> Sequence[Fields]:
        """Run a prepared read with these values."""


class DriverReads(Reads):
    """The read side's usual way: compiled reads on the asyncpg connection, in autocommit."""

    def __init__(self, driver_connection: Any) -> None:
        self._driver = driver_connection

    async def _fetch(self, prepared: _Prepared, values: Mapping[str, Any]) -> Sequence[Fields]:
        given = {**prepared.constants, **values}
        arguments = [given[name] for name in prepared.parameter_names]
        records: Sequence[Fields] = await self._driver.fetch(prepared.sql, *arguments)
        return records


class TransactionReads(Reads):
    """Reads through SQLAlchemy, in the connection's transaction (read-only on the read side)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _fetch(self, prepared: _Prepared, values: Mapping[str, Any]) -> Sequence[Fields]:
        result = await self._connection.execute(prepared.statement, values)
        mappings: Sequence[Fields] = result.mappings().all()
        return mappings


class Writes(TransactionReads):
    """The write side's: reads that may lock, and writes, all in the unit's transaction."""

    def _may_lock(self) -> bool:
        return True

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Written:
        """Run a write (or a locking read built on the spot) in the unit's transaction."""
        return await self._connection.execute(statement, parameters)
