"""How many logins and registrations a caller may try: sliding windows shared by every process.

Each attempt is counted under a few keys (the account tried, the client's address) in a
ledger every process shares. A key's count is a sliding window estimated from two fixed
windows, as `previous * (share of the previous window still in the last `window` seconds) +
current`; an attempt that takes it past the limit is refused with the seconds until one
would pass. Once a key is refused, this process refuses it again without asking the ledger
until that time has passed, so a flood costs one ledger statement per key and process per
wait, not one per attempt.
"""

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from shop.domain.errors import DomainError


class TooManyAttempts(DomainError):
    """Refused for now; `retry_after` says in how many whole seconds to try again."""

    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class AttemptCount:
    """One key's counts after an attempt was recorded (the attempt included)."""

    key: str
    previous: int
    current: int
    elapsed: float
    """Seconds since the current fixed window began."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """An attempt to record under `key`, of which at most `limit` pass per window."""

    key: str
    limit: int


class AttemptLedger(Protocol):
    async def record(self, attempts: Sequence[Attempt], window_seconds: int) -> list[AttemptCount]:
        """Count one attempt under each key, in one step, and return every key's counts.

        A key's current count never grows past its limit + 1: a flood leaves nothing
        behind that outlasts the next window.
        """
        ...


def seconds_until_allowed(count: AttemptCount, limit: int, window: int) -> float:
    """0 when the attempt `count` includes is within `limit` per sliding `window` seconds;
    else the wait until the next attempt would be, if no other came in the meantime."""
    left_of_previous = max(0.0, (window - count.elapsed) / window)
    if count.previous * left_of_previous + count.current <= limit:
        return 0.0
    room = limit - 1  # what the next attempt may find already counted
    if count.current <= room:
        # The current window has room: wait for the previous window's weight to fall.
        weight_needed = (room - count.current) / count.previous
        return max(0.0, window - count.elapsed - weight_needed * window)
    # The current window alone is full: wait into the next one, where it weighs less.
    into_next = window * (1 - room / count.current) if count.current else 0.0
    return window - count.elapsed + into_next


class _Refusals:
    """Keys this process was told to refuse, until when (monotonic seconds); bounded."""

    def __init__(self, clock: Callable[[], float], capacity: int = 10_000) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}
        self._capacity = capacity

    def wait_for(self, key: str) -> float:
        until = self._until.get(key)
        if until is None:
            return 0.0
        wait = until - self._clock()
        if wait <= 0:
            del self._until[key]
        return max(wait, 0.0)

    def refuse(self, key: str, seconds: float) -> None:
        if len(self._until) >= self._capacity:
            now = self._clock()
            self._until = {k: u for k, u in self._until.items() if u > now}
            if len(self._until) >= self._capacity:
                self._until.clear()  # flooded by distinct keys: forget, the ledger remembers
        self._until[key] = self._clock() + seconds


def _key(kind: str, value: str) -> str:
    # Hashed: bounded length, and no e-mail address or client address stored in clear.
    return hashlib.sha256(f"{kind}\0{value}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """How many attempts pass per sliding window of `window_seconds`."""

    window_seconds: int
    logins_per_account: int
    logins_per_address: int
    registrations_per_address: int


class AttemptThrottle:
    """Admits or refuses a login or registration attempt before any password is hashed."""

    def __init__(
        self,
        ledger: AttemptLedger,
        policy: ThrottlePolicy,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ledger = ledger
        self._policy = policy
        self._refusals = _Refusals(clock)

    async def admit_login(self, email: str, client_address: str) -> None:
        """TooManyAttempts when this account or this address has tried too often."""
        policy = self._policy
        await self._admit(
            [
                Attempt(_key("login account", email.strip().lower()), policy.logins_per_account),
                Attempt(_key("login address", client_address), policy.logins_per_address),
            ],
            "Too many login attempts; retry later.",
        )

    async def admit_registration(self, client_address: str) -> None:
        """TooManyAttempts when this address has registered too often."""
        await self._admit(
            [
                Attempt(
                    _key("registration address", client_address),
                    self._policy.registrations_per_address,
                )
            ],
            "Too many registrations from this address; retry later.",
        )

    async def _admit(self, attempts: list[Attempt], detail: str) -> None:
        known_wait = max(self._refusals.wait_for(a.key) for a in attempts)
        if known_wait > 0:
            raise TooManyAttempts(detail, math.ceil(known_wait))
        window = self._policy.window_seconds
        counts = {c.key: c for c in await self._ledger.record(attempts, window)}
        wait = 0.0
        for attempt in attempts:
            key_wait = seconds_until_allowed(counts[attempt.key], attempt.limit, window)
            if key_wait > 0:
                self._refusals.refuse(attempt.key, key_wait)
                wait = max(wait, key_wait)
        if wait > 0:
            raise TooManyAttempts(detail, max(1, math.ceil(wait)))


class _Unthrottled:
    async def admit_login(self, email: str, client_address: str) -> None:
        return None

    async def admit_registration(self, client_address: str) -> None:
        return None


class LoginThrottle(Protocol):
    async def admit_login(self, email: str, client_address: str) -> None: ...

    async def admit_registration(self, client_address: str) -> None: ...


UNTHROTTLED: LoginThrottle = _Unthrottled()
"""For callers no one can flood (the command line, unit tests of other rules)."""
