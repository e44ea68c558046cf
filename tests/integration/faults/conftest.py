"""The fault matrix: each fault breaks a service of its own (figures: plugins/fault_figures)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.faults.harness import Shop, shop_on
from tests.integration.test_outage import OwnPostgres, own_postgres

__all__ = ["own_postgres"]


@pytest.fixture
async def shop(own_postgres: OwnPostgres, tmp_path: Path) -> AsyncIterator[Shop]:
    """`shop serve` (one worker) on a PostgreSQL of the test's own, seeded."""
    async with shop_on(own_postgres.url, tmp_path) as running:
        yield running
