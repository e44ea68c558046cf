"""The throttle's rules: sliding-window counts, Retry-After, and local refusals."""

import contextlib
import math
from collections.abc import Sequence

import pytest

from shop.domain.throttling import (
    Attempt,
    AttemptCount,
    AttemptThrottle,
    ThrottlePolicy,
    TooManyAttempts,
    seconds_until_allowed,
)

WINDOW = 60
POLICY = ThrottlePolicy(
    window_seconds=WINDOW, logins_per_account=3, logins_per_address=5, registrations_per_address=2
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class InMemoryLedger:
    """The ledger's contract with a settable clock: two fixed windows per key, capped."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.rows: dict[str, tuple[int, int, int]] = {}  # key: (window index, previous, current)
        self.statements = 0

    async def record(self, attempts: Sequence[Attempt], window_seconds: int) -> list[AttemptCount]:
        self.statements += 1
        index = math.floor(self._clock() / window_seconds)
        elapsed = self._clock() - index * window_seconds
        counts = []
        for attempt in attempts:
            old_index, previous, current = self.rows.get(attempt.key, (index, 0, 0))
            if old_index == index:
                current = min(current + 1, attempt.limit + 1)
            else:
                previous = current if old_index == index - 1 else 0
                current = 1
            self.rows[attempt.key] = (index, previous, current)
            counts.append(AttemptCount(attempt.key, previous, current, elapsed))
        return counts


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(clock: Clock) -> InMemoryLedger:
    return InMemoryLedger(clock)


@pytest.fixture
def throttle(ledger: InMemoryLedger, clock: Clock) -> AttemptThrottle:
    return AttemptThrottle(ledger, POLICY, clock)


async def refusal(throttle: AttemptThrottle, email: str, address: str) -> TooManyAttempts:
    with pytest.raises(TooManyAttempts) as refused:
        await throttle.admit_login(email, address)
    return refused.value


# --- the count ---------------------------------------------------------------------------------


def test_attempts_up_to_the_limit_pass() -> None:
    assert seconds_until_allowed(AttemptCount("k", 0, 3, 10.0), 3, WINDOW) == 0


def test_the_previous_window_weighs_what_of_it_is_still_inside_the_sliding_window() -> None:
    # 30 s into the window: half of the previous window's 4 still count, 2 + 2 = 4 > 3.
    assert seconds_until_allowed(AttemptCount("k", 4, 2, 30.0), 3, WINDOW) > 0
    # 45 s in: a quarter, 1 + 2 = 3.
    assert seconds_until_allowed(AttemptCount("k", 4, 2, 45.0), 3, WINDOW) == 0


def test_the_wait_ends_when_the_next_attempt_would_pass() -> None:
    count = AttemptCount("k", 4, 2, 30.0)
    wait = seconds_until_allowed(count, 3, WINDOW)
    # The next attempt makes current 3, allowed once the previous window weighs 0 (at 60 s).
    assert wait == pytest.approx(30.0)
    later = AttemptCount("k", 4, 3, 30.0 + wait)
    assert seconds_until_allowed(later, 3, WINDOW) == 0


def test_a_full_window_waits_into_the_next_one_until_it_weighs_little_enough() -> None:
    count = AttemptCount("k", 0, 4, 50.0)  # capped at limit + 1
    wait = seconds_until_allowed(count, 3, WINDOW)
    assert 10.0 < wait < 10.0 + WINDOW
    into_next = wait - 10.0
    nxt = AttemptCount("k", 4, 1, into_next)
    assert seconds_until_allowed(nxt, 3, WINDOW) == 0


# --- logins ------------------------------------------------------------------------------------


async def test_one_account_is_refused_after_its_limit_from_any_address(
    throttle: AttemptThrottle,
) -> None:
    for n in range(POLICY.logins_per_account):
        await throttle.admit_login("ada@example.com", f"192.0.2.{n}")

    refused = await refusal(throttle, "ADA@example.com ", "198.51.100.7")

    assert 1 <= refused.retry_after <= 2 * WINDOW
    await throttle.admit_login("bob@example.com", "198.51.100.7")


async def test_one_address_is_refused_after_its_limit_whatever_the_account(
    throttle: AttemptThrottle,
) -> None:
    for n in range(POLICY.logins_per_address):
        await throttle.admit_login(f"user{n}@example.com", "192.0.2.1")

    await refusal(throttle, "someone-new@example.com", "192.0.2.1")
    await throttle.admit_login("someone-new@example.com", "192.0.2.2")


async def test_a_refused_key_is_refused_again_without_a_ledger_statement_until_retry_after(
    throttle: AttemptThrottle, ledger: InMemoryLedger, clock: Clock
) -> None:
    for _ in range(POLICY.logins_per_account):
        await throttle.admit_login("ada@example.com", "192.0.2.1")
    first = await refusal(throttle, "ada@example.com", "192.0.2.1")
    statements = ledger.statements

    for _ in range(100):
        again = await refusal(throttle, "ada@example.com", "192.0.2.1")
        assert again.retry_after <= first.retry_after
    assert ledger.statements == statements

    clock.now += first.retry_after
    await throttle.admit_login("ada@example.com", "192.0.2.1")


async def test_after_a_flood_the_owner_gets_in_within_two_windows(
    throttle: AttemptThrottle, clock: Clock
) -> None:
    for _ in range(1000):
        with contextlib.suppress(TooManyAttempts):
            await throttle.admit_login("ada@example.com", "203.0.113.9")
        clock.now += 0.05  # 20 attempts a second for 50 s

    clock.now += 2 * WINDOW
    await throttle.admit_login("ada@example.com", "192.0.2.1")


async def test_retry_after_is_honest(throttle: AttemptThrottle, clock: Clock) -> None:
    for _ in range(POLICY.logins_per_account):
        await throttle.admit_login("ada@example.com", "192.0.2.1")
    refused = await refusal(throttle, "ada@example.com", "192.0.2.2")

    clock.now += refused.retry_after - 1
    await refusal(throttle, "ada@example.com", "192.0.2.3")
    clock.now += 1
    await throttle.admit_login("ada@example.com", "192.0.2.4")


# --- registrations -----------------------------------------------------------------------------


async def test_registrations_are_limited_per_address(throttle: AttemptThrottle) -> None:
    for _ in range(POLICY.registrations_per_address):
        await throttle.admit_registration("192.0.2.1")

    with pytest.raises(TooManyAttempts):
        await throttle.admit_registration("192.0.2.1")
    await throttle.admit_registration("192.0.2.2")


async def test_registrations_and_logins_are_counted_apart(throttle: AttemptThrottle) -> None:
    for _ in range(POLICY.registrations_per_address):
        await throttle.admit_registration("192.0.2.1")

    await throttle.admit_login("ada@example.com", "192.0.2.1")
