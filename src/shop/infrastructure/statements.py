"""Running SQLAlchemy Core statements on one connection: reads the fast safe way, writes in a
transaction.

A read is a `Query`: a builder registered once (`Query(builder)`), which makes the statement
for a shape (which filters, which order, locked or not) with named `bindparam`s for the
values. Each query compiles each of its shapes once and keeps it; the cache belongs to the
builder, so no key can name another builder's statement.

On the read side the compiled SQL runs straight on the asyncpg connection that SQLAlchemy's
pool lent out: SQLAlchemy still owns the pool and the connection's life, but no execution
context, result wrapping or greenlet hop is paid per query. The values still get SQLAlchemy's
result processing wherever a column's type has any (a TypeDecorator, an Enum, JSON, an
array), so both sides read the same Python values. On the write side every statement goes
through SQLAlchemy, inside its transaction.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar, TypeVarTuple

from sqlalchemy import CursorResult, Executable, Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from shop.domain.read_side import WriteOnReadSide

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

Fields: TypeAlias = Mapping[Any, Any]
"""A row, by column name: an asyncpg record or a SQLAlchemy row mapping."""
Parameters: TypeAlias = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
Written: TypeAlias = CursorResult[*tuple[Any, ...]]
"""What a write returns: SQLAlchemy's result, with any RETURNING rows."""
Processor: TypeAlias = Callable[[Any], Any] | None

Shape = TypeVarTuple("Shape")
T = TypeVar("T")


@dataclass(slots=True)
class Prepared:
    """One shape of a query, built and compiled."""

    statement: Select[Any]
    sql: str
    parameter_names: tuple[str, ...]
    constants: Mapping[str, Any]
    """Values the statement carries itself (`quantity > 0` binds its 0)."""
    locks: bool
    """Whether it is a `SELECT ... FOR UPDATE` (or `FOR SHARE`)."""
    processors: tuple[Processor, ...] | None = field(default=None)
    """SQLAlchemy's result processor of each column on the driver; None until first run."""


class Query(Generic[*Shape]):
    """A read's builder, registered: `Query(builder).shaped(*shape)` is its compiled statement.

    Register module-level builders only: the compiled shapes live as long as the query.
    """

    def __init__(self, build: Callable[[*Shape], Select[Any]]) -> None:
        self._build = build
        self._shapes: dict[tuple[*Shape], Prepared] = {}

    def shaped(self, *shape: *Shape) -> Prepared:
        found = self._shapes.get(shape)
        if found is None:
            found = self._shapes[shape] = _prepare(self._build(*shape))
        return found

    def __repr__(self) -> str:
        return f"Query({getattr(self._build, '__qualname__', self._build)})"


def _prepare(statement: Select[Any]) -> Prepared:
    compiled = statement.compile(dialect=_DIALECT)
    return Prepared(
        statement,
        str(compiled),
        tuple(compiled.positiontup or ()),
        compiled.params,
        statement._for_update_arg is not None,
    )


class Reads(ABC):
    """Runs the reads of one use of a connection; a locking read is refused (WriteOnReadSide)."""

    async def rows(self, read: Prepared, **values: Any) -> Sequence[Fields]:
        """The rows of `read` (a query's shape) with these values."""
        if read.locks and not self._may_lock():
            raise WriteOnReadSide("the read side cannot lock rows; use a unit of work")
        return await self._fetch(read, values)

    async def one(self, read: Prepared, entity: Callable[[Fields], T], **values: Any) -> T | None:
        """The first row of `read` as `entity` makes it, or None when there is none."""
        found = await self.rows(read, **values)
        return entity(found[0]) if found else None

    def _may_lock(self) -> bool:
        return False

    @abstractmethod
    async def _fetch(self, read: Prepared, values: Mapping[str, Any]) -> Sequence[Fields]:
        """Run a prepared read with these values."""


class DriverReads(Reads):
    """The read side's usual way: compiled reads on the asyncpg connection, in autocommit."""

    def __init__(self, driver_connection: Any) -> None:
        self._driver = driver_connection

    async def _fetch(self, read: Prepared, values: Mapping[str, Any]) -> Sequence[Fields]:
        given = {**read.constants, **values}
        arguments = [given[name] for name in read.parameter_names]
        processors = read.processors
        if processors is None:
            processors = read.processors = await self._processors_of(read)
        records: Sequence[Any] = await self._driver.fetch(read.sql, *arguments)
        if not processors:
            return records  # plain columns: the driver's values are SQLAlchemy's
        return [_processed(record, processors) for record in records]

    async def _processors_of(self, read: Prepared) -> tuple[Processor, ...]:
        """Each column's SQLAlchemy result processor, for the types the server reports.

        Asked once per shape and process (one extra round trip); an empty tuple when no
        column needs one, which is the common case and costs nothing per row.
        """
        described = await self._driver.prepare(read.sql)
        oids = [attribute.type.oid for attribute in described.get_attributes()]
        processors = tuple(
            column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, oid)
            for column, oid in zip(read.statement.selected_columns, oids, strict=True)
        )
        return processors if any(processors) else ()


def _processed(record: Any, processors: tuple[Processor, ...]) -> Fields:
    return {
        name: value if process is None else process(value)
        for (name, value), process in zip(record.items(), processors, strict=True)
    }


class TransactionReads(Reads):
    """Reads through SQLAlchemy, in the connection's transaction (read-only on the read side)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _fetch(self, read: Prepared, values: Mapping[str, Any]) -> Sequence[Fields]:
        result = await self._connection.execute(read.statement, values)
        mappings: Sequence[Fields] = result.mappings().all()
        return mappings


class Writes(TransactionReads):
    """The write side's: reads that may lock, and writes, all in the unit's transaction."""

    def _may_lock(self) -> bool:
        return True

    async def execute(self, statement: Executable, parameters: Parameters = None) -> Written:
        """Run a write (or a locking read built on the spot) in the unit's transaction."""
        return await self._connection.execute(statement, parameters)


Runner = TypeVar("Runner", bound=Reads)


class RunsStatements(Generic[Runner]):
    """A reader or repository: it runs its statements through its side's `Reads` (`Writes`,
    which may also lock and write, on the write side)."""

    def __init__(self, statements: Runner) -> None:
        self._statements = statements
