"""Cursors are opaque to clients, but must survive the round trip and refuse tampering."""

import base64
import json

import pytest

from shop.domain.pagination import InvalidCursor, decode_cursor, encode_cursor


def test_a_cursor_round_trips_its_key() -> None:
    cursor = encode_cursor("-price", ["12.50", 7])
    assert decode_cursor(cursor, "-price", 2) == ["12.50", 7]


def test_a_cursor_is_url_safe() -> None:
    cursor = encode_cursor("name", ["ÿ?/+&=" * 5, 1])
    assert all(c.isalnum() or c in "-_" for c in cursor)


def _raw(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage!",
        "x" * 600,
        _raw({"a": 1}),
        _raw(["price", "1.00"]),
        _raw(["name", "a", 1]),
        _raw(["price", True, 1]),
        _raw(["price", None, 1]),
        encode_cursor("price", ["1.00", 2]) + "A",
    ],
)
def test_a_malformed_or_foreign_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, "price", 2)
