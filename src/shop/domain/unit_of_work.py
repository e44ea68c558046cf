"""The write side: one transaction's worth of repositories, committed only when told."""

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self, TypeAlias

from shop.domain.orders import OrderRepository
from shop.domain.products import ProductRepository
from shop.domain.users import UserRepository

ExcInfo: TypeAlias = tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
"""What `__aexit__` is given: the exception that ended the block, if one did."""


class AlreadyOpen(RuntimeError):
    """`async with` on a unit of work or read side that is already open.

    Each holds one connection per block; a nested block would need a second instance.
    """


class AbstractUnitOfWork(ABC):
    """Use as `async with uow:`; leaving the block without `commit()` rolls everything back.

    Its repositories read, lock and write, all inside the unit's one transaction. Use cases
    that only read use the read side (`shop.domain.read_side`) instead.
    """

    products: ProductRepository
    users: UserRepository
    orders: OrderRepository

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: *ExcInfo) -> None:
        await self.rollback()

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def rollback(self) -> None: ...
