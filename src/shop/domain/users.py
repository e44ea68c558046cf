"""Users: who may buy, who may run the shop, and how they prove it."""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from email_validator import EmailNotValidError, validate_email

from shop.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from shop.domain.limits import MAX_EMAIL_LENGTH, MAX_ID, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,50}$")
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,9}")


class Role(StrEnum):
    ADMIN = "admin"
    CUSTOMER = "customer"


class InvalidUser(InvalidInput):
    pass


class EmailTaken(Conflict):
    detail = "A user with this e-mail address already exists."


class UsernameTaken(Conflict):
    detail = "This username is taken."


class UserNotFound(NotFound):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"User {user_id} does not exist.")


class InvalidCredentials(NotAuthenticated):
    # One answer for an unknown e-mail and a wrong password: existence is not revealed.
    detail = "The e-mail address or the password is wrong."


class InvalidToken(NotAuthenticated):
    detail = "The access token is missing, malformed, expired or revoked."


class WrongPassword(Forbidden):
    detail = "current_password is not the current password."


class AdminOnly(Forbidden):
    detail = "Only an administrator may do this."


class SelfAdministration(Forbidden):
    detail = "An administrator cannot deactivate or demote themself."


def checked_email_address(address: str) -> str:
    """An address as it was given, if mail could be addressed to it; reserved domains
    (`.test`, `.local`) are fine too, and nothing is looked up."""
    if len(address) <= MAX_EMAIL_LENGTH:
        try:
            validate_email(address, check_deliverability=False, globally_deliverable=False)
        except EmailNotValidError:
            pass
        else:
            return address
    raise InvalidUser("This is not an e-mail address.", field="email")


def normalized_email(email: str) -> str:
    """The form an e-mail address is stored and compared in: trimmed, lower case."""
    return checked_email_address(email.strip().lower())


def checked_username(username: str) -> str:
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidUser(
            "A username is 3 to 50 letters, digits, '_', '.' or '-'.", field="username"
        )
    return username


def checked_password(password: str, field: str = "password") -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidUser(
            f"A password is {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.", field
        )
    return password


def user_id_in_subject(subject: str) -> int:
    """The user id a token subject names, only in the one form the service writes it
    (ASCII digits, no sign, space or leading zero, within the id range); InvalidToken else."""
    # `int()` alone would take an Arabic-Indic one, " 1", "+1", "1_0", and ids past the range.
    if not _CANONICAL_ID.fullmatch(subject) or int(subject) > MAX_ID:
        raise InvalidToken
    return int(subject)


@dataclass(frozen=True, slots=True)
class NewUser:
    """A user about to be registered; the password is already hashed."""

    email: str
    username: str
    password_hash: str
    role: Role = Role.CUSTOMER

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", normalized_email(self.email))
        checked_username(self.username)


@dataclass(eq=False, slots=True)
class User:
    id: int
    email: str
    username: str
    password_hash: str
    role: Role
    created_at: datetime
    is_active: bool = True
    token_version: int = 0
    """Tokens carry the version they were issued at; raising it ends every earlier token."""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def require_admin(self) -> None:
        if not self.is_admin:
            raise AdminOnly

    def may_see(self, user_id: int) -> bool:
        """Admins see everyone; a customer sees only themself."""
        return self.is_admin or self.id == user_id

    def rename(self, username: str) -> None:
        self.username = checked_username(username)

    def change_password_hash(self, password_hash: str) -> None:
        """A new password: every token issued before it ends."""
        self.password_hash = password_hash
        self.token_version += 1

    def set_active(self, active: bool) -> None:
        """Deactivating ends every token of the user; their orders stay."""
        if self.is_active and not active:
            self.token_version += 1
        self.is_active = active

    def accepts_token_version(self, token_version: int) -> bool:
        """Whether a token issued at `token_version` still speaks for this user."""
        return self.is_active and token_version == self.token_version


class UserReader(Protocol):
    """Users as the read side sees them."""

    async def get(self, user_id: int) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """Look up by e-mail address, case-insensitively."""
        ...

    async def list_page(self, after_id: int | None, limit: int) -> list[User]:
        """Up to `limit` users in id order, starting after `after_id`."""
        ...


class UserRepository(UserReader, Protocol):
    """Users as a unit of work changes them."""

    async def add(self, new: NewUser) -> User:
        """Store a new user; EmailTaken or UsernameTaken when either is in use."""
        ...

    async def get_for_update(self, user_id: int) -> User | None:
        """Like `get`, holding the user's row locked until the unit of work ends."""
        ...

    async def save(self, user: User) -> None:
        """Store the username, password hash, role, activity and token version;
        UsernameTaken when the name is in use."""
        ...
