"""SHOP_TEST_DATABASE: where the suite's server comes from, and what a run says when it cannot.

Each case runs pytest itself on one small test file, with a Docker engine address where no
engine listens: the same answer on a machine with Docker and on one without.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ONE_TEST = "tests/integration/test_postgresql_version.py"

pytestmark = pytest.mark.slow  # each case is a pytest run of its own


def run_the_suite(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TEST_DATABASE_URL", "SHOP_TEST_DATABASE", "DOCKER_HOST")
    }
    env["DOCKER_HOST"] = f"unix://{tmp_path}/no-engine.sock"
    env.update(environment)
    return subprocess.run(  # noqa: S603 - this interpreter's pytest on the project's own tests
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_TEST],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def lines_about_the_database(output: str) -> list[str]:
    return [
        line
        for line in output.splitlines()
        if "SHOP_TEST_DATABASE" in line or "test database:" in line
    ]


def test_auto_falls_back_to_the_embedded_server_with_one_line_saying_why(tmp_path: Path) -> None:
    result = run_the_suite(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    [line] = lines_about_the_database(result.stdout)
    assert line.startswith(
        "test database: the embedded PostgreSQL, not a container: the Docker engine at "
        f"unix://{tmp_path}/no-engine.sock does not answer ("
    ), line
    assert "1 passed" in result.stdout


def test_container_fails_instead_of_falling_back(tmp_path: Path) -> None:
    result = run_the_suite(tmp_path, SHOP_TEST_DATABASE="container")

    assert result.returncode == 1, result.stdout + result.stderr
    [line] = lines_about_the_database(result.stdout + result.stderr)
    assert "SHOP_TEST_DATABASE=container, but the Docker engine at unix://" in line
    assert "embedded" not in result.stdout + result.stderr
    assert "passed" not in result.stdout


def test_url_without_a_url_says_what_to_set(tmp_path: Path) -> None:
    result = run_the_suite(tmp_path, SHOP_TEST_DATABASE="url")

    assert result.returncode == 4, result.stdout + result.stderr
    [line] = lines_about_the_database(result.stdout + result.stderr)
    assert "SHOP_TEST_DATABASE=url needs TEST_DATABASE_URL=postgresql://" in line


def test_an_unknown_choice_names_the_ones_there_are(tmp_path: Path) -> None:
    result = run_the_suite(tmp_path, SHOP_TEST_DATABASE="docker")

    assert result.returncode == 4, result.stdout + result.stderr
    [line] = lines_about_the_database(result.stdout + result.stderr)
    assert "SHOP_TEST_DATABASE='docker': use one of auto, container, embedded, url" in line
