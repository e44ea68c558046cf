"""The read side: repositories that look things up and list them, and nothing else.

Use cases that only read open the read side rather than a unit of work. It has no
transaction to commit and its repositories have no method that locks or writes, so such a
call does not type-check; the implementations refuse it at run time too. What it buys is
speed (no BEGIN and ROLLBACK round trips) and the freedom to read from somewhere else, such
as a replica.
"""

from abc import ABC, abstractmethod
from typing import Self

from shop.domain.orders import OrderReader
from shop.domain.products import ProductReader
from shop.domain.unit_of_work import ExcInfo
from shop.domain.users import UserReader


class WriteOnReadSide(RuntimeError):
    """The read side was asked to lock or write."""


class AbstractReadSide(ABC):
    """Use as `async with reads:`; each read sees what was committed when it ran, and locks
    nothing."""

    products: ProductReader
    users: UserReader
    orders: OrderReader

    @abstractmethod
    async def __aenter__(self) -> Self: ...

    @abstractmethod
    async def __aexit__(self, *exc_info: *ExcInfo) -> None: ...
