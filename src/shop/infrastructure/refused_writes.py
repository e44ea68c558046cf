"""Why the database refused a write: the SQLSTATE of an integrity error, as the driver gives it."""

from sqlalchemy import exc as sa_exc

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"


def violates(error: sa_exc.IntegrityError, sqlstate: str) -> bool:
    """Whether the database refused the write with this SQLSTATE."""
    return getattr(error.orig, "sqlstate", None) == sqlstate
