"""Telling a database out of reach from a statement that failed."""

from sqlalchemy import exc as sa_exc

_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_connection_error(error: BaseException) -> bool:
    """Whether `error` means the database is out of reach, rather than a bad statement."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
            return True
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        return sqlstate.startswith(_CONNECTION_SQLSTATES) or (
            error.orig is not None and is_connection_error(error.orig)
        )
    # asyncpg raises bare OS errors (socket gone, refused) that SQLAlchemy does not wrap.
    return isinstance(error, OSError | TimeoutError | sa_exc.TimeoutError) or (
        type(error).__module__.startswith("asyncpg")
        and (getattr(error, "sqlstate", None) or "").startswith(_CONNECTION_SQLSTATES)
    )
