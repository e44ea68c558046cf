"""Which address a login is throttled by, on a real `shop serve`: the connection's peer,
unless FORWARDED_ALLOW_IPS names the peer as a proxy whose X-Forwarded-For to believe."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy import URL

from tests.plugins.processes import running_server

PER_ADDRESS = 3
LIMITS = {"LOGIN_ATTEMPTS_PER_ADDRESS": str(PER_ADDRESS), "LOGIN_ATTEMPTS_PER_ACCOUNT": "100"}


def statuses(base_url: str, forwarded_for: list[str]) -> list[int]:
    """Wrong-password logins, each for another account, claiming these client addresses."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return [
            client.post(
                "/auth/token",
                data={"username": f"user{n}@example.com", "password": "wrong-password"},
                headers={"X-Forwarded-For": address},
            ).status_code
            for n, address in enumerate(forwarded_for)
        ]


@pytest.mark.slow
def test_x_forwarded_for_is_ignored_by_default(database_url: URL, tmp_path: Path) -> None:
    claimed = [f"203.0.113.{n}" for n in range(PER_ADDRESS + 1)]
    with running_server(database_url, tmp_path, **LIMITS) as server:
        answered = statuses(server.base_url, claimed)

    assert answered == [401] * PER_ADDRESS + [429]


@pytest.mark.slow
def test_x_forwarded_for_names_the_client_behind_a_proxy_the_setting_names(
    database_url: URL, tmp_path: Path
) -> None:
    with running_server(
        database_url, tmp_path, FORWARDED_ALLOW_IPS="127.0.0.1", **LIMITS
    ) as server:
        distinct = statuses(server.base_url, [f"203.0.113.{n}" for n in range(PER_ADDRESS + 1)])
        one = statuses(server.base_url, ["198.51.100.7"] * (PER_ADDRESS + 1))

    assert distinct == [401] * (PER_ADDRESS + 1)
    assert one == [401] * PER_ADDRESS + [429]
