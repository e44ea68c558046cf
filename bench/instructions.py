"""`make bench-instructions`: CPU instructions per request, the service against the yardstick.

Timings on a shared machine wander by 10% from one run to the next; instruction counts under
callgrind repeat to within about 1%, whatever else the machine is doing. Each app is driven
in-process (its ASGI callable, 64 concurrent callers, the server's own logging) under
`valgrind --tool=callgrind`, once with a short and once with a long run: the difference over
the extra requests is what one request costs, start-up left out. The HTTP server's own share
(uvicorn, httptools) is the same for both apps and is not counted. Needs valgrind:
`apt-get install valgrind`.

    python bench/instructions.py              # every endpoint: an hour or more on 2 cores
    python bench/instructions.py --only "GET /orders?limit=20"
    python bench/instructions.py --drive service --endpoint "GET /products/{id}" --requests 100

The order endpoints are called as seeded customers, with tokens the service's own token
service signs (the yardstick checks the same secret and issuer); the orders POSTed take one
of each product, as `make bench` does.
"""

import argparse
import asyncio
import itertools
import logging.config
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from run import create_database
from seed import HOT_PRODUCT_ID, PASSWORD, seed_shop
from servers import libpq_url, service_environment, start_database, yardstick_environment
from sqlalchemy import URL

from shop.api.log_setup import log_config
from shop.infrastructure.passwords import Argon2PasswordHasher
from shop.infrastructure.tokens import JwtTokenService
from shop.settings import Settings

CALLERS = 64
WARM_UP_PER_CALLER = 16
SHORT, LONG = 1024, 5120
"""Requests in the short and the long run of a read; a write, some five times dearer under
callgrind, runs a fifth as many."""
WRITE_SHORT, WRITE_LONG = SHORT // 5, LONG // 5
PRODUCTS = 10_000
CUSTOMERS = 100
LINES_PER_ORDER = 3
ENDPOINTS = (
    "GET /products/{id}",
    "GET /products?limit=20",
    "GET /orders?limit=20",
    "POST /orders (many products)",
    "POST /orders (hot product)",
)
TOKENS_VARIABLE = "BENCH_TOKENS"
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


class Requests:
    """The method, path, headers and body of each request to one endpoint, as wrk sends them."""

    def __init__(self, endpoint: str, tokens: list[str]) -> None:
        self._endpoint = endpoint
        self._tokens = itertools.cycle(tokens or [""])
        self._random = random.Random(1)  # noqa: S311 - which products, not a secret

    def next(self) -> tuple[str, str, list[tuple[bytes, bytes]], bytes]:
        headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"bench")]
        method, _, target = self._endpoint.partition(" ")
        if target.startswith("/orders"):
            headers.append((b"authorization", f"Bearer {next(self._tokens)}".encode()))
        if method == "GET":
            product_id = self._random.randint(1, PRODUCTS)
            return method, target.replace("{id}", str(product_id)), headers, b""
        headers.append((b"content-type", b"application/json"))
        ids = [HOT_PRODUCT_ID]
        if "many" in target:
            ids = self._random.sample(range(HOT_PRODUCT_ID + 1, PRODUCTS + 1), LINES_PER_ORDER)
        items = ",".join(f'{{"product_id":{i},"quantity":1}}' for i in ids)
        return method, "/orders", headers, f'{{"items":[{items}]}}'.encode()


async def _call(app: Any, requests: Requests) -> int:
    method, target, headers, body = requests.next()
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


