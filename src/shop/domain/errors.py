"""What can go wrong, in the shop's own words.

Each error belongs to one family (not found, conflict, invalid input, ...); the API maps a
family to one HTTP status, so a new error needs no new handler.
"""


class DomainError(Exception):
    """Base of every error the domain raises on purpose.

    An error whose detail never changes says it once, as the class attribute `detail`, and
    is raised without arguments.
    """

    detail: str

    def __init__(self, detail: str | None = None) -> None:
        if detail is not None:
            self.detail = detail
        super().__init__(self.detail)


class NotAuthenticated(DomainError):
    """The caller did not prove who they are (no, bad or expired credentials)."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class NotFound(DomainError):
    """No such record, or not one the caller may see."""


class Conflict(DomainError):
    """The request clashes with the current state (taken names, stock, order state)."""


class InvalidInput(DomainError):
    """The request breaks a business rule; `field` names the input at fault, if one is."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class PreconditionFailed(DomainError):
    """A condition the caller set (an `If-Match` version) no longer holds."""


class StorageUnavailable(Exception):
    """The database cannot be reached or is too busy; the request may succeed when retried.

    Not a DomainError: no rule of the shop was broken, and nothing about the request was
    wrong. The storage adapters raise it; the API answers it with a 503.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
