"""The suite's fixtures, as small plugins by job (tests/plugins/):

- postgres_server: where the database server comes from (the one place that chooses);
- databases: the migrated template, a fresh copy per test, the `db` engine on it;
- service: the container, the app and the in-process HTTP client;
- users: an administrator and customers with their tokens;
- processes: real `shop serve` processes on free ports;
- watch: no secret or hash in a response or a log line, no stack trace in a response;
- fault_figures: the fault matrix's figures in the run's summary.
"""

import pytest

# The plugins and shared helpers assert too: pytest explains their failures as it does tests'.
pytest.register_assert_rewrite(
    "tests.plugins",
    "tests.integration.helpers",
    "tests.integration.problems",
    "tests.integration.statements",
)

pytest_plugins = [
    "tests.plugins.postgres_server",
    "tests.plugins.databases",
    "tests.plugins.service",
    "tests.plugins.users",
    "tests.plugins.processes",
    "tests.plugins.watch",
    "tests.plugins.fault_figures",
]
