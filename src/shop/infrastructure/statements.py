"""Running SQLAlchemy Core statements on one connection, each compiled once.

A statement is registered once with its builder: `Query(builder)` for a read, `Write(builder)`
for an INSERT, UPDATE or DELETE (or a SELECT whose CTEs write). The builder makes the
statement for a shape (which filters, which order, locked or not) with named `bindparam`s
for the values; `.shaped(*shape)` compiles each shape once and keeps it. The cache belongs
to the builder, so no key can name another builder's statement.

The compiled SQL runs straight on the asyncpg connection that SQLAlchemy's pool lent out:
SQLAlchemy still owns the pool and the connection's life, but no execution context, result
wrapping or greenlet hop is paid per statement. Values still get SQLAlchemy's processing
wherever a column's or parameter's type has any (a TypeDecorator, an Enum, JSON), so what
is written and read is what SQLAlchemy would have written and read. The read side runs
reads in autocommit (`DriverReads`); the write side runs reads, locking reads and writes in
the unit's transaction (`Writes`). Behind PgBouncer the read side reads through
SQLAlchemy in a read-only transaction instead (`TransactionReads`).
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeAlias, TypeVar, TypeVarTuple

from sqlalchemy import ARRAY, Enum, Select, Table, bindparam, insert
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import TypeEngine

from shop.domain.read_side import WriteOnReadSide

_DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]

Fields: TypeAlias = Mapping[Any, Any]
"""A row, by column name: an asyncpg record or a SQLAlchemy row mapping."""
Processor: TypeAlias = Callable[[Any], Any] | None
ColumnProcessor: TypeAlias = tuple[str, Callable[[Any], Any]]
Built: TypeAlias = Select[Any] | UpdateBase
"""What a builder makes: a SELECT, or an INSERT, UPDATE or DELETE (with RETURNING to read)."""

Shape = TypeVarTuple("Shape")
T = TypeVar("T")


@dataclass(slots=True)
class Prepared:
    """One shape of a query, built and compiled."""

    statement: Built
    sql: str
    parameter_names: tuple[str, ...]
    constants: Mapping[str, Any]
    """Values the statement carries itself (`quantity > 0` binds its 0)."""
    bind_processors: tuple[Processor, ...]
    """SQLAlchemy's bind processor of each parameter, in order; empty when none has one."""
    exclusive: bool
    """Whether it locks or writes rows (`FOR UPDATE`, a DML): only a unit of work runs it."""
    processors: tuple[ColumnProcessor, ...] | None = field(default=None)
    """The columns that SQLAlchemy processes after the driver, by name, with their result
    processors; None until first run."""


class Query(Generic[*Shape]):
    """A read's builder, registered: `Query(builder).shaped(*shape)` is its compiled statement.

    Register module-level builders only: the compiled shapes live as long as the query.
    """

    writes = False

    def __init__(self, build: Callable[[*Shape], Built]) -> None:
        self._build = build
        self._shapes: dict[tuple[*Shape], Prepared] = {}

    def shaped(self, *shape: *Shape) -> Prepared:
        found = self._shapes.get(shape)
        if found is None:
            found = self._shapes[shape] = _prepare(self._build(*shape), self.writes)
        return found

    def __repr__(self) -> str:
        return f"{type(self).__name__}({getattr(self._build, '__qualname__', self._build)})"


class Write(Query[*Shape]):
    """A write's builder, registered the same way: only a unit of work runs its statements."""

    writes = True

    @staticmethod
    def inserting(table: Table, columns: tuple[str, ...]) -> "Write[()]":
        """The INSERT of these columns, each the parameter of its name, returning the row."""
        return Write(
            lambda: insert(table).values({c: bindparam(c) for c in columns}).returning(*table.c)
        )


