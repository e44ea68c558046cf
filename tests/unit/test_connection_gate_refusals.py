"""The gate refuses at once what would only wait to be refused: a long queue, a lost database."""

import asyncio

import pytest

from shop.domain.errors import StorageUnavailable
from shop.infrastructure.connection_gate import ConnectionGate

PATIENT = 10.0


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_request_that_finds_the_queue_full_is_refused_at_once() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT, max_waiting=2)
    await gate.enter()
    queued = [asyncio.create_task(gate.enter()) for _ in range(2)]
    await settle()

    with pytest.raises(StorageUnavailable, match="busy"):
        await asyncio.wait_for(gate.enter(), timeout=0.5)

    gate.leave()
    await settle()
    assert queued[0].done()
    assert not queued[1].done()
    gate.leave()
    await asyncio.wait_for(queued[1], timeout=0.5)


async def test_requests_that_gave_up_waiting_no_longer_count_against_the_queue_limit() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT, max_waiting=2)
    await gate.enter()
    given_up = [asyncio.create_task(gate.enter()) for _ in range(2)]
    await settle()
    for request in given_up:
        request.cancel()  # clients gone: their turns stay queued until a slot reaches them
    await settle()

    still_waiting = asyncio.create_task(gate.enter())
    await settle()
    assert not still_waiting.done()  # queued, not refused as "busy"

    gate.leave()
    await asyncio.wait_for(still_waiting, timeout=0.5)


async def test_a_lost_database_turns_the_queue_away_and_stops_queueing_until_it_answers() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT)
    await gate.enter()
    queued = asyncio.create_task(gate.enter())
    await settle()

    gate.database_lost()
    with pytest.raises(StorageUnavailable, match="unavailable"):
        await asyncio.wait_for(queued, timeout=0.5)
    with pytest.raises(StorageUnavailable, match="unavailable"):
        await asyncio.wait_for(gate.enter(), timeout=0.5)

    gate.leave()
    await asyncio.wait_for(gate.enter(), timeout=0.5)  # a free slot still tries the database
    gate.database_answered()
    waiting = asyncio.create_task(gate.enter())
    await settle()
    assert not waiting.done()  # queueing again
    gate.leave()
    await asyncio.wait_for(waiting, timeout=0.5)


async def test_without_a_limit_any_number_may_wait() -> None:
    gate = ConnectionGate(capacity=1, patience=PATIENT, max_waiting=None)
    await gate.enter()
    queued = [asyncio.create_task(gate.enter()) for _ in range(100)]
    await settle()
    assert not any(task.done() for task in queued)
    for task in queued:
        gate.leave()
        await asyncio.wait_for(task, timeout=0.5)
