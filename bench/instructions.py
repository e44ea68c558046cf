"""`make bench-instructions`: CPU instructions per request, the service against the yardstick.

Timings on a shared machine wander by 10% from one run to the next; instruction counts under
callgrind repeat to within about 1%, whatever else the machine is doing. Each app is driven
in-process (its ASGI callable, 64 concurrent callers, the server's own logging) under
`valgrind --tool=callgrind`, once with a short and once with a long run: the difference over
the extra requests is what one request costs, start-up left out. The HTTP server's own share
(uvicorn, httptools) is the same for both apps and is not counted. Needs valgrind:
`apt-get install valgrind`.

    python bench/instructions.py              # both endpoints, about 10 minutes
    python bench/instructions.py --drive service --path /products/7 --requests 100
"""

import argparse
import asyncio
import logging.config
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from run import create_database
from seed import PASSWORD, seed_shop
from servers import libpq_url, service_environment, start_database, yardstick_environment
from sqlalchemy import URL

from shop.api.log_setup import log_config
from shop.infrastructure.passwords import Argon2PasswordHasher

CALLERS = 64
WARM_UP_PER_CALLER = 16
SHORT, LONG = 1024, 5120
PRODUCTS = 10_000
ENDPOINTS = {"GET /products/{id}": "/products/{id}", "GET /products?limit=20": "/products?limit=20"}
VALGRIND_MISSING = "bench: valgrind is not installed; install it with: apt-get install -y valgrind"
_COLLECTED = re.compile(r"Collected : (\d+)")

Message = MutableMapping[str, Any]


def _app(name: str) -> Any:
    if name == "yardstick":
        import yardstick  # noqa: PLC0415 - only this mode needs it

        return yardstick.create_app()
    from shop.api.app import create_app  # noqa: PLC0415 - the service reads its settings here

    return create_app()


async def _lifespan(
    event: str, inbox: asyncio.Queue[Message], outbox: asyncio.Queue[Message]
) -> None:
    """Send the app one lifespan event and wait for it to be done."""
    await inbox.put({"type": f"lifespan.{event}"})
    answer = await outbox.get()
    if not answer["type"].endswith(".complete"):
        raise RuntimeError(f"lifespan {event} failed: {answer}")


async def _get(app: Any, target: str) -> int:
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


async def drive(name: str, path: str, requests: int) -> None:
    """Serve `requests` GETs of `path` ({id}: a random product) through the app in-process."""
    logging.config.dictConfig(log_config())
    app = _app(name)
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    await _lifespan("startup", inbox, outbox)
    ids = random.Random(1)  # noqa: S311 - which products to read, not a secret

    async def caller(count: int) -> None:
        for _ in range(count):
            status = await _get(app, path.replace("{id}", str(ids.randint(1, PRODUCTS))))
            if status != 200:
                raise RuntimeError(f"{name} answered GET {path} with {status}")

    await asyncio.gather(*(caller(WARM_UP_PER_CALLER) for _ in range(CALLERS)))
    await asyncio.gather(*(caller(requests // CALLERS) for _ in range(CALLERS)))
    await _lifespan("shutdown", inbox, outbox)
    await lifespan


def _instructions(name: str, path: str, requests: int, environment: dict[str, str]) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--drive",
        name,
        "--path",
        path,
        "--requests",
        str(requests),
    ]
    done = subprocess.run(  # noqa: S603 - valgrind on this very script
        command,
        env=environment,
        cwd=tempfile.gettempdir(),  # away from the project's .env
        capture_output=True,
        text=True,
        check=False,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{name} under callgrind failed:\n{done.stderr[-3000:]}")
    return int(found.group(1))


def per_request(name: str, path: str, environment: dict[str, str]) -> float:
    short = _instructions(name, path, SHORT, environment)
    long = _instructions(name, path, LONG, environment)
    return (long - short) / (LONG - SHORT)


def _environments(url: URL) -> dict[str, dict[str, str]]:
    secret = secrets.token_urlsafe(48)
    data_dir = Path(tempfile.mkdtemp(prefix="shop-instructions-"))
    return {
        "service": service_environment(url, secret, data_dir),
        "yardstick": yardstick_environment(url, secret),
    }


def measure() -> int:
    if shutil.which("valgrind") is None:
        print(VALGRIND_MISSING, file=sys.stderr)
        return 2
    print(f"seeding {PRODUCTS:,} products in a throwaway PostgreSQL", flush=True)
    server_url = start_database()
    url = create_database(server_url, "shop", Path(tempfile.mkdtemp()) / "migrate.log")
    password_hash = asyncio.run(Argon2PasswordHasher().hash(PASSWORD))
    asyncio.run(seed_shop(libpq_url(url), PRODUCTS, 100, 1_000, password_hash))
    environments = _environments(url)
    print(f"{'endpoint':<24} {'service':>12} {'yardstick':>12} {'ratio':>6}")
    for label, path in ENDPOINTS.items():
        counts = {name: per_request(name, path, env) for name, env in environments.items()}
        ratio = counts["yardstick"] / counts["service"]
        print(
            f"{label:<24} {counts['service']:>12,.0f} {counts['yardstick']:>12,.0f} {ratio:>6.2f}"
        )
    print("instructions per request, in-process; ratio: yardstick / service (higher is better)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drive", choices=("service", "yardstick"), help="(under callgrind)")
    parser.add_argument("--path", default="/products/{id}")
    parser.add_argument("--requests", type=int, default=SHORT)
    options = parser.parse_args()
    if options.drive is None:
        return measure()
    import uvloop  # noqa: PLC0415 - as the servers run

    uvloop.run(drive(options.drive, options.path, options.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