def _prepare(statement: Built, writes: bool) -> Prepared:
    compiled = statement.compile(dialect=_DIALECT)
    names = tuple(compiled.positiontup or ())
    bind_processors = tuple(
        compiled.binds[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT) for name in names
    )
    locks = isinstance(statement, Select) and statement._for_update_arg is not None
    return Prepared(
        statement,
        str(compiled),
        names,
        compiled.params,
        bind_processors if any(bind_processors) else (),
        writes or locks or isinstance(statement, UpdateBase),
    )


class Reads(ABC):
    """Runs the statements of one use of a connection; on the read side a locking read or a
    write is refused (WriteOnReadSide)."""

    async def rows(self, read: Prepared, **values: Any) -> Sequence[Fields]:
        """The rows of `read` (a statement's shape) with these values."""
        if read.exclusive and not self._may_lock_and_write():
            raise WriteOnReadSide("the read side cannot lock or write rows; use a unit of work")
        return await self._fetch(read, values)

    async def one(self, read: Prepared, entity: Callable[[Fields], T], **values: Any) -> T | None:
        """The first row of `read` as `entity` makes it, or None when there is none."""
        found = await self.rows(read, **values)
        return entity(found[0]) if found else None

    def _may_lock_and_write(self) -> bool:
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
        if read.bind_processors:
            arguments = [
                value if process is None else process(value)
                for value, process in zip(arguments, read.bind_processors, strict=True)
            ]
        processors = read.processors
        if processors is None:
            processors = read.processors = await self._processors_of(read)
        records: Sequence[Any] = await self._driver.fetch(read.sql, *arguments)
        if not processors:
            return records  # plain columns: the driver's values are SQLAlchemy's
        return [_processed(record, processors) for record in records]

    async def _processors_of(self, read: Prepared) -> tuple[ColumnProcessor, ...]:
        """The SQLAlchemy result processor of each column that has one, for the types the
        server reports.

        Asked once per shape and process (one extra round trip); an empty tuple when no
        column needs one, which is the common case and costs nothing per row.
        """
        described = await self._driver.prepare(read.sql)
        processors = (
            (attribute.name, _result_processor(column.type, attribute.type.oid))
            for column, attribute in zip(
                read.statement.exported_columns, described.get_attributes(), strict=True
            )
        )
        return tuple((name, process) for name, process in processors if process is not None)


def _result_processor(column_type: TypeEngine[Any], oid: int) -> Processor:
    """SQLAlchemy's result processor for a column of this type, or None where it would only
    copy what the driver gives: an ARRAY of items that need no processing of their own comes
    from asyncpg as the list SQLAlchemy would make of it."""
    implementation = column_type.dialect_impl(_DIALECT)
    if (
        isinstance(implementation, ARRAY)
        and not implementation.as_tuple
        and not isinstance(implementation.item_type, Enum)
        and implementation.item_type.dialect_impl(_DIALECT).result_processor(_DIALECT, oid) is None
    ):
        return None
    return implementation.result_processor(_DIALECT, oid)


def _processed(record: Any, processors: tuple[ColumnProcessor, ...]) -> Fields:
    row = dict(record)
    for name, process in processors:
        row[name] = process(row[name])
    return row


class TransactionReads(Reads):
    """Reads through SQLAlchemy, in the connection's transaction (read-only on the read side)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _fetch(self, read: Prepared, values: Mapping[str, Any]) -> Sequence[Fields]:
        result = await self._connection.execute(read.statement, values)
        mappings: Sequence[Fields] = result.mappings().all()
        return mappings


class Writes(DriverReads):
    """The write side's: reads that may lock, and writes, on the driver in the unit's
    transaction."""

    def _may_lock_and_write(self) -> bool:
        return True


Runner = TypeVar("Runner", bound=Reads)


class RunsStatements(Generic[Runner]):
    """A reader or repository: it runs its statements through its side's `Reads`
    (`Writes`, which may also lock and write, on the write side)."""

    def __init__(self, statements: Runner) -> None:
        self._statements = statements
