"""Why the database refused a write: the integrity error asyncpg raised, and its SQLSTATE."""

import asyncpg  # type: ignore[import-untyped]  # no type hints shipped

UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"

RefusedWrite: type[Exception] = asyncpg.exceptions.IntegrityConstraintViolationError
"""What a write the database refuses raises: a unique, foreign key or check violation."""


def violates(error: Exception, sqlstate: str) -> bool:
    """Whether the database refused the write with this SQLSTATE."""
    return getattr(error, "sqlstate", None) == sqlstate


def broken_unique_constraint(error: Exception) -> str | None:
    """The name of the unique constraint the refused write broke ("" when the server named
    none); None when it broke no unique constraint."""
    if not violates(error, UNIQUE_VIOLATION):
        return None
    return getattr(error, "constraint_name", None) or ""
