"""The watch over what the service shows: no secret or hash in a response or a log line, and
no stack trace in a response.

Every password a test sends and every token it receives is remembered (`SecretWatch`, one per
test session); after each integration test, none of them and no Argon2 hash may appear in the
log lines the test produced (tracebacks may, redacted). The client's hooks check each response
as it comes.
"""

import json
import logging
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from httpx import Request, Response

from shop.api.log_redaction import SecretRedactingFilter
from tests.plugins.settings import TEST_JWT_SECRET

_FORBIDDEN_IN_RESPONSES = ("$argon2", "hashed_password", "Traceback")
_FORBIDDEN_IN_LOGS = ("$argon2",)
_MIN_SECRET_LENGTH = 8


class SecretWatch:
    """Every password and token the tests send or receive: none may reach a response or a log."""

    def __init__(self) -> None:
        self.secrets: set[str] = {TEST_JWT_SECRET}

    def remember(self, value: object) -> None:
        if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
            self.secrets.add(value)

    def passwords(self) -> set[str]:
        """The secrets a response may never show (a token may show in its own answer)."""
        return {s for s in self.secrets if s != TEST_JWT_SECRET and not s.startswith("ey")}

    async def remember_secrets_sent(self, request: Request) -> None:
        body = request.content
        if not body:
            return
        try:
            fields = json.loads(body)
        except ValueError:
            fields = dict(parse_qsl(body.decode("utf-8", "replace")))
        if isinstance(fields, dict):
            for name in ("password", "current_password"):
                self.remember(fields.get(name))

    async def check_response(self, response: Response) -> None:
        """No hash, trace or password in any response; tokens received are remembered.

        A server error other than 503 (the answer while the database is out) fails the test at
        the request itself: no test of the `client` fixture expects one.
        """
        text = (await response.aread()).decode("utf-8", "replace")
        leaked = [s for s in (*_FORBIDDEN_IN_RESPONSES, *self.passwords()) if s in text]
        assert not leaked, f"a response to {response.request.url.path} shows {leaked}"
        if response.status_code >= 500 and response.status_code != 503:
            request = response.request
            pytest.fail(f"{request.method} {request.url} answered {response.status_code}: {text}")
        if response.request.url.path == "/auth/token" and response.status_code == 200:
            self.remember(response.json()["access_token"])

    def leaks_in(self, lines: list[str]) -> list[str]:
        """The lines that hold a secret or a hash."""
        forbidden = (*self.secrets, *_FORBIDDEN_IN_LOGS)
        return [line for line in lines if any(s in line for s in forbidden)]


class LogRecorder(logging.Handler):
    """Keeps every formatted log line of the run, tracebacks included.

    It filters as the service's own log handlers do (SecretRedactingFilter), so the lines
    it keeps are those the service would write.
    """

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.addFilter(SecretRedactingFilter([TEST_JWT_SECRET]))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session")
def secret_watch() -> SecretWatch:
    """The session's secrets, kept so that one test's password is caught in a later test too."""
    return SecretWatch()


@pytest.fixture(scope="session")
def log_recorder() -> Iterator[LogRecorder]:
    root = logging.getLogger()
    recorder, level = LogRecorder(), root.level
    root.addHandler(recorder)
    root.setLevel(logging.INFO)  # what the service logs in production
    yield recorder
    root.removeHandler(recorder)
    root.setLevel(level)


@pytest.fixture
def no_secret_reaches_a_log_line(
    log_recorder: LogRecorder, secret_watch: SecretWatch
) -> Iterator[None]:
    """After the test: none of its log lines (stack traces included) holds a secret or a hash.

    Every integration test runs under it (tests/integration/conftest.py).
    """
    first = len(log_recorder.lines)
    yield
    leaked = secret_watch.leaks_in(log_recorder.lines[first:])
    assert not leaked, f"log lines leak a secret or a hash: {leaked}"
