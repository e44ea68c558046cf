"""A flood of wrong passwords against one account, on a real `shop serve`: it is refused early
(429s within seconds, never a 5xx), the catalogue stays quick for everyone else, and the
account's owner logs in once the throttle window has passed.

The attackers run in a process of their own (40 concurrent clients, each sending its next
guess as soon as an answer comes, as a script would); this process times product reads one
at a time, on the quiet service before and after the flood and during it, and compares the
p99s. Argon2 runs at the service's default cost, as in production.
"""

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.plugins.processes import LiveServer, running_server
from tests.plugins.settings import PROJECT_ROOT

ATTACKERS = 40
FLOOD_SECONDS = 12.0
QUIET_READS = 400
WINDOW = 10
"""The throttle window, short so that the owner's wait is short too."""
P99_FACTOR = 5
FIRST_429_WITHIN = 3.0
EMAIL, PASSWORD = "owner@example.com", "the-owners-password"


async def _flood(base_url: str, seconds: float) -> list[tuple[float, int]]:
    """Every attacker's answers, as (seconds since the flood began, status)."""
    answers: list[tuple[float, int]] = []
    start = time.monotonic()
    limits = httpx.Limits(max_connections=ATTACKERS, max_keepalive_connections=ATTACKERS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def attacker(n: int) -> None:
            guess = 0
            while time.monotonic() - start < seconds:
                guess += 1
                form = {"username": EMAIL, "password": f"guess-{n}-{guess}"}
                response = await client.post("/auth/token", data=form)
                answers.append((time.monotonic() - start, response.status_code))

        await asyncio.gather(*(attacker(n) for n in range(ATTACKERS)))
    return answers


def flood_main() -> None:
    """Entry point of the attackers' process: prints their answers as JSON."""
    base_url, seconds = sys.argv[1], float(sys.argv[2])
    print(json.dumps(asyncio.run(_flood(base_url, seconds))))


def start_flood(server: LiveServer) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this module, fixed arguments
        [
            sys.executable,
            "-c",
            "from tests.integration.test_login_flood import flood_main; flood_main()",
            server.base_url,
            str(FLOOD_SECONDS),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def timed_reads(
    client: httpx.Client, path: str, *, count: int | None = None, until: float = 0
) -> list[float]:
    """Latencies in seconds of sequential reads of `path`: `count` of them, or until `until`."""
    latencies = []
    while (count is not None and len(latencies) < count) or (
        count is None and time.monotonic() < until
    ):
        began = time.perf_counter()
        response = client.get(path)
        latencies.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
    return latencies


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


def log_in(client: httpx.Client, password: str = PASSWORD) -> httpx.Response:
    return client.post("/auth/token", data={"username": EMAIL, "password": password})


def add_product(url: URL) -> int:
    async def insert() -> int:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(
                    text(
                        "INSERT INTO products (name, price, quantity) "
                        "VALUES ('Desk lamp', 30, 5) RETURNING id"
                    )
                )
                return int(result.scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(insert())


def flood_figures(answers: list[tuple[float, int]]) -> dict[str, Any]:
    statuses = [status for _, status in answers]
    refused = [at for at, status in answers if status == 429]
    return {
        "attempts": len(answers),
        "by_status": {s: statuses.count(s) for s in sorted(set(statuses))},
        "first_429_s": min(refused, default=None),
    }


@pytest.mark.slow
def test_a_login_flood_is_refused_early_and_does_not_slow_the_catalogue(
    database_url: URL, tmp_path: Path
) -> None:
    product_path = f"/products/{add_product(database_url)}"
    environment = {
        "ARGON2_TIME_COST": "3",
        "ARGON2_MEMORY_COST": "65536",
        "AUTH_THROTTLE_WINDOW": str(WINDOW),
    }
    with (
        running_server(database_url, tmp_path, **environment) as server,
        httpx.Client(base_url=server.base_url, timeout=30) as client,
    ):
        body = {"email": EMAIL, "username": "owner", "password": PASSWORD}
        assert client.post("/users", json=body).status_code == 201

        timed_reads(client, product_path, count=100)  # warm up
        quiet = timed_reads(client, product_path, count=QUIET_READS)

        attackers = start_flood(server)
        began = time.monotonic()
        time.sleep(0.5)  # the flood under way
        during = timed_reads(client, product_path, until=began + FLOOD_SECONDS - 0.5)
        owner_during = log_in(client)
        output, _ = attackers.communicate(timeout=FLOOD_SECONDS + 60)
        flood_ended = time.monotonic()
        answers = json.loads(output)

        owner_after = log_in(client)
        while owner_after.status_code == 429 and time.monotonic() - flood_ended < 2 * WINDOW + 5:
            time.sleep(1)
            owner_after = log_in(client)
        owner_waited = time.monotonic() - flood_ended
        # The quiet baseline brackets the flood: other work on the machine (other tests run
        # beside this one) weighs on the reads before it and after it alike.
        quiet += timed_reads(client, product_path, count=QUIET_READS)

    figures = {
        **flood_figures(answers),
        "quiet_p99_ms": round(p99(quiet) * 1000, 2),
        "flood_p99_ms": round(p99(during) * 1000, 2),
        "reads_during_flood": len(during),
        "owner_logged_in_after_s": round(owner_waited, 1),
    }
    figures["p99_ratio"] = round(figures["flood_p99_ms"] / figures["quiet_p99_ms"], 2)
    print(f"login flood figures: {figures}")

    assert attackers.returncode == 0
    assert figures["by_status"].keys() <= {401, 429}, figures
    assert figures["first_429_s"] is not None, figures
    assert figures["first_429_s"] < FIRST_429_WITHIN, figures
    assert owner_during.status_code == 429, owner_during.text
    assert figures["p99_ratio"] <= P99_FACTOR, figures
    assert owner_after.status_code == 200, (owner_after.text, figures)
    assert "Traceback" not in server.log()
