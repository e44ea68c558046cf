"""An unhandled error: its stack trace, request id, method and route in the log, no secret
anywhere, and a bare 500 problem for the client."""

import logging

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from shop.api.log_redaction import REDACTED
from tests.plugins.watch import LogRecorder

LEAKED_PASSWORD = "leaky-password-1"
HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"


async def test_an_unhandled_error_is_logged_with_its_stack_and_no_secret_and_answered_500(
    app: FastAPI, log_recorder: LogRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    async def fail_deep_inside() -> None:
        raise RuntimeError(f"password={LEAKED_PASSWORD} row={HASH}")

    app.router.add_api_route("/items/{item_id}/explode", fail_deep_inside, methods=["POST"])
    first_line = len(log_recorder.lines)
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://shop.test") as c:
        response = await c.post("/items/7/explode", headers={"X-Request-ID": "req-4711"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Internal Server Error",
        "instance": "/items/7/explode",
    }
    [record] = [r for r in caplog.records if r.name == "shop.request"]
    assert record.levelno == logging.ERROR
    assert (record.request_id, record.method, record.route) == (
        "req-4711",
        "POST",
        "/items/{item_id}/explode",
    )
    assert record.getMessage() == (
        "unhandled RuntimeError while serving POST /items/{item_id}/explode"
    )
    assert record.exc_text is not None
    assert record.exc_text.startswith("Traceback (most recent call last)")
    assert "in fail_deep_inside" in record.exc_text
    [line] = [line for line in log_recorder.lines[first_line:] if "unhandled" in line]
    assert "Traceback" in line
    assert f"RuntimeError: password={REDACTED} row={REDACTED}" in line
    assert LEAKED_PASSWORD not in line
    assert "$argon2" not in line
