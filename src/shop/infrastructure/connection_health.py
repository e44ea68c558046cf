"""Telling a database out of reach from a statement that failed.

What a lost or refused connection looks like depends on where it is met, so the whole chain
of an error (SQLAlchemy's wrapper, its adapted driver error, the asyncpg error behind it) is
looked at:

- asyncpg errors with a connection SQLSTATE: `ConnectionDoesNotExistError` (08003, a socket
  closed mid-operation) and the rest of class 08, `AdminShutdownError` (57P01, a fast
  shutdown), `CrashShutdownError` (57P02), `CannotConnectNowError` (57P03, the server
  starting or stopping), `TooManyConnectionsError` (53300);
- asyncpg's bare `InterfaceError` ("connection is closed", "another operation is
  cancelling"): no SQLSTATE, and raised as is on the read path, which borrows the driver
  connection; but not its subclasses for bad input or configuration (`DataError`, ...);
- asyncpg's `InternalClientError` ("cannot switch to state 12; another operation is in
  progress"), met on a pooled connection that the server ended while it sat idle;
- bare OS errors (`ConnectionResetError`, `ConnectionRefusedError`, a Unix socket gone:
  `FileNotFoundError`, `TimeoutError` of a connect or statement timeout), which SQLAlchemy
  does not wrap when they come out of the driver's connect;
- SQLAlchemy's own: a connection it invalidated, `DisconnectionError`, a pool timeout.
"""

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped
from sqlalchemy import exc as sa_exc

_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
_INPUT_OR_SETUP_ERRORS = (
    asyncpg.exceptions.DataError,
    asyncpg.exceptions.ClientConfigurationError,
    asyncpg.exceptions.UnsupportedClientFeatureError,
    asyncpg.exceptions.UnsupportedServerFeatureError,
)
_CHAIN_DEPTH = 8


def is_connection_error(error: BaseException) -> bool:
    """Whether `error` means the database is out of reach, rather than a bad statement."""
    chain = _causes(error)
    if any(isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated for e in chain):
        return True
    driver_errors = [e for e in chain if type(e).__module__.startswith("asyncpg")]
    if driver_errors:
        # The driver's own error says best what happened; SQLAlchemy's wrapper may call a
        # bad input (asyncpg's DataError) an InterfaceError all the same.
        return any(_driver_lost_connection(e) for e in driver_errors)
    return any(_lost_connection(e) for e in chain)


def _causes(error: BaseException) -> list[BaseException]:
    """`error`, what SQLAlchemy wrapped in it, and what it was raised from, outermost first."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(seen) < _CHAIN_DEPTH and current not in seen:
        seen.append(current)
        orig = current.orig if isinstance(current, sa_exc.DBAPIError) else None
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return seen


def _driver_lost_connection(error: BaseException) -> bool:
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        return True  # the connection's protocol state is broken: it cannot be used again
    if isinstance(error, asyncpg.exceptions.InterfaceError):
        return not isinstance(error, _INPUT_OR_SETUP_ERRORS)
    return _has_connection_sqlstate(error)


def _lost_connection(error: BaseException) -> bool:
    return _has_connection_sqlstate(error) or isinstance(
        error,
        OSError | TimeoutError | sa_exc.TimeoutError | sa_exc.DisconnectionError,
    )


def _has_connection_sqlstate(error: BaseException) -> bool:
    sqlstate = getattr(error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_CONNECTION_SQLSTATES)
