"""The fault matrix: each fault breaks a service of its own; the run's summary lists figures."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.faults.harness import FIGURES_PROPERTY, Shop, shop_on
from tests.integration.test_outage import OwnPostgres, own_postgres

__all__ = ["own_postgres"]


@pytest.fixture
async def shop(own_postgres: OwnPostgres, tmp_path: Path) -> AsyncIterator[Shop]:
    """`shop serve` (one worker) on a PostgreSQL of the test's own, seeded."""
    async with shop_on(own_postgres.url, tmp_path) as running:
        yield running


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per fault: the codes the customers saw, the longest request, the time to recover."""
    lines = [
        value
        for report in terminalreporter.stats.get("passed", [])
        + terminalreporter.stats.get("failed", [])
        for name, value in getattr(report, "user_properties", ())
        if name == FIGURES_PROPERTY
    ]
    if lines:
        terminalreporter.section("fault matrix")
        for line in lines:
            terminalreporter.write_line(str(line))
