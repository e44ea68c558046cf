"""Every integration test runs under the watch over log lines (tests/plugins/watch.py).

The fixtures themselves live in tests/plugins/, one module per job; helpers are imported
from there.
"""

import pytest


@pytest.fixture(autouse=True)
def watched(no_secret_reaches_a_log_line: None) -> None:
    """Applies the log watch to every test in this directory (unit tests may log traces)."""
