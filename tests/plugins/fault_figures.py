"""The run's summary lists the fault matrix's figures (attached to each fault test's report).

A plugin of the whole suite, not of the faults' directory: with pytest-xdist the summary is
written by the controlling process, which never loads a test directory's conftest.
"""

import pytest

FIGURES_PROPERTY = "fault_figures"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Per fault: the codes the customers saw, the longest request, the time to recover."""
    lines = [
        value
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        for name, value in getattr(report, "user_properties", ())
        if name == FIGURES_PROPERTY
    ]
    if lines:
        terminalreporter.section("fault matrix")
        for line in lines:
            terminalreporter.write_line(str(line))
