"""Keyset pagination: pages of items and the opaque cursors that point past them."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

from shop.domain.errors import InvalidInput
from shop.domain.limits import MAX_ID

_MAX_CURSOR_LENGTH = 512

CursorValue: TypeAlias = str | int
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the cursor to the next one."""

    items: list[T]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last page."""


class InvalidCursor(InvalidInput):
    def __init__(self) -> None:
        super().__init__("The cursor is malformed or belongs to another listing.", field="cursor")


def encode_cursor(ordering: str, key: Sequence[CursorValue]) -> str:
    """Pack the sort key of the last item seen into an opaque, URL-safe string."""
    payload = json.dumps([ordering, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, ordering: str, arity: int) -> list[CursorValue]:
    """Unpack a cursor made by `encode_cursor` for the same ordering, or raise InvalidCursor."""
    if not cursor or len(cursor) > _MAX_CURSOR_LENGTH:
        raise InvalidCursor
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (ValueError, binascii.Error):
        raise InvalidCursor from None
    if not isinstance(decoded, list) or len(decoded) != arity + 1 or decoded[0] != ordering:
        raise InvalidCursor
    key = decoded[1:]
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in key):
        raise InvalidCursor
    return key


def id_in_cursor(value: CursorValue) -> int:
    """An id taken from a cursor, within the range ids have, or InvalidCursor."""
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise InvalidCursor
    return value


def page_of(rows: list[T], limit: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """The page in `rows`, fetched with one row more than `limit` to tell if another follows."""
    items = rows[:limit]
    return Page(items, cursor_of(items[-1]) if len(rows) > limit else None)
