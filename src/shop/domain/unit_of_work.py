"""The unit of work: one transaction's worth of repositories, committed only when told."""

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from shop.domain.orders import OrderRepository
from shop.domain.products import ProductRepository
from shop.domain.users import UserRepository


class ReadOnlyUnitOfWork(RuntimeError):
    """A unit of work opened with `read_only()` was asked to write or commit."""


class AbstractUnitOfWork(ABC):
    """Use as `async with uow:`; leaving the block without `commit()` rolls everything back."""

    products: ProductRepository
    users: UserRepository
    orders: OrderRepository

    def read_only(self) -> Self:
        """For use cases that only read: the unit may skip opening a transaction, and
        refuses to commit (ReadOnlyUnitOfWork)."""
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def rollback(self) -> None: ...
