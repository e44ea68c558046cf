"""Every integration test runs under the watch over log lines (tests/plugins/watch.py).

The fixtures themselves live in tests/plugins/, one module per job. The names below are
re-exported so that `from tests.integration.conftest import ...` keeps working; new code
imports them from their plugin.
"""

import pytest

from tests.integration.statements import counting_statements
from tests.plugins.databases import create_database, drop_database, execute_autocommit, migrate
from tests.plugins.processes import LiveServer, free_port, running_server, server_environment
from tests.plugins.settings import PROJECT_ROOT, TEST_JWT_SECRET, settings_for
from tests.plugins.users import Caller, a_caller, log_in
from tests.plugins.watch import LogRecorder

__all__ = [
    "PROJECT_ROOT",
    "TEST_JWT_SECRET",
    "Caller",
    "LiveServer",
    "LogRecorder",
    "a_caller",
    "counting_statements",
    "create_database",
    "drop_database",
    "execute_autocommit",
    "free_port",
    "log_in",
    "migrate",
    "running_server",
    "server_environment",
    "settings_for",
]


@pytest.fixture(autouse=True)
def watched(no_secret_reaches_a_log_line: None) -> None:
    """Applies the log watch to every test in this directory (unit tests may log traces)."""
