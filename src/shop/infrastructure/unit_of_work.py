"""The SQLAlchemy unit of work: one session, committed only when told, always closed."""

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shop.domain.errors import StorageUnavailable
from shop.domain.unit_of_work import AbstractUnitOfWork
from shop.infrastructure.database import is_connection_error
from shop.infrastructure.order_repository import SqlAlchemyOrderRepository
from shop.infrastructure.product_repository import SqlAlchemyProductRepository
from shop.infrastructure.user_repository import SqlAlchemyUserRepository


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """Opens a fresh session on every `async with`, so one instance serves one block at a time."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self.products = SqlAlchemyProductRepository(self._session)
        self.users = SqlAlchemyUserRepository(self._session)
        self.orders = SqlAlchemyOrderRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        try:
            # Closing rolls back whatever was not committed and returns the connection.
            if session is not None:
                await session.close()
        except Exception as close_error:
            if exc is None:
                raise _translated(close_error) from close_error
        if exc is not None and is_connection_error(exc):
            raise StorageUnavailable("The database is unavailable; retry shortly.") from exc

    async def commit(self) -> None:
        await self._active.commit()

    async def rollback(self) -> None:
        await self._active.rollback()

    @property
    def _active(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside `async with`")
        return self._session


def _translated(error: Exception) -> Exception:
    if is_connection_error(error):
        return StorageUnavailable("The database is unavailable; retry shortly.")
    return error
