"""Argon2id password hashing (pwdlib), off the event loop and a few at a time."""

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, partial
from typing import TypeVar

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from shop.domain.security import Verification
from shop.domain.throttling import TooManyAttempts

T = TypeVar("T")

HASHING_NICENESS = 19
"""The hashing threads' nice value: the event loop's thread wins every contended core."""


def _lower_this_threads_priority() -> None:
    # On Linux a thread id names just that thread; elsewhere this may not apply, and
    # hashing at normal priority is still correct.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


class Argon2PasswordHasher:
    """Hashes with the configured Argon2id cost; hashes made with another cost are renewed.

    At most `concurrency` hashes run at once in this process, on threads of their own at
    the lowest CPU priority: each takes a core for tens of milliseconds by design, and
    logins must never take the cores from the other requests. A hash that cannot start
    within `patience` seconds is refused (TooManyAttempts, a 429).
    """

    def __init__(
        self,
        time_cost: int = 3,
        memory_cost: int = 65536,
        concurrency: int = 1,
        patience: float = 0.5,
    ) -> None:
        self._hashing = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost),))
        self._slots = asyncio.Semaphore(concurrency)
        self._patience = patience
        self._threads = ThreadPoolExecutor(
            concurrency, "argon2", initializer=_lower_this_threads_priority
        )

    async def hash(self, password: str) -> str:
        return await self._bounded(self._hashing.hash, password)

    async def verify(self, password: str, password_hash: str) -> Verification:
        valid, new_hash = await self._bounded(
            lambda: self._hashing.verify_and_update(password, password_hash)
        )
        return Verification(valid, new_hash if valid else None)

    async def verify_nothing(self, password: str) -> None:
        await self._bounded(self._hashing.verify, password, self._dummy_hash)

    async def _bounded(self, work: Callable[..., T], *args: str) -> T:
        try:
            # asyncio.timeout, not wait_for: on 3.11 a wait_for that times out just as the
            # slot is granted loses the slot for good.
            async with asyncio.timeout(self._patience):
                await self._slots.acquire()
        except TimeoutError:
            raise TooManyAttempts(
                "Too many passwords are being checked at once; retry shortly.", 1
            ) from None
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._threads, partial(work, *args)
            )
        finally:
            self._slots.release()

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hashing.hash("a password nobody has")
