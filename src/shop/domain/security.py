"""What the use cases need from cryptography, without saying how it is done."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of checking a password; `new_hash` is set when the hash should be renewed."""

    valid: bool
    new_hash: str | None = None


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, password_hash: str) -> Verification: ...

    async def verify_nothing(self, password: str) -> None:
        """Spend the time a verification takes, for callers with no hash to check against."""
        ...


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A signed bearer token, and how many seconds it stays valid."""

    token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class TokenSubject:
    """Whom a valid token was issued to, and at which of their token versions."""

    user_id: int
    token_version: int


class TokenService(Protocol):
    def issue(self, user_id: int, token_version: int) -> AccessToken: ...

    def subject_of(self, token: str) -> TokenSubject:
        """Whom a valid token names; InvalidToken for any other token."""
        ...
