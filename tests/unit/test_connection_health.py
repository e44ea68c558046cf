"""Connection loss is told apart from a bad statement by what asyncpg and SQLAlchemy raise."""

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi

from shop.infrastructure.connection_health import is_connection_error

Adapted = AsyncAdapt_asyncpg_dbapi


def raised_from(error: BaseException, cause: BaseException) -> BaseException:
    """`error` as Python leaves it after `raise error from cause`."""
    try:
        raise error from cause
    except BaseException as raised:
        return raised


def through_sqlalchemy(driver_error: Exception) -> sa_exc.DBAPIError:
    """The driver's error as a writing unit meets it: adapted, then wrapped by SQLAlchemy."""
    adapted_type = (
        Adapted.InterfaceError
        if isinstance(driver_error, asyncpg.exceptions.InterfaceError)
        else Adapted.Error
    )
    adapted = raised_from(adapted_type(str(driver_error), driver_error), driver_error)
    wrapper = sa_exc.DBAPIError.instance("SELECT 1", {}, adapted, Adapted.Error)
    return raised_from(wrapper, adapted)  # type: ignore[return-value]


LOST = {
    "socket closed mid-operation": asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    ),
    "bare InterfaceError": asyncpg.exceptions.InterfaceError(
        "cannot perform operation: connection is closed"
    ),
    "ended while idle in the pool": asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    ),
    "fast shutdown": asyncpg.exceptions.AdminShutdownError("terminating connection"),
    "crash of another backend": asyncpg.exceptions.CrashShutdownError("crash"),
    "server starting": asyncpg.exceptions.CannotConnectNowError("the database system is up"),
    "max_connections reached": asyncpg.exceptions.TooManyConnectionsError("sorry, too many"),
    "connection reset": ConnectionResetError(104, "Connection reset by peer"),
    "connection refused": ConnectionRefusedError(111, "Connection refused"),
    "unix socket gone": FileNotFoundError(2, "No such file or directory"),
    "no route to the host": OSError(113, "No route to host"),
    "connect or statement timeout": TimeoutError(),
}

NOT_LOST = {
    "bad input": asyncpg.exceptions.DataError("invalid input for query argument $1"),
    "value out of range": asyncpg.exceptions.NumericValueOutOfRangeError("out of range"),
    "unique violation": asyncpg.exceptions.UniqueViolationError("duplicate key"),
    "statement cancelled": asyncpg.exceptions.QueryCanceledError("canceling statement"),
    "programming error": asyncpg.exceptions.UndefinedColumnError("column does not exist"),
    "a bug": ValueError("not a database error at all"),
}


@pytest.mark.parametrize("error", LOST.values(), ids=LOST.keys())
def test_connection_loss_met_on_the_driver_connection_is_recognised(error: Exception) -> None:
    assert is_connection_error(error)


@pytest.mark.parametrize("error", LOST.values(), ids=LOST.keys())
def test_connection_loss_met_through_sqlalchemy_is_recognised(error: Exception) -> None:
    assert is_connection_error(through_sqlalchemy(error))


def test_a_connect_that_failed_inside_the_pool_is_recognised() -> None:
    """The pool's connect raises the adapted error itself, not wrapped in a DBAPIError."""
    lost = asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle of operation")
    assert is_connection_error(raised_from(Adapted.Error(str(lost), lost), lost))


@pytest.mark.parametrize("error", NOT_LOST.values(), ids=NOT_LOST.keys())
def test_a_failed_statement_is_not_taken_for_connection_loss(error: Exception) -> None:
    assert not is_connection_error(error)
    if type(error).__module__.startswith("asyncpg"):
        assert not is_connection_error(through_sqlalchemy(error))


def test_sqlalchemy_timeouts_disconnections_and_invalidations_are_connection_loss() -> None:
    assert is_connection_error(sa_exc.TimeoutError("QueuePool limit reached"))
    assert is_connection_error(sa_exc.DisconnectionError("ping failed"))
    invalidated = through_sqlalchemy(asyncpg.exceptions.DataError("bad"))
    invalidated.connection_invalidated = True
    assert is_connection_error(invalidated)
