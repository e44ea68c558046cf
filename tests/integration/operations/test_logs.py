"""Logs of a real server: with LOG_FORMAT=json one JSON object a line, one access line per
request with its id, and no password, token, hash or database password anywhere.
"""

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from httpx import AsyncClient
from sqlalchemy import URL

from tests.integration.operations.harness import stop, until_logged
from tests.plugins.databases import create_database, drop_database
from tests.plugins.processes import LiveServer, running_server
from tests.plugins.settings import TEST_JWT_SECRET

pytestmark = pytest.mark.slow  # real processes


@dataclass(frozen=True)
class JsonLogRun:
    """A JSON-logging server's whole log, and what was sent to it."""

    lines: list[str]
    request_ids: dict[str, str]
    """The X-Request-ID sent for each named request."""
    secrets: list[str]


def with_a_database_password(url: URL) -> URL:
    """The test server trusts local connections: give the URL a password it must never log.
    A server of your own (TEST_DATABASE_URL) keeps the password it has."""
    return url if url.password else url.set(password=f"db-password-{uuid.uuid4().hex}")


@pytest.fixture(scope="module")
async def json_log_run(
    postgres_server: URL, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> JsonLogRun:
    """Register, log in (once wrongly), read, change the password, on a JSON-logging server;
    then stop it, so that its log is complete."""
    url = with_a_database_password(
        await create_database(postgres_server, "shop_logs", template=template_database)
    )
    password, wrong, new_password = "first-Password-of-zed", "wrong-Password-of-zed", "new-Pw-zed-2"
    ids = {
        name: f"{name}-{uuid.uuid4().hex[:8]}"
        for name in ("register", "login", "bad-login", "read", "missing", "patch")
    }
    try:
        with running_server(url, tmp_path_factory.mktemp("logs"), LOG_FORMAT="json") as server:
            async with AsyncClient(base_url=server.base_url, timeout=10) as http:

                async def send(name: str, request: httpx.Request, status: int) -> httpx.Response:
                    request.headers["X-Request-ID"] = ids[name]
                    response = await http.send(request)
                    assert response.status_code == status, response.text
                    assert response.headers["X-Request-ID"] == ids[name]
                    return response

                account = {"email": "zed@example.com", "username": "zed", "password": password}
                registered = await send(
                    "register", http.build_request("POST", "/users", json=account), 201
                )
                user_id = registered.json()["id"]
                form = {"username": "zed@example.com", "password": password}
                login = await send(
                    "login", http.build_request("POST", "/auth/token", data=form), 200
                )
                token = login.json()["access_token"]
                bearer = {"Authorization": f"Bearer {token}"}
                form = {"username": "zed@example.com", "password": wrong}
                await send("bad-login", http.build_request("POST", "/auth/token", data=form), 401)
                await send(
                    "read", http.build_request("GET", f"/users/{user_id}", headers=bearer), 200
                )
                await send("missing", http.build_request("GET", "/products/987654"), 404)
                change = {"password": new_password, "current_password": password}
                request = http.build_request("PATCH", "/users/me", json=change, headers=bearer)
                await send("patch", request, 200)
            stop(server)  # its exit status is the shutdown test's business
            lines = [line for line in server.log().splitlines() if line.strip()]
    finally:
        await drop_database(url)
    secrets = [password, wrong, new_password, token, TEST_JWT_SECRET, "$argon2", "Traceback"]
    if url.password and len(url.password) >= 8:
        secrets.append(url.password)
    return JsonLogRun(lines, ids, secrets)


def parsed(run: JsonLogRun) -> list[dict[str, object]]:
    return [json.loads(line) for line in run.lines]


def access_lines_of(run: JsonLogRun, request_id: str) -> list[dict[str, object]]:
    return [
        record
        for record in parsed(run)
        if record["logger"] == "shop.access" and record["request_id"] == request_id
    ]


def test_with_log_format_json_every_line_is_one_json_object_with_the_common_fields(
    json_log_run: JsonLogRun,
) -> None:
    assert len(json_log_run.lines) >= 8  # start-up, the requests, shutdown
    for line in json_log_run.lines:
        record = json.loads(line)  # fails on any line that is not JSON
        assert isinstance(record, dict), line
        assert {"timestamp", "level", "logger", "message", "request_id"} <= record.keys(), line
        assert datetime.fromisoformat(str(record["timestamp"])).tzinfo is not None, line
        assert record["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}, line


@pytest.mark.parametrize(
    ("request_name", "method", "route", "status"),
    [
        ("register", "POST", "/users", 201),
        ("login", "POST", "/auth/token", 200),
        ("bad-login", "POST", "/auth/token", 401),
        ("read", "GET", "/users/{user_id}", 200),
        ("missing", "GET", "/products/{product_id}", 404),
        ("patch", "PATCH", "/users/me", 200),
    ],
)
def test_each_request_has_one_json_access_line_with_its_id_method_route_status_and_duration(
    json_log_run: JsonLogRun, request_name: str, method: str, route: str, status: int
) -> None:
    request_id = json_log_run.request_ids[request_name]

    lines = access_lines_of(json_log_run, request_id)

    assert len(lines) == 1, lines
    (line,) = lines
    assert (line["method"], line["route"], line["status"]) == (method, route, status)
    assert isinstance(line["duration_ms"], int | float)
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"


def test_no_two_access_lines_share_a_request_id(json_log_run: JsonLogRun) -> None:
    ids = [r["request_id"] for r in parsed(json_log_run) if r["logger"] == "shop.access"]
    assert len(ids) >= len(json_log_run.request_ids)
    assert len(ids) == len(set(ids)), ids


def test_no_log_line_holds_a_password_a_token_a_hash_or_the_database_password(
    json_log_run: JsonLogRun,
) -> None:
    leaks = [
        (secret[:12], line)
        for line in json_log_run.lines
        for secret in json_log_run.secrets
        if secret in line
    ]
    assert leaks == []


async def test_text_logs_are_the_default_and_carry_the_request_id(live_server: LiveServer) -> None:
    request_id = f"text-{uuid.uuid4().hex[:12]}"
    async with AsyncClient(base_url=live_server.base_url, timeout=10) as http:
        response = await http.get("/products/987654", headers={"X-Request-ID": request_id})
    assert response.status_code == 404

    log = await until_logged(live_server, f"[{request_id}]")

    lines = [line for line in log.splitlines() if f"[{request_id}]" in line]
    assert len(lines) == 1, log
    (line,) = lines
    assert not line.lstrip().startswith("{")
    assert "shop.access" in line
    assert "GET /products/987654 404" in line
    assert re.search(r"\d+(\.\d+)?ms$", line), line
