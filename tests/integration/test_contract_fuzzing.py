"""Schemathesis against the app's own OpenAPI schema: every operation, every check.

It runs the real server on a throwaway database, as a customer and as an admin, with a
fixed seed and a bounded number of examples so the run is repeatable and takes minutes.
A failure prints schemathesis' own report, with a curl line to reproduce each finding.
"""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import URL

from tests.plugins.processes import LiveServer, running_server, server_environment

pytestmark = pytest.mark.slow  # real processes

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES_PER_OPERATION = 25
SEED = 20261125
CHECKS_THE_CONTRACT_RULES_OUT = {
    # A customer who registers someone else may not read them (a 404 by contract), so "a
    # resource just created can be read" holds for the admin only.
    "customer": ["--exclude-checks", "ensure_resource_availability"],
    "admin": [],
}


def token_for(server: LiveServer, email: str, password: str) -> str:
    response = httpx.post(
        f"{server.base_url}/auth/token", data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def make_admin(url: URL, email: str, password: str) -> None:
    result = subprocess.run(  # noqa: S603 - the project's own command
        [str(Path(sys.executable).parent / "shop"), "create-admin", "--email", email],
        env=server_environment(url, SHOP_ADMIN_PASSWORD=password),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def seed_catalogue(server: LiveServer, admin_token: str) -> None:
    """A few products, so that generated orders and reads find something to work on."""
    for number in range(1, 6):
        response = httpx.post(
            f"{server.base_url}/products",
            json={"name": f"Product {number}", "price": f"{number}.50", "quantity": 1000},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert response.status_code == 201, response.text


@pytest.fixture
def fuzzed_server(database_url: URL, tmp_path: Path) -> tuple[LiveServer, dict[str, str]]:
    with running_server(database_url, tmp_path) as server:
        make_admin(database_url, "fuzz-admin@example.com", "fuzz-admin-password")
        admin = token_for(server, "fuzz-admin@example.com", "fuzz-admin-password")
        registered = httpx.post(
            f"{server.base_url}/users",
            json={
                "email": "fuzz-customer@example.com",
                "username": "fuzzer",
                "password": "fuzz-customer-password",
            },
        )
        assert registered.status_code == 201, registered.text
        customer = token_for(server, "fuzz-customer@example.com", "fuzz-customer-password")
        seed_catalogue(server, admin)
        yield server, {"admin": admin, "customer": customer}


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_every_operation_keeps_the_contract_under_generated_input(
    fuzzed_server: tuple[LiveServer, dict[str, str]], role: str, tmp_path: Path
) -> None:
    server, tokens = fuzzed_server
    result = subprocess.run(  # noqa: S603 - the project's own schemathesis, fixed arguments
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{server.base_url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--seed",
            str(SEED),
            "--generation-database",
            "none",  # every run starts from the seed alone, not from earlier findings
            "--header",
            f"Authorization: Bearer {tokens[role]}",
            *CHECKS_THE_CONTRACT_RULES_OUT[role],
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"schemathesis found failures as {role}:\n{report[-20000:]}"
    assert "No issues found" in report or " passed" in report, report[-5000:]
    assert "Traceback" not in server.log()
