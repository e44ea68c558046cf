"""The gate in front of the pool: a fixed number of holders, the rest served in arrival order."""

import asyncio

import pytest

from shop.domain.errors import StorageUnavailable
from shop.infrastructure.connection_gate import ConnectionGate

PATIENT = 10.0


async def settle() -> None:
    """Let every task that can run, run."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_requests_within_the_capacity_enter_at_once() -> None:
    gate = ConnectionGate(capacity=2, patience=PATIENT)

    await asyncio.wait_for(gate.enter(), timeout=1)
    await asyncio.wait_for(gate.enter(), timeout=1)


async def test_requests_beyond_the_capacity_wait_and_enter_in_arrival_order() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT)
    await gate.enter()
    entered: list[int] = []

    async def request(number: int) -> None:
        await gate.enter()
        entered.append(number)

    waiting = [asyncio.create_task(request(n)) for n in range(4)]
    await settle()
    assert entered == []

    for expected in ([0], [0, 1], [0, 1, 2], [0, 1, 2, 3]):
        gate.leave()
        await settle()
        assert entered == expected
    await asyncio.gather(*waiting)


async def test_a_slot_given_back_with_nobody_waiting_is_free_for_the_next_request() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT)
    await gate.enter()
    gate.leave()

    await asyncio.wait_for(gate.enter(), timeout=1)


async def test_a_request_that_waits_past_its_patience_is_turned_away_as_storage_unavailable() -> (
    None
):
    gate = ConnectionGate(capacity=1, patience=0.05)
    await gate.enter()

    with pytest.raises(StorageUnavailable):
        await asyncio.wait_for(gate.enter(), timeout=2)


async def test_only_the_requests_that_waited_too_long_are_turned_away() -> None:
    gate = ConnectionGate(capacity=1, patience=0.2)
    await gate.enter()
    early = asyncio.create_task(gate.enter())
    await asyncio.sleep(0.1)
    late = asyncio.create_task(gate.enter())

    await asyncio.sleep(0.15)  # the early one's patience is over, not the late one's
    assert early.done()
    assert isinstance(early.exception(), StorageUnavailable)
    assert not late.done()

    gate.leave()
    await asyncio.wait_for(late, timeout=1)


async def test_a_request_that_gives_up_waiting_takes_no_slot() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT)
    await gate.enter()
    impatient = asyncio.create_task(gate.enter())
    await settle()
    impatient.cancel()
    await settle()
    behind = asyncio.create_task(gate.enter())
    await settle()

    gate.leave()

    await asyncio.wait_for(behind, timeout=1)
    assert impatient.cancelled()


async def test_a_slot_handed_to_a_request_cancelled_in_that_moment_passes_to_the_next() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT)
    await gate.enter()
    first = asyncio.create_task(gate.enter())
    second = asyncio.create_task(gate.enter())
    await settle()

    gate.leave()  # the slot goes to `first`...
    first.cancel()  # ...which is cancelled before it runs again
    await settle()

    assert first.cancelled()
    await asyncio.wait_for(second, timeout=1)
    with pytest.raises(TimeoutError):  # and the one slot is `second`'s alone
        await asyncio.wait_for(gate.enter(), timeout=0.05)
