"""Read-your-writes within one request: the WAL position it must see, and the one it wrote.

The API sets a request's scope from its `X-Consistency-Token` header and answers with the
position its writes reached; the infrastructure reads the first when it picks a server for
a read, and records the second when a write commits. Neither layer knows the other: both
meet here, in plain Python.
"""

import re
from contextvars import ContextVar, Token
from dataclasses import dataclass

LSN_PATTERN = r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"
"""How PostgreSQL writes an LSN (`16/B374D848`): two 32-bit halves in hexadecimal."""
_LSN = re.compile(LSN_PATTERN)


def parse_lsn(text: str) -> int | None:
    """The position `text` names, or None when it is not an LSN."""
    if not _LSN.fullmatch(text):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def format_lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


@dataclass(slots=True)
class RequestConsistency:
    """What one request may read from, and what it wrote."""

    replica_allowed: bool = False
    """Whether its reads may be served by a replica (only requests that do not write)."""
    must_see: int | None = None
    """A WAL position its reads must reflect: a replica serves them only once it replayed it."""
    wrote: int | None = None
    """The WAL position its last commit reached, handed back as its consistency token."""


_current: ContextVar[RequestConsistency | None] = ContextVar("consistency", default=None)


def begin(scope: RequestConsistency) -> Token[RequestConsistency | None]:
    return _current.set(scope)


def end(token: Token[RequestConsistency | None]) -> None:
    _current.reset(token)


def current() -> RequestConsistency | None:
    """The scope of the request being served; None outside a request (CLI, start-up)."""
    return _current.get()


def note_commit(position: int) -> None:
    """Record that the current request's write committed at `position`."""
    scope = _current.get()
    if scope is not None:
        scope.wrote = position
