"""A bad setting stops `shop serve` and `alembic upgrade head` with one line naming it, and no
traceback.
"""

from dataclasses import dataclass

import pytest
from sqlalchemy import URL

from tests.integration.operations.harness import ALEMBIC, SHOP, run_command
from tests.plugins.processes import free_port, server_environment

pytestmark = pytest.mark.slow  # real processes


@dataclass(frozen=True)
class BadSetting:
    environment: dict[str, str | None]
    """Over the test environment; None removes the variable."""
    named: str
    """What the one line must name: the setting, or the host and port."""
    secret: str | None = None
    """A value the line must not show."""


UNREACHABLE_PORT = free_port()


BAD_SETTINGS = {
    "non-numeric POSTGRES_PORT": BadSetting(
        {"DATABASE_URL": None, "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "five-four-three"},
        "POSTGRES_PORT",
    ),
    "unknown SHOP_ENV": BadSetting({"SHOP_ENV": "staging"}, "SHOP_ENV"),
    "JWT_SECRET missing in production": BadSetting(
        {"SHOP_ENV": "production", "JWT_SECRET": None}, "JWT_SECRET"
    ),
    "JWT_SECRET shorter than 32 characters": BadSetting(
        {"JWT_SECRET": "short-secret-31-characters-long"},  # 31 characters: one too few
        "JWT_SECRET",
        "short-secret-31",
    ),
    "database unreachable": BadSetting(
        {
            "DATABASE_URL": None,
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(UNREACHABLE_PORT),
            "POSTGRES_PASSWORD": "db-password-never-shown",
            "DB_CONNECT_TIMEOUT": "1",
        },
        f"127.0.0.1:{UNREACHABLE_PORT}",
        "db-password-never-shown",
    ),
    "DATABASE_URL that is no URL": BadSetting(
        {"DATABASE_URL": "postgresql://shop:url-password-1@db.example:port/shop"},
        "DATABASE_URL",
        "url-password-1",
    ),
    "DATABASE_URL of another database": BadSetting(
        {"DATABASE_URL": "mysql://shop:url-password-2@db.example/shop"},
        "DATABASE_URL",
        "url-password-2",
    ),
}


COMMANDS = {
    "shop serve": [SHOP, "serve", "--port", str(free_port()), "--workers", "1"],
    "alembic upgrade head": [ALEMBIC, "upgrade", "head"],
}


@pytest.fixture(params=list(COMMANDS))
def command(request: pytest.FixtureRequest) -> tuple[str, list[str]]:
    return request.param, COMMANDS[request.param]


@pytest.mark.parametrize("case", list(BAD_SETTINGS))
def test_a_bad_setting_stops_the_command_with_one_line_naming_it_and_no_traceback(
    database_url: URL, command: tuple[str, list[str]], case: str
) -> None:
    name, argv = command
    bad = BAD_SETTINGS[case]
    environment = server_environment(database_url)  # a real database, had the setting been fine
    for variable, setting in bad.environment.items():
        if setting is None:
            environment.pop(variable, None)
        else:
            environment[variable] = setting

    code, output, seconds = run_command(argv, environment, timeout=20)

    lines = [line for line in output.splitlines() if line.strip()]
    assert code > 0, f"{name} exited with {code}:\n{output}"
    assert "Traceback" not in output
    assert len(lines) == 1, output
    (line,) = lines
    assert bad.named in line, line
    if bad.secret:
        assert bad.secret not in line
    if name.startswith("alembic"):
        assert line.startswith("FAILED: "), line
    if case == "database unreachable":
        assert 1 <= seconds < 10  # retried for DB_CONNECT_TIMEOUT, then gave up
