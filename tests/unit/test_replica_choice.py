"""Which replica may serve a read: judged by what it replayed against where the primary was."""

from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shop.infrastructure.connection_gate import ConnectionGate
from shop.infrastructure.replicas import PrimaryHistory, Replica, ReplicaSet

MAX_LAG = 5.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def a_replica(name: str, replayed: int | None, reachable: bool = True) -> Replica:
    # Choosing never touches the engine; the checks that would are not run here.
    replica = Replica(name, cast(AsyncEngine, object()), ConnectionGate(5, 1.0))
    replica.replayed, replica.reachable = replayed, reachable
    return replica


def replica_set(clock: Clock, *replicas: Replica, wait: float = 0.0) -> ReplicaSet:
    return ReplicaSet(
        cast(AsyncEngine, object()),
        replicas,
        max_lag=MAX_LAG,
        wait=wait,
        check_interval=0.5,
        clock=clock,
    )


def sighted(replicas: ReplicaSet, clock: Clock, position: int) -> None:
    history = cast(Any, replicas)._history
    history.saw(clock.now, position)


def test_a_replica_is_as_fresh_as_the_last_time_the_primary_had_nothing_past_its_replay() -> None:
    history = PrimaryHistory(keep=10)
    for at, position in ((1.0, 100), (2.0, 200), (3.0, 300)):
        history.saw(at, position)
    assert history.fresh_as_of(250) == 2.0
    assert history.fresh_as_of(300) == 3.0
    assert history.fresh_as_of(99) is None


def test_sightings_older_than_kept_are_forgotten() -> None:
    history = PrimaryHistory(keep=10)
    history.saw(1.0, 100)
    history.saw(20.0, 200)
    assert history.fresh_as_of(150) is None


def test_an_idle_primary_keeps_a_caught_up_replica_fresh() -> None:
    clock = Clock()
    replica = a_replica("r1", replayed=500)
    replicas = replica_set(clock, replica)
    for _ in range(20):  # ten seconds of checks, the primary writing nothing
        sighted(replicas, clock, 500)
        clock.now += 0.5
    assert replicas.lag(replica) == pytest.approx(0.5)
    assert replicas.pick() is replica


def test_a_replica_further_behind_than_the_bound_serves_nothing() -> None:
    clock = Clock()
    replica = a_replica("r1", replayed=100)
    replicas = replica_set(clock, replica)
    sighted(replicas, clock, 100)
    clock.now += 1
    sighted(replicas, clock, 200)  # the primary moved on; the replica did not
    clock.now += MAX_LAG - 1
    assert replicas.pick() is replica, "within the bound it may still serve"
    clock.now += 1.5
    assert replicas.lag(replica) == pytest.approx(MAX_LAG + 1.5)
    assert replicas.pick() is None


def test_an_unreachable_replica_serves_nothing() -> None:
    clock = Clock()
    replicas = replica_set(clock, a_replica("r1", replayed=100, reachable=False))
    sighted(replicas, clock, 100)
    assert replicas.pick() is None


def test_a_read_with_a_token_goes_only_to_a_replica_that_replayed_it() -> None:
    clock = Clock()
    behind, ahead = a_replica("behind", replayed=100), a_replica("ahead", replayed=300)
    replicas = replica_set(clock, behind, ahead)
    sighted(replicas, clock, 100)
    assert {replicas.pick(must_see=250) for _ in range(4)} == {ahead}
    assert {replicas.pick() for _ in range(4)} == {behind, ahead}, "no token: in turn"
    assert replicas.pick(must_see=301) is None


async def test_without_patience_a_token_no_replica_replayed_goes_to_the_primary() -> None:
    clock = Clock()
    replicas = replica_set(clock, a_replica("r1", replayed=100), wait=0)
    sighted(replicas, clock, 100)
    assert await replicas.choose(must_see=200) is None
    assert await replicas.choose(must_see=100) is not None
