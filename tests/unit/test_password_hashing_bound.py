"""Argon2 a few at a time, at the lowest priority: a burst of logins waits briefly, then 429s."""

import asyncio
import os
import threading

import pytest

from shop.domain.throttling import TooManyAttempts
from shop.infrastructure.passwords import HASHING_NICENESS, Argon2PasswordHasher

# Slow enough (tens of milliseconds) that six at once cannot all start within the patience.
SLOW = {"time_cost": 2, "memory_cost": 32768}


async def outcomes(hasher: Argon2PasswordHasher, password_hash: str, count: int) -> list[object]:
    attempts = (hasher.verify("a-password-1", password_hash) for _ in range(count))
    return list(await asyncio.gather(*attempts, return_exceptions=True))


async def test_a_burst_past_the_slots_is_refused_after_the_patience_with_retry_after() -> None:
    hasher = Argon2PasswordHasher(**SLOW, concurrency=1, patience=0.01)
    password_hash = await hasher.hash("a-password-1")

    results = await outcomes(hasher, password_hash, 6)

    refused = [r for r in results if isinstance(r, TooManyAttempts)]
    verified = [r for r in results if not isinstance(r, BaseException) and r.valid]
    assert refused, results
    assert verified, results
    assert all(r.retry_after == 1 for r in refused)


async def test_a_burst_within_the_patience_is_served_in_turn() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024, concurrency=1, patience=10)
    password_hash = await hasher.hash("a-password-1")

    results = await outcomes(hasher, password_hash, 6)

    assert all(not isinstance(r, BaseException) and r.valid for r in results), results


async def test_a_failed_hash_gives_its_slot_back() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024, concurrency=1, patience=0.01)

    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever a malformed hash raises
        await hasher.verify("a-password-1", "$argon2id$not-a-hash")

    assert (await hasher.verify("a-password-1", await hasher.hash("a-password-1"))).valid


async def test_hashing_threads_run_at_the_lowest_priority() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024, concurrency=2)

    await asyncio.gather(hasher.hash("a-password-1"), hasher.hash("a-password-2"))

    threads = [t for t in threading.enumerate() if t.name.startswith("argon2")]
    assert threads
    assert {os.getpriority(os.PRIO_PROCESS, t.native_id or 0) for t in threads} == {
        HASHING_NICENESS
    }
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < HASHING_NICENESS
