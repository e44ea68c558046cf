"""What can go wrong, in the shop's own words.

Each error belongs to one family (not found, conflict, invalid input, ...); the API maps a
family to one HTTP status, so a new error needs no new handler.
"""


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    title = "Domain error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAuthenticated(DomainError):
    """The caller did not prove who they are (no, bad or expired credentials)."""

    title = "Not authenticated"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    title = "Forbidden"


class NotFound(DomainError):
    title = "Not found"


class Conflict(DomainError):
    title = "Conflict"


class InvalidInput(DomainError):
    title = "Invalid input"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class PreconditionFailed(DomainError):
    title = "Precondition failed"


class StorageUnavailable(Exception):
    """The database cannot be reached or is too busy; the request may succeed when retried.

    Not a DomainError: no rule of the shop was broken, and nothing about the request was
    wrong. The storage adapters raise it; the API answers it with a 503.
    """

    title = "Service unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