async def drive(name: str, endpoint: str, requests: int) -> None:
    """Serve `requests` requests to `endpoint` through the app in-process."""
    logging.config.dictConfig(log_config())
    app = _app(name)
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    lifespan = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    await _lifespan("startup", inbox, outbox)
    calls = Requests(endpoint, os.environ.get(TOKENS_VARIABLE, "").split(","))

    async def caller(count: int) -> None:
        for _ in range(count):
            status = await _call(app, calls)
            if status not in (200, 201):
                raise RuntimeError(f"{name} answered {endpoint} with {status}")

    await asyncio.gather(*(caller(WARM_UP_PER_CALLER) for _ in range(CALLERS)))
    await asyncio.gather(*(caller(requests // CALLERS) for _ in range(CALLERS)))
    await _lifespan("shutdown", inbox, outbox)
    await lifespan


def _instructions(name: str, endpoint: str, requests: int, environment: dict[str, str]) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--drive",
        name,
        "--endpoint",
        endpoint,
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


def per_request(name: str, endpoint: str, environment: dict[str, str]) -> float:
    """The instructions one request costs: the long run's count less the short run's, per
    request more. The two runs go side by side (counts do not depend on what else runs)."""
    short, long = runs(endpoint)
    with ThreadPoolExecutor(2) as both:
        counts = both.map(lambda n: _instructions(name, endpoint, n, environment), (long, short))
        long_count, short_count = counts
    return (long_count - short_count) / (long - short)


def runs(endpoint: str) -> tuple[int, int]:
    """How many requests the short and the long run of `endpoint` send."""
    return (WRITE_SHORT, WRITE_LONG) if endpoint.startswith("POST") else (SHORT, LONG)


def _environments(url: URL) -> dict[str, dict[str, str]]:
    secret = secrets.token_urlsafe(48)
    data_dir = Path(tempfile.mkdtemp(prefix="shop-instructions-"))
    # Under callgrind everything runs some 50 times slower: no request may give up waiting.
    patience = {f"DB_{name}_TIMEOUT": "600" for name in ("POOL", "STATEMENT", "SOCKET")}
    service = service_environment(url, secret, data_dir) | patience
    # The seeded customers are users 1..CUSTOMERS, at token version 0.
    # Valid for a day: measuring every endpoint under callgrind takes hours on a busy machine.
    signer = JwtTokenService(secret, Settings.model_fields["jwt_issuer"].default, 86_400)
    tokens = ",".join(signer.issue(user_id, 0).token for user_id in range(1, CUSTOMERS + 1))
    return {
        "service": service | {TOKENS_VARIABLE: tokens},
        "yardstick": yardstick_environment(url, secret) | {TOKENS_VARIABLE: tokens},
    }


def measure(endpoints: list[str]) -> int:
    if shutil.which("valgrind") is None:
        print(VALGRIND_MISSING, file=sys.stderr)
        return 2
    print(f"seeding {PRODUCTS:,} products in a throwaway PostgreSQL", flush=True)
    server_url = start_database()
    url = create_database(server_url, "shop", Path(tempfile.mkdtemp()) / "migrate.log")
    password_hash = asyncio.run(Argon2PasswordHasher().hash(PASSWORD))
    asyncio.run(seed_shop(libpq_url(url), PRODUCTS, CUSTOMERS, 1_000, password_hash))
    environments = _environments(url)
    print(f"{'endpoint':<30} {'service':>12} {'yardstick':>12} {'ratio':>6}")
    for endpoint in endpoints:
        counts = {name: per_request(name, endpoint, env) for name, env in environments.items()}
        ratio = counts["yardstick"] / counts["service"]
        print(
            f"{endpoint:<30} {counts['service']:>12,.0f} {counts['yardstick']:>12,.0f}"
            f" {ratio:>6.2f}"
        )
    print("instructions per request, in-process; ratio: yardstick / service (higher is better)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=ENDPOINTS, action="append", help="(repeatable)")
    parser.add_argument("--drive", choices=("service", "yardstick"), help="(under callgrind)")
    parser.add_argument("--endpoint", choices=ENDPOINTS, default=ENDPOINTS[0])
    parser.add_argument("--requests", type=int, default=SHORT)
    options = parser.parse_args()
    if options.drive is None:
        return measure(options.only or list(ENDPOINTS))
    import uvloop  # noqa: PLC0415 - as the servers run

    uvloop.run(drive(options.drive, options.endpoint, options.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
