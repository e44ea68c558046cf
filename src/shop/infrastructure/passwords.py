"""Argon2id password hashing (pwdlib), off the event loop."""

import asyncio
from functools import cached_property

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from shop.domain.security import Verification


class Argon2PasswordHasher:
    """Hashes with the configured Argon2id cost; hashes made with another cost are renewed."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536) -> None:
        self._hashing = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost),))

    async def hash(self, password: str) -> str:
        # Hashing takes tens of milliseconds of CPU by design: keep it off the event loop.
        return await asyncio.to_thread(self._hashing.hash, password)

    async def verify(self, password: str, password_hash: str) -> Verification:
        valid, new_hash = await asyncio.to_thread(
            self._hashing.verify_and_update, password, password_hash
        )
        return Verification(valid, new_hash if valid else None)

    async def verify_nothing(self, password: str) -> None:
        await asyncio.to_thread(self._hashing.verify, password, self._dummy_hash)

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hashing.hash("a password nobody has")
