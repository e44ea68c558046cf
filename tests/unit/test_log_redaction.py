"""The log filter blanks out every kind of secret a log line could carry."""

import logging
import sys

import pytest

from shop.api.log_redaction import REDACTED, SecretRedactingFilter, redact

HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f"row ('ada@example.com', '{HASH}')", HASH),
        (f"Authorization: Bearer {JWT}", JWT),
        (f"token {JWT} refused", JWT),
        ("connecting to postgresql+asyncpg://shop:s3cr3t-pw@db:5432/shop", "s3cr3t-pw"),
        ("parameters: {'password': 'correct horse'}", "correct"),
        ("login failed: password=hunter2hunter2 for ada", "hunter2hunter2"),
        ('{"current_password": "old-password-1"}', "old-password-1"),
        ("api_key=abc123def456", "abc123def456"),
        (
            "(asyncpg.exceptions.UniqueViolationError) duplicate key\n"
            "[SQL: INSERT INTO users (email) VALUES ($1::VARCHAR)]\n"
            "[parameters: ('ada@example.com',)]\n(Background on this error at: ...)",
            "ada@example.com",
        ),
    ],
)
def test_a_secret_of_a_known_shape_is_blanked_out(line: str, secret: str) -> None:
    cleaned = redact(line)
    assert secret not in cleaned
    assert REDACTED in cleaned


def test_a_configured_secret_is_blanked_out_wherever_it_appears() -> None:
    assert redact("the key is 7f3a9c1e-signing-key", ["7f3a9c1e-signing-key"]) == (
        f"the key is {REDACTED}"
    )


def test_an_ordinary_line_is_left_as_it_is() -> None:
    line = "GET /products/{product_id} 200 1.2ms"
    assert redact(line, ["s3cr3t-pw"]) is line


def _record_with_error(message: str, *args: object) -> logging.LogRecord:
    try:
        raise RuntimeError("password=hunter2hunter2 in the message")
    except RuntimeError:
        exc_info = sys.exc_info()
    return logging.LogRecord("shop.request", logging.ERROR, __file__, 1, message, args, exc_info)


def test_the_filter_keeps_the_stack_trace_without_its_secrets() -> None:
    record = _record_with_error("unhandled error for %s", "s3cr3t-pw")
    assert SecretRedactingFilter(["s3cr3t-pw"]).filter(record)
    line = logging.Formatter("%(message)s").format(record)
    assert line.startswith(f"unhandled error for {REDACTED}\nTraceback (most recent call last)")
    assert "_record_with_error" in line
    assert "hunter2hunter2" not in line
    assert "s3cr3t-pw" not in line


def test_an_empty_configured_secret_blanks_out_nothing() -> None:
    record = logging.LogRecord("shop", logging.INFO, __file__, 1, "an ordinary line", None, None)
    SecretRedactingFilter([""]).filter(record)
    assert record.getMessage() == "an ordinary line"
