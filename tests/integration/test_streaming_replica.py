"""The replica harness itself: a real streaming replica, whose lag the tests make on demand."""

from collections.abc import Iterator

import pytest

from tests.integration.replication import StreamingPair, start_streaming_pair

pytestmark = pytest.mark.slow


@pytest.fixture
def streaming_pair() -> Iterator[StreamingPair]:
    yield from start_streaming_pair()


async def test_a_paused_replica_lags_behind_the_primary_and_catches_up_when_resumed(
    streaming_pair: StreamingPair,
) -> None:
    primary, replica = streaming_pair.primary, streaming_pair.replica
    assert await replica.scalar("SELECT pg_is_in_recovery()") is True
    assert await primary.scalar("SELECT pg_is_in_recovery()") is False
    await primary.scalar("CREATE TABLE marks (n int)")
    await primary.scalar("INSERT INTO marks VALUES (1)")
    await streaming_pair.caught_up()
    assert await replica.scalar("SELECT count(*) FROM marks") == 1

    await streaming_pair.pause_replay()
    await primary.scalar("INSERT INTO marks VALUES (2)")
    assert await primary.scalar("SELECT count(*) FROM marks") == 2
    assert await replica.scalar("SELECT count(*) FROM marks") == 1, "a paused replica replayed"

    await streaming_pair.resume_replay()
    await streaming_pair.caught_up()
    assert await replica.scalar("SELECT count(*) FROM marks") == 2
